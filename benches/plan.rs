//! Plan speed: the goal is under 2 ms of compute for all ten stages.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scaleplan::cost::{Catalog, Prices};
use scaleplan::model::Stage;
use scaleplan::plan::{plan, Inputs};
use scaleplan::workload::{Targets, Workload};

fn plan_ten_stages(c: &mut Criterion) {
    let (targets, catalog, prices, stages) = (
        Targets::builtin(),
        Catalog::builtin(),
        Prices::builtin(),
        Stage::builtin(),
    );
    for users in [1e6, 1e9] {
        let mut workload = Workload::builtin();
        workload.users = users;
        let inputs = Inputs {
            workload: &workload,
            targets: &targets,
            catalog: &catalog,
            prices: &prices,
        };
        c.bench_function(&format!("plan 10 stages at {users:e} users"), |b| {
            b.iter(|| plan(black_box(&inputs), &stages))
        });
    }
    c.bench_function("load built-in inputs", |b| {
        b.iter(|| {
            (
                Workload::builtin(),
                Targets::builtin(),
                Catalog::builtin(),
                Prices::builtin(),
                Stage::builtin(),
            )
        })
    });
}

criterion_group!(benches, plan_ten_stages);
criterion_main!(benches);
