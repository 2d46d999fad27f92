//! The tiers whose sizing needs more than their own streams: the session
//! store, the replicated and sharded database, the autoscaled web farm and
//! the worker pool (the cache has its own file, `cache_tier.rs`).

use super::bill::{self, total_usd};
use super::demand::{self, streams, Stream};
use super::tiers::{fits_memory, BUFFER_POOL_FRACTION};
use super::{dedup, StageContext, TierPlan};
use crate::cache::MemoryLayout;
use crate::cost::{self, Instance};
use crate::error::InputError;
use crate::model::{Scale, Tier, TierKind, WorkerSizing, DEFAULT_MAX_REPLICAS};
use crate::quantity::{format_bytes, format_count, format_duration, format_percent, format_rate};
use crate::queueing::Mmc;
use crate::replication::{apply_capacity_per_s, size_replica_count, ReplicaSizing, Replication, ReplicationError};
use crate::sharding::{
    expected_distinct_shards, size_to, Ceiling, Layout, Placement, SizeTarget, Sizing as ShardSizing,
};

impl StageContext<'_> {
    /// The session store: nodes enough to hold the sessions of a day's users
    /// (in the DC's failover share, since that DC may have to serve them)
    /// in the usable memory of its nodes, and for the lookups.
    pub(super) fn session_tier(&self, tier: &Tier) -> Result<TierPlan, InputError> {
        let w = self.w();
        let instance = self.instance(tier)?;
        let share = self.loads.iter().map(|l| l.failover).fold(0.0, f64::max);
        let layout =
            MemoryLayout::new(w.session_bytes).map_err(|e| InputError::new(format!("workload session_size: {e}")))?;
        let bytes = layout.bytes_for((w.dau() * share).ceil());
        let memory_nodes = (bytes / instance.memory_bytes()).ceil() as u64;
        let by_memory = memory_nodes.max(tier.min);
        let with_memory = Tier {
            min: by_memory,
            ..tier.clone()
        };
        let mut plan = self.plain_tier(&with_memory)?;
        let memory = format!("memory {}", format_bytes(bytes));
        plan.binding = memory_binding(&plan.binding, memory_nodes, tier.min, &memory);
        Ok(plan)
    }

    /// The primary (global) and its read replicas in every data center,
    /// sized together (DESIGN §6): a replica is promotable, so it is the
    /// primary's instance (or the replica tier's own type when that is at
    /// least as large in cores and memory). Every instance of the primary's
    /// family is tried; the cheapest that is feasible wins (instances,
    /// replicas and their storage), so more load never lowers the bill.
    /// When none is feasible the largest is reported with its reasons.
    /// Without replicas the primary serves the reads too.
    pub(super) fn replicated_db(&mut self, tier: &Tier) -> Result<Vec<TierPlan>, InputError> {
        let replica_tier = self.stage.tier(TierKind::DbReplica);
        let mut options = Vec::new();
        for inst in self.family(tier)? {
            options.push(self.db_option(tier, replica_tier, inst)?);
        }
        let chosen = cheapest_feasible(&options)
            .ok_or_else(|| InputError::new(format!("{}: empty family", self.source(tier))))?;
        let binding = instance_binding(&options, chosen);
        let option = options.swap_remove(chosen);
        self.primary = Some(option.primary.clone());
        let streams = self.primary_streams(replica_tier.is_some(), 1.0);
        let mut primary = self.primary_plan(tier, &option.primary, &streams, 1, option.problems);
        primary.binding = binding;
        let mut plans = vec![primary];
        if let (Some(rt), Some(replica)) = (replica_tier, &option.replica) {
            plans.push(self.replica_plan(rt, replica, &option.replicas, 1));
        }
        Ok(plans)
    }

    /// The primary and its replicas on one instance type.
    fn db_option(&self, tier: &Tier, replica_tier: Option<&Tier>, inst: &Instance) -> Result<DbOption, InputError> {
        let streams = self.primary_streams(replica_tier.is_some(), 1.0);
        let (mut problems, mut limits) = self.copy_problems(tier, inst, &streams, self.w().working_set_bytes());
        if let Some(storage) = self.storage_problem(tier) {
            problems.push(storage);
            limits.push(format!("storage {}", self.volume_limit_text(tier.kind)));
        }
        let (replica, replicas) = match replica_tier {
            Some(rt) => {
                let replica = self.replica_instance(rt, inst)?;
                let per_dc = self.replicas_per_dc(rt, &replica, self.db_writes_per_s(), self.db_reads_per_s())?;
                (Some(replica), per_dc)
            }
            None => (None, Vec::new()),
        };
        let replica_count: u64 = replicas.iter().map(|r| r.sizing.replicas).sum();
        let copies = 1 + replica_count;
        let usd_per_month = cost::instances_usd_per_month(inst, 1.0)
            + replica
                .as_ref()
                .map_or(0.0, |r| cost::instances_usd_per_month(r, replica_count as f64))
            + self.storage_usd(tier.kind, copies as f64, 1);
        limits.extend(
            replicas
                .iter()
                .filter(|r| !r.sizing.feasible)
                .map(|r| r.binding.clone()),
        );
        Ok(DbOption {
            feasible: problems.is_empty() && replicas.iter().all(|r| r.sizing.feasible),
            primary: inst.clone(),
            replica,
            replicas,
            problems,
            limits: dedup(limits),
            usd_per_month,
        })
    }

    /// What a primary serves, times `share` (one shard's share): the writes,
    /// and the reads too when no replica takes them.
    fn primary_streams(&self, has_replicas: bool, share: f64) -> Vec<Stream> {
        let writes = Stream {
            rate_per_s: self.db_writes_per_s() * share,
            service_s: self.w().db_write_s,
        };
        let reads = Stream {
            rate_per_s: self.db_reads_per_s() * share,
            service_s: self.w().db_read_s,
        };
        match has_replicas {
            true => vec![writes],
            false => vec![reads, writes],
        }
    }

    /// Why one copy of the database on `inst` cannot serve `streams`: its
    /// cores above `u_max`, or its working set beyond the buffer pool; the
    /// reasons, and the constraints they break (bindings).
    fn copy_problems(
        &self,
        tier: &Tier,
        inst: &Instance,
        streams: &[Stream],
        working_set_bytes: f64,
    ) -> (Vec<String>, Vec<String>) {
        let mut problems = Vec::new();
        let mut limits = Vec::new();
        let load: f64 = streams.iter().map(|s| s.rate_per_s * s.service_s).sum();
        let what = if streams.len() > 1 {
            "reads and writes"
        } else {
            "writes"
        };
        // A tier with a USL gets X(k)/X(1) cores' worth from k vCPU.
        let cores = tier.effective_cores(inst.vcpu);
        if load > self.targets().max_util * cores {
            let util = format!("max-util {}", format_percent(self.targets().max_util));
            limits.extend(self.knob_binding(TierKind::DbPrimary, vec![util]));
            problems.push(format!(
                "{} ({} vCPU) would run at {} on {what}, above the {} ceiling",
                inst.name,
                inst.vcpu,
                format_percent(load / cores),
                format_percent(self.targets().max_util)
            ));
        }
        if !fits_memory(inst, working_set_bytes) {
            limits.push(format!("memory {}", format_bytes(working_set_bytes)));
            problems.push(format!(
                "its working set {} ({} of the data) does not fit {}'s buffer pool ({} of {} memory)",
                format_bytes(working_set_bytes),
                format_percent(self.w().db_working_set_fraction),
                inst.name,
                format_percent(BUFFER_POOL_FRACTION),
                format_bytes(inst.memory_bytes())
            ));
        }
        (problems, limits)
    }

    /// A replica's instance: the primary's, or the replica tier's own type
    /// when it is at least the primary's size (promotable either way).
    fn replica_instance(&self, replica_tier: &Tier, primary: &Instance) -> Result<Instance, InputError> {
        if replica_tier.scale == Scale::Up {
            return Ok(primary.clone());
        }
        match replica_tier.instance.as_deref() {
            None | Some("same-as-primary") => Ok(primary.clone()),
            Some(_) => {
                let own = self.instance(replica_tier)?;
                let big_enough = own.vcpu >= primary.vcpu && own.memory_gib >= primary.memory_gib;
                Ok(if big_enough { own } else { primary.clone() })
            }
        }
    }

    fn db_writes_per_s(&self) -> f64 {
        self.rates.db_writes_per_s(self.w())
    }

    /// Read queries that reach the database, `(1 − h)·λ_r·q_r`, once the
    /// shard count (if any) is known.
    fn db_reads_per_s(&self) -> f64 {
        self.db_reads_on(self.shards)
    }

    /// Read queries that reach the database on `shards` shards: each join
    /// read's query lands on every distinct shard its `k` keys hash to,
    ///
    /// ```text
    /// (1 − h)·λ_r·q_r·(1 + j·(E[D] − 1)),   E[D] = S·(1 − (1 − 1/S)^k)
    /// ```
    /// where `j` is the workload's `join_share`, `k` its `join_shards` and
    /// `S` the shard count (`sharding::expected_distinct_shards`); without
    /// shards a join is a local join (factor 1).
    fn db_reads_on(&self, shards: Option<u64>) -> f64 {
        let w = self.w();
        let joins = shards.map_or(1.0, |s| {
            1.0 + w.join_share * (expected_distinct_shards(w.join_shards as u32, s) - 1.0)
        });
        self.rates.db_reads_per_s(w, self.hit_ratio) * joins
    }

    /// Replica sizing per data center: each DC's share of the reads (and
    /// its failover share at the failover ceiling), every write applied by
    /// the workload's apply workers.
    fn replicas_per_dc(
        &self,
        replica_tier: &Tier,
        inst: &Instance,
        writes_per_s: f64,
        reads_per_s: f64,
    ) -> Result<Vec<ReplicaDc>, InputError> {
        let mut out = Vec::new();
        for load in &self.loads {
            let mut normal = Replication::new(
                reads_per_s * load.normal,
                writes_per_s,
                self.w().db_read_s,
                self.w().db_write_s,
                inst.vcpu,
            );
            normal.apply_factor = self.w().replica_apply_factor;
            normal.apply_workers = self.w().replica_apply_workers as u32;
            normal.max_utilization = self.targets().max_util;
            // Replicas sit on the read path (held to the path utilization),
            // but the apply workers' ceiling is about lag, not request
            // latency: they keep the plain `max_util`.
            normal.apply_max_utilization = Some(self.inputs.targets.max_util);
            normal.failover_utilization = self.targets().failover_util;
            normal.n_plus_one = replica_tier.n_plus_one;
            normal.min_replicas = replica_tier.min;
            normal.max_replicas = replica_tier.max_replicas.unwrap_or(DEFAULT_MAX_REPLICAS);
            normal.max_replicas_source = "model key `max_replicas`";
            let mut failover = normal.clone();
            failover.read_rate_per_s = reads_per_s * load.failover;
            failover.max_utilization = self.targets().failover_util;
            failover.n_plus_one = false;
            let err = |e: ReplicationError| InputError::new(format!("replica sizing: {e}"));
            let at_normal = replica_count_remembered(&normal).map_err(err)?;
            let at_failover = replica_count_remembered(&failover).map_err(err)?;
            let binding = self.replica_binding(&at_normal, &at_failover, *load);
            let feasible = at_normal.feasible && at_failover.feasible;
            let mut sizing = if at_failover.replicas > at_normal.replicas {
                at_failover
            } else {
                at_normal
            };
            if !feasible && sizing.feasible {
                sizing.feasible = false;
                sizing.reason = "the replicas cannot take a failed data center's reads".to_string();
            }
            if self.stage.has(TierKind::Cache) {
                sizing.reason = sizing.reason.replace(
                    "need a cache or shards",
                    "need shards (the cache already takes the hits)",
                );
            }
            // An infeasible answer has no meaningful count; report the most
            // replicas one primary may have, which no feasible answer exceeds.
            if !sizing.feasible {
                sizing.replicas = normal.max_replicas;
            }
            out.push(ReplicaDc {
                input: normal,
                sizing,
                binding,
            });
        }
        Ok(out)
    }

    /// What set one data center's replica count: the normal sizing's
    /// binding, a failed data center's reads (`dc-failover`) when they ask
    /// for at least as many, or the constraint an infeasible sizing breaks.
    fn replica_binding(&self, at_normal: &ReplicaSizing, at_failover: &ReplicaSizing, load: super::DcLoad) -> String {
        if !at_normal.feasible {
            return at_normal.binding.clone();
        }
        if !at_failover.feasible {
            return at_failover.binding.clone();
        }
        let mut parts: Vec<String> = Vec::new();
        if at_normal.replicas >= at_failover.replicas {
            parts.extend(at_normal.binding.split(" + ").map(str::to_string));
        }
        if at_failover.replicas >= at_normal.replicas && load.failover > load.normal {
            let fo = format!("dc-failover {}", format_percent(self.targets().failover_util));
            let is_min = at_failover.binding.starts_with("min-servers");
            parts.push(if is_min { at_failover.binding.clone() } else { fo });
        }
        let parts = self.knob_binding(TierKind::DbReplica, dedup(parts));
        parts.join(" + ")
    }

    /// `servers` database primaries of `inst`, each serving `streams` (the
    /// whole database for one primary, the hottest shard's for shards);
    /// `problems` say why the instance cannot.
    fn primary_plan(
        &self,
        tier: &Tier,
        inst: &Instance,
        streams: &[Stream],
        servers: u64,
        problems: Vec<String>,
    ) -> TierPlan {
        let (rate, service) = demand::combine(streams);
        let queue = Mmc::new(rate, tier.service_on(service, inst.vcpu), inst.vcpu as u64)
            .and_then(|q| q.with_variability(1.0, demand::service_cv(streams)))
            .ok();
        let mut lines = vec![bill::servers(&tier.name, inst, servers as f64)];
        lines.extend(self.storage_lines(&tier.name, tier.kind, servers as f64, servers));
        TierPlan {
            name: tier.name.clone(),
            kind: tier.kind,
            instance: inst.name.clone(),
            servers,
            mean_servers: servers as f64,
            cores_per_server: inst.vcpu,
            arrival_rate_per_s: rate,
            service_time_s: service,
            streams: streams.to_vec(),
            queues: queue.into_iter().collect(),
            usd_per_month: total_usd(&lines),
            lines,
            unavailability: self.primary_unavailability(tier),
            spof: !self.has_standby(tier),
            scale: tier.scale,
            feasible: problems.is_empty(),
            reason: problems.join("; "),
            binding: String::new(),
            outage_backlog_per_min: None,
            dc_servers: vec![servers],
            balancer: crate::queueing::Balancer::Pooled,
            sticky: None,
        }
    }

    /// Replicas in every data center (times `groups` shards).
    fn replica_plan(&mut self, tier: &Tier, inst: &Instance, per_dc: &[ReplicaDc], groups: u64) -> TierPlan {
        let servers: u64 = per_dc.iter().map(|r| r.sizing.replicas).sum::<u64>() * groups;
        self.replica_servers = servers;
        let queues = per_dc
            .iter()
            .filter_map(|r| r.input.replica_queue(r.sizing.replicas))
            .collect();
        let several = per_dc.len() > 1;
        let reasons = dedup(
            per_dc
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.sizing.reason.is_empty())
                .map(|(i, r)| match several {
                    true => format!(
                        "data center {} ({} of users, {} replicas): {}",
                        i + 1,
                        format_percent(self.loads[i].normal),
                        r.sizing.replicas,
                        r.sizing.reason
                    ),
                    false => r.sizing.reason.clone(),
                })
                .collect(),
        );
        let first = &per_dc[0];
        let reads: f64 = per_dc.iter().map(|r| r.input.read_rate_per_s).sum();
        let w = self.w();
        // One replica of the busiest data center: its share of the reads and
        // every write replayed.
        let streams = vec![
            Stream {
                rate_per_s: first.input.read_rate_per_s / first.sizing.replicas.max(1) as f64,
                service_s: w.db_read_s,
            },
            Stream {
                rate_per_s: first.input.write_rate_per_s,
                service_s: w.db_write_s * w.replica_apply_factor,
            },
        ];
        let (_, service) = demand::combine(&streams);
        let mut lines = vec![bill::servers(&tier.name, inst, servers as f64)];
        lines.extend(self.storage_lines(&tier.name, tier.kind, servers as f64, groups));
        TierPlan {
            name: tier.name.clone(),
            kind: tier.kind,
            instance: inst.name.clone(),
            servers,
            mean_servers: servers as f64,
            cores_per_server: inst.vcpu,
            arrival_rate_per_s: (reads + first.input.write_rate_per_s * servers as f64 / groups as f64) * groups as f64,
            service_time_s: service,
            streams,
            queues,
            usd_per_month: total_usd(&lines),
            lines,
            unavailability: self.replica_unavailability(first),
            spof: false,
            scale: Scale::Out,
            feasible: per_dc.iter().all(|r| r.sizing.feasible),
            reason: reasons.join("; "),
            binding: per_dc
                .iter()
                .max_by_key(|r| r.sizing.replicas)
                .map_or_else(String::new, |r| r.binding.clone()),
            outage_backlog_per_min: None,
            dc_servers: per_dc.iter().map(|r| r.sizing.replicas * groups).collect(),
            balancer: crate::queueing::Balancer::RoundRobin,
            sticky: None,
        }
    }

    /// k-of-n replicas, k the least count whose cores carry the DC's reads
    /// in normal operation plus the apply tax at the failover ceiling (the
    /// count the load needs in that state, not the count sized for a
    /// failed data center's reads).
    fn replica_unavailability(&self, dc: &ReplicaDc) -> f64 {
        let n = dc.sizing.replicas.max(1);
        let cores = dc.input.cores_per_replica as f64;
        let headroom = self.targets().failover_util * cores - dc.input.apply_load_cores();
        let read_cores = dc.input.read_rate_per_s * dc.input.read_time_s;
        let needed = if headroom > 0.0 {
            (read_cores / headroom).ceil().clamp(1.0, n as f64) as u64
        } else {
            n
        };
        let a = self.targets().instance_availability;
        crate::availability::k_of_n_unavailability(needed, n, a).unwrap_or(1.0)
    }

    /// The web farm following the 24-hour profile: sized hour by hour for
    /// cost, at the peak hour for servers and latency.
    ///
    /// With `tier.spares`, each data center keeps that many servers above
    /// each hour's count: billed every hour, and at the peak hour the
    /// busiest data center's count plus the spares in every data center.
    pub(super) fn autoscaled_web(&self, tier: &Tier) -> Result<TierPlan, InputError> {
        let profile = demand::daily_profile(self.w().peak_factor);
        let spares_per_hour = tier.spares * self.loads.len() as u64;
        let mut hourly_servers = 0.0;
        for multiplier in profile {
            let rates = self.rates.scaled(multiplier / self.w().peak_factor);
            let s = streams(tier.kind, self.w(), self.stage, &rates, self.hit_ratio);
            hourly_servers += (self.sized(tier, &s, None)?.servers + spares_per_hour) as f64;
        }
        let s = streams(tier.kind, self.w(), self.stage, &self.rates, self.hit_ratio);
        let mean = Some(hourly_servers / 24.0);
        if tier.spares == 0 {
            return self.sized(tier, &s, mean);
        }
        let busiest = self
            .sized(tier, &s, None)?
            .dc_servers
            .into_iter()
            .max()
            .unwrap_or(tier.min);
        let spared = Tier {
            min: tier.min.max(busiest + tier.spares),
            ..tier.clone()
        };
        self.sized(&spared, &s, mean)
    }

    /// Workers on the job stream: sized for the peak job rate, or for the
    /// daily mean with the queue absorbing the peak (backlog reported).
    pub(super) fn worker_tier(&self, tier: &Tier) -> Result<TierPlan, InputError> {
        let w = self.w();
        let mean_jobs = self.rates.jobs_per_s / w.peak_factor;
        let rate = match self.stage.workers_sized_for {
            WorkerSizing::Peak => self.rates.jobs_per_s,
            WorkerSizing::Mean => mean_jobs,
        };
        let s = [Stream {
            rate_per_s: rate,
            service_s: w.job_cpu_s,
        }];
        let mut plan = self.sized(tier, &s, None)?;
        if self.stage.workers_sized_for == WorkerSizing::Mean {
            // Workers with a backlog run flat out: every core of every server.
            let capacity_per_s = plan.servers as f64 * plan.cores_per_server as f64 / w.job_cpu_s;
            let backlog = peak_backlog(mean_jobs, capacity_per_s, &demand::daily_profile(w.peak_factor));
            if backlog.jobs > 0.0 {
                let drained = match backlog.drain_s.is_finite() {
                    true => format!("drained {} later", format_duration(backlog.drain_s)),
                    false => "not drained within three days".to_string(),
                };
                plan.reason = format!(
                    "workers sized for the daily mean: at peak {} jobs back up ({}), {drained}",
                    format_count(backlog.jobs),
                    format_bytes(backlog.jobs * w.write_bytes),
                );
            }
        }
        // Off the request path: an outage of the pool (or of the queue
        // service) fails no request, it queues the jobs arriving meanwhile
        // (web servers hand jobs to the queue, or to a local outbox while the
        // queue service is down). The tier's availability is the job path's:
        // the queue service in series with the workers.
        plan.outage_backlog_per_min = Some(self.rates.jobs_per_s * 60.0);
        let queue_down = 1.0 - self.inputs.targets.managed_availability;
        plan.unavailability =
            crate::availability::series_unavailability(&[queue_down, plan.unavailability]).unwrap_or(1.0);
        Ok(plan)
    }
}

