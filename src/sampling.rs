//! Planning under uncertainty: every ranged input sampled together
//! (Monte Carlo), every stage planned per sample, and each figure reported
//! as its 10th, 50th and 90th percentile with the share of samples in
//! which the stage is feasible and meets the targets.
//!
//! The samples are drawn in one sequence from the seed before any is
//! planned, and the results are gathered in sample order, so the output
//! depends on the seed and the sample count only, never on the number of
//! threads. An infeasible sample counts as worse than every feasible one
//! (no cost, no latency): a band whose percentile lands among them is
//! empty. Pure: no I/O.

use crate::error::InputError;
use crate::model::Stage;
use crate::parallel;
use crate::plan::{plan_stage_probe, Inputs, StagePlan};
use crate::uncertain::{band, draw_probabilities, Spread};
use crate::workload::{Targets, Workload};

/// The built-in sample count: the p10 and p90 of 2,000 samples sit within
/// about ±1.3 percentage points of probability of the true ones (binomial
/// standard error √(0.1·0.9/2000) = 0.67 %, two of them).
pub const DEFAULT_SAMPLES: u64 = 2_000;
/// The built-in seed.
pub const DEFAULT_SEED: u64 = 1;
/// The built-in confidence: a stage is recommended when it meets the
/// targets in at least this share of samples.
pub const DEFAULT_CONFIDENCE: f64 = 0.9;

/// Which file an input's key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Workload,
    Targets,
}

/// One ranged input: the name the user wrote (`--users`, `web_cpu`), the
/// file key it sets, and its spread.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertainInput {
    pub name: String,
    pub home: Home,
    pub key: String,
    pub spread: Spread,
}

impl UncertainInput {
    /// Puts `value` (SI units) into the workload or targets.
    pub fn apply(&self, workload: &mut Workload, targets: &mut Targets, value: f64) {
        match self.home {
            Home::Workload => workload.set(&self.key, value),
            Home::Targets => targets.set(&self.key, value),
        };
    }
}

/// How many samples, from which seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    pub samples: usize,
    pub seed: u64,
}

/// The inputs' values of every sample (sample-major, in `uncertain`'s order).
pub fn sample_values(uncertain: &[UncertainInput], sampling: Sampling) -> Vec<Vec<f64>> {
    draw_probabilities(uncertain.len(), sampling.samples, sampling.seed)
        .into_iter()
        .map(|ps| ps.iter().zip(uncertain).map(|(&p, u)| u.spread.quantile(p)).collect())
        .collect()
}

/// The workload and targets of `base` with `values` put in.
pub fn with_values(base: &Inputs, uncertain: &[UncertainInput], values: &[f64]) -> (Workload, Targets) {
    let (mut workload, mut targets) = (base.workload.clone(), base.targets.clone());
    for (u, &value) in uncertain.iter().zip(values) {
        u.apply(&mut workload, &mut targets, value);
    }
    (workload, targets)
}

/// What one sample's plan of one stage gives: figures only where the
/// stage is feasible.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub servers: Option<f64>,
    pub usd_per_month: Option<f64>,
    pub p99_response_s: Option<f64>,
    pub availability: Option<f64>,
    pub feasible: bool,
    pub meets_slo: bool,
    /// Feasible, but the p99 above its target.
    pub slow: bool,
    /// Feasible, but the availability below its target.
    pub fragile: bool,
    pub tiers: Vec<TierOutcome>,
}

/// One tier's figures in one sample (only with `--level tier`).
#[derive(Debug, Clone, PartialEq)]
pub struct TierOutcome {
    pub name: String,
    pub servers: Option<f64>,
    pub usd_per_month: Option<f64>,
    pub p99_response_s: Option<f64>,
    pub availability: Option<f64>,
}

fn outcome(plan: &StagePlan, targets: &Targets, with_tiers: bool) -> Outcome {
    let known = |x: f64| plan.feasible.then_some(x);
    let tiers = match with_tiers {
        false => Vec::new(),
        true => plan
            .tiers
            .iter()
            .map(|t| TierOutcome {
                name: t.name.clone(),
                servers: t.feasible.then_some(t.servers as f64),
                usd_per_month: t.feasible.then_some(t.usd_per_month),
                p99_response_s: t.feasible.then(|| t.response_quantile_s(0.99)).flatten(),
                availability: t.feasible.then_some(1.0 - t.unavailability),
            })
            .collect(),
    };
    Outcome {
        servers: known(plan.servers as f64),
        usd_per_month: known(plan.usd_per_month),
        p99_response_s: plan.p99_response_s.filter(|_| plan.feasible),
        availability: known(plan.availability),
        feasible: plan.feasible,
        meets_slo: plan.meets_slo,
        slow: plan.feasible && plan.p99_response_s.is_none_or(|p| p > targets.p99_s),
        fragile: plan.feasible && plan.availability < targets.availability,
        tiers,
    }
}

