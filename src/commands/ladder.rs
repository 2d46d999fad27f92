//! `scaleplan ladder`: each stage's ceiling (the most users it serves
//! within the targets), what breaks above it and what it costs there.

use super::loaded::{load, Loaded};
use super::plan_bands::{band_cell, describe_input, intervals, refuse_unused_sampling, sampling_of};
use super::sweep::{check_plot_path, plot_sweep, write_plot};
use crate::ceiling::{ceilings, Limit, StageCeiling};
use crate::cli::LadderArgs;
use crate::error::InputError;
use crate::progress::Progress;
use crate::quantity::{format_count, format_duration, format_percent, format_thousands};
use crate::report::{Record, TableView, Unit};
use crate::sampling::{self, CeilingBands};
use crate::sweep::{log_spaced, sweep};

/// The plot's sweep: 1k to 1B users, enough points for smooth lines.
const PLOT_FROM_USERS: f64 = 1e3;
const PLOT_TO_USERS: f64 = 1e9;
const PLOT_POINTS: usize = 241;

/// What `ladder` prints: machine records (every field, SI units) and the
/// table's own records (the same facts as sentences).
pub struct LadderOutput {
    pub records: Vec<Record>,
    pub table_records: Vec<Record>,
    pub view: TableView,
}

/// Searches every stage's ceilings (and draws the picture with `--plot`).
pub fn run(args: &LadderArgs) -> Result<LadderOutput, InputError> {
    if let Some(path) = &args.plot {
        check_plot_path(path)?;
    }
    let loaded = load(&args.input, None)?;
    let sampled = loaded.uncertain.iter().any(|u| u.key != "users");
    refuse_unused_sampling(&args.sampling, sampled, false)?;
    if sampled {
        return banded(args, loaded);
    }
    let inputs = loaded.inputs();
    let found = ceilings(&inputs, &loaded.shown_stages())?;
    if let Some(path) = &args.plot {
        let users = log_spaced(PLOT_FROM_USERS, PLOT_TO_USERS, PLOT_POINTS);
        let points = sweep(&inputs, &loaded.shown_stages(), &users, &|_| {})?;
        write_plot(path, &plot_sweep(&points, &found, &loaded.targets)?)?;
    }
    let t = &loaded.targets;
    let users_range = match loaded.uncertain.is_empty() {
        true => "",
        false => "; the users range is not sampled: users are what the ladder searches",
    };
    let title = format!(
        "Stage ceilings: the most users each stage serves with p99 ≤ {} and availability ≥ {} (searched 1 to {} users{users_range})",
        format_duration(t.p99_s),
        format_percent(t.availability),
        crate::ceiling::MAX_USERS_TEXT
    );
    Ok(LadderOutput {
        records: found.iter().map(record).collect(),
        table_records: found.iter().map(table_record).collect(),
        view: TableView {
            columns: Vec::new(),
            title: Some(title),
            drop_order: DROP_ORDER.to_vec(),
        },
    })
}

/// The columns a narrow ladder table drops, first to last: the servers,
/// then the cost at the ceiling (the stage, its ceiling and why it breaks
/// stay).
pub const DROP_ORDER: [&str; 2] = ["servers_there", "cost_there_usd_per_month"];

/// One stage, every field: SI units, nulls where there is no ceiling.
pub fn record(c: &StageCeiling) -> Record {
    let at = c.targets.plan();
    Record::new()
        .text("stage", &c.stage)
        .int("stage_order", c.order)
        .opt_count("ceiling_users", c.targets.users())
        .boolean("ceiling_above_range", c.targets.beyond_range())
        .text("ceiling_reason", c.targets_reason())
        .text("breaking_tier", c.targets.breaking_tier())
        .opt_int("ceiling_servers", at.map(|p| p.servers))
        .opt_float(
            "ceiling_p99_response_s",
            Unit::Seconds,
            at.and_then(|p| p.p99_response_s),
        )
        .opt_float("ceiling_availability", Unit::Fraction, at.map(|p| p.availability))
        .opt_float("ceiling_usd_per_month", Unit::Usd, at.map(|p| p.usd_per_month))
        .opt_count("capacity_ceiling_users", c.capacity.users())
        .boolean("capacity_above_range", c.capacity.beyond_range())
        .text("capacity_reason", c.capacity_reason())
}

/// One stage as the table shows it: the ceiling in words, why it breaks,
/// the cost there, and the physical limit when it differs.
fn table_record(c: &StageCeiling) -> Record {
    let at = c.targets.plan();
    let breaks = match &c.targets {
        Limit::Never { .. } => format!(
            "{}; physically {}",
            c.targets_reason(),
            physical(&c.capacity, &c.capacity_reason())
        ),
        _ => c.targets_reason(),
    };
    Record::new()
        .text("stage", &c.stage)
        .text("handles_up_to", handles_up_to(&c.targets))
        .opt_int("servers_there", at.map(|p| p.servers))
        .opt_float("cost_there_usd_per_month", Unit::Usd, at.map(|p| p.usd_per_month))
        .text("breaks_because", breaks)
}

