//! `plan`'s data figures against the calculators that own their math (one
//! implementation, every command calls it): a cache tier's policy, TTL,
//! target hit ratio and staleness against `scaleplan cache`; the sharded
//! stage's months to full and reshard against `scaleplan shards`; joins
//! across shards; DNS on the user's path and in a data-center failover.

mod common;

use common::{number, only_row, scaleplan, temp_file, Row};

/// The built-in `cache` stage with `extra` lines under its cache tier and
/// `stage_keys` at the top.
fn cache_model(name: &str, stage_keys: &str, cache_keys: &str) -> String {
    let (_, text, _) = scaleplan(&["models", "show", "cache"]);
    let text = text
        .replacen("order = 5\n", &format!("order = 5\n{stage_keys}\n"), 1)
        .replace("cache_fraction = 0.1\n", "")
        .replacen(
            "instance = \"cache.r7g.large\"\n",
            &format!("instance = \"cache.r7g.large\"\n{cache_keys}\n"),
            1,
        );
    temp_file(name, &text)
}

/// The one stage record of `plan` with these arguments.
fn plan_row(args: &[&str]) -> Row {
    let mut full = vec!["plan"];
    full.extend_from_slice(args);
    only_row(&full)
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    ((got - want) / want).abs() <= rel
}

/// Peak read queries the single-DC cache sees: `U·f_dau·r/86 400·p·φ·q_r`
/// at the built-in workload (1M users, 50 %, 100 a day, ×2, 90 %, 2).
const READ_QUERIES_PER_S: f64 = 1e6 * 0.5 * 100.0 / 86_400.0 * 2.0 * 0.9 * 2.0;

#[test]
fn a_ttl_cache_tier_has_the_hit_ratio_of_scaleplan_cache() {
    for (policy, ttl) in [("ttl", "30s"), ("ttl-reset", "100ms"), ("ttl-reset", "2min")] {
        let model = cache_model(
            &format!("{policy}-{ttl}.toml"),
            "",
            &format!("policy = \"{policy}\"\nttl = \"{ttl}\""),
        );
        let row = plan_row(&["--model", &model]);
        let rate = number(&row, "cache_request_rate_per_s");
        assert!(close(rate, READ_QUERIES_PER_S, 1e-12), "{rate}");
        let calculator = only_row(&[
            "cache",
            "--keys",
            "20M",
            "--zipf",
            "0.9",
            "--policy",
            policy,
            "--ttl",
            ttl,
            "--request-rate",
            &format!("{READ_QUERIES_PER_S}/s"),
        ]);
        let (plan_hit, cache_hit) = (number(&row, "cache_hit_ratio"), number(&calculator, "hit_ratio"));
        assert!(
            close(plan_hit, cache_hit, 1e-12),
            "{policy}: plan {plan_hit} vs cache {cache_hit}"
        );
        assert_eq!(row["cache_policy"], policy);
        let ttl_s = number(&calculator, "characteristic_time_s");
        assert_eq!(number(&row, "cache_ttl_s"), ttl_s);
        // The memory holds the live keys (the calculator's capacity_items).
        assert!(number(&row, "cache_items") >= number(&calculator, "capacity_items").floor());
        match policy {
            "ttl" => {
                assert!(close(number(&row, "cache_staleness_mean_s"), ttl_s / 2.0, 1e-15));
                assert!(close(number(&row, "cache_staleness_max_s"), ttl_s, 1e-15));
            }
            _ if ttl_s < 1.0 => {
                assert!(row["cache_staleness_max_s"].is_null(), "ttl-reset never bounds the age");
                assert!(number(&row, "cache_staleness_mean_s") > ttl_s / 2.0);
            }
            // At 2 min the hottest key is read about 5 600 times per TTL:
            // its entry never expires, so its data is never refreshed (the
            // mean age is beyond double precision).
            _ => assert!(row["cache_staleness_mean_s"].is_null() && row["cache_staleness_max_s"].is_null()),
        }
    }
}

#[test]
fn a_target_hit_ratio_sizes_the_cache_like_scaleplan_cache_target_hit() {
    for policy in ["lru", "lfu"] {
        let model = cache_model(
            &format!("target-{policy}.toml"),
            "cache_target_hit = \"95%\"",
            &format!("policy = \"{policy}\""),
        );
        let row = plan_row(&["--model", &model]);
        let calculator = only_row(&[
            "cache",
            "--keys",
            "20M",
            "--zipf",
            "0.9",
            "--policy",
            policy,
            "--target-hit",
            "95%",
        ]);
        // Whole nodes of memory: at least the calculator's capacity, so at
        // least the target.
        assert!(number(&row, "cache_items") >= number(&calculator, "capacity_items"));
        assert!(number(&row, "cache_hit_ratio") >= 0.95, "{policy}");
        assert!(row["cache_staleness_mean_s"].is_null() && row["cache_ttl_s"].is_null());
    }
    // An expiry policy with a target: the TTL of `cache --target-hit`.
    let model = cache_model("target-ttl.toml", "cache_target_hit = \"80%\"", "policy = \"ttl\"");
    let row = plan_row(&["--model", &model]);
    let calculator = only_row(&[
        "cache",
        "--keys",
        "20M",
        "--zipf",
        "0.9",
        "--policy",
        "ttl",
        "--target-hit",
        "80%",
        "--request-rate",
        &format!("{READ_QUERIES_PER_S}/s"),
    ]);
    let ttl_s = number(&row, "cache_ttl_s");
    assert!(
        close(ttl_s, number(&calculator, "characteristic_time_s"), 1e-12),
        "{ttl_s}"
    );
    assert!(close(number(&row, "cache_hit_ratio"), 0.8, 1e-9));
}

