//! The `scaleplan cache` command end to end: output contract, numbers
//! checked against direct sums over every key, and exit codes.

mod common;

use common::{number, only_row, scaleplan, Row};

use serde_json::Value;

fn json_row(args: &[&str]) -> Row {
    let mut full = vec!["cache"];
    full.extend_from_slice(args);
    only_row(&full)
}

const FIELDS: [&str; 8] = [
    "keys",
    "zipf_exponent",
    "policy",
    "capacity_items",
    "memory_bytes",
    "hit_ratio",
    "miss_ratio",
    "characteristic_time_s",
];

/// Zipf weights `i^{-s}` for `i = 1..=keys`, summed from the smallest up.
fn harmonic(n: u64, s: f64) -> f64 {
    (1..=n).rev().map(|i| (i as f64).powf(-s)).sum()
}

#[test]
fn field_list_is_exact_and_read_rate_appends_db_reads() {
    let row = json_row(&["--keys", "10M", "--zipf", "0.9", "--capacity", "1M"]);
    let names: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
    assert_eq!(names, FIELDS);
    // Without a request rate the characteristic time has no seconds.
    assert_eq!(row["characteristic_time_s"], Value::Null);
    assert_eq!(row["memory_bytes"], Value::Null);

    let row = json_row(&[
        "--keys",
        "10M",
        "--zipf",
        "0.9",
        "--capacity",
        "1M",
        "--read-rate",
        "20k/s",
        "--request-rate",
        "20k/s",
    ]);
    let names: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
    let mut expected = FIELDS.to_vec();
    expected.push("db_reads_per_s");
    assert_eq!(names, expected);
    // Look-aside: the misses reach the database, (1 − h)·λ_r.
    let misses = (1.0 - number(&row, "hit_ratio")) * 20_000.0;
    assert!((number(&row, "db_reads_per_s") - misses).abs() < 1e-9 * 20_000.0);
    assert!(number(&row, "characteristic_time_s") > 0.0);
}

#[test]
fn lfu_hit_ratio_is_the_top_c_share() {
    // Perfect LFU keeps the C most popular keys: hit = H(C, s) / H(K, s),
    // summed here over every key (K = 1000, C = 100, s = 0.8).
    let row = json_row(&[
        "--keys",
        "1000",
        "--zipf",
        "0.8",
        "--policy",
        "lfu",
        "--capacity",
        "100",
    ]);
    let expected = harmonic(100, 0.8) / harmonic(1000, 0.8);
    assert!((number(&row, "hit_ratio") - expected).abs() < 1e-10, "{row:?}");
    assert!((number(&row, "miss_ratio") - (1.0 - expected)).abs() < 1e-10);
    assert_eq!(row["policy"], Value::from("lfu"));
    assert_eq!(
        row["characteristic_time_s"],
        Value::Null,
        "LFU has no characteristic time"
    );
}

#[test]
fn target_hit_finds_the_least_lfu_capacity() {
    // The least C with H(C, s)/H(K, s) ≥ 0.5, found by walking C up.
    let (keys, s, target) = (5000u64, 1.0, 0.5);
    let total = harmonic(keys, s);
    let mut top = 0.0;
    let mut least = 0;
    for c in 1..=keys {
        top += (c as f64).powf(-s);
        if top / total >= target {
            least = c;
            break;
        }
    }
    let row = json_row(&[
        "--keys",
        "5000",
        "--zipf",
        "1",
        "--policy",
        "lfu",
        "--target-hit",
        "50%",
        "--object-size",
        "920B",
    ]);
    assert!(
        (number(&row, "capacity_items") - least as f64).abs() < 1e-9,
        "{row:?} vs {least}"
    );
    // Memory for C items of 920 + 80 bytes at 75 % usable: ⌈C·1000/0.75⌉.
    let bytes = (least as f64 * 1000.0 / 0.75).ceil();
    assert!(
        (number(&row, "memory_bytes") - bytes).abs() <= 2.0,
        "{row:?} vs {bytes}"
    );
}

#[test]
fn memory_becomes_items() {
    // ⌊0.75 · 2^30 / (1000 + 80)⌋ = ⌊745654.04⌋ items.
    let row = json_row(&[
        "--keys",
        "1e9",
        "--zipf",
        "1",
        "--memory",
        "1GiB",
        "--object-size",
        "1000B",
    ]);
    assert!((number(&row, "capacity_items") - 745_654.0).abs() < 1e-9);
    assert!((number(&row, "memory_bytes") - 1_073_741_824.0).abs() < 1e-3);
    let hit = number(&row, "hit_ratio");
    assert!(hit > 0.0 && hit < 1.0);
}

