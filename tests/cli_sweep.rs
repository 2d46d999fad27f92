//! `scaleplan sweep` end to end: row counts, the recommended stage against
//! `--all-stages`, flat finite JSON, user-count parsing and bad flags.

mod common;

use common::scaleplan;

use serde_json::Value;
use std::collections::HashMap;

const SWEEP_FIELDS: [&str; 14] = [
    "users",
    "stage",
    "stage_order",
    "servers",
    "p99_response_s",
    "user_p99_s",
    "availability",
    "usd_per_month",
    "usd_per_dau_month",
    "feasible",
    "meets_slo",
    "recommended",
    "bottleneck",
    "reason",
];

/// CSV rows as maps from field name to cell.
fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, SWEEP_FIELDS);
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header.iter().cloned().zip(r.iter().map(String::from)).collect()
        })
        .collect()
}

fn number(row: &HashMap<String, String>, field: &str) -> f64 {
    row[field]
        .parse()
        .unwrap_or_else(|_| panic!("{field}: {:?}", row[field]))
}

#[test]
fn a_hundred_points_each_the_cheapest_stage_meeting_the_targets() {
    let args = ["sweep", "--users", "1k..1B", "--points", "100", "--format", "csv"];
    let (code, out, err) = scaleplan(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 101, "header + 100 rows");
    let recommended = csv_rows(&out);
    assert_eq!(recommended.len(), 100);

    let (code, all, _) = scaleplan(&[&args[..], &["--all-stages"]].concat());
    assert_eq!(code, 0);
    let all = csv_rows(&all);
    assert_eq!(all.len(), 1000, "10 stages × 100 points");

    let first = number(&recommended[0], "users");
    let last = number(&recommended[99], "users");
    assert!(first == 1e3 && last == 1e9, "{first} {last}");
    let mut seen_a_stage = 0;
    for (i, row) in recommended.iter().enumerate() {
        let users = &row["users"];
        if i > 0 {
            assert!(number(row, "users") > number(&recommended[i - 1], "users"));
        }
        let stages: Vec<&HashMap<String, String>> = all.iter().filter(|r| &r["users"] == users).collect();
        assert_eq!(stages.len(), 10, "users {users}");
        let meeting: Vec<&&HashMap<String, String>> = stages.iter().filter(|r| r["meets_slo"] == "true").collect();
        if row["stage"].is_empty() {
            assert!(meeting.is_empty(), "users {users}: a stage meets the targets");
            assert!(
                row["reason"].starts_with("no stage meets the targets"),
                "{:?}",
                row["reason"]
            );
            continue;
        }
        seen_a_stage += 1;
        let chosen = stages.iter().find(|r| r["stage"] == row["stage"]).unwrap();
        assert_eq!(chosen["feasible"], "true", "users {users}");
        assert_eq!(chosen["meets_slo"], "true", "users {users}");
        assert_eq!(chosen["recommended"], "true", "users {users}");
        assert_eq!(chosen["usd_per_month"], row["usd_per_month"], "users {users}");
        let cost = number(row, "usd_per_month");
        for other in &meeting {
            assert!(
                number(other, "usd_per_month") >= cost,
                "users {users}: {} (${}) is cheaper than {} (${cost})",
                other["stage"],
                other["usd_per_month"],
                row["stage"]
            );
        }
    }
    assert!(seen_a_stage > 95, "most counts have a stage: {seen_a_stage}");
}

#[test]
fn json_is_flat_and_finite() {
    for extra in [&[][..], &["--all-stages"][..]] {
        let args = [
            &["sweep", "--users", "1..1T", "--points", "40", "--format", "json"][..],
            extra,
        ]
        .concat();
        let (code, out, err) = scaleplan(&args);
        assert_eq!(code, 0, "{err}");
        assert!(!out.contains("NaN") && !out.to_lowercase().contains("inf"));
        let rows: Vec<Value> = serde_json::from_str::<Value>(&out).unwrap().as_array().unwrap().clone();
        assert_eq!(rows.len(), if extra.is_empty() { 40 } else { 400 });
        for row in rows {
            let row = row.as_object().unwrap();
            let names: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
            assert_eq!(names, SWEEP_FIELDS);
            assert!(row.values().all(|v| !v.is_array() && !v.is_object()));
        }
    }
}

