//! The planner: workload + stage + catalog + targets → a plan per stage
//! (composition only; the math lives in the pure modules).
//!
//! Order of work for one stage: peak rates (DESIGN §2) → cache hit ratio
//! (§5) → every tier sized per data center (§3, §6) → end-to-end latency
//! (§4) → availability and SPOFs (§7) → monthly cost (§8) → verdict.

mod demand;
mod paths;
mod stage_tiers;
mod tiers;
mod verdict;

pub use demand::{daily_profile, Rates, Stream};
pub use tiers::{dc_loads, DcLoad};

use crate::availability;
use crate::cache::{Policy, Popularity};
use crate::cost::{self, Catalog, Instance, Prices};
use crate::error::InputError;
use crate::model::{Scale, Stage, Tier, TierKind, DEFAULT_MAX_DB_STORAGE_BYTES};
use crate::queueing::{Balancer, Mmc};
use crate::workload::{Targets, Workload};
use demand::streams;
use std::cell::{OnceCell, RefCell};
use tiers::{size_out, size_up, DcSizing};

/// Everything a plan reads.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub workload: &'a Workload,
    pub targets: &'a Targets,
    pub catalog: &'a Catalog,
    pub prices: &'a Prices,
}

/// One tier of a planned stage.
#[derive(Debug, Clone, PartialEq)]
pub struct TierPlan {
    pub name: String,
    pub kind: TierKind,
    /// Instance type (`managed` for the load balancer).
    pub instance: String,
    /// Servers provisioned at peak, all data centers.
    pub servers: u64,
    /// Servers averaged over the day (differs from `servers` when autoscaled).
    pub mean_servers: f64,
    pub cores_per_server: u32,
    /// Requests (or queries, or jobs) per second at peak, all data centers.
    pub arrival_rate_per_s: f64,
    /// Mean core-seconds per request at this tier.
    pub service_time_s: f64,
    /// Queues a request joins at normal peak load, one per data center.
    pub queues: Vec<Mmc>,
    pub usd_per_month: f64,
    /// `1 − A` of this tier in one data center.
    pub unavailability: f64,
    pub spof: bool,
    /// `up`: one server, the instance grows; `out`: the count grows.
    pub scale: Scale,
    pub feasible: bool,
    pub reason: String,
}

impl TierPlan {
    /// The busiest data center's queue (normal peak load).
    pub fn busiest_queue(&self) -> Option<&Mmc> {
        self.queues
            .iter()
            .max_by(|a, b| a.utilization().total_cmp(&b.utilization()))
    }

    pub fn utilization(&self) -> f64 {
        self.busiest_queue().map_or(0.0, |q| q.utilization())
    }
}

/// One planned stage: the stage-level record and its tiers.
#[derive(Debug, Clone, PartialEq)]
pub struct StagePlan {
    pub id: String,
    pub title: String,
    pub order: u64,
    pub users: f64,
    pub dau: f64,
    pub peak_rate_per_s: f64,
    pub tiers: Vec<TierPlan>,
    pub servers: u64,
    /// Server-side latency of dynamic requests (mean and p99).
    pub mean_response_s: Option<f64>,
    pub p99_response_s: Option<f64>,
    /// p99 a user sees: server side plus the client's round trip.
    pub user_p99_s: Option<f64>,
    pub usd_per_month: f64,
    /// Cost lines that are not servers: (name, USD per month).
    pub other_costs: Vec<(String, f64)>,
    pub usd_per_million_requests: Option<f64>,
    pub usd_per_dau_month: Option<f64>,
    pub availability: f64,
    pub downtime_min_per_month: f64,
    pub spofs: Vec<String>,
    pub bottleneck: String,
    pub cache_hit_ratio: Option<f64>,
    pub shards: Option<u64>,
    pub feasible: bool,
    pub meets_slo: bool,
    pub recommended: bool,
    pub reason: String,
}

/// Plans every stage and marks the cheapest one that meets the targets.
pub fn plan(inputs: &Inputs, stages: &[Stage]) -> Result<Vec<StagePlan>, InputError> {
    let shared = Shared::default();
    let mut plans = stages
        .iter()
        .map(|s| plan_stage_sharing(inputs, s, &shared))
        .collect::<Result<Vec<_>, _>>()?;
    mark_recommended(&mut plans);
    Ok(plans)
}

