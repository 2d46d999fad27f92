//! The stage-level numbers: availability and SPOFs (DESIGN §7), cost lines
//! beyond servers (§8), and the verdict.

use super::{DataFigures, StageContext, StagePlan, TierPlan};
use crate::availability;
use crate::cost;
use crate::model::TierKind;
use crate::quantity::{format_duration, format_percent};

/// Requests per log line kept a month, message count per job (send,
/// receive, delete are each billed by a queue service).
const QUEUE_MESSAGES_PER_JOB: f64 = 3.0;

impl StageContext<'_> {
    pub(super) fn finish(&self, tiers: Vec<TierPlan>) -> StagePlan {
        let w = self.w();
        let feasible = tiers.iter().all(|t| t.feasible);
        // Kept for an infeasible stage too (the p99 search reads it); the
        // records print it only for a stage that carries the load.
        let latency = self.latency(&tiers);
        let (availability, spofs) = self.availability(&tiers);
        let data = DataFigures {
            dc_failover: self.dc_failover(),
            ..self.data.clone()
        };
        let availability = super::dns::with_failover(availability, data.dc_failover.as_ref());
        let other_costs = self.other_costs();
        let usd_per_month: f64 =
            tiers.iter().map(|t| t.usd_per_month).sum::<f64>() + other_costs.iter().map(|(_, c)| c).sum::<f64>();
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
            other_costs,
            usd_per_million_requests: cost::usd_per_million_requests(usd_per_month, w.mean_rate_per_s()),
            usd_per_dau_month: cost::usd_per_dau_month(usd_per_month, w.dau()),
            availability,
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
            tiers,
            data,
        };
        self.verdict(&mut plan);
        plan
    }

    /// Tiers in series inside a DC, times the DC itself; D data centers
    /// each sized to take one failed DC's users, so the service is up while
    /// at most one is down ((D−1)-of-D; 1-of-2 for two). The database
    /// primary (or the shards) is one for all DCs and stays in series
    /// outside that. A cache whose loss would overload the database is a
    /// hidden SPOF and counts in series.
    fn availability(&self, tiers: &[TierPlan]) -> (f64, Vec<String>) {
        let mut spofs: Vec<String> = tiers.iter().filter(|t| t.spof).map(|t| t.name.clone()).collect();
        let hidden_cache = self.cache_is_hidden_spof(tiers);
        if let Some(name) = &hidden_cache {
            spofs.push(format!("{name} (the database is sized for misses only)"));
        }
        let global = |t: &&TierPlan| matches!(t.kind, TierKind::DbPrimary | TierKind::DbShard);
        // Workers are off the request path: their outage delays jobs (the
        // worker tier reports the backlog), it fails no request.
        let mut per_dc: Vec<f64> = tiers
            .iter()
            .filter(|t| t.kind != TierKind::Worker)
            .filter(|t| !global(t) && (t.kind != TierKind::Cache || hidden_cache.is_some()))
            .map(|t| t.unavailability)
            .collect();
        per_dc.push(1.0 - self.targets().dc_availability);
        let dc = availability::series_unavailability(&per_dc).unwrap_or(1.0);
        let d = self.loads.len() as u64;
        let dcs = availability::k_of_n_unavailability(d.saturating_sub(1).max(1), d, 1.0 - dc).unwrap_or(1.0);
        let mut in_series: Vec<f64> = tiers.iter().filter(global).map(|t| t.unavailability).collect();
        in_series.push(dcs);
        let total = availability::series_unavailability(&in_series).unwrap_or(1.0);
        if d == 1 {
            spofs.push("data center".into());
        }
        (1.0 - total, spofs)
    }

    /// The cache is a hidden SPOF when the read path behind it could not
    /// take every read at the failover ceiling without it.
    fn cache_is_hidden_spof(&self, tiers: &[TierPlan]) -> Option<String> {
        let cache = tiers.iter().find(|t| t.kind == TierKind::Cache)?;
        let w = self.w();
        let all_reads = self.rates.reads_per_s * w.db_queries_per_read * self.loads[0].normal;
        let read_tier = tiers
            .iter()
            .find(|t| matches!(t.kind, TierKind::DbReplica | TierKind::Db))?;
        let per_dc_servers = read_tier.servers as f64 / self.loads.len() as f64;
        let cores = per_dc_servers * read_tier.cores_per_server as f64;
        (all_reads * w.db_read_s > self.targets().failover_util * cores).then(|| cache.name.clone())
    }

    /// Everything billed that is not a server.
    fn other_costs(&self) -> Vec<(String, f64)> {
        let w = self.w();
        let prices = self.inputs.prices;
        let month = cost::per_month_from_per_s;
        let mut lines = Vec::new();
        let static_bytes = month(w.mean_static_rate_per_s() * w.static_bytes);
        let dynamic_bytes = month(w.mean_rate_per_s() * w.response_bytes);
        if self.stage.cdn {
            lines.push(("cdn".to_string(), cost::cdn_egress_usd_per_month(prices, static_bytes)));
            lines.push((
                "egress".to_string(),
                cost::object_egress_usd_per_month(prices, dynamic_bytes),
            ));
        } else {
            lines.push((
                "egress".to_string(),
                cost::object_egress_usd_per_month(prices, static_bytes + dynamic_bytes),
            ));
        }
        let copies = self.stored_copies();
        lines.push((
            "storage".to_string(),
            cost::block_storage_usd_per_month(prices, w.stored_bytes() * copies),
        ));
        if self.loads.len() > 1 {
            let replicated =
                month(self.rates.writes_per_s / w.peak_factor * w.write_bytes) * (self.loads.len() - 1) as f64;
            lines.push(("inter-dc".to_string(), cost::inter_dc_usd_per_month(prices, replicated)));
        }
        if self.stage.has(TierKind::Worker) {
            let messages = month(self.rates.jobs_per_s / w.peak_factor) * QUEUE_MESSAGES_PER_JOB;
            lines.push(("queue".to_string(), cost::queue_usd_per_month(prices, messages)));
        }
        if self.stage.monitoring {
            let logs = month(w.mean_rate_per_s() * w.log_bytes_per_request);
            lines.push(("logs".to_string(), cost::log_storage_usd_per_month(prices, logs)));
        }
        lines
    }

    /// Copies of the data on block storage: the primary and every replica.
    fn stored_copies(&self) -> f64 {
        let replicas = self.replica_servers as f64;
        let groups = self.shards.unwrap_or(1) as f64;
        1.0 + replicas / groups
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
