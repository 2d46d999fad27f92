//! Read replicas (DESIGN section 6): the primary takes the writes; `n`
//! replicas share the reads and each re-applies every write (the apply
//! tax). How many replicas the reads need, what a read waits on one, how
//! far replicas lag, and where replication stops helping.
//!
//! Model, per replica of `k` cores: reads arrive at `λ_r/n` with mean
//! service `S_r`; applied writes arrive at `λ_w` with mean service `α·S_w`
//! (the apply factor `α` is in write service-time units, as in DESIGN and
//! the lag model below). Both streams are Poisson, services exponential.

use crate::quantity::{format_duration, format_percent, format_rate};
use crate::queueing::Mmc;
use crate::search::{bisect_decreasing, least_count, Least};
use std::convert::Infallible;
use std::fmt;

/// Replicas one primary may have unless told otherwise: many managed
/// databases cap read replicas at 15.
pub const DEFAULT_MAX_REPLICAS: u64 = 15;
/// DESIGN default for `ρ ≤ u_max`.
pub const DEFAULT_MAX_UTILIZATION: f64 = 0.7;
/// DESIGN default for utilization with one replica down.
pub const DEFAULT_FAILOVER_UTILIZATION: f64 = 0.9;

/// The read-latency percentile a target applies to.
const READ_QUANTILE: f64 = 0.99;
/// The largest replica count the search tries before giving up.
const SEARCH_CAP: u64 = 1_000_000_000_000;

/// Why the replica tier could not be sized from the given numbers. Each
/// message names the command-line flag.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplicationError {
    ReadRate(f64),
    WriteRate(f64),
    ReadTime(f64),
    WriteTime(f64),
    /// Zero cores per replica.
    Cores,
    /// Zero cores on the primary.
    PrimaryCores,
    ApplyFactor(f64),
    MaxUtil(f64),
    FailoverUtil(f64),
    /// A maximum of zero replicas.
    MaxReplicas,
    P99Target(f64),
}

impl ReplicationError {
    /// The flag the error is about.
    pub fn flag(&self) -> &'static str {
        match self {
            ReplicationError::ReadRate(_) => "--read-rate",
            ReplicationError::WriteRate(_) => "--write-rate",
            ReplicationError::ReadTime(_) => "--read-time",
            ReplicationError::WriteTime(_) => "--write-time",
            ReplicationError::Cores => "--cores",
            ReplicationError::PrimaryCores => "--primary-cores",
            ReplicationError::ApplyFactor(_) => "--apply-factor",
            ReplicationError::MaxUtil(_) => "--max-util",
            ReplicationError::FailoverUtil(_) => "--failover-util",
            ReplicationError::MaxReplicas => "--max-replicas",
            ReplicationError::P99Target(_) => "--replica-p99",
        }
    }
}

impl fmt::Display for ReplicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = self.flag();
        match self {
            ReplicationError::ReadRate(v) | ReplicationError::WriteRate(v) => {
                write!(f, "{flag} must be a finite rate ≥ 0 per second, got {v}")
            }
            ReplicationError::ReadTime(v) | ReplicationError::WriteTime(v) | ReplicationError::P99Target(v) => {
                write!(f, "{flag} must be a finite time > 0, got {v}")
            }
            ReplicationError::Cores | ReplicationError::PrimaryCores | ReplicationError::MaxReplicas => {
                write!(f, "{flag} must be at least 1")
            }
            ReplicationError::ApplyFactor(v) => write!(f, "{flag} must be a finite factor > 0, got {v}"),
            ReplicationError::MaxUtil(v) | ReplicationError::FailoverUtil(v) => {
                write!(f, "{flag} must be a fraction in (0, 1], got {v}")
            }
        }
    }
}

impl std::error::Error for ReplicationError {}

/// The inputs of a primary with read replicas.
#[derive(Debug, Clone, PartialEq)]
pub struct Replication {
    /// Read queries per second reaching the database tier (`λ_r`).
    pub read_rate_per_s: f64,
    /// Write queries per second (`λ_w`), all to the primary.
    pub write_rate_per_s: f64,
    /// Mean core-seconds of one read (`S_r`).
    pub read_time_s: f64,
    /// Mean core-seconds of one write on the primary (`S_w`).
    pub write_time_s: f64,
    /// Cores per replica (`k`; the instance's vCPU).
    pub cores_per_replica: u32,
    /// Cores of the primary, which takes the writes only.
    pub primary_cores: u32,
    /// A replica spends `α·S_w` re-applying each write (`α`, default 1).
    pub apply_factor: f64,
    /// `u_max`: per-replica utilization ceiling (default 0.7).
    pub max_utilization: f64,
    /// `u_fo`: ceiling with one replica down (default 0.9).
    pub failover_utilization: f64,
    /// Require that the reads survive one replica failing.
    pub n_plus_one: bool,
    /// At least this many replicas (0 and 1 both mean one).
    pub min_replicas: u64,
    /// At most this many replicas (default 15); more is infeasible.
    pub max_replicas: u64,
    /// Where `max_replicas` came from, for reasons (`--max-replicas`, or a
    /// model key).
    pub max_replicas_source: &'static str,
    /// Parallel apply workers per replica (`w`, default 1).
    pub apply_workers: u32,
    /// Utilization ceiling of the apply workers (default: `max_utilization`).
    pub apply_max_utilization: Option<f64>,
    /// p99 of a read on a replica must not exceed this.
    pub p99_read_target_s: Option<f64>,
}

/// What the replica tier needs and delivers. Utilizations may exceed 1
/// in an infeasible answer; times are `None` where a queue is unstable.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSizing {
    pub read_rate_per_s: f64,
    pub write_rate_per_s: f64,
    /// The least count meeting every constraint (when feasible).
    pub replicas: u64,
    /// `(λ_r·S_r/n + α·λ_w·S_w) / k` at `replicas`.
    pub replica_utilization: f64,
    /// The apply tax alone, `α·λ_w·S_w / k`: the floor no count goes below.
    pub apply_utilization: f64,
    /// `λ_w·S_w / k_primary`. Reported, not constrained: sizing the
    /// primary's instance is the caller's job.
    pub primary_utilization: f64,
    /// Mean time a read spends on a replica (wait + own service).
    pub replica_mean_read_s: Option<f64>,
    /// 99th percentile of the same.
    pub replica_p99_read_s: Option<f64>,
    /// Mean replication lag: a write's sojourn in the apply workers'
    /// M/M/w; `None` when they cannot keep up.
    pub replication_lag_s: Option<f64>,
    /// Highest read rate `max_replicas` replicas carry at `u_max`.
    pub read_ceiling_per_s: f64,
    /// Utilization of the other `n − 1` replicas when one fails (`None`
    /// for a single replica).
    pub failover_replica_utilization: Option<f64>,
    /// Utilization of the `n − 1` replicas left when one is promoted to
    /// replace a failed primary (`None` for a single replica).
    pub promotion_replica_utilization: Option<f64>,
    /// Utilization of the promoted replica as the new primary.
    pub promoted_primary_utilization: f64,
    /// The constraint that set the count, with its limit (`max-util 70%`,
    /// `failover 90%`, `p99 10.0 ms`, `min-servers 1`, `stability`; several
    /// joined by ` + ` when `n − 1` breaks them all) or, when infeasible,
    /// the one that failed (`apply …`, `max-replicas 15`, `p99 …`).
    pub binding: String,
    pub feasible: bool,
    /// Empty when feasible; otherwise why, in plain sentences.
    pub reason: String,
}

