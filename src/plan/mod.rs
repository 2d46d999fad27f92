//! The planner: workload + stage + catalog + targets → a plan per stage
//! (composition only; the math lives in the pure modules).
//!
//! Order of work for one stage: peak rates (DESIGN §2) → cache hit ratio
//! (§5) → every tier sized per data center (§3, §6) → end-to-end latency
//! (§4) → availability and SPOFs (§7) → monthly cost (§8) → verdict.

mod bill;
mod cache_tier;
mod data;
mod demand;
pub mod dns;
pub mod failures;
mod paths;
mod reshard;
mod spares;
mod stage_tiers;
pub mod sticky;
mod tiers;
mod verdict;

pub use bill::{total_usd, BillLine, QUEUE_MESSAGES_PER_JOB};
pub use data::{CacheFigures, DataFigures, DcFailover, ReshardMove, ReshardOutlook};
pub use demand::{daily_profile, dynamic_classes, Rates, Stream};
pub use reshard::RESHARD_TARGET_FILL;
pub use tiers::{dc_loads, DcLoad};

use crate::availability;
use crate::cache::{Policy, Popularity};
use crate::cost::{self, Catalog, Instance, Prices};
use crate::error::InputError;
use crate::latency::{Class, Visit};
use crate::model::{DbHosting, Scale, Stage, Tier, TierKind};
use crate::queueing::{Balancer, Mmc};
use crate::workload::{Targets, Workload};
use demand::streams;
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;
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
    /// The request streams one queue of the busiest data center serves, each
    /// with its own exponential service; their rate shares weight the
    /// tier's response-time mixture.
    pub streams: Vec<Stream>,
    /// Queues a request joins at normal peak load, one per data center.
    pub queues: Vec<Mmc>,
    /// The tier's bill lines: its servers (a database tier's storage, a
    /// load balancer's hours and data).
    pub lines: Vec<BillLine>,
    /// The sum of `lines`.
    pub usd_per_month: f64,
    /// `1 − A` of this tier in one data center.
    pub unavailability: f64,
    pub spof: bool,
    /// `up`: one server, the instance grows; `out`: the count grows.
    pub scale: Scale,
    pub feasible: bool,
    pub reason: String,
    /// What set the count or the instance, with its limit: `max-util 70%`,
    /// `failover 90%`, `dc-failover 90%`, `min-servers 2`, `memory 50 GiB`,
    /// `storage 64.0 TiB`, `apply 14,000/s`, `max-replicas 15`,
    /// `smallest-instance …`, `largest-instance …`, `cost`, `p99 250 ms`
    /// (the planner's p99 knob), joined by ` + ` when several tie. Empty
    /// for a tier that is not sized (the managed load balancer).
    pub binding: String,
    /// Jobs a worker-pool outage leaves queued per minute (worker tiers).
    pub outage_backlog_per_min: Option<f64>,
    /// Servers per data center, in data-center order.
    pub dc_servers: Vec<u64>,
    /// How requests spread over the servers of a scale-out tier.
    pub balancer: Balancer,
    /// Sticky sessions: each user pinned to one web server (stages without
    /// a session store).
    pub sticky: Option<sticky::Sticky>,
}

impl TierPlan {
    /// The response-time mixture of the busiest queue: every stream waits
    /// the queue's common wait, then takes its own exponential service
    /// (DESIGN §3), weighted by its share of the arrivals.
    fn response_classes(&self) -> Option<Vec<Class>> {
        let queue = self.busiest_queue()?;
        let total: f64 = self.streams.iter().map(|s| s.rate_per_s).sum();
        let streams: Vec<Stream> = match total > 0.0 {
            true => self.streams.iter().filter(|s| s.rate_per_s > 0.0).copied().collect(),
            false => vec![Stream {
                rate_per_s: 1.0,
                service_s: queue.service_time_s(),
            }],
        };
        let total: f64 = streams.iter().map(|s| s.rate_per_s).sum();
        streams
            .iter()
            .map(|s| {
                Some(Class {
                    probability: s.rate_per_s / total,
                    visits: vec![Visit::from_mmc(queue, s.service_s).ok()?],
                    fixed_s: 0.0,
                })
            })
            .collect()
    }

    /// Mean response time at this tier (wait plus own service), `None`
    /// when it is unstable or has no queue.
    pub fn mean_response_s(&self) -> Option<f64> {
        crate::latency::mean_s(&self.response_classes()?).ok()
    }

