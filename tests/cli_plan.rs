//! `scaleplan plan` and `scaleplan models` end to end.

mod common;

use common::{json_rows, scaleplan, temp_file};

use serde_json::Value;

const STAGE_FIELDS: [&str; 49] = [
    "users",
    "dau",
    "stage",
    "stage_order",
    "peak_rate_per_s",
    "servers",
    "mean_response_s",
    "p99_response_s",
    "user_p99_s",
    "usd_per_month",
    "usd_per_million_requests",
    "usd_per_dau_month",
    "availability",
    "downtime_min_per_month",
    "spofs",
    "bottleneck",
    "feasible",
    "meets_slo",
    "recommended",
    "reason",
    "sized_for",
    "survives",
    "breaks_on",
    "ceiling_users",
    "ceiling_reason",
    "cache_policy",
    "cache_hit_ratio",
    "cache_ttl_s",
    "cache_request_rate_per_s",
    "cache_items",
    "cache_growth_factor",
    "cache_staleness_mean_s",
    "cache_staleness_max_s",
    "shards",
    "shard_limit_bytes",
    "shard_limited_by",
    "fullest_shard_bytes",
    "time_to_full_s",
    "stored_then_bytes",
    "shards_then",
    "reshard_bandwidth_bytes_per_s",
    "modulo_moved_keys",
    "modulo_moved_bytes",
    "modulo_reshard_time_s",
    "consistent_moved_keys",
    "consistent_moved_bytes",
    "consistent_reshard_time_s",
    "dc_failover_downtime_s",
    "dc_failover_unavailability",
];

const TIER_FIELDS: [&str; 23] = [
    "users",
    "stage",
    "stage_order",
    "tier",
    "kind",
    "instance",
    "servers",
    "binding",
    "cores_per_server",
    "arrival_rate_per_s",
    "service_time_s",
    "utilization",
    "p_wait",
    "mean_response_s",
    "p99_response_s",
    "usd_per_month",
    "availability",
    "spof",
    "feasible",
    "reason",
    "outage_backlog_jobs_per_min",
    "hottest_server_utilization",
    "sessions_lost_per_server_failure",
];

#[test]
fn plan_without_arguments_prints_the_ten_stages() {
    let (code, out, _) = scaleplan(&["plan"]);
    assert_eq!(code, 0);
    for id in [
        "single-server",
        "split-db",
        "load-balancer",
        "db-replication",
        "cache",
        "cdn",
        "stateless-web",
        "multi-dc",
        "message-queue",
        "sharding",
    ] {
        assert!(out.contains(id), "{id} missing");
    }
    let (_, json, _) = scaleplan(&["plan", "--format", "json"]);
    let stages = json_rows(&json);
    assert_eq!(stages.len(), 10);
    assert_eq!(
        stages.iter().filter(|r| r["recommended"] == Value::Bool(true)).count(),
        1
    );
}

#[test]
fn machine_formats_are_flat_and_finite_at_every_scale() {
    for users in ["1", "1k", "1M", "100M", "1B"] {
        for (level, fields) in [("stage", &STAGE_FIELDS[..]), ("tier", &TIER_FIELDS[..])] {
            let (code, json, err) = scaleplan(&["plan", "--users", users, "--level", level, "--format", "json"]);
            assert_eq!(code, 0, "{users} {level}: {err}");
            assert!(!json.contains("NaN") && !json.contains("inf"), "{users} {level}");
            for row in json_rows(&json) {
                let names: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
                assert_eq!(names, fields, "{users} {level}");
                assert!(
                    row.values().all(|v| !v.is_array() && !v.is_object()),
                    "flat: {users} {level}"
                );
            }
            let (code, csv, _) = scaleplan(&["plan", "--users", users, "--level", level, "--format", "csv"]);
            assert_eq!(code, 0);
            assert_eq!(csv.lines().next().unwrap(), fields.join(","));
            assert!(!csv.contains("NaN") && !csv.to_lowercase().contains("inf,"));
            let (_, tsv, _) = scaleplan(&["plan", "--users", users, "--level", level, "--format", "tsv"]);
            assert_eq!(tsv.lines().next().unwrap(), fields.join("\t"));
        }
    }
}

#[test]
fn one_stage_table_also_shows_its_tiers() {
    let (code, out, _) = scaleplan(&["plan", "--stage", "cache"]);
    assert_eq!(code, 0);
    assert!(out.contains("cache.r7g.large") && out.contains("db-replica"), "{out}");
}

