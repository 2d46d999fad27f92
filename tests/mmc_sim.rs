//! Seeded discrete-event simulations of FIFO multi-server queues, compared
//! with the M/M/c formulas of `src/queueing/mmc.rs` (mean and p99 response
//! time) and with the Allen–Cunneen approximation for an M/D/c queue.

mod common;

use common::Rng;
use scaleplan::queueing::mmc::Mmc;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Sojourn times (wait + service) of `customers` successive customers of a
/// FIFO queue with Poisson arrivals and `servers` servers, after discarding
/// the first `warm_up` (the queue starts empty).
///
/// FIFO with identical servers: each customer, in arrival order, takes the
/// server that frees first, so `start = max(arrival, earliest free time)`.
/// Free times sit in a min-heap; non-negative `f64`s order like their bit
/// patterns, so the heap holds `u64` bits.
fn simulate_sojourns_s(
    rng: &mut Rng,
    arrival_rate_per_s: f64,
    servers: usize,
    warm_up: usize,
    customers: usize,
    mut service_s: impl FnMut(&mut Rng) -> f64,
) -> Vec<f64> {
    let mut free_at: BinaryHeap<Reverse<u64>> = (0..servers).map(|_| Reverse(0f64.to_bits())).collect();
    let mut sojourns = Vec::with_capacity(customers);
    let mut now_s = 0.0;
    for i in 0..warm_up + customers {
        now_s += rng.exponential(arrival_rate_per_s);
        let mut earliest = free_at.peek_mut().expect("at least one server");
        let start_s = now_s.max(f64::from_bits(earliest.0));
        let finish_s = start_s + service_s(rng);
        *earliest = Reverse(finish_s.to_bits());
        if i >= warm_up {
            sojourns.push(finish_s - now_s);
        }
    }
    sojourns
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Empirical `q`-quantile (order statistic `⌊q·n⌋`).
fn quantile(xs: &mut [f64], q: f64) -> f64 {
    let k = ((q * xs.len() as f64) as usize).min(xs.len() - 1);
    *xs.select_nth_unstable_by(k, f64::total_cmp).1
}

fn relative_error(got: f64, want: f64) -> f64 {
    ((got - want) / want).abs()
}

/// Agreement asked of the simulation on the mean and the p99 response time.
const SIM_REL_TOL: f64 = 0.03;

const WARM_UP: usize = 100_000;

/// Simulate M/M/c at utilization `rho` (service time 1 s) and compare the
/// mean and p99 response time with the engine.
fn check_mmc(seed: u64, servers: u64, rho: f64, customers: usize) {
    let service_time_s = 1.0;
    let arrival_rate_per_s = rho * servers as f64 / service_time_s;
    let queue = Mmc::new(arrival_rate_per_s, service_time_s, servers).expect("valid");
    let mut rng = Rng::new(seed);
    let mu = 1.0 / service_time_s;
    let mut sojourns = simulate_sojourns_s(
        &mut rng,
        arrival_rate_per_s,
        servers as usize,
        WARM_UP,
        customers,
        |r| r.exponential(mu),
    );
    let sim_mean = mean(&sojourns);
    let sim_p99 = quantile(&mut sojourns, 0.99);
    let want_mean = queue.mean_response_s().expect("stable");
    let want_p99 = queue.response_quantile_s(0.99).expect("stable");
    let (err_mean, err_p99) = (relative_error(sim_mean, want_mean), relative_error(sim_p99, want_p99));
    eprintln!(
        "M/M/{servers} rho={rho}: mean {sim_mean:.4} vs {want_mean:.4} ({err_mean:.2e}), p99 {sim_p99:.4} vs {want_p99:.4} ({err_p99:.2e})"
    );
    assert!(
        err_mean <= SIM_REL_TOL,
        "M/M/{servers} rho={rho}: mean {sim_mean} vs formula {want_mean}"
    );
    assert!(
        err_p99 <= SIM_REL_TOL,
        "M/M/{servers} rho={rho}: p99 {sim_p99} vs formula {want_p99}"
    );
}

/// M/M/1 at ρ = 0.8. Across seeds 1–8 with 3·10⁶ customers the errors
/// spread with a standard deviation of about 0.5 % (mean) and 0.9 % (p99);
/// 8·10⁶ customers put 3 % beyond five of them.
#[test]
fn mm1_at_80_percent_matches_formulas() {
    check_mmc(0x5CA1_E001, 1, 0.8, 8_000_000);
}

#[test]
fn mm4_at_85_percent_matches_formulas() {
    check_mmc(0x5CA1_E004, 4, 0.85, 8_000_000);
}

/// The large-c case (c ≥ 32): waits are rarer and shorter, so fewer
/// customers give the same precision (spread ≈ 0.15 % across seeds).
#[test]
fn mm64_at_90_percent_matches_formulas() {
    check_mmc(0x5CA1_E064, 64, 0.9, 4_000_000);
}

/// Simulated mean wait of an M/D/c queue (Poisson arrivals, every service
/// exactly `S` = 1 s) and the engine's answer for it.
fn md_c_waits(seed: u64, servers: u64, rho: f64, customers: usize) -> (f64, Mmc) {
    let arrival_rate_per_s = rho * servers as f64;
    let queue = Mmc::new(arrival_rate_per_s, 1.0, servers)
        .and_then(|q| q.with_variability(1.0, 0.0))
        .expect("valid");
    let mut rng = Rng::new(seed);
    let sojourns = simulate_sojourns_s(
        &mut rng,
        arrival_rate_per_s,
        servers as usize,
        WARM_UP,
        customers,
        |_| 1.0,
    );
    (mean(&sojourns) - 1.0, queue)
}

/// M/D/1: with `ca = 1, cs = 0` Allen–Cunneen halves the M/M/1 wait, which
/// is exact here (Pollaczek–Khinchine: `Wq = ρ·S / (2(1 − ρ))`), so both
/// the closed form (to 1e-12) and the simulation (to 3 %) must agree.
#[test]
fn md1_allen_cunneen_is_pollaczek_khinchine() {
    let rho = 0.7;
    let (sim_wq_s, queue) = md_c_waits(0x5CA1_D001, 1, rho, 4_000_000);
    let engine_wq_s = queue.mean_wait_s().expect("stable");
    let pk_wq_s = rho / (2.0 * (1.0 - rho));
    eprintln!("M/D/1 rho={rho}: Wq sim {sim_wq_s:.5}, engine {engine_wq_s:.5}, P-K {pk_wq_s:.5}");
    assert!(
        relative_error(engine_wq_s, pk_wq_s) < 1e-12,
        "engine {engine_wq_s} vs P-K {pk_wq_s}"
    );
    assert!(
        relative_error(sim_wq_s, pk_wq_s) <= SIM_REL_TOL,
        "sim {sim_wq_s} vs P-K {pk_wq_s}"
    );
}

/// Tolerance on the Allen–Cunneen mean wait for M/D/c, c > 1. Allen–Cunneen
/// is exact for M/G/1 but, for M/D/c, underestimates the wait by a factor
/// that Cosmetatos (1976, "Some approximate equilibrium results for the
/// multi-server queue (M/G/r)", Operational Research Quarterly 27) gives as
/// `1 + (1−ρ)(c−1)(√(4+5c) − 2)/(16ρc)`: +3.4 % at c = 4, ρ = 0.8. The
/// simulation finds +3.2 % to +5.4 % over seeds 1–8 (+6 % to +8.5 % at
/// c = 8, ρ = 0.8; +10 % at c = 4, ρ = 0.6; +20 % at c = 16, ρ = 0.7: the
/// approximation degrades as load falls and c grows). At this moderate-load
/// case 10 % is what it reliably achieves.
const ALLEN_CUNNEEN_WAIT_REL_TOL: f64 = 0.10;

/// M/D/4 at ρ = 0.8 against `Mmc::with_variability(1, 0)`: the mean wait
/// within 10 % (see above), and the mean response, where the wait is a
/// quarter of the total, within 3 %.
#[test]
fn md4_allen_cunneen_within_documented_tolerance() {
    let (servers, rho) = (4, 0.8);
    let (sim_wq_s, queue) = md_c_waits(0x5CA1_D004, servers, rho, 4_000_000);
    let engine_wq_s = queue.mean_wait_s().expect("stable");
    let engine_w_s = queue.mean_response_s().expect("stable");
    let sim_w_s = sim_wq_s + 1.0;
    let cosmetatos = 1.0 + (1.0 - rho) * 3.0 * ((4.0 + 5.0 * 4.0_f64).sqrt() - 2.0) / (16.0 * rho * 4.0);
    eprintln!(
        "M/D/{servers} rho={rho}: Wq sim {sim_wq_s:.5}, Allen-Cunneen {engine_wq_s:.5} (sim/AC {:.4}, Cosmetatos factor {cosmetatos:.4})",
        sim_wq_s / engine_wq_s
    );
    let wait_err = relative_error(sim_wq_s, engine_wq_s);
    assert!(
        wait_err <= ALLEN_CUNNEEN_WAIT_REL_TOL,
        "Wq sim {sim_wq_s} vs Allen–Cunneen {engine_wq_s}: {wait_err:.3}"
    );
    let response_err = relative_error(sim_w_s, engine_w_s);
    assert!(
        response_err <= SIM_REL_TOL,
        "W sim {sim_w_s} vs Allen–Cunneen {engine_w_s}: {response_err:.3}"
    );
}
