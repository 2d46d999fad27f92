//! Failure what-ifs and sticky sessions (issue: "what the notes warn about").
//! Each moved load is checked by hand at 1M users on the built-in inputs.

mod common;

use common::Rng;
use proptest::prelude::*;
use scaleplan::commands::plan::Loaded;
use scaleplan::model::{Stage, TierKind};
use scaleplan::plan::failures::WhatIf;
use scaleplan::plan::sticky::hottest_share;
use scaleplan::plan::{plan, plan_with_failures, Rates, StagePlan};
use scaleplan::workload::Workload;

fn planned(users: f64) -> Vec<StagePlan> {
    let loaded = Loaded {
        workload: Workload {
            users,
            ..Workload::builtin()
        },
        ..Loaded::builtin()
    };
    plan_with_failures(&loaded.inputs(), &loaded.stages).unwrap()
}

fn what<'a>(p: &'a StagePlan, part: &str) -> &'a WhatIf {
    p.what_ifs.iter().find(|f| f.part == part).unwrap()
}

fn moved_of<'a>(f: &'a WhatIf, tier: &str) -> &'a scaleplan::plan::failures::Moved {
    f.moved.iter().find(|m| m.tier == tier).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1e-12)
}

#[test]
fn cdn_down_adds_exactly_the_static_requests_to_the_web_tier() {
    let w = Workload::builtin();
    let rates = Rates::peak(&w);
    for p in planned(1e6)
        .iter()
        .filter(|p| p.what_ifs.iter().any(|f| f.part == "cdn"))
    {
        let web = p.tiers.iter().find(|t| t.kind == TierKind::Web).unwrap();
        let dynamic: f64 = web.streams.iter().map(|s| s.rate_per_s).sum();
        for m in &what(p, "cdn").moved {
            // Each queue carries the same share of the tier's streams before
            // and after: after/before = (dynamic + static)/dynamic.
            let ratio = m.after_per_s / m.before_per_s;
            assert!(
                close(ratio, (dynamic + rates.static_per_s) / dynamic),
                "{}: {ratio}",
                p.id
            );
        }
    }
}

#[test]
fn cache_lost_multiplies_database_reads_by_one_over_the_miss_ratio() {
    for p in planned(1e6).iter().filter(|p| p.cache_hit_ratio.is_some()) {
        let h = p.cache_hit_ratio.unwrap();
        let replica = p.tiers.iter().find(|t| t.kind == TierKind::DbReplica).unwrap();
        let (reads, writes) = (replica.streams[0].rate_per_s, replica.streams[1].rate_per_s);
        let m = moved_of(what(p, "cache"), &replica.name);
        assert!(close(m.before_per_s, reads + writes), "{}", p.id);
        assert!(close(m.after_per_s, reads / (1.0 - h) + writes), "{}", p.id);
        // Refilled in Che's characteristic time: in the hours at 1M users.
        let refill = what(p, "cache").recovery_s.unwrap();
        assert!(refill > 60.0 && refill < 86_400.0, "{}: {refill}", p.id);
    }
}

#[test]
fn one_server_down_spreads_its_share_over_the_rest() {
    for p in planned(1e6) {
        for (part, kind) in [
            ("web-server", TierKind::Web),
            ("session-store", TierKind::Session),
            ("replica", TierKind::DbReplica),
        ] {
            let Some(t) = p.tiers.iter().find(|t| t.kind == kind) else {
                continue;
            };
            let n = t.dc_servers[0] as f64;
            let f = what(&p, part);
            if n < 2.0 {
                assert!(!f.survives, "{} {part}", p.id);
                continue;
            }
            let m = moved_of(f, &t.name);
            let expected = match (kind, t.sticky) {
                (TierKind::DbReplica, _) => {
                    let (r, w) = (t.streams[0].rate_per_s, t.streams[1].rate_per_s);
                    (r * n / (n - 1.0) + w) / (r + w)
                }
                (_, Some(_)) => {
                    let users = Workload::builtin().dau() * stage_share(&p, 0);
                    let z = Workload::builtin().shard_key_zipf;
                    hottest_share(users, z, n as u64 - 1) / hottest_share(users, z, n as u64)
                }
                _ => n / (n - 1.0),
            };
            assert!(close(m.after_per_s / m.before_per_s, expected), "{} {part}", p.id);
        }
    }
}

fn stage_share(p: &StagePlan, dc: usize) -> f64 {
    let stage = Stage::builtin().into_iter().find(|s| s.id == p.id).unwrap();
    stage.dc_shares()[dc]
}

#[test]
fn a_data_center_down_moves_its_users_to_the_other() {
    for p in planned(1e6)
        .iter()
        .filter(|p| p.what_ifs.iter().any(|f| f.part == "dc"))
    {
        let f = what(p, "dc");
        let web = p.tiers.iter().find(|t| t.kind == TierKind::Web).unwrap();
        // DC 0 (60 %) takes everyone: 1.0/0.6 of its normal rate.
        let m = f
            .moved
            .iter()
            .find(|m| m.tier == web.name && m.data_center == 0)
            .unwrap();
        assert!(close(m.after_per_s / m.before_per_s, 1.0 / 0.6), "{}", p.id);
        assert!(f.survives && f.user_p99_s.unwrap() > p.user_p99_s.unwrap(), "{}", p.id);
    }
}

