//! Sizing: the least server count that meets every constraint at once.
//!
//! Every constraint is monotone in the count (more servers never raise
//! utilization, waits or quantiles), so the search starts at the count the
//! closed-form bounds give, gallops upward until all constraints hold, then
//! bisects back. It never loops: a target that no count can meet is caught
//! up front, and the gallop stops at [`MAX_SERVERS`].

use super::farm::Farm;
use super::mmc::QueueError;
use crate::search::{least_count, Least};

/// The largest count the search considers before it calls a target
/// unreachable.
pub const MAX_SERVERS: u64 = 1_000_000_000_000;

/// A response-time percentile target: `P(T ≤ target_s) ≥ quantile`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentileTarget {
    /// The level, e.g. 0.99 for p99.
    pub quantile: f64,
    pub target_s: f64,
}

impl PercentileTarget {
    /// "p99", "p99.9": the level as engineers write it.
    pub fn label(&self) -> String {
        let pct = (self.quantile * 1000.0).round() / 10.0;
        format!("p{pct}")
    }
}

/// What the farm must satisfy. `Default` is no constraint but stability.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    /// `ρ ≤ max_utilization`.
    pub max_utilization: Option<f64>,
    /// Response-time percentiles that must not exceed their targets.
    pub percentiles: Vec<PercentileTarget>,
    /// Mean wait in queue must not exceed this.
    pub mean_wait_s: Option<f64>,
    /// At least this many servers.
    pub min_servers: u64,
    /// With one server down, utilization stays `≤ failover_utilization`
    /// (and at least two servers).
    pub n_plus_one: bool,
    /// Ceiling for utilization with one server down (DESIGN default 0.9).
    pub failover_utilization: f64,
}

/// The answer: a count, and whether and why it meets the constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct Sizing {
    pub servers: u64,
    pub feasible: bool,
    /// The constraint that set the count ("utilization", "p99", "n+1",
    /// "minimum", "stability") or, when infeasible, the one that cannot
    /// be met.
    pub binding: String,
    /// Empty when feasible; otherwise why, with the numbers.
    pub reason: String,
}

/// The least count of servers meeting every constraint.
///
/// ```text
/// N* = min { N ≥ max(min_servers, 1) : stable(N) ∧ ρ(N) ≤ u_max
///            ∧ T_q(N) ≤ target_q ∀ q ∧ Wq(N) ≤ w_max
///            ∧ (N+1 ⇒ N ≥ 2 ∧ ρ with N−1 servers ≤ u_failover) }
/// ```
/// where `ρ(N) = λS / (N·k)` and `T_q` is the response-time q-quantile.
/// A percentile target at or below the service time's own quantile
/// `S·ln(1/(1−q))` (the limit as `N → ∞`) is infeasible; the result then
/// carries `feasible = false`, the count at which every other constraint
/// holds, and a reason.
pub fn size(farm: &Farm, constraints: &Constraints) -> Result<Sizing, QueueError> {
    validate(farm, constraints)?;
    let start = lower_bound(farm, constraints);
    if let Some(reason) = unreachable_target(farm, constraints) {
        let mut others = constraints.clone();
        let target = others.percentiles.clone();
        others.percentiles.clear();
        let mut sizing = search(farm, &others, start)?;
        sizing.feasible = false;
        sizing.binding = target.first().map(|p| p.label()).unwrap_or_default();
        sizing.reason = reason;
        return Ok(sizing);
    }
    search(farm, constraints, start)
}

fn validate(farm: &Farm, c: &Constraints) -> Result<(), QueueError> {
    farm.queue(1)?;
    let fraction_ok = |u: f64| u.is_finite() && u > 0.0 && u <= 1.0;
    if let Some(u) = c.max_utilization {
        if !fraction_ok(u) {
            return Err(QueueError::Constraint(
                "the utilization ceiling",
                "a fraction in (0, 1]",
                u,
            ));
        }
    }
    if c.n_plus_one && !fraction_ok(c.failover_utilization) {
        return Err(QueueError::Constraint(
            "the failover utilization ceiling",
            "a fraction in (0, 1]",
            c.failover_utilization,
        ));
    }
    for p in &c.percentiles {
        if !(p.target_s.is_finite() && p.target_s > 0.0) {
            return Err(QueueError::Constraint("percentile target", "a time > 0", p.target_s));
        }
    }
    if let Some(w) = c.mean_wait_s {
        if !(w.is_finite() && w > 0.0) {
            return Err(QueueError::Constraint("the mean wait target", "a time > 0", w));
        }
    }
    Ok(())
}

