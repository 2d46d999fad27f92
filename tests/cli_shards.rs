//! The `scaleplan shards` command end to end: output contract, skew against
//! the exact binomial maximum, resharding and exhaustion by hand, sizing,
//! and exit codes.

mod common;

use common::{number, only_row, scaleplan, Row};

use serde_json::Value;

fn json_row(args: &[&str]) -> Row {
    let mut full = vec!["shards"];
    full.extend_from_slice(args);
    only_row(&full)
}

const FIELDS: [&str; 14] = [
    "shards",
    "keys",
    "zipf_exponent",
    "placement",
    "vnodes",
    "skew",
    "skew_p95",
    "hottest_key_share",
    "hottest_shard_share",
    "hot_key_fits",
    "moved_fraction",
    "moved_bytes",
    "move_time_s",
    "time_to_full_s",
];

#[test]
fn field_list_is_exact_with_nulls_for_questions_not_asked() {
    let row = json_row(&["--shards", "16", "--keys", "100M", "--zipf", "0.9"]);
    let names: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
    assert_eq!(names, FIELDS);
    for field in [
        "vnodes",
        "hot_key_fits",
        "moved_fraction",
        "moved_bytes",
        "move_time_s",
        "time_to_full_s",
    ] {
        assert_eq!(row[field], Value::Null, "{field}");
    }
    assert_eq!(row["placement"], Value::from("hash"));
    assert!(number(&row, "skew") >= 1.0);
    assert!(number(&row, "skew_p95") >= number(&row, "skew"));

    let ring = json_row(&[
        "--shards",
        "16",
        "--keys",
        "100M",
        "--zipf",
        "0.9",
        "--placement",
        "consistent",
    ]);
    assert_eq!(ring["vnodes"].as_u64(), Some(256), "the default ring");
}

/// `C(2m, m) / 4^m`, by a running sum of logarithms.
fn central_binomial_over_4_pow(m: u64) -> f64 {
    let ln: f64 = (1..=m).map(|i| ((m + i) as f64 / i as f64).ln()).sum();
    (ln - 2.0 * m as f64 * std::f64::consts::LN_2).exp()
}

#[test]
fn two_shard_skew_matches_the_exact_binomial_maximum() {
    // K equally popular keys hashed into 2 shards: N ~ Bin(K, 1/2) keys on
    // one, and E[max(N, K − N)] = K/2 + E|N − K/2| = K/2 + m·C(2m, m)/4^m
    // with K = 2m, so skew = 2·E[max]/K = 1 + C(2m, m)/4^m (mpmath agrees:
    // 1.0795892374, 1.0252250182, 1.0007978844). The model's Poisson regime
    // (K = 100) is within 2e-4, its normal regime closer still.
    for (keys, tolerance) in [(100u64, 2e-4), (1_000, 1e-5), (1_000_000, 1e-8)] {
        let exact = 1.0 + central_binomial_over_4_pow(keys / 2);
        let text = keys.to_string();
        let row = json_row(&["--shards", "2", "--keys", &text, "--zipf", "0"]);
        let skew = number(&row, "skew");
        assert!((skew - exact).abs() < tolerance, "K={keys}: {skew} vs {exact}");
    }
}

#[test]
fn hottest_key_share_is_one_over_the_harmonic_number() {
    // p_1 = 1 / H(1000, 1), summed over every key.
    let h: f64 = (1..=1000u32).rev().map(|i| 1.0 / i as f64).sum();
    let row = json_row(&["--shards", "4", "--keys", "1000", "--zipf", "1"]);
    assert!((number(&row, "hottest_key_share") - 1.0 / h).abs() < 1e-12);
    // One shard: everything is on it.
    let one = json_row(&["--shards", "1", "--keys", "1000", "--zipf", "1"]);
    assert!((number(&one, "skew") - 1.0).abs() < 1e-12);
    assert!((number(&one, "hottest_shard_share") - 1.0).abs() < 1e-12);
}

#[test]
fn resharding_8_to_9_moves_what_each_placement_predicts() {
    // Ids 0..72000, 72000 a multiple of lcm(8, 9) = 72: id k stays iff
    // k mod 8 = k mod 9, i.e. k mod 72 < 8, so 8 of every 72 stay: 8/9 move.
    // Hash placement moves the same share; a ring moves only the new
    // shard's arc, 1/9. Of 9 GB, 8 GB move at 100 MB/s: 80 s.
    let cases = [("modulo", 8.0 / 9.0), ("hash", 8.0 / 9.0), ("consistent", 1.0 / 9.0)];
    for (placement, fraction) in cases {
        let row = json_row(&[
            "--shards",
            "8",
            "--reshard-to",
            "9",
            "--keys",
            "72000",
            "--zipf",
            "1",
            "--placement",
            placement,
            "--stored",
            "9GB",
            "--bandwidth",
            "100MB/s",
        ]);
        assert!((number(&row, "moved_fraction") - fraction).abs() < 1e-12, "{placement}");
        assert!(
            (number(&row, "moved_bytes") - fraction * 9e9).abs() < 1e-3,
            "{placement}"
        );
        assert!(
            (number(&row, "move_time_s") - fraction * 90.0).abs() < 1e-9,
            "{placement}"
        );
    }
}