impl Replication {
    /// A replica tier with the DESIGN defaults: `α = 1`, `u_max = 0.7`,
    /// `u_fo = 0.9`, no N+1, one replica minimum, at most
    /// [`DEFAULT_MAX_REPLICAS`], no latency target, and a primary with as
    /// many cores as a replica.
    pub fn new(
        read_rate_per_s: f64,
        write_rate_per_s: f64,
        read_time_s: f64,
        write_time_s: f64,
        cores_per_replica: u32,
    ) -> Replication {
        Replication {
            read_rate_per_s,
            write_rate_per_s,
            read_time_s,
            write_time_s,
            cores_per_replica,
            primary_cores: cores_per_replica,
            apply_factor: 1.0,
            max_utilization: DEFAULT_MAX_UTILIZATION,
            failover_utilization: DEFAULT_FAILOVER_UTILIZATION,
            n_plus_one: false,
            min_replicas: 1,
            max_replicas: DEFAULT_MAX_REPLICAS,
            max_replicas_source: "--max-replicas",
            apply_workers: 1,
            apply_max_utilization: None,
            p99_read_target_s: None,
        }
    }

    /// Checks every input; the error names the flag.
    pub fn validate(&self) -> Result<(), ReplicationError> {
        let rate_ok = |v: f64| v.is_finite() && v >= 0.0;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let fraction = |v: f64| v.is_finite() && v > 0.0 && v <= 1.0;
        let checks = [
            (
                rate_ok(self.read_rate_per_s),
                ReplicationError::ReadRate(self.read_rate_per_s),
            ),
            (
                rate_ok(self.write_rate_per_s),
                ReplicationError::WriteRate(self.write_rate_per_s),
            ),
            (positive(self.read_time_s), ReplicationError::ReadTime(self.read_time_s)),
            (
                positive(self.write_time_s),
                ReplicationError::WriteTime(self.write_time_s),
            ),
            (self.cores_per_replica > 0, ReplicationError::Cores),
            (self.primary_cores > 0, ReplicationError::PrimaryCores),
            (
                positive(self.apply_factor),
                ReplicationError::ApplyFactor(self.apply_factor),
            ),
            (
                fraction(self.max_utilization),
                ReplicationError::MaxUtil(self.max_utilization),
            ),
            (
                fraction(self.failover_utilization),
                ReplicationError::FailoverUtil(self.failover_utilization),
            ),
            (self.max_replicas > 0, ReplicationError::MaxReplicas),
            // Loads must stay finite so no result is infinite.
            (
                self.read_load_cores().is_finite(),
                ReplicationError::ReadRate(self.read_rate_per_s),
            ),
            (
                self.apply_load_cores().is_finite(),
                ReplicationError::WriteRate(self.write_rate_per_s),
            ),
        ];
        if let Some((_, error)) = checks.into_iter().find(|(ok, _)| !ok) {
            return Err(error);
        }
        match self.p99_read_target_s {
            Some(t) if !positive(t) => Err(ReplicationError::P99Target(t)),
            _ => Ok(()),
        }
    }

    fn cores(&self) -> f64 {
        self.cores_per_replica as f64
    }

    /// Cores all reads need, `λ_r·S_r`.
    fn read_load_cores(&self) -> f64 {
        self.read_rate_per_s * self.read_time_s
    }

    /// Mean core-seconds a replica spends applying one write, `α·S_w`.
    fn apply_time_s(&self) -> f64 {
        self.apply_factor * self.write_time_s
    }

    /// The apply tax in cores: what every replica spends replaying writes.
    ///
    /// ```text
    /// a_w = α · λ_w · S_w
    /// ```
    /// where `α` is the apply factor, `λ_w` the write rate and `S_w` the
    /// write service time. It does not shrink as replicas are added.
    pub fn apply_load_cores(&self) -> f64 {
        self.write_rate_per_s * self.apply_time_s()
    }

    /// Utilization of each of `n` replicas.
    ///
    /// ```text
    /// ρ(n) = (λ_r·S_r / n + α·λ_w·S_w) / k
    /// ```
    /// where `λ_r`, `S_r` are the read rate and time, `α·λ_w·S_w` the apply
    /// tax and `k` the cores per replica. `n = 0` is read as 1.
    pub fn replica_utilization(&self, replicas: u64) -> f64 {
        let n = replicas.max(1) as f64;
        (self.read_load_cores() / n + self.apply_load_cores()) / self.cores()
    }

    /// Utilization of the primary, which takes the writes only.
    ///
    /// ```text
    /// ρ_primary = λ_w · S_w / k_primary
    /// ```
    pub fn primary_utilization(&self) -> f64 {
        self.write_rate_per_s * self.write_time_s / self.primary_cores as f64
    }

    /// The highest read rate `max_replicas` replicas carry at `u_max`.
    ///
    /// ```text
    /// λ_r,max = (u_max·k − α·λ_w·S_w) · n_max / S_r,   or 0 if α·λ_w·S_w ≥ u_max·k
    /// ```
    /// where `n_max` is `max_replicas`. With unlimited replicas reads are
    /// unbounded while the apply tax is below the ceiling, so the ceiling
    /// is stated for the most replicas the primary may have. It counts the
    /// utilization constraint only (not N+1 or a latency target).
    pub fn read_ceiling_per_s(&self) -> f64 {
        let headroom_cores = self.max_utilization * self.cores() - self.apply_load_cores();
        if headroom_cores <= 0.0 {
            return 0.0;
        }
        headroom_cores * self.max_replicas as f64 / self.read_time_s
    }

    /// The apply stream: an M/M/w on the writes, `w` apply workers each
    /// replaying one write in `α·S_w`.
    pub fn apply_queue(&self) -> Option<Mmc> {
        Mmc::new(
            self.write_rate_per_s,
            self.apply_time_s(),
            self.apply_workers.max(1) as u64,
        )
        .ok()
    }

    /// Writes per second the apply workers replay at `u_max`, the same
    /// utilization rule as every other queue.
    ///
    /// ```text
    /// λ_w,max = u_max · w / (α·S_w)
    /// ```
    pub fn apply_capacity_per_s(&self) -> f64 {
        let ceiling = self.apply_max_utilization.unwrap_or(self.max_utilization);
        apply_capacity_per_s(ceiling, self.apply_workers, self.apply_time_s())
    }

    /// Mean replication lag: the sojourn time of a write in the apply
    /// stream's M/M/w.
    ///
    /// ```text
    /// lag = Wq(M/M/w) + α·S_w    (1/(μ_apply − λ_w) when w = 1)
    /// ```
    /// where `λ_w` is the write rate and `α·S_w` the apply time of one
    /// write. `None` when `λ_w ≥ w/(α·S_w)`: the replica falls behind
    /// without bound.
    pub fn replication_lag_s(&self) -> Option<f64> {
        self.apply_queue().and_then(|q| q.mean_response_s())
    }

