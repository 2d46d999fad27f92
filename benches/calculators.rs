//! Calculator speed. Goals from the issue: cache hit ratio for K = 10^9
//! under 1 ms; shard skew for S = 4096, V = 1000 under 5 ms.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scaleplan::cache::{Policy, Popularity};
use scaleplan::sharding::{skew, Layout, Placement};

fn cache_hit_ratio(c: &mut Criterion) {
    c.bench_function("cache LRU hit ratio, K = 1e9, s = 1 (bucketing + Che)", |b| {
        b.iter(|| {
            let popularity = Popularity::new(black_box(1e9), 1.0).unwrap();
            popularity.hit_ratio_items(Policy::Lru, 1e7).unwrap()
        })
    });
    c.bench_function("cache capacity for 90% hit, K = 1e9, s = 1", |b| {
        let popularity = Popularity::new(1e9, 1.0).unwrap();
        b.iter(|| popularity.capacity_for_hit(Policy::Lru, black_box(0.9)).unwrap())
    });
}

fn shard_skew(c: &mut Criterion) {
    for keys in [1_000_000u64, 1_000_000_000] {
        let layout = Layout {
            keys,
            zipf_s: 0.8,
            placement: Placement::Consistent,
            vnodes: 1000,
        };
        c.bench_function(&format!("shard skew, S = 4096, V = 1000, K = {keys:e}"), |b| {
            b.iter(|| skew(black_box(&layout), 4096).unwrap())
        });
    }
}

criterion_group!(benches, cache_hit_ratio, shard_skew);
criterion_main!(benches);
