//! `scaleplan sensitivity`: which guess moves the answer. For one stage,
//! each ranged input alone at its low and high end (the others at their
//! medians): the monthly cost and the stage's ceiling at each end, ranked
//! by the cost swing (a tornado); and each input's Spearman rank
//! correlation with cost over the Monte Carlo samples, where all inputs
//! move at once.

use super::loaded::{load, Loaded};
use super::plan_bands::{sample_outcomes, sampling_of, write_value, Sampled};
use super::sweep::{check_plot_path, write_plot};
use crate::ceiling::ceilings;
use crate::cli::SensitivityArgs;
use crate::error::InputError;
use crate::model::Stage;
use crate::plan::{plan_stage, Inputs, StagePlan};
use crate::quantity::format_usd;
use crate::report::{Record, TableView, Unit};
use crate::sampling::{self, UncertainInput, DEFAULT_CONFIDENCE};
use crate::tornado_plot::{tornado_svg, Tornado, TornadoBar};
use crate::uncertain::spearman;

/// What `sensitivity` prints: machine records and the table's view.
pub struct SensitivityOutput {
    pub records: Vec<Record>,
    pub view: TableView,
}

/// One input's swing.
#[derive(Debug, Clone, PartialEq)]
pub struct Swing {
    pub input: UncertainInput,
    /// Cost and ceiling with the input at its low end (others at medians).
    pub usd_at_low: Option<f64>,
    pub usd_at_high: Option<f64>,
    pub ceiling_at_low: Option<f64>,
    pub ceiling_at_high: Option<f64>,
    /// Spearman's rank correlation of the input with the stage's cost over
    /// the samples (an infeasible sample ranks as the costliest).
    pub rank_correlation: Option<f64>,
}

impl Swing {
    /// |cost at high − cost at low|; infinite when one end cannot carry the
    /// load (that input can break the stage, which outranks any cost).
    pub fn usd_swing(&self) -> f64 {
        match (self.usd_at_low, self.usd_at_high) {
            (Some(a), Some(b)) => (b - a).abs(),
            (None, None) => 0.0,
            _ => f64::INFINITY,
        }
    }

    pub fn ceiling_swing(&self) -> Option<f64> {
        Some((self.ceiling_at_high? - self.ceiling_at_low?).abs())
    }
}

pub fn run(args: &SensitivityArgs) -> Result<SensitivityOutput, InputError> {
    if let Some(path) = &args.plot {
        check_plot_path(path)?;
    }
    let loaded = load(&args.input, args.users.as_ref())?;
    if loaded.uncertain.is_empty() {
        return Err(InputError::new(
            "sensitivity needs at least one input given as a range, e.g. --users 1M..4M or web_cpu = \"15ms..30ms\" in a workload file",
        ));
    }
    let StageSamples { stage, values, cost } = sampled_stage(args, &loaded)?;
    let base = plan_stage(&loaded.inputs(), &stage)?;
    let base_ceiling = ceiling_of(&loaded.inputs(), &stage)?;
    let correlations = correlations(&values, &cost, loaded.uncertain.len());
    let mut swings: Vec<Swing> = loaded
        .uncertain
        .iter()
        .zip(correlations)
        .map(|(u, rank_correlation)| swing(&loaded, &stage, u, rank_correlation))
        .collect::<Result<_, _>>()?;
    swings.sort_by(|a, b| b.usd_swing().total_cmp(&a.usd_swing()));
    let chart = tornado(&stage, &base, &swings);
    let mut drawn = String::new();
    if let Some(path) = &args.plot {
        // An input one of whose ends cannot carry the load has no cost
        // there, so no bar; with none left there is no chart to draw.
        match chart.bars.is_empty() {
            true => drawn = format!("; no chart written to {path}: no input carries the load at both ends"),
            false => {
                let svg = tornado_svg(&chart).map_err(|e| InputError::flag("--plot", e))?;
                write_plot(path, &svg)?;
            }
        }
    }
    let title = format!(
        "{}: each input alone from its low to its high end, the others at their medians \
         (cost {}, {}); ranked by the cost swing{drawn}",
        stage.id,
        figure(base.feasible.then_some(base.usd_per_month), format_usd),
        base_ceiling.map_or("never within targets there".to_string(), |u| format!(
            "ceiling {} there",
            crate::ceiling::users_text(u)
        )),
    );
    Ok(SensitivityOutput {
        records: swings
            .iter()
            .enumerate()
            .map(|(i, s)| record(i + 1, &stage, s))
            .collect(),
        view: TableView {
            columns: COLUMNS.to_vec(),
            title: Some(title),
            drop_order: DROP_ORDER.to_vec(),
        },
    })
}

fn figure(value: Option<f64>, format: fn(f64) -> String) -> String {
    value.map_or("—".to_string(), format)
}

/// The stage looked at, the samples' input values, and that stage's cost
/// in each sample (`None` where it cannot carry the load).
struct StageSamples {
    stage: Stage,
    values: Vec<Vec<f64>>,
    cost: Vec<Option<f64>>,
}

