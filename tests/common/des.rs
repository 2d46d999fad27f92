//! Seeded discrete-event simulation of one tier: Poisson request streams
//! merged into a single FIFO queue in front of `c` identical cores.
//!
//! A test reaches it as `common::des` (`mod common;`); it draws from the
//! shared generator `common::Rng`.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The shared seeded generator (xoshiro256** seeded by SplitMix64).
pub use super::Rng;

/// An exponential sample with the given `mean` (not rate); 0 when `mean` is 0.
pub fn exp_sample(rng: &mut Rng, mean: f64) -> f64 {
    -rng.uniform().ln() * mean
}

/// One request stream into a tier: Poisson arrivals at `rate_per_s`; each request's
/// service time is exponential with mean `service_s` (core-seconds on one core).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimStream {
    /// Arrival rate (requests per second), finite and ≥ 0.
    pub rate_per_s: f64,
    /// Mean service time of one request on one core (seconds), finite and ≥ 0.
    pub service_s: f64,
}

/// Result: mean and the 0.99 quantile (and 0.5) of response time (wait + own service)
/// over all requests of all streams (and per stream), after discarding a warm-up.
///
/// Quantiles are empirical, nearest rank: the `⌈q·n⌉`-th smallest of the `n`
/// counted response times. A stream with no counted request has `NaN` for its
/// mean and p99.
#[derive(Debug, Clone, PartialEq)]
pub struct SimResult {
    /// Mean response time over all counted requests (seconds).
    pub mean_s: f64,
    /// Median response time over all counted requests (seconds).
    pub p50_s: f64,
    /// 0.99 quantile of the response time over all counted requests (seconds).
    pub p99_s: f64,
    /// Mean response time of each stream's counted requests, in the order of `streams`.
    pub per_stream_mean_s: Vec<f64>,
    /// 0.99 quantile of each stream's counted response times, in the order of `streams`.
    pub per_stream_p99_s: Vec<f64>,
    /// Measured load per core: the service drawn by the counted requests divided by
    /// `cores` × the time over which they arrived (from the last warm-up arrival, or
    /// time 0 without warm-up, to the last counted arrival). Estimates
    /// `ρ = Σ λᵢ·sᵢ / c`.
    pub utilization: f64,
}

