//! The stage-level numbers: availability and SPOFs (DESIGN §7), the bill
//! (§8, lines in `bill.rs`), and the verdict.

use super::failures::WhatIf;
use super::{total_usd, AvailabilityParts, BillLine, DataFigures, StageContext, StagePlan, TierPlan};
use crate::availability;
use crate::cost;
use crate::model::TierKind;
use crate::quantity::{format_duration, format_percent};

impl StageContext<'_> {
    pub(super) fn finish(&self, tiers: Vec<TierPlan>) -> StagePlan {
        let w = self.w();
        let feasible = tiers.iter().all(|t| t.feasible);
        // Kept for an infeasible stage too (the p99 search reads it); the
        // records print it only for a stage that carries the load.
        let latency = self.latency(&tiers);
        let what_ifs = self.what_ifs(&tiers, self.shared.detailed);
        let (availability, spofs, availability_parts) = self.availability(&tiers, &what_ifs);
        let data = DataFigures {
            dc_failover: self.dc_failover(),
            ..self.data.clone()
        };
        let availability = super::dns::with_failover(availability, data.dc_failover.as_ref());
        let bill: Vec<BillLine> = tiers
            .iter()
            .flat_map(|t| t.lines.iter().cloned())
            .chain(self.stage_lines(&tiers))
            .collect();
        let usd_per_month = total_usd(&bill);
        let bottleneck = bottleneck(&tiers);
        let mut plan = StagePlan {
            id: self.stage.id.clone(),
            title: self.stage.title.clone(),
            order: self.stage.order,
            users: w.users,
            dau: w.dau(),
            peak_rate_per_s: self.rates.dynamic_per_s,
            servers: tiers.iter().map(|t| t.servers).sum(),
            mean_response_s: latency.mean_s,
            p99_response_s: latency.p99_s,
            user_p99_s: latency.user_p99_s,
            usd_per_month,
            bill,
            usd_per_million_requests: cost::usd_per_million_requests(usd_per_month, w.mean_rate_per_s()),
            usd_per_dau_month: cost::usd_per_dau_month(usd_per_month, w.dau()),
            availability,
            availability_parts,
            downtime_min_per_month: availability::downtime_min_per_month(availability).unwrap_or(0.0),
            spofs,
            bottleneck,
            cache_hit_ratio: self.stage.has(TierKind::Cache).then_some(self.hit_ratio),
            shards: self.shards,
            feasible,
            meets_slo: false,
            recommended: false,
            reason: String::new(),
            sized_for: format!(
                "every tier at most {} busy (max-util)",
                format_percent(self.targets().max_util)
            ),
            what_ifs,
            tiers,
            data,
        };
        self.verdict(&mut plan);
        plan
    }

    /// An infeasible pass/fail plan, cut short after the first tier that
    /// does not fit ([`super::plan_stage_pass_fail`]): only its feasibility,
    /// verdict and the tiers sized so far mean anything.
    pub(super) fn cut_short(&self, tiers: Vec<TierPlan>) -> StagePlan {
        StagePlan {
            id: self.stage.id.clone(),
            title: self.stage.title.clone(),
            order: self.stage.order,
            users: self.w().users,
            dau: self.w().dau(),
            peak_rate_per_s: self.rates.dynamic_per_s,
            servers: tiers.iter().map(|t| t.servers).sum(),
            mean_response_s: None,
            p99_response_s: None,
            user_p99_s: None,
            usd_per_month: 0.0,
            bill: Vec::new(),
            usd_per_million_requests: None,
            usd_per_dau_month: None,
            availability: 0.0,
            availability_parts: AvailabilityParts::default(),
            downtime_min_per_month: 0.0,
            spofs: Vec::new(),
            bottleneck: bottleneck(&tiers),
            cache_hit_ratio: None,
            shards: self.shards,
            feasible: false,
            meets_slo: false,
            recommended: false,
            reason: String::new(),
            sized_for: String::new(),
            what_ifs: Vec::new(),
            tiers,
            data: DataFigures::default(),
        }
    }

    /// Tiers in series inside a DC, times the DC itself; D data centers
    /// each sized to take one failed DC's users, so the service is up while
    /// at most one is down ((D−1)-of-D; 1-of-2 for two). The database
    /// primary (or the shards) is one for all DCs and stays in series
    /// outside that. A cache whose loss would overload the database is a
    /// hidden SPOF and counts in series.
    fn availability(&self, tiers: &[TierPlan], what_ifs: &[WhatIf]) -> (f64, Vec<String>, AvailabilityParts) {
        let mut spofs: Vec<String> = tiers.iter().filter(|t| t.spof).map(|t| t.name.clone()).collect();
        let breaks = |part: &str| what_ifs.iter().any(|f| f.part == part && !f.survives);
        // The what-ifs decide what is in series: a cache whose loss the
        // database cannot absorb, a CDN whose loss the web tier cannot.
        let hidden_cache = tiers
            .iter()
            .find(|t| t.kind == TierKind::Cache && breaks("cache"))
            .map(|t| t.name.clone());
        if let Some(name) = &hidden_cache {
            spofs.push(format!("{name} (the database is sized for misses only)"));
        }
        let cdn_in_series = breaks("cdn");
        if cdn_in_series {
            spofs.push("cdn (the web tier cannot take the static files)".into());
        }
        let global = |t: &&TierPlan| matches!(t.kind, TierKind::DbPrimary | TierKind::DbShard);
        // Workers are off the request path: their outage delays jobs (the
        // worker tier reports the backlog), it fails no request.
        let per_dc_tiers: Vec<(String, f64)> = tiers
            .iter()
            .filter(|t| t.kind != TierKind::Worker)
            .filter(|t| !global(t) && (t.kind != TierKind::Cache || hidden_cache.is_some()))
            .map(|t| (t.name.clone(), t.unavailability))
            .collect();
        let mut per_dc: Vec<f64> = per_dc_tiers.iter().map(|(_, u)| *u).collect();
        per_dc.push(1.0 - self.targets().dc_availability);
        if cdn_in_series {
            per_dc.push(1.0 - self.targets().managed_availability);
        }
        let dc = availability::series_unavailability(&per_dc).unwrap_or(1.0);
        let d = self.loads.len() as u64;
        let dcs = availability::k_of_n_unavailability(d.saturating_sub(1).max(1), d, 1.0 - dc).unwrap_or(1.0);
        let global_tiers: Vec<(String, f64)> = tiers
            .iter()
            .filter(global)
            .map(|t| (t.name.clone(), t.unavailability))
            .collect();
        let mut in_series: Vec<f64> = global_tiers.iter().map(|(_, u)| *u).collect();
        in_series.push(dcs);
        let total = availability::series_unavailability(&in_series).unwrap_or(1.0);
        if d == 1 {
            spofs.push("data center".into());
        }
        let parts = AvailabilityParts {
            per_dc: per_dc_tiers,
            dc_site: 1.0 - self.targets().dc_availability,
            one_dc: dc,
            cdn_in_series,
            data_centers: d,
            all_dcs: dcs,
            global: global_tiers,
        };
        (1.0 - total, spofs, parts)
    }

    fn verdict(&self, plan: &mut StagePlan) {
        let targets = self.targets();
        let mut problems: Vec<String> = plan
            .tiers
            .iter()
            .filter(|t| !t.feasible)
            .map(|t| format!("{}: {}", t.name, t.reason))
            .collect();
        let slow = plan.p99_response_s.is_none_or(|p| p > targets.p99_s);
        if plan.feasible && slow {
            problems.push(match plan.p99_response_s {
                Some(p) if super::longest_wait(plan, targets.p99_s).is_none() => format!(
                    "p99 {} above the {} target, and more servers would not help: the waits are already short, the rest is service time, hops and round trips",
                    format_duration(p),
                    format_duration(targets.p99_s)
                ),
                Some(p) => format!(
                    "p99 {} above the {} target",
                    format_duration(p),
                    format_duration(targets.p99_s)
                ),
                None => "a tier is unstable: no finite latency".to_string(),
            });
        }
        let fragile = plan.availability < targets.availability;
        if plan.feasible && fragile {
            let (got, wanted) = distinct_percents(plan.availability, targets.availability);
            let spofs = match plan.spofs.is_empty() {
                true => String::new(),
                false => format!(" (single points of failure: {})", plan.spofs.join(", ")),
            };
            problems.push(format!("availability {got} below the {wanted} target{spofs}"));
        }
        plan.meets_slo = plan.feasible && !slow && !fragile;
        plan.reason = problems.join("; ");
    }
}

/// Two percentages with enough decimals to tell them apart (99.898 % is
/// not "99.9 % below the 99.9 % target").
fn distinct_percents(value: f64, target: f64) -> (String, String) {
    let (a, b) = (format_percent(value), format_percent(target));
    if a != b {
        return (a, b);
    }
    (1..=9)
        .map(|d| (format!("{:.d$}%", value * 100.0), format!("{:.d$}%", target * 100.0)))
        .find(|(x, y)| x != y)
        .unwrap_or((a, b))
}

/// The infeasible tier, else the busiest one.
fn bottleneck(tiers: &[TierPlan]) -> String {
    tiers
        .iter()
        .find(|t| !t.feasible)
        .or_else(|| {
            tiers
                .iter()
                .filter(|t| !t.queues.is_empty())
                .max_by(|a, b| a.utilization().total_cmp(&b.utilization()))
        })
        .map_or_else(String::new, |t| t.name.clone())
}
