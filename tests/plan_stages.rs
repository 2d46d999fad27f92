//! Each stage of the ladder has the effect DESIGN section 1 gives it, on
//! the built-in workload; more users never mean fewer servers or less cost.

mod common;

use proptest::prelude::*;
use scaleplan::cache::{MemoryLayout, Policy, Popularity};
use scaleplan::cost::{Catalog, Prices};
use scaleplan::model::{Stage, TierKind};
use scaleplan::plan::{plan, Inputs, StagePlan, TierPlan};
use scaleplan::workload::{Targets, Workload};

fn plan_at(users: f64) -> Vec<StagePlan> {
    let mut workload = Workload::builtin();
    workload.users = users;
    plan_with(&workload)
}

fn plan_with(workload: &Workload) -> Vec<StagePlan> {
    common::plan_builtin(workload)
}

fn stage<'a>(plans: &'a [StagePlan], id: &str) -> &'a StagePlan {
    plans.iter().find(|p| p.id == id).unwrap()
}

fn tier(plan: &StagePlan, kind: TierKind) -> &TierPlan {
    plan.tiers.iter().find(|t| t.kind == kind).unwrap()
}

#[test]
fn cache_lowers_db_read_load_by_the_hit_ratio() {
    let w = Workload::builtin();
    let plans = plan_at(w.users);
    let before = tier(stage(&plans, "db-replication"), TierKind::DbReplica);
    let after_stage = stage(&plans, "cache");
    let after = tier(after_stage, TierKind::DbReplica);
    // Replica arrivals are the reads plus every write applied once on each replica.
    let writes = w.peak_rate_per_s() * (1.0 - w.read_fraction) * w.db_queries_per_write;
    let hit = after_stage.cache_hit_ratio.unwrap();
    let reads = |t: &TierPlan| t.arrival_rate_per_s - writes * t.servers as f64;
    let ratio = reads(after) / reads(before);
    assert!(
        (ratio - (1.0 - hit)).abs() < 1e-9,
        "read ratio {ratio} vs miss ratio {}",
        1.0 - hit
    );
    // The hit ratio is Che's LRU for the memory the cache nodes provide.
    let cache = tier(after_stage, TierKind::Cache);
    let memory = Catalog::builtin().find(&cache.instance).unwrap().memory_bytes() * cache.servers as f64;
    let items = MemoryLayout::new(w.object_bytes)
        .unwrap()
        .items_in(memory)
        .min(w.cache_keys());
    let che = Popularity::new(w.cache_keys(), w.zipf_s)
        .unwrap()
        .hit_ratio_items(Policy::Lru, items)
        .unwrap();
    assert!((hit - che.hit_ratio).abs() < 1e-12);
    assert!(hit > 0.3 && hit < 1.0, "a useful but partial hit ratio: {hit}");
    assert!(after.servers <= before.servers);
}

#[test]
fn cdn_removes_static_load_from_the_web_tier() {
    let w = Workload::builtin();
    let plans = plan_at(w.users);
    let with_static = tier(stage(&plans, "cache"), TierKind::Web);
    let dynamic_only = tier(stage(&plans, "cdn"), TierKind::Web);
    let dynamic = w.peak_rate_per_s();
    assert!((dynamic_only.arrival_rate_per_s - dynamic).abs() < 1e-9 * dynamic);
    let static_rate = w.peak_static_rate_per_s();
    assert!((with_static.arrival_rate_per_s - (dynamic + static_rate)).abs() < 1e-9 * dynamic);
    // The bytes move to the CDN bill.
    let cdn = stage(&plans, "cdn");
    assert!(cdn
        .bill
        .iter()
        .any(|l| l.line.starts_with("CDN transfer") && l.usd_per_month > 0.0));
}

