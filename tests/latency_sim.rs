//! End-to-end latency (`src/latency.rs`) against a seeded Monte Carlo of the
//! same model: a 3-class, 3-tier path where the write class visits the
//! database twice. Each sample picks a class, then for every visit draws
//! the wait (0 with probability `1 − C`, else Exp(θ)) and the class's own
//! exponential service, independently, and adds the class's constant.
//! This checks the transform inversion, the mixture and the shifts; the
//! independence of visits is the model's assumption, not tested here.

mod common;

use common::Rng;
use scaleplan::latency::{mean_s, quantile_s, survival, Class, Visit};
use scaleplan::queueing::mmc::Mmc;

const SAMPLES: usize = 1_000_000;
const SEED: u64 = 0x1a7e_2c70;

/// The path: web → app (→ db) behind a balancer, at 1 500 requests/s.
fn path() -> Vec<Class> {
    let web = Mmc::new(1500.0, 0.004, 8).unwrap(); // ρ = 0.75
    let app = Mmc::new(1500.0, 0.011, 18).unwrap(); // ρ ≈ 0.92
    let db = Mmc::new(750.0, 0.008, 7).unwrap(); // ρ ≈ 0.86
    let visit = |tier: &Mmc, service_s: f64| Visit::from_mmc(tier, service_s).unwrap();
    vec![
        Class {
            // read served from cache
            probability: 0.6,
            visits: vec![visit(&web, 0.004), visit(&app, 0.010)],
            fixed_s: 0.001,
        },
        Class {
            // read that misses and queries the database
            probability: 0.3,
            visits: vec![visit(&web, 0.004), visit(&app, 0.010), visit(&db, 0.008)],
            fixed_s: 0.002,
        },
        Class {
            // write: slower at the app, two database statements
            probability: 0.1,
            visits: vec![
                visit(&web, 0.004),
                visit(&app, 0.020),
                visit(&db, 0.008),
                visit(&db, 0.008),
            ],
            fixed_s: 0.0025,
        },
    ]
}

fn sample(classes: &[Class], rng: &mut Rng) -> f64 {
    let mut pick = rng.uniform();
    let class = classes
        .iter()
        .find(|c| {
            pick -= c.probability;
            pick <= 0.0
        })
        .unwrap_or(&classes[classes.len() - 1]);
    let mut total_s = class.fixed_s;
    for v in &class.visits {
        if rng.uniform() < v.p_wait {
            total_s += rng.exponential(v.wait_rate_per_s);
        }
        total_s += rng.exponential(1.0 / v.service_s);
    }
    total_s
}

/// The empirical `q`-quantile of sorted samples.
fn empirical_quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((q * sorted.len() as f64).ceil() as usize).min(sorted.len()) - 1]
}

#[test]
fn latency_simulation_matches_mean_and_percentiles() {
    let classes = path();
    let mut rng = Rng::new(SEED);
    let mut samples: Vec<f64> = (0..SAMPLES).map(|_| sample(&classes, &mut rng)).collect();
    samples.sort_by(f64::total_cmp);

    // Tolerance 1 % (the DESIGN target); the sampling error is far smaller:
    // the mean's standard error is σ/√n ≈ 0.1 % of it, and p50/p99 move by
    // √(q(1−q)/n)/f(t_q) ≈ 0.1–0.3 %.
    let simulated_mean = samples.iter().sum::<f64>() / SAMPLES as f64;
    let mean = mean_s(&classes).unwrap();
    assert!(
        (simulated_mean - mean).abs() <= 0.01 * mean,
        "mean {simulated_mean} vs {mean}"
    );
    for q in [0.5, 0.9, 0.99] {
        let simulated = empirical_quantile(&samples, q);
        let computed = quantile_s(&classes, q).unwrap();
        assert!(
            (simulated - computed).abs() <= 0.01 * computed,
            "p{}: simulated {simulated} vs {computed}",
            q * 100.0
        );
    }

    // The fraction of samples beyond the computed p99 is 1 % within five
    // binomial standard deviations (5·√(0.01·0.99/n) ≈ 5e-4).
    let p99 = quantile_s(&classes, 0.99).unwrap();
    let beyond = samples.iter().filter(|&&t| t > p99).count() as f64 / SAMPLES as f64;
    assert!(
        (beyond - 0.01).abs() <= 5.0 * (0.01f64 * 0.99 / SAMPLES as f64).sqrt(),
        "P(T > p99) = {beyond}"
    );

    // And the survival at a few times, within five standard deviations.
    for t in [0.02, 0.05, 0.1, 0.2] {
        let computed = survival(&classes, t).unwrap();
        let simulated = samples.iter().filter(|&&x| x > t).count() as f64 / SAMPLES as f64;
        let sigma = (computed * (1.0 - computed) / SAMPLES as f64).sqrt();
        assert!(
            (simulated - computed).abs() <= 5.0 * sigma,
            "P(T > {t}): {simulated} vs {computed}"
        );
    }
}
