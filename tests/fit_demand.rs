//! `scaleplan fit demand` end to end: demands and cvs recovered from
//! measurements made from known values, the workload fragment carried
//! into `plan`, the Prometheus export, and one-line errors for bad files.

mod common;

use common::{json_rows, number, scaleplan, temp_file, Rng, Row};
use scaleplan::queueing::Mmc;

/// A tier the measurements are made from.
struct Truth {
    tier: &'static str,
    cores: u64,
    demand_s: f64,
    cv: f64,
    background: f64,
}

const TRUTHS: [Truth; 3] = [
    Truth {
        tier: "web",
        cores: 8,
        demand_s: 0.020,
        cv: 1.5,
        background: 0.04,
    },
    Truth {
        tier: "db-write",
        cores: 4,
        demand_s: 0.0012,
        cv: 0.7,
        background: 0.02,
    },
    Truth {
        tier: "cache",
        cores: 2,
        demand_s: 0.000150,
        cv: 1.0,
        background: 0.01,
    },
];

const WINDOWS: usize = 60;
/// Absolute noise (standard deviation) on a measured utilization.
const UTILIZATION_NOISE: f64 = 0.005;
/// Relative noise (standard deviation of the log) on a measured latency.
const LATENCY_NOISE: f64 = 0.02;

/// A standard normal variate (Box–Muller).
fn normal(rng: &mut Rng) -> f64 {
    (-2.0 * rng.uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * rng.uniform()).cos()
}

/// One window: a true utilization between 15 % and 90 %, the throughput
/// the Utilization Law gives for it, and the exact M/M/c (Allen–Cunneen)
/// mean, p50 and p99 at that utilization — then noise on what a monitor
/// measures: the utilization and the latencies.
fn window(t: &Truth, rng: &mut Rng) -> String {
    let u = 0.15 + 0.75 * rng.uniform();
    let x = (u - t.background) * t.cores as f64 / t.demand_s;
    let queue = Mmc::new(u * t.cores as f64 / t.demand_s, t.demand_s, t.cores)
        .and_then(|q| q.with_variability(1.0, t.cv))
        .unwrap();
    let mut noisy = |v: Option<f64>| v.unwrap() * (LATENCY_NOISE * normal(rng)).exp();
    let (mean, p50, p99) = (
        noisy(queue.mean_response_s()),
        noisy(queue.response_quantile_s(0.5)),
        noisy(queue.response_quantile_s(0.99)),
    );
    let measured_u = (u + UTILIZATION_NOISE * normal(rng)).clamp(0.0, 1.0);
    format!("{},{},{x},{measured_u},{mean},{p50},{p99}\n", t.tier, t.cores)
}

fn generated_csv(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut text =
        String::from("tier,cores,throughput_per_s,utilization,mean_response_s,p50_response_s,p99_response_s\n");
    for _ in 0..WINDOWS {
        for t in &TRUTHS {
            text.push_str(&window(t, &mut rng));
        }
    }
    text
}