#[test]
fn a_list_is_planned_in_its_order_and_tables_render() {
    let (code, out, _) = scaleplan(&["sweep", "--users", "1M,1k,10k", "--format", "json"]);
    assert_eq!(code, 0);
    let rows: Value = serde_json::from_str(&out).unwrap();
    let users: Vec<f64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["users"].as_f64().unwrap())
        .collect();
    assert_eq!(users, vec![1e6, 1e3, 1e4]);
    let (code, table, _) = scaleplan(&["sweep", "--users", "1k..1M", "--points", "4"]);
    assert_eq!(code, 0);
    assert!(table.contains("1.00k") && table.contains("1.00M"), "{table}");
    let (code, table, _) = scaleplan(&["sweep", "--users", "1M", "--all-stages"]);
    assert_eq!(code, 0);
    assert!(table.contains("single-server") && table.contains("sharding"), "{table}");
}

#[test]
fn the_default_is_sixty_points_from_1k_to_1b() {
    let (code, out, _) = scaleplan(&["sweep", "--format", "csv"]);
    assert_eq!(code, 0);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 60);
    assert!((number(&rows[0], "users") - 1e3).abs() < 1e-9);
    assert!((number(&rows[59], "users") - 1e9).abs() < 1e-3);
}

#[test]
fn bad_sweep_flags_exit_2_on_one_line() {
    for args in [
        vec!["sweep", "--users", "1B..1k"],
        vec!["sweep", "--users", "0..1M"],
        vec!["sweep", "--users", "1k..1M", "--points", "1"],
        vec!["sweep", "--users", "1k..1M", "--points", "1000001"],
        vec!["sweep", "--users", "1k,1M", "--points", "5"],
        vec!["sweep", "--users", "lots"],
        vec!["sweep", "--stage", "nope"],
        vec!["sweep", "--plot", "/nonexistent/dir/x.svg", "--users", "1k,1M"],
        vec!["ladder", "--plot", "/nonexistent/dir/x.svg"],
    ] {
        let (code, out, err) = scaleplan(&args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
    }
}

/// Issue 13: a range gives round user counts (3 significant digits, whole),
/// integers in JSON and CSV; small counts that would repeat appear once.
#[test]
fn range_user_counts_are_round_integers() {
    let (code, out, err) = scaleplan(&["sweep", "--users", "200k..1M", "--points", "26", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 26);
    for row in &rows {
        let users = row["users"]
            .as_u64()
            .unwrap_or_else(|| panic!("users {:?} is not an integer", row["users"]));
        let digits = users.to_string().trim_end_matches('0').len();
        assert!(digits <= 3, "{users} has more than 3 significant digits");
    }
    assert_eq!(rows[1]["users"], 213_000);
    let (_, csv, _) = scaleplan(&["sweep", "--users", "1..100", "--points", "60", "--format", "csv"]);
    let users: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert!(users.iter().all(|u| u.parse::<u64>().is_ok()), "{users:?}");
    let mut sorted = users.clone();
    sorted.dedup();
    assert_eq!(sorted, users, "each count once");
}

/// `sweep` refuses ranged workload and target flags, so its help offers
/// none (it shares those flags with `plan`, whose help does), and the flag
/// it refuses names the commands that take ranges.
#[test]
fn sweep_help_offers_no_ranges_and_the_refusal_says_where_they_work() {
    let (code, sweep_help, _) = scaleplan(&["sweep", "--help"]);
    assert_eq!(code, 0);
    assert!(!sweep_help.contains("or a range"), "{sweep_help}");
    assert!(sweep_help.contains("CPU time of a dynamic request on a web server: `20ms` [built-in: 20ms]"));
    let (_, plan_help, _) = scaleplan(&["plan", "--help"]);
    assert!(plan_help.contains("or a range `15ms..30ms`"), "{plan_help}");
    let (code, _, err) = scaleplan(&["sweep", "--web-cpu", "15ms..30ms"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--web-cpu") && err.contains("a range works in plan, ladder and sensitivity"),
        "{err}"
    );
}

/// Editing sweep's help keeps the subcommands in their declared order.
#[test]
fn subcommands_keep_their_order() {
    let (_, help, _) = scaleplan(&["--help"]);
    let at = |name: &str| {
        help.find(&format!("\n  {name} "))
            .unwrap_or_else(|| panic!("{name}:\n{help}"))
    };
    let order = [
        "plan",
        "ladder",
        "sweep",
        "sensitivity",
        "models",
        "defaults",
        "queue",
        "fit",
    ];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{help}");
}
