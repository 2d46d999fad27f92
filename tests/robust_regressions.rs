//! Issue 13, item 5: one regression test per failure class, built from the
//! issue's own example, plus the class's in-range counterpart where the
//! example is now refused (the property tests in robust_properties.rs cover
//! each class over every valid input).

mod common;

use common::{json_rows, number, only_row, scaleplan, temp_file};
use std::time::{Duration, Instant};

/// Runs the binary; asserts exit 2 and one line on stderr; the line.
fn refused(args: &[&str]) -> String {
    let (code, out, err) = scaleplan(args);
    assert_eq!(code, 2, "{args:?} should exit 2: {out}{err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err:?}");
    err.trim_end().to_string()
}

/// The built-in sharding model with one line replaced.
fn sharding_model(name: &str, from: &str, to: &str) -> String {
    let text = include_str!("../models/10-sharding.toml");
    assert!(text.contains(from));
    temp_file(name, &text.replacen(from, to, 1))
}

// Aborts: a count from a file sized an allocation (exit 134).

#[test]
fn huge_counts_in_files_are_refused_not_allocated() {
    let model = sharding_model("dc-1e10.toml", "data_centers = 2", "data_centers = 10000000000");
    let err = refused(&["plan", "--model", &model]);
    let line = include_str!("../models/10-sharding.toml")
        .lines()
        .position(|l| l.starts_with("data_centers"))
        .unwrap()
        + 1;
    assert!(
        err.ends_with(&format!(
            "line {line}: key `data_centers`: \"10000000000\" is out of range; give 1 to 32"
        )),
        "{err}"
    );
    let workload = temp_file("lookups.toml", "session_lookups_per_request = 1e13\n");
    let err = refused(&["plan", "--workload", &workload]);
    assert!(
        err.ends_with("line 1: key `session_lookups_per_request`: \"10000000000000\" is out of range; give 0 to 10"),
        "{err}"
    );
}

// Runs past 5 s: every input answers within a second or is refused.