    /// The `q`-quantile of the same mixture.
    pub fn response_quantile_s(&self, q: f64) -> Option<f64> {
        crate::latency::quantile_s(&self.response_classes()?, q).ok()
    }

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
    /// The sum of `bill`.
    pub usd_per_month: f64,
    /// Every line of the monthly bill: each tier's, then the stage's own
    /// (egress, CDN, inter-DC transfer, queue messages, logs, metrics).
    pub bill: Vec<BillLine>,
    pub usd_per_million_requests: Option<f64>,
    pub usd_per_dau_month: Option<f64>,
    pub availability: f64,
    /// The factors of `availability`, for `--explain`.
    pub availability_parts: AvailabilityParts,
    pub downtime_min_per_month: f64,
    pub spofs: Vec<String>,
    pub bottleneck: String,
    pub cache_hit_ratio: Option<f64>,
    pub shards: Option<u64>,
    pub feasible: bool,
    pub meets_slo: bool,
    pub recommended: bool,
    pub reason: String,
    /// What sized the stage beyond each tier's own constraints: the
    /// utilization ceiling of the request path, and targets out of reach.
    pub sized_for: String,
    /// Every single failure the stage has a part for, as sized (latency
    /// filled in only by [`plan_with_failures`]).
    pub what_ifs: Vec<failures::WhatIf>,
    /// Cache policy and staleness, shard exhaustion and resharding, DNS
    /// failover (see `data.rs`).
    pub data: DataFigures,
}

impl StagePlan {
    /// The parts whose loss the stage survives.
    pub fn survives(&self) -> Vec<&str> {
        self.what_ifs
            .iter()
            .filter(|f| f.survives)
            .map(|f| f.part.as_str())
            .collect()
    }

    /// The parts whose loss breaks the stage.
    pub fn breaks_on(&self) -> Vec<&str> {
        self.what_ifs
            .iter()
            .filter(|f| !f.survives)
            .map(|f| f.part.as_str())
            .collect()
    }
}

/// How a stage's availability is composed (DESIGN §7), each figure a
/// `1 − A`: the tiers in series inside one data center with the site
/// itself, D data centers of which at most one may be down, and the
/// database primary (or shards), one for all data centers, in series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AvailabilityParts {
    /// (tier, `1 − A`) of the tiers in series inside a data center.
    pub per_dc: Vec<(String, f64)>,
    /// The data center site itself.
    pub dc_site: f64,
    /// One data center: the series of `per_dc` and `dc_site` (and the CDN's
    /// managed availability when it is in series).
    pub one_dc: f64,
    /// The CDN is in series: the web tier cannot take the static files.
    pub cdn_in_series: bool,
    pub data_centers: u64,
    /// All data centers: `(D−1)`-of-`D` (1-of-1 for one).
    pub all_dcs: f64,
    /// (tier, `1 − A`) of the global tiers in series with the data centers.
    pub global: Vec<(String, f64)>,
}

/// Plans every stage and marks the cheapest one that meets the targets.
pub fn plan(inputs: &Inputs, stages: &[Stage]) -> Result<Vec<StagePlan>, InputError> {
    plan_sharing(inputs, stages, Shared::default())
}

/// As [`plan`], with every failure what-if in full: the latency during
/// each failure as well as whether the stage survives it.
pub fn plan_with_failures(inputs: &Inputs, stages: &[Stage]) -> Result<Vec<StagePlan>, InputError> {
    plan_sharing(
        inputs,
        stages,
        Shared {
            detailed: true,
            ..Shared::default()
        },
    )
}

