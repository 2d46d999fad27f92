//! Issue 13, items 1 and 5, on the command line: every numeric flag of every
//! command is found by walking the clap definitions, and each one
//!
//! - has a kind and a range in `ranges::FLAGS` (and its value name agrees
//!   with the kind, so a new `TIME` flag cannot escape the table);
//! - given a bare number where it needs a unit, exits 2 with one line
//!   naming the flag, the text and the fix;
//! - given a value outside its range, exits 2 with one line naming the flag
//!   and the range; and accepts both ends of the range.

mod common;

use common::scaleplan;
use scaleplan::cli;
use scaleplan::ranges::{find, Input, Kind, Range, FLAGS};

/// Value-taking flags that are not numbers: files, names and choices.
const NOT_NUMERIC: [&str; 17] = [
    "--commitment",
    "--fail",
    "--measurements",
    "--emit-workload",
    "--level",
    "--format",
    "--lb",
    "--policy",
    "--placement",
    "--workload",
    "--targets",
    "--catalog",
    "--prices",
    "--model",
    "--stage",
    "--plot",
    "--instance",
];

/// Value names that a numeric flag may carry, and those it may not.
const NUMERIC_NAMES: [&str; 17] = [
    "TIME", "RATE", "BYTES", "BYTES/S", "COUNT", "COUNTS", "FRACTION", "MIX", "FACTOR", "CV", "N", "K", "S", "V",
    "ITEMS", "CAPACITY", "GROWTH",
];

/// One flag of one subcommand.
struct Flag {
    command: Vec<String>,
    long: String,
    value_name: String,
}

/// Every value-taking long flag of every (nested) subcommand.
fn flags() -> Vec<Flag> {
    let mut out = Vec::new();
    walk(&cli::command(), &mut Vec::new(), &mut out);
    out
}

fn walk(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<Flag>) {
    for arg in cmd.get_arguments() {
        let (Some(long), true) = (arg.get_long(), arg.get_action().takes_values()) else {
            continue;
        };
        let value_name = arg
            .get_value_names()
            .and_then(|names| names.first())
            .map_or(String::new(), |n| n.to_string());
        out.push(Flag {
            command: path.clone(),
            long: format!("--{long}"),
            value_name,
        });
    }
    for sub in cmd.get_subcommands() {
        path.push(sub.get_name().to_string());
        walk(sub, path, out);
        path.pop();
    }
}

/// The flags with a range, each with its entry.
fn numeric_flags() -> Vec<(Flag, &'static Input)> {
    flags()
        .into_iter()
        .filter_map(|f| find(FLAGS, &f.long).map(|input| (f, input)))
        .collect()
}

/// `scaleplan <command> <required flags> <flag> <value>`: required flags
/// of `queue` are given so that the flag under test is what is judged.
fn line(command: &[String], flag: &str, value: &str) -> Vec<String> {
    let mut args: Vec<String> = command.to_vec();
    if command == ["queue"] {
        for (required, default) in [("--arrival-rate", "100/s"), ("--service-time", "10ms")] {
            if flag != required {
                args.extend([required.to_string(), default.to_string()]);
            }
        }
    }
    args.extend([flag.to_string(), value.to_string()]);
    args
}

