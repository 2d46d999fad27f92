//! `plan`, `ladder` and `sensitivity` with ranged inputs (Monte Carlo):
//! against point plans and ceilings derived from the log-normal's own
//! quantiles.

mod common;

use common::{number, plan_builtin, rows_of, scaleplan, temp_file, Row};
use scaleplan::plan::StagePlan;
use scaleplan::uncertain::{standard_normal_quantile, Z95};
use scaleplan::workload::Workload;
use statrs::distribution::{ContinuousCDF, Normal};

fn optional(row: &Row, field: &str) -> Option<f64> {
    row[field].as_f64()
}

fn point_plans(users: f64) -> Vec<StagePlan> {
    plan_builtin(&Workload {
        users,
        ..Workload::builtin()
    })
}

#[test]
fn degenerate_ranges_print_exactly_the_point_plan() {
    for format in ["table", "json", "csv"] {
        let ranged = scaleplan(&[
            "plan",
            "--users",
            "2M..2M",
            "--requests-per-user",
            "120..120",
            "--web-cpu",
            "25ms..25ms",
            "--format",
            format,
        ]);
        let point = scaleplan(&[
            "plan",
            "--users",
            "2M",
            "--requests-per-user",
            "120",
            "--web-cpu",
            "25ms",
            "--format",
            format,
        ]);
        assert_eq!(ranged.0, 0, "{}", ranged.2);
        assert_eq!(ranged, point, "{format}");
    }
    let ranged_file = temp_file(
        "degenerate.toml",
        "users = \"3M..3M\"\nzipf = { range = \"0.8..0.8\" }\n",
    );
    let point_file = temp_file("point.toml", "users = \"3M\"\nzipf = 0.8\n");
    let ranged = scaleplan(&["plan", "--workload", &ranged_file, "--format", "json"]);
    let point = scaleplan(&["plan", "--workload", &point_file, "--format", "json"]);
    assert_eq!(ranged.0, 0, "{}", ranged.2);
    assert_eq!(ranged, point);
}

/// `--users 10M..40M` (a range holding stages 4–9's ceiling) and
/// `--users 1M..4M` (below every ceiling), 2,000 samples. The sample median of the users is
/// the ⌈n/2⌉-th order statistic; its cumulative probability lies within
/// 0.5 ± 3·√(0.25/n) with probability 0.997 (normal approximation to the
/// binomial), so each stage's p50 cost lies between the point plans at the
/// log-normal's quantiles at those two probabilities (cost never falls as
/// users grow: tests/plan_stages.rs). `p_meets_slo` is the share of
/// samples below the stage's ceiling: Φ((ln c − μ)/σ), within four
/// binomial standard errors √(p(1−p)/n) plus 0.002 for the ceiling search's
/// 1e-3 relative precision (φ ≤ 0.4, σ = 0.42: under 0.001 of probability).
#[test]
fn with_users_ranged_the_median_is_the_point_plan_and_the_share_is_below_the_ceiling() {
    let ceilings = rows_of(&["ladder"]);
    for (range, low, high) in [("10M..40M", 10e6, 40e6), ("1M..4M", 1e6, 4e6)] {
        users_ranged_matches_point_plans_and_ceilings(range, low, high, &ceilings);
    }
}