/// The count every closed-form bound agrees is necessary.
fn lower_bound(farm: &Farm, c: &Constraints) -> u64 {
    let cores_needed = farm.arrival_rate_per_s * farm.service_time_s / farm.cores_per_server as f64;
    let mut n = farm.least_stable_servers().max(c.min_servers).max(1);
    if let Some(u) = c.max_utilization {
        n = n.max(ceil_count(cores_needed / u));
    }
    if c.n_plus_one {
        n = n.max(ceil_count(cores_needed / c.failover_utilization) + 1).max(2);
    }
    // Rounding may put the bound one above the true least count.
    n.saturating_sub(1).max(1)
}

fn ceil_count(x: f64) -> u64 {
    if x >= MAX_SERVERS as f64 {
        MAX_SERVERS
    } else {
        x.ceil() as u64
    }
}

/// A reason when some percentile target is at or below its floor.
fn unreachable_target(farm: &Farm, c: &Constraints) -> Option<String> {
    c.percentiles.iter().find_map(|p| {
        let floor_s = farm.service_time_s * (1.0 / (1.0 - p.quantile)).ln();
        (p.target_s <= floor_s).then(|| {
            format!(
                "{} target {} is at or below the service time's own {} of {} (exponential service, mean {}): no server count can meet it",
                p.label(),
                crate::quantity::format_duration(p.target_s),
                p.label(),
                crate::quantity::format_duration(floor_s),
                crate::quantity::format_duration(farm.service_time_s),
            )
        })
    })
}

/// The first constraint `servers` violates, or `None` when all hold.
pub fn violation(farm: &Farm, c: &Constraints, servers: u64) -> Result<Option<&'static str>, QueueError> {
    if servers < c.min_servers.max(1) {
        return Ok(Some("minimum"));
    }
    let q = farm.queue(servers)?;
    if !q.is_stable() {
        return Ok(Some("stability"));
    }
    if c.max_utilization.is_some_and(|u| q.utilization() > u) {
        return Ok(Some("utilization"));
    }
    if c.n_plus_one && !survives_one_failure(farm, c, servers) {
        return Ok(Some("n+1"));
    }
    if let Some(w) = c.mean_wait_s {
        if q.mean_wait_s().is_none_or(|wq| wq > w) {
            return Ok(Some("mean wait"));
        }
    }
    for p in &c.percentiles {
        if q.response_quantile_s(p.quantile).is_none_or(|t| t > p.target_s) {
            return Ok(Some(percentile_name(p.quantile)));
        }
    }
    Ok(None)
}

fn survives_one_failure(farm: &Farm, c: &Constraints, servers: u64) -> bool {
    if servers < 2 {
        return false;
    }
    let cores = (servers - 1) as f64 * farm.cores_per_server as f64;
    farm.arrival_rate_per_s * farm.service_time_s / cores <= c.failover_utilization
}

fn percentile_name(q: f64) -> &'static str {
    const NAMES: [(f64, &str); 5] = [
        (0.5, "p50"),
        (0.9, "p90"),
        (0.95, "p95"),
        (0.99, "p99"),
        (0.999, "p99.9"),
    ];
    NAMES
        .iter()
        .find(|(level, _)| (level - q).abs() < 1e-12)
        .map_or("percentile", |(_, name)| name)
}

/// The least count from `start` that meets every constraint, and the
/// constraint that the count below it breaks.
fn search(farm: &Farm, c: &Constraints, start: u64) -> Result<Sizing, QueueError> {
    let passing = match least_count(start, MAX_SERVERS, |n| violation(farm, c, n))? {
        Least::Found(n) => n,
        Least::Capped { at, violation } => return Ok(too_many(at, violation)),
    };
    let binding = match passing {
        1 => None,
        n => violation(farm, c, n - 1)?,
    };
    Ok(Sizing {
        servers: passing,
        feasible: true,
        binding: binding.unwrap_or("minimum").to_string(),
        reason: String::new(),
    })
}

fn too_many(servers: u64, constraint: &str) -> Sizing {
    Sizing {
        servers,
        feasible: false,
        binding: constraint.to_string(),
        reason: format!("{constraint} still not met at {servers} servers"),
    }
}