    /// The `q`-quantile of the time a read spends on one of `n` replicas:
    /// its wait in the replica's queue plus its own service.
    ///
    /// ```text
    /// P(T_r > t) = (1−C)·e^{−μ_r t} + C·(θ·e^{−μ_r t} − μ_r·e^{−θ t}) / (θ − μ_r)
    /// ```
    /// where `μ_r = 1/S_r` (the read's own service), `C` is the Erlang C
    /// of the replica's M/M/k queue and `θ` the decay rate of its wait,
    /// `P(Wq > t) = C·e^{−θt}`. The replica queue mixes two exponential
    /// classes, so it is approximated (an approximation, not exact) as an
    /// M/G/k with the mixture's moments and Allen–Cunneen for the wait:
    ///
    /// ```text
    /// λ   = λ_r/n + λ_w                       (arrivals at one replica)
    /// S̄   = (λ_r/n·S_r + λ_w·αS_w) / λ        (rate-weighted mean service)
    /// s   = (λ_r/n·S_r² + λ_w·(αS_w)²) / (λ·S̄²) = (1 + cs²)/2
    /// C   = ErlangC(k, λ·S̄),   θ = (k − λ·S̄) / (S̄·s)
    /// ```
    /// For `k = 1` the mean wait `C/θ` is then exactly Pollaczek–Khinchine
    /// (plain M/M/k with `S̄` would get it wrong by a factor `s`, badly so
    /// when writes are much slower than reads); for `k > 1` it is the
    /// Allen–Cunneen approximation (within about 10 % of a simulation in
    /// the tests). The quantile is found by bisection to a relative width
    /// of 1e-13.
    ///
    /// Floor: the limit `n → ∞` (a replica that only replays writes) is an
    /// exact M/M/k, and the true read time cannot fall below it (fewer
    /// reads never lengthen a FIFO wait), so the result is the larger of
    /// the approximation and that limit.
    ///
    /// Accuracy against a seeded simulation (tests): mean and p99 within
    /// 3 % for apply times up to 2.5× the read time; p99 12 % low for
    /// `k = 1` with applies 20× slower at 40 % of the core. When applies are
    /// rare and far slower than reads (`αS_w ≥ 100·S_r` carrying about 1 %
    /// of the core, so the p99 falls on whether a write is in the way) the
    /// single-exponential tail is no guide: a probe found the p99 off by
    /// up to 4× either way, while the mean stayed within 10 %.
    /// `None` when the replica is saturated (`λ·S̄ ≥ k`) or `q` lies
    /// outside (0, 1).
    pub fn replica_read_quantile_s(&self, replicas: u64, q: f64) -> Option<f64> {
        if !(q > 0.0 && q < 1.0) {
            return None;
        }
        let quantile = |wait: ReplicaWait| wait.read_quantile_s(self.read_time_s, 1.0 - q);
        let approx = quantile(self.replica_wait(self.reads_per_replica(replicas))?);
        Some(
            self.replica_wait(0.0)
                .map_or(approx, |limit| approx.max(quantile(limit))),
        )
    }

    /// Mean time a read spends on one of `n` replicas, `Wq + S_r` with
    /// `Wq = C/θ` as in [`Replication::replica_read_quantile_s`] (and the
    /// same floor); `None` when the replica is saturated.
    pub fn replica_mean_read_s(&self, replicas: u64) -> Option<f64> {
        let mean = |wait: ReplicaWait| wait.p_wait / wait.decay_per_s + self.read_time_s;
        let approx = mean(self.replica_wait(self.reads_per_replica(replicas))?);
        Some(self.replica_wait(0.0).map_or(approx, |limit| approx.max(mean(limit))))
    }

    fn reads_per_replica(&self, replicas: u64) -> f64 {
        self.read_rate_per_s / replicas.max(1) as f64
    }

    /// The wait in a replica's queue carrying `reads_per_s` reads plus the
    /// apply stream; `None` when saturated.
    fn replica_wait(&self, reads_per_s: f64) -> Option<ReplicaWait> {
        let (queue, decay_per_s) = self.queue_at(reads_per_s)?;
        queue.is_stable().then(|| ReplicaWait {
            p_wait: queue.erlang_c(),
            decay_per_s,
        })
    }

    /// The queue one replica is when `replicas` share the reads: reads and
    /// applied writes on `k` cores, rate-weighted mean service, and the
    /// Allen–Cunneen stretch for the two-class mix (`cs² ≥ 1`).
    pub fn replica_queue(&self, replicas: u64) -> Option<Mmc> {
        self.queue_at(self.reads_per_replica(replicas)).map(|(queue, _)| queue)
    }

    /// The replica queue at `reads_per_s` and the decay rate of its wait.
    fn queue_at(&self, reads_per_s: f64) -> Option<(Mmc, f64)> {
        let (read_s, apply_s) = (self.read_time_s, self.apply_time_s());
        let arrivals_per_s = reads_per_s + self.write_rate_per_s;
        let load = reads_per_s * read_s + self.write_rate_per_s * apply_s;
        let (mean_s, half_second_moment) = if arrivals_per_s > 0.0 {
            let second = reads_per_s * read_s * read_s + self.write_rate_per_s * apply_s * apply_s;
            (load / arrivals_per_s, second / arrivals_per_s)
        } else {
            (read_s, read_s * read_s)
        };
        // (1 + cs²)/2, divided in two steps so tiny times cannot underflow.
        let scale = (half_second_moment / mean_s / mean_s).max(1.0);
        let cs = (2.0 * scale - 1.0).sqrt();
        let queue = Mmc::new(arrivals_per_s, mean_s, self.cores_per_replica as u64)
            .and_then(|q| q.with_variability(1.0, cs))
            .ok()?;
        Some((queue, (self.cores() - load) / (mean_s * scale)))
    }

    /// The p99 a read sees as `n → ∞`: a replica carrying only the apply
    /// stream (plain M/M/k on `λ_w`, `αS_w`), plus the read's own service.
    fn p99_read_floor_s(&self) -> Option<f64> {
        let wait = self.replica_wait(0.0)?;
        Some(wait.read_quantile_s(self.read_time_s, 1.0 - READ_QUANTILE))
    }