/// FIFO queue with `cores` identical cores (M/G/c with the merged streams; an arrival
/// takes the first free core, else waits in one FIFO queue). Arrivals of all streams
/// merged (superposition of Poisson). `requests` counted after `warmup` requests.
///
/// The queue starts empty at time 0. The merged stream has rate `λ = Σ λᵢ`; each
/// arrival belongs to stream `i` with probability `λᵢ/λ` and draws its own
/// exponential service. With FIFO and identical cores each arrival, in order,
/// takes the core that frees first, so `start = max(arrival, earliest free time)`
/// and that core is then busy until `start + service`: exact, with no event list.
/// Core free times sit in a min-heap (`O(log c)` per request). The run is fully
/// determined by `seed`.
///
/// With `ρ ≥ 1` there is no steady state: the figures then grow with `requests`.
///
/// # Panics
/// If `cores` or `requests` is 0, `streams` is empty, a rate or service time is
/// negative or not finite, or all rates are 0.
pub fn simulate_fifo(cores: u32, streams: &[SimStream], requests: usize, warmup: usize, seed: u64) -> SimResult {
    assert!(cores >= 1, "at least one core");
    assert!(requests >= 1, "at least one counted request");
    assert!(!streams.is_empty(), "at least one stream");
    for (i, s) in streams.iter().enumerate() {
        assert!(
            s.rate_per_s.is_finite() && s.rate_per_s >= 0.0,
            "stream {i}: rate {}",
            s.rate_per_s
        );
        assert!(
            s.service_s.is_finite() && s.service_s >= 0.0,
            "stream {i}: service time {}",
            s.service_s
        );
    }
    let total_rate_per_s: f64 = streams.iter().map(|s| s.rate_per_s).sum();
    assert!(total_rate_per_s > 0.0, "at least one stream with arrivals");
    let mean_gap_s = 1.0 / total_rate_per_s;

    // Stream choice: the first `i` with `u < cumulative[i]`; a zero-rate stream
    // never matches. The last stream with arrivals takes any rounding remainder.
    let last_active = streams
        .iter()
        .rposition(|s| s.rate_per_s > 0.0)
        .expect("a stream with arrivals");
    let mut running = 0.0;
    let cumulative: Vec<f64> = streams
        .iter()
        .map(|s| {
            running += s.rate_per_s;
            running / total_rate_per_s
        })
        .collect();

    let mut rng = Rng::new(seed);
    // Non-negative `f64`s order like their bit patterns, so the heap holds `u64`s.
    let mut free_at: BinaryHeap<Reverse<u64>> = (0..cores).map(|_| Reverse(0f64.to_bits())).collect();
    let mut responses: Vec<Vec<f64>> = streams
        .iter()
        .map(|s| Vec::with_capacity((requests as f64 * s.rate_per_s / total_rate_per_s * 1.01) as usize + 16))
        .collect();
    let mut now_s = 0.0;
    let mut window_start_s = 0.0;
    let mut busy_s = 0.0;
    for i in 0..warmup + requests {
        now_s += exp_sample(&mut rng, mean_gap_s);
        let k = if streams.len() == 1 {
            0
        } else {
            let u = rng.uniform();
            cumulative.iter().position(|&c| u < c).unwrap_or(last_active)
        };
        let service_s = exp_sample(&mut rng, streams[k].service_s);
        let mut earliest = free_at.peek_mut().expect("at least one core");
        let start_s = now_s.max(f64::from_bits(earliest.0));
        let finish_s = start_s + service_s;
        *earliest = Reverse(finish_s.to_bits());
        if i >= warmup {
            responses[k].push(finish_s - now_s);
            busy_s += service_s;
        } else if i + 1 == warmup {
            window_start_s = now_s;
        }
    }

    let per_stream_mean_s = responses.iter().map(|r| mean(r)).collect();
    // One stream: its p99 is the overall one, computed below.
    let mut per_stream_p99_s: Vec<f64> = if streams.len() == 1 {
        Vec::new()
    } else {
        responses.iter_mut().map(|r| quantiles(r, &[0.99])[0]).collect()
    };
    // Gather all response times into the largest stream's buffer.
    let largest = (0..responses.len())
        .max_by_key(|&k| responses[k].len())
        .expect("a stream");
    let mut all = std::mem::take(&mut responses[largest]);
    all.reserve_exact(requests - all.len());
    for r in responses.drain(..) {
        all.extend_from_slice(&r);
    }
    let mean_s = mean(&all);
    let [p50_s, p99_s] = quantiles(&mut all, &[0.5, 0.99])[..] else {
        unreachable!("two quantiles asked")
    };
    if streams.len() == 1 {
        per_stream_p99_s.push(p99_s);
    }
    SimResult {
        mean_s,
        p50_s,
        p99_s,
        per_stream_mean_s,
        per_stream_p99_s,
        utilization: busy_s / (cores as f64 * (now_s - window_start_s)),
    }
}

/// Arithmetic mean; `NaN` for no values.
fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Empirical quantiles for the ascending levels `qs`, nearest rank (the
/// `⌈q·n⌉`-th smallest of the `n` values); `NaN`s for no values. Reorders `xs`:
/// selects the highest level first, then each lower one within the part below it.
fn quantiles(xs: &mut [f64], qs: &[f64]) -> Vec<f64> {
    let n = xs.len();
    if n == 0 {
        return vec![f64::NAN; qs.len()];
    }
    let mut out = vec![0.0; qs.len()];
    let mut end = n;
    for (j, &q) in qs.iter().enumerate().rev() {
        let k = (((q * n as f64).ceil() as usize).clamp(1, n) - 1).min(end - 1);
        out[j] = *xs[..end].select_nth_unstable_by(k, f64::total_cmp).1;
        end = k + 1;
    }
    out
}
