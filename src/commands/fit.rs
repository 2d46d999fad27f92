//! `scaleplan fit demand` and `scaleplan fit usl`: read the measurements,
//! fit (src/fit/), render the estimates, and write the workload fragment
//! or the plot when asked.

use crate::cli::{FitAction, FitDemandArgs, FitUslArgs};
use crate::error::InputError;
use crate::fit::demand::{estimate, TierEstimate, CONFIDENCE};
use crate::fit::emit::{workload_fragment, workload_key};
use crate::fit::measurements::{demand_windows, load_points};
use crate::fit::plot::usl_svg;
use crate::fit::usl::{fit, Bound, UslFit};
use crate::fit::{percent, significant};
use crate::input::read_file;
use crate::report::{render, Format, Record, TableView, Unit};

/// Runs one `fit` subcommand; returns what to print.
pub fn run(action: &FitAction, width: Option<usize>) -> Result<String, InputError> {
    match action {
        FitAction::Demand(args) => demand(args, width),
        FitAction::Usl(args) => usl(args, width),
    }
}

fn measurements_path(path: &Option<String>, what: &str) -> Result<String, InputError> {
    path.clone().ok_or_else(|| InputError::required("--measurements", what))
}

fn write(flag: &str, path: &str, text: &str) -> Result<(), InputError> {
    std::fs::write(path, text).map_err(|e| InputError::flag(flag, format!("cannot write {path}: {e}")))
}

/// `fit demand`: one record per tier.
pub fn demand(args: &FitDemandArgs, width: Option<usize>) -> Result<String, InputError> {
    let path = measurements_path(
        &args.measurements,
        "a CSV of tier,cores,throughput_per_s,utilization windows, or a Prometheus query_range export",
    )?;
    let read = demand_windows(&read_file("--measurements", &path)?, &path)?;
    let mut estimates = estimate(&read.windows);
    for (tier, note) in read.notes {
        if let Some(e) = estimates.iter_mut().find(|e| e.tier == tier) {
            e.notes.push(note);
        }
    }
    if let Some(out) = &args.emit_workload {
        write("--emit-workload", out, &workload_fragment(&estimates, &path))?;
    }
    let records: Vec<Record> = estimates.iter().map(demand_record).collect();
    let view = TableView {
        columns: DEMAND_COLUMNS.to_vec(),
        title: Some(format!(
            "Service demand per request by the Utilization Law U = U0 + X·D/c, {} interval, from {path}",
            percent(CONFIDENCE)
        )),
        drop_order: Vec::new(),
    };
    let mut text = render(&records, args.output.format, &view, width);
    if let (Format::Table, Some(out)) = (args.output.format, &args.emit_workload) {
        text.push_str(&format!("workload fragment written to {out}\n"));
    }
    Ok(text)
}

/// What the table shows of a tier (machine formats carry every field).
pub const DEMAND_COLUMNS: [&str; 12] = [
    "tier",
    "workload_key",
    "windows_used",
    "windows_saturated",
    "demand_s",
    "demand_low_s",
    "demand_high_s",
    "background_utilization",
    "r_squared",
    "service_time_s",
    "service_cv",
    "note",
];

/// One tier: SI units, nulls where there is no estimate.
pub fn demand_record(e: &TierEstimate) -> Record {
    let d = e.demand;
    let l = e.latency;
    Record::new()
        .text("tier", &e.tier)
        .opt_text("workload_key", workload_key(&e.tier).map(str::to_string))
        .int("windows", e.windows as u64)
        .int("windows_used", e.used as u64)
        .int("windows_saturated", e.saturated as u64)
        .boolean("enough_windows", e.enough_windows)
        .opt_float("demand_s", Unit::Seconds, d.map(|d| d.demand_s))
        .opt_float("demand_low_s", Unit::Seconds, d.map(|d| d.demand_low_s))
        .opt_float("demand_high_s", Unit::Seconds, d.map(|d| d.demand_high_s))
        .opt_float("demand_std_error_s", Unit::Seconds, d.map(|d| d.demand_se_s))
        .opt_float(
            "background_utilization",
            Unit::Fraction,
            d.map(|d| d.background_utilization),
        )
        .opt_float("r_squared", Unit::Plain, d.and_then(|d| d.r_squared))
        .opt_float("service_time_s", Unit::Seconds, l.map(|l| l.service_time_s))
        .opt_float("service_cv", Unit::Plain, l.and_then(|l| l.service_cv))
        .opt_float("latency_residual", Unit::Fraction, l.map(|l| l.residual))
        .text("note", e.notes.join("; "))
}