fn plan_sharing(inputs: &Inputs, stages: &[Stage], shared: Shared) -> Result<Vec<StagePlan>, InputError> {
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

/// Plans one stage for a ceiling search: as [`plan_stage`], without the
/// figures no ceiling test reads (the users' p99 is `None`).
pub fn plan_stage_probe(inputs: &Inputs, stage: &Stage) -> Result<StagePlan, InputError> {
    let shared = Shared {
        probe: true,
        ..Shared::default()
    };
    plan_stage_sharing(inputs, stage, &shared)
}

/// Plans one stage for a ceiling search that reads only whether each probe
/// passes (the sampled ladder): as [`plan_stage_probe`], with the
/// server-side p99 known only against its target: `p99_response_s` is the
/// target itself when `P(T > target) ≤ 1 %` and twice it otherwise, and
/// the mean is `None`. Feasibility, `meets_slo` and every count are as in
/// [`plan_stage_probe`], except that an infeasible stage is cut short at
/// its first tier that does not fit: its later tiers are not sized, and
/// its stage-level figures are zero (a ceiling test reads only that it
/// fails).
pub fn plan_stage_pass_fail(inputs: &Inputs, stage: &Stage) -> Result<StagePlan, InputError> {
    let shared = Shared {
        probe: true,
        p99_pass_fail: true,
        ..Shared::default()
    };
    plan_stage_sharing(inputs, stage, &shared)
}

/// What every stage of one workload computes alike, computed once.
#[derive(Default)]
struct Shared {
    /// Zipf popularity of the cacheable keys, bucketed (the costly part of
    /// a hit ratio).
    popularity: OnceCell<Rc<Popularity>>,
    /// Plan the failure what-ifs in full (latency during each failure).
    detailed: bool,
    /// A ceiling search's probe: only what its tests read (feasibility,
    /// server-side p99, availability); no user p99.
    probe: bool,
    /// The server-side p99 only against its target, as in a search step,
    /// with the rest of the plan in full ([`plan_stage_pass_fail`]); a
    /// stage that does not fit stops at the first tier that does not.
    p99_pass_fail: bool,
}

impl Shared {
    fn popularity(&self, w: &Workload) -> Result<&Popularity, InputError> {
        if let Some(p) = self.popularity.get() {
            return Ok(p);
        }
        let built = last_popularity(w.cache_keys(), w.zipf_s)?;
        Ok(self.popularity.get_or_init(|| built))
    }

    /// Che's LRU hit ratio for a cache of `items` (cache.rs), remembered.
    fn lru_hit_ratio(&self, w: &Workload, items: f64) -> Result<f64, InputError> {
        Ok(self.lru(w, items)?.0)
    }

    /// Che's LRU hit ratio and characteristic time (in requests to the
    /// cache) for a cache of `items`, remembered.
    fn lru(&self, w: &Workload, items: f64) -> Result<(f64, Option<f64>), InputError> {
        let key = LruKey {
            keys: w.cache_keys().to_bits(),
            zipf_s: w.zipf_s.to_bits(),
            items: items.to_bits(),
        };
        crate::memo::try_remembered(&LRU_MEMO, LRU_MEMO_LEN, &key, || {
            let result = self
                .popularity(w)?
                .hit_ratio_items(Policy::Lru, items)
                .map_err(|e| InputError::new(format!("cache model: {e}")))?;
            Ok((result.hit_ratio, result.characteristic_time_requests))
        })
    }
}

/// The popularity of `keys` keys of Zipf exponent `zipf_s`, kept for the
/// next call on this thread: the stages of one plan, and the probes of a
/// ceiling search at one user count, all ask for the same one. A pure
/// function of its inputs, so remembering it changes no answer.
fn last_popularity(keys: f64, zipf_s: f64) -> Result<Rc<Popularity>, InputError> {
    thread_local! {
        static LAST: RefCell<Option<(u64, u64, Rc<Popularity>)>> = const { RefCell::new(None) };
    }
    let key = (keys.to_bits(), zipf_s.to_bits());
    if let Some(hit) = LAST.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(k, s, _)| (*k, *s) == key)
            .map(|(.., p)| p.clone())
    }) {
        return Ok(hit);
    }
    let built = Rc::new(Popularity::new(keys, zipf_s).map_err(|e| InputError::new(format!("workload: {e}")))?);
    LAST.with(|l| *l.borrow_mut() = Some((key.0, key.1, built.clone())));
    Ok(built)
}

thread_local! {
    /// LRU hit ratios and characteristic times already solved on this
    /// thread, by popularity and capacity in items (stages with the same
    /// cache tier, and the p99 search's plans, ask for the same one).
    static LRU_MEMO: crate::memo::Memo<LruKey, LruSolved> = const { RefCell::new(Vec::new()) };
}

/// An LRU hit ratio and its characteristic time in requests.
type LruSolved = (f64, Option<f64>);

/// LRU solutions one thread remembers before starting afresh.
const LRU_MEMO_LEN: usize = 64;

/// Cache keys, Zipf exponent and capacity in items, as bits.
#[derive(Clone, Copy, PartialEq, Eq)]
struct LruKey {
    keys: u64,
    zipf_s: u64,
    items: u64,
}

/// How a stage was sized beyond each tier's own constraints, to meet the
/// p99 target: the utilization ceiling of the request-path tiers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Knobs {
    /// `u` applied to every request-path tier (≤ the `max_util` target).
    pub path_util: f64,
}

/// The lowest path utilization tried, as a share of `max_util`: if the p99
/// misses even there, the target is out of reach by adding servers.
const P99_FLOOR_SHARE: f64 = 0.01;

/// Plans a stage: each tier sized by its own constraints; if the stage is
/// feasible but misses the p99 target, every request-path tier is held to
/// the highest common utilization `u ≤ u_max` at which the p99 is met
/// (bisection; p99 falls as `u` falls); then if it misses the availability
/// target, spare servers where they reach it ([`spares`]).
/// A p99 that no sizing reaches (still above the target at 1 % of `u_max`,
/// or only with a tier past its largest instance) is reported as missed,
/// and the stage stays as sized without it: chasing it would only inflate
/// the answer.
fn plan_stage_sharing(inputs: &Inputs, stage: &Stage, shared: &Shared) -> Result<StagePlan, InputError> {
    let targets = inputs.targets;
    let knobs = Knobs {
        path_util: targets.max_util,
    };
    let base = plan_stage_once(inputs, stage, shared, knobs)?;
    if !base.feasible {
        return Ok(base);
    }
    if !misses_p99(&base, targets) {
        return spares::chase_availability(inputs, stage, shared, knobs, base);
    }
    match chase_p99(inputs, stage, shared)? {
        Some((met, used)) => spares::chase_availability(inputs, stage, shared, used, met),
        None => {
            let spared = spares::chase_availability(inputs, stage, shared, knobs, base)?;
            Ok(unreachable(spared, "p99"))
        }
    }
}