    /// The first constraint `n` replicas break (its key), or `None` when
    /// all hold.
    fn violation(&self, replicas: u64, with_target: bool) -> Option<&'static str> {
        self.broken(replicas, with_target, true).first().copied()
    }

    /// Every constraint `n` replicas break: its key (`min-servers`,
    /// `max-util`, `stability`, `failover`, `p99`) and the key with its limit.
    fn violations(&self, replicas: u64, with_target: bool) -> Vec<(&'static str, String)> {
        self.broken(replicas, with_target, false)
            .into_iter()
            .map(|key| (key, self.limit_text(key)))
            .collect()
    }

    /// The keys of the constraints `n` replicas break, in the order above;
    /// with `first_only`, at most the first (the search asks for no more,
    /// and the p99 is the costly check).
    fn broken(&self, replicas: u64, with_target: bool, first_only: bool) -> Vec<&'static str> {
        let mut broken = Vec::new();
        let done = |broken: &Vec<&'static str>| first_only && !broken.is_empty();
        if replicas < self.min_replicas.max(1) {
            broken.push("min-servers");
        }
        let utilization = self.replica_utilization(replicas);
        if utilization > self.max_utilization {
            broken.push("max-util");
        }
        if utilization >= 1.0 {
            broken.push("stability");
        }
        if self.n_plus_one && (replicas < 2 || self.replica_utilization(replicas - 1) > self.failover_utilization) {
            broken.push("failover");
        }
        if done(&broken) {
            return broken;
        }
        if let Some(target_s) = self.p99_read_target_s.filter(|_| with_target) {
            if self
                .replica_read_quantile_s(replicas, READ_QUANTILE)
                .is_none_or(|t| t > target_s)
            {
                broken.push("p99");
            }
        }
        broken
    }

    /// A broken constraint's key with its limit: `max-util 70%`.
    fn limit_text(&self, key: &'static str) -> String {
        match key {
            "min-servers" => format!("min-servers {}", self.min_replicas.max(1)),
            "max-util" => format!("max-util {}", format_percent(self.max_utilization)),
            "failover" => format!("failover {}", format_percent(self.failover_utilization)),
            "p99" => format!(
                "p99 {}",
                self.p99_read_target_s.map_or_else(String::new, format_duration)
            ),
            other => other.to_string(),
        }
    }

    /// What set a least count: every constraint `n − 1` breaks (`stability`
    /// alone when `n − 1` is saturated), `min-servers` at the minimum.
    fn binding_at(&self, replicas: u64, with_target: bool) -> String {
        let floor = self.min_replicas.max(1);
        if replicas <= floor {
            return format!("min-servers {floor}");
        }
        let broken = self.violations(replicas - 1, with_target);
        if let Some((_, stability)) = broken.iter().find(|(key, _)| *key == "stability") {
            return stability.clone();
        }
        let parts: Vec<String> = broken.into_iter().map(|(_, text)| text).collect();
        match parts.is_empty() {
            true => format!("min-servers {floor}"),
            false => parts.join(" + "),
        }
    }

    /// The least count that meets the constraints: gallop up from the
    /// minimum until all hold, then bisect back. `Err` names the
    /// constraint still broken at [`SEARCH_CAP`].
    fn least_replicas(&self, with_target: bool) -> Result<(u64, String), &'static str> {
        let floor = self.min_replicas.max(1);
        let found = least_count(floor, SEARCH_CAP, |n| {
            Ok::<_, Infallible>(self.violation(n, with_target))
        });
        let passing = match found {
            Ok(Least::Found(n)) => n,
            Ok(Least::Capped { violation, .. }) => return Err(violation),
            Err(never) => match never {},
        };
        Ok((passing, self.binding_at(passing, with_target)))
    }

    /// The count the count-only constraints ask for (minimum, N+1's two).
    fn count_floor(&self) -> u64 {
        let floor = self.min_replicas.max(1);
        if self.n_plus_one {
            floor.max(2)
        } else {
            floor
        }
    }

    /// The p99 read target as a binding: `p99 10.0 ms`.
    fn p99_binding(&self) -> String {
        let target = self.p99_read_target_s.map_or_else(String::new, format_duration);
        format!("p99 {target}").trim_end().to_string()
    }

    /// Why no count can work when the apply tax alone breaks a ceiling.
    fn apply_ceiling(&self) -> Option<(&'static str, String)> {
        let apply = self.apply_load_cores() / self.cores();
        let breaks = |ceiling: f64| apply >= ceiling;
        if breaks(self.max_utilization) {
            return Some((
                "apply",
                format!(
                    "writes alone keep every replica at {} — at or above the {} ceiling; more replicas cannot help: shard the writes",
                    format_percent(apply),
                    format_percent(self.max_utilization)
                ),
            ));
        }
        (self.n_plus_one && breaks(self.failover_utilization)).then(|| {
            (
                "apply",
                format!(
                    "writes alone keep every replica at {} — at or above the {} failover ceiling; no replica count survives a failure: shard the writes",
                    format_percent(apply),
                    format_percent(self.failover_utilization)
                ),
            )
        })
    }

    /// Why a p99 target is out of reach when it is at or below the read's
    /// own p99, `S_r·ln 100`, which no queue can beat.
    fn target_below_service(&self) -> Option<String> {
        let target_s = self.p99_read_target_s?;
        let floor_s = self.read_time_s * (1.0 / (1.0 - READ_QUANTILE)).ln();
        (target_s <= floor_s).then(|| {
            format!(
                "replica p99 read target {} is at or below {}, the p99 of the read's own service (mean {}): no replica count can meet it",
                format_duration(target_s),
                format_duration(floor_s),
                format_duration(self.read_time_s)
            )
        })
    }

    /// Why the search met no count for the p99 target.
    fn target_not_met(&self) -> String {
        let target = self.p99_read_target_s.map_or_else(String::new, format_duration);
        let limit = self
            .p99_read_floor_s()
            .map_or_else(|| "no finite p99".to_string(), format_duration);
        format!(
            "replica p99 read target {target} is not met by any count up to {SEARCH_CAP} replicas: a replica that only replays writes already gives {limit}; no replica count can meet it"
        )
    }

    fn sizing(&self, replicas: u64, binding: &str, reasons: Vec<String>, latency: ReadLatency) -> ReplicaSizing {
        let computed = latency == ReadLatency::Computed;
        let pair = (replicas >= 2).then(|| self.replica_utilization(replicas - 1));
        let promoted_load = if replicas >= 2 {
            self.write_rate_per_s * self.write_time_s
        } else {
            self.write_rate_per_s * self.write_time_s + self.read_load_cores()
        };
        ReplicaSizing {
            read_rate_per_s: self.read_rate_per_s,
            write_rate_per_s: self.write_rate_per_s,
            replicas,
            replica_utilization: self.replica_utilization(replicas),
            apply_utilization: self.apply_load_cores() / self.cores(),
            primary_utilization: self.primary_utilization(),
            replica_mean_read_s: self.replica_mean_read_s(replicas).filter(|_| computed),
            replica_p99_read_s: computed
                .then(|| self.replica_read_quantile_s(replicas, READ_QUANTILE))
                .flatten(),
            replication_lag_s: self.replication_lag_s(),
            read_ceiling_per_s: self.read_ceiling_per_s(),
            failover_replica_utilization: pair,
            promotion_replica_utilization: pair,
            promoted_primary_utilization: promoted_load / self.cores(),
            binding: binding.to_string(),
            feasible: reasons.is_empty(),
            reason: reasons.join("; "),
        }
    }
}

/// The wait in one replica's queue: `P(Wq > t) = p_wait·e^{−decay·t}`.
#[derive(Debug, Clone, Copy)]
struct ReplicaWait {
    p_wait: f64,
    decay_per_s: f64,
}

impl ReplicaWait {
    /// `P(Wq + X > t)` with `X ~ Exp(mean read_s)`; the second term is
    /// evaluated as `e^{−m t}·(1 + m·g)`, `m = min(θ, μ)`, `d = |θ − μ|`,
    /// `g = (1 − e^{−d t})/d`, free of cancellation near `θ = μ`.
    fn read_survival(&self, read_s: f64, t: f64) -> f64 {
        if t <= 0.0 {
            return 1.0;
        }
        let (mu, theta, c) = (1.0 / read_s, self.decay_per_s, self.p_wait);
        let (m, d) = (mu.min(theta), (mu - theta).abs());
        let g = if d * t > 1e-300 { -(-d * t).exp_m1() / d } else { t };
        let waited = (-m * t).exp() * (1.0 + m * g);
        ((1.0 - c) * (-mu * t).exp() + c * waited).clamp(0.0, 1.0)
    }

