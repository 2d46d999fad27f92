//! Spare servers for the availability target.
//!
//! A scale-out tier's availability is k-of-n: it survives as long as the
//! servers left carry the load. Sized for utilization alone, a farm can end
//! with a single spare (or none) at some loads and several at slightly
//! higher ones, so a stage would miss its availability target in narrow
//! bands of users and meet it on both sides. A planner would add a spare.
//! So when a feasible stage misses the target, and spare servers can reach
//! it, the web farm gets spares one at a time (one more server per data
//! center each) until it is met: a fixed farm as a higher least count, an
//! autoscaled farm as servers kept above each hour's count (billed every
//! hour). When the stage would miss the
//! target even if the web farm never failed (the data center, a managed
//! part or a single server caps it), or three spares per data center fall
//! short, the target is out of reach and the stage stays as sized: chasing
//! it would only inflate the answer.

use super::{plan_stage_once, Inputs, Knobs, Shared, StagePlan};
use crate::availability;
use crate::error::InputError;
use crate::model::{Scale, Stage, Tier, TierKind};
use crate::quantity::format_percent;

/// The most spares added to one tier, per data center.
pub const MAX_SPARES: u64 = 3;

/// `plan` with the spares that bring it to the availability target, or
/// `plan` itself when it meets the target, cannot carry the load, or no
/// spares reach the target.
pub(super) fn chase_availability(
    inputs: &Inputs,
    stage: &Stage,
    shared: &Shared,
    knobs: Knobs,
    plan: StagePlan,
) -> Result<StagePlan, InputError> {
    let target = inputs.targets.availability;
    let candidates: Vec<usize> = (0..stage.tiers.len())
        .filter(|&i| can_take_spares(&stage.tiers[i]))
        .collect();
    if !plan.feasible || plan.availability >= target || candidates.is_empty() {
        return Ok(plan);
    }
    let names: Vec<&str> = candidates.iter().map(|&i| stage.tiers[i].name.as_str()).collect();
    // With the CDN in series (the web farm cannot take the static files),
    // a spare can take it out of series: the bound does not hold there.
    if !plan.availability_parts.cdn_in_series && best_case_availability(&plan, &names) < target {
        return Ok(out_of_reach(plan));
    }
    let at = |spares: &[u64]| plan_stage_once(inputs, &with_spares(stage, &plan, spares), shared, knobs);
    let mut spares = vec![0; stage.tiers.len()];
    let mut current = plan.clone();
    while current.availability < target {
        let mut best: Option<(usize, StagePlan)> = None;
        for &i in &candidates {
            if spares[i] >= MAX_SPARES {
                continue;
            }
            spares[i] += 1;
            let tried = at(&spares)?;
            spares[i] -= 1;
            let better = best.as_ref().map_or(current.availability, |(_, b)| b.availability);
            if tried.feasible && tried.availability > better {
                best = Some((i, tried));
            }
        }
        let Some((i, tried)) = best else { break };
        spares[i] += 1;
        current = tried;
    }
    if current.availability < target {
        return Ok(out_of_reach(plan));
    }
    // What sized the stage before the spares (the p99 knob) still did.
    current.sized_for = plan.sized_for;
    Ok(annotated(current, stage, &spares, target))
}

/// The web farm (or all-in-one farm): the tier whose spare count steps as
/// the load grows. The database's copies follow the primary, cache and
/// session farms keep two nodes and a failover margin, workers are off the
/// path. One candidate per stage keeps the bill monotone in users: the
/// count is the larger of what the load needs and the least count that
/// meets the target, both of which only grow.
fn can_take_spares(tier: &Tier) -> bool {
    tier.scale == Scale::Out && matches!(tier.kind, TierKind::Web | TierKind::AllInOne)
}

/// An autoscaled web farm: its spares ride above each hour's count
/// (`Tier::spares`), billed every hour, rather than a floor at the peak
/// count, which would keep the peak's servers all night.
fn autoscaled(stage: &Stage, tier: &Tier) -> bool {
    stage.autoscale && tier.kind == TierKind::Web
}

/// `stage` with each fixed farm's least count per data center raised to
/// the count `plan` gave its busiest data center plus its spares, and each
/// autoscaled farm given its spares above every hour's count.
fn with_spares(stage: &Stage, plan: &StagePlan, spares: &[u64]) -> Stage {
    let mut out = stage.clone();
    for (tier, &extra) in out.tiers.iter_mut().zip(spares).filter(|(_, &e)| e > 0) {
        if autoscaled(stage, tier) {
            tier.spares = extra;
            continue;
        }
        let busiest = plan
            .tiers
            .iter()
            .find(|t| t.name == tier.name)
            .and_then(|t| t.dc_servers.iter().max().copied())
            .unwrap_or(tier.min);
        tier.min = tier.min.max(busiest + extra);
    }
    out
}

fn annotated(mut plan: StagePlan, stage: &Stage, spares: &[u64], target: f64) -> StagePlan {
    let mut added = Vec::new();
    for (tier, &extra) in stage.tiers.iter().zip(spares).filter(|(_, &e)| e > 0) {
        let noun = if extra == 1 { "spare" } else { "spares" };
        let hourly = if autoscaled(stage, tier) {
            " above each hour's count"
        } else {
            ""
        };
        added.push(format!("{} +{extra} {noun} per data center{hourly}", tier.name));
        if let Some(t) = plan.tiers.iter_mut().find(|t| t.name == tier.name) {
            t.binding = format!("availability {} (+{extra} {noun})", format_percent(target));
        }
    }
    if !added.is_empty() {
        plan.sized_for = format!(
            "{}; availability {}: {}",
            plan.sized_for,
            format_percent(target),
            added.join(", ")
        );
    }
    plan
}

/// The stage's availability if the `spared` tiers never failed (as many
/// spares as it takes), composed as the verdict composes it (DESIGN §7):
/// an upper bound on what spares reach, read without planning again.
fn best_case_availability(plan: &StagePlan, spared: &[&str]) -> f64 {
    let parts = &plan.availability_parts;
    let spared_up: f64 = parts
        .per_dc
        .iter()
        .filter(|(name, _)| spared.contains(&name.as_str()))
        .map(|(_, u)| 1.0 - u)
        .product();
    // `one_dc` is a `1 − A` of tiers in series: dividing out the spared
    // tiers' availability leaves the rest's.
    let one_dc_up = ((1.0 - parts.one_dc) / spared_up.max(f64::MIN_POSITIVE)).min(1.0);
    let d = parts.data_centers.max(1);
    let dcs = availability::k_of_n_unavailability(d.saturating_sub(1).max(1), d, one_dc_up).unwrap_or(1.0);
    let global_up: f64 = parts.global.iter().map(|(_, u)| 1.0 - u).product();
    global_up * (1.0 - dcs)
}

fn out_of_reach(mut plan: StagePlan) -> StagePlan {
    plan.sized_for = format!(
        "{}; the availability target is out of reach with spare servers (the data center, a managed part or a single server caps it), not chased",
        plan.sized_for
    );
    plan
}