/// One data center's replica inputs and answer.
pub(super) struct ReplicaDc {
    input: Replication,
    sizing: ReplicaSizing,
    /// What set the count (see [`StageContext::replica_binding`]).
    binding: String,
}

/// The worst queue of jobs over the day and how long it takes to clear.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Backlog {
    jobs: f64,
    /// From the worst moment until the queue is empty again.
    drain_s: f64,
}

/// Jobs arriving at `mean·h(t)` (hourly profile) served at `capacity` per
/// second, stepped minute by minute over three days so a backlog carried
/// past midnight is counted; the drain runs through the evening trough.
fn peak_backlog(mean_per_s: f64, capacity_per_s: f64, profile: &[f64; 24]) -> Backlog {
    const STEP_S: f64 = 60.0;
    let (mut backlog, mut worst, mut worst_at, mut drained_at) = (0.0f64, 0.0f64, 0.0, None);
    for minute in 0..3 * 24 * 60 {
        let hour = (minute / 60) % 24;
        backlog = (backlog + (mean_per_s * profile[hour] - capacity_per_s) * STEP_S).max(0.0);
        let now = minute as f64 * STEP_S;
        if backlog > worst {
            (worst, worst_at, drained_at) = (backlog, now, None);
        } else if backlog == 0.0 && drained_at.is_none() && worst > 0.0 {
            drained_at = Some(now);
        }
    }
    let drain_s = drained_at.map_or(f64::INFINITY, |t| t - worst_at);
    Backlog { jobs: worst, drain_s }
}

