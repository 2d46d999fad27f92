//! `scaleplan sweep`: every stage at many user counts; a row per count
//! with the recommended stage, or with `--all-stages` a row per stage and
//! count. A sweep that runs over a second shows a progress bar on stderr
//! when stderr is a terminal.

use super::loaded::load;
use crate::ceiling::StageCeiling;
use crate::cli::SweepArgs;
use crate::error::InputError;
use crate::plan::StagePlan;
use crate::plot::{ladder_svg, Picture};
use crate::progress::Progress;
use crate::quantity::{format_count, format_duration, format_percent};
use crate::report::{Record, TableView, Unit};
use crate::sweep::{sweep, SweepPoint};
use crate::workload::Targets;

/// Points in a `--users` range without `--points`.
pub const DEFAULT_POINTS: u64 = 60;

/// What `sweep` prints.
pub struct SweepOutput {
    pub records: Vec<Record>,
    pub view: TableView,
}

/// Plans every stage at every count (and draws the picture with `--plot`).
pub fn run(args: &SweepArgs) -> Result<SweepOutput, InputError> {
    if let Some(path) = &args.plot {
        check_plot_path(path)?;
    }
    let loaded = load(&args.input, None)?;
    if let Some(u) = loaded.uncertain.first() {
        return Err(InputError::flag(
            &u.name,
            "sweep plans single values (its --users is the range it sweeps); a range works in plan, ladder and sensitivity",
        ));
    }
    let users = args.users.values(args.points, DEFAULT_POINTS)?;
    let progress = Progress::new(users.len() as u64, "planning user counts");
    let points = sweep(&loaded.inputs(), &loaded.shown_stages(), &users, &|_| progress.inc(1));
    progress.finish();
    let points = points?;
    if let Some(path) = &args.plot {
        write_plot(path, &plot_sweep(&points, &[], &loaded.targets)?)?;
    }
    let records: Vec<Record> = if args.all_stages {
        points
            .iter()
            .flat_map(|p| p.plans.iter().map(|s| row(p.users, Some(s), String::new())))
            .collect()
    } else {
        points
            .iter()
            .map(|p| row(p.users, p.recommended(), p.no_stage_reason()))
            .collect()
    };
    let t = &loaded.targets;
    let what = if args.all_stages {
        "every stage"
    } else {
        "the cheapest stage meeting the targets"
    };
    let title = format!(
        "{} user counts from {} to {}: {what} (p99 ≤ {}, availability ≥ {})",
        users.len(),
        format_count(users.iter().copied().fold(f64::INFINITY, f64::min)),
        format_count(users.iter().copied().fold(0.0, f64::max)),
        format_duration(t.p99_s),
        format_percent(t.availability)
    );
    let (columns, drop_order): (Vec<&'static str>, Vec<&'static str>) = if args.all_stages {
        (ALL_STAGES_COLUMNS.to_vec(), ALL_STAGES_DROP_ORDER.to_vec())
    } else {
        // The reason column is for counts where no stage fits; when every
        // count has one, it would stand empty.
        let any_reason = points.iter().any(|p| p.recommended().is_none());
        let columns = RECOMMENDED_COLUMNS
            .iter()
            .copied()
            .filter(|c| any_reason || *c != "reason")
            .collect();
        (columns, RECOMMENDED_DROP_ORDER.to_vec())
    };
    Ok(SweepOutput {
        records,
        view: TableView {
            columns,
            title: Some(title),
            drop_order,
        },
    })
}

const RECOMMENDED_COLUMNS: [&str; 8] = [
    "users",
    "stage",
    "servers",
    "p99_response_s",
    "user_p99_s",
    "availability",
    "usd_per_month",
    "reason",
];

/// The columns a narrow table of recommended stages drops, first to
/// last: `user_p99_s`, `availability`, then `servers`.
pub const RECOMMENDED_DROP_ORDER: [&str; 3] = ["user_p99_s", "availability", "servers"];

/// The columns a narrow `--all-stages` table drops, first to last:
/// `bottleneck`, `feasible` (an infeasible stage shows no p99),
/// `meets_slo`, `servers`, then `availability`.
pub const ALL_STAGES_DROP_ORDER: [&str; 5] = ["bottleneck", "feasible", "meets_slo", "servers", "availability"];

const ALL_STAGES_COLUMNS: [&str; 10] = [
    "users",
    "stage",
    "servers",
    "p99_response_s",
    "availability",
    "usd_per_month",
    "feasible",
    "meets_slo",
    "recommended",
    "bottleneck",
];

/// One flat row: a stage at one user count, or (no stage) nulls and why.
pub fn row(users: f64, plan: Option<&StagePlan>, no_stage_reason: String) -> Record {
    // Figures of a stage that cannot carry the load are null, as in `plan`.
    let ran = plan.filter(|p| p.feasible);
    Record::new()
        .count("users", users)
        .opt_text("stage", plan.map(|p| p.id.clone()))
        .opt_int("stage_order", plan.map(|p| p.order))
        .opt_int("servers", plan.map(|p| p.servers))
        .opt_float("p99_response_s", Unit::Seconds, ran.and_then(|p| p.p99_response_s))
        .opt_float("user_p99_s", Unit::Seconds, ran.and_then(|p| p.user_p99_s))
        .opt_float("availability", Unit::Fraction, ran.map(|p| p.availability))
        .opt_float("usd_per_month", Unit::Usd, ran.map(|p| p.usd_per_month))
        .opt_float("usd_per_dau_month", Unit::Usd, ran.and_then(|p| p.usd_per_dau_month))
        .opt_bool("feasible", plan.map(|p| p.feasible))
        .opt_bool("meets_slo", plan.map(|p| p.meets_slo))
        .opt_bool("recommended", plan.map(|p| p.recommended))
        .text("bottleneck", plan.map_or("", |p| p.bottleneck.as_str()))
        .text("reason", plan.map_or(no_stage_reason, |p| p.reason.clone()))
}

/// The picture of a sweep, with the stage ceilings marked when given.
pub fn plot_sweep(points: &[SweepPoint], ceilings: &[StageCeiling], targets: &Targets) -> Result<String, InputError> {
    let picture = Picture {
        points,
        ceilings,
        p99_target_s: targets.p99_s,
        availability_target: targets.availability,
    };
    ladder_svg(&picture).map_err(|e| InputError::flag("--plot", e))
}

/// The picture is SVG only: a path not ending in `.svg` (`out.png`) is
/// refused before any planning, with the way to a PNG. (Rendering PNG in
/// the binary would need a rasterizer and fonts found on the machine; a
/// PNG without its labels would be worse than none.)
pub fn check_plot_path(path: &str) -> Result<(), InputError> {
    let svg = std::path::Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if svg {
        return Ok(());
    }
    let stem = std::path::Path::new(path).with_extension("");
    let stem = stem.to_string_lossy();
    Err(InputError::flag(
        "--plot",
        format!(
            "\"{path}\": the picture is written as SVG only; give a .svg file such as {stem}.svg (for a PNG: rsvg-convert {stem}.svg -o {stem}.png)"
        ),
    ))
}

/// Writes the SVG; an unwritable path is an error naming the flag.
pub fn write_plot(path: &str, svg: &str) -> Result<(), InputError> {
    std::fs::write(path, svg).map_err(|e| InputError::flag("--plot", format!("cannot write {path}: {e}")))
}