/// Runs the binary; asserts exit 2 and one line on stderr; the line.
fn refused(args: &[String]) -> String {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = scaleplan(&refs);
    assert_eq!(code, 2, "{args:?} should exit 2: {out}{err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err:?}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    err.trim_end().to_string()
}

#[test]
fn every_flag_that_takes_a_value_is_numeric_with_a_range_or_named_as_not() {
    let all = flags();
    assert!(all.len() > 60, "the walk found {} flags", all.len());
    println!("{} value-taking flags over all commands", all.len());
    for flag in &all {
        let numeric = find(FLAGS, &flag.long).is_some();
        let named = NOT_NUMERIC.contains(&flag.long.as_str());
        assert!(
            numeric != named,
            "{} {}: in ranges::FLAGS: {numeric}, in NOT_NUMERIC: {named}",
            flag.command.join(" "),
            flag.long
        );
        assert_eq!(
            NUMERIC_NAMES.contains(&flag.value_name.as_str()),
            numeric,
            "{} {} <{}>: the value name says {} number",
            flag.command.join(" "),
            flag.long,
            flag.value_name,
            if numeric { "not a" } else { "a" }
        );
    }
    // No entry of either list is stale.
    for input in FLAGS {
        assert!(
            all.iter().any(|f| f.long == input.name),
            "{} is in no command",
            input.name
        );
    }
    for name in NOT_NUMERIC {
        assert!(all.iter().any(|f| f.long == name), "{name} is in no command");
    }
}

#[test]
fn value_names_agree_with_kinds() {
    for (flag, input) in numeric_flags() {
        let kinds: Vec<Kind> = input.ranges().map(|r| r.kind).collect();
        let ok = match flag.value_name.as_str() {
            "TIME" => kinds == [Kind::Duration],
            "RATE" => kinds == [Kind::Rate],
            "BYTES" => kinds == [Kind::Bytes],
            "BYTES/S" => kinds == [Kind::Bandwidth],
            "FRACTION" => kinds == [Kind::Fraction],
            "MIX" => kinds == [Kind::Mix],
            "COUNT" | "COUNTS" => matches!(kinds[..], [Kind::Count] | [Kind::Whole]),
            "N" | "K" | "S" | "V" | "ITEMS" => matches!(kinds[..], [Kind::Whole] | [Kind::Number]),
            "FACTOR" | "CV" => kinds == [Kind::Number],
            "CAPACITY" => kinds == [Kind::Rate, Kind::Bytes],
            "GROWTH" => kinds == [Kind::Fraction, Kind::Bytes],
            _ => true,
        };
        assert!(ok, "{} <{}> is {kinds:?}", flag.long, flag.value_name);
    }
}

#[test]
fn every_flag_with_a_dimension_refuses_a_bare_number() {
    let mut checked = 0;
    for (flag, input) in numeric_flags() {
        if !input.needs_unit() {
            continue;
        }
        let err = refused(&line(&flag.command, &flag.long, "250"));
        let want = format!("error: {}: \"250\" has no unit; write 250", flag.long);
        assert!(err.starts_with(&want), "{err}\nwanted: {want}…");
        checked += 1;
    }
    println!("{checked} flag uses (command, flag) refuse a bare number");
    assert!(checked >= 25, "{checked} flags with a unit");
}

#[test]
fn every_help_states_the_rule_and_the_range() {
    for (flag, input) in numeric_flags() {
        let mut cmd = cli::command();
        for name in &flag.command {
            cmd = cmd.find_subcommand(name).expect("subcommand").clone();
        }
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_long().map(|l| format!("--{l}")) == Some(flag.long.clone()))
            .expect("the flag");
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        assert!(
            help.contains(&format!("range: {}", input.describe())),
            "{}: {help}",
            flag.long
        );
        if input.needs_unit() {
            assert!(help.contains("unit"), "{}: {help}", flag.long);
        }
    }
}

/// Texts just outside a range (that the kind can write), and the ends.
fn outside(range: &Range) -> Vec<String> {
    let mut texts = Vec::new();
    let write = |x: f64| range.kind.write(x);
    match range.kind {
        // A fraction above 1 or a mix is not a well-formed value at all;
        // below the range it is.
        Kind::Fraction | Kind::Mix => {}
        _ => texts.push(write(range.max * 10.0)),
    }
    if range.max_open {
        texts.push(write(range.max));
    }
    if range.min_open {
        texts.push(write(range.min));
    } else if range.kind == Kind::Whole && range.min >= 1.0 {
        texts.push(write(range.min - 1.0));
    } else if range.min > 0.0 {
        texts.push(write(range.min / 10.0));
    }
    texts
}

#[test]
fn every_flag_refuses_values_outside_its_range_naming_it_and_the_range() {
    let mut checked = 0;
    for (flag, input) in numeric_flags() {
        for range in input.ranges() {
            for text in outside(range) {
                let err = refused(&line(&flag.command, &flag.long, &text));
                let want = format!(
                    "error: {}: \"{text}\" is out of range; give {}",
                    flag.long,
                    input.describe()
                );
                let want_one = format!(
                    "error: {}: \"{text}\" is out of range; give {}",
                    flag.long,
                    range.describe()
                );
                assert!(err == want || err == want_one, "{err}\nwanted: {want}");
                checked += 1;
            }
        }
    }
    println!("{checked} out-of-range values refused, naming the flag and the range");
    assert!(checked >= 80, "{checked} out-of-range values");
}

#[test]
fn every_flag_accepts_both_ends_of_its_range() {
    for (flag, input) in numeric_flags() {
        for range in input.ranges() {
            let ends = [(range.min, range.min_open), (range.max, range.max_open)];
            for (end, _) in ends.into_iter().filter(|(_, open)| !open) {
                let mut args = vec!["scaleplan".to_string()];
                args.extend(line(&flag.command, &flag.long, &range.kind.write(end)));
                // sweep's --points applies to a range of users, the default.
                let parsed = cli::parse_from(&args);
                assert!(parsed.is_ok(), "{args:?}: {:?}", parsed.err().map(|e| e.to_string()));
            }
        }
    }
}