#[test]
fn ttl_reset_matches_a_direct_sum_and_reports_the_ttl() {
    // h_i = 1 − e^{−p_i·R·τ}, hit = Σ p_i·h_i, live keys = Σ h_i, for
    // K = 2000, s = 1, R = 100/s, τ = 5 s. The model buckets ranks: 1e-4.
    let (keys, s, rate, ttl) = (2000u64, 1.0, 100.0, 5.0);
    let norm = harmonic(keys, s);
    let (mut hit, mut live) = (0.0, 0.0);
    for i in (1..=keys).rev() {
        let p = (i as f64).powf(-s) / norm;
        let h = 1.0 - (-p * rate * ttl).exp();
        hit += p * h;
        live += h;
    }
    let row = json_row(&[
        "--keys",
        "2000",
        "--zipf",
        "1",
        "--policy",
        "ttl-reset",
        "--ttl",
        "5s",
        "--request-rate",
        "100/s",
    ]);
    assert!((number(&row, "hit_ratio") - hit).abs() < 1e-4, "{row:?} vs {hit}");
    // The expected live keys, as a whole count: rounded.
    assert!(row["capacity_items"].is_u64(), "{row:?}");
    assert!(
        (number(&row, "capacity_items") - live).abs() <= 0.5 + 1e-3 * live,
        "{row:?} vs {live}"
    );
    assert!((number(&row, "characteristic_time_s") - 5.0).abs() < 1e-12);
}

#[test]
fn table_warns_that_the_database_takes_every_read_without_the_cache() {
    let (code, out, _) = scaleplan(&[
        "cache",
        "--keys",
        "10M",
        "--zipf",
        "0.9",
        "--capacity",
        "1M",
        "--read-rate",
        "20k/s",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("hit ratio"), "{out}");
    assert!(out.contains("all 20,000/s reads"), "{out}");
    let (_, csv, _) = scaleplan(&[
        "cache",
        "--keys",
        "10M",
        "--zipf",
        "0.9",
        "--capacity",
        "1M",
        "--format",
        "csv",
    ]);
    assert_eq!(csv.lines().next().unwrap(), FIELDS.join(","));
    assert!(!csv.contains("NaN") && !csv.contains("inf"));
}

#[test]
fn bad_input_names_the_flag_and_exits_2() {
    let base = ["cache", "--keys", "1000", "--zipf", "1", "--capacity", "10"];
    let with = |replace: &[(&str, &str)], extra: &[&'static str]| -> Vec<String> {
        let mut args: Vec<String> = base.iter().map(|a| a.to_string()).collect();
        for (flag, value) in replace {
            let at = args.iter().position(|a| a == flag).unwrap();
            args[at + 1] = value.to_string();
        }
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (with(&[("--keys", "-1")], &[]), "--keys"),
        (with(&[("--keys", "0")], &[]), "--keys"),
        (with(&[("--zipf", "x")], &[]), "--zipf"),
        (with(&[("--zipf", "11")], &[]), "--zipf"),
        (with(&[], &["--policy", "foo"]), "--policy"),
        (with(&[], &["--memory", "1GB"]), "--memory"),
        (with(&[], &["--target-hit", "1"]), "--target-hit"),
        (with(&[], &["--ttl", "1s"]), "--ttl"),
        (with(&[], &["--request-rate", "0/s"]), "--request-rate"),
        (vec!["cache".into(), "--zipf".into(), "1".into()], "--keys"),
        (vec!["cache".into(), "--keys".into(), "10".into()], "--zipf"),
        (
            vec![
                "cache".into(),
                "--keys".into(),
                "10".into(),
                "--zipf".into(),
                "1".into(),
            ],
            "--capacity",
        ),
        (
            vec![
                "cache".into(),
                "--keys".into(),
                "10".into(),
                "--zipf".into(),
                "1".into(),
                "--policy".into(),
                "ttl".into(),
                "--ttl".into(),
                "1s".into(),
            ],
            "--request-rate",
        ),
    ];
    for (args, flag) in cases {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = scaleplan(&refs);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.contains(flag), "{args:?} should name {flag}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}
