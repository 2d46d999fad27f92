//! `--explain` on queue, cache, replicas, shards and plan: the derivation
//! goes after the table, or to stderr with a machine format, and the
//! numbers it ends its steps with are the record's, to the printed six
//! significant digits.

mod common;

use common::{json_rows, scaleplan, Row};

/// One step of an explanation: `  label: formula = result unit  [tag]`.
#[derive(Debug)]
struct Step {
    label: String,
    value: f64,
    unit: String,
}

fn steps(text: &str) -> Vec<Step> {
    text.lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|line| {
            let (label, rest) = line.trim().split_once(": ")?;
            let (_, result) = rest.rsplit_once(" = ")?;
            let mut words = result.split_whitespace();
            let value = words.next()?.parse().ok()?;
            let unit = words.next().filter(|w| !w.starts_with('[')).unwrap_or("").to_string();
            Some(Step {
                label: label.to_string(),
                value,
                unit,
            })
        })
        .collect()
}

/// JSON record and explanation of one run with `--format json --explain`.
fn run(args: &[&str]) -> (Vec<Row>, Vec<Step>, String) {
    let mut full = args.to_vec();
    full.extend_from_slice(&["--format", "json", "--explain"]);
    let (code, out, err) = scaleplan(&full);
    assert_eq!(code, 0, "{full:?}: {err}");
    assert!(out.trim_start().starts_with('['), "stdout stays JSON: {out}");
    (json_rows(&out), steps(&err), err)
}

