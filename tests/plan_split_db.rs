//! The split-db stage at 20k users, recomputed by hand from the built-in
//! workload, catalog and prices: tier counts, p99 and monthly cost.

mod common;

use common::Rng;
use scaleplan::cost::{Catalog, Prices};
use scaleplan::model::Stage;
use scaleplan::plan::{plan, Inputs};
use scaleplan::workload::{Targets, Workload};

/// Erlang C for two servers, written out: B(2) = (a²/2) / (1 + a + a²/2),
/// C = 2B / (2 − a(1 − B)).
fn erlang_c_two(a: f64) -> f64 {
    let b = (a * a / 2.0) / (1.0 + a + a * a / 2.0);
    2.0 * b / (2.0 - a * (1.0 - b))
}

/// One visit: wait (0 with probability 1 − C, else Exp(θ)) plus Exp(1/s).
fn visit(rng: &mut Rng, c: f64, theta: f64, service_s: f64) -> f64 {
    let wait = if rng.uniform() < c { rng.exponential(theta) } else { 0.0 };
    wait + rng.exponential(1.0 / service_s)
}

#[test]
fn split_db_at_20k_users_by_hand() {
    let mut workload = Workload::builtin();
    workload.users = 20_000.0;
    let (targets, catalog, prices) = (Targets::builtin(), Catalog::builtin(), Prices::builtin());
    let inputs = Inputs {
        workload: &workload,
        targets: &targets,
        catalog: &catalog,
        prices: &prices,
    };
    let stage = Stage::builtin().into_iter().find(|s| s.id == "split-db").unwrap();
    let got = plan(&inputs, &[stage]).unwrap().remove(0);

    // Rates: 20k users × 0.5 daily active × 100 requests / 86 400 s = 11.574/s, ×2 at peak.
    let peak = 2.0 * 20_000.0 * 0.5 * 100.0 / 86_400.0; // 23.148/s
    let (reads, writes) = (0.9 * peak, 0.1 * peak);
    let static_peak = 2.0 * 10_000.0 * 150.0 / 86_400.0; // 34.722/s
                                                         // Web: 20 ms handler + 5 jobs/100 requests × 100 ms inline = 25 ms per request; 1 ms per static file.
    let web_erlangs = peak * 0.025 + static_peak * 0.001; // 0.6134
    let web_rate = peak + static_peak;
    let web_service = web_erlangs / web_rate; // 10.6 ms
                                              // c7i.large has 2 vCPU: 0.6134/2 = 31 % ≤ 70 %, so the smallest compute instance.
                                              // DB: 2 reads × 1 ms per read request, 2 writes × 2 ms per write request.
    let db_erlangs = reads * 2.0 * 0.001 + writes * 2.0 * 0.002; // 0.0509
    let db_rate = reads * 2.0 + writes * 2.0;
    let db_service = db_erlangs / db_rate;
    // db.r7i.large (the managed r7i.large: db_hosting defaults to managed) has 2 vCPU:
    // 2.5 %; the smallest memory instance.
    assert_eq!(got.tiers.len(), 2);
    let (web, db) = (&got.tiers[0], &got.tiers[1]);
    assert_eq!((web.instance.as_str(), web.servers), ("c7i.large", 1));
    assert_eq!((db.instance.as_str(), db.servers), ("db.r7i.large", 1));
    assert_eq!(got.servers, 2);
    assert!((web.utilization() - web_erlangs / 2.0).abs() < 1e-12);
    assert!((db.utilization() - db_erlangs / 2.0).abs() < 1e-12);

    // Cost: 730 h × ($0.08925 + $0.2625) for the two servers (EC2 c7i.large, RDS
    // db.r7i.large); egress at $0.09/GB (the first band, to 10 240 GB) of the monthly static
    // (17.36/s × 40 kB) and dynamic (11.57/s × 16 kB) bytes; managed storage at $0.115
    // per GB-month of 20k × 1 MB.
    let month_s = 730.0 * 3600.0;
    let servers_usd = 730.0 * (0.08925 + 0.2625);
    let static_gb = 10_000.0 * 150.0 / 86_400.0 * 40_000.0 * month_s / 1e9; // 1825 GB
    let dynamic_gb = 10_000.0 * 100.0 / 86_400.0 * 16_000.0 * month_s / 1e9; // 486.7 GB
    let egress_usd = 0.09 * (static_gb + dynamic_gb);
    assert!(static_gb + dynamic_gb < 10_240.0);
    let storage_usd = 0.115 * 20_000.0 * 1e6 / 1e9;
    let usd = servers_usd + egress_usd + storage_usd; // $466.15
    assert!(
        (got.usd_per_month - usd).abs() < 1e-6 * usd,
        "{} vs {usd}",
        got.usd_per_month
    );

    // p99 of dynamic requests: a read visits web then the DB twice (1 ms each), a write
    // web then the DB twice (2 ms each); each visit after the first adds a 0.5 ms hop.
    // Each tier is an M/M/2 whose wait is 0 with probability 1 − C, else Exp(θ), with
    // θ = (2/S − λ)/k and the Allen–Cunneen factor k = (1 + cs²)/2 of the tier's mixed
    // service (each stream exponential: E[S²] = Σ (λ_i/λ)·2·s_i²).
    let factor = |streams: &[(f64, f64)]| {
        let rate: f64 = streams.iter().map(|(r, _)| r).sum();
        let mean: f64 = streams.iter().map(|(r, s)| r * s).sum::<f64>() / rate;
        let second: f64 = streams.iter().map(|(r, s)| r * 2.0 * s * s).sum::<f64>() / rate;
        (1.0 + second / (mean * mean) - 1.0) / 2.0
    };
    // A dynamic request runs a 100 ms job inline with probability 5/100: a class of
    // its own with one exponential of mean 120 ms (the planner's assumption).
    let k_web = factor(&[(0.95 * peak, 0.020), (0.05 * peak, 0.120), (static_peak, 0.001)]);
    let k_db = factor(&[(reads * 2.0, 0.001), (writes * 2.0, 0.002)]);
    let (c_web, theta_web) = (erlang_c_two(web_erlangs), (2.0 / web_service - web_rate) / k_web);
    let (c_db, theta_db) = (erlang_c_two(db_erlangs), (2.0 / db_service - db_rate) / k_db);
    let mut rng = Rng::new(20_000);
    let samples = 2_000_000;
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let db_own = if rng.uniform() < 0.9 { 0.001 } else { 0.002 };
            let web_own = if rng.uniform() < 0.05 { 0.120 } else { 0.020 };
            visit(&mut rng, c_web, theta_web, web_own)
                + visit(&mut rng, c_db, theta_db, db_own)
                + visit(&mut rng, c_db, theta_db, db_own)
                + 2.0 * 0.0005
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let p99 = times[samples * 99 / 100];
    let got_p99 = got.p99_response_s.unwrap();
    // Two million samples put the empirical p99 within about 0.3 % (95 %) of the true one.
    assert!((got_p99 - p99).abs() < 0.01 * p99, "p99 {got_p99} vs simulated {p99}");
    let mean: f64 = times.iter().sum::<f64>() / samples as f64;
    assert!((got.mean_response_s.unwrap() - mean).abs() < 0.005 * mean);
}
