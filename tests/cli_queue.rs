//! The `scaleplan queue` command end to end: output contract and exit codes.

mod common;

use common::{json_rows, scaleplan};

use serde_json::Value;

const FIELDS: [&str; 22] = [
    "arrival_rate_per_s",
    "service_time_s",
    "cores_per_server",
    "servers",
    "binding",
    "cores",
    "offered_load_erlangs",
    "utilization",
    "p_wait",
    "mean_wait_s",
    "mean_response_s",
    "mean_in_system",
    "p50_response_s",
    "p90_response_s",
    "p95_response_s",
    "p99_response_s",
    "p999_response_s",
    "p95_wait_s",
    "p99_wait_s",
    "stable",
    "feasible",
    "reason",
];

#[test]
fn sized_answer_meets_its_constraints() {
    let (code, out, _) = scaleplan(&[
        "queue",
        "--arrival-rate",
        "2M/s",
        "--service-time",
        "10ms",
        "--max-util",
        "0.8",
        "--p99",
        "50ms",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let row = {
        let mut rows = json_rows(&out);
        assert_eq!(rows.len(), 1);
        rows.remove(0)
    };
    let names: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
    assert_eq!(names, FIELDS);
    // 2M/s × 10 ms = 20 000 Erlangs; at 80 % that is 25 000 servers.
    assert_eq!(row["servers"].as_u64(), Some(25_000));
    assert!(row["utilization"].as_f64().unwrap() <= 0.8);
    assert!(row["p99_response_s"].as_f64().unwrap() <= 0.05);
    assert_eq!(row["feasible"], Value::Bool(true));
    assert_eq!(row["stable"], Value::Bool(true));
}

#[test]
fn unstable_queue_is_a_result() {
    let (code, out, _) = scaleplan(&[
        "queue",
        "--arrival-rate",
        "100/s",
        "--service-time",
        "20ms",
        "--servers",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let row = {
        let mut rows = json_rows(&out);
        assert_eq!(rows.len(), 1);
        rows.remove(0)
    };
    assert_eq!(row["stable"], Value::Bool(false));
    assert_eq!(row["feasible"], Value::Bool(false));
    assert_eq!(row["mean_wait_s"], Value::Null);
    assert_eq!(row["p99_response_s"], Value::Null);
    // 100/s × 20 ms = 2 Erlangs: three servers is the least stable count.
    assert!(row["reason"].as_str().unwrap().contains("least stable count is 3"));
    assert!((row["utilization"].as_f64().unwrap() - 2.0).abs() < 1e-12);
}

#[test]
fn csv_has_header_and_empty_cells_for_missing_values() {
    let (code, out, _) = scaleplan(&[
        "queue",
        "--arrival-rate",
        "100/s",
        "--service-time",
        "20ms",
        "--servers",
        "1",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let mut lines = out.lines();
    assert_eq!(lines.next().unwrap(), FIELDS.join(","));
    let cells: Vec<&str> = lines.next().unwrap().splitn(FIELDS.len(), ',').collect();
    let at = |name: &str| FIELDS.iter().position(|f| *f == name).unwrap();
    assert_eq!(
        cells[at("mean_wait_s")],
        "",
        "mean_wait_s should be empty when unstable"
    );
    assert_eq!(cells[at("binding")], "", "a given count has no binding");
    assert!(!out.contains("NaN") && !out.contains("inf"));
}

#[test]
fn bad_quantity_names_the_flag_and_exits_2() {
    let (code, out, err) = scaleplan(&["queue", "--arrival-rate", "10Q", "--service-time", "20ms"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("--arrival-rate"), "{err}");
    assert!(err.contains("10Q"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

#[test]
fn other_bad_input_exits_2() {
    for args in [
        vec!["queue", "--arrival-rate", "100/s", "--service-time", "0s"],
        vec!["queue", "--arrival-rate", "-5/s", "--service-time", "1ms"],
        vec!["queue", "--arrival-rate", "100/s", "--service-time", "1ms", "--bogus"],
        vec![
            "queue",
            "--arrival-rate",
            "100/s",
            "--service-time",
            "1ms",
            "--lb",
            "fastest",
        ],
        vec![
            "queue",
            "--arrival-rate",
            "100/s",
            "--service-time",
            "1ms",
            "--servers",
            "0",
        ],
        vec![
            "queue",
            "--arrival-rate",
            "100/s",
            "--service-time",
            "1ms",
            "--max-util",
            "150%",
        ],
        vec![
            "queue",
            "--arrival-rate",
            "100/s",
            "--service-time",
            "1ms",
            "--cores-per-server",
            "0",
        ],
    ] {
        let (code, _, err) = scaleplan(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn round_robin_farm_counts_servers_of_k_cores() {
    // 1000/s × 10 ms = 10 Erlangs on 4-core servers at ≤ 70 %: 10/(4·0.7) = 3.57 → 4 servers.
    let (code, out, _) = scaleplan(&[
        "queue",
        "--arrival-rate",
        "1000/s",
        "--service-time",
        "10ms",
        "--cores-per-server",
        "4",
        "--lb",
        "round-robin",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let row = {
        let mut rows = json_rows(&out);
        assert_eq!(rows.len(), 1);
        rows.remove(0)
    };
    assert_eq!(row["servers"].as_u64(), Some(4));
    assert_eq!(row["cores"].as_u64(), Some(16));
    assert!((row["utilization"].as_f64().unwrap() - 0.625).abs() < 1e-12);
}