fn fit_rows(path: &str, extra: &[&str]) -> Vec<Row> {
    let mut args = vec!["fit", "demand", "--measurements", path, "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = scaleplan(&args);
    assert_eq!(code, 0, "{err}");
    json_rows(&out)
}

/// Three seeds; each tier's demand within 2 % and its cv within 10 %. Over
/// seeds 100–119 the demands came within 0.7 % and the cvs within 6.5 %.
/// A cv below 1 is the hardest: it shows only in the wait, through
/// Allen–Cunneen's (1 + cs²)/2, which is flat there (at 16 cores and cv
/// 0.5 the same noise gave cvs from 0.31 to 0.63, hence 4 cores and 0.7).
#[test]
fn known_demands_and_cvs_are_recovered() {
    for seed in [16, 17, 18] {
        let path = temp_file(&format!("demand-{seed}.csv"), &generated_csv(seed));
        let rows = fit_rows(&path, &[]);
        assert_eq!(rows.len(), 3);
        for (t, row) in TRUTHS.iter().zip(&rows) {
            assert_eq!(row["tier"], t.tier);
            let demand = number(row, "demand_s");
            assert!(
                (demand / t.demand_s - 1.0).abs() < 0.02,
                "seed {seed} {}: demand {demand} vs {}",
                t.tier,
                t.demand_s
            );
            assert!(number(row, "demand_low_s") < demand && demand < number(row, "demand_high_s"));
            let cv = number(row, "service_cv");
            assert!(
                (cv / t.cv - 1.0).abs() < 0.10,
                "seed {seed} {}: cv {cv} vs {}",
                t.tier,
                t.cv
            );
            let service = number(row, "service_time_s");
            assert!(
                (service / t.demand_s - 1.0).abs() < 0.02,
                "seed {seed} {}: S {service}",
                t.tier
            );
            assert!((number(row, "background_utilization") - t.background).abs() < 0.01);
            assert!(number(row, "r_squared") > 0.99);
            // The residual is the latency noise, not a misfit.
            assert!(number(row, "latency_residual") < 2.0 * LATENCY_NOISE);
            assert_eq!(row["enough_windows"], true);
            assert_eq!(row["note"], "");
        }
    }
}

#[test]
fn the_emitted_workload_is_what_plan_uses() {
    let csv = temp_file("emit.csv", &generated_csv(16));
    let toml = temp_file("emit.toml", "");
    let rows = fit_rows(&csv, &["--emit-workload", &toml]);
    let fitted = |tier: &str| number(rows.iter().find(|r| r["tier"] == tier).unwrap(), "demand_s");
    let text = std::fs::read_to_string(&toml).unwrap();
    for (key, tier) in [("web_cpu", "web"), ("db_write", "db-write"), ("cache_op", "cache")] {
        let line = text
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("{key}: {text}"));
        assert!(
            line.contains(&format!("# tier {tier}: {WINDOWS} windows (line ")),
            "{line}"
        );
        assert!(line.contains("R² ") && line.contains("interval"), "{line}");
    }
    let (code, out, err) = scaleplan(&[
        "plan",
        "--workload",
        &toml,
        "--stage",
        "message-queue",
        "--level",
        "tier",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let tiers = json_rows(&out);
    let service = |tier: &str| number(tiers.iter().find(|r| r["tier"] == tier).unwrap(), "service_time_s");
    // Six significant digits in the fragment.
    let close = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-5;
    assert!(close(service("db-primary"), fitted("db-write")));
    assert!(close(service("cache"), fitted("cache")));
    // The web tier adds enqueueing 5 jobs per 100 requests at the built-in 1 ms.
    assert!(close(service("web"), fitted("web") + 0.05 * 0.001));
}

#[test]
fn saturated_and_scarce_windows_are_reported_not_used() {
    let text = "tier,cores,throughput_per_s,utilization\n\
                web,4,100,0.30\nweb,4,200,0.55\nweb,4,300,0.80\nweb,4,380,0.97\nweb,4,250,0.66\n\
                worker,2,10,0.5\n";
    let path = temp_file("scarce.csv", text);
    let rows = fit_rows(&path, &[]);
    let web = &rows[0];
    assert_eq!(
        (number(web, "windows_used"), number(web, "windows_saturated")),
        (4.0, 1.0)
    );
    assert_eq!(web["enough_windows"], false);
    let note = web["note"].as_str().unwrap();
    assert!(
        note.contains("1 window at utilization ≥ 95% left out (line 5)"),
        "{note}"
    );
    assert!(note.contains("only 4 windows"), "{note}");
    let worker = &rows[1];
    assert!(worker["demand_s"].is_null());
    assert!(worker["note"].as_str().unwrap().contains("a fit needs at least 3"));
}

#[test]
fn a_prometheus_export_reads_like_the_csv() {
    let series = |quantity: &str, values: &[(u64, f64)]| {
        let samples: Vec<String> = values.iter().map(|(t, v)| format!("[{t},\"{v}\"]")).collect();
        format!(
            "{{\"metric\":{{\"quantity\":\"{quantity}\",\"tier\":\"web\",\"cores\":\"4\"}},\"values\":[{}]}}",
            samples.join(",")
        )
    };
    let x: Vec<(u64, f64)> = (0..12)
        .map(|i| (1_700_000_000 + 60 * i, 50.0 + 25.0 * i as f64))
        .collect();
    let u: Vec<(u64, f64)> = x.iter().map(|&(t, x)| (t, 0.05 + x * 0.01 / 4.0)).collect();
    let body = format!(
        "{{\"status\":\"success\",\"data\":{{\"resultType\":\"matrix\",\"result\":[{},{}]}}}}",
        series("throughput_per_s", &x),
        series("utilization", &u)
    );
    let path = temp_file("prom.json", &body);
    let rows = fit_rows(&path, &[]);
    assert!((number(&rows[0], "demand_s") - 0.01).abs() < 1e-12);
    assert!((number(&rows[0], "background_utilization") - 0.05).abs() < 1e-12);
}

#[test]
fn malformed_files_exit_2_with_file_line_and_column() {
    const HEADER: &str = "tier,cores,throughput_per_s,utilization\n";
    let good = "web,4,100,0.3\nweb,4,200,0.5\n";
    let cases: [(&str, String, &str); 9] = [
        (
            "missing column",
            format!("tier,cores,utilization\n{good}"),
            "line 1 column 4: missing column `throughput_per_s`",
        ),
        (
            "negative throughput",
            format!("{HEADER}{good}web,4,-5,0.6\n"),
            "line 4 column 3 (throughput_per_s): must be ≥ 0, got -5",
        ),
        (
            "utilization above 1",
            format!("{HEADER}{good}web,4,300,1.3\n"),
            "line 4 column 4 (utilization): must be a fraction",
        ),
        (
            "NaN",
            format!("{HEADER}web,4,NaN,0.3\n{good}"),
            "line 2 column 3 (throughput_per_s): \"NaN\" is not a finite number",
        ),
        ("empty file", String::new(), "line 1 column 1: the file is empty"),
        (
            "one row",
            format!("{HEADER}web,4,100,0.3\n"),
            "line 2 column 1: only 1 data row",
        ),
        (
            "header only",
            HEADER.to_string(),
            "line 2 column 1: no data rows after the header",
        ),
        ("no header", format!("{good}{good}"), "line 1 column 2: no header row"),
        (
            "bad json",
            "{\"status\": \"success\", \"data\": [".to_string(),
            "line 1 column ",
        ),
    ];
    for (name, text, expected) in cases {
        let path = temp_file(&format!("bad-{}.csv", name.replace(' ', "-")), &text);
        let (code, out, err) = scaleplan(&["fit", "demand", "--measurements", &path]);
        assert_eq!(code, 2, "{name}: {out}");
        assert!(out.is_empty(), "{name}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with(&format!("error: {path} line ")), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
    }
    let (code, _, err) = scaleplan(&["fit", "demand", "--measurements", "/nonexistent/m.csv"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: --measurements: cannot read /nonexistent/m.csv"),
        "{err}"
    );
}