fn handles_up_to(limit: &Limit) -> String {
    limit
        .users()
        .map_or("never within targets".to_string(), crate::ceiling::users_text)
}

fn physical(limit: &Limit, reason: &str) -> String {
    match limit {
        Limit::Found { users, .. } => format!("up to {} users, then {reason}", format_count(*users)),
        Limit::BeyondRange { .. } => format!("feasible at {} users and more", format_count(crate::ceiling::MAX_USERS)),
        Limit::Never { .. } => reason.to_string(),
    }
}

/// `ladder` with ranged inputs: each stage's ceilings as p10/p50/p90 user
/// counts over the samples. A range on users is not sampled: users are
/// what the ladder searches.
fn banded(args: &LadderArgs, mut loaded: Loaded) -> Result<LadderOutput, InputError> {
    if args.plot.is_some() {
        return Err(InputError::flag(
            "--plot",
            "draws one ladder, and ranged inputs give one per sample; give single values, or drop --plot",
        ));
    }
    loaded.uncertain.retain(|u| u.key != "users");
    let sampling = sampling_of(&args.sampling);
    let stages = loaded.shown_stages();
    let values = sampling::sample_values(&loaded.uncertain, sampling);
    let progress = Progress::new(values.len() as u64, "ceilings");
    let found = sampling::run_ceilings(&loaded.inputs(), &stages, &loaded.uncertain, &values, &|_| {
        progress.inc(1)
    })?;
    progress.finish();
    let bands = sampling::ceiling_bands(&stages, &found);
    let ranges: Vec<String> = loaded.uncertain.iter().map(describe_input).collect();
    let t = &loaded.targets;
    let title = format!(
        "Stage ceilings over {} samples (seed {}) of {} ({}): the most users each stage serves with \
         p99 ≤ {} and availability ≥ {}, p50 (p10–p90); searched 1 to {} users",
        format_thousands(sampling.samples as f64),
        sampling.seed,
        ranges.join(", "),
        intervals(&loaded.uncertain),
        format_duration(t.p99_s),
        format_percent(t.availability),
        crate::ceiling::MAX_USERS_TEXT
    );
    let records: Vec<Record> = bands.iter().map(band_record).collect();
    Ok(LadderOutput {
        table_records: records.iter().map(band_table_record).collect(),
        records,
        view: TableView {
            columns: Vec::new(),
            title: Some(title),
            drop_order: Vec::new(),
        },
    })
}

fn band_record(b: &CeilingBands) -> Record {
    Record::new()
        .text("stage", &b.id)
        .int("stage_order", b.order)
        .opt_count("ceiling_users_p10", b.targets[0])
        .opt_count("ceiling_users_p50", b.targets[1])
        .opt_count("ceiling_users_p90", b.targets[2])
        .opt_count("capacity_ceiling_users_p10", b.capacity[0])
        .opt_count("capacity_ceiling_users_p50", b.capacity[1])
        .opt_count("capacity_ceiling_users_p90", b.capacity[2])
        .float("p_never_meets_targets", Unit::Fraction, b.p_never)
}

fn band_table_record(r: &Record) -> Record {
    // p10, p50 and p90 all at the top of the search (at least 90% of the
    // samples still meet the test there): a lower bound, in words as in
    // the point ladder.
    let cell = |stem: &str| match all_at_top(r, stem) {
        true => crate::ceiling::beyond_range_cell(),
        false => band_cell(r, stem),
    };
    let never = r.get("p_never_meets_targets").cloned();
    let mut out = Record::new()
        .text("stage", r.get("stage").map_or(String::new(), text_of))
        .text("ceiling_users", cell("ceiling_users"))
        .text("capacity_ceiling_users", cell("capacity_ceiling_users"));
    if let Some(value) = never {
        out.fields.push(crate::report::Field {
            name: "p_never_meets_targets",
            unit: Unit::Fraction,
            value,
        });
    }
    out
}

/// Whether `{stem}_p10`, `_p50` and `_p90` are all at the search's top.
fn all_at_top(r: &Record, stem: &str) -> bool {
    ["_p10", "_p50", "_p90"].iter().all(|suffix| {
        let field = r.fields.iter().find(|f| f.name.strip_prefix(stem) == Some(suffix));
        matches!(field.map(|f| &f.value), Some(crate::report::Value::Int(v)) if *v as f64 >= crate::ceiling::MAX_USERS)
    })
}

fn text_of(v: &crate::report::Value) -> String {
    match v {
        crate::report::Value::Text(t) => t.clone(),
        _ => String::new(),
    }
}
