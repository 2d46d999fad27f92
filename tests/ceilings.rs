//! Stage ceilings: each reported ceiling passes its test and 1.1 × it does
//! not (library API), on the built-in workload and on variations of it;
//! `scaleplan ladder` prints the ten stages.

mod common;

use common::scaleplan;

use scaleplan::ceiling::{ceilings, stage_ceiling, Limit, Test, MAX_USERS, MIN_USERS};
use scaleplan::commands::plan::Loaded;
use scaleplan::cost::{Catalog, Prices};
use scaleplan::model::Stage;
use scaleplan::plan::{plan_stage, Inputs, StagePlan};
use scaleplan::workload::{Targets, Workload};
use serde_json::Value;

fn plan_at(inputs: &Inputs, stage: &Stage, users: f64) -> StagePlan {
    let mut workload = inputs.workload.clone();
    workload.users = users;
    let at = Inputs {
        workload: &workload,
        ..*inputs
    };
    plan_stage(&at, stage).unwrap()
}

/// The limit's claim, checked by planning afresh: the test holds at the
/// ceiling and fails at 1.1 × it; a stage that never passes fails at one
/// user; a stage beyond range passes at the top.
fn check(inputs: &Inputs, stage: &Stage, test: Test, limit: &Limit) {
    let name = format!("{} {test:?}", stage.id);
    match limit {
        Limit::Found { users, at, above, .. } => {
            assert!(*users >= MIN_USERS && *users < MAX_USERS, "{name}: {users}");
            assert!((at.users - users).abs() < 1e-9, "{name}");
            let here = plan_at(inputs, stage, *users);
            assert!(
                test.holds(&here),
                "{name}: fails at its ceiling {users}: {}",
                here.reason
            );
            let beyond = plan_at(inputs, stage, users * 1.1);
            assert!(!test.holds(&beyond), "{name}: still passes at 1.1 × {users}");
            assert!(!test.holds(above), "{name}: the breaking plan passes");
            assert!(!above.reason.is_empty(), "{name}: no reason");
        }
        Limit::Never { at_min, .. } => {
            assert!(!test.holds(&plan_at(inputs, stage, MIN_USERS)), "{name}");
            assert!(!at_min.reason.is_empty(), "{name}: no reason");
        }
        Limit::BeyondRange { .. } => {
            assert!(test.holds(&plan_at(inputs, stage, MAX_USERS)), "{name}");
        }
    }
}

fn check_all(workload: &Workload, targets: &Targets) {
    let (catalog, prices) = (Catalog::builtin(), Prices::builtin());
    let inputs = Inputs {
        workload,
        targets,
        catalog: &catalog,
        prices: &prices,
    };
    let stages = Stage::builtin();
    let found = ceilings(&inputs, &stages).unwrap();
    assert_eq!(found.len(), 10);
    for (stage, c) in stages.iter().zip(&found) {
        assert_eq!(c.stage, stage.id);
        check(&inputs, stage, Test::Targets, &c.targets);
        check(&inputs, stage, Test::Capacity, &c.capacity);
        // Meeting the targets needs feasibility: the capacity ceiling is
        // never lower than the targets ceiling.
        if let (Some(t), Some(cap)) = (c.targets.users(), c.capacity.users()) {
            assert!(cap >= t, "{}: capacity {cap} below targets {t}", stage.id);
        }
    }
}

#[test]
fn each_ceiling_passes_and_1_1_times_it_fails_on_the_builtin_workload() {
    check_all(&Workload::builtin(), &Targets::builtin());
}

#[test]
fn ceilings_hold_on_a_heavier_write_workload_and_a_tighter_p99() {
    let mut heavy = Workload::builtin();
    heavy.read_fraction = 0.7;
    heavy.requests_per_dau = 400.0;
    let mut tight = Targets::builtin();
    tight.p99_s = 0.15;
    tight.availability = 0.99;
    check_all(&heavy, &tight);
}