/// `recommended` on the cheapest stage that is feasible and meets the p99
/// and availability targets (the earlier stage on a tie).
pub fn mark_recommended(plans: &mut [StagePlan]) {
    let best = plans
        .iter()
        .enumerate()
        .filter(|(_, p)| p.meets_slo)
        .min_by(|(_, a), (_, b)| a.usd_per_month.total_cmp(&b.usd_per_month).then(a.order.cmp(&b.order)))
        .map(|(i, _)| i);
    for (i, p) in plans.iter_mut().enumerate() {
        p.recommended = Some(i) == best;
    }
}

/// Plans one stage.
pub fn plan_stage(inputs: &Inputs, stage: &Stage) -> Result<StagePlan, InputError> {
    plan_stage_sharing(inputs, stage, &Shared::default())
}

/// What every stage of one workload computes alike, computed once.
#[derive(Default)]
struct Shared {
    /// Zipf popularity of the cacheable keys, bucketed (the costly part of
    /// a hit ratio).
    popularity: OnceCell<Popularity>,
    /// LRU hit ratios already solved, by capacity in items (stages with
    /// the same cache tier ask for the same one).
    hit_ratios: RefCell<Vec<(f64, f64)>>,
}

impl Shared {
    fn popularity(&self, w: &Workload) -> Result<&Popularity, InputError> {
        if let Some(p) = self.popularity.get() {
            return Ok(p);
        }
        let built = Popularity::new(w.cache_keys(), w.zipf_s).map_err(|e| InputError::new(format!("workload: {e}")))?;
        Ok(self.popularity.get_or_init(|| built))
    }

    /// Che's LRU hit ratio for a cache of `items` (cache.rs), remembered.
    fn lru_hit_ratio(&self, w: &Workload, items: f64) -> Result<f64, InputError> {
        if let Some(&(_, hit)) = self.hit_ratios.borrow().iter().find(|(i, _)| *i == items) {
            return Ok(hit);
        }
        let hit = self
            .popularity(w)?
            .hit_ratio_items(Policy::Lru, items)
            .map_err(|e| InputError::new(format!("cache model: {e}")))?
            .hit_ratio;
        self.hit_ratios.borrow_mut().push((items, hit));
        Ok(hit)
    }
}

/// Rounds of adding servers for the targets before giving up.
const TARGET_ROUNDS: usize = 40;

/// Plans a stage; while it is feasible but misses a target, adds capacity
/// where it helps (DESIGN §3: sizing meets the latency target too): for the
/// p99, the tier with the longest p99 wait gets a quarter more servers (or,
/// scaling up, the next larger instance); for availability, the scale-out
/// tier most often down gets one more server. Stops when the targets are
/// met or no tier's capacity would help.
fn plan_stage_sharing(inputs: &Inputs, stage: &Stage, shared: &Shared) -> Result<StagePlan, InputError> {
    let mut boosts: Vec<(String, u64)> = Vec::new();
    for _ in 0..TARGET_ROUNDS {
        let plan = plan_stage_once(inputs, stage, shared, &boosts)?;
        let slow = plan.p99_response_s.is_some_and(|p| p > inputs.targets.p99_s);
        let fragile = plan.availability < inputs.targets.availability;
        if !plan.feasible {
            return Ok(plan);
        }
        let step = match (slow, fragile) {
            (true, _) => longest_wait(&plan, inputs.targets.p99_s).map(|t| (t.name.clone(), more_capacity(t))),
            (false, true) => {
                least_available(&plan, inputs.targets.availability).map(|t| (t.name.clone(), per_dc_servers(t) + 1))
            }
            (false, false) => None,
        };
        let Some((name, per_dc)) = step else {
            return Ok(plan);
        };
        match boosts.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = per_dc,
            None => boosts.push((name, per_dc)),
        }
    }
    plan_stage_once(inputs, stage, shared, &boosts)
}

