//! Times each built-in stage (planned alone) and the whole ladder; a quick
//! profile aid next to `cargo bench --bench plan`.
use scaleplan::cost::{Catalog, Prices};
use scaleplan::model::Stage;
use scaleplan::plan::{plan, plan_stage, Inputs};
use scaleplan::workload::{Targets, Workload};
use std::time::Instant;

fn main() {
    let (targets, catalog, prices) = (Targets::builtin(), Catalog::builtin(), Prices::builtin());
    let stages = Stage::builtin();
    for users in [1e6, 1e9] {
        let mut workload = Workload::builtin();
        workload.users = users;
        let inputs = Inputs {
            workload: &workload,
            targets: &targets,
            catalog: &catalog,
            prices: &prices,
        };
        for s in &stages {
            let t = Instant::now();
            for _ in 0..200 {
                let _ = plan_stage(&inputs, s);
            }
            println!(
                "{users:e} {:<15} {:>8.1} us",
                s.id,
                t.elapsed().as_secs_f64() / 200.0 * 1e6
            );
        }
        let t = Instant::now();
        for _ in 0..200 {
            let _ = plan(&inputs, &stages);
        }
        println!(
            "{users:e} all ten        {:>8.1} us",
            t.elapsed().as_secs_f64() / 200.0 * 1e6
        );
    }
}
