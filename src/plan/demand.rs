//! Workload → request streams per tier (DESIGN section 2).
//!
//! Every stream is a rate at the stage's busiest hour (peak) across all
//! data centers, with the core-seconds one request of that stream needs.

use crate::model::{Stage, TierKind};
use crate::workload::Workload;

/// Requests of one kind reaching a tier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stream {
    pub rate_per_s: f64,
    pub service_s: f64,
}

/// The rates a stage sees at peak, split the way DESIGN section 2 does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Dynamic requests `λ = p·λ_avg`.
    pub dynamic_per_s: f64,
    /// Reads `λ_r = φ·λ`.
    pub reads_per_s: f64,
    /// Writes `λ_w = (1 − φ)·λ`.
    pub writes_per_s: f64,
    pub static_per_s: f64,
    pub jobs_per_s: f64,
}

impl Rates {
    pub fn peak(w: &Workload) -> Rates {
        let dynamic = w.peak_rate_per_s();
        Rates {
            dynamic_per_s: dynamic,
            reads_per_s: w.read_fraction * dynamic,
            writes_per_s: (1.0 - w.read_fraction) * dynamic,
            static_per_s: w.peak_static_rate_per_s(),
            jobs_per_s: w.peak_job_rate_per_s(),
        }
    }

    /// Every rate times `factor` (an hour of the daily profile, a DC's share).
    pub fn scaled(&self, factor: f64) -> Rates {
        Rates {
            dynamic_per_s: self.dynamic_per_s * factor,
            reads_per_s: self.reads_per_s * factor,
            writes_per_s: self.writes_per_s * factor,
            static_per_s: self.static_per_s * factor,
            jobs_per_s: self.jobs_per_s * factor,
        }
    }

    /// DB read queries after a cache of hit ratio `h`: `(1 − h)·λ_r·q_r`.
    pub fn db_reads_per_s(&self, w: &Workload, hit_ratio: f64) -> f64 {
        (1.0 - hit_ratio) * self.reads_per_s * w.db_queries_per_read
    }

    /// DB write queries `λ_w·q_w`.
    pub fn db_writes_per_s(&self, w: &Workload) -> f64 {
        self.writes_per_s * w.db_queries_per_write
    }
}

/// Dynamic requests by the number of jobs they run inline: (share, mean
/// core-seconds). A request runs `⌊m⌋` or `⌈m⌉` jobs, `m` the jobs per
/// request, in the proportions that give the mean `m`; its service is one
/// exponential of mean `web_cpu + j·job_cpu` (a request that runs a job is
/// a slower request, not a slower average). With a worker tier each job
/// costs only `enqueue_cpu`.
pub fn dynamic_classes(w: &Workload, stage: &Stage) -> Vec<(f64, f64)> {
    let per_job = if stage.has(TierKind::Worker) {
        w.enqueue_cpu_s
    } else {
        w.job_cpu_s
    };
    let m = w.jobs_per_request().max(0.0);
    let (low, frac) = (m.floor(), m - m.floor());
    let service = |jobs: f64| w.web_cpu_s + jobs * per_job;
    if frac <= 0.0 {
        return vec![(1.0, service(low))];
    }
    vec![(1.0 - frac, service(low)), (frac, service(low + 1.0))]
}

/// The streams that reach a tier of `kind`. Replica and shard tiers get
/// their load from the replication and sharding math instead; the load
/// balancer is not a queue.
pub fn streams(kind: TierKind, w: &Workload, stage: &Stage, rates: &Rates, hit_ratio: f64) -> Vec<Stream> {
    let stream = |rate_per_s: f64, service_s: f64| Stream { rate_per_s, service_s };
    let dynamic: Vec<Stream> = dynamic_classes(w, stage)
        .into_iter()
        .map(|(share, service_s)| stream(rates.dynamic_per_s * share, service_s))
        .collect();
    let static_on_web = (!stage.cdn).then(|| stream(rates.static_per_s, w.static_cpu_s));
    let db_reads = stream(rates.db_reads_per_s(w, hit_ratio), w.db_read_s);
    let db_writes = stream(rates.db_writes_per_s(w), w.db_write_s);
    let cache_ops = rates.reads_per_s * w.db_queries_per_read * (2.0 - hit_ratio) + rates.db_writes_per_s(w);
    match kind {
        TierKind::AllInOne => dynamic
            .into_iter()
            .chain([static_on_web, Some(db_reads), Some(db_writes)].into_iter().flatten())
            .collect(),
        TierKind::Web => dynamic.into_iter().chain(static_on_web).collect(),
        TierKind::Db => vec![db_reads, db_writes],
        // Sized by the replication and sharding math (reads included when no
        // replica takes them).
        TierKind::DbPrimary | TierKind::DbShard => vec![db_writes],
        // Gets for every read query, a set per miss, a delete per write query.
        TierKind::Cache => vec![stream(cache_ops, w.cache_op_s)],
        TierKind::Session => vec![stream(
            rates.dynamic_per_s * w.session_lookups_per_request,
            w.session_op_s,
        )],
        TierKind::Worker => vec![stream(rates.jobs_per_s, w.job_cpu_s)],
        TierKind::DbReplica | TierKind::Lb => Vec::new(),
    }
}

