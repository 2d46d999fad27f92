//! How `shards` found skew, hot key, resharding and exhaustion (DESIGN §6).

use super::{accuracy, num, Explanation, Tag};
use crate::sharding::{Placement, ShardEstimate, ShardInput};

/// The derivation of `estimate` for `input`; `sized` when `--size-to`
/// found the count.
pub fn explain(input: &ShardInput, estimate: &ShardEstimate, sized: bool) -> Explanation {
    let mut e = Explanation::new("How this shard answer was computed (DESIGN §6):");
    let s = estimate.shards as f64;
    let formula = match sized {
        true => "S = the least count whose hottest shard fits one shard's capacity (--size-to)",
        false => "S (given by --shards)",
    };
    e.step("shards", formula, s, "", Tag::None);
    e.step(
        "hottest key share",
        format!("p_1 = 1/H(K, s), K = {}, s = {}", estimate.keys, num(estimate.zipf_s)),
        estimate.hottest_key_share,
        "",
        Tag::Exact,
    );
    let placement = match estimate.placement {
        Placement::Consistent => format!(
            "a ring of {} virtual nodes a shard: ring shares Gamma(V), plus the keys' own spread",
            estimate.vnodes.unwrap_or(1)
        ),
        _ => "hash or id modulo: each key on a uniformly random shard; loads L_j with mean (1 − p_1)/S".to_string(),
    };
    e.step(
        "hottest shard share",
        format!("E[max_j L_j], the hottest key's shard carrying p_1 more; {placement}"),
        estimate.hottest_shard_share,
        "",
        Tag::Approx(accuracy::SHARD_SKEW),
    );
    e.step(
        "skew",
        format!("S·E[max] = {} × {}", num(s), num(estimate.hottest_shard_share)),
        estimate.skew,
        "",
        Tag::Approx(accuracy::SHARD_SKEW),
    );
    if let (Some(rate), Some(total)) = (estimate.hottest_shard_rate_per_s, input.total_rate_per_s) {
        e.step(
            "hottest shard rate",
            format!("E[max]·λ = {} × {}", num(estimate.hottest_shard_share), num(total)),
            rate,
            "/s",
            Tag::None,
        );
    }
    if let (Some(bytes), Some(stored)) = (estimate.hottest_shard_bytes, input.stored_bytes) {
        e.step(
            "hottest shard bytes",
            format!(
                "B/S·count skew = {} / {} × {}",
                num(stored),
                num(s),
                num(bytes * s / stored.max(1e-300))
            ),
            bytes,
            "bytes",
            Tag::Approx(accuracy::SHARD_SKEW),
        );
    }
    resharding(&mut e, input, estimate);
    if let Some(months) = estimate.months_to_full {
        e.step(
            "time to full",
            "m months with the fullest shard's bytes, grown by --growth for m months, equal to one shard's storage; in seconds, m · 365.25 · 86 400 / 12",
            months * crate::quantity::SECONDS_PER_MONTH,
            "s",
            Tag::Exact,
        );
    }
    e
}

fn resharding(e: &mut Explanation, input: &ShardInput, estimate: &ShardEstimate) {
    let (Some(fraction), Some(to)) = (estimate.moved_fraction, input.reshard_to) else {
        return;
    };
    let from = estimate.shards;
    let formula = match estimate.placement {
        Placement::Consistent => format!(
            "|S′ − S|/max(S, S′) = |{to} − {from}| / {}, the ring share that changes owner",
            from.max(to)
        ),
        _ => format!("share of keys k with k mod S ≠ k mod S′, S = {from}, S′ = {to}"),
    };
    e.step("moved fraction", formula, fraction, "", Tag::Exact);
    if let (Some(bytes), Some(stored)) = (estimate.moved_bytes, input.stored_bytes) {
        e.step(
            "moved bytes",
            format!("fraction·B = {} × {}", num(fraction), num(stored)),
            bytes,
            "bytes",
            Tag::None,
        );
        if let (Some(time), Some(bw)) = (estimate.move_time_s, input.bandwidth_bytes_per_s) {
            e.step(
                "move time",
                format!("bytes/bandwidth = {} / {}", num(bytes), num(bw)),
                time,
                "s",
                Tag::None,
            );
        }
    }
}