impl StageContext<'_> {
    /// Shards by user id (hash placement), each a primary with its own
    /// replicas: for every instance type the tier allows (its `family`, or
    /// its one `instance`), the least shard count whose hottest shard
    /// (DESIGN §6 skew) keeps its load under `u_max` — the writes on the
    /// primary's cores and on the replicas' apply workers, or reads and
    /// writes together when no replica takes the reads — and its bytes under
    /// the volume limit and its working set in the buffer pool, with
    /// replicas sized on the hottest shard's reads; the cheapest feasible
    /// type wins. A shard down takes out only its own users, so the tier's
    /// unavailability is one shard's (user-weighted).
    pub(super) fn sharded_db(&mut self, tier: &Tier) -> Result<Vec<TierPlan>, InputError> {
        let candidates: Vec<Instance> = match tier.scale {
            Scale::Up => self.family(tier)?.into_iter().cloned().collect(),
            Scale::Out => vec![self.instance(tier)?],
        };
        let mut best: Option<ShardOption> = None;
        for instance in candidates {
            let option = self.shard_option(tier, instance)?;
            let better = match &best {
                None => true,
                Some(b) => {
                    (option.feasible && !b.feasible)
                        || (option.feasible == b.feasible && option.usd_per_month < b.usd_per_month)
                }
            };
            if better {
                best = Some(option);
            }
        }
        let option = best.ok_or_else(|| InputError::new(format!("{}: no instance to shard on", self.source(tier))))?;
        if option.ceiling.is_none() {
            let volume = self.volume_limit(TierKind::DbShard);
            self.data.reshard = Some(self.reshard_outlook(&option.layout, &option.target, option.shards, volume)?);
        }
        Ok(self.shard_plans(tier, option))
    }

    /// Shard count, hottest share and replicas on one instance type.
    fn shard_option(&self, tier: &Tier, instance: Instance) -> Result<ShardOption, InputError> {
        let w = self.w();
        let layout = Layout {
            keys: w.users.max(1.0) as u64,
            zipf_s: w.shard_key_zipf,
            placement: Placement::Hash,
            vnodes: 1,
        };
        let (target, unit, sizing) = self.shard_count(tier, &layout, &instance)?;
        let capacity = target.shard_capacity_rate_per_s;
        let volume = self.volume_limit(TierKind::DbShard);
        let by_memory = BUFFER_POOL_FRACTION * instance.memory_bytes() / w.db_working_set_fraction;
        let sized = sizing;
        let (shards, hottest_share, ceiling) = match sized {
            ShardSizing::Fits(fit) if target.total_rate_per_s > 0.0 => {
                (fit.shards, fit.hottest_shard_rate_per_s / target.total_rate_per_s, None)
            }
            ShardSizing::Fits(fit) => (fit.shards, 1.0 / fit.shards as f64, None),
            ShardSizing::Infeasible(ceiling) => (1, 1.0, Some(describe_ceiling(&ceiling, unit))),
        };
        let replicas = match self.stage.tier(TierKind::DbReplica) {
            Some(rt) => self.replicas_per_dc(
                rt,
                &instance,
                self.db_writes_per_s() * hottest_share,
                self.db_reads_on(Some(shards)) * hottest_share,
            )?,
            None => Vec::new(),
        };
        let copies = 1 + replicas.iter().map(|r| r.sizing.replicas).sum::<u64>();
        let feasible = ceiling.is_none() && replicas.iter().all(|r| r.sizing.feasible);
        let limits = ShardLimits {
            instance: &instance,
            capacity,
            unit,
            volume,
            by_memory,
        };
        let binding = match sized {
            ShardSizing::Infeasible(c) => ceiling_binding(&c),
            ShardSizing::Fits(_) => self.shard_binding(&layout, &target, shards, &limits),
        };
        Ok(ShardOption {
            binding,
            usd_per_month: cost::instances_usd_per_month(&instance, (shards * copies) as f64)
                + self.storage_usd(TierKind::DbShard, (shards * copies) as f64, shards),
            layout,
            target,
            instance,
            shards,
            hottest_share,
            ceiling,
            replicas,
            feasible,
        })
    }

    /// The least shard count on `instance` (DESIGN §6 skew), with what
    /// one shard must carry and hold. Join reads add load that grows with
    /// the shard count (more distinct shards per join), so without
    /// replicas the count is a fixed point: size at `S = 1`, again at the
    /// answer, until it stops growing (it only grows, and the join factor
    /// is bounded by `join_shards`, so this ends).
    fn shard_count(
        &self,
        tier: &Tier,
        layout: &Layout,
        instance: &Instance,
    ) -> Result<(SizeTarget, ShardUnit, ShardSizing), InputError> {
        let w = self.w();
        let has_replicas = self.stage.has(TierKind::DbReplica);
        let volume = self.volume_limit(TierKind::DbShard);
        let by_memory = BUFFER_POOL_FRACTION * instance.memory_bytes() / w.db_working_set_fraction;
        let err = |e: crate::sharding::ShardError| InputError::new(format!("shard sizing: {e}"));
        let mut guess = 1;
        loop {
            let (total, capacity, unit) = self.shard_load(tier, instance, has_replicas, guess);
            let target = SizeTarget {
                total_rate_per_s: total,
                shard_capacity_rate_per_s: capacity,
                stored_bytes: w.stored_bytes(),
                shard_storage_bytes: Some(volume.min(by_memory)),
            };
            let sizing = size_to(layout, &target).map_err(err)?;
            match sizing {
                ShardSizing::Fits(fit) if fit.shards > guess => guess = fit.shards,
                _ => return Ok((target, unit, sizing)),
            }
        }
    }

    /// What the shards carry and what one shard takes at `u_max`: the
    /// writes (per second) on the primary's cores and the replicas' apply
    /// workers; without replicas, reads (on `shards` shards) and writes
    /// together in cores.
    fn shard_load(&self, tier: &Tier, instance: &Instance, has_replicas: bool, shards: u64) -> (f64, f64, ShardUnit) {
        let w = self.w();
        let u = self.targets().max_util;
        let cores = tier.effective_cores(instance.vcpu);
        if has_replicas {
            let primary = u * cores / w.db_write_s;
            let apply = apply_capacity_per_s(
                self.inputs.targets.max_util,
                w.replica_apply_workers as u32,
                w.db_write_s * w.replica_apply_factor,
            );
            (self.db_writes_per_s(), primary.min(apply), ShardUnit::Writes)
        } else {
            let load = self.db_writes_per_s() * w.db_write_s + self.db_reads_on(Some(shards)) * w.db_read_s;
            (load, u * cores, ShardUnit::Cores)
        }
    }

    /// What set a shard count `S`: the limit `S − 1` shards break — the
    /// hottest shard's writes on its primary's cores (`max-util`, or `p99`
    /// when the knob holds it lower) or on its replicas' apply workers
    /// (`apply`), its bytes on one volume (`storage`) or its working set in
    /// one buffer pool (`memory`); `min-servers 1` for one shard.
    fn shard_binding(&self, layout: &Layout, target: &SizeTarget, shards: u64, limits: &ShardLimits) -> String {
        if shards <= 1 {
            return "min-servers 1".to_string();
        }
        let (rate, storage) = crate::sharding::broken_limits(layout, target, shards - 1);
        let mut parts = Vec::new();
        if rate {
            parts.extend(self.rate_limit(limits));
        }
        if storage {
            parts.push(match limits.by_memory < limits.volume {
                true => format!(
                    "memory {} working set",
                    format_percent(self.w().db_working_set_fraction)
                ),
                false => format!("storage {}", format_bytes(limits.volume)),
            });
        }
        parts.join(" + ")
    }

    /// The rate limit of one shard as a binding.
    fn rate_limit(&self, limits: &ShardLimits) -> Vec<String> {
        let w = self.w();
        let util = vec![format!("max-util {}", format_percent(self.targets().max_util))];
        let primary = self.knob_binding(TierKind::DbShard, util);
        match limits.unit {
            ShardUnit::Cores => primary,
            ShardUnit::Writes => {
                let on_cores = self.targets().max_util * limits.instance.vcpu as f64 / w.db_write_s;
                match on_cores <= limits.capacity {
                    true => primary,
                    false => vec![format!("apply {}", format_rate(limits.capacity))],
                }
            }
        }
    }

    fn shard_plans(&mut self, tier: &Tier, option: ShardOption) -> Vec<TierPlan> {
        let ShardOption {
            instance,
            shards,
            hottest_share,
            ceiling,
            replicas,
            binding,
            ..
        } = option;
        self.shards = Some(shards);
        self.primary = Some(instance.clone());
        let replica_tier = self.stage.tier(TierKind::DbReplica);
        let hottest = self.primary_streams(replica_tier.is_some(), hottest_share);
        let problems = ceiling.into_iter().collect();
        let mut primary = self.primary_plan(tier, &instance, &hottest, shards, problems);
        primary.arrival_rate_per_s = hottest.iter().map(|s| s.rate_per_s).sum::<f64>() / hottest_share;
        primary.binding = binding;
        let mut plans = vec![primary];
        if let Some(replica_tier) = replica_tier {
            plans.push(self.replica_plan(replica_tier, &instance, &replicas, shards));
        }
        plans
    }
}