/// `fit usl`: one record, and with `--plot` the SVG.
pub fn usl(args: &FitUslArgs, width: Option<usize>) -> Result<String, InputError> {
    let path = measurements_path(
        &args.measurements,
        "a CSV of concurrency,throughput_per_s rows from a load test",
    )?;
    let points: Vec<(f64, f64)> = load_points(&read_file("--measurements", &path)?, &path)?
        .iter()
        .map(|p| (p.concurrency, p.throughput_per_s))
        .collect();
    let fitted = fit(&points).map_err(|e| InputError::new(format!("{path}: {e}")))?;
    if let Some(out) = &args.plot {
        let svg = usl_svg(&points, &fitted).map_err(|e| InputError::flag("--plot", e))?;
        write("--plot", out, &svg)?;
    }
    Ok(match args.output.format {
        Format::Table => render(
            &[usl_table_record(&fitted)],
            Format::Table,
            &TableView::default(),
            width,
        ),
        format => render(&[usl_record(&fitted)], format, &TableView::default(), width),
    })
}

/// Every field, SI units.
pub fn usl_record(f: &UslFit) -> Record {
    Record::new()
        .int("points", f.points as u64)
        .int("distinct_concurrencies", f.distinct_concurrencies as u64)
        .float("max_concurrency", Unit::Plain, f.max_concurrency)
        .float("sigma", Unit::Plain, f.sigma)
        .opt_float("sigma_std_error", Unit::Plain, f.sigma_se)
        .float("kappa", Unit::Plain, f.kappa)
        .opt_float("kappa_std_error", Unit::Plain, f.kappa_se)
        .float("lambda_per_s", Unit::PerSecond, f.lambda_per_s)
        .opt_float("lambda_std_error_per_s", Unit::PerSecond, f.lambda_se_per_s)
        .opt_float("peak_concurrency", Unit::Plain, f.peak_concurrency)
        .opt_float("peak_throughput_per_s", Unit::PerSecond, f.peak_throughput_per_s)
        .text("bound", f.bound.as_str())
        .opt_float("r_squared", Unit::Plain, f.r_squared)
        .float("rms_residual_per_s", Unit::PerSecond, (f.rss / f.points as f64).sqrt())
        .text("note", usl_note(f))
}

/// The same facts for a person: coefficients with their errors.
fn usl_table_record(f: &UslFit) -> Record {
    let pm = |v: f64, se: Option<f64>, show: &dyn Fn(f64) -> String| match se {
        Some(se) => format!("{} ± {}", show(v), show(se)),
        None => show(v),
    };
    let plain = |v: f64| significant(v, 4);
    let small = |v: f64| if v == 0.0 { "0".into() } else { format!("{v:.4e}") };
    let per_s = |v: f64| format!("{}/s", significant(v, 5));
    Record::new()
        .text("σ (contention)", pm(f.sigma, f.sigma_se, &plain))
        .text("κ (coherency)", pm(f.kappa, f.kappa_se, &small))
        .text("λ (one worker)", pm(f.lambda_per_s, f.lambda_se_per_s, &per_s))
        .text(
            "peak N*",
            f.peak_concurrency.map_or("none (κ = 0)".into(), |n| format!("{n:.1}")),
        )
        .text("X(N*)", f.peak_throughput_per_s.map_or("—".into(), per_s))
        .text("bound", f.bound.as_str())
        .text("R²", f.r_squared.map_or("—".into(), |r| format!("{r:.4}")))
        .text(
            "measurements",
            format!(
                "{} at {} concurrencies up to {}",
                f.points,
                f.distinct_concurrencies,
                significant(f.max_concurrency, 6)
            ),
        )
        .text("reason", usl_note(f))
}

/// Why the bound is what it is, and anything doubtful about the fit.
fn usl_note(f: &UslFit) -> String {
    let top = significant(f.max_concurrency, 6);
    let mut notes = vec![match (f.bound, f.peak_concurrency) {
        (Bound::Coherency, Some(n)) => format!(
            "coherency-bound: the peak N* = {} lies within the measured concurrencies (up to {top}); past it throughput falls",
            significant(n, 4)
        ),
        (_, Some(n)) => format!(
            "contention-bound: throughput still rises at {top} (the peak N* = {} lies beyond the measurements)",
            significant(n, 4)
        ),
        (_, None) if f.sigma > 0.0 => format!(
            "contention-bound: κ = 0, throughput rises towards λ/σ = {}/s without a peak",
            significant(f.lambda_per_s / f.sigma, 5)
        ),
        (_, None) => "σ = κ = 0: throughput rises linearly over the measured concurrencies".to_string(),
    }];
    if f.at_bound {
        notes.push(
            "a coefficient ended on its bound (σ = 0, σ near 1 or κ = 0): its standard error is not meaningful".into(),
        );
    }
    notes.join("; ")
}
