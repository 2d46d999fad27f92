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

/// One constraint of [`Constraints`], with its limit: what a sizing names
/// as the reason for its count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Constraint {
    /// At least this many servers (`--min-servers`; 1 is the floor of any farm).
    MinServers(u64),
    /// Offered load below capacity; not a target, so it cannot be relaxed.
    Stability,
    /// `ρ ≤ u_max`.
    MaxUtil(f64),
    /// N+1: with one server down, `ρ ≤ u_failover`.
    Failover(f64),
    /// Mean wait in queue at most this.
    MeanWait(f64),
    Percentile(PercentileTarget),
}

impl Constraint {
    /// The name a `binding` field starts with: `min-servers`, `stability`,
    /// `max-util`, `failover`, `mean-wait`, `p50` … `p999`.
    pub fn key(&self) -> &'static str {
        match self {
            Constraint::MinServers(_) => "min-servers",
            Constraint::Stability => "stability",
            Constraint::MaxUtil(_) => "max-util",
            Constraint::Failover(_) => "failover",
            Constraint::MeanWait(_) => "mean-wait",
            Constraint::Percentile(p) => percentile_name(p.quantile),
        }
    }

    /// The key with its limit, as a person reads it: `max-util 70%`,
    /// `p99 50.0 ms`, `min-servers 2`.
    pub fn describe(&self) -> String {
        use crate::quantity::{format_duration, format_percent};
        match self {
            Constraint::MinServers(n) => format!("min-servers {n}"),
            Constraint::Stability => "stability".to_string(),
            Constraint::MaxUtil(u) | Constraint::Failover(u) => format!("{} {}", self.key(), format_percent(*u)),
            Constraint::MeanWait(w) => format!("mean-wait {}", format_duration(*w)),
            Constraint::Percentile(p) => format!("{} {}", self.key(), format_duration(p.target_s)),
        }
    }
}

/// The constraints that set a count, as one text: their descriptions
/// joined by ` + ` (several when they tie: each alone would still hold the
/// count).
pub fn describe_binding(constraints: &[Constraint]) -> String {
    let parts: Vec<String> = constraints.iter().map(Constraint::describe).collect();
    parts.join(" + ")
}

/// The answer: a count, and whether and why it meets the constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct Sizing {
    pub servers: u64,
    pub feasible: bool,
    /// What set the count, as [`describe_binding`] writes `bound_by`.
    pub binding: String,
    /// The constraints that set the count: every one that `servers − 1`
    /// breaks (so relaxing the one named alone allows fewer servers, and
    /// relaxing any other alone does not); `stability` alone when
    /// `servers − 1` is unstable (no target can be relaxed below that);
    /// `min-servers` when `servers` is the minimum. When infeasible, the
    /// constraint that cannot be met.
    pub bound_by: Vec<Constraint>,
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
        sizing.bound_by = target.first().map(|p| Constraint::Percentile(*p)).into_iter().collect();
        sizing.binding = describe_binding(&sizing.bound_by);
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

/// The first constraint `servers` violates (its key), or `None` when all
/// hold.
pub fn violation(farm: &Farm, c: &Constraints, servers: u64) -> Result<Option<&'static str>, QueueError> {
    Ok(violations(farm, c, servers)?.first().map(Constraint::key))
}

/// Every constraint `servers` violates, in the order: minimum, stability,
/// utilization, N+1, mean wait, percentiles. Waits and percentiles of an
/// unstable farm count as violated.
pub fn violations(farm: &Farm, c: &Constraints, servers: u64) -> Result<Vec<Constraint>, QueueError> {
    let mut broken = Vec::new();
    if servers < c.min_servers.max(1) {
        broken.push(Constraint::MinServers(c.min_servers.max(1)));
        if servers == 0 {
            return Ok(broken);
        }
    }
    let q = farm.queue(servers)?;
    if !q.is_stable() {
        broken.push(Constraint::Stability);
    }
    if let Some(u) = c.max_utilization.filter(|&u| q.utilization() > u) {
        broken.push(Constraint::MaxUtil(u));
    }
    if c.n_plus_one && !survives_one_failure(farm, c, servers) {
        broken.push(Constraint::Failover(c.failover_utilization));
    }
    if let Some(w) = c.mean_wait_s {
        if q.mean_wait_s().is_none_or(|wq| wq > w) {
            broken.push(Constraint::MeanWait(w));
        }
    }
    for p in &c.percentiles {
        if q.response_quantile_s(p.quantile).is_none_or(|t| t > p.target_s) {
            broken.push(Constraint::Percentile(*p));
        }
    }
    Ok(broken)
}

/// What set a least count `servers`: the constraints `servers − 1` breaks.
pub fn bound_by(farm: &Farm, c: &Constraints, servers: u64) -> Result<Vec<Constraint>, QueueError> {
    if servers <= 1 {
        return Ok(vec![Constraint::MinServers(1)]);
    }
    let broken = violations(farm, c, servers - 1)?;
    if broken.contains(&Constraint::Stability) {
        return Ok(vec![Constraint::Stability]);
    }
    if broken.is_empty() {
        return Ok(vec![Constraint::MinServers(c.min_servers.max(1))]);
    }
    Ok(broken)
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
        (0.999, "p999"),
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
        Least::Capped { at, violation } => return too_many(farm, c, at, violation),
    };
    let bound = bound_by(farm, c, passing)?;
    Ok(Sizing {
        servers: passing,
        feasible: true,
        binding: describe_binding(&bound),
        bound_by: bound,
        reason: String::new(),
    })
}

fn too_many(farm: &Farm, c: &Constraints, servers: u64, constraint: &str) -> Result<Sizing, QueueError> {
    let bound = violations(farm, c, servers)?;
    Ok(Sizing {
        servers,
        feasible: false,
        binding: describe_binding(&bound),
        bound_by: bound,
        reason: format!("{constraint} still not met at {servers} servers"),
    })
}