fn misses_p99(plan: &StagePlan, targets: &Targets) -> bool {
    plan.p99_response_s.is_none_or(|p| p > targets.p99_s)
}

/// The highest path utilization whose plan meets the p99 target, with that
/// plan; `None` when even 1 % of `u_max` does not, or when the plan there
/// is infeasible (a scale-up tier past its largest instance: feasibility
/// only grows with `u`, so no lower `u` that meets the p99 is feasible).
///
/// The search runs on a fixed grid of utilizations, `i / UTIL_GRID`, for
/// the largest `i` that meets the p99 (bisection: p99 falls as `u` falls),
/// so the answer does not depend on `u_max` when the p99 binds below it: a
/// higher `--max-util` never gives more servers.
fn chase_p99(inputs: &Inputs, stage: &Stage, shared: &Shared) -> Result<Option<(StagePlan, Knobs)>, InputError> {
    let targets = inputs.targets;
    let at = |i: u64| {
        search_step(
            inputs,
            stage,
            shared,
            Knobs {
                path_util: grid_util(i),
            },
        )
    };
    let low = (P99_FLOOR_SHARE * targets.max_util * UTIL_GRID as f64).ceil().max(1.0) as u64;
    // Above `u_max` counts as missing: the base plan there already did.
    let above = (targets.max_util * UTIL_GRID as f64).floor() as u64 + 1;
    // A pass/fail plan fails whenever the target is out of reach: after a
    // missing first try, the floor settles that in one step.
    let order = match shared.p99_pass_fail {
        true => FloorFirst::AfterTopMisses,
        false => FloorFirst::Never,
    };
    let Some((low, true)) = highest_meeting(low, above, order, at)? else {
        return Ok(None);
    };
    // The plan kept, in full (the same sizing: a function of `low` alone).
    let knobs = Knobs {
        path_util: grid_util(low),
    };
    let mut best = plan_stage_once(inputs, stage, shared, knobs)?;
    best.sized_for = format!(
        "p99 {}: request-path tiers held to {} utilization",
        crate::quantity::format_duration(targets.p99_s),
        crate::quantity::format_percent(grid_util(low))
    );
    Ok(Some((best, knobs)))
}

/// One step of the p99 search: whether the stage is feasible, whether
/// its p99 meets the target, and the highest utilization of a
/// request-path tier (the sizing stays the same down to that
/// utilization).
#[derive(Debug, Clone, Copy)]
struct Step {
    feasible: bool,
    meets: bool,
    busiest: f64,
}

/// The stage sized at `knobs`, with only what the p99 search reads.
fn search_step(inputs: &Inputs, stage: &Stage, shared: &Shared, knobs: Knobs) -> Result<Step, InputError> {
    // Every tier, even past one that does not fit: the search reads the
    // p99 of infeasible steps too.
    let (ctx, tiers) = size_tiers(inputs, stage, shared, knobs, false)?;
    let busiest = tiers
        .iter()
        .filter(|t| on_request_path(t.kind))
        .map(TierPlan::utilization)
        .fold(0.0, f64::max);
    Ok(Step {
        feasible: tiers.iter().all(|t| t.feasible),
        meets: ctx.meets_p99_target(&tiers) == Some(true),
        busiest,
    })
}

/// How a search step's grid point was chosen.
#[derive(Clone, Copy, PartialEq)]
enum Guess {
    /// The grid point just below `u_max`.
    Top,
    /// The highest point whose sizing differs from a missing step's.
    NextSizing,
    /// The point just above a meeting `Top` or `NextSizing` guess.
    Check,
    /// The bracket's low end, 1 % of `u_max`.
    Floor,
    Bisect,
}