/// `f` on the inputs of every sample, in sample order, in parallel.
fn each_sample<R: Send>(
    base: &Inputs,
    uncertain: &[UncertainInput],
    values: &[Vec<f64>],
    on_done: &(dyn Fn(usize) + Sync),
    f: impl Fn(&Inputs) -> Result<R, InputError> + Sync,
) -> Result<Vec<R>, InputError> {
    parallel::try_map(
        values,
        |sample| {
            let (workload, targets) = with_values(base, uncertain, sample);
            f(&Inputs {
                workload: &workload,
                targets: &targets,
                ..*base
            })
        },
        on_done,
    )
}

/// Plans every stage for every sample: `outcomes[sample][stage]`.
/// `on_done(n)` is called as samples finish (for a progress bar).
pub fn run(
    base: &Inputs,
    stages: &[Stage],
    uncertain: &[UncertainInput],
    values: &[Vec<f64>],
    with_tiers: bool,
    on_done: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Vec<Outcome>>, InputError> {
    each_sample(base, uncertain, values, on_done, |inputs| {
        stages
            .iter()
            .map(|s| Ok(outcome(&plan_stage_probe(inputs, s)?, inputs.targets, with_tiers)))
            .collect()
    })
}

/// Each stage's two ceilings (targets, capacity) in users for every
/// sample: `ceilings[sample][stage]`, `None` where the test never holds.
pub fn run_ceilings(
    base: &Inputs,
    stages: &[Stage],
    uncertain: &[UncertainInput],
    values: &[Vec<f64>],
    on_done: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Vec<[Option<f64>; 2]>>, InputError> {
    each_sample(base, uncertain, values, on_done, |inputs| {
        crate::ceiling::ceilings_in_users(inputs, stages)
    })
}

/// One stage's ceilings over the samples: the targets ceiling and the
/// capacity ceiling, each p10/p50/p90 users (a sample where the stage
/// never meets the test counts as the lowest).
#[derive(Debug, Clone, PartialEq)]
pub struct CeilingBands {
    pub id: String,
    pub order: u64,
    pub targets: Band,
    pub capacity: Band,
    /// Share of samples in which the stage never meets the targets.
    pub p_never: f64,
}

/// The bands of `ceilings[sample][stage]`.
pub fn ceiling_bands(stages: &[Stage], ceilings: &[Vec<[Option<f64>; 2]>]) -> Vec<CeilingBands> {
    stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let test = |k: usize| {
                ceilings
                    .iter()
                    .map(|c| c.get(i).and_then(|pair| pair[k]))
                    .collect::<Vec<_>>()
            };
            let targets = test(0);
            CeilingBands {
                id: stage.id.clone(),
                order: stage.order,
                targets: band(&targets, true),
                capacity: band(&test(1), true),
                p_never: targets.iter().filter(|c| c.is_none()).count() as f64 / targets.len().max(1) as f64,
            }
        })
        .collect()
}

/// p10, p50 and p90 of one figure.
pub type Band = [Option<f64>; 3];

/// One stage over all samples.
#[derive(Debug, Clone, PartialEq)]
pub struct StageBands {
    pub id: String,
    pub title: String,
    pub order: u64,
    pub servers: Band,
    pub usd_per_month: Band,
    pub p99_response_s: Band,
    pub availability: Band,
    /// Share of samples in which the stage is feasible and meets the targets.
    pub p_meets_slo: f64,
    pub p_feasible: f64,
    pub p_slow: f64,
    pub p_fragile: f64,
    pub recommended: bool,
    pub tiers: Vec<TierBands>,
}

/// One tier over all samples.
#[derive(Debug, Clone, PartialEq)]
pub struct TierBands {
    pub name: String,
    pub servers: Band,
    pub usd_per_month: Band,
    pub p99_response_s: Band,
    pub availability: Band,
}

/// Each stage's bands from `outcomes[sample][stage]`, the recommendation
/// marked at `confidence`.
pub fn bands(stages: &[Stage], outcomes: &[Vec<Outcome>], confidence: f64) -> Vec<StageBands> {
    let mut all: Vec<StageBands> = stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let column: Vec<&Outcome> = outcomes.iter().filter_map(|o| o.get(i)).collect();
            stage_bands(stage, &column)
        })
        .collect();
    mark_recommended(&mut all, confidence);
    all
}