    /// The `t` with `P(Wq + X > t) = tail`, by bisection between the read's
    /// own quantile and the sum of the two half-tail quantiles.
    fn read_quantile_s(&self, read_s: f64, tail: f64) -> f64 {
        let half = 0.5 * tail;
        let wait_half_s = if half >= self.p_wait {
            0.0
        } else {
            (self.p_wait / half).ln() / self.decay_per_s
        };
        let (low, high) = (read_s * (1.0 / tail).ln(), read_s * (1.0 / half).ln() + wait_half_s);
        bisect_decreasing(|t| self.read_survival(read_s, t) - tail, low, high)
    }
}

/// Writes per second `workers` apply workers replay at utilization
/// `max_utilization`, each write taking `apply_time_s`:
/// `λ_w,max = u_max·w / (α·S_w)`. One implementation for replicas of a
/// primary and of each shard.
pub fn apply_capacity_per_s(max_utilization: f64, workers: u32, apply_time_s: f64) -> f64 {
    max_utilization * workers.max(1) as f64 / apply_time_s.max(1e-300)
}

/// Why the apply workers cannot keep up, in plain words.
fn apply_reason(tier: &Replication) -> String {
    let workers = tier.apply_workers.max(1);
    format!(
        "{workers} apply worker{} replay at most {} writes at the {} ceiling but {} arrive: replicas fall behind (raise replica_apply_workers, or shard the writes)",
        if workers == 1 { "" } else { "s" },
        format_rate(tier.apply_capacity_per_s()),
        format_percent(tier.apply_max_utilization.unwrap_or(tier.max_utilization)),
        format_rate(tier.write_rate_per_s)
    )
}

/// How many read replicas the tier needs, and what they deliver.
///
/// ```text
/// n* = min { n ≥ max(n_min, 1) : ρ(n) ≤ u_max ∧ ρ(n) < 1
///            ∧ (N+1 ⇒ n ≥ 2 ∧ ρ(n−1) ≤ u_fo)
///            ∧ T_r,p99(n) ≤ target }
/// ρ(n) = (λ_r·S_r / n + α·λ_w·S_w) / k
/// ```
/// where `λ_r`, `λ_w` are the read and write rates, `S_r`, `S_w` their
/// service times, `α` the apply factor, `k` the cores per replica and
/// `T_r,p99` the replica read p99 of
/// [`Replication::replica_read_quantile_s`]. The search gallops up from
/// the minimum and bisects back, so `n*` passes and `n* − 1` breaks a
/// constraint; it gives up at 10¹² replicas. Utilization and N+1 are
/// monotone in `n`. The approximate p99 is not always (the true one is):
/// over a probe grid it never rose with `n` for `αS_w ≤ 5·S_r`, rose at
/// most 9 % for `αS_w ≤ 20·S_r`, and far more for rare applies 100×
/// slower than reads; with a p99 target `n*` is then least only locally.
///
/// ```
/// use scaleplan::replication::{size_replicas, Replication};
/// // 1000 reads/s at 2 ms, 100 writes/s at 5 ms, 4-core replicas:
/// // (2/n + 0.5)/4 ≤ 0.7 holds at n = 1; N+1 asks for a second.
/// let mut tier = Replication::new(1000.0, 100.0, 0.002, 0.005, 4);
/// tier.n_plus_one = true;
/// let sizing = size_replicas(&tier).unwrap();
/// assert_eq!(sizing.replicas, 2);
/// assert!((sizing.failover_replica_utilization.unwrap() - 0.625).abs() < 1e-12);
/// ```
///
/// Infeasible (`feasible = false`, with a reason) when:
/// - the apply tax alone reaches the ceiling, `α·λ_w·S_w ≥ u_max·k` (or
///   `≥ u_fo·k` with N+1): no count helps; `replicas` is then the least
///   count the minimum and N+1 ask for;
/// - no count meets the p99 target: it is at or below the read's own
///   `S_r·ln 100`, or the search reaches 10¹² without meeting it (the
///   p99 then tends to that of a replica that only replays writes);
///   `replicas` then meets the other constraints;
/// - `n*` exceeds `max_replicas` (reads above `read_ceiling_per_s`);
/// - the apply workers cannot keep up at `u_max`, `λ_w·α·S_w > u_max·w`.
pub fn size_replicas(tier: &Replication) -> Result<ReplicaSizing, ReplicationError> {
    size_replicas_with(tier, ReadLatency::Computed)
}

/// As [`size_replicas`], without the read latency at the answer
/// (`replica_mean_read_s` and `replica_p99_read_s` are `None`): what a
/// planner weighing many instance types reads, a quantile solve cheaper.
/// Every other field is [`size_replicas`]'s.
pub fn size_replica_count(tier: &Replication) -> Result<ReplicaSizing, ReplicationError> {
    size_replicas_with(tier, ReadLatency::Skipped)
}

/// Whether a sizing carries the read latency at its answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ReadLatency {
    Computed,
    Skipped,
}