#[test]
fn a_growth_horizon_provisions_the_cache_for_the_grown_data() {
    // 12 months at 3 % a month: 1.03^12 = 1.42576 times the keys.
    let today = plan_row(&["--model", &cache_model("now.toml", "cache_fraction = 0.5", "")]);
    let grown = plan_row(&[
        "--model",
        &cache_model(
            "grown.toml",
            "cache_fraction = 0.5\ncache_growth_horizon = \"12 months\"",
            "",
        ),
    ]);
    let factor = number(&grown, "cache_growth_factor");
    assert!(close(factor, 1.03f64.powi(12), 1e-12), "{factor}");
    assert!(number(&grown, "cache_items") >= number(&today, "cache_items") * factor * 0.99);
    // More memory today: a higher hit ratio now, the planned one later.
    assert!(number(&grown, "cache_hit_ratio") > number(&today, "cache_hit_ratio"));
}

#[test]
fn the_sharded_stage_fills_and_reshards_as_scaleplan_shards_says() {
    for users in ["10M", "100M"] {
        let row = plan_row(&["--users", users, "--stage", "sharding"]);
        let shards = number(&row, "shards").to_string();
        let limit = format!("{}B", number(&row, "shard_limit_bytes"));
        let stored = format!("{}B", number(&row, "users") * 1e6); // stored_per_user 1MB
        let keys = number(&row, "users").to_string();
        // The record gives seconds; the growth compounds monthly.
        let months = number(&row, "time_to_full_s") / scaleplan::quantity::SECONDS_PER_MONTH;
        let calculator = only_row(&[
            "shards",
            "--shards",
            &shards,
            "--keys",
            &keys,
            "--zipf",
            "0.5",
            "--stored",
            &stored,
            "--shard-storage",
            &limit,
            "--growth",
            "3%",
        ]);
        assert!(
            close(
                months,
                number(&calculator, "time_to_full_s") / scaleplan::quantity::SECONDS_PER_MONTH,
                1e-9
            ),
            "{users}: {months}"
        );
        // The reshard happens on that day, on that day's data.
        let stored_then = number(&row, "stored_then_bytes");
        assert!(close(
            stored_then,
            number(&row, "users") * 1e6 * 1.03f64.powf(months),
            1e-9
        ));
        let to = number(&row, "shards_then").to_string();
        let bandwidth = number(&row, "reshard_bandwidth_bytes_per_s");
        assert_eq!(
            bandwidth,
            100e6 * number(&row, "shards"),
            "100 MB/s a shard, all at once"
        );
        for placement in ["modulo", "consistent"] {
            let calculator = only_row(&[
                "shards",
                "--shards",
                &shards,
                "--keys",
                &keys,
                "--zipf",
                "0.5",
                "--placement",
                placement,
                "--stored",
                &format!("{stored_then}B"),
                "--reshard-to",
                &to,
                "--bandwidth",
                &format!("{bandwidth}B/s"),
            ]);
            let moved = number(&row, &format!("{placement}_moved_bytes"));
            assert!(
                close(moved, number(&calculator, "moved_bytes"), 1e-12),
                "{users} {placement}: {moved}"
            );
            let hours = number(&row, &format!("{placement}_reshard_time_s"));
            assert!(close(hours, number(&calculator, "move_time_s"), 1e-12));
            let keys_moved = number(&row, &format!("{placement}_moved_keys"));
            assert!(close(
                keys_moved,
                number(&calculator, "moved_fraction") * number(&row, "users"),
                1e-12
            ));
        }
        // Consistent hashing moves about half when the count doubles; id
        // modulo moves nearly everything unless the new count is a multiple.
        assert!(number(&row, "consistent_moved_bytes") < number(&row, "modulo_moved_bytes"));
    }
}