/// The coefficient of variation of the mixed service time when each stream
/// is exponential with its own mean (a hyperexponential mix).
///
/// ```text
/// cs² = E[S²]/E[S]² − 1,   E[S²] = Σ (λ_i/λ)·2·s_i²,   E[S] = Σ (λ_i/λ)·s_i
/// ```
/// 1 for one stream; above 1 when fast and slow requests share a queue,
/// which the tier's wait takes into account by Allen–Cunneen.
pub fn service_cv(streams: &[Stream]) -> f64 {
    let rate: f64 = streams.iter().map(|s| s.rate_per_s).sum();
    if rate <= 0.0 {
        return 1.0;
    }
    let mean: f64 = streams.iter().map(|s| s.rate_per_s * s.service_s).sum::<f64>() / rate;
    let second: f64 = streams
        .iter()
        .map(|s| s.rate_per_s * 2.0 * s.service_s * s.service_s)
        .sum::<f64>()
        / rate;
    // Ratios taken in two steps so tiny times cannot underflow.
    (second / mean / mean - 1.0).max(1.0).sqrt()
}

/// Total rate and rate-weighted mean service time of a set of streams (the
/// tier is one queue on the mixed stream, see [`service_cv`]; each class
/// keeps its own service time on the way through — see `paths`).
pub fn combine(streams: &[Stream]) -> (f64, f64) {
    let rate: f64 = streams.iter().map(|s| s.rate_per_s).sum();
    let work: f64 = streams.iter().map(|s| s.rate_per_s * s.service_s).sum();
    let service = if rate > 0.0 {
        work / rate
    } else {
        streams.iter().map(|s| s.service_s).fold(0.0, f64::max).max(1e-6)
    };
    (rate, service)
}

/// The 24-hour load profile: hourly multipliers of the daily mean with mean
/// 1 and maximum equal to the peak factor `p`.
///
/// ```text
/// h(t) = e^{κ·cos(2π(t − 20)/24)} / I₀(κ),   t = 0.5, 1.5, …, 23.5 h
/// ```
/// a von Mises bump peaking at 20:00, whose mean over the day is exactly 1
/// (the Bessel function `I₀` normalizes it); `κ` is chosen by bisection so
/// that the busiest hour equals `p`. Always positive, whatever `p`.
pub fn daily_profile(peak_factor: f64) -> [f64; 24] {
    thread_local! {
        /// The last profile solved on this thread: every stage of a plan,
        /// and every step of its p99 search, asks for the same one.
        static LAST: crate::memo::Memo<u64, [f64; 24]> = const { std::cell::RefCell::new(Vec::new()) };
    }
    crate::memo::remembered(&LAST, 1, &peak_factor.to_bits(), || solve_daily_profile(peak_factor))
}

fn solve_daily_profile(peak_factor: f64) -> [f64; 24] {
    let shape = |kappa: f64| -> [f64; 24] {
        let raw: [f64; 24] = std::array::from_fn(|h| {
            let t = h as f64 + 0.5;
            (kappa * (2.0 * std::f64::consts::PI * (t - 20.5) / 24.0).cos()).exp()
        });
        let mean = raw.iter().sum::<f64>() / 24.0;
        raw.map(|x| x / mean)
    };
    let max_of = |kappa: f64| shape(kappa).iter().cloned().fold(0.0, f64::max);
    if peak_factor <= 1.0 {
        return [1.0; 24];
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    while max_of(hi) < peak_factor && hi < 50.0 {
        hi *= 2.0;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if max_of(mid) < peak_factor {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    shape(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_has_mean_one_and_peak_p() {
        for p in [1.0, 1.5, 2.0, 3.0, 5.0] {
            let h = daily_profile(p);
            let mean = h.iter().sum::<f64>() / 24.0;
            let max = h.iter().cloned().fold(0.0, f64::max);
            assert!((mean - 1.0).abs() < 1e-12, "p={p}: mean {mean}");
            assert!((max - p).abs() < 1e-9, "p={p}: max {max}");
            assert!(h.iter().all(|&x| x > 0.0));
        }
    }

    #[test]
    fn mixed_service_variability() {
        let one = [Stream {
            rate_per_s: 5.0,
            service_s: 0.02,
        }];
        assert!((service_cv(&one) - 1.0).abs() < 1e-12);
        // 100/s at 10 ms and 300/s at 2 ms: E[S] = 4 ms, E[S²] = (100·2·1e-4 + 300·2·4e-6)/400
        // = 5.6e-5 s², so cs² = 5.6e-5/1.6e-5 − 1 = 2.5.
        let mix = [
            Stream {
                rate_per_s: 100.0,
                service_s: 0.010,
            },
            Stream {
                rate_per_s: 300.0,
                service_s: 0.002,
            },
        ];
        assert!((service_cv(&mix) - 2.5f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn combine_weights_service_by_rate() {
        // 100/s at 10 ms and 300/s at 2 ms: 1.6 Erlangs over 400/s = 4 ms.
        let (rate, service) = combine(&[
            Stream {
                rate_per_s: 100.0,
                service_s: 0.010,
            },
            Stream {
                rate_per_s: 300.0,
                service_s: 0.002,
            },
        ]);
        assert!((rate - 400.0).abs() < 1e-12);
        assert!((service - 0.004).abs() < 1e-15);
    }
}