fn size_replicas_with(tier: &Replication, latency: ReadLatency) -> Result<ReplicaSizing, ReplicationError> {
    tier.validate()?;
    if let Some((binding, reason)) = tier.apply_ceiling() {
        return Ok(tier.sizing(tier.count_floor(), binding, vec![reason], latency));
    }
    let mut reasons = Vec::new();
    let hopeless = tier.target_below_service();
    let search = match tier.least_replicas(hopeless.is_none()) {
        // Every other constraint holds at the cap: size for those alone.
        Err("p99") => {
            reasons.push(tier.target_not_met());
            tier.least_replicas(false).map(|(n, _)| (n, tier.p99_binding()))
        }
        other => other,
    };
    let (replicas, mut binding) = match search {
        Ok(found) => found,
        Err(name) => {
            reasons.push(format!("{name} still not met at {SEARCH_CAP} replicas"));
            (SEARCH_CAP, name.to_string())
        }
    };
    if let Some(reason) = hopeless {
        reasons.push(reason);
        binding = tier.p99_binding();
    }
    if replicas > tier.max_replicas {
        binding = format!("max-replicas {}", tier.max_replicas);
        reasons.push(format!(
            "needs {replicas} replicas, more than the {} one primary may have ({}): reads above {} need a cache or shards",
            tier.max_replicas,
            tier.max_replicas_source,
            format_rate(tier.read_ceiling_per_s())
        ));
    }
    if tier.write_rate_per_s > tier.apply_capacity_per_s() {
        binding = format!("apply {}", format_rate(tier.apply_capacity_per_s()));
        reasons.push(apply_reason(tier));
    }
    Ok(tier.sizing(replicas, &binding, reasons, latency))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `tier` with the constraint `key` relaxed.
    fn relaxed(tier: &Replication, key: &str) -> Replication {
        let mut t = tier.clone();
        match key {
            "max-util" => t.max_utilization = 1.0,
            "failover" => t.n_plus_one = false,
            "min-servers" => t.min_replicas = 1,
            "p99" => t.p99_read_target_s = None,
            other => panic!("unexpected binding {other}"),
        }
        t
    }

    fn replicas_of(tier: &Replication) -> u64 {
        size_replicas(tier).unwrap().replicas
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Relaxing the constraint a replica count names alone allows fewer
        /// replicas; relaxing any other alone does not; a tie names all.
        #[test]
        fn the_binding_alone_holds_the_replica_count(
            reads in 10.0f64..2e5,
            writes in 0.0f64..2000.0,
            read_s in 2e-4f64..0.01,
            write_s in 2e-4f64..0.01,
            cores in prop::sample::select(vec![2u32, 4, 8, 16, 32]),
            util in 0.4f64..0.9,
            fo in 0.0f64..0.1,
            n1 in prop::bool::ANY,
            min in 1u64..4,
            target in prop::option::of(1.2f64..6.0),
        ) {
            let mut tier = Replication::new(reads, writes, read_s, write_s, cores);
            tier.apply_factor = 0.1;
            tier.apply_workers = 4;
            tier.max_utilization = util;
            tier.failover_utilization = (util + fo).min(1.0);
            tier.n_plus_one = n1;
            tier.min_replicas = min;
            tier.max_replicas = 1_000_000;
            tier.p99_read_target_s = target.map(|f| f * read_s * 100f64.ln());
            let sizing = size_replicas(&tier).unwrap();
            prop_assume!(sizing.feasible);
            let n = sizing.replicas;
            let named: Vec<&str> = sizing.binding.split(" + ").map(|b| b.split(' ').next().unwrap()).collect();
            if named == ["stability"] {
                prop_assert!(tier.replica_utilization(n - 1) >= 1.0);
                return Ok(());
            }
            if n <= tier.min_replicas.max(1) {
                prop_assert_eq!(named, vec!["min-servers"]);
                return Ok(());
            }
            // The approximate p99 is only locally monotone (see size_replicas).
            prop_assume!(tier.p99_read_target_s.is_none() || tier.apply_factor * write_s <= 5.0 * read_s);
            let all = named.iter().fold(tier.clone(), |t, k| relaxed(&t, k));
            prop_assert!(replicas_of(&all) < n, "relaxing {:?}", named);
            for key in &named {
                let fewer = replicas_of(&relaxed(&tier, key)) < n;
                prop_assert_eq!(fewer, named.len() == 1, "{} alone of {}", key, sizing.binding);
            }
            let mut others = vec!["max-util", "min-servers"];
            if n1 { others.push("failover"); }
            if target.is_some() { others.push("p99"); }
            for other in others.into_iter().filter(|k| !named.contains(k)) {
                prop_assert_eq!(replicas_of(&relaxed(&tier, other)), n, "relaxing {}", other);
            }
        }
    }

    fn assert_close(actual: f64, expected: f64, rel_tol: f64, what: &str) {
        let err = ((actual - expected) / expected).abs();
        assert!(
            err <= rel_tol,
            "{what}: got {actual}, expected {expected}, rel err {err:e} > {rel_tol:e}"
        );
    }

    /// λ_r = 1000/s, S_r = 2 ms, λ_w = 100/s, S_w = 5 ms, k = 4.
    #[test]
    fn the_count_alone_is_the_full_sizing_without_read_latency() {
        for (reads, writes, target) in [(40_000.0, 2_000.0, None), (900.0, 50.0, Some(0.02)), (1e6, 9e4, None)] {
            let mut tier = example();
            (tier.read_rate_per_s, tier.write_rate_per_s, tier.p99_read_target_s) = (reads, writes, target);
            let full = size_replicas(&tier).unwrap();
            let count = size_replica_count(&tier).unwrap();
            assert_eq!((count.replica_mean_read_s, count.replica_p99_read_s), (None, None));
            let stripped = ReplicaSizing {
                replica_mean_read_s: None,
                replica_p99_read_s: None,
                ..full
            };
            assert_eq!(count, stripped);
        }
    }

    fn example() -> Replication {
        Replication::new(1000.0, 100.0, 0.002, 0.005, 4)
    }

    #[test]
    fn utilizations_by_hand() {
        // Reads need 1000·0.002 = 2 cores, the apply tax 100·0.005 = 0.5.
        let r = example();
        assert_close(r.apply_load_cores(), 0.5, 1e-12, "apply tax");
        assert_close(r.replica_utilization(1), 2.5 / 4.0, 1e-12, "n=1");
        assert_close(r.replica_utilization(2), 1.5 / 4.0, 1e-12, "n=2");
        assert_close(r.replica_utilization(5), 0.9 / 4.0, 1e-12, "n=5");
        assert_close(r.primary_utilization(), 0.125, 1e-12, "primary");
        let mut slow_apply = example();
        slow_apply.apply_factor = 1.5;
        slow_apply.primary_cores = 2;
        // 2/2 + 1.5·0.5 = 1.75 cores of 4; the primary still pays 0.5 of 2.
        assert_close(slow_apply.replica_utilization(2), 1.75 / 4.0, 1e-12, "α=1.5");
        assert_close(slow_apply.primary_utilization(), 0.25, 1e-12, "primary α=1.5");
    }

    #[test]
    fn known_counts_by_hand() {
        // Need (2/n + 0.5)/4 ≤ 0.7 ⇔ 2/n ≤ 2.3 ⇔ n ≥ 0.87 → n = 1 (ρ = 0.625).
        let one = size_replicas(&example()).unwrap();
        assert_eq!(one.replicas, 1);
        assert!(one.feasible && one.reason.is_empty());
        assert_close(one.replica_utilization, 0.625, 1e-12, "ρ(1)");
        assert_eq!(one.failover_replica_utilization, None);
        assert_eq!(one.promotion_replica_utilization, None);
        // A lone replica promoted takes reads and writes: (2 + 0.5)/4.
        assert_close(one.promoted_primary_utilization, 0.625, 1e-12, "promoted alone");
        // N+1 needs two; with one down the other is at 0.625 ≤ 0.9.
        let mut n1 = example();
        n1.n_plus_one = true;
        let two = size_replicas(&n1).unwrap();
        assert_eq!((two.replicas, two.binding.as_str()), (2, "failover 90.0%"));
        assert_close(two.replica_utilization, 0.375, 1e-12, "ρ(2)");
        assert_close(two.failover_replica_utilization.unwrap(), 0.625, 1e-12, "failover");
        assert_close(two.promotion_replica_utilization.unwrap(), 0.625, 1e-12, "promotion");
        // The promoted replica pays the full write cost: 100·0.005/4.
        assert_close(two.promoted_primary_utilization, 0.125, 1e-12, "promoted");
        // Ten times the reads: 20/n + 0.5 ≤ 2.8 ⇔ n ≥ 8.70 → 9 (n = 8 is at 0.75).
        let mut busy = example();
        busy.read_rate_per_s = 10_000.0;
        let nine = size_replicas(&busy).unwrap();
        assert_eq!((nine.replicas, nine.binding.as_str()), (9, "max-util 70.0%"));
        assert_close(nine.replica_utilization, (20.0 / 9.0 + 0.5) / 4.0, 1e-12, "ρ(9)");
        // The read ceiling at 15 replicas: (2.8 − 0.5)·15 / 0.002 = 17 250/s.
        assert_close(nine.read_ceiling_per_s, 17_250.0, 1e-12, "ceiling");
        // A minimum above the need binds.
        busy.min_replicas = 12;
        let twelve = size_replicas(&busy).unwrap();
        assert_eq!((twelve.replicas, twelve.binding.as_str()), (12, "min-servers 12"));
    }

    #[test]
    fn apply_tax_at_the_ceiling_is_infeasible() {
        // 100 writes/s at 33.3 ms: 3.33 cores of 4 = 83.3 % > 70 %.
        let mut r = example();
        r.write_time_s = 0.1 / 3.0;
        let s = size_replicas(&r).unwrap();
        assert!(!s.feasible);
        assert_eq!(s.binding, "apply");
        assert!(s.reason.contains("83.3%") && s.reason.contains("70.0%"), "{}", s.reason);
        assert!(
            s.reason.contains("more replicas cannot help: shard the writes"),
            "{}",
            s.reason
        );
        assert_eq!(s.read_ceiling_per_s, 0.0);
        assert_eq!(s.replicas, 1);
        // With N+1 a failover ceiling below the apply tax is fatal too:
        // 3.4 cores of 4 = 85 %, under u_max = 0.9 but over u_fo = 0.8.
        let mut fo = example();
        fo.write_time_s = 0.034;
        fo.max_utilization = 0.9;
        fo.failover_utilization = 0.8;
        fo.n_plus_one = true;
        let s = size_replicas(&fo).unwrap();
        assert!(!s.feasible && s.binding == "apply", "{s:?}");
        assert!(s.reason.contains("failover ceiling"), "{}", s.reason);
        assert_eq!(s.replicas, 2);
    }

    #[test]
    fn lag_is_mm1_on_the_write_stream() {
        // μ_apply = 1/(1·5 ms) = 200/s, λ_w = 100/s: lag = 1/100 s.
        let r = example();
        assert_close(r.replication_lag_s().unwrap(), 0.01, 1e-12, "α=1");
        // α = 1.5: μ = 133.3/s, lag = 1/33.3 = 30 ms.
        let mut slow = example();
        slow.apply_factor = 1.5;
        assert_close(slow.replication_lag_s().unwrap(), 0.03, 1e-12, "α=1.5");
        // The same number from the M/M/1 mean response W = 1/(μ − λ).
        let mm1 = Mmc::new(100.0, 0.0075, 1).unwrap();
        assert_close(
            slow.replication_lag_s().unwrap(),
            mm1.mean_response_s().unwrap(),
            1e-12,
            "vs Mmc",
        );
        // No writes: one apply time.
        let mut idle = example();
        idle.write_rate_per_s = 0.0;
        assert_close(idle.replication_lag_s().unwrap(), 0.005, 1e-12, "idle");
    }

    #[test]
    fn apply_thread_that_cannot_keep_up_is_infeasible() {
        // 250 writes/s at 5 ms each: 1.25 cores for one apply worker, which
        // replays at most 0.7/5 ms = 140/s at the 70 % ceiling, though it is
        // only 31 % of a 4-core replica. Utilization alone asks for 2
        // replicas: (2/2 + 1.25)/4 = 0.56 (n = 1: 0.81).
        let mut r = example();
        r.write_rate_per_s = 250.0;
        let s = size_replicas(&r).unwrap();
        assert_eq!(s.replication_lag_s, None);
        assert!(!s.feasible && s.binding == "apply 140/s", "{s:?}");
        assert!(s.reason.contains("fall behind"), "{}", s.reason);
        assert!(s.reason.contains("140/s") && s.reason.contains("250/s"), "{}", s.reason);
        assert_eq!(s.replicas, 2);
    }

    #[test]
    fn parallel_apply_workers_keep_up_and_lag_is_mmw() {
        // Four workers replay 4·0.7/5 ms = 560/s at the ceiling: 250/s fits.
        // Lag = M/M/4 sojourn at λ = 250/s, S = 5 ms: C = 0.0422183193731
        // and W = 5.07676058067844 ms (mpmath, 30 digits, B recursion).
        let mut r = example();
        r.write_rate_per_s = 250.0;
        r.apply_workers = 4;
        assert_close(r.apply_capacity_per_s(), 560.0, 1e-12, "capacity");
        let s = size_replicas(&r).unwrap();
        assert!(s.feasible, "{}", s.reason);
        assert_close(s.replication_lag_s.unwrap(), 0.005_076_760_580_678_44, 1e-9, "lag");
    }

    #[test]
    fn more_than_max_replicas_is_infeasible() {
        let mut r = example();
        // Just under the 17 250/s ceiling fits in 15 replicas; just over needs 16.
        r.read_rate_per_s = 17_240.0;
        let at = size_replicas(&r).unwrap();
        assert!(at.feasible && at.replicas == 15, "{at:?}");
        r.read_rate_per_s = 17_260.0;
        let over = size_replicas(&r).unwrap();
        assert_eq!(over.replicas, 16);
        assert!(
            !over.feasible && over.reason.contains("--max-replicas"),
            "{}",
            over.reason
        );
        assert!(over.reason.contains("17,250/s"), "{}", over.reason);
    }

    /// (k, reads per replica, S_r, writes, S_w, mean read, p99 read) from
    /// tests/reference/replication_reference.py part 1 (mpmath, 50 digits).
    const MODEL: [(u32, f64, f64, f64, f64, f64, f64); 5] = [
        (
            4,
            1000.0,
            0.002,
            100.0,
            0.005,
            0.002554418287273968,
            0.010760172308982786,
        ),
        (1, 300.0, 0.001, 20.0, 0.02, 0.028666666666666669, 0.16892958482850735),
        (
            8,
            2000.0,
            0.003,
            200.0,
            0.004,
            0.004487556541656411,
            0.017289487460484202,
        ),
        (2, 0.0, 0.002, 100.0, 0.005, 0.0023333333333333334, 0.011592036550319401),
        (16, 500.0, 0.01, 50.0, 0.02, 0.010000623862888258, 0.046052408094815437),
    ];

    #[test]
    fn read_latency_matches_the_model_computed_in_mpmath() {
        for &(k, reads, read_s, writes, write_s, mean_s, p99_s) in &MODEL {
            let r = Replication::new(reads, writes, read_s, write_s, k);
            let what = format!("k={k} reads={reads}");
            assert_close(r.replica_mean_read_s(1).unwrap(), mean_s, 1e-9, &format!("mean {what}"));
            assert_close(
                r.replica_read_quantile_s(1, 0.99).unwrap(),
                p99_s,
                1e-9,
                &format!("p99 {what}"),
            );
        }
    }

    /// Read sojourn on one replica: (mean, its 95 % half-width, p99, its
    /// half-width) from the seeded FIFO M/G/k simulation of
    /// tests/reference/replication_reference.py --simulate, rows as in MODEL.
    const SIMULATED: [(usize, f64, f64, f64, f64); 4] = [
        (0, 2.529019e-03, 9.6e-06, 1.073190e-02, 8.4e-05),
        (1, 2.860947e-02, 1.1e-03, 1.916380e-01, 8.8e-03),
        (2, 4.497527e-03, 5.1e-05, 1.731785e-02, 3.4e-04),
        (4, 9.997029e-03, 1.3e-05, 4.601102e-02, 1.6e-04),
    ];

    #[test]
    fn read_latency_approximation_is_close_to_simulation() {
        // The mixed-service queue is approximated (Allen–Cunneen); stated
        // tolerance: mean within 3 %, p99 within 3 %, except the very
        // variable k = 1 mix (writes 20× slower) whose p99 is within 15 %.
        for &(row, sim_mean, mean_hw, sim_p99, p99_hw) in &SIMULATED {
            let (k, reads, read_s, writes, write_s, _, _) = MODEL[row];
            let r = Replication::new(reads, writes, read_s, write_s, k);
            let p99_tol = if k == 1 { 0.15 } else { 0.03 };
            let mean = r.replica_mean_read_s(1).unwrap();
            let p99 = r.replica_read_quantile_s(1, 0.99).unwrap();
            assert!(
                (mean - sim_mean).abs() <= 0.03 * sim_mean + mean_hw,
                "mean row {row}: {mean} vs {sim_mean}"
            );
            assert!(
                (p99 - sim_p99).abs() <= p99_tol * sim_p99 + p99_hw,
                "p99 row {row}: {p99} vs {sim_p99}"
            );
        }
        // Plain M/M/1 with the mean service S̄ = 0.7/320 s would give a read
        // 0.7/0.3·S̄ + 1 ms ≈ 6.1 ms here, against 28.6 ms simulated.
        let (k, reads, read_s, writes, write_s, _, _) = MODEL[1];
        let r = Replication::new(reads, writes, read_s, write_s, k);
        assert!(r.replica_mean_read_s(1).unwrap() > 0.02);
    }

    #[test]
    fn p99_target_sets_the_count_or_is_unreachable() {
        let mut r = example();
        r.p99_read_target_s = Some(0.0095);
        let s = size_replicas(&r).unwrap();
        assert!(s.feasible && s.binding == "p99 9.50 ms", "{s:?}");
        assert!(s.replica_p99_read_s.unwrap() <= 0.0095);
        assert!(r.replica_read_quantile_s(s.replicas - 1, 0.99).unwrap() > 0.0095);
        // Below S_r·ln 100 = 9.21 ms no replica count can help.
        r.p99_read_target_s = Some(0.009);
        let s = size_replicas(&r).unwrap();
        assert!(!s.feasible && s.binding.starts_with("p99 "), "{s:?}");
        assert!(s.reason.contains("the read's own service"), "{}", s.reason);
        assert_eq!(s.replicas, 1, "the other constraints alone");
        // Above that floor but below what the apply stream alone causes:
        // one core, writes at 50 %: P(Wq > t) = 0.5·e^{−100 t}, p99 ≈ 39 ms.
        let mut busy = Replication::new(1000.0, 100.0, 0.001, 0.005, 1);
        busy.p99_read_target_s = Some(0.02);
        let s = size_replicas(&busy).unwrap();
        assert!(!s.feasible && s.binding.starts_with("p99 "), "{s:?}");
        assert!(s.reason.contains("only replays writes"), "{}", s.reason);
        // Reads (1 core) + apply (0.5) ≤ 0.7: 1/n ≤ 0.2 → n = 5.
        assert_eq!(s.replicas, 5);
    }

    #[test]
    fn replica_count_is_least_over_a_grid() {
        let mut checked = 0;
        for read_rate in [0.0, 10.0, 1_000.0, 100_000.0, 10_000_000.0] {
            for write_rate in [0.0, 10.0, 150.0] {
                for (read_s, write_s) in [(0.001, 0.002), (0.01, 0.004)] {
                    for k in [1u32, 4, 16] {
                        for n_plus_one in [false, true] {
                            for min_replicas in [0, 3] {
                                for target in [None, Some(0.012), Some(0.05)] {
                                    let mut r = Replication::new(read_rate, write_rate, read_s, write_s, k);
                                    r.n_plus_one = n_plus_one;
                                    r.min_replicas = min_replicas;
                                    r.p99_read_target_s = target;
                                    r.max_replicas = u64::MAX;
                                    checked += check_least(&r) as u32;
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 500, "only {checked} feasible cases");
    }

    /// Every constraint, recomputed from its formula.
    fn meets(r: &Replication, n: u64) -> bool {
        let rho = |n: u64| (r.read_rate_per_s * r.read_time_s / n as f64 + r.apply_load_cores()) / r.cores();
        n >= r.min_replicas.max(1)
            && rho(n) <= r.max_utilization
            && (!r.n_plus_one || (n >= 2 && rho(n - 1) <= r.failover_utilization))
            && r.p99_read_target_s
                .is_none_or(|t| r.replica_read_quantile_s(n, 0.99).is_some_and(|p| p <= t))
    }

    /// `n` meets every constraint and `n − 1` does not; true when feasible.
    fn check_least(r: &Replication) -> bool {
        let s = size_replicas(r).unwrap();
        for x in [
            s.replica_utilization,
            s.apply_utilization,
            s.primary_utilization,
            s.read_ceiling_per_s,
        ] {
            assert!(x.is_finite(), "{r:?}");
        }
        if !s.feasible {
            assert!(!s.reason.is_empty());
            return false;
        }
        assert!(meets(r, s.replicas), "{r:?} → {s:?}");
        assert!(s.replicas == 1 || !meets(r, s.replicas - 1), "{r:?} → {s:?}");
        true
    }

    #[test]
    fn rejects_bad_inputs_naming_the_flag() {
        type Spoil = fn(&mut Replication);
        let cases: [(Spoil, &str); 13] = [
            (|r| r.read_rate_per_s = -1.0, "--read-rate"),
            (|r| r.write_rate_per_s = f64::NAN, "--write-rate"),
            (|r| r.read_time_s = 0.0, "--read-time"),
            (|r| r.write_time_s = f64::INFINITY, "--write-time"),
            (|r| r.cores_per_replica = 0, "--cores"),
            (|r| r.primary_cores = 0, "--primary-cores"),
            (|r| r.apply_factor = 0.0, "--apply-factor"),
            (|r| r.max_utilization = 1.2, "--max-util"),
            (|r| r.failover_utilization = 0.0, "--failover-util"),
            (|r| r.max_replicas = 0, "--max-replicas"),
            (|r| r.p99_read_target_s = Some(-0.01), "--replica-p99"),
            // Finite inputs whose load overflows.
            (
                |r| {
                    r.read_rate_per_s = 1e308;
                    r.read_time_s = 10.0;
                },
                "--read-rate",
            ),
            (
                |r| {
                    r.write_rate_per_s = 1e308;
                    r.apply_factor = 1e10;
                },
                "--write-rate",
            ),
        ];
        for (spoil, flag) in cases {
            let mut r = example();
            spoil(&mut r);
            let error = size_replicas(&r).unwrap_err();
            assert_eq!(error.flag(), flag);
            assert!(error.to_string().starts_with(flag), "{error}");
        }
    }
}