#[test]
fn the_ladder_shape_on_the_builtin_workload() {
    let loaded = Loaded::builtin();
    let inputs = loaded.inputs();
    let stages = Stage::builtin();
    let by_id = |id: &str| {
        let stage = stages.iter().find(|s| s.id == id).unwrap();
        stage_ceiling(&inputs, stage).unwrap()
    };
    // One box (or two) is below three nines at any scale: no targets
    // ceiling, but a physical one where the largest instance fills up.
    for id in ["single-server", "split-db", "load-balancer"] {
        let c = by_id(id);
        assert!(c.targets.users().is_none(), "{id}");
        assert!(c.targets_reason().contains("availability"), "{id}");
        assert!(c.capacity.users().is_some_and(|u| u > 1e5), "{id}");
    }
    // A web farm removes the web box's limit: the load balancer's capacity
    // ceiling is above split-db's.
    let (split, lb) = (by_id("split-db"), by_id("load-balancer"));
    assert!(lb.capacity.users().unwrap() > 2.0 * split.capacity.users().unwrap());
    // Replication meets the targets; sharding lifts its ceiling past the top.
    let replicated = by_id("db-replication");
    assert!(replicated.targets.users().is_some_and(|u| u > 1e6 && u < 1e9));
    assert!(!replicated.targets.breaking_tier().is_empty());
    let sharded = by_id("sharding");
    assert!(sharded.targets.users().unwrap() > 100.0 * replicated.targets.users().unwrap());
}

const LADDER_FIELDS: [&str; 13] = [
    "stage",
    "stage_order",
    "ceiling_users",
    "ceiling_above_range",
    "ceiling_reason",
    "breaking_tier",
    "ceiling_servers",
    "ceiling_p99_response_s",
    "ceiling_availability",
    "ceiling_usd_per_month",
    "capacity_ceiling_users",
    "capacity_above_range",
    "capacity_reason",
];

#[test]
fn ladder_prints_ten_stages_in_every_format() {
    let (code, table, err) = scaleplan(&["ladder"]);
    assert_eq!(code, 0, "{err}");
    for stage in Stage::builtin() {
        assert!(table.contains(&stage.id), "{} missing:\n{table}", stage.id);
    }
    assert!(table.contains("never within targets") && table.contains("10.0B users or more"));

    let (code, json, _) = scaleplan(&["ladder", "--format", "json"]);
    assert_eq!(code, 0);
    assert!(!json.contains("NaN") && !json.contains("inf"));
    let rows: Vec<Value> = serde_json::from_str::<Value>(&json)
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 10);
    for row in &rows {
        let row = row.as_object().unwrap();
        let names: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, LADDER_FIELDS);
        assert!(row.values().all(|v| !v.is_array() && !v.is_object()));
        // A ceiling comes with its cost; no ceiling, no cost.
        assert_eq!(row["ceiling_users"].is_null(), row["ceiling_usd_per_month"].is_null());
    }
    let sharding = rows.iter().find(|r| r["stage"] == "sharding").unwrap();
    assert_eq!(sharding["ceiling_above_range"], Value::Bool(true));
    assert_eq!(sharding["ceiling_users"].as_f64(), Some(scaleplan::ceiling::MAX_USERS));

    let (code, csv, _) = scaleplan(&["ladder", "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(csv.lines().next().unwrap(), LADDER_FIELDS.join(","));
    let (_, tsv, _) = scaleplan(&["ladder", "--format", "tsv"]);
    assert_eq!(tsv.lines().count(), 11);
}

#[test]
fn plan_carries_the_same_ceiling_as_ladder() {
    let (_, plan, _) = scaleplan(&["plan", "--users", "3M", "--format", "json"]);
    let (_, ladder, _) = scaleplan(&["ladder", "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan).unwrap();
    let ladder: Value = serde_json::from_str(&ladder).unwrap();
    for (p, l) in plan.as_array().unwrap().iter().zip(ladder.as_array().unwrap()) {
        assert_eq!(p["stage"], l["stage"]);
        assert_eq!(p["ceiling_users"], l["ceiling_users"]);
        assert_eq!(p["ceiling_reason"], l["ceiling_reason"]);
    }
}

/// A ceiling still met at the top of the search (10B users) is a lower
/// bound: `plan`'s table and the sampled ladder's say "10.0B or more", as
/// the point ladder does, while the JSON keeps the number.
#[test]
fn a_ceiling_at_the_top_of_the_search_reads_as_a_lower_bound() {
    let (code, table, err) = scaleplan(&["plan"]);
    assert_eq!(code, 0, "{err}");
    let row = table.lines().find(|l| l.contains("│ sharding")).unwrap();
    assert!(row.contains("10.0B or more"), "{table}");
    assert_eq!(table.matches("or more").count(), 1, "{table}");
    let (_, json, _) = scaleplan(&["plan", "--stage", "sharding", "--format", "json"]);
    let rows: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows[0]["ceiling_users"], 10_000_000_000u64);
    let (code, bands, err) = scaleplan(&["ladder", "--web-cpu", "15ms..30ms", "--samples", "20"]);
    assert_eq!(code, 0, "{err}");
    let row = bands.lines().find(|l| l.contains("sharding")).unwrap();
    assert_eq!(row.matches("10.0B or more").count(), 2, "{bands}");
}