/// The step `label` (with `unit` when given) agrees with `row[field]`.
fn check(steps: &[Step], label: &str, unit: Option<&str>, row: &Row, field: &str) {
    let step = steps
        .iter()
        .find(|s| s.label == label && unit.is_none_or(|u| s.unit == u))
        .unwrap_or_else(|| panic!("no step {label:?} in {steps:?}"));
    let want = row[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is {:?}", row[field]));
    let tolerance = 5e-6 * want.abs() + 1e-12;
    assert!(
        (step.value - want).abs() <= tolerance,
        "{label}: explained {} vs record {field} {want}",
        step.value
    );
}

#[test]
fn queue_explanation_matches_its_record() {
    let (rows, steps, text) = run(&[
        "queue",
        "--arrival-rate",
        "2000/s",
        "--service-time",
        "5ms",
        "--p99",
        "50ms",
    ]);
    let row = &rows[0];
    for (label, field) in [
        ("offered load", "offered_load_erlangs"),
        ("utilization", "utilization"),
        ("p wait", "p_wait"),
        ("mean wait", "mean_wait_s"),
        ("mean response", "mean_response_s"),
        ("mean in system", "mean_in_system"),
        ("p50 response", "p50_response_s"),
        ("p90 response", "p90_response_s"),
        ("p95 response", "p95_response_s"),
        ("p99 response", "p99_response_s"),
        ("p999 response", "p999_response_s"),
        ("p95 wait", "p95_wait_s"),
        ("p99 wait", "p99_wait_s"),
        ("servers, set by max-util 70.0%", "servers"),
    ] {
        check(&steps, label, None, row, field);
    }
    assert_eq!(row["binding"].as_str(), Some("max-util 70.0%"));
    assert!(text.contains("[exact]") && text.contains("M/M/c"), "{text}");
    // With cs ≠ 1 it says the wait is an approximation, and how good.
    let (rows, steps, text) = run(&[
        "queue",
        "--arrival-rate",
        "900/s",
        "--service-time",
        "4ms",
        "--cs",
        "0",
        "--lb",
        "round-robin",
        "--cores-per-server",
        "4",
    ]);
    check(&steps, "mean wait", None, &rows[0], "mean_wait_s");
    check(&steps, "p99 response", None, &rows[0], "p99_response_s");
    assert!(text.contains("approximation: Allen–Cunneen"), "{text}");
}

#[test]
fn the_explanation_follows_the_table_on_stdout() {
    let (code, out, err) = scaleplan(&[
        "queue",
        "--arrival-rate",
        "2000/s",
        "--service-time",
        "5ms",
        "--explain",
    ]);
    assert_eq!(code, 0);
    assert!(err.is_empty(), "{err}");
    let table = out.find("│ utilization").expect("the table");
    let explained = out.find("How this queue answer was computed").expect("the explanation");
    assert!(explained > table);
}

#[test]
fn cache_explanation_matches_its_record() {
    let (rows, steps, text) = run(&[
        "cache",
        "--keys",
        "50M",
        "--zipf",
        "0.9",
        "--memory",
        "16GiB",
        "--object-size",
        "1KiB",
        "--request-rate",
        "30k/s",
        "--read-rate",
        "30k/s",
    ]);
    let row = &rows[0];
    check(&steps, "capacity", None, row, "capacity_items");
    check(&steps, "hit ratio", None, row, "hit_ratio");
    check(&steps, "miss ratio", None, row, "miss_ratio");
    check(&steps, "characteristic time", Some("s"), row, "characteristic_time_s");
    check(&steps, "db reads", None, row, "db_reads_per_s");
    assert!(
        text.contains("Che's approximation") && text.contains("0.0008"),
        "{text}"
    );
}

#[test]
fn replicas_explanation_matches_its_record() {
    let (rows, steps, _) = run(&[
        "replicas",
        "--read-rate",
        "40k/s",
        "--write-rate",
        "300/s",
        "--read-time",
        "1ms",
        "--write-time",
        "2ms",
        "--instance",
        "r7i.2xlarge",
        "--n-plus-one",
        "--p99-read",
        "10ms",
    ]);
    let row = &rows[0];
    let binding = row["binding"].as_str().unwrap();
    check(&steps, &format!("replicas, set by {binding}"), None, row, "replicas");
    for (label, field) in [
        ("replica utilization", "replica_utilization"),
        ("failover replica utilization", "failover_replica_utilization"),
        ("primary utilization", "primary_utilization"),
        ("read ceiling", "read_ceiling_per_s"),
        ("replication lag", "replication_lag_s"),
        ("replica p99 read", "replica_p99_read_s"),
    ] {
        check(&steps, label, None, row, field);
    }
}

#[test]
fn shards_explanation_matches_its_record() {
    let (rows, steps, _) = run(&[
        "shards",
        "--size-to",
        "20k/s",
        "--rate",
        "300k/s",
        "--keys",
        "200M",
        "--zipf",
        "0.9",
        "--stored",
        "12TiB",
        "--shard-storage",
        "2TiB",
        "--growth",
        "4%",
        "--reshard-to",
        "32",
        "--bandwidth",
        "200MB/s",
    ]);
    let row = &rows[0];
    for (label, field) in [
        ("shards", "shards"),
        ("hottest key share", "hottest_key_share"),
        ("hottest shard share", "hottest_shard_share"),
        ("skew", "skew"),
        ("moved fraction", "moved_fraction"),
        ("moved bytes", "moved_bytes"),
        ("move time", "move_time_s"),
        ("time to full", "time_to_full_s"),
    ] {
        check(&steps, label, None, row, field);
    }
}

#[test]
fn plan_explanation_matches_the_stage_record() {
    for stage in ["single-server", "message-queue", "sharding"] {
        let (rows, steps, text) = run(&["plan", "--stage", stage]);
        let row = &rows[0];
        for (label, field) in [
            ("daily active users", "dau"),
            ("peak rate", "peak_rate_per_s"),
            ("mean response", "mean_response_s"),
            ("p99 response", "p99_response_s"),
            ("user p99", "user_p99_s"),
            ("availability", "availability"),
            ("monthly cost", "usd_per_month"),
        ] {
            check(&steps, label, None, row, field);
        }
        assert!(text.contains("tiers along a path assumed independent"), "{text}");
        assert!(text.contains(&format!("How stage {stage} was planned")));
    }
    // Several stages: one derivation each.
    let (_, _, text) = run(&["plan", "--stage", "cache", "--stage", "cdn"]);
    assert_eq!(text.matches("How stage").count(), 2);
}
