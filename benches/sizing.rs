//! Sizing speed: the goal is under 5 ms at about 10^6 servers.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scaleplan::queueing::sizing::PercentileTarget;
use scaleplan::queueing::{size, Constraints, Farm};

fn constraints() -> Constraints {
    Constraints {
        max_utilization: Some(0.8),
        percentiles: vec![PercentileTarget {
            quantile: 0.99,
            target_s: 0.05,
        }],
        n_plus_one: true,
        failover_utilization: 0.9,
        ..Constraints::default()
    }
}

fn sizing(c: &mut Criterion) {
    // 1.6M/s × 10 ms = 16 000 Erlangs → 20 000 servers at 80 %.
    let farm_2e4 = Farm::mmc(1.6e6, 0.01);
    c.bench_function("size ~2e4 servers", |b| {
        b.iter(|| size(black_box(&farm_2e4), &constraints()))
    });
    // 80M/s × 10 ms = 800 000 Erlangs → 1 000 000 servers at 80 %.
    let farm_1e6 = Farm::mmc(8e7, 0.01);
    c.bench_function("size ~1e6 servers", |b| {
        b.iter(|| size(black_box(&farm_1e6), &constraints()))
    });
}

criterion_group!(benches, sizing);
criterion_main!(benches);
