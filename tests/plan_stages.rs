//! Each stage of the ladder has the effect DESIGN section 1 gives it, on
//! the built-in workload; more users never mean fewer servers or less cost.

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
    let (targets, catalog, prices) = (Targets::builtin(), Catalog::builtin(), Prices::builtin());
    let inputs = Inputs {
        workload,
        targets: &targets,
        catalog: &catalog,
        prices: &prices,
    };
    plan(&inputs, &Stage::builtin()).unwrap()
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
    // Replica arrivals are the reads plus every write applied once.
    let writes = w.peak_rate_per_s() * (1.0 - w.read_fraction) * w.db_queries_per_write;
    let hit = after_stage.cache_hit_ratio.unwrap();
    let ratio = (after.arrival_rate_per_s - writes) / (before.arrival_rate_per_s - writes);
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
    assert!(cdn.other_costs.iter().any(|(name, usd)| name == "cdn" && *usd > 0.0));
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

#[test]
fn a_tight_p99_target_adds_servers_until_it_is_met() {
    let (targets, catalog, prices, workload) = (
        Targets::builtin(),
        Catalog::builtin(),
        Prices::builtin(),
        Workload::builtin(),
    );
    let tight = Targets {
        p99_s: 0.120,
        ..targets.clone()
    };
    let stage: Vec<Stage> = Stage::builtin()
        .into_iter()
        .filter(|s| s.id == "db-replication")
        .collect();
    let default = plan(
        &Inputs {
            workload: &workload,
            targets: &targets,
            catalog: &catalog,
            prices: &prices,
        },
        &stage,
    )
    .unwrap();
    let sized = plan(
        &Inputs {
            workload: &workload,
            targets: &tight,
            catalog: &catalog,
            prices: &prices,
        },
        &stage,
    )
    .unwrap();
    let (before, after) = (&default[0], &sized[0]);
    assert!(before.p99_response_s.unwrap() > 0.120, "the default plan misses 120 ms");
    assert!(after.p99_response_s.unwrap() <= 0.120, "{:?}", after.p99_response_s);
    assert!(after.meets_slo, "{}", after.reason);
    assert!(tier(after, TierKind::Web).servers > tier(before, TierKind::Web).servers);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// For each stage, more users never means fewer servers or a lower cost.
    #[test]
    fn more_users_never_fewer_servers_or_lower_cost(log_users in 0.0f64..9.0, factor in 1.0f64..4.0) {
        let fewer = plan_at(10f64.powf(log_users));
        let more = plan_at(10f64.powf(log_users) * factor);
        for (a, b) in fewer.iter().zip(&more) {
            prop_assert!(b.servers >= a.servers, "{}: {} → {} servers", a.id, a.servers, b.servers);
            prop_assert!(b.usd_per_month >= a.usd_per_month * (1.0 - 1e-12), "{}: ${} → ${}", a.id, a.usd_per_month, b.usd_per_month);
        }
    }
}
