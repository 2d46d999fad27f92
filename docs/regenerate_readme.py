#!/usr/bin/env python3
"""Regenerates the README's examples from real runs.

Every ```console block in README.md holds `$ COMMAND` lines, each followed
by what the command printed. This script runs each command with the
release binary first on PATH (build it first: cargo build --release) at
the width a reader sees when stdout is not a terminal (COLUMNS=120), and
writes the output back in place (what it prints on stderr too, for a
command that fails: the README shows some errors on purpose; the notes
the script prints name them, to check none is unintended). A plain `scaleplan ...` line runs
directly; a line with a pipe, a redirection or a loop runs in bash. All
commands run in one scratch folder (files one example writes, the next
may read), which links the repository's data/, models/, docs/ and tests/.
Run from the repository root:

    cargo build --release && python3 docs/regenerate_readme.py

It also redraws the pictures the README embeds from the commands in PICTURES:
docs/ladder.svg (`scaleplan ladder --plot docs/ladder.svg`) and
docs/tornado.svg (the `scaleplan sensitivity ... --plot docs/tornado.svg`
example of "Planning with ranges"; the script stops with an error if the
README no longer shows its command, so each picture and the table beside it
always come from the same run).
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.getcwd()
BINARY_DIR = os.path.join(ROOT, "target", "release")
README = "README.md"
BLOCK = re.compile(r"(```console\n)(.*?)(```)", re.S)
SHELL = re.compile(r"[|<>;&$]|\bfor\b")
# The pictures the README embeds, each with the command that draws it.
PICTURES = {
    "docs/ladder.svg": "scaleplan ladder --plot docs/ladder.svg",
    "docs/tornado.svg": (
        "scaleplan sensitivity --requests-per-user 50..200 --web-cpu 10ms..40ms --users 900k..1.1M"
        " --plot docs/tornado.svg"
    ),
}


def run(command, cwd):
    env = dict(os.environ, COLUMNS="120", PATH=BINARY_DIR + os.pathsep + os.environ["PATH"])
    if SHELL.search(command):
        args = ["bash", "-c", "set -o pipefail; " + command]
    else:
        args = shlex.split(command)
    out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd)
    if out.returncode != 0:
        # An example of an error shows the error (stderr), as a terminal would.
        print(f"note: {command}: exit {out.returncode}", file=sys.stderr)
        return out.stdout + out.stderr
    return out.stdout


def regenerate(block, cwd):
    commands = [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    return "".join(f"$ {c}\n{run(c, cwd)}" for c in commands)


def main():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    with tempfile.TemporaryDirectory() as scratch:
        for name in ["data", "models", "docs", "tests"]:
            os.symlink(os.path.join(ROOT, name), os.path.join(scratch, name))
        text = BLOCK.sub(lambda m: m.group(1) + regenerate(m.group(2), scratch) + m.group(3), text)
    with open(README, "w", encoding="utf-8") as f:
        f.write(text)
    for picture, command in PICTURES.items():
        if command not in text:
            sys.exit(f"error: README.md no longer shows `{command}`: update PICTURES in {sys.argv[0]}")
        out = subprocess.run(
            shlex.split(command), capture_output=True, text=True, cwd=ROOT,
            env=dict(os.environ, COLUMNS="120", PATH=BINARY_DIR + os.pathsep + os.environ["PATH"]),
        )
        if out.returncode != 0:
            sys.exit(f"error: {command}: exit {out.returncode}: {out.stderr.strip()}")


if __name__ == "__main__":
    main()