/// Tiers whose capacity the planner may raise for a target: tiers on the
/// request path sized by queueing alone (not the database tiers, which the
/// replica and shard math size).
fn boostable(t: &TierPlan) -> bool {
    match t.scale {
        Scale::Out => matches!(t.kind, TierKind::Web | TierKind::Cache | TierKind::Session) && t.servers > 1,
        Scale::Up => matches!(t.kind, TierKind::AllInOne | TierKind::Web | TierKind::Db),
    }
}

/// The boost for a slow tier: a quarter more servers per data center, or
/// for a scale-up tier at least one more vCPU (the next instance size).
fn more_capacity(t: &TierPlan) -> u64 {
    match t.scale {
        Scale::Out => per_dc_servers(t) + (per_dc_servers(t) / 4).max(1),
        Scale::Up => t.cores_per_server as u64 + 1,
    }
}

/// Servers per data center of a tier (the busiest DC's count).
fn per_dc_servers(t: &TierPlan) -> u64 {
    t.servers.div_ceil(t.queues.len().max(1) as u64)
}

/// The boostable tier whose p99 wait is longest, if that wait is a visible
/// share (1 %) of the target.
fn longest_wait(plan: &StagePlan, target_s: f64) -> Option<&TierPlan> {
    plan.tiers
        .iter()
        .filter(|t| boostable(t))
        .filter_map(|t| Some((t, t.busiest_queue()?.wait_quantile_s(0.99)?)))
        .filter(|(_, wait)| *wait > 0.01 * target_s)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t)
}

/// The boostable tier most often down, if it is at least a tenth of the
/// allowed downtime (else more of its servers would not reach the target).
fn least_available(plan: &StagePlan, target: f64) -> Option<&TierPlan> {
    plan.tiers
        .iter()
        .filter(|t| boostable(t) && t.scale == Scale::Out && t.unavailability > 0.1 * (1.0 - target))
        .max_by(|a, b| a.unavailability.total_cmp(&b.unavailability))
}

fn plan_stage_once(
    inputs: &Inputs,
    stage: &Stage,
    shared: &Shared,
    boosts: &[(String, u64)],
) -> Result<StagePlan, InputError> {
    let w = inputs.workload;
    let rates = Rates::peak(w);
    let loads = dc_loads(&stage.dc_shares());
    let mut ctx = StageContext {
        inputs,
        stage,
        rates,
        loads,
        hit_ratio: 0.0,
        shards: None,
        primary: None,
        replica_servers: 0,
        shared,
        boosts,
    };
    let mut tiers = Vec::new();
    if let Some(cache_tier) = stage.tier(TierKind::Cache) {
        tiers.push(ctx.cache_tier(cache_tier)?);
    }
    for tier in stage.tiers.iter().filter(|t| t.kind != TierKind::Cache) {
        tiers.extend(ctx.tier(tier)?);
    }
    tiers.sort_by_key(|t| stage.tiers.iter().position(|m| m.name == t.name));
    Ok(ctx.finish(tiers))
}

/// What sizing one stage carries from tier to tier.
struct StageContext<'a> {
    inputs: &'a Inputs<'a>,
    stage: &'a Stage,
    rates: Rates,
    loads: Vec<DcLoad>,
    hit_ratio: f64,
    shards: Option<u64>,
    /// The database instance chosen for the primary (or each shard).
    primary: Option<Instance>,
    /// Read replicas in all (for the storage bill).
    replica_servers: u64,
    shared: &'a Shared,
    /// Servers per data center added for the p99 target, by tier name.
    boosts: &'a [(String, u64)],
}

