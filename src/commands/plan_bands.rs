//! `plan` when an input is a range: every stage planned for each sample,
//! each figure as p10, p50 and p90, and the recommendation by median cost
//! among the stages that meet the targets often enough.

use super::loaded::Loaded;
use super::PlanOutput;
use crate::cli::{PlanArgs, SamplingArgs};
use crate::error::InputError;
use crate::model::Stage;
use crate::progress::Progress;
use crate::quantity::{format_duration, format_percent, format_thousands, format_usd};
use crate::ranges::{find, Kind, FLAGS, TARGETS, WORKLOAD};
use crate::report::{format_human, Field, Record, TableView, Unit, Value};
use crate::sampling::{
    self, Band, Home, Outcome, Sampling, StageBands, TierBands, UncertainInput, DEFAULT_CONFIDENCE, DEFAULT_SAMPLES,
    DEFAULT_SEED,
};
use crate::uncertain::Dist;

/// The sample count and seed of `args`, with the built-in defaults.
pub fn sampling_of(args: &SamplingArgs) -> Sampling {
    Sampling {
        samples: args.samples.unwrap_or(DEFAULT_SAMPLES) as usize,
        seed: args.seed.unwrap_or(DEFAULT_SEED),
    }
}

/// `--samples`, `--seed` or `--confidence` given where nothing is sampled
/// (no input is a range, or `--confidence` to `ladder`, which recommends
/// nothing): refused rather than ignored.
pub fn refuse_unused_sampling(args: &SamplingArgs, sampled: bool, recommends: bool) -> Result<(), InputError> {
    let given = [
        ("--samples", args.samples.is_some(), sampled),
        ("--seed", args.seed.is_some(), sampled),
        ("--confidence", args.confidence.is_some(), sampled && recommends),
    ];
    match given.iter().find(|(_, is_given, used)| *is_given && !*used) {
        Some((flag, ..)) if !sampled => Err(InputError::flag(
            flag,
            "applies when an input is a range (e.g. --users 1M..4M); no input here is one",
        )),
        Some((flag, ..)) => Err(InputError::flag(flag, "ladder recommends no stage; drop it")),
        None => Ok(()),
    }
}

/// Plans every stage for every sample and reports the bands.
pub fn run(args: &PlanArgs, loaded: &Loaded) -> Result<PlanOutput, InputError> {
    refuse_single_sample_options(args)?;
    let sampling = sampling_of(&args.sampling);
    let confidence = args.sampling.confidence.unwrap_or(DEFAULT_CONFIDENCE);
    let with_tiers = args.level == "tier";
    let sampled = sample_outcomes(loaded, &loaded.stages, sampling, with_tiers)?;
    let all = sampling::bands(&loaded.stages, &sampled.outcomes, confidence);
    let shown: Vec<&StageBands> = all
        .iter()
        .filter(|s| loaded.shown.is_empty() || loaded.shown.contains(&s.id))
        .collect();
    let title = format!(
        "{}\n{}",
        title(loaded, sampling),
        recommendation(&all, loaded, confidence)
    );
    if with_tiers {
        let records = shown
            .iter()
            .flat_map(|s| s.tiers.iter().map(move |t| tier_record(s, t)))
            .collect::<Vec<_>>();
        return Ok(output(records, TIER_COLUMNS.to_vec(), TIER_DROP_ORDER.to_vec(), title));
    }
    let records = shown.iter().map(|s| stage_record(s)).collect();
    Ok(output(
        records,
        STAGE_COLUMNS.to_vec(),
        STAGE_DROP_ORDER.to_vec(),
        title,
    ))
}

/// The samples' input values (`values[sample][input]`) and what each gives
/// for each stage (`outcomes[sample][stage]`).
pub struct Sampled {
    pub values: Vec<Vec<f64>>,
    pub outcomes: Vec<Vec<Outcome>>,
}