/// What a shard's capacity is counted in.
#[derive(Debug, Clone, Copy)]
enum ShardUnit {
    Writes,
    Cores,
}

/// A primary and its replicas on one instance type, and what that costs.
struct DbOption {
    primary: Instance,
    replica: Option<Instance>,
    replicas: Vec<ReplicaDc>,
    /// Why this instance cannot be the primary (empty when it can).
    problems: Vec<String>,
    /// The constraints it breaks, as bindings (the primary's and the
    /// replicas').
    limits: Vec<String>,
    feasible: bool,
    usd_per_month: f64,
}

/// The cheapest feasible option, else the last (largest) one.
fn cheapest_feasible(options: &[DbOption]) -> Option<usize> {
    let feasible = options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.feasible)
        .min_by(|a, b| a.1.usd_per_month.total_cmp(&b.1.usd_per_month))
        .map(|(i, _)| i);
    feasible.or_else(|| options.len().checked_sub(1))
}

/// What set the primary's instance among the family's `options`: the
/// smallest, or what the next smaller one breaks, or `cost` when it is
/// feasible but dearer overall (more replicas); for an infeasible choice,
/// what it breaks.
fn instance_binding(options: &[DbOption], chosen: usize) -> String {
    let option = &options[chosen];
    if !option.feasible {
        return option.limits.join(" + ");
    }
    match chosen.checked_sub(1).map(|i| &options[i]) {
        None => format!("smallest-instance {}", option.primary.name),
        Some(smaller) if smaller.feasible => "cost".to_string(),
        Some(smaller) => smaller.limits.join(" + "),
    }
}

