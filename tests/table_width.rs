//! Tables fit the terminal (issue 13): at `COLUMNS=120` no line of any
//! command's table is longer than 120 characters, at 1k, 1M, 100M and 10B
//! users; `plan` and `ladder` fit 80 too. `--wide` keeps every column on
//! one row, and machine formats do not change with the width.

use std::process::Command;

const USERS: [(&str, f64); 4] = [("1k", 1e3), ("1M", 1e6), ("100M", 1e8), ("10B", 1e10)];

/// Runs the binary with `COLUMNS` set (stdout is a pipe, not a terminal).
fn run(columns: usize, args: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_scaleplan"))
        .args(args)
        .env("COLUMNS", columns.to_string())
        .output()
        .expect("the scaleplan binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn args(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Asserts every line fits, counting characters (not bytes); returns the widest.
fn assert_fits(columns: usize, args: &[String]) -> usize {
    let out = run(columns, args);
    let widest = out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    for line in out.lines() {
        assert!(
            line.chars().count() <= columns,
            "{args:?} at {columns} columns: a line of {} characters:\n{line}\n\n{out}",
            line.chars().count()
        );
    }
    widest
}

/// The calculators, with inputs that grow with the user count `u`.
fn calculators(u: f64) -> Vec<String> {
    let rate = u / 100.0;
    vec![
        format!("queue --arrival-rate {rate}/s --service-time 10ms --p99 50ms"),
        format!("queue --arrival-rate {rate}/s --service-time 10ms --servers 1"),
        format!(
            "cache --keys {u} --zipf 0.9 --capacity {} --request-rate {rate}/s --read-rate {rate}/s",
            (u / 10.0).ceil()
        ),
        format!("cache --keys {u} --zipf 0.9 --target-hit 95% --object-size 1KiB --request-rate {rate}/s"),
        format!(
            "replicas --read-rate {rate}/s --write-rate {}/s --read-time 1ms --write-time 2ms --instance r7i.2xlarge --n-plus-one",
            rate / 10.0
        ),
        format!(
            "shards --size-to 20k/s --rate {rate}/s --keys {u} --zipf 0.9 --stored {}B --shard-storage 2TiB --growth 4% --reshard-to 64 --bandwidth 200MB/s",
            u * 1e6
        ),
    ]
}

#[test]
fn every_table_fits_120_columns_at_every_user_count() {
    let mut widest = Vec::new();
    for (users, u) in USERS {
        let mut commands = vec![
            format!("plan --users {users}"),
            format!("plan --users {users} --level tier"),
            format!("plan --users {users} --stage message-queue"),
            format!("plan --users {users} --stage single-server"),
            format!("sweep --all-stages --users {users}"),
            format!("sweep --users {users}..1T --points 5"),
        ];
        commands.extend(calculators(u));
        for command in commands {
            widest.push((assert_fits(120, &args(&command)), command));
        }
    }
    // The ladder searches every user count itself; models has none.
    for command in ["ladder", "models"] {
        widest.push((assert_fits(120, &args(command)), command.to_string()));
    }
    let (most, command) = widest.iter().max().expect("commands ran");
    println!("widest line at COLUMNS=120: {most} characters ({command})");
}

#[test]
fn plan_and_ladder_fit_80_columns() {
    for (users, _) in USERS {
        for command in [
            format!("plan --users {users}"),
            format!("plan --users {users} --stage multi-dc"),
        ] {
            assert_fits(80, &args(&command));
        }
    }
    assert_fits(80, &args("ladder"));
    assert_fits(80, &args("models"));
}

#[test]
fn long_reasons_become_numbered_notes_and_wide_keeps_them_inline() {
    let narrow = run(120, &args("plan --users 100M"));
    assert!(narrow.contains("┆ note │"), "{narrow}");
    assert!(narrow.lines().any(|l| l.starts_with("[1] ")), "{narrow}");
    let wide = run(120, &args("plan --users 100M --wide"));
    assert!(wide.contains("┆ reason "), "{wide}");
    assert!(wide.contains("┆ recommended ┆"), "every column: {wide}");
    assert!(wide.lines().any(|l| l.chars().count() > 400), "one row per stage");
    // Identical reasons share one note: stages 4–9 break at one ceiling.
    let ladder = run(120, &args("ladder"));
    let stages = [
        "db-replication",
        "cache",
        "cdn",
        "stateless-web",
        "multi-dc",
        "message-queue",
    ];
    let keys: Vec<&str> = ladder
        .lines()
        .filter(|l| stages.iter().any(|s| l.starts_with(&format!("│ {s} "))))
        .filter_map(|l| l.split('┆').next_back())
        .map(|cell| cell.trim_end_matches('│').trim())
        .collect();
    assert_eq!(keys.len(), 6, "{ladder}");
    assert!(keys.iter().all(|k| *k == "[4]"), "{keys:?}\n{ladder}");
}

#[test]
fn machine_formats_do_not_depend_on_the_width() {
    for format in ["json", "csv", "tsv"] {
        let command = args(&format!("plan --users 100M --format {format}"));
        assert_eq!(run(40, &command), run(400, &command), "{format}");
    }
}