/// `loaded`'s ranged inputs sampled and `stages` planned for each sample,
/// with a progress bar on a terminal for a long run.
pub fn sample_outcomes(
    loaded: &Loaded,
    stages: &[Stage],
    sampling: Sampling,
    with_tiers: bool,
) -> Result<Sampled, InputError> {
    let values = sampling::sample_values(&loaded.uncertain, sampling);
    let progress = Progress::new(values.len() as u64, "sampling");
    let outcomes = sampling::run(
        &loaded.inputs(),
        stages,
        &loaded.uncertain,
        &values,
        with_tiers,
        &|_| progress.inc(1),
    )?;
    progress.finish();
    Ok(Sampled { values, outcomes })
}

/// The options that describe one plan, which a sampled plan does not have.
fn refuse_single_sample_options(args: &PlanArgs) -> Result<(), InputError> {
    let refused = [
        ("--fail", !args.fail.is_empty()),
        ("--explain", args.explain),
        ("--level cost", args.level == "cost"),
    ];
    match refused.iter().find(|(_, given)| *given) {
        Some((flag, _)) => Err(InputError::flag(
            flag,
            "describes one plan, and a ranged input gives one per sample; give single values, or drop it",
        )),
        None => Ok(()),
    }
}

fn output(
    records: Vec<Record>,
    columns: Vec<&'static str>,
    drop_order: Vec<&'static str>,
    title: String,
) -> PlanOutput {
    let table_records = records.iter().map(table_record).collect();
    PlanOutput {
        records,
        table_records: Some(table_records),
        view: TableView {
            columns,
            title: Some(title),
            drop_order,
        },
        below: Vec::new(),
        explanation: None,
    }
}

/// `2,000 samples (seed 1) of --users 1M..4M (log-normal) (each a 90% interval); …`.
fn title(loaded: &Loaded, sampling: Sampling) -> String {
    let ranges: Vec<String> = loaded.uncertain.iter().map(describe_input).collect();
    format!(
        "{} samples (seed {}) of {} ({}); each figure is the median (p10–p90)",
        format_thousands(sampling.samples as f64),
        sampling.seed,
        ranges.join(", "),
        intervals(&loaded.uncertain)
    )
}

/// What the two ends of the ranges are: 90 % intervals, or bounds.
pub fn intervals(uncertain: &[UncertainInput]) -> &'static str {
    match uncertain.iter().any(|u| u.spread.dist == Dist::Uniform) {
        true => "each a 90% interval, a uniform one its bounds",
        false => "each a 90% interval",
    }
}

/// `--users 1M..4M (log-normal)`.
pub fn describe_input(u: &UncertainInput) -> String {
    format!(
        "{} {}..{} ({})",
        u.name,
        write_value(u, u.spread.low),
        write_value(u, u.spread.high),
        u.spread.dist.name()
    )
}

/// `value` of `u`'s kind as a user would write it.
pub fn write_value(u: &UncertainInput, value: f64) -> String {
    let table = match u.home {
        Home::Workload => WORKLOAD,
        Home::Targets => TARGETS,
    };
    let kind = find(table, &u.key)
        .or_else(|| find(FLAGS, &u.name))
        .map_or(Kind::Number, |i| i.range.kind);
    kind.write(value)
}

fn recommendation(all: &[StageBands], loaded: &Loaded, confidence: f64) -> String {
    let t = &loaded.targets;
    let wanted = format!(
        "p99 ≤ {} and availability ≥ {} in at least {} of samples",
        format_duration(t.p99_s),
        format_percent(t.availability),
        format_percent(confidence)
    );
    match all.iter().find(|s| s.recommended) {
        Some(s) => format!(
            "recommended: {} (median {}), the cheapest stage by median cost with {wanted}",
            s.id,
            s.usd_per_month[1].map_or("—".to_string(), format_usd)
        ),
        None => format!("no stage meets {wanted} (lower --confidence, or see each stage's reason)"),
    }
}

const STAGE_COLUMNS: [&str; 8] = [
    "stage",
    "servers",
    "usd_per_month",
    "p99_response_s",
    "availability",
    "p_meets_slo",
    "recommended",
    "reason",
];

/// Dropped first to last from a narrow table: `recommended` (the title
/// names it), the availability band, then the servers band.
const STAGE_DROP_ORDER: [&str; 3] = ["recommended", "availability", "servers"];

const TIER_COLUMNS: [&str; 6] = [
    "stage",
    "tier",
    "servers",
    "p99_response_s",
    "usd_per_month",
    "availability",
];