/// A cache or session tier sized first by `memory` (`by_memory` nodes hold
/// it): its `min-servers` binding is the memory's when that asks for more
/// than the model's `min`, both when they ask for the same.
pub(super) fn memory_binding(binding: &str, by_memory: u64, model_min: u64, memory: &str) -> String {
    let parts: Vec<String> = binding
        .split(" + ")
        .flat_map(|part| match part.starts_with("min-servers") {
            false => vec![part.to_string()],
            true if by_memory > model_min => vec![memory.to_string()],
            true if by_memory == model_min => vec![part.to_string(), memory.to_string()],
            true => vec![part.to_string()],
        })
        .collect();
    parts.join(" + ")
}

/// One shard's limits on one instance type, for its binding.
struct ShardLimits<'a> {
    instance: &'a Instance,
    /// What one shard takes at `u_max`, in `unit`.
    capacity: f64,
    unit: ShardUnit,
    /// One volume's bytes, and the bytes whose working set fits the pool.
    volume: f64,
    by_memory: f64,
}

/// A shard ceiling as a binding.
fn ceiling_binding(ceiling: &Ceiling) -> String {
    match ceiling {
        Ceiling::HotKey { .. } => "hot-key".to_string(),
        Ceiling::KeyBytes { .. } => "key-bytes".to_string(),
        Ceiling::ShardLimit { max_shards } => format!("max-shards {max_shards}"),
    }
}