impl<'a> StageContext<'a> {
    fn w(&self) -> &'a Workload {
        self.inputs.workload
    }

    fn targets(&self) -> &'a Targets {
        self.inputs.targets
    }

    fn source(&self, tier: &Tier) -> String {
        format!("model `{}` tier `{}`", self.stage.id, tier.name)
    }

    fn instance(&self, tier: &Tier) -> Result<Instance, InputError> {
        let name = tier.instance.as_deref().unwrap_or("");
        if name == "same-as-primary" {
            return self.primary.clone().ok_or_else(|| {
                InputError::new(format!(
                    "{}: `same-as-primary` needs a db-primary or db-shard tier before it",
                    self.source(tier)
                ))
            });
        }
        self.inputs.catalog.find(name).cloned().ok_or_else(|| {
            InputError::new(format!(
                "{}: instance `{name}` is not in the catalog",
                self.source(tier)
            ))
        })
    }

    fn family(&self, tier: &Tier) -> Result<Vec<&'a Instance>, InputError> {
        let name = tier.family.as_deref().unwrap_or("");
        let family = self.inputs.catalog.family(name);
        if family.is_empty() {
            return Err(InputError::new(format!(
                "{}: family `{name}` is not in the catalog",
                self.source(tier)
            )));
        }
        Ok(family)
    }

    /// A tier's least count per data center (for a scale-up tier: least
    /// vCPU): its model minimum, or more where a target asked for it.
    fn min_servers(&self, tier: &Tier) -> u64 {
        let boost = self
            .boosts
            .iter()
            .find(|(name, _)| *name == tier.name)
            .map_or(0, |(_, n)| *n);
        tier.min.max(boost)
    }

    fn data_centers(&self) -> u64 {
        self.loads.len() as u64
    }

    /// Sizes one tier (a db-primary also yields its replicas).
    fn tier(&mut self, tier: &Tier) -> Result<Vec<TierPlan>, InputError> {
        Ok(match tier.kind {
            TierKind::Lb => vec![self.lb_tier(tier)],
            TierKind::DbReplica => Vec::new(), // sized with its primary or shards
            TierKind::DbPrimary => self.replicated_db(tier)?,
            TierKind::DbShard => self.sharded_db(tier)?,
            TierKind::Web if self.stage.autoscale && tier.scale == Scale::Out => vec![self.autoscaled_web(tier)?],
            TierKind::Worker => vec![self.worker_tier(tier)?],
            TierKind::Session => vec![self.session_tier(tier)?],
            _ => vec![self.plain_tier(tier)?],
        })
    }

    fn lb_tier(&self, tier: &Tier) -> TierPlan {
        let d = self.data_centers();
        TierPlan {
            name: tier.name.clone(),
            kind: tier.kind,
            instance: "managed".into(),
            servers: 0,
            mean_servers: 0.0,
            cores_per_server: 0,
            arrival_rate_per_s: self.rates.dynamic_per_s + if self.stage.cdn { 0.0 } else { self.rates.static_per_s },
            service_time_s: 0.0,
            queues: Vec::new(),
            usd_per_month: cost::lb_usd_per_month(self.inputs.prices, d as f64, self.lb_bytes_per_month()),
            unavailability: 1.0 - self.targets().managed_availability,
            spof: false,
            scale: Scale::Out,
            feasible: true,
            reason: String::new(),
        }
    }

    /// Bytes through the load balancer per month: dynamic responses, and
    /// static content while no CDN takes it.
    fn lb_bytes_per_month(&self) -> f64 {
        let w = self.w();
        let static_bytes = if self.stage.cdn {
            0.0
        } else {
            w.mean_static_rate_per_s() * w.static_bytes
        };
        cost::per_month_from_per_s(w.mean_rate_per_s() * w.response_bytes + static_bytes)
    }

    /// A tier sized per data center on its own streams.
    fn plain_tier(&self, tier: &Tier) -> Result<TierPlan, InputError> {
        let s = streams(tier.kind, self.w(), self.stage, &self.rates, self.hit_ratio);
        self.sized(tier, &s, None)
    }

    /// Sizes `streams` in every data center (scale out or up) into a plan.
    fn sized(&self, tier: &Tier, s: &[Stream], mean_servers: Option<f64>) -> Result<TierPlan, InputError> {
        let mut per_dc: Vec<DcSizing> = Vec::new();
        let mut instance = None;
        for load in &self.loads {
            let (inst, sizing) = self.size_in_dc(tier, s, *load)?;
            instance = Some(inst);
            per_dc.push(sizing);
        }
        let instance = instance.ok_or_else(|| InputError::new("a stage needs at least one data center"))?;
        let servers: u64 = per_dc.iter().map(|d| d.servers).sum();
        let mean = mean_servers.unwrap_or(servers as f64);
        let (rate, service) = demand::combine(s);
        let storage = self.storage_problem(tier);
        let reasons: Vec<String> = per_dc
            .iter()
            .map(|d| d.reason.clone())
            .chain(storage.clone())
            .filter(|r| !r.is_empty())
            .collect();
        let busiest_load = rate * service * self.loads[0].normal;
        let unavailability = self.tier_unavailability(per_dc[0].servers, busiest_load, &instance, tier);
        Ok(TierPlan {
            name: tier.name.clone(),
            kind: tier.kind,
            instance: instance.name.clone(),
            servers,
            mean_servers: mean,
            cores_per_server: instance.vcpu,
            arrival_rate_per_s: rate,
            service_time_s: service,
            queues: per_dc.iter().map(|d| d.queue).collect(),
            usd_per_month: cost::instances_usd_per_month(&instance, mean),
            unavailability,
            spof: per_dc[0].servers == 1 && !self.has_standby(tier),
            scale: tier.scale,
            feasible: per_dc.iter().all(|d| d.feasible) && storage.is_none(),
            reason: dedup(reasons).join("; "),
        })
    }

    fn size_in_dc(&self, tier: &Tier, s: &[Stream], load: DcLoad) -> Result<(Instance, DcSizing), InputError> {
        let internal = |e: String| InputError::new(format!("{}: {e}", self.source(tier)));
        match tier.scale {
            Scale::Up => {
                let mut family = self.family(tier)?;
                // A boost for the p99 is a least vCPU count; keep the largest in any case.
                let least_vcpu = self.min_servers(tier);
                if family.iter().any(|i| i.vcpu as u64 >= least_vcpu) {
                    family.retain(|i| i.vcpu as u64 >= least_vcpu);
                }
                let (inst, sizing) = size_up(s, load, &family, self.targets(), tier).map_err(internal)?;
                Ok((inst.clone(), sizing))
            }
            Scale::Out => {
                let inst = self.instance(tier)?;
                let balancer = tier.balancer.unwrap_or(Balancer::RoundRobin);
                let sizing = size_out(
                    s,
                    load,
                    &inst,
                    balancer,
                    self.min_servers(tier),
                    tier.n_plus_one,
                    self.targets(),
                )
                .map_err(internal)?;
                Ok((inst, sizing))
            }
        }
    }

    /// A data tier holding more than one server's volume limit.
    fn storage_problem(&self, tier: &Tier) -> Option<String> {
        if !tier.kind.stores_data() || tier.kind == TierKind::DbShard {
            return None;
        }
        let limit = self.stage.max_db_storage.unwrap_or(DEFAULT_MAX_DB_STORAGE_BYTES);
        let stored = self.w().stored_bytes();
        (stored > limit).then(|| {
            format!(
                "the database holds {}, above one server's {} volume limit",
                crate::quantity::format_bytes(stored),
                crate::quantity::format_bytes(limit)
            )
        })
    }

    /// A primary with replicas is promoted on failure; nothing else is.
    fn has_standby(&self, tier: &Tier) -> bool {
        matches!(tier.kind, TierKind::DbPrimary | TierKind::DbShard) && self.stage.has(TierKind::DbReplica)
    }

    /// `1 − A` of one database primary: a standby pair when a replica can
    /// be promoted, else one instance.
    fn primary_unavailability(&self, tier: &Tier) -> f64 {
        let a = self.targets().instance_availability;
        match self.has_standby(tier) {
            true => 1.0 - availability::standby_pair(a).unwrap_or(a),
            false => 1.0 - a,
        }
    }

    /// `1 − A` of a tier in one data center: k-of-n servers, where k is the
    /// count that carries the load at the failover ceiling; a standby pair
    /// for a promoted primary.
    fn tier_unavailability(&self, servers: u64, offered_erlangs: f64, instance: &Instance, tier: &Tier) -> f64 {
        let a = self.targets().instance_availability;
        if self.has_standby(tier) {
            return self.primary_unavailability(tier);
        }
        let needed = (offered_erlangs / (instance.vcpu as f64 * self.targets().failover_util))
            .ceil()
            .max(1.0) as u64;
        availability::k_of_n_unavailability(needed.min(servers), servers, a).unwrap_or(1.0)
    }
}

/// Unique, in order.
fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}
