//! How `replicas` sized the read replicas of one primary (DESIGN §6).

use super::{accuracy, num, Explanation, Tag};
use crate::replication::{ReplicaSizing, Replication};

/// The derivation of `sizing` for `tier`.
pub fn explain(tier: &Replication, sizing: &ReplicaSizing) -> Explanation {
    let mut e = Explanation::new("How these replicas were sized (DESIGN §6):");
    let (lr, lw, sr, sw) = (
        tier.read_rate_per_s,
        tier.write_rate_per_s,
        tier.read_time_s,
        tier.write_time_s,
    );
    let k = tier.cores_per_replica as f64;
    let read_cores = lr * sr;
    let apply = tier.apply_load_cores();
    e.step(
        "read load",
        format!("λ_r·S_r = {} × {}", num(lr), num(sr)),
        read_cores,
        "cores",
        Tag::None,
    );
    e.step(
        "apply tax",
        format!(
            "a_w = α·λ_w·S_w = {} × {} × {}, on every replica",
            num(tier.apply_factor),
            num(lw),
            num(sw)
        ),
        apply,
        "cores",
        Tag::None,
    );
    let n = sizing.replicas;
    e.step(
        &format!("replicas, set by {}", sizing.binding),
        "n = the least count meeting every constraint",
        n as f64,
        "",
        Tag::Exact,
    );
    e.step(
        "replica utilization",
        format!(
            "ρ(n) = (λ_r·S_r/n + a_w)/k = ({} / {n} + {}) / {}",
            num(read_cores),
            num(apply),
            num(k)
        ),
        sizing.replica_utilization,
        "",
        Tag::Exact,
    );
    if let Some(rest) = sizing.failover_replica_utilization {
        e.step(
            "failover replica utilization",
            format!(
                "ρ(n−1) = ({} / {} + {}) / {}, one replica down",
                num(read_cores),
                n - 1,
                num(apply),
                num(k)
            ),
            rest,
            "",
            Tag::Exact,
        );
    }
    e.step(
        "primary utilization",
        format!("λ_w·S_w/k_p = {} × {} / {}", num(lw), num(sw), tier.primary_cores),
        sizing.primary_utilization,
        "",
        Tag::Exact,
    );
    e.step(
        "read ceiling",
        format!(
            "(u_max·k − a_w)·n_max/S_r = ({} × {} − {}) × {} / {}",
            num(tier.max_utilization),
            num(k),
            num(apply),
            tier.max_replicas,
            num(sr)
        ),
        sizing.read_ceiling_per_s,
        "/s",
        Tag::Exact,
    );
    lag(&mut e, tier, sizing);
    match sizing.replica_p99_read_s {
        Some(p99) => e.step(
            "replica p99 read",
            "t with P(Wq + X_r > t) = 0.01, the replica's wait (reads and applied writes) plus the read's own exponential service",
            p99,
            "s",
            Tag::Approx(accuracy::REPLICA_READ),
        ),
        None => e.missing("replica p99 read", "a replica is saturated"),
    }
    e
}

fn lag(e: &mut Explanation, tier: &Replication, sizing: &ReplicaSizing) {
    let w = tier.apply_workers.max(1);
    let apply_s = tier.apply_factor * tier.write_time_s;
    match sizing.replication_lag_s {
        Some(lag) => e.step(
            "replication lag",
            format!(
                "mean sojourn of M/M/w with w = {w} apply workers, λ_w = {}, α·S_w = {}: Wq + α·S_w",
                num(tier.write_rate_per_s),
                num(apply_s)
            ),
            lag,
            "s",
            Tag::Exact,
        ),
        None => e.missing(
            "replication lag",
            "the apply workers cannot keep up: replicas fall behind",
        ),
    }
}
