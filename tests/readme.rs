//! The README as a new user reads it (issue 13): it says how to get the
//! `scaleplan` command before it uses it, describes every output field of
//! every command, and points only to files that exist.

mod common;

use common::scaleplan;
use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README.md")
}

#[test]
fn install_comes_before_the_first_use() {
    let text = readme();
    let install = text.find("cargo install --path .").expect("an install line");
    let first_use = text.find("$ scaleplan").expect("an example");
    assert!(install < first_use);
}

#[test]
fn every_output_field_is_described() {
    let text = readme();
    for command in [
        "plan",
        "plan --level tier",
        "ladder",
        "sweep --users 1M",
        "queue --arrival-rate 1k/s --service-time 10ms",
        "cache --keys 1M --zipf 1 --capacity 1k --read-rate 1k/s",
        "replicas --read-rate 40k/s --write-rate 400/s --read-time 1ms --write-time 2ms --cores 8",
        "shards --shards 4 --keys 1M --zipf 1",
        // Ranged inputs: the banded records (few samples: the fields, not the figures).
        "plan --users 1M..2M --samples 10",
        "plan --users 1M..2M --samples 10 --level tier",
        "ladder --web-cpu 15ms..30ms --samples 10 --stage cache",
        "sensitivity --users 1M..2M --samples 10 --stage cache",
    ] {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.extend(["--format", "csv"]);
        let (code, out, err) = scaleplan(&args);
        assert_eq!(code, 0, "{command}: {err}");
        for field in out.lines().next().unwrap().split(',') {
            // `p50_response_s` … `p999_response_s` are described as a range.
            if ["p90_response_s", "p95_response_s", "p99_response_s"].contains(&field) && command.starts_with("queue") {
                continue;
            }
            assert!(
                text.contains(&format!("`{field}`")),
                "{command}: `{field}` is not described in README.md"
            );
        }
    }
}

#[test]
fn every_file_it_names_exists() {
    let text = readme();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut named = Vec::new();
    // Links `(path)` and code spans `path` that look like a repository path.
    for (open, close) in [('(', ')'), ('`', '`')] {
        for piece in text.split(open).skip(1) {
            let Some(candidate) = piece.split(close).next() else {
                continue;
            };
            let is_path = looks_like_path(candidate);
            if is_path {
                named.push(candidate.to_string());
            }
        }
    }
    assert!(named.len() >= 10, "{named:?}");
    for path in named {
        if path.contains('*') {
            let dir = root.join(path.rsplit_once('/').map_or("", |(d, _)| d));
            assert!(dir.is_dir(), "README names {path}, but {} is no folder", dir.display());
        } else {
            assert!(root.join(&path).exists(), "README names {path}, which does not exist");
        }
    }
}

/// A repository path: no spaces or flags, a folder or a file name with one
/// of the repository's extensions (`.svg` alone is an extension, no path).
fn looks_like_path(candidate: &str) -> bool {
    let bare_extension = candidate.starts_with('.') && !candidate.contains('/');
    let plain = !candidate.contains(' ') && !candidate.starts_with(['-', '#']) && !candidate.contains("://");
    let named = candidate.contains('/') || candidate.ends_with(".md") || candidate.ends_with(".svg");
    let known = [".rs", ".md", ".svg", ".toml", ".csv", ".py", "/run"]
        .iter()
        .any(|ext| candidate.ends_with(ext));
    plain && named && known && !bare_extension
}