const TIER_DROP_ORDER: [&str; 2] = ["availability", "usd_per_month"];

/// A banded figure: its name (the table's column), its unit, and the
/// names of its p10, p50 and p90 fields (records name fields statically).
struct Figure {
    name: &'static str,
    unit: Unit,
    bands: [&'static str; 3],
}

const FIGURES: [Figure; 4] = [
    Figure {
        name: "servers",
        unit: Unit::Whole,
        bands: ["servers_p10", "servers_p50", "servers_p90"],
    },
    Figure {
        name: "usd_per_month",
        unit: Unit::Usd,
        bands: ["usd_per_month_p10", "usd_per_month_p50", "usd_per_month_p90"],
    },
    Figure {
        name: "p99_response_s",
        unit: Unit::Seconds,
        bands: ["p99_response_s_p10", "p99_response_s_p50", "p99_response_s_p90"],
    },
    Figure {
        name: "availability",
        unit: Unit::Fraction,
        bands: ["availability_p10", "availability_p50", "availability_p90"],
    },
];

fn with_bands(mut record: Record, bands: [&Band; 4]) -> Record {
    for (figure, band) in FIGURES.iter().zip(bands) {
        for (&name, value) in figure.bands.iter().zip(band) {
            record = match figure.unit {
                // A server count is whole in every format.
                Unit::Whole => record.opt_int(name, value.map(|v| v as u64)),
                unit => record.opt_float(name, unit, *value),
            };
        }
    }
    record
}

fn stage_record(s: &StageBands) -> Record {
    let record = Record::new().text("stage", &s.id).int("stage_order", s.order);
    with_bands(
        record,
        [&s.servers, &s.usd_per_month, &s.p99_response_s, &s.availability],
    )
    .float("p_meets_slo", Unit::Fraction, s.p_meets_slo)
    .float("p_feasible", Unit::Fraction, s.p_feasible)
    .float("p_p99_above_target", Unit::Fraction, s.p_slow)
    .float("p_availability_below_target", Unit::Fraction, s.p_fragile)
    .boolean("recommended", s.recommended)
    .text("reason", reason(s))
}

/// Why the stage misses in some samples: each way, with its share.
fn reason(s: &StageBands) -> String {
    let parts = [
        (1.0 - s.p_feasible, "cannot carry the load"),
        (s.p_slow, "p99 above the target"),
        (s.p_fragile, "availability below the target"),
    ];
    parts
        .iter()
        .filter(|(share, _)| *share > 0.0)
        .map(|(share, what)| format!("{what} in {} of samples", format_percent(*share)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn tier_record(s: &StageBands, t: &TierBands) -> Record {
    let record = Record::new()
        .text("stage", &s.id)
        .int("stage_order", s.order)
        .text("tier", &t.name);
    with_bands(
        record,
        [&t.servers, &t.usd_per_month, &t.p99_response_s, &t.availability],
    )
}

/// The table's row: each band as one cell, `p50 (p10–p90)`.
fn table_record(r: &Record) -> Record {
    let mut out = Record::new();
    for field in &r.fields {
        let figure = FIGURES.iter().find(|f| f.bands.contains(&field.name));
        match figure {
            // The figure's own unit (not plain text) keeps a band in its
            // column: only plain long texts move below a narrow table.
            Some(f) if field.name == f.bands[1] => out.fields.push(Field {
                name: f.name,
                unit: f.unit,
                value: Value::Text(band_cell(r, f.name)),
            }),
            Some(_) => {}
            None => out.fields.push(field.clone()),
        }
    }
    out
}

/// `$14,059 ($12,001–$17,520)`; one value when the band is a point; `—`
/// for a percentile that lands on infeasible samples.
pub fn band_cell(r: &Record, stem: &str) -> String {
    let shown = |suffix: &str| {
        r.fields
            .iter()
            .find(|f| f.name.strip_prefix(stem) == Some(suffix))
            .map_or("—".to_string(), format_human)
    };
    let (p10, p50, p90) = (shown("_p10"), shown("_p50"), shown("_p90"));
    match p10 == p50 && p50 == p90 {
        true => p50,
        false => format!("{p50} ({p10}–{p90})"),
    }
}