/// The largest grid point in `[floor, above)` whose step meets the p99,
/// with that step's feasibility (`None` when not even `floor` meets),
/// given that `above` misses: the point a bisection finds (the p99 falls
/// as `u` falls), in fewer steps.
///
/// A step's sizing holds for every utilization down to its busiest
/// request-path tier's, where more servers start: after a miss the next
/// try is the grid point just below that, and if it meets, the point
/// above it is checked (it must miss for the edge to be there). The
/// first try is the grid point just below `u_max`. Once
/// [`MAX_SIZINGS_MISSED`] such guesses have missed, and after a meet at a
/// bisection or check step, it bisects: at most a few steps more than a
/// bisection, and three steps when one more server on the busiest tier
/// meets the target. With [`FloorFirst::AfterTopMisses`] the floor is
/// tried right after a missing first try (a miss there ends the search),
/// and the guesses then go on as after that miss; the point found is the
/// same.
fn highest_meeting(
    floor: u64,
    mut above: u64,
    order: FloorFirst,
    at: impl Fn(u64) -> Result<Step, InputError>,
) -> Result<Option<(u64, bool)>, InputError> {
    let (mut low, mut low_step) = (floor, None);
    let mut next = (above - 1, Guess::Top);
    let mut sizings_missed = 0;
    // The missing top's busiest utilization, while the floor is tried.
    let mut resume = None;
    while above - low > 1 {
        let (i, how) = next;
        let step = at(i)?;
        if how == Guess::Floor && !step.meets {
            return Ok(None);
        }
        next = if step.meets {
            (low, low_step) = (i, Some(step));
            match (how, resume.take()) {
                (Guess::Floor, Some(busiest)) => next_sizing(busiest, low, above),
                (Guess::Top | Guess::NextSizing, _) => (low + 1, Guess::Check),
                (Guess::Check | Guess::Bisect | Guess::Floor, _) => (low + (above - low) / 2, Guess::Bisect),
            }
        } else if how == Guess::Top && order == FloorFirst::AfterTopMisses && low_step.is_none() {
            above = i;
            resume = Some(step.busiest);
            (low, Guess::Floor)
        } else {
            above = i;
            sizings_missed += usize::from(how != Guess::Top);
            match sizings_missed < MAX_SIZINGS_MISSED {
                true => next_sizing(step.busiest, low, above),
                // A target out of reach misses everywhere: the floor says so
                // in one step.
                false if low_step.is_none() => (low, Guess::Floor),
                false => (low + (above - low) / 2, Guess::Bisect),
            }
        };
    }
    // The floor, unless a step already tried it or one above it met.
    let low_step = match low_step {
        Some(step) => step,
        None => at(low)?,
    };
    Ok(low_step.meets.then_some((low, low_step.feasible)))
}

/// When [`highest_meeting`] tries its floor: last (a plan wants the edge,
/// and usually finds it in a few steps from the top), or right after a
/// missing top (a pass/fail plan: a target out of reach then fails in two
/// steps instead of up to five). The edge found is the same.
#[derive(Clone, Copy, PartialEq)]
enum FloorFirst {
    Never,
    AfterTopMisses,
}

/// Misses below the first try before the search tries the floor and
/// bisects: one server more on the busiest tier, or two or three, usually
/// meets.
const MAX_SIZINGS_MISSED: usize = 3;

/// The grid point just below utilization `busiest` when it lies strictly
/// inside `(low, above)`; the midpoint otherwise.
fn next_sizing(busiest: f64, low: u64, above: u64) -> (u64, Guess) {
    let below = (busiest * UTIL_GRID as f64).ceil() - 1.0;
    if below > low as f64 && below < above as f64 {
        (below as u64, Guess::NextSizing)
    } else {
        (low + (above - low) / 2, Guess::Bisect)
    }
}

/// Grid points of the p99 search per unit of utilization: 0.024 % apart.
const UTIL_GRID: u64 = 4096;

fn grid_util(i: u64) -> f64 {
    i as f64 / UTIL_GRID as f64
}

/// The stage as sized without chasing `target`, which it cannot reach.
fn unreachable(mut plan: StagePlan, target: &str) -> StagePlan {
    plan.sized_for = format!("{}; the {target} target is out of reach, not chased", plan.sized_for);
    plan.reason = format!(
        "{}: out of reach, more servers would not bring it down (even at 1% utilization the rest is service time, hops and round trips, or a tier past its largest instance)",
        plan.reason
    );
    plan
}

/// Tiers on the request path: every tier but the workers (off the path).
fn on_request_path(kind: TierKind) -> bool {
    kind != TierKind::Worker
}

/// The tier on the request path with the longest p99 wait, if that wait
/// is a visible share (1 %) of the target (what more servers could cut).
fn longest_wait(plan: &StagePlan, target_s: f64) -> Option<&TierPlan> {
    plan.tiers
        .iter()
        .filter(|t| on_request_path(t.kind))
        .filter_map(|t| Some((t, t.busiest_queue()?.wait_quantile_s(0.99)?)))
        .filter(|(_, wait)| *wait > 0.01 * target_s)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t)
}

fn plan_stage_once(inputs: &Inputs, stage: &Stage, shared: &Shared, knobs: Knobs) -> Result<StagePlan, InputError> {
    let (ctx, tiers) = size_tiers(inputs, stage, shared, knobs, shared.p99_pass_fail)?;
    if shared.p99_pass_fail && !tiers.iter().all(|t| t.feasible) {
        return Ok(ctx.cut_short(tiers));
    }
    Ok(ctx.finish(tiers))
}

