//! The `scaleplan replicas` command end to end: output contract, counts by
//! hand arithmetic, the read ceiling, and exit codes.

mod common;

use common::{number, only_row, scaleplan, Row};

use serde_json::Value;

/// λ_r = 1000/s, S_r = 2 ms, λ_w = 100/s, S_w = 5 ms, 4 cores.
const EXAMPLE: [&str; 11] = [
    "replicas",
    "--read-rate",
    "1000/s",
    "--write-rate",
    "100/s",
    "--read-time",
    "2ms",
    "--write-time",
    "5ms",
    "--cores",
    "4",
];

fn json_row(extra: &[&str]) -> Row {
    let mut args = EXAMPLE.to_vec();
    args.extend_from_slice(extra);
    only_row(&args)
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0)
}

const FIELDS: [&str; 12] = [
    "read_rate_per_s",
    "write_rate_per_s",
    "replicas",
    "binding",
    "replica_utilization",
    "primary_utilization",
    "replica_p99_read_s",
    "replication_lag_s",
    "read_ceiling_per_s",
    "failover_replica_utilization",
    "feasible",
    "reason",
];

#[test]
fn one_replica_by_hand() {
    // Reads need 1000 · 2 ms = 2 cores, the apply tax 100 · 5 ms = 0.5 core:
    // ρ(1) = (2 + 0.5)/4 = 0.625 ≤ 0.7, so n = 1.
    let row = json_row(&[]);
    let names: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
    assert_eq!(names, FIELDS);
    assert_eq!(row["replicas"].as_u64(), Some(1));
    assert!(close(number(&row, "replica_utilization"), 0.625));
    // Primary: 0.5 core of 4.
    assert!(close(number(&row, "primary_utilization"), 0.125));
    // M/M/1 apply stream: 1/(1/5 ms − 100/s) = 1/(200 − 100) = 10 ms.
    assert!(close(number(&row, "replication_lag_s"), 0.01));
    // (0.7 · 4 − 0.5) cores · 15 replicas / 2 ms = 17 250 reads/s.
    assert!(close(number(&row, "read_ceiling_per_s"), 17_250.0));
    // A single replica has no survivor to carry the load.
    assert_eq!(row["failover_replica_utilization"], Value::Null);
    assert_eq!(row["feasible"], Value::Bool(true));
    assert_eq!(row["reason"], Value::from(""));
    // The read's p99 is at least its own service p99, 2 ms · ln 100.
    assert!(number(&row, "replica_p99_read_s") >= 0.002 * 100f64.ln());
}

#[test]
fn n_plus_one_asks_for_a_second_replica() {
    // N+1: n ≥ 2 and ρ(n − 1) ≤ 0.9. n = 2: ρ(1) = 0.625 holds.
    // ρ(2) = (2/2 + 0.5)/4 = 0.375.
    let row = json_row(&["--n-plus-one"]);
    assert_eq!(row["replicas"].as_u64(), Some(2));
    assert!(close(number(&row, "replica_utilization"), 0.375));
    assert!(close(number(&row, "failover_replica_utilization"), 0.625));
    assert_eq!(row["feasible"], Value::Bool(true));
}

#[test]
fn instance_cores_come_from_the_catalog() {
    let mut args = EXAMPLE[..9].to_vec();
    args.extend_from_slice(&["--instance", "r7i.2xlarge", "--format", "json"]);
    let (code, out, err) = scaleplan(&args);
    assert_eq!(code, 0, "{err}");
    let parsed: Value = serde_json::from_str(&out).unwrap();
    // r7i.2xlarge has 8 vCPU: ρ(1) = 2.5/8.
    let utilization = parsed[0]["replica_utilization"].as_f64().unwrap();
    assert!(close(utilization, 0.3125));
}

#[test]
fn read_ceiling_is_a_plain_sentence() {
    // 100 000 reads/s need 200 cores: (200/n + 0.5)/4 ≤ 0.7 ⇒ n ≥ 200/2.3 = 86.96,
    // so 87 replicas, more than the default 15.
    let mut args = EXAMPLE.to_vec();
    args[2] = "100k/s";
    args.extend_from_slice(&["--format", "json"]);
    let (code, out, err) = scaleplan(&args);
    assert_eq!(code, 0, "an infeasible answer is still an answer: {err}");
    let parsed: Value = serde_json::from_str(&out).unwrap();
    let row = &parsed[0];
    assert_eq!(row["feasible"], Value::Bool(false));
    assert_eq!(row["replicas"].as_u64(), Some(87));
    let reason = row["reason"].as_str().unwrap();
    assert!(reason.contains("needs 87 replicas"), "{reason}");
    assert!(reason.contains("15"), "{reason}");
    assert!(reason.contains("reads above 17,250/s"), "{reason}");

    // The table prints it under the table, with the promotion view.
    args.truncate(args.len() - 2);
    let (code, table, _) = scaleplan(&args);
    assert_eq!(code, 0);
    assert!(table.contains("reason: needs 87 replicas"), "{table}");
    assert!(table.contains("failed primary: the promoted replica"), "{table}");
}

#[test]
fn apply_tax_ceiling_says_to_shard() {
    // Writes alone: 1000 · 5 ms = 5 cores of 4 — no replica count helps.
    let mut args = EXAMPLE.to_vec();
    args[4] = "1000/s";
    args.extend_from_slice(&["--format", "json"]);
    let (code, out, _) = scaleplan(&args);
    assert_eq!(code, 0);
    let parsed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed[0]["feasible"], Value::Bool(false));
    assert!(parsed[0]["reason"].as_str().unwrap().contains("shard the writes"));
    assert!(!out.contains("NaN") && !out.contains("inf"));
}

#[test]
fn bad_input_names_the_flag_and_exits_2() {
    let with = |extra: &[&'static str], drop: Option<&str>| -> Vec<&'static str> {
        let mut args = EXAMPLE.to_vec();
        if let Some(flag) = drop {
            let at = args.iter().position(|a| *a == flag).unwrap();
            args.drain(at..at + 2);
        }
        args.extend_from_slice(extra);
        args
    };
    let cases = [
        (with(&[], Some("--read-rate")), "--read-rate"),
        (with(&[], Some("--cores")), "--instance"),
        (with(&["--instance", "no.such"], Some("--cores")), "--instance"),
        (with(&["--instance", "m7i.large"], None), "--instance"),
        (with(&["--max-util", "150%"], None), "--max-util"),
        (with(&["--p99-read", "0s"], None), "--p99-read"),
        (with(&["--max-replicas", "0"], None), "--max-replicas"),
        (with(&["--apply-factor", "0"], None), "--apply-factor"),
        (with(&["--apply-factor", "-1"], None), "--apply-factor"),
        (with(&["--write-time", "x"], Some("--write-time")), "--write-time"),
    ];
    for (args, flag) in cases {
        let (code, out, err) = scaleplan(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.contains(flag), "{args:?} should name {flag}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
    let mut zero = EXAMPLE.to_vec();
    zero[10] = "0";
    let (code, _, err) = scaleplan(&zero);
    assert_eq!(code, 2);
    assert!(err.contains("--cores"), "{err}");
}