/// `--stage` (one), else the stage `plan` recommends on the same inputs.
/// Without `--stage` the recommendation's own samples serve: every stage
/// is planned once per sample.
fn sampled_stage(args: &SensitivityArgs, loaded: &Loaded) -> Result<StageSamples, InputError> {
    let sampling = sampling_of(&args.sampling);
    let of = |stage: Stage, sampled: Sampled, i: usize| StageSamples {
        stage,
        cost: sampled
            .outcomes
            .iter()
            .map(|o| o.get(i).and_then(|s| s.usd_per_month))
            .collect(),
        values: sampled.values,
    };
    match loaded.shown.as_slice() {
        [] => {}
        [one] => {
            let stage = stage_named(loaded, one)?;
            let sampled = sample_outcomes(loaded, std::slice::from_ref(&stage), sampling, false)?;
            return Ok(of(stage, sampled, 0));
        }
        _ => {
            return Err(InputError::flag(
                "--stage",
                "sensitivity looks at one stage; give --stage once",
            ))
        }
    }
    let confidence = args.sampling.confidence.unwrap_or(DEFAULT_CONFIDENCE);
    let sampled = sample_outcomes(loaded, &loaded.stages, sampling, false)?;
    let bands = sampling::bands(&loaded.stages, &sampled.outcomes, confidence);
    let i = bands.iter().position(|b| b.recommended).ok_or_else(|| {
        InputError::flag(
            "--stage",
            "no stage meets the targets often enough to be recommended; name the stage to look at with --stage",
        )
    })?;
    Ok(of(loaded.stages[i].clone(), sampled, i))
}

fn stage_named(loaded: &Loaded, id: &str) -> Result<Stage, InputError> {
    loaded
        .stages
        .iter()
        .find(|s| s.id == id)
        .cloned()
        .ok_or_else(|| InputError::flag("--stage", format!("no stage `{id}`")))
}

/// The stage's targets ceiling (users), `None` when it never meets them.
fn ceiling_of(inputs: &Inputs, stage: &Stage) -> Result<Option<f64>, InputError> {
    let found = ceilings(inputs, std::slice::from_ref(stage))?;
    Ok(found.first().and_then(|c| c.targets.users()))
}

/// Cost and ceiling with `u` at each end, every other input at its median
/// (the loaded workload and targets hold the medians).
fn swing(
    loaded: &Loaded,
    stage: &Stage,
    u: &UncertainInput,
    rank_correlation: Option<f64>,
) -> Result<Swing, InputError> {
    let at = |value: f64| -> Result<(Option<f64>, Option<f64>), InputError> {
        let (workload, targets) = sampling::with_values(&loaded.inputs(), std::slice::from_ref(u), &[value]);
        let inputs = Inputs {
            workload: &workload,
            targets: &targets,
            ..loaded.inputs()
        };
        let p = plan_stage(&inputs, stage)?;
        Ok((p.feasible.then_some(p.usd_per_month), ceiling_of(&inputs, stage)?))
    };
    let (usd_at_low, ceiling_at_low) = at(u.spread.low)?;
    let (usd_at_high, ceiling_at_high) = at(u.spread.high)?;
    Ok(Swing {
        input: u.clone(),
        usd_at_low,
        usd_at_high,
        ceiling_at_low,
        ceiling_at_high,
        rank_correlation,
    })
}

/// Each input's rank correlation with the stage's cost over the samples.
fn correlations(values: &[Vec<f64>], cost: &[Option<f64>], inputs: usize) -> Vec<Option<f64>> {
    (0..inputs)
        .map(|j| spearman(&values.iter().map(|v| v[j]).collect::<Vec<_>>(), cost))
        .collect()
}

const COLUMNS: [&str; 8] = [
    "rank",
    "input",
    "range",
    "usd_per_month_at_low",
    "usd_per_month_at_high",
    "ceiling_users_at_low",
    "ceiling_users_at_high",
    "rank_correlation_with_cost",
];

const DROP_ORDER: [&str; 2] = ["ceiling_users_at_low", "ceiling_users_at_high"];

fn record(rank: usize, stage: &Stage, s: &Swing) -> Record {
    let u = &s.input;
    Record::new()
        .int("rank", rank as u64)
        .text("stage", &stage.id)
        .text("input", &u.name)
        .text(
            "range",
            format!("{}..{}", write_value(u, u.spread.low), write_value(u, u.spread.high)),
        )
        .text("distribution", u.spread.dist.name())
        .float("low", Unit::Plain, u.spread.low)
        .float("high", Unit::Plain, u.spread.high)
        .opt_float("usd_per_month_at_low", Unit::Usd, s.usd_at_low)
        .opt_float("usd_per_month_at_high", Unit::Usd, s.usd_at_high)
        .opt_float(
            "usd_per_month_swing",
            Unit::Usd,
            s.usd_swing().is_finite().then(|| s.usd_swing()),
        )
        .opt_count("ceiling_users_at_low", s.ceiling_at_low)
        .opt_count("ceiling_users_at_high", s.ceiling_at_high)
        .opt_count("ceiling_users_swing", s.ceiling_swing())
        .opt_float("rank_correlation_with_cost", Unit::Plain, s.rank_correlation)
}

/// The cost tornado: one bar per input whose both ends carry the load; the
/// others are named under the axis (with the end that cannot).
fn tornado(stage: &Stage, base: &StagePlan, swings: &[Swing]) -> Tornado {
    let (mut bars, mut left_out) = (Vec::new(), Vec::new());
    for s in swings {
        let u = &s.input;
        let (low_label, high_label) = (write_value(u, u.spread.low), write_value(u, u.spread.high));
        let ends = match (s.usd_at_low, s.usd_at_high) {
            (Some(at_low), Some(at_high)) => {
                bars.push(TornadoBar {
                    input: u.name.clone(),
                    low_label,
                    high_label,
                    at_low,
                    at_high,
                });
                continue;
            }
            (None, Some(_)) => "its low end",
            (Some(_), None) => "its high end",
            (None, None) => "either end",
        };
        left_out.push(format!(
            "not drawn: {} {low_label}..{high_label} (the stage cannot carry the load at {ends}, so it has no cost there)",
            u.name
        ));
    }
    Tornado {
        title: format!("{}: monthly cost, each input alone at its low and high end", stage.id),
        value_label: "monthly cost (USD)".to_string(),
        base: base.usd_per_month,
        bars,
        left_out,
    }
}
