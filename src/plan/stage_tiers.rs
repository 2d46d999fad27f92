//! The tiers whose sizing needs more than their own streams: the cache
//! (memory and hit ratio), the replicated and sharded database, the
//! autoscaled web farm and the worker pool.

use super::demand::{self, streams, Stream};
use super::{dedup, StageContext, TierPlan};
use crate::cache::MemoryLayout;
use crate::cost::{self, Instance};
use crate::error::InputError;
use crate::model::{Scale, Tier, TierKind, WorkerSizing, DEFAULT_CACHE_FRACTION, DEFAULT_MAX_DB_STORAGE_BYTES};
use crate::quantity::{format_bytes, format_count, format_duration, format_rate};
use crate::queueing::Mmc;
use crate::replication::{size_replicas, ReplicaSizing, Replication};
use crate::sharding::{size_to, Ceiling, Layout, Placement, SizeTarget, Sizing as ShardSizing};

impl StageContext<'_> {
    /// The cache: nodes enough for `cache_fraction` of all cacheable bytes
    /// and for the operations; the hit ratio by Che's approximation (LRU)
    /// for the memory those nodes provide.
    pub(super) fn cache_tier(&mut self, tier: &Tier) -> Result<TierPlan, InputError> {
        let w = self.w();
        let instance = self.instance(tier)?;
        let layout =
            MemoryLayout::new(w.object_bytes).map_err(|e| InputError::new(format!("workload object_size: {e}")))?;
        let fraction = self.stage.cache_fraction.unwrap_or(DEFAULT_CACHE_FRACTION);
        let wanted_bytes = fraction * layout.bytes_for(w.cache_keys());
        let by_memory = (wanted_bytes / instance.memory_bytes()).ceil().max(tier.min as f64) as u64;
        let shared = self.shared;
        let hit = |nodes: u64| -> Result<f64, InputError> {
            let items = layout
                .items_in(nodes as f64 * instance.memory_bytes())
                .min(w.cache_keys());
            shared.lru_hit_ratio(w, items)
        };
        self.hit_ratio = hit(by_memory)?;
        let min_tier = Tier {
            min: by_memory,
            ..tier.clone()
        };
        let mut plan = self.plain_tier(&min_tier)?;
        // Nodes added for operations bring memory too: the hit ratio follows.
        let per_dc = plan.servers / self.data_centers();
        if per_dc > by_memory {
            self.hit_ratio = hit(per_dc)?;
        }
        plan.name = tier.name.clone();
        Ok(plan)
    }

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
        let by_memory = (bytes / instance.memory_bytes()).ceil().max(tier.min as f64) as u64;
        let with_memory = Tier {
            min: by_memory,
            ..tier.clone()
        };
        self.plain_tier(&with_memory)
    }

    /// The primary (global; the smallest instance of its family that takes
    /// the writes) and the read replicas in every data center, of the
    /// replica tier's own instance type (`same-as-primary` allowed), sized
    /// by the replica math (DESIGN §6). A replica promoted after a primary
    /// failure must take the writes at the failover ceiling: when the
    /// primary has outgrown the replicas' type, the stage is infeasible.
    pub(super) fn replicated_db(&mut self, tier: &Tier) -> Result<Vec<TierPlan>, InputError> {
        let writes = [Stream {
            rate_per_s: self.db_writes_per_s(),
            service_s: self.w().db_write_s,
        }];
        let family = self.family(tier)?;
        let fits = family
            .iter()
            .find(|inst| self.primary_fits(tier, inst, writes[0].rate_per_s));
        let instance = fits
            .or(family.last())
            .map(|inst| (*inst).clone())
            .ok_or_else(|| InputError::new("empty family"))?;
        self.primary = Some(instance.clone());
        let primary = self.primary_plan(tier, &instance, &writes, 1);
        let mut plans = vec![primary];
        if let Some(replica_tier) = self.stage.tier(TierKind::DbReplica) {
            let replica_instance = self.instance(replica_tier)?;
            let mut replicas = self.replicas_per_dc(&replica_instance, writes[0].rate_per_s, self.db_reads_per_s())?;
            self.check_promotion(&replica_instance, writes[0].rate_per_s, &mut replicas);
            plans.push(self.replica_plan(replica_tier, &replica_instance, &replicas, 1));
        }
        Ok(plans)
    }

    /// A promoted replica takes the primary's writes: it must do so under
    /// the failover ceiling.
    fn check_promotion(&self, replica: &Instance, writes_per_s: f64, per_dc: &mut [ReplicaDc]) {
        let promoted = writes_per_s * self.w().db_write_s / replica.vcpu as f64;
        if promoted <= self.targets().failover_util {
            return;
        }
        for dc in per_dc.iter_mut().filter(|dc| dc.sizing.feasible) {
            dc.sizing.feasible = false;
            dc.sizing.reason = format!(
                "a replica ({}) promoted after a primary failure would run the writes at {:.0}%, above the {:.0}% failover ceiling",
                replica.name,
                100.0 * promoted,
                100.0 * self.targets().failover_util
            );
        }
    }

    fn db_writes_per_s(&self) -> f64 {
        self.rates.db_writes_per_s(self.w())
    }

    fn db_reads_per_s(&self) -> f64 {
        self.rates.db_reads_per_s(self.w(), self.hit_ratio)
    }

    fn primary_fits(&self, tier: &Tier, inst: &Instance, writes_per_s: f64) -> bool {
        writes_per_s * self.w().db_write_s <= self.targets().max_util * tier.effective_cores(inst.vcpu)
    }

    /// Replica sizing per data center: each DC's share of the reads (and
    /// its failover share at the failover ceiling), every write applied.
    fn replicas_per_dc(
        &self,
        inst: &Instance,
        writes_per_s: f64,
        reads_per_s: f64,
    ) -> Result<Vec<ReplicaDc>, InputError> {
        let n_plus_one = self.stage.tier(TierKind::DbReplica).is_some_and(|t| t.n_plus_one);
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
            normal.max_utilization = self.targets().max_util;
            normal.failover_utilization = self.targets().failover_util;
            normal.n_plus_one = n_plus_one;
            let mut failover = normal.clone();
            failover.read_rate_per_s = reads_per_s * load.failover;
            failover.max_utilization = self.targets().failover_util;
            failover.n_plus_one = false;
            let err = |e: crate::replication::ReplicationError| InputError::new(format!("replica sizing: {e}"));
            let at_normal = size_replicas(&normal).map_err(err)?;
            let at_failover = size_replicas(&failover).map_err(err)?;
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
            // An infeasible answer has no meaningful count; report the most
            // replicas one primary may have, which no feasible answer exceeds.
            if !sizing.feasible {
                sizing.replicas = normal.max_replicas;
            }
            out.push(ReplicaDc { input: normal, sizing });
        }
        Ok(out)
    }

    /// `servers` database primaries of `inst`, each taking `writes` (the
    /// whole write stream for one primary, the hottest shard's for shards).
    fn primary_plan(&self, tier: &Tier, inst: &Instance, writes: &[Stream], servers: u64) -> TierPlan {
        let (rate, service) = demand::combine(writes);
        let queue = Mmc::new(rate, tier.service_on(service, inst.vcpu), inst.vcpu as u64).ok();
        let fits = self.primary_fits(tier, inst, rate);
        let storage = self.storage_problem(tier);
        let mut reasons = Vec::new();
        if !fits {
            reasons.push(format!(
                "largest instance {} ({} vCPU) would run at {:.0}% utilization on writes, above the {:.0}% ceiling",
                inst.name,
                inst.vcpu,
                100.0 * rate * service / tier.effective_cores(inst.vcpu),
                100.0 * self.targets().max_util
            ));
        }
        reasons.extend(storage.clone());
        TierPlan {
            name: tier.name.clone(),
            kind: tier.kind,
            instance: inst.name.clone(),
            servers,
            mean_servers: servers as f64,
            cores_per_server: inst.vcpu,
            arrival_rate_per_s: rate,
            service_time_s: service,
            queues: queue.into_iter().collect(),
            usd_per_month: cost::instances_usd_per_month(inst, servers as f64),
            unavailability: self.primary_unavailability(tier),
            spof: !self.has_standby(tier),
            scale: tier.scale,
            feasible: fits && storage.is_none(),
            reason: reasons.join("; "),
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
        let reasons = dedup(
            per_dc
                .iter()
                .map(|r| r.sizing.reason.clone())
                .filter(|r| !r.is_empty())
                .collect(),
        );
        let first = &per_dc[0];
        let reads: f64 = per_dc.iter().map(|r| r.sizing.read_rate_per_s).sum();
        TierPlan {
            name: tier.name.clone(),
            kind: tier.kind,
            instance: inst.name.clone(),
            servers,
            mean_servers: servers as f64,
            cores_per_server: inst.vcpu,
            arrival_rate_per_s: (reads + first.sizing.write_rate_per_s) * groups as f64,
            service_time_s: self.w().db_read_s,
            queues,
            usd_per_month: cost::instances_usd_per_month(inst, servers as f64),
            unavailability: self.replica_unavailability(first),
            spof: false,
            scale: Scale::Out,
            feasible: per_dc.iter().all(|r| r.sizing.feasible),
            reason: reasons.join("; "),
        }
    }

    /// k-of-n replicas, k the least count whose cores carry the DC's reads
    /// plus the apply tax at the failover ceiling.
    fn replica_unavailability(&self, dc: &ReplicaDc) -> f64 {
        let n = dc.sizing.replicas.max(1);
        let cores = dc.input.cores_per_replica as f64;
        let headroom = self.targets().failover_util * cores - dc.input.apply_load_cores();
        let read_cores = dc.sizing.read_rate_per_s * dc.input.read_time_s;
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
    pub(super) fn autoscaled_web(&self, tier: &Tier) -> Result<TierPlan, InputError> {
        let profile = demand::daily_profile(self.w().peak_factor);
        let mut hourly_servers = 0.0;
        for multiplier in profile {
            let rates = self.rates.scaled(multiplier / self.w().peak_factor);
            let s = streams(tier.kind, self.w(), self.stage, &rates, self.hit_ratio);
            hourly_servers += self.sized(tier, &s, None)?.servers as f64;
        }
        let s = streams(tier.kind, self.w(), self.stage, &self.rates, self.hit_ratio);
        self.sized(tier, &s, Some(hourly_servers / 24.0))
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
        Ok(plan)
    }
}

/// One data center's replica inputs and answer.
pub(super) struct ReplicaDc {
    input: Replication,
    sizing: ReplicaSizing,
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
    /// (DESIGN §6 skew) keeps its writes under `u_max` — on the primary's
    /// cores and, with replicas, on one apply thread — and its bytes under
    /// the volume limit, with replicas sized on the hottest shard's reads;
    /// the cheapest feasible type wins. A shard down takes out only its own
    /// users, so the tier's unavailability is one shard's (user-weighted).
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
        let primary_capacity = self.targets().max_util * tier.effective_cores(instance.vcpu) / w.db_write_s;
        let capacity = match self.stage.has(TierKind::DbReplica) {
            true => primary_capacity.min(self.apply_capacity_per_s()),
            false => primary_capacity,
        };
        let target = SizeTarget {
            total_rate_per_s: self.db_writes_per_s(),
            shard_capacity_rate_per_s: capacity,
            stored_bytes: w.stored_bytes(),
            shard_storage_bytes: Some(self.stage.max_db_storage.unwrap_or(DEFAULT_MAX_DB_STORAGE_BYTES)),
        };
        let err = |e: crate::sharding::ShardError| InputError::new(format!("shard sizing: {e}"));
        let (shards, hottest_share, ceiling) = match size_to(&layout, &target).map_err(err)? {
            ShardSizing::Fits(fit) if target.total_rate_per_s > 0.0 => {
                (fit.shards, fit.hottest_shard_rate_per_s / target.total_rate_per_s, None)
            }
            ShardSizing::Fits(fit) => (fit.shards, 1.0 / fit.shards as f64, None),
            ShardSizing::Infeasible(ceiling) => (1, 1.0, Some(describe_ceiling(&ceiling))),
        };
        let replicas = match self.stage.has(TierKind::DbReplica) {
            true => self.replicas_per_dc(
                &instance,
                self.db_writes_per_s() * hottest_share,
                self.db_reads_per_s() * hottest_share,
            )?,
            false => Vec::new(),
        };
        let copies = 1 + replicas.iter().map(|r| r.sizing.replicas).sum::<u64>();
        let feasible = ceiling.is_none() && replicas.iter().all(|r| r.sizing.feasible);
        Ok(ShardOption {
            usd_per_month: cost::instances_usd_per_month(&instance, (shards * copies) as f64),
            instance,
            shards,
            hottest_share,
            ceiling,
            replicas,
            feasible,
        })
    }

    fn shard_plans(&mut self, tier: &Tier, option: ShardOption) -> Vec<TierPlan> {
        let ShardOption {
            instance,
            shards,
            hottest_share,
            ceiling,
            replicas,
            ..
        } = option;
        self.shards = Some(shards);
        self.primary = Some(instance.clone());
        let writes = self.db_writes_per_s();
        let hottest = [Stream {
            rate_per_s: writes * hottest_share,
            service_s: self.w().db_write_s,
        }];
        let mut primary = self.primary_plan(tier, &instance, &hottest, shards);
        primary.arrival_rate_per_s = writes;
        if let Some(c) = ceiling {
            primary.feasible = false;
            primary.reason = c;
        }
        let mut plans = vec![primary];
        if let Some(replica_tier) = self.stage.tier(TierKind::DbReplica) {
            plans.push(self.replica_plan(replica_tier, &instance, &replicas, shards));
        }
        plans
    }

    /// Writes per second one replica's single apply thread takes at `u_max`.
    fn apply_capacity_per_s(&self) -> f64 {
        let w = self.w();
        self.targets().max_util / (w.db_write_s * w.replica_apply_factor).max(1e-300)
    }
}

/// One way to shard: an instance type and what it takes.
struct ShardOption {
    instance: Instance,
    shards: u64,
    hottest_share: f64,
    ceiling: Option<String>,
    replicas: Vec<ReplicaDc>,
    feasible: bool,
    usd_per_month: f64,
}

/// A shard ceiling in human units.
fn describe_ceiling(ceiling: &Ceiling) -> String {
    match ceiling {
        Ceiling::HotKey {
            hot_key_rate_per_s,
            shard_capacity_rate_per_s,
        } => format!(
            "the hottest user alone writes {}, above what one shard takes ({}): sharding cannot split one key",
            format_rate(*hot_key_rate_per_s),
            format_rate(*shard_capacity_rate_per_s)
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