#[test]
fn months_until_the_fullest_shard_is_full() {
    // One shard of 200 GB holding 100 GB: at 5 % a month ln 2 / ln 1.05 =
    // 14.2067 months; at 10 GB a month (200 − 100)/10 = 10 months.
    let base = [
        "--shards",
        "1",
        "--keys",
        "1M",
        "--zipf",
        "1",
        "--stored",
        "100GB",
        "--shard-storage",
        "200GB",
        "--growth",
    ];
    let mut compounding = base.to_vec();
    compounding.push("5%");
    let row = json_row(&compounding);
    // Months of 365.25/12 days, in seconds.
    let month_s = 365.25 * 86_400.0 / 12.0;
    let expected = 2f64.ln() / 1.05f64.ln() * month_s;
    assert!((number(&row, "time_to_full_s") / expected - 1.0).abs() < 1e-12);
    let mut linear = base.to_vec();
    linear.push("10GB");
    let row = json_row(&linear);
    assert!((number(&row, "time_to_full_s") / (10.0 * month_s) - 1.0).abs() < 1e-12);
}

#[test]
fn size_to_finds_a_count_that_fits() {
    // 40 TiB at 2 TiB a shard needs at least 20 shards; key-count skew adds a little.
    let row = json_row(&[
        "--size-to",
        "2TiB",
        "--stored",
        "40TiB",
        "--keys",
        "1B",
        "--zipf",
        "0.8",
    ]);
    let shards = row["shards"].as_u64().unwrap();
    assert!((20..=22).contains(&shards), "{shards}");
    // 100k/s at 10k/s a shard: at least 10 shards, and the hottest one fits.
    let row = json_row(&["--size-to", "10k/s", "--rate", "100k/s", "--keys", "1M", "--zipf", "0"]);
    let shards = row["shards"].as_u64().unwrap();
    assert!(shards >= 10, "{shards}");
    assert!(number(&row, "hottest_shard_share") * 100_000.0 <= 10_000.0);
    assert_eq!(row["hot_key_fits"], Value::Bool(true));
}

#[test]
fn a_hot_key_no_shard_can_carry_is_an_answer_not_an_error() {
    // p_1 = 1/H(1000, 1) = 13.4 %: 13 359/s of 100k/s, above 5k/s a shard.
    let args = [
        "shards",
        "--size-to",
        "5k/s",
        "--rate",
        "100k/s",
        "--keys",
        "1000",
        "--zipf",
        "1",
    ];
    let mut json = args.to_vec();
    json.extend_from_slice(&["--format", "json"]);
    let (code, out, _) = scaleplan(&json);
    assert_eq!(code, 0);
    let parsed: Value = serde_json::from_str(&out).unwrap();
    let row = parsed[0].as_object().unwrap();
    let names: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
    assert_eq!(names, FIELDS);
    assert_eq!(row["shards"], Value::Null);
    assert_eq!(row["skew"], Value::Null);
    assert_eq!(row["hot_key_fits"], Value::Bool(false));
    let (code, table, _) = scaleplan(&args);
    assert_eq!(code, 0);
    assert!(table.contains("sharding cannot split one key"), "{table}");
}

#[test]
fn bad_input_names_the_flag_and_exits_2() {
    let base = ["shards", "--shards", "8", "--keys", "1000", "--zipf", "1"];
    let with = |replace: Option<(&str, &'static str)>, extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = base.to_vec();
        if let Some((flag, value)) = replace {
            let at = args.iter().position(|a| *a == flag).unwrap();
            args[at + 1] = value;
        }
        args.extend_from_slice(extra);
        args
    };
    let cases = [
        (with(Some(("--shards", "0")), &[]), "--shards"),
        (with(Some(("--keys", "-1")), &[]), "--keys"),
        (with(Some(("--keys", "0")), &[]), "--keys"),
        (with(Some(("--zipf", "x")), &[]), "--zipf"),
        (with(None, &["--placement", "foo"]), "--placement"),
        (with(None, &["--vnodes", "16"]), "--vnodes"),
        (with(None, &["--placement", "consistent", "--vnodes", "0"]), "--vnodes"),
        (with(None, &["--reshard-to", "0"]), "--reshard-to"),
        (with(None, &["--bandwidth", "100MB/s"]), "--bandwidth"),
        (with(None, &["--size-to", "5k/s"]), "--size-to"),
        (with(None, &["--size-to", "5k/fortnight"]), "--size-to"),
        (with(None, &["--growth", "5%"]), "--growth"),
        (with(None, &["--growth", "lots"]), "--growth"),
        (
            with(
                None,
                &["--size-to", "2TiB", "--stored", "4TiB", "--shard-storage", "1TiB"],
            ),
            "--shard-storage",
        ),
        (vec!["shards", "--shards", "8", "--zipf", "1"], "--keys"),
        (vec!["shards", "--shards", "8", "--keys", "10"], "--zipf"),
        (vec!["shards", "--keys", "10", "--zipf", "1"], "--shards"),
    ];
    for (args, flag) in cases {
        let (code, out, err) = scaleplan(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.contains(flag), "{args:?} should name {flag}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}
