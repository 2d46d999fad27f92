//! `scaleplan defaults workload|targets` prints the built-in inputs ready to
//! copy, and every flag that overrides a file value shows the built-in value
//! in its help line (checked here against the files, so they cannot drift).

mod common;

use common::{scaleplan, temp_file};
use scaleplan::quantity::{parse_count, parse_duration_s, parse_fraction, parse_read_fraction};
use scaleplan::workload::{Targets, Workload};

#[test]
fn defaults_print_the_embedded_files_and_they_plan_as_the_built_ins() {
    for (what, file, flag) in [
        ("workload", include_str!("../data/workloads/default.toml"), "--workload"),
        ("targets", include_str!("../data/targets.toml"), "--targets"),
    ] {
        let (code, out, err) = scaleplan(&["defaults", what]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, file);
        assert!(out.lines().any(|l| l.starts_with('#')), "commented");
        let path = temp_file(&format!("copied-{what}.toml"), &out);
        let (_, copied, _) = scaleplan(&["plan", flag, &path, "--format", "json"]);
        let (_, builtin, _) = scaleplan(&["plan", "--format", "json"]);
        assert_eq!(copied, builtin, "{what}");
    }
    let (code, _, err) = scaleplan(&["defaults", "prices"]);
    assert_eq!(code, 2);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

/// The `[built-in: X]` of `--flag` in `help` (on its line, or on the
/// lines under it when clap puts the description below the flag).
fn built_in(help: &str, flag: &str) -> String {
    let lines: Vec<&str> = help.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with(&format!("{flag} ")))
        .unwrap_or_else(|| panic!("{flag} in help"));
    let end = lines[at + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('-'))
        .map_or(lines.len(), |i| at + 1 + i);
    let text = lines[at..end].join(" ");
    let start = text.find("[built-in: ").unwrap_or_else(|| panic!("{text}")) + "[built-in: ".len();
    let stop = text[start..].find(']').unwrap() + start;
    text[start..stop].to_string()
}

/// A quantity parser, as the flag uses it.
type Parse = fn(&str) -> f64;

#[test]
fn help_lines_show_the_built_in_values() {
    let (code, help, _) = scaleplan(&["plan", "--help"]);
    assert_eq!(code, 0);
    let (w, t) = (Workload::builtin(), Targets::builtin());
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    let cases: [(&str, Parse, f64); 8] = [
        ("--users", |x| parse_count(x).unwrap(), w.users),
        ("--dau-fraction", |x| parse_fraction(x).unwrap(), w.dau_fraction),
        ("--requests-per-user", |x| parse_count(x).unwrap(), w.requests_per_dau),
        ("--peak-factor", |x| parse_count(x).unwrap(), w.peak_factor),
        ("--read-write", |x| parse_read_fraction(x).unwrap(), w.read_fraction),
        ("--p99", |x| parse_duration_s(x).unwrap(), t.p99_s),
        ("--max-util", |x| parse_fraction(x).unwrap(), t.max_util),
        ("--availability", |x| parse_fraction(x).unwrap(), t.availability),
    ];
    for (flag, parse, value) in cases {
        let shown = built_in(&help, flag);
        assert!(
            close(parse(&shown), value),
            "{flag}: help says {shown}, the file {value}"
        );
    }
    for command in ["ladder", "sweep"] {
        let (_, help, _) = scaleplan(&[command, "--help"]);
        assert_eq!(built_in(&help, "--p99"), "250ms", "{command}");
    }
}
