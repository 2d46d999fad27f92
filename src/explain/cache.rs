//! How `cache` found a hit ratio or a size (DESIGN §5).

use super::{accuracy, num, Explanation, Tag};
use crate::cache::{CacheResult, CacheSpec, Policy};

/// The derivation of `result` for `spec`; `read_rate` when the database's
/// share was asked for.
pub fn explain(spec: &CacheSpec, result: &CacheResult, target_hit: Option<f64>, read_rate: Option<f64>) -> Explanation {
    let mut e = Explanation::new("How this cache answer was computed (DESIGN §5):");
    e.step("keys", "K", result.keys, "", Tag::None);
    e.note(format!(
        "popularity: p_i = i^(−s)/H(K, s) with s = {}, H the generalized harmonic number (summed over geometric rank buckets: ≤ 1e-4 on the hit ratio)",
        num(result.zipf_s)
    ));
    size(&mut e, spec, result, target_hit);
    hit(&mut e, result);
    e.step(
        "miss ratio",
        format!("1 − h = 1 − {}", num(result.hit_ratio)),
        result.miss_ratio,
        "",
        Tag::None,
    );
    if let Some(rate) = read_rate {
        e.step(
            "db reads",
            format!("(1 − h)·λ_r = {} × {}", num(result.miss_ratio), num(rate)),
            crate::cache::db_reads_per_s(rate, result.hit_ratio),
            "/s",
            Tag::None,
        );
    }
    e
}

fn size(e: &mut Explanation, spec: &CacheSpec, result: &CacheResult, target_hit: Option<f64>) {
    if let Some(target) = target_hit {
        e.note(format!(
            "size: the least capacity whose hit ratio reaches {}, by bisection on C",
            num(target)
        ));
    }
    if result.policy.is_ttl() {
        e.step(
            "live keys",
            "Σ_i h_i, the keys cached at a random moment",
            result.capacity_items,
            "items",
            Tag::Exact,
        );
        return;
    }
    match (spec.memory_bytes, spec.object_size_bytes) {
        (Some(memory), Some(object)) if target_hit.is_none() => e.step(
            "capacity",
            format!(
                "C = ⌊f·M/(o + k)⌋ = ⌊{} × {} / ({} + {})⌋",
                num(spec.usable_fraction),
                num(memory),
                num(object),
                num(spec.key_overhead_bytes)
            ),
            result.capacity_items,
            "items",
            Tag::None,
        ),
        _ => e.step("capacity", "C", result.capacity_items, "items", Tag::None),
    }
    if let (Some(memory), Some(object)) = (result.memory_bytes, spec.object_size_bytes) {
        e.step(
            "memory",
            format!(
                "M = ⌈C·(o + k)/f⌉ = ⌈{} × ({} + {}) / {}⌉",
                num(result.capacity_items),
                num(object),
                num(spec.key_overhead_bytes),
                num(spec.usable_fraction)
            ),
            memory,
            "bytes",
            Tag::None,
        );
    }
}

fn hit(e: &mut Explanation, r: &CacheResult) {
    let t = r.characteristic_time_requests;
    match r.policy {
        Policy::Lru => {
            if let Some(t) = t {
                e.step(
                    "characteristic time",
                    "T with Σ_i (1 − e^(−p_i·T)) = C",
                    t,
                    "requests",
                    Tag::Approx(accuracy::CHE),
                );
            }
            e.step(
                "hit ratio",
                "h = Σ_i p_i·(1 − e^(−p_i·T))",
                r.hit_ratio,
                "",
                Tag::Approx(accuracy::CHE),
            );
        }
        Policy::Fifo | Policy::Random => {
            if let Some(t) = t {
                e.step(
                    "characteristic time",
                    "T with Σ_i p_i·T/(1 + p_i·T) = C",
                    t,
                    "requests",
                    Tag::Approx(accuracy::FIFO_RANDOM),
                );
            }
            e.step(
                "hit ratio",
                "h = Σ_i p_i · p_i·T/(1 + p_i·T)",
                r.hit_ratio,
                "",
                Tag::Approx(accuracy::FIFO_RANDOM),
            );
        }
        Policy::Lfu => e.step(
            "hit ratio",
            format!(
                "h = H(C, s)/H(K, s), the C most popular keys cached, C = {}",
                num(r.capacity_items)
            ),
            r.hit_ratio,
            "",
            Tag::Exact,
        ),
        Policy::Ttl => e.step(
            "hit ratio",
            "h = Σ_i p_i · λ_i·τ/(1 + λ_i·τ), λ_i = p_i·R (expiry fixed at insertion)",
            r.hit_ratio,
            "",
            Tag::Exact,
        ),
        Policy::TtlReset => e.step(
            "hit ratio",
            "h = Σ_i p_i · (1 − e^(−λ_i·τ)), λ_i = p_i·R (expiry reset on each hit)",
            r.hit_ratio,
            "",
            Tag::Exact,
        ),
    }
    if let Some(seconds) = r.characteristic_time_s {
        let formula = match r.policy.is_ttl() {
            true => "τ, the TTL".to_string(),
            false => format!("T/R = {} / R", num(t.unwrap_or(0.0))),
        };
        e.step("characteristic time", formula, seconds, "s", Tag::None);
    }
    e.note("independent reference model: each request picks key i with probability p_i, independently of the past");
}