#[test]
fn inputs_that_ran_for_seconds_are_refused_with_their_range() {
    let start = Instant::now();
    let cases: [(&[&str], &str); 6] = [
        (
            &["plan", "--peak-factor", "1T"],
            "error: --peak-factor: \"1T\" is out of range; give 1 to 12",
        ),
        (
            &[
                "queue",
                "--arrival-rate",
                "1/s",
                "--service-time",
                "1e12",
                "--cores-per-server",
                "1e7",
            ],
            "error: --service-time: \"1e12\" has no unit; write 1e12ms or 1e12s",
        ),
        (
            &["queue", "--arrival-rate", "1/s", "--service-time", "1e12s"],
            "error: --service-time: \"1e12s\" is out of range; give 1ns to 1h",
        ),
        (
            &[
                "queue",
                "--arrival-rate",
                "1/s",
                "--service-time",
                "1s",
                "--cores-per-server",
                "1e7",
            ],
            "error: --cores-per-server: \"1e7\" is out of range; give 1 to 4096",
        ),
        (
            &[
                "shards",
                "--vnodes",
                "1e12",
                "--keys",
                "1M",
                "--placement",
                "consistent",
                "--shards",
                "8",
            ],
            "error: --vnodes: \"1e12\" is out of range; give 1 to 4096",
        ),
        (
            &["shards", "--keys", "9e15", "--zipf", "1", "--shards", "8"],
            "error: --keys: \"9e15\" is out of range; give 1 to 1e15",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(refused(args), want);
    }
    let model = sharding_model("dc-1e5.toml", "data_centers = 2", "data_centers = 100000");
    assert!(refused(&["plan", "--model", &model]).contains("out of range; give 1 to 32"));
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// The slowest in-range inputs found (the top of each range that costs
/// work), each timed: all well under the 5 s, most under a second.
#[test]
fn the_slowest_valid_inputs_answer_quickly() {
    let extreme = [
        "--peak-factor",
        "12",
        "--requests-per-user",
        "100k",
        "--dau-fraction",
        "100%",
    ];
    let cases: Vec<(Vec<&str>, f64)> = vec![
        (vec!["plan", "--users", "1T", "--p99", "1ms"], 1.0),
        ([&["plan", "--users", "1T", "--p99", "1ns"][..], &extreme].concat(), 1.0),
        ([&["ladder", "--p99", "1ns"][..], &extreme].concat(), 1.0),
        (vec!["ladder", "--p99", "1ms"], 1.0),
        (
            vec![
                "queue",
                "--arrival-rate",
                "100M/s",
                "--service-time",
                "1h",
                "--cores-per-server",
                "4096",
            ],
            1.0,
        ),
        (
            vec![
                "queue",
                "--arrival-rate",
                "100M/s",
                "--service-time",
                "1h",
                "--mean-wait",
                "1ns",
                "--cs",
                "10",
            ],
            1.0,
        ),
        (
            vec![
                "shards",
                "--vnodes",
                "4096",
                "--keys",
                "1e15",
                "--zipf",
                "1",
                "--shards",
                "1M",
                "--placement",
                "consistent",
            ],
            1.0,
        ),
        (
            vec![
                "cache",
                "--keys",
                "1e15",
                "--zipf",
                "0.5",
                "--target-hit",
                "99.99%",
                "--policy",
                "fifo",
            ],
            1.0,
        ),
        // A sweep is many plans: at its documented most, seconds.
        (
            vec!["sweep", "--points", "100", "--users", "1G..1T", "--p99", "1ms"],
            5.0,
        ),
    ];
    for (args, budget_s) in cases {
        let start = Instant::now();
        let (code, _, err) = scaleplan(&args);
        let took = start.elapsed().as_secs_f64();
        assert_eq!(code, 0, "{args:?}: {err}");
        println!("{took:.3} s  {}", args.join(" "));
        // Twice the budget: a loaded CI machine is slower than a laptop.
        assert!(took < 2.0 * budget_s, "{args:?} took {took:.2} s");
    }
}

// "inf" inside text.

#[test]
fn a_rate_that_overflows_is_refused_before_it_reaches_a_reason() {
    let err = refused(&["plan", "--requests-per-user", "1e300"]);
    assert_eq!(
        err,
        "error: --requests-per-user: \"1e300\" is out of range; give 1 to 100k"
    );
}

// Errors that name a flag the user never gave.

#[test]
fn file_errors_name_the_file_line_and_key_never_a_flag() {
    for (text, key) in [
        ("objects_per_user = 1e13\n", "objects_per_user"),
        ("zipf = 1e13\n", "zipf"),
        ("object_size = 0\n", "object_size"),
        ("requests_per_dau = 1e300\n", "requests_per_dau"),
    ] {
        let path = temp_file(&format!("{key}.toml"), text);
        let err = refused(&["plan", "--workload", &path]);
        assert!(
            err.starts_with(&format!("error: {path} line 1: key `{key}`: ")),
            "{err}"
        );
        assert!(!err.contains(" --"), "names a flag: {err}");
    }
    // Model and catalog errors name the file.
    let model = sharding_model(
        "bad-instance.toml",
        "instance = \"c7i.xlarge\"",
        "instance = \"c7i.xlargex\"",
    );
    let err = refused(&["plan", "--model", &model]);
    assert!(
        err.starts_with(&format!("error: {model}: tier `web`: instance `c7i.xlargex` is not in")),
        "{err}"
    );
}

// A newline inside a bad value echoed raw.

#[test]
fn a_newline_in_a_value_is_escaped_and_the_error_stays_on_one_line() {
    let err = refused(&["plan", "--p99", "25\n0"]);
    assert_eq!(
        err,
        "error: --p99: \"25\\n0\" is not a duration ≥ 0 (examples: 80us, 250ms, 1.5s, 2min, 1h, 1d)"
    );
    assert!(refused(&["plan", "--us\ners", "5"]).contains("\\n"));
    assert!(refused(&["plan", "--stage", "a\nb"]).contains("`a\\nb`"));
    assert!(refused(&["plan", "--model", "no\nsuch.toml"]).contains("no\\nsuch.toml"));
    let workload = temp_file("newline.toml", "web_cpu = \"2\\n0\"\n");
    assert!(refused(&["plan", "--workload", &workload]).contains("\"2\\n0\""));
}

// Accepted although meaningless.

#[test]
fn a_flag_or_key_that_would_be_ignored_is_refused() {
    let err = refused(&[
        "cache",
        "--keys",
        "1M",
        "--zipf",
        "0.9",
        "--capacity",
        "1k",
        "--usable-memory",
        "50%",
    ]);
    assert!(err.starts_with("error: --usable-memory: applies to memory"), "{err}");
    let model = sharding_model(
        "replica.toml",
        "instance = \"same-as-primary\"",
        "instance = \"r7i.2xlarge\"",
    );
    let err = refused(&["plan", "--model", &model]);
    assert!(
        err.contains("tier `db-replica`: key `instance`: a shard's replicas run on the shard's instance type"),
        "{err}"
    );
    let model = sharding_model(
        "replica-bogus.toml",
        "instance = \"same-as-primary\"",
        "instance = \"bogus\"",
    );
    assert!(refused(&["plan", "--model", &model]).contains("tier `db-replica`"));
    let cache =
        include_str!("../models/05-cache.toml").replace("instance = \"cache.r7g.large\"", "instance = \"nope\"");
    let path = temp_file("cache-nope.toml", &cache);
    assert!(refused(&["plan", "--model", &path]).contains("instance `nope` is not in the built-in catalog"));
}

// p99 below the mean.

#[test]
fn p99_is_never_below_the_mean() {
    let err = refused(&[
        "queue",
        "--arrival-rate",
        "1200/s",
        "--service-time",
        "1ns",
        "--ca",
        "2e6",
    ]);
    assert_eq!(err, "error: --ca: \"2e6\" is out of range; give 0 to 10");
    // At the top of the range, one wait distribution (C·e^{−θt/k}, k the
    // Allen–Cunneen factor) gives the mean and the quantiles.
    for args in [
        ["--arrival-rate", "1200/s", "--service-time", "1ns", "--ca", "10"],
        ["--arrival-rate", "90/s", "--service-time", "10ms", "--cs", "10"],
    ] {
        let row = only_row(&[&["queue", "--servers", "1"][..], &args].concat());
        let (mean, p99) = (number(&row, "mean_response_s"), number(&row, "p99_response_s"));
        assert!(p99 >= mean, "{args:?}: p99 {p99} < mean {mean}");
    }
    let err = refused(&["plan", "--requests-per-user", "1e-9", "--level", "tier"]);
    assert!(err.contains("out of range; give 1 to 100k"), "{err}");
    // The least load in range: every tier's p99 is at least its mean.
    let (code, out, err) = scaleplan(&[
        "plan",
        "--users",
        "1",
        "--requests-per-user",
        "1",
        "--dau-fraction",
        "0.1%",
        "--level",
        "tier",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    for row in json_rows(&out) {
        if let (Some(mean), Some(p99)) = (row["mean_response_s"].as_f64(), row["p99_response_s"].as_f64()) {
            assert!(p99 >= mean, "{}: p99 {p99} < mean {mean}", row["tier"]);
        }
    }
}

// A stable queue with a null mean.

#[test]
fn a_stable_queue_has_a_mean() {
    let err = refused(&[
        "queue",
        "--arrival-rate",
        "1/s",
        "--service-time",
        "10ms",
        "--cs",
        "1e300",
    ]);
    assert_eq!(err, "error: --cs: \"1e300\" is out of range; give 0 to 10");
    assert!(scaleplan::queueing::Mmc::new(1.0, 0.01, 1)
        .unwrap()
        .with_variability(1.0, 1e300)
        .is_err());
    let row = only_row(&["queue", "--arrival-rate", "1/s", "--service-time", "10ms", "--cs", "10"]);
    assert_eq!(row["stable"], serde_json::Value::Bool(true));
    assert!(number(&row, "mean_response_s") > 0.0);
}

// Output that depends on thread timing; plan and ladder disagreeing.

#[test]
fn the_same_input_gets_the_same_answer_every_run_from_every_command() {
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(refused(&["ladder", "--requests-per-user", "1e300"]));
    }
    assert!(seen.iter().all(|e| e == &seen[0]), "{seen:?}");
    for command in ["plan", "sweep"] {
        assert_eq!(refused(&[command, "--requests-per-user", "1e300"]), seen[0]);
    }
}

// The same value written two ways.

#[test]
fn a_mix_written_large_is_the_same_mix() {
    let plan = |mix: &str| {
        let (code, out, err) = scaleplan(&["plan", "--read-write", mix, "--stage", "cache", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        out
    };
    assert_eq!(plan("1e308:1e308"), plan("1:1"));
}

// users = 0 in a file versus --users 0; -0.

#[test]
fn zero_and_negative_zero_users_are_refused_everywhere() {
    let want = "is out of range; give 1 to 1T";
    assert!(refused(&["plan", "--users", "0"]).ends_with(want));
    let workload = temp_file("zero-users.toml", "users = 0\n");
    assert!(refused(&["plan", "--workload", &workload]).ends_with(want));
    assert!(refused(&["plan", "--users", "-0"]).contains("\"-0\" is not a count"));
    let workload = temp_file("minus-zero.toml", "users = -0.0\n");
    assert!(refused(&["plan", "--workload", &workload]).contains("key `users`"));
    assert!(refused(&["queue", "--arrival-rate", "-0/s", "--service-time", "1s"]).starts_with("error: --arrival-rate"));
}

// A documented limit that does not finish in seconds.

#[test]
fn sweep_points_stop_at_a_count_that_finishes_in_seconds() {
    let err = refused(&["sweep", "--points", "100000"]);
    assert_eq!(err, "error: --points: \"100000\" is out of range; give 2 to 100");
    let list = vec!["1k"; 101].join(",");
    assert!(refused(&["sweep", "--users", &list]).starts_with("error: --users: a list of 101 counts"));
}

// Errors that help (item 4).

#[test]
fn errors_suggest_the_fix() {
    assert_eq!(
        refused(&["plan", "--p99", "250"]),
        "error: --p99: \"250\" has no unit; write 250ms or 250s"
    );
    assert_eq!(
        refused(&["plan", "--max-util", "70"]),
        "error: --max-util: \"70\" is above 1; write 70% or 0.7"
    );
    assert_eq!(
        refused(&["plan", "--users", "10", "million"]),
        "error: --users: \"10 million\" is two words; write 10M"
    );
    assert!(refused(&["plna"]).starts_with("error: unknown command \"plna\"; did you mean plan?"));
    assert_eq!(
        refused(&["plan", "--userz", "5"]),
        "error: unknown flag \"--userz\"; did you mean --users?"
    );
    let err = refused(&["cache", "--keys", "1M", "--zipf", "0.9"]);
    assert!(
        err.contains("--capacity") && err.contains("--memory") && err.contains("--target-hit"),
        "{err}"
    );
    let model = temp_file("same.toml", include_str!("../models/05-cache.toml"));
    let err = refused(&["plan", "--model", &model, "--model", &model]);
    assert!(
        err.starts_with("error: --model: ") && err.ends_with("both have id `cache`; give each stage once"),
        "{err}"
    );
    // A storage-only shards question needs no Zipf exponent.
    let row = only_row(&["shards", "--stored", "40TiB", "--size-to", "4TiB", "--keys", "1M"]);
    assert!(number(&row, "shards") >= 10.0);
    assert!(refused(&["shards", "--shards", "8", "--keys", "1M", "--rate", "1k/s"]).contains("needs --zipf"));
}