/// Every tier of `stage` sized at `knobs`, in the stage's order, with the
/// context the stage-level figures read; with `cut_short`, the tiers that
/// hold the data first, and none after the first tier that does not fit.
fn size_tiers<'a>(
    inputs: &'a Inputs<'a>,
    stage: &'a Stage,
    shared: &'a Shared,
    knobs: Knobs,
    cut_short: bool,
) -> Result<(StageContext<'a>, Vec<TierPlan>), InputError> {
    let w = inputs.workload;
    let rates = Rates::peak(w);
    let loads = dc_loads(&stage.dc_shares());
    let path_targets = Targets {
        max_util: knobs.path_util.min(inputs.targets.max_util),
        ..inputs.targets.clone()
    };
    let mut ctx = StageContext {
        inputs,
        stage,
        rates,
        loads,
        hit_ratio: 0.0,
        cache_time_s: None,
        shards: None,
        primary: None,
        replica_servers: 0,
        shared,
        path_targets,
        data: DataFigures::default(),
    };
    let mut tiers = Vec::new();
    if let Some(cache_tier) = stage.tier(TierKind::Cache) {
        tiers.push(ctx.cache_tier(cache_tier)?);
    }
    let mut order: Vec<&Tier> = stage.tiers.iter().filter(|t| t.kind != TierKind::Cache).collect();
    if cut_short {
        // The tiers that hold the data first: they fail first as users
        // grow, and no other tier feeds them (only the cache does, sized
        // above), so the plan of a stage that fits is the same.
        order.sort_by_key(|t| !t.kind.stores_data());
    }
    for tier in order {
        // A pass/fail plan of a stage that does not fit reads nothing more.
        if cut_short && tiers.iter().any(|t: &TierPlan| !t.feasible) {
            break;
        }
        tiers.extend(ctx.tier(tier)?);
    }
    tiers.sort_by_key(|t| stage.tiers.iter().position(|m| m.name == t.name));
    Ok((ctx, tiers))
}

/// What sizing one stage carries from tier to tier.
struct StageContext<'a> {
    inputs: &'a Inputs<'a>,
    stage: &'a Stage,
    rates: Rates,
    loads: Vec<DcLoad>,
    hit_ratio: f64,
    /// The cache's characteristic time in seconds (Che's T): how long a
    /// lost cache takes to refill.
    cache_time_s: Option<f64>,
    shards: Option<u64>,
    /// The database instance chosen for the primary (or each shard).
    primary: Option<Instance>,
    /// Read replicas in all (for the storage bill).
    replica_servers: u64,
    shared: &'a Shared,
    /// The targets with `max_util` lowered to the path utilization knob.
    path_targets: Targets,
    /// Cache and shard figures gathered while sizing.
    data: DataFigures,
}

