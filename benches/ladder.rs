//! Ceiling and sweep speed: the goals are under 50 ms for the
//! ceilings of all ten stages and under 1 s for a 1,000-point sweep over
//! every stage (both on this 2-core machine, threads included).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scaleplan::ceiling::ceilings;
use scaleplan::commands::plan::Loaded;
use scaleplan::sweep::{log_spaced, sweep};
use std::time::Duration;

fn ladder(c: &mut Criterion) {
    let loaded = Loaded::builtin();
    let inputs = loaded.inputs();
    let stages = &loaded.stages;
    c.bench_function("ceilings of 10 stages", |b| {
        b.iter(|| ceilings(black_box(&inputs), stages))
    });
    let users = log_spaced(1.0, 1e9, 1000);
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    group.bench_function("1000 points x 10 stages", |b| {
        b.iter(|| sweep(black_box(&inputs), stages, &users, &|_| {}))
    });
    group.finish();
}

criterion_group!(benches, ladder);
criterion_main!(benches);