#[test]
fn at_100m_users_stateless_web_costs_less_than_cdn() {
    let plans = plan_at(1e8);
    let cdn = stage(&plans, "cdn");
    let stateless = stage(&plans, "stateless-web");
    assert!(
        stateless.usd_per_month < cdn.usd_per_month,
        "{} vs {}",
        stateless.usd_per_month,
        cdn.usd_per_month
    );
    // Because the web farm follows the day: its mean count is below its peak count.
    let web = tier(stateless, TierKind::Web);
    assert!(
        web.mean_servers < 0.8 * web.servers as f64,
        "{} of {}",
        web.mean_servers,
        web.servers
    );
}

#[test]
fn multi_dc_raises_availability() {
    let plans = plan_at(1e6);
    let one = stage(&plans, "stateless-web");
    let two = stage(&plans, "multi-dc");
    assert!(two.availability > one.availability);
    // A second DC takes a failed one's users; the shared database primary
    // stays in series, so downtime falls by more than ten times, not to zero.
    assert!((1.0 - two.availability) < 0.1 * (1.0 - one.availability));
    assert!(one.spofs.iter().any(|s| s == "data center"));
    assert!(!two.spofs.iter().any(|s| s == "data center"));
    // Geo routing brings far users near: the user p99 falls.
    assert!(two.user_p99_s.unwrap() < one.user_p99_s.unwrap());
}

#[test]
fn message_queue_lowers_web_servers_or_tail_latency() {
    let w = Workload::builtin();
    assert!(w.jobs_per_dau > 0.0);
    let plans = plan_at(1e7);
    let inline = stage(&plans, "multi-dc");
    let queued = stage(&plans, "message-queue");
    let (web_before, web_after) = (tier(inline, TierKind::Web), tier(queued, TierKind::Web));
    assert!(
        web_after.servers < web_before.servers,
        "{} vs {}",
        web_after.servers,
        web_before.servers
    );
    assert!(queued.p99_response_s.unwrap() < inline.p99_response_s.unwrap());
    assert!(tier(queued, TierKind::Worker).servers >= 2);
}

#[test]
fn sharding_is_feasible_where_replication_alone_is_not() {
    let plans = plan_at(1e8);
    let replicated = stage(&plans, "message-queue");
    let sharded = stage(&plans, "sharding");
    assert!(!replicated.feasible, "{}", replicated.reason);
    assert!(sharded.feasible, "{}", sharded.reason);
    assert!(sharded.shards.unwrap() > 1);
}

#[test]
fn single_server_is_feasible_at_1k_users_and_not_at_100m() {
    assert!(stage(&plan_at(1e3), "single-server").feasible);
    let big = plan_at(1e8);
    let single = stage(&big, "single-server");
    assert!(!single.feasible);
    assert!(single.reason.contains("largest instance"), "{}", single.reason);
}

#[test]
fn the_recommended_stage_is_the_cheapest_that_meets_the_targets() {
    for users in [1e3, 1e6, 1e8] {
        let plans = plan_at(users);
        let recommended: Vec<&StagePlan> = plans.iter().filter(|p| p.recommended).collect();
        assert_eq!(recommended.len(), 1, "users {users}");
        let best = recommended[0];
        assert!(best.meets_slo);
        assert!(plans
            .iter()
            .filter(|p| p.meets_slo)
            .all(|p| p.usd_per_month >= best.usd_per_month));
    }
}

/// `b` (more users, or tighter targets) never has a lower cost, fewer
/// vCPUs, or fewer servers in a tier whose instance type did not change. A
/// database pair moving up a size may halve its replicas: the count of
/// boxes falls while the cores and the bill do not.
fn assert_more_never_less(a: &StagePlan, b: &StagePlan) -> Result<(), TestCaseError> {
    let cores = |p: &StagePlan| {
        p.tiers
            .iter()
            .map(|t| t.servers * t.cores_per_server as u64)
            .sum::<u64>()
    };
    prop_assert!(cores(b) >= cores(a), "{}: {} → {} vCPU", a.id, cores(a), cores(b));
    prop_assert!(
        b.usd_per_month >= a.usd_per_month * (1.0 - 1e-12),
        "{}: ${} → ${}",
        a.id,
        a.usd_per_month,
        b.usd_per_month
    );
    for (x, y) in a.tiers.iter().zip(&b.tiers) {
        if x.instance == y.instance {
            prop_assert!(
                y.servers >= x.servers,
                "{} {}: {} → {} servers",
                a.id,
                x.name,
                x.servers,
                y.servers
            );
        }
    }
    Ok(())
}