/// A bare web farm of c7i.xlarge (4 vCPU) behind round-robin, sized at the
/// 70 % ceiling, must get the count `scaleplan queue` gives for the same
/// rate and service time.
#[test]
fn custom_web_model_matches_the_queue_command() {
    let model = temp_file(
        "web-only.toml",
        "id = \"web-only\"\ntitle = \"One web farm\"\norder = 1\n# Stateless servers: spread evenly, as the queue command assumes.\nsticky_sessions = false\n\n[[tier]]\nname = \"web\"\nkind = \"web\"\nscale = \"out\"\ninstance = \"c7i.xlarge\"\nbalancer = \"round-robin\"\n",
    );
    // No static files and no jobs: every request is 30 ms of web CPU.
    let workload = temp_file(
        "web-only-workload.toml",
        "static_requests_per_dau = 0\njobs_per_dau = 0\nweb_cpu = \"30ms\"\n",
    );
    let (code, out, err) = scaleplan(&[
        "plan",
        "--users",
        "3M",
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
    let tier = json_rows(&out).remove(0);
    let rate = tier["arrival_rate_per_s"].as_f64().unwrap();
    // 3M × 0.5 × 100 / 86 400 × 2 = 3472.2/s.
    assert!((rate - 3e6 * 0.5 * 100.0 / 86_400.0 * 2.0).abs() < 1e-6);
    let (code, q, _) = scaleplan(&[
        "queue",
        "--arrival-rate",
        &format!("{rate}/s"),
        "--service-time",
        "30ms",
        "--cores-per-server",
        "4",
        "--lb",
        "round-robin",
        "--max-util",
        "0.7",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let queue = json_rows(&q).remove(0);
    assert_eq!(tier["servers"], queue["servers"]);
    // 104.2 Erlangs / (4 × 0.7) = 37.2 → 38 servers.
    assert_eq!(tier["servers"].as_u64(), Some(38));
    assert_eq!(
        tier["utilization"].as_f64().unwrap(),
        queue["utilization"].as_f64().unwrap()
    );
}

#[test]
fn toml_errors_name_file_line_and_key() {
    let model_text = scaleplan(&["models", "show", "split-db"])
        .1
        .replace("family = \"c7i\"", "famly = \"c7i\"");
    let line = model_text.lines().position(|l| l.starts_with("famly")).unwrap() + 1;
    let model = temp_file("typo-model.toml", &model_text);
    let (code, _, err) = scaleplan(&["plan", "--model", &model]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&model) && err.contains(&format!("line {line}")) && err.contains("famly"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1);

    let workload = temp_file("typo-workload.toml", "users = \"2M\"\n\nweb_cpu = \"fast\"\n");
    let (code, _, err) = scaleplan(&["plan", "--workload", &workload]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&workload) && err.contains("line 3") && err.contains("web_cpu"),
        "{err}"
    );

    let unknown = temp_file("unknown-key.toml", "users = 5\nuser_count = 7\n");
    let (code, _, err) = scaleplan(&["plan", "--workload", &unknown]);
    assert_eq!(code, 2);
    assert!(err.contains("line 2") && err.contains("user_count"), "{err}");
}

#[test]
fn catalog_row_with_a_bad_number_names_the_line() {
    let good = include_str!("../data/instances.csv");
    let bad = good.replacen("0.1008", "0.1oo8", 1);
    let line = bad.lines().position(|l| l.contains("0.1oo8")).unwrap() + 1;
    let catalog = temp_file("bad-catalog.csv", &bad);
    let (code, _, err) = scaleplan(&["plan", "--catalog", &catalog]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("line {line}")) && err.contains("usd_per_hour"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1);
}

#[test]
fn bad_plan_flags_exit_2() {
    for args in [
        vec!["plan", "--users", "-5"],
        vec!["plan", "--users", "10Q"],
        vec!["plan", "--users", "0"],
        vec!["plan", "--stage", "nope"],
        vec!["plan", "--read-write", "9:"],
        vec!["plan", "--peak-factor", "0.5"],
        vec!["plan", "--model", "/nonexistent/model.toml"],
        vec!["plan", "--level", "rack"],
    ] {
        let (code, _, err) = scaleplan(&args);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn models_lists_and_shows_stages() {
    let (code, out, _) = scaleplan(&["models"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().filter(|l| l.contains("tiers:")).count(), 10);
    let (code, shown, _) = scaleplan(&["models", "show", "cache"]);
    assert_eq!(code, 0);
    // What `show` prints is a valid model file.
    let path = temp_file("shown.toml", &shown);
    let (code, _, err) = scaleplan(&["plan", "--model", &path]);
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = scaleplan(&["models", "show", "nope"]);
    assert_eq!(code, 2);
}

#[test]
fn no_subcommand_prints_help_and_exits_2() {
    let (code, out, err) = scaleplan(&[]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("Usage: scaleplan <COMMAND>") && err.contains("plan"),
        "{err}"
    );
    let (code, out, _) = scaleplan(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Usage: scaleplan <COMMAND>"));
}