fn users_ranged_matches_point_plans_and_ceilings(range: &str, low: f64, high: f64, ceilings: &[Row]) {
    let n = 2000.0_f64;
    let sampled = rows_of(&["plan", "--users", range, "--samples", "2000"]);
    let (mu, sigma) = ((low.ln() + high.ln()) / 2.0, (high.ln() - low.ln()) / (2.0 * Z95));
    let users_at = |p: f64| (mu + sigma * standard_normal_quantile(p)).exp();
    let half_width = 3.0 * (0.25 / n).sqrt();
    let (below, above) = (
        point_plans(users_at(0.5 - half_width)),
        point_plans(users_at(0.5 + half_width)),
    );
    for row in &sampled {
        let stage = row["stage"].as_str().unwrap();
        let (a, b) = (
            below.iter().find(|p| p.id == stage).unwrap(),
            above.iter().find(|p| p.id == stage).unwrap(),
        );
        let cost = |p: &StagePlan| p.feasible.then_some(p.usd_per_month);
        match (optional(row, "usd_per_month_p50"), cost(a), cost(b)) {
            (Some(p50), Some(lo), Some(hi)) => assert!(lo <= p50 && p50 <= hi, "{stage}: {lo} ≤ {p50} ≤ {hi}"),
            (Some(p50), Some(lo), None) => assert!(lo <= p50, "{stage}: {lo} ≤ {p50}"),
            (None, _, None) => {}
            other => panic!("{stage}: p50 and point plans disagree: {other:?}"),
        }
        if let (Some(servers), true) = (optional(row, "servers_p50"), a.feasible && b.feasible) {
            let (lo, hi) = (a.servers.min(b.servers) as f64, a.servers.max(b.servers) as f64);
            assert!(
                lo <= servers && servers <= hi,
                "{range} {stage}: {lo} ≤ {servers} ≤ {hi}"
            );
        }
        let ceiling = ceilings.iter().find(|c| c["stage"] == stage).unwrap();
        let expected = match optional(ceiling, "ceiling_users") {
            None => 0.0,
            Some(c) => Normal::new(0.0, 1.0).unwrap().cdf((c.ln() - mu) / sigma),
        };
        let got = number(row, "p_meets_slo");
        let tolerance = 4.0 * (expected * (1.0 - expected) / n).sqrt() + 0.002;
        assert!(
            (got - expected).abs() <= tolerance,
            "{range} {stage}: p_meets_slo {got} vs {expected} ± {tolerance}"
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes_on_one_thread_and_on_two() {
    let args = [
        "plan",
        "--users",
        "1M..4M",
        "--web-cpu",
        "15ms..30ms",
        "--samples",
        "300",
        "--seed",
        "7",
        "--level",
        "tier",
        "--format",
        "json",
    ];
    let run = |threads: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_scaleplan"))
            .args(args)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert!(!one.is_empty());
    let with_seed = |seed: &str| {
        scaleplan(&[
            "plan",
            "--users",
            "1M..4M",
            "--samples",
            "300",
            "--seed",
            seed,
            "--format",
            "json",
        ])
    };
    assert_ne!(with_seed("8").1, with_seed("7").1, "the seed changes the samples");
}

#[test]
fn tier_bands_cover_every_tier_of_every_stage() {
    let sampled = rows_of(&["plan", "--users", "1M..2M", "--samples", "50", "--level", "tier"]);
    let point = point_plans(1.4e6);
    let tiers: usize = point.iter().map(|p| p.tiers.len()).sum();
    assert_eq!(sampled.len(), tiers);
    for row in &sampled {
        let (p10, p50, p90) = (
            number(row, "servers_p10"),
            number(row, "servers_p50"),
            number(row, "servers_p90"),
        );
        assert!(p10 <= p50 && p50 <= p90, "{row:?}");
    }
}

#[test]
fn ranged_inputs_refuse_what_describes_one_plan() {
    for extra in [["--fail", "cdn"], ["--level", "cost"]] {
        let mut args = vec!["plan", "--users", "1M..2M"];
        args.extend_from_slice(&extra);
        let (code, _, err) = scaleplan(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(extra[0]) && err.lines().count() == 1, "{err}");
    }
    let (code, _, err) = scaleplan(&["plan", "--users", "4M..1M"]);
    assert_eq!(code, 2);
    assert!(err.contains("--users") && err.contains("low end is above"), "{err}");
    let (code, _, err) = scaleplan(&["sweep", "--web-cpu", "10ms..20ms"]);
    assert_eq!(code, 2);
    assert!(err.contains("range"), "{err}");
}

#[test]
fn a_ladder_band_brackets_the_point_ceiling_at_the_median() {
    let bands = rows_of(&[
        "ladder",
        "--web-cpu",
        "15ms..30ms",
        "--samples",
        "40",
        "--stage",
        "single-server",
    ]);
    let point = rows_of(&["ladder", "--web-cpu", "21.2132ms", "--stage", "single-server"]);
    let (p10, p50, p90) = (
        number(&bands[0], "capacity_ceiling_users_p10"),
        number(&bands[0], "capacity_ceiling_users_p50"),
        number(&bands[0], "capacity_ceiling_users_p90"),
    );
    let at_median = number(&point[0], "capacity_ceiling_users");
    assert!(p10 < p50 && p50 < p90, "{p10} {p50} {p90}");
    assert!(p10 < at_median && at_median < p90, "{p10} < {at_median} < {p90}");
}

/// The tornado's ends are single plans: each input at its low (high) end,
/// every other at its median, equal to `plan --stage` with those values
/// (1e-9 relative), and the rows ranked by the cost swing.
#[test]
fn sensitivity_swings_are_the_point_plans_at_each_end() {
    use scaleplan::ranges::{find, FLAGS};
    use scaleplan::uncertain::{Dist, Spread};
    let ranges = [
        ("--requests-per-user", 50.0, 200.0),
        ("--web-cpu", 0.010, 0.040),
        ("--users", 900e3, 1.1e6),
    ];
    let swung = rows_of(&[
        "sensitivity",
        "--requests-per-user",
        "50..200",
        "--web-cpu",
        "10ms..40ms",
        "--users",
        "900k..1.1M",
        "--samples",
        "100",
    ]);
    assert_eq!(swung.len(), 3);
    let median = |flag: &str, low: f64, high: f64| {
        let domain = find(FLAGS, flag).unwrap().range;
        Spread::new(low, high, Dist::LogNormal, domain).unwrap().median()
    };
    let written = |flag: &str, x: f64| match flag {
        "--web-cpu" => format!("{x}s"),
        _ => format!("{x}"),
    };
    let stage = swung[0]["stage"].as_str().unwrap().to_string();
    for row in &swung {
        let input = row["input"].as_str().unwrap();
        for (end, field) in [("low", "usd_per_month_at_low"), ("high", "usd_per_month_at_high")] {
            let mut args = vec!["plan".to_string(), "--stage".to_string(), stage.clone()];
            for (flag, low, high) in ranges {
                let value = match flag == input {
                    true => number(row, end),
                    false => median(flag, low, high),
                };
                args.extend([flag.to_string(), written(flag, value)]);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let point = &rows_of(&args)[0];
            let (swing_end, single) = (number(row, field), number(point, "usd_per_month"));
            assert!(
                (swing_end - single).abs() <= 1e-9 * single,
                "{input} at its {end}: {swing_end} vs plan {single}"
            );
        }
    }
    let swings: Vec<f64> = swung.iter().map(|r| number(r, "usd_per_month_swing")).collect();
    assert!(
        swings.windows(2).all(|w| w[0] >= w[1]),
        "ranked by cost swing: {swings:?}"
    );
}

#[test]
fn sampling_flags_without_a_range_are_refused_not_ignored() {
    for args in [
        vec!["plan", "--samples", "100"],
        vec!["plan", "--seed", "3"],
        vec!["ladder", "--confidence", "80%", "--web-cpu", "10ms..20ms"],
    ] {
        let (code, _, err) = scaleplan(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(args[1]) && err.lines().count() == 1, "{err}");
    }
}

#[test]
fn a_range_under_a_quoted_key_or_a_section_is_refused_by_name() {
    for text in ["\"users\" = \"1M..2M\"\n", "[users]\nrange = \"1M..2M\"\n"] {
        let path = temp_file("quoted.toml", text);
        let (code, _, err) = scaleplan(&["plan", "--workload", &path]);
        assert_eq!(code, 2, "{text}");
        assert!(err.contains("key `users`") && err.contains("own line"), "{err}");
    }
}

#[test]
fn sensitivity_without_a_drawable_bar_keeps_its_table() {
    let svg = temp_file("never.svg", "");
    let (code, out, err) = scaleplan(&[
        "sensitivity",
        "--users",
        "100M..400M",
        "--stage",
        "single-server",
        "--plot",
        &svg,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no chart written") && out.contains("--users"), "{out}");
}

/// The tornado draws the inputs that carry the load at both ends and names
/// the others under its axis: 30M users is past db-replication's ceiling
/// (24.7M), so users has no cost at its high end and no bar.
#[test]
fn sensitivity_names_the_input_it_cannot_draw() {
    let svg = temp_file("partial.svg", "");
    let (code, out, err) = scaleplan(&[
        "sensitivity",
        "--users",
        "1M..30M",
        "--web-cpu",
        "20ms..40ms",
        "--stage",
        "db-replication",
        "--plot",
        &svg,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("no chart written"), "{out}");
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(drawn.contains("--web-cpu 20ms..40ms"), "the web CPU bar is drawn");
    assert!(
        drawn.contains("not drawn: --users 1M..30M (the stage cannot carry the load at its high end"),
        "{drawn}"
    );
}
