//! The discrete-event simulator of `tests/common/des.rs` against exact
//! queueing results: M/M/1 (mean and quantiles of the exponential sojourn),
//! M/M/4 (Erlang C) and an M/G/1 with two exponential classes
//! (Pollaczek–Khinchine). Run in release: `cargo test --release --test des_selfcheck`.
//!
//! The tolerances were set from the spread of the errors over seeds 1–30
//! (quoted per test) so that each is at least four standard deviations wide;
//! the run lengths are what that takes.

mod common;

use common::des::{simulate_fifo, SimResult, SimStream};

/// Requests discarded before counting (the queue starts empty); the slowest
/// relaxation here (M/M/1 at ρ = 0.8) takes a few hundred requests.
const WARM_UP: usize = 100_000;

fn relative_error(got: f64, want: f64) -> f64 {
    ((got - want) / want).abs()
}

fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    let err = relative_error(got, want);
    eprintln!(
        "{what}: sim {got:.6} vs exact {want:.6} ({:+.3} %)",
        100.0 * (got - want) / want
    );
    assert!(err <= tol, "{what}: sim {got} vs exact {want}, error {err:.4} > {tol}");
}

/// Erlang C (probability of waiting) for `c` servers at offered load `a = λ·S`
/// erlangs, by the Erlang B recursion `B(0) = 1`, `B(n) = a·B(n−1) / (n + a·B(n−1))`,
/// then `C = c·B / (c − a(1 − B))`.
fn erlang_c(c: u32, a: f64) -> f64 {
    let b = (1..=c).fold(1.0, |b, n| a * b / (n as f64 + a * b));
    c as f64 * b / (c as f64 - a * (1.0 - b))
}

/// M/M/1 at ρ = 0.8, S = 10 ms: the sojourn time is exponential with mean
/// `S/(1−ρ)` = 50 ms, so p50 = ln 2 · 50 ms and p99 = ln 100 · 50 ms = 230.26 ms.
/// With 2·10⁷ requests the errors over seeds 1–30 have standard deviations
/// 0.24 % (mean), 0.19 % (p50) and 0.48 % (p99; largest 1.1 %); 2·10⁶ would
/// leave p99 a 1.2 % spread, too wide for 2 %.
#[test]
fn mm1_at_80_percent_matches_exponential_sojourn() {
    let (service_s, rho) = (0.010, 0.8);
    let stream = SimStream {
        rate_per_s: rho / service_s,
        service_s,
    };
    let r = simulate_fifo(1, &[stream], 20_000_000, WARM_UP, 0x0DE5_0001);
    let mean_s = service_s / (1.0 - rho);
    assert_close("M/M/1 mean", r.mean_s, mean_s, 0.02);
    assert_close("M/M/1 p50", r.p50_s, 2f64.ln() * mean_s, 0.02);
    assert_close("M/M/1 p99", r.p99_s, 100f64.ln() * mean_s, 0.02);
    assert_close("M/M/1 utilization", r.utilization, rho, 0.01);
    // One stream: its figures are the overall ones.
    assert_eq!(r.per_stream_mean_s, vec![r.mean_s]);
    assert_eq!(r.per_stream_p99_s, vec![r.p99_s]);
}

/// M/M/4 at ρ = 0.85, S = 10 ms: mean response `C/(cμ − λ) + S` with Erlang C.
/// With 6·10⁶ requests the error over seeds 1–30 has a standard deviation of
/// 0.40 % (largest 0.96 %).
#[test]
fn mm4_at_85_percent_matches_erlang_c() {
    // The reference itself: M/M/2 at a = 1 waits with probability 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-15);

    let (cores, service_s, rho) = (4, 0.010, 0.85);
    let rate_per_s = rho * cores as f64 / service_s;
    let r = simulate_fifo(
        cores,
        &[SimStream { rate_per_s, service_s }],
        6_000_000,
        WARM_UP,
        0x0DE5_0004,
    );
    let c = erlang_c(cores, rate_per_s * service_s);
    let mean_s = c / (cores as f64 / service_s - rate_per_s) + service_s;
    assert_close("M/M/4 mean", r.mean_s, mean_s, 0.02);
    assert_close("M/M/4 utilization", r.utilization, rho, 0.01);
}

/// M/G/1 fed by two Poisson streams with exponential service: 100/s at 1 ms
/// and 10/s at 50 ms (ρ = 0.6, service SCV ≈ 14). Pollaczek–Khinchine:
/// `Wq = λ·E[S²] / (2(1−ρ))` with `E[S²] = Σ (λᵢ/λ)·2sᵢ²` (62.75 ms). FIFO
/// with Poisson arrivals gives both streams that same wait, so each stream's
/// mean response is `Wq + sᵢ`. With 10⁷ requests the errors over seeds 1–30
/// have standard deviations 0.58 % (Wq; largest 1.3 %), 0.55 % and 0.40 %
/// (the streams' mean responses).
#[test]
fn mg1_two_exponential_classes_matches_pollaczek_khinchine() {
    let streams = [
        SimStream {
            rate_per_s: 100.0,
            service_s: 0.001,
        },
        SimStream {
            rate_per_s: 10.0,
            service_s: 0.050,
        },
    ];
    let r = simulate_fifo(1, &streams, 10_000_000, WARM_UP, 0x0DE5_0002);
    let rate_per_s: f64 = streams.iter().map(|s| s.rate_per_s).sum();
    let rho: f64 = streams.iter().map(|s| s.rate_per_s * s.service_s).sum();
    let mean_service_s = rho / rate_per_s;
    let second_moment_s2: f64 = streams
        .iter()
        .map(|s| s.rate_per_s / rate_per_s * 2.0 * s.service_s * s.service_s)
        .sum();
    let wait_s = rate_per_s * second_moment_s2 / (2.0 * (1.0 - rho));
    assert_close("M/G/1 mean wait", r.mean_s - mean_service_s, wait_s, 0.03);
    for (i, s) in streams.iter().enumerate() {
        assert_close(
            &format!("M/G/1 stream {i} mean response"),
            r.per_stream_mean_s[i],
            wait_s + s.service_s,
            0.03,
        );
    }
    assert_close("M/G/1 utilization", r.utilization, rho, 0.01);
    // The slow stream's p99 includes its own long service: above the overall p99.
    assert!(
        r.per_stream_p99_s[1] > r.p99_s && r.p99_s > r.per_stream_p99_s[0],
        "{r:?}"
    );
}

/// A seed fixes the run; another seed gives another run.
#[test]
fn same_seed_same_result() {
    let streams = [
        SimStream {
            rate_per_s: 200.0,
            service_s: 0.004,
        },
        SimStream {
            rate_per_s: 50.0,
            service_s: 0.020,
        },
    ];
    let run = |seed| -> SimResult { simulate_fifo(3, &streams, 200_000, 10_000, seed) };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7).mean_s, run(8).mean_s);
}
