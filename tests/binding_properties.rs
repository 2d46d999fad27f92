//! Why this count: a sized farm names the constraints that set its count
//! (`binding`). Relaxing the one named alone allows fewer servers; relaxing
//! any other one alone does not. When several are named (a tie: `N − 1`
//! breaks them all), relaxing all of them together allows fewer and
//! relaxing any single one does not. `stability` is named alone when
//! `N − 1` servers would be unstable, which no target can change.

mod common;

use common::{only_row, scaleplan};
use proptest::prelude::*;
use scaleplan::queueing::sizing::{Constraint, PercentileTarget};
use scaleplan::queueing::{size, Balancer, Constraints, Farm};

/// `c` with `relaxed` removed.
fn without(c: &Constraints, relaxed: &[Constraint]) -> Constraints {
    let mut out = c.clone();
    for r in relaxed {
        match r {
            Constraint::MinServers(_) => out.min_servers = 1,
            Constraint::MaxUtil(_) => out.max_utilization = None,
            Constraint::Failover(_) => out.n_plus_one = false,
            Constraint::MeanWait(_) => out.mean_wait_s = None,
            Constraint::Percentile(p) => out.percentiles.retain(|q| q != p),
            Constraint::Stability => {}
        }
    }
    out
}

/// Every constraint `c` holds, each one relaxable.
fn present(c: &Constraints) -> Vec<Constraint> {
    let mut out = Vec::new();
    if c.min_servers > 1 {
        out.push(Constraint::MinServers(c.min_servers));
    }
    out.extend(c.max_utilization.map(Constraint::MaxUtil));
    if c.n_plus_one {
        out.push(Constraint::Failover(c.failover_utilization));
    }
    out.extend(c.mean_wait_s.map(Constraint::MeanWait));
    out.extend(c.percentiles.iter().copied().map(Constraint::Percentile));
    out
}

fn same_kind(a: &Constraint, b: &Constraint) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b) && a.key() == b.key()
}

fn servers(farm: &Farm, c: &Constraints) -> u64 {
    size(farm, c).expect("valid inputs").servers
}

fn farm_strategy() -> impl Strategy<Value = Farm> {
    (
        1.0f64..5e4,
        1e-4f64..0.2,
        prop::sample::select(vec![1u32, 2, 4, 8, 16]),
        prop::bool::ANY,
        prop::sample::select(vec![0.5, 1.0, 1.5]),
    )
        .prop_map(|(rate, service, cores, pooled, cs)| Farm {
            arrival_rate_per_s: rate,
            service_time_s: service,
            cores_per_server: cores,
            balancer: if pooled { Balancer::Pooled } else { Balancer::RoundRobin },
            ca: 1.0,
            cs,
        })
}

/// Constraints whose targets are reachable: percentile targets above the
/// service time's own quantile, by a factor.
fn constraints_for(farm: Farm) -> impl Strategy<Value = Constraints> {
    let s = farm.service_time_s;
    (
        prop::option::of(0.3f64..0.95),
        prop::option::of((prop::sample::select(vec![0.5, 0.9, 0.95, 0.99, 0.999]), 1.05f64..4.0)),
        prop::option::of((prop::sample::select(vec![0.9, 0.99]), 1.05f64..4.0)),
        prop::option::of(0.01f64..2.0),
        1u64..6,
        prop::bool::ANY,
        0.6f64..1.0,
    )
        .prop_map(move |(util, p1, p2, wait, min, n1, fo)| {
            let target = |(q, factor): (f64, f64)| PercentileTarget {
                quantile: q,
                target_s: s * (1.0 / (1.0 - q)).ln().max(1.0) * factor,
            };
            let mut percentiles: Vec<PercentileTarget> = p1.into_iter().chain(p2).map(target).collect();
            percentiles.dedup_by(|a, b| a.quantile == b.quantile);
            Constraints {
                max_utilization: util,
                percentiles,
                mean_wait_s: wait.map(|w| w * s),
                min_servers: min,
                n_plus_one: n1,
                failover_utilization: fo,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_named_constraint_and_only_it_holds_the_count(
        (farm, c) in farm_strategy().prop_flat_map(|f| (Just(f), constraints_for(f)))
    ) {
        let sizing = size(&farm, &c).unwrap();
        prop_assume!(sizing.feasible);
        let n = sizing.servers;
        let named = &sizing.bound_by;
        prop_assert!(!sizing.binding.is_empty());
        prop_assert!(!named.is_empty());
        if named == &[Constraint::Stability] {
            prop_assert!(!farm.queue(n - 1).unwrap().is_stable(), "{n} − 1 is stable");
            return Ok(());
        }
        if n == 1 {
            prop_assert_eq!(named, &vec![Constraint::MinServers(1)]);
            return Ok(());
        }
        // Relaxing every named constraint allows fewer servers.
        prop_assert!(servers(&farm, &without(&c, named)) < n, "relaxing {:?}", named);
        // Relaxing one named constraint alone: fewer only when it is the one named.
        for one in named {
            let fewer = servers(&farm, &without(&c, &[*one])) < n;
            prop_assert_eq!(fewer, named.len() == 1, "{} alone of {}", one.describe(), sizing.binding);
        }
        // Relaxing any other constraint alone keeps the count.
        for other in present(&c).iter().filter(|p| !named.iter().any(|b| same_kind(b, p))) {
            prop_assert_eq!(servers(&farm, &without(&c, &[*other])), n, "relaxing {}", other.describe());
        }
    }
}

/// `scaleplan queue` at 2,000/s of 5 ms requests (10 Erlangs).
const QUEUE_2000_5MS: [&str; 5] = ["queue", "--arrival-rate", "2000/s", "--service-time", "5ms"];

#[test]
fn a_p99_target_met_below_the_default_ceiling_names_max_util() {
    // 2 000/s of 5 ms: 10 Erlangs; 70 % needs 15 servers, whose p99 is 23 ms, far
    // under a 50 ms target: the default utilization ceiling sets the count. A
    // tight p99 target (just above the service's own 23.03 ms) sets it instead.
    // At 23.2 ms 14 servers break both: a tie, both named.
    for (p99, servers, binding) in [
        ("50ms", 15, "max-util 70.0%"),
        ("23.1ms", 16, "p99 23.1 ms"),
        ("23.2ms", 15, "max-util 70.0% + p99 23.2 ms"),
    ] {
        let row = only_row(&[&QUEUE_2000_5MS[..], &["--p99", p99]].concat());
        assert_eq!(row["servers"].as_u64(), Some(servers), "--p99 {p99}");
        assert_eq!(row["binding"].as_str(), Some(binding), "--p99 {p99}");
    }
    // Evaluating a given count names no binding.
    let row = only_row(&[&QUEUE_2000_5MS[..], &["--servers", "20"]].concat());
    assert!(row["binding"].is_null());
    let (code, out, _) = scaleplan(&QUEUE_2000_5MS);
    assert_eq!(code, 0);
    assert!(out.contains("│ binding") && out.contains("max-util 70.0%"), "{out}");
}

#[test]
fn every_sized_tier_names_its_binding_at_1k_1m_and_100m_users() {
    for users in ["1k", "1M", "100M"] {
        let (code, out, err) = scaleplan(&["plan", "--users", users, "--level", "tier", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        for tier in common::json_rows(&out) {
            let sized = tier["servers"].as_u64().unwrap() > 0;
            let binding = tier["binding"].as_str().unwrap();
            assert_eq!(
                sized,
                !binding.is_empty(),
                "{users} {} {}: {binding:?}",
                tier["stage"],
                tier["tier"]
            );
        }
    }
}
