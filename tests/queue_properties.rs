//! Property tests of the M/M/c engine and of sizing.

use proptest::prelude::*;
use scaleplan::queueing::sizing::{violation, PercentileTarget};
use scaleplan::queueing::{size, Balancer, Constraints, Farm, Mmc};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Adding a server never raises the mean wait.
    #[test]
    fn wait_falls_as_servers_grow(c in 1u64..400, rho in 0.01f64..0.999, service_s in 1e-4f64..2.0) {
        let rate = rho * c as f64 / service_s;
        let fewer = Mmc::new(rate, service_s, c).unwrap().mean_wait_s().unwrap();
        let more = Mmc::new(rate, service_s, c + 1).unwrap().mean_wait_s().unwrap();
        prop_assert!(more <= fewer * (1.0 + 1e-12), "c={c}: {more} > {fewer}");
    }

    /// The response time is the service time plus a wait, so each of its
    /// quantiles is at least the service time's own: S·ln(1/(1−q)).
    #[test]
    fn response_quantiles_at_least_service_quantiles(c in 1u64..2000, rho in 0.0f64..0.9999, service_s in 1e-5f64..10.0) {
        let rate = rho * c as f64 / service_s;
        let q = Mmc::new(rate, service_s, c).unwrap();
        for level in [0.5f64, 0.9, 0.95, 0.99, 0.999] {
            let floor = service_s * (1.0 / (1.0 - level)).ln();
            let got = q.response_quantile_s(level).unwrap();
            prop_assert!(got >= floor * (1.0 - 1e-9), "q={level}: {got} < {floor}");
        }
    }

    /// A sized count meets every constraint and one fewer breaks one.
    #[test]
    fn sized_count_is_least(
        rate in 0.1f64..2e5,
        service_s in 1e-4f64..0.5,
        cores in 1u32..32,
        round_robin in any::<bool>(),
        max_util in 0.3f64..1.0,
        p99_slack in 1.05f64..20.0,
        n_plus_one in any::<bool>(),
        min_servers in 1u64..5,
    ) {
        let farm = Farm {
            arrival_rate_per_s: rate,
            service_time_s: service_s,
            cores_per_server: cores,
            balancer: if round_robin { Balancer::RoundRobin } else { Balancer::Pooled },
            ca: 1.0,
            cs: 1.0,
        };
        let p99_floor = service_s * 100f64.ln();
        let constraints = Constraints {
            max_utilization: Some(max_util),
            percentiles: vec![PercentileTarget { quantile: 0.99, target_s: p99_floor * p99_slack }],
            mean_wait_s: None,
            min_servers,
            n_plus_one,
            failover_utilization: 0.9,
        };
        let sizing = size(&farm, &constraints).unwrap();
        prop_assert!(sizing.feasible);
        prop_assert_eq!(violation(&farm, &constraints, sizing.servers).unwrap(), None);
        if sizing.servers > 1 {
            prop_assert!(violation(&farm, &constraints, sizing.servers - 1).unwrap().is_some());
        }
    }
}

#[test]
fn unreachable_percentile_is_reported_not_looped() {
    let farm = Farm::mmc(100.0, 0.02);
    let constraints = Constraints {
        percentiles: vec![PercentileTarget {
            quantile: 0.99,
            target_s: 0.05,
        }],
        ..Constraints::default()
    };
    let sizing = size(&farm, &constraints).unwrap();
    assert!(!sizing.feasible);
    // The service time's own p99 is 20 ms · ln 100 = 92.1 ms.
    assert!(sizing.reason.contains("92.1 ms"), "{}", sizing.reason);
}

#[test]
fn sizing_a_million_servers() {
    // a = 700 000 Erlangs at 70 %: exactly 1 000 000 servers.
    let farm = Farm::mmc(7e7, 0.01);
    let constraints = Constraints {
        max_utilization: Some(0.7),
        ..Constraints::default()
    };
    let sizing = size(&farm, &constraints).unwrap();
    assert_eq!(sizing.servers, 1_000_000);
    assert_eq!(sizing.binding, "max-util 70.0%");
}