#[test]
fn a_join_heavy_workload_raises_the_sharded_stage_p99_and_its_shard_load() {
    let none = temp_file("no-joins.toml", "join_share = 0\n");
    let heavy = temp_file("joins.toml", "join_share = \"50%\"\njoin_shards = 8\n");
    let p99 = |workload: &str| {
        let row = plan_row(&["--users", "100M", "--stage", "sharding", "--workload", workload]);
        number(&row, "p99_response_s")
    };
    let (plain, joined) = (p99(&none), p99(&heavy));
    assert!(joined > plain, "joins {joined} vs none {plain}");
    let replica_reads = |workload: &str| {
        let (code, out, err) = scaleplan(&[
            "plan",
            "--users",
            "100M",
            "--stage",
            "sharding",
            "--level",
            "tier",
            "--workload",
            workload,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let rows = common::json_rows(&out);
        let replica = rows.iter().find(|r| r["tier"] == "db-replica").expect("a replica tier");
        number(replica, "arrival_rate_per_s")
    };
    assert!(replica_reads(&heavy) > replica_reads(&none));
}

#[test]
fn dns_lookups_shift_the_user_p99_by_the_resolver_time() {
    // Every request missing its DNS cache: every class pays exactly 30 ms
    // more, so the user p99 moves by exactly that; the server p99 not at all.
    let all_hit = temp_file("dns-hit.toml", "dns_hit_share = 1\n");
    let all_miss = temp_file("dns-miss.toml", "dns_hit_share = 0\ndns_resolver_time = \"30ms\"\n");
    let row = |workload: &str| plan_row(&["--stage", "cache", "--workload", workload]);
    let (hit, miss) = (row(&all_hit), row(&all_miss));
    let shift = number(&miss, "user_p99_s") - number(&hit, "user_p99_s");
    assert!((shift - 0.030).abs() < 1e-6, "{shift}");
    assert_eq!(number(&miss, "p99_response_s"), number(&hit, "p99_response_s"));
    // The built-in 10 % of lookups sits between the two.
    let default = plan_row(&["--stage", "cache"]);
    assert!(number(&default, "user_p99_s") > number(&hit, "user_p99_s"));
    assert!(number(&default, "user_p99_s") < number(&miss, "user_p99_s"));
}

#[test]
fn a_data_center_failover_costs_detection_plus_dns_ttl_in_availability() {
    // multi-dc: 2 failures a year of 30 s detection + 60 s TTL each.
    let row = plan_row(&["--stage", "multi-dc"]);
    assert_eq!(number(&row, "dc_failover_downtime_s"), 90.0);
    let share = 2.0 * 90.0 / (365.25 * 86_400.0);
    assert!(close(number(&row, "dc_failover_unavailability"), share, 1e-12));
    // Without failures the transitions cost nothing: the ratio is 1 − share.
    let (_, text, _) = scaleplan(&["models", "show", "multi-dc"]);
    let never = temp_file(
        "never.toml",
        &text.replacen("order = 8\n", "order = 8\ndc_failures_per_year = 0\n", 1),
    );
    let without = plan_row(&["--model", &never]);
    let ratio = number(&row, "availability") / number(&without, "availability");
    assert!(close(ratio, 1.0 - share, 1e-12), "{ratio}");
    assert!(plan_row(&["--stage", "cache"])["dc_failover_downtime_s"].is_null());
}

#[test]
fn a_join_reads_from_every_distinct_shard_its_keys_hash_to() {
    // Web and shards only (no cache, no replicas, one DC): the shards take
    // every write and every read query, a join read's on each distinct
    // shard of its k keys, E[D] = S·(1 − (1 − 1/S)^k).
    let model = temp_file(
        "bare-shards.toml",
        "id = \"bare\"\ntitle = \"bare\"\norder = 1\n\
         [[tier]]\nname = \"web\"\nkind = \"web\"\nscale = \"out\"\ninstance = \"c7i.xlarge\"\n\
         [[tier]]\nname = \"db\"\nkind = \"db-shard\"\nscale = \"out\"\ninstance = \"r7i.2xlarge\"\n",
    );
    let workload = temp_file("joins-4.toml", "join_share = \"20%\"\njoin_shards = 4\n");
    let (code, out, err) = scaleplan(&[
        "plan",
        "--users",
        "30M",
        "--model",
        &model,
        "--workload",
        &workload,
        "--level",
        "tier",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = common::json_rows(&out);
    let db = rows.iter().find(|r| r["tier"] == "db").expect("the shard tier");
    let shards = number(db, "servers");
    assert!(shards > 4.0, "{shards} shards");
    let peak = 30e6 * 0.5 * 100.0 / 86_400.0 * 2.0;
    let (reads, writes) = (peak * 0.9 * 2.0, peak * 0.1 * 2.0);
    let distinct = shards * (1.0 - (1.0 - 1.0 / shards).powi(4));
    let want = writes + reads * (1.0 + 0.2 * (distinct - 1.0));
    let got = number(db, "arrival_rate_per_s");
    assert!(close(got, want, 1e-9), "{got} vs {want}");
}
