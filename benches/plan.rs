//! Plan speed: the goal is under 2 ms of compute for all ten stages.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scaleplan::cost::{Catalog, Prices};
use scaleplan::model::Stage;
use scaleplan::plan::{plan, plan_stage_probe, Inputs};
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

/// What a Monte Carlo pass asks: every stage probed once per sample, with
/// inputs that differ from sample to sample (so no per-thread memo of a
/// previous sample helps). Budget: about 180 µs for the ten stages.
fn probe_ten_stages_varied(c: &mut Criterion) {
    let (targets, catalog, prices, stages) = (
        Targets::builtin(),
        Catalog::builtin(),
        Prices::builtin(),
        Stage::builtin(),
    );
    let base = Workload::builtin();
    let mut sample = 0u64;
    c.bench_function("ten stages, probe, varied inputs", |b| {
        b.iter(|| {
            // A fresh, never repeated user count and request rate each time.
            sample += 1;
            let spread = (sample as f64 * 0.618_033_988_749_895).fract();
            let mut workload = base.clone();
            workload.users = 1e6 * (1.0 + 2.0 * spread);
            workload.requests_per_dau *= 1.0 + 0.6 * (sample as f64 * 0.414_213_562_373_095).fract();
            let workload = &workload;
            let inputs = Inputs {
                workload,
                targets: &targets,
                catalog: &catalog,
                prices: &prices,
            };
            for stage in &stages {
                black_box(plan_stage_probe(black_box(&inputs), stage).ok());
            }
        })
    });
}

/// A Monte Carlo plan: 100 samples of `--users 1M..4M --web-cpu 15ms..30ms`
/// over the ten stages (the goal is 10,000 samples under 1 s of
/// whole process on 2 cores: 100 µs of one core per ten-stage sample).
fn sample_ten_stages(c: &mut Criterion) {
    use scaleplan::ranges::{find, FLAGS};
    use scaleplan::sampling::{run, sample_values, Home, Sampling, UncertainInput};
    use scaleplan::uncertain::{Dist, Spread};
    let (workload, targets, catalog, prices, stages) = (
        Workload::builtin(),
        Targets::builtin(),
        Catalog::builtin(),
        Prices::builtin(),
        Stage::builtin(),
    );
    let ranged = |flag: &str, key: &str, low: f64, high: f64| UncertainInput {
        name: flag.to_string(),
        home: Home::Workload,
        key: key.to_string(),
        spread: Spread::new(low, high, Dist::LogNormal, find(FLAGS, flag).unwrap().range).unwrap(),
    };
    let uncertain = [
        ranged("--users", "users", 1e6, 4e6),
        ranged("--web-cpu", "web_cpu", 0.015, 0.030),
    ];
    let values = sample_values(&uncertain, Sampling { samples: 100, seed: 1 });
    let inputs = Inputs {
        workload: &workload,
        targets: &targets,
        catalog: &catalog,
        prices: &prices,
    };
    let mut group = c.benchmark_group("monte carlo");
    group.sample_size(10);
    group.bench_function("100 samples of ten stages", |b| {
        b.iter(|| run(black_box(&inputs), &stages, &uncertain, &values, false, &|_| {}))
    });
    group.finish();
}

criterion_group!(benches, plan_ten_stages, probe_ten_stages_varied, sample_ten_stages);
criterion_main!(benches);
