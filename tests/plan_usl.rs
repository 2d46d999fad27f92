//! A scale-up tier with a `usl` key: its instances count as `X(k)/X(1)`
//! cores, so the stage breaks physically at fewer users; with σ = κ = 0
//! every figure is what it is without the key.

mod common;

use common::{json_rows, number, scaleplan, temp_file};
use scaleplan::ceiling::stage_ceiling;
use scaleplan::commands::plan::Loaded;
use scaleplan::fit::usl::Usl;
use scaleplan::model::Stage;
use scaleplan::plan::{plan_stage, Inputs};

/// The SPEC SDM91 fit (tests/fit_usl.rs): a 192-vCPU box is worth about
/// 19 cores, and no box more than 21 (at N* ≈ 96).
const SDM91: Usl = Usl {
    sigma: 0.027728475618634389,
    kappa: 0.00010436548384409088,
};

fn builtin(id: &str) -> Stage {
    Stage::builtin().into_iter().find(|s| s.id == id).unwrap()
}

fn with_usl(id: &str, tier: &str, usl: Usl) -> Stage {
    let mut stage = builtin(id);
    let t = stage.tiers.iter_mut().find(|t| t.name == tier).unwrap();
    t.usl = Some(usl);
    stage
}

fn physical_ceiling(inputs: &Inputs, stage: &Stage) -> f64 {
    stage_ceiling(inputs, stage).unwrap().capacity.users().unwrap()
}

#[test]
fn a_usl_tier_lowers_the_physical_ceiling() {
    let loaded = Loaded::builtin();
    let inputs = loaded.inputs();
    for (id, tier) in [
        ("single-server", "server"),
        ("split-db", "web"),
        ("load-balancer", "db"),
    ] {
        let without = physical_ceiling(&inputs, &builtin(id));
        let with = physical_ceiling(&inputs, &with_usl(id, tier, SDM91));
        assert!(with < without, "{id}: {with} with the USL, {without} without");
        if id == "single-server" {
            // About 19 effective cores of 192: the ceiling falls about tenfold.
            assert!(with < without / 5.0, "{with} vs {without}");
        }
    }
}

/// The replicated stages break where a replica can no longer take the
/// writes, not at the primary; the primary's own load shows the USL.
#[test]
fn a_usl_primary_runs_hotter_on_the_same_writes() {
    let loaded = Loaded::builtin();
    let mut workload = loaded.workload.clone();
    workload.users = 10e6;
    let inputs = Inputs {
        workload: &workload,
        ..loaded.inputs()
    };
    let primary = |stage: &Stage| {
        let plan = plan_stage(&inputs, stage).unwrap();
        plan.tiers.into_iter().find(|t| t.name == "db-primary").unwrap()
    };
    let (without, with) = (
        primary(&builtin("db-replication")),
        primary(&with_usl("db-replication", "db-primary", SDM91)),
    );
    assert!(with.cores_per_server >= without.cores_per_server);
    assert!(
        with.utilization() > without.utilization() * 1.02,
        "{} vs {}",
        with.utilization(),
        without.utilization()
    );
}

#[test]
fn sigma_and_kappa_zero_change_nothing() {
    let loaded = Loaded::builtin();
    let inputs = loaded.inputs();
    let zero = Usl { sigma: 0.0, kappa: 0.0 };
    for (id, tier) in [
        ("single-server", "server"),
        ("split-db", "db"),
        ("db-replication", "db-primary"),
    ] {
        let (plain, linear) = (builtin(id), with_usl(id, tier, zero));
        for users in [1e3, 1e5, 1e7, 1e9] {
            let mut workload = loaded.workload.clone();
            workload.users = users;
            let at = Inputs {
                workload: &workload,
                ..inputs
            };
            assert_eq!(
                plan_stage(&at, &plain).unwrap(),
                plan_stage(&at, &linear).unwrap(),
                "{id} at {users}"
            );
        }
        assert_eq!(
            stage_ceiling(&inputs, &plain).unwrap(),
            stage_ceiling(&inputs, &linear).unwrap(),
            "{id}"
        );
    }
}

#[test]
fn a_model_file_with_a_usl_key_plans_on_effective_cores() {
    let text =
        Stage::builtin_text("single-server").unwrap().to_string() + "usl = { sigma = 0.027728, kappa = 0.00010437 }\n";
    let path = temp_file("single-server-usl.toml", &text);
    let args = ["plan", "--users", "3M", "--level", "tier", "--format", "json"];
    let (code, out, err) = scaleplan(&[&args[..], &["--model", &path]].concat());
    assert_eq!(code, 0, "{err}");
    let with = &json_rows(&out)[0];
    let (_, out, _) = scaleplan(&[&args[..], &["--stage", "single-server"]].concat());
    let without = &json_rows(&out)[0];
    // 3M users fit a box without the USL; with it, even the largest box
    // runs far above the ceiling and the reason says so.
    assert_eq!(without["feasible"], true);
    assert_eq!(with["feasible"], false);
    assert!(
        with["reason"].as_str().unwrap().contains("largest instance"),
        "{with:?}"
    );
    assert!(number(with, "utilization") > 0.7);
}