fn stage_bands(stage: &Stage, column: &[&Outcome]) -> StageBands {
    let figure = |f: fn(&Outcome) -> Option<f64>| column.iter().map(|o| f(o)).collect::<Vec<_>>();
    let share = |f: fn(&Outcome) -> bool| column.iter().filter(|o| f(o)).count() as f64 / column.len().max(1) as f64;
    let names: Vec<String> = column
        .first()
        .map(|o| o.tiers.iter().map(|t| t.name.clone()).collect())
        .unwrap_or_default();
    StageBands {
        id: stage.id.clone(),
        title: stage.title.clone(),
        order: stage.order,
        servers: band(&figure(|o| o.servers), false),
        usd_per_month: band(&figure(|o| o.usd_per_month), false),
        p99_response_s: band(&figure(|o| o.p99_response_s), false),
        availability: band(&figure(|o| o.availability), true),
        p_meets_slo: share(|o| o.meets_slo),
        p_feasible: share(|o| o.feasible),
        p_slow: share(|o| o.slow),
        p_fragile: share(|o| o.fragile),
        recommended: false,
        tiers: names.iter().map(|name| tier_bands(name, column)).collect(),
    }
}

fn tier_bands(name: &str, column: &[&Outcome]) -> TierBands {
    let tier = |o: &&Outcome| o.tiers.iter().find(|t| t.name == name).cloned();
    let tiers: Vec<Option<TierOutcome>> = column.iter().map(tier).collect();
    let figure = |f: fn(&TierOutcome) -> Option<f64>| tiers.iter().map(|t| t.as_ref().and_then(f)).collect::<Vec<_>>();
    TierBands {
        name: name.to_string(),
        servers: band(&figure(|t| t.servers), false),
        usd_per_month: band(&figure(|t| t.usd_per_month), false),
        p99_response_s: band(&figure(|t| t.p99_response_s), false),
        availability: band(&figure(|t| t.availability), true),
    }
}

/// `recommended` on the cheapest stage by median cost among those that
/// meet the targets in at least `confidence` of the samples (the earlier
/// stage on a tie).
pub fn mark_recommended(all: &mut [StageBands], confidence: f64) {
    let best = all
        .iter()
        .enumerate()
        .filter(|(_, s)| s.p_meets_slo >= confidence)
        .filter_map(|(i, s)| Some((i, s.usd_per_month[1]?, s.order)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.2.cmp(&b.2)))
        .map(|(i, ..)| i);
    for (i, s) in all.iter_mut().enumerate() {
        s.recommended = Some(i) == best;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome_with(usd: Option<f64>, meets: bool) -> Outcome {
        Outcome {
            servers: usd.map(|_| 2.0),
            usd_per_month: usd,
            p99_response_s: usd.map(|_| 0.1),
            availability: usd.map(|_| 0.999),
            feasible: usd.is_some(),
            meets_slo: meets,
            slow: false,
            fragile: false,
            tiers: Vec::new(),
        }
    }

    fn bands_of(cost: f64, meets: f64) -> StageBands {
        StageBands {
            id: String::new(),
            title: String::new(),
            order: 0,
            servers: [None; 3],
            usd_per_month: [Some(cost); 3],
            p99_response_s: [None; 3],
            availability: [None; 3],
            p_meets_slo: meets,
            p_feasible: 1.0,
            p_slow: 0.0,
            p_fragile: 0.0,
            recommended: false,
            tiers: Vec::new(),
        }
    }

    #[test]
    fn the_recommendation_is_the_cheapest_stage_confident_enough() {
        let mut all = vec![bands_of(100.0, 0.85), bands_of(300.0, 0.95), bands_of(200.0, 0.92)];
        mark_recommended(&mut all, 0.9);
        assert_eq!(
            all.iter().map(|s| s.recommended).collect::<Vec<_>>(),
            [false, false, true]
        );
        mark_recommended(&mut all, 0.8);
        assert!(all[0].recommended);
        mark_recommended(&mut all, 0.99);
        assert!(all.iter().all(|s| !s.recommended));
    }

    #[test]
    fn shares_count_the_samples_that_meet_the_targets() {
        let stage = crate::model::Stage::builtin().remove(0);
        let column = [
            outcome_with(Some(1.0), true),
            outcome_with(Some(2.0), false),
            outcome_with(None, false),
            outcome_with(Some(3.0), true),
        ];
        let refs: Vec<&Outcome> = column.iter().collect();
        let b = stage_bands(&stage, &refs);
        assert_eq!(b.p_meets_slo, 0.5);
        assert_eq!(b.p_feasible, 0.75);
        // 1, 2, 3, ∞: p10 → 1st, p50 → 2nd, p90 → 4th (infeasible).
        assert_eq!(b.usd_per_month, [Some(1.0), Some(2.0), None]);
    }
}