/// Plans one built-in stage with `targets`.
fn plan_stage_with(workload: &Workload, targets: &Targets, id: &str) -> StagePlan {
    let (catalog, prices) = (Catalog::builtin(), Prices::builtin());
    let stage: Vec<Stage> = Stage::builtin().into_iter().filter(|s| s.id == id).collect();
    let inputs = Inputs {
        workload,
        targets,
        catalog: &catalog,
        prices: &prices,
    };
    plan(&inputs, &stage).unwrap().remove(0)
}

#[test]
fn a_tight_p99_target_adds_servers_until_it_is_met() {
    // Jobs off (no 120 ms inline class), so waits are a visible part of the p99.
    let workload = Workload {
        jobs_per_dau: 0.0,
        ..Workload::builtin()
    };
    let targets = Targets::builtin();
    let before = plan_stage_with(&workload, &targets, "db-replication");
    // Between the no-wait floor (about 97 ms: the 20 ms handler's own p99, DB visits, hops) and 110 ms.
    let wanted = 0.95 * before.p99_response_s.unwrap();
    let tight = Targets {
        p99_s: wanted,
        ..targets.clone()
    };
    let after = plan_stage_with(&workload, &tight, "db-replication");
    assert!(after.p99_response_s.unwrap() <= wanted, "{:?}", after.p99_response_s);
    assert!(after.meets_slo, "{}", after.reason);
    assert!(tier(&after, TierKind::Web).servers > tier(&before, TierKind::Web).servers);
    assert!(after.sized_for.starts_with("p99"), "{}", after.sized_for);
    // The least: a target a hair looser never needs more servers.
    let looser = Targets {
        p99_s: wanted * 1.01,
        ..targets.clone()
    };
    let relaxed = plan_stage_with(&workload, &looser, "db-replication");
    assert!(
        relaxed.servers <= after.servers,
        "{} > {}",
        relaxed.servers,
        after.servers
    );
}

#[test]
fn an_unreachable_target_leaves_the_stage_as_sized() {
    let workload = Workload::builtin();
    let targets = Targets::builtin();
    for id in ["load-balancer", "stateless-web", "message-queue"] {
        let before = plan_stage_with(&workload, &targets, id);
        // 5 ms is below the 20 ms handler's own p99: no server count reaches it.
        let p99 = Targets {
            p99_s: 0.005,
            ..targets.clone()
        };
        let after = plan_stage_with(&workload, &p99, id);
        assert_eq!(after.tiers, before.tiers, "{id}: p99");
        assert!(
            !after.meets_slo && after.sized_for.contains("out of reach"),
            "{id}: {}",
            after.sized_for
        );
        // 100 % is above what the data center allows.
        let all = Targets {
            availability: 1.0,
            ..targets.clone()
        };
        let after = plan_stage_with(&workload, &all, id);
        assert_eq!(after.tiers, before.tiers, "{id}: availability");
        assert!((after.usd_per_month - before.usd_per_month).abs() < 1e-9, "{id}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// For each stage, more users never means a lower cost, fewer cores,
    /// or fewer servers of an unchanged instance type.
    #[test]
    fn more_users_never_fewer_servers_or_lower_cost(log_users in 0.0f64..9.0, factor in 1.0f64..4.0) {
        let fewer = plan_at(10f64.powf(log_users));
        let more = plan_at(10f64.powf(log_users) * factor);
        // An infeasible stage has no bill (its figures print as null).
        for (a, b) in fewer.iter().zip(&more).filter(|(_, b)| b.feasible) {
            assert_more_never_less(a, b)?;
        }
    }
}
