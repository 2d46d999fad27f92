#!/usr/bin/env python3
"""Regenerates the README's examples from real runs.

Every ```console block in README.md holds `$ scaleplan ...` lines, each
followed by what the command printed. This script runs each command with
the release binary (build it first: cargo build --release) at the width a
reader sees when stdout is not a terminal (COLUMNS=120), and writes the
output back in place. Run from the repository root:

    cargo build --release && python3 docs/regenerate_readme.py

It also redraws docs/ladder.svg (`scaleplan ladder --plot docs/ladder.svg`).
"""

import os
import re
import shlex
import subprocess
import sys

BINARY = os.path.join("target", "release", "scaleplan")
README = "README.md"
BLOCK = re.compile(r"(```console\n)(.*?)(```)", re.S)


def run(command):
    args = shlex.split(command)
    assert args[0] == "scaleplan", command
    env = dict(os.environ, COLUMNS="120")
    out = subprocess.run([BINARY] + args[1:], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{command}: exit {out.returncode}: {out.stderr}")
    return out.stdout


def regenerate(block):
    commands = [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    return "".join(f"$ {c}\n{run(c)}" for c in commands)


def main():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    text = BLOCK.sub(lambda m: m.group(1) + regenerate(m.group(2)) + m.group(3), text)
    with open(README, "w", encoding="utf-8") as f:
        f.write(text)
    run("scaleplan ladder --plot docs/ladder.svg")


if __name__ == "__main__":
    main()