#[test]
fn the_primary_is_replaced_by_a_promoted_replica() {
    for p in planned(1e6) {
        let Some(f) = p.what_ifs.iter().find(|f| f.part == "primary") else {
            continue;
        };
        let has_replicas = p.tiers.iter().any(|t| t.kind == TierKind::DbReplica);
        assert_eq!(f.recovery_s.is_some(), has_replicas, "{}", p.id);
        if has_replicas {
            let w = Workload::builtin();
            // Writes fail for the 60 s of the promotion.
            let writes = Rates::peak(&w).writes_per_s;
            assert!(close(f.requests_at_risk_per_hour, writes * 60.0), "{}", p.id);
        } else {
            assert!(!f.survives, "{}", p.id);
        }
    }
}

#[test]
fn a_queue_or_worker_outage_builds_a_backlog_and_fails_no_request() {
    let w = Workload::builtin();
    for p in planned(1e6)
        .iter()
        .filter(|p| p.tiers.iter().any(|t| t.kind == TierKind::Worker))
    {
        for part in ["queue", "worker"] {
            let f = what(p, part);
            assert!(f.survives, "{} {part}", p.id);
            assert!(close(
                f.backlog_jobs_per_min.unwrap(),
                Rates::peak(&w).jobs_per_s * 60.0
            ));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// `survives` agrees with the full what-if for every single failure,
    /// and a CDN or cache whose loss is not survived is a single point of
    /// failure in the availability figure.
    #[test]
    fn survives_agrees_with_the_what_ifs(log_users in 2.0f64..7.3) {
        let loaded = Loaded {
            workload: Workload { users: 10f64.powf(log_users), ..Workload::builtin() },
            ..Loaded::builtin()
        };
        let quick = plan(&loaded.inputs(), &loaded.stages).unwrap();
        let full = plan_with_failures(&loaded.inputs(), &loaded.stages).unwrap();
        for (a, b) in quick.iter().zip(&full) {
            prop_assert_eq!(a.survives(), b.survives(), "{}", a.id);
            for part in b.breaks_on() {
                if part == "cdn" || part == "cache" {
                    prop_assert!(b.spofs.iter().any(|s| s.starts_with(part)), "{} {part} not in series: {:?}", b.id, b.spofs);
                }
            }
        }
    }
}

/// A stage model like `load-balancer` with stickiness switched off.
fn unpinned(stage: &Stage) -> Stage {
    Stage {
        sticky_sessions: Some(false),
        ..stage.clone()
    }
}

#[test]
fn sticky_farms_need_at_least_as_many_web_servers() {
    for users in [1e4, 1e5, 1e6, 1e7, 5e7] {
        let loaded = Loaded {
            workload: Workload {
                users,
                ..Workload::builtin()
            },
            ..Loaded::builtin()
        };
        for id in ["load-balancer", "db-replication", "cache", "cdn"] {
            let stage = loaded.stages.iter().find(|s| s.id == id).unwrap();
            assert!(stage.is_sticky(), "{id}");
            let pinned = plan(&loaded.inputs(), std::slice::from_ref(stage)).unwrap().remove(0);
            let even = plan(&loaded.inputs(), &[unpinned(stage)]).unwrap().remove(0);
            let web = |p: &StagePlan| p.tiers.iter().find(|t| t.kind == TierKind::Web).unwrap().servers;
            assert!(
                web(&pinned) >= web(&even),
                "{id} at {users}: {} < {}",
                web(&pinned),
                web(&even)
            );
        }
    }
}

/// Users pinned at random to N servers, activity Zipf(0.5) over users: the
/// hottest server's expected share against `hottest_share`, within 5 %
/// of its load (so of its utilization).
#[test]
fn hottest_server_matches_a_simulation_of_pinned_users() {
    let w = Workload::builtin();
    for (users, servers) in [(50_000usize, 4u64), (500_000, 12), (500_000, 60)] {
        let weights: Vec<f64> = (1..=users).map(|i| (i as f64).powf(-w.shard_key_zipf)).collect();
        let total: f64 = weights.iter().sum();
        let mut rng = Rng::new(users as u64 + servers);
        let trials = 40;
        let mut sum = 0.0;
        for _ in 0..trials {
            let mut load = vec![0.0; servers as usize];
            for weight in &weights {
                load[(rng.next_u64() % servers) as usize] += weight;
            }
            sum += load.iter().cloned().fold(0.0, f64::max) / total;
        }
        let simulated = sum / trials as f64;
        let model = hottest_share(users as f64, w.shard_key_zipf, servers);
        assert!(
            (model - simulated).abs() <= 0.05 * simulated,
            "{users} users on {servers}: {model} vs {simulated}"
        );
    }
}