impl<'a> StageContext<'a> {
    fn w(&self) -> &'a Workload {
        self.inputs.workload
    }

    /// The targets request-path tiers are sized to (`max_util` may be
    /// lowered for the p99 target).
    fn targets(&self) -> &Targets {
        &self.path_targets
    }

    fn source(&self, tier: &Tier) -> String {
        format!("model `{}` tier `{}`", self.stage.id, tier.name)
    }

    /// The catalog name a model's instance or family goes by: a managed
    /// database tier is priced as the provider's `db.` rows.
    fn catalog_name(&self, tier: &Tier, name: &str) -> String {
        let database = matches!(
            tier.kind,
            TierKind::Db | TierKind::DbPrimary | TierKind::DbReplica | TierKind::DbShard
        );
        match database && self.hosting(tier.kind) == DbHosting::Managed {
            true => format!("db.{name}"),
            false => name.to_string(),
        }
    }

    /// Where a missing managed row comes from, for the error.
    fn managed_hint(&self, tier: &Tier, name: &str) -> String {
        match name.starts_with("db.") && self.hosting(tier.kind) == DbHosting::Managed {
            true => " (a managed database is priced as the catalog's `db.` rows; add them, or set db_hosting = \"self-managed\" in the model)".to_string(),
            false => String::new(),
        }
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
        let name = self.catalog_name(tier, name);
        self.inputs.catalog.find(&name).cloned().ok_or_else(|| {
            InputError::new(format!(
                "{}: instance `{name}` is not in the catalog{}",
                self.source(tier),
                self.managed_hint(tier, &name)
            ))
        })
    }

    fn family(&self, tier: &Tier) -> Result<Vec<&'a Instance>, InputError> {
        let name = self.catalog_name(tier, tier.family.as_deref().unwrap_or(""));
        let family = self.inputs.catalog.family(&name);
        if family.is_empty() {
            return Err(InputError::new(format!(
                "{}: family `{name}` is not in the catalog{}",
                self.source(tier),
                self.managed_hint(tier, &name)
            )));
        }
        Ok(family)
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
        let lines = self.lb_lines(&tier.name);
        TierPlan {
            name: tier.name.clone(),
            kind: tier.kind,
            instance: "managed".into(),
            servers: 0,
            mean_servers: 0.0,
            cores_per_server: 0,
            arrival_rate_per_s: self.rates.dynamic_per_s + if self.stage.cdn { 0.0 } else { self.rates.static_per_s },
            service_time_s: 0.0,
            streams: Vec::new(),
            queues: Vec::new(),
            usd_per_month: total_usd(&lines),
            lines,
            unavailability: 1.0 - self.targets().managed_availability,
            spof: false,
            scale: Scale::Out,
            feasible: true,
            reason: String::new(),
            binding: String::new(),
            outage_backlog_per_min: None,
            dc_servers: Vec::new(),
            balancer: Balancer::RoundRobin,
            sticky: None,
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
        let unavailability = match per_dc[0].sticky {
            Some(_) => {
                let users = self.w().dau() * self.loads[0].normal;
                let n = per_dc[0].servers;
                let k = sticky::needed_servers(
                    users,
                    self.w().shard_key_zipf,
                    busiest_load,
                    instance.vcpu as f64,
                    self.targets().failover_util,
                    n,
                );
                let a = self.targets().instance_availability;
                availability::k_of_n_unavailability(k, n, a).unwrap_or(1.0)
            }
            None => self.tier_unavailability(per_dc[0].servers, busiest_load, &instance, tier),
        };
        let mut lines = vec![bill::servers(&tier.name, &instance, mean)];
        if tier.kind.stores_data() {
            lines.extend(self.storage_lines(&tier.name, tier.kind, 1.0, 1));
        }
        let busiest = per_dc
            .iter()
            .max_by_key(|d| d.servers)
            .map_or(&[][..], |d| &d.binding[..]);
        let mut binding = self.knob_binding(tier.kind, busiest.to_vec());
        binding.extend(
            storage
                .iter()
                .map(|_| format!("storage {}", self.volume_limit_text(tier.kind))),
        );
        Ok(TierPlan {
            name: tier.name.clone(),
            kind: tier.kind,
            instance: instance.name.clone(),
            servers,
            mean_servers: mean,
            cores_per_server: instance.vcpu,
            arrival_rate_per_s: rate,
            service_time_s: service,
            streams: s.to_vec(),
            queues: per_dc.iter().map(|d| d.queue).collect(),
            usd_per_month: total_usd(&lines),
            lines,
            unavailability,
            spof: per_dc[0].servers == 1 && !self.has_standby(tier),
            scale: tier.scale,
            feasible: per_dc.iter().all(|d| d.feasible) && storage.is_none(),
            reason: dedup(reasons).join("; "),
            binding: dedup(binding).join(" + "),
            outage_backlog_per_min: None,
            dc_servers: per_dc.iter().map(|d| d.servers).collect(),
            balancer: tier.balancer.unwrap_or(Balancer::RoundRobin),
            sticky: per_dc.iter().find_map(|d| d.sticky),
        })
    }

    fn size_in_dc(&self, tier: &Tier, s: &[Stream], load: DcLoad) -> Result<(Instance, DcSizing), InputError> {
        let internal = |e: String| InputError::new(format!("{}: {e}", self.source(tier)));
        let targets = self.tier_targets(tier);
        match tier.scale {
            Scale::Up => {
                let family = self.family(tier)?;
                let working_set = match tier.kind.stores_data() {
                    true => self.w().working_set_bytes(),
                    false => 0.0,
                };
                let (inst, sizing) = size_up(s, load, &family, targets, working_set, tier).map_err(internal)?;
                Ok((inst.clone(), sizing))
            }
            Scale::Out => {
                let inst = self.instance(tier)?;
                let balancer = tier.balancer.unwrap_or(Balancer::RoundRobin);
                let even = size_out(s, load, &inst, balancer, tier.min, tier.n_plus_one, targets).map_err(internal)?;
                if tier.kind != TierKind::Web || !self.stage.is_sticky() {
                    return Ok((inst, even));
                }
                let farm = sticky::StickyFarm {
                    streams: s,
                    load,
                    instance: &inst,
                    min: tier.min,
                    n_plus_one: tier.n_plus_one,
                    users: self.w().dau() * load.normal,
                    zipf_s: self.w().shard_key_zipf,
                };
                let pinned = sticky::size_sticky(&farm, targets, even.servers).map_err(internal)?;
                Ok((inst, pinned))
            }
        }
    }

    /// Request-path tiers are sized to the path targets; workers (off the
    /// path) to the plain `max_util`.
    fn tier_targets(&self, tier: &Tier) -> &Targets {
        match on_request_path(tier.kind) {
            true => self.targets(),
            false => self.inputs.targets,
        }
    }

    /// A data tier holding more than one server's volume limit.
    fn storage_problem(&self, tier: &Tier) -> Option<String> {
        if !tier.kind.stores_data() || tier.kind == TierKind::DbShard {
            return None;
        }
        let limit = self.volume_limit(tier.kind);
        let stored = self.w().stored_bytes();
        (stored > limit).then(|| {
            format!(
                "the database holds {}, above one server's {} volume limit",
                crate::quantity::format_bytes(stored),
                crate::quantity::format_bytes(limit)
            )
        })
    }

    /// A request-path tier held below `max_util` by the p99 knob was sized
    /// for the p99 target: its `max-util` reads `p99 <target>`.
    fn knob_binding(&self, kind: TierKind, binding: Vec<String>) -> Vec<String> {
        let held = self.path_targets.max_util < self.inputs.targets.max_util;
        let by_max_util = |b: &String| b.starts_with("max-util ");
        if !(held && on_request_path(kind) && binding.iter().any(by_max_util)) {
            return binding;
        }
        let knob = format!("p99 {}", crate::quantity::format_duration(self.inputs.targets.p99_s));
        binding
            .into_iter()
            .map(|b| if by_max_util(&b) { knob.clone() } else { b })
            .collect()
    }

    fn volume_limit_text(&self, kind: TierKind) -> String {
        crate::quantity::format_bytes(self.volume_limit(kind))
    }

    /// One database volume's limit: the model's `max_db_storage`, else its
    /// hosting's.
    fn volume_limit(&self, kind: TierKind) -> f64 {
        self.stage
            .max_db_storage
            .unwrap_or_else(|| self.hosting(kind).volume_limit_bytes())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic stage: request-path servers `n = ⌈load/u⌉` on each of
    /// two tiers, meeting the p99 from `needed` servers on the first.
    fn synthetic(load: [f64; 2], needed: u64) -> impl Fn(u64) -> Result<Step, InputError> {
        capped(load, needed, u64::MAX)
    }

    /// As [`synthetic`], infeasible above `cap` servers on the first tier
    /// (as a scale-up tier past its largest instance: feasible only from
    /// some utilization up).
    fn capped(load: [f64; 2], needed: u64, cap: u64) -> impl Fn(u64) -> Result<Step, InputError> {
        move |i| {
            let u = grid_util(i);
            let servers = load.map(|l| (l / u).ceil().max(1.0));
            Ok(Step {
                feasible: servers[0] as u64 <= cap,
                meets: servers[0] as u64 >= needed,
                busiest: (load[0] / servers[0]).max(load[1] / servers[1]),
            })
        }
    }

    /// The search finds what a scan of every grid point finds: the largest
    /// point that meets, or none, whatever the number of plateaus between
    /// the top and the edge (from one server more to hundreds).
    #[test]
    fn the_search_finds_the_scans_edge() {
        // The search's bracket, and brackets of one to three points.
        for (floor, above) in [(29, 2868), (1000, 1001), (1000, 1002), (1000, 1003)] {
            for load in [[5.0, 3.0], [40.0, 1.0], [333.3, 20.0], [0.9, 0.5]] {
                let at_top = (load[0] / grid_util(above - 1)).ceil() as u64;
                for needed in (1..=at_top + 400)
                    .step_by(7)
                    .chain([at_top + 1, at_top + 2, at_top + 3])
                {
                    for cap in [u64::MAX, at_top + 5, at_top + 200] {
                        let at = capped(load, needed, cap);
                        let scan = (floor..above).rev().find(|&i| at(i).unwrap().meets);
                        let want = scan.map(|i| (i, at(i).unwrap().feasible));
                        for order in [FloorFirst::Never, FloorFirst::AfterTopMisses] {
                            let found = highest_meeting(floor, above, order, &at).unwrap();
                            assert_eq!(
                                found, want,
                                "load {load:?}, needed {needed}, cap {cap}, {floor}..{above}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// One server more on the busiest tier: three steps (the top misses,
    /// the next sizing meets, the point above it misses), where a
    /// bisection of the 2,839 points takes twelve.
    #[test]
    fn one_server_more_takes_three_steps() {
        let load = [40.0, 1.0];
        let at_top = (load[0] / grid_util(2867)).ceil() as u64;
        let steps = std::cell::Cell::new(0);
        let at = |i| {
            steps.set(steps.get() + 1);
            synthetic(load, at_top + 1)(i)
        };
        assert!(highest_meeting(29, 2868, FloorFirst::Never, at).unwrap().is_some());
        assert_eq!(steps.get(), 3);
    }

    /// A pass/fail search of a target out of reach: the top misses and
    /// the floor misses, two steps (the plan's search takes five: the top,
    /// three next sizings and the floor).
    #[test]
    fn out_of_reach_fails_in_two_steps_when_the_floor_comes_first() {
        let load = [40.0, 1.0];
        for (order, want) in [(FloorFirst::AfterTopMisses, 2), (FloorFirst::Never, 5)] {
            let steps = std::cell::Cell::new(0);
            let at = |i| {
                steps.set(steps.get() + 1);
                synthetic(load, u64::MAX)(i)
            };
            assert!(highest_meeting(29, 2868, order, at).unwrap().is_none());
            assert_eq!(steps.get(), want);
        }
    }
}