/// One way to shard: an instance type and what it takes.
struct ShardOption {
    /// What set the shard count.
    binding: String,
    /// The keys and placement, and what one shard must hold and carry.
    layout: Layout,
    target: SizeTarget,
    instance: Instance,
    shards: u64,
    hottest_share: f64,
    ceiling: Option<String>,
    replicas: Vec<ReplicaDc>,
    feasible: bool,
    usd_per_month: f64,
}

/// A shard ceiling in human units.
fn describe_ceiling(ceiling: &Ceiling, unit: ShardUnit) -> String {
    let amount = |x: f64| match unit {
        ShardUnit::Writes => format!("{} writes", format_rate(x)),
        ShardUnit::Cores => format!("{x:.1} cores"),
    };
    match ceiling {
        Ceiling::HotKey {
            hot_key_rate_per_s,
            shard_capacity_rate_per_s,
        } => format!(
            "the hottest user alone needs {}, above what one shard takes ({}): sharding cannot split one key",
            amount(*hot_key_rate_per_s),
            amount(*shard_capacity_rate_per_s)
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backlog_of_a_square_day() {
        // 12 h at 2×mean, 12 h at 0, served at 1.5×mean: the queue grows by
        // 0.5·mean per second for 12 h, then drains at 1.5·mean per second.
        let mut profile = [0.0; 24];
        profile[..12].fill(2.0);
        let b = peak_backlog(10.0, 15.0, &profile);
        assert!((b.jobs - 5.0 * 12.0 * 3600.0).abs() < 1e-6, "{b:?}");
        let drain_s = 5.0 * 12.0 * 3600.0 / 15.0;
        assert!((b.drain_s - drain_s).abs() <= 60.0, "{b:?} vs {drain_s}");
    }
}

/// Replica sizings one thread remembers before starting afresh.
const REPLICA_MEMO_LEN: usize = 32;

thread_local! {
    /// Replica counts already sized on this thread: the stages of one plan
    /// that share a database, and the steps of a p99 search that leave
    /// its read path as it was, ask for the same one.
    static REPLICA_MEMO: crate::memo::Memo<Replication, ReplicaSizing> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// [`size_replica_count`], remembered by its exact inputs (a pure function
/// of them, so remembering changes no answer).
fn replica_count_remembered(tier: &Replication) -> Result<ReplicaSizing, ReplicationError> {
    crate::memo::try_remembered(&REPLICA_MEMO, REPLICA_MEMO_LEN, tier, || size_replica_count(tier))
}
