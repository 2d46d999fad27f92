//! Stage ceilings: for one stage, the largest user count at which its plan
//! still works, and what breaks just above it. This answers "when must I
//! move to the next stage, and what will it cost then?".
//!
//! Two ceilings per stage, because some stages never meet the targets at
//! any scale (one `single-server` box is one 99.5 % instance, below the
//! 99.9 % availability target by design) yet still have a physical limit:
//!
//! - the **targets ceiling**: the plan is feasible *and* meets the p99 and
//!   availability targets (`StagePlan::meets_slo`); `None` when the stage
//!   misses them even at one user, with the reason read at one user;
//! - the **capacity ceiling**: the plan is feasible, targets aside (every
//!   tier fits under its utilization ceiling on the largest instance or
//!   within its replica and storage limits).
//!
//! The search assumes each test flips once from holding to failing as
//! users grow (the planner's servers and costs never fall with more users;
//! tests/plan_stages.rs). Where it does not — availability can dip below
//! the target in a narrow band when a farm's spare-server count steps —
//! the reported ceiling is still the *largest* count that passes: the
//! search starts from the highest power of ten where the test passes, and
//! the band below shows in a sweep, not here.
//!
//! Pure: no I/O; the stages are searched on parallel threads.

use crate::error::InputError;
use crate::model::Stage;
use crate::parallel;
use crate::plan::{plan_stage_pass_fail, plan_stage_probe, Inputs, StagePlan};
use crate::workload::Targets;

/// The smallest user count searched.
pub const MIN_USERS: f64 = 1.0;
/// The largest user count searched: a stage that still passes here has no
/// ceiling in range, and `MAX_USERS` is a lower bound on it.
pub const MAX_USERS: f64 = 1e10;
/// A ceiling still met at `MAX_USERS` as a table cell writes it:
/// `10.0B or more` (a lower bound, not a ceiling found there).
pub fn beyond_range_cell() -> String {
    format!("{} or more", crate::quantity::format_count(MAX_USERS))
}

/// A ceiling in words: `24.7M users`, or `10.0B users or more` at
/// `MAX_USERS` (as [`Limit::users`] gives it).
pub fn users_text(users: f64) -> String {
    let count = crate::quantity::format_count(users);
    match users >= MAX_USERS {
        true => format!("{count} users or more"),
        false => format!("{count} users"),
    }
}

/// The search stops when the bracket is this narrow relative to users (or
/// one user wide).
pub const RELATIVE_PRECISION: f64 = 1e-3;
/// Why a stage breaks is read this far above its ceiling, so that the
/// reason shows the limit crossed by a visible margin ("71 % utilization,
/// above the 70 % ceiling") rather than at the fourth digit.
pub const REASON_STEP: f64 = 1.01;
/// `MIN_USERS` and `MAX_USERS` as the reasons write them.
const MIN_USERS_TEXT: &str = "1";
pub const MAX_USERS_TEXT: &str = "10B";
/// The coarse grid is 10^0, 10^1, …, 10^10 users.
const GRID_DECADES: i32 = 10;

/// What a ceiling is the limit of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Feasible and meets the p99 and availability targets.
    Targets,
    /// Feasible: every tier fits, targets aside.
    Capacity,
}

impl Test {
    /// Whether `plan` passes this test.
    pub fn holds(self, plan: &StagePlan) -> bool {
        match self {
            Test::Targets => plan.meets_slo,
            Test::Capacity => plan.feasible,
        }
    }
}

/// Where one test stops holding as users grow.
#[derive(Debug, Clone, PartialEq)]
pub enum Limit {
    /// Holds at `users` (whole users, evaluated) and fails just above:
    /// `at` is the plan at the ceiling, `above` the failing plan at
    /// `REASON_STEP × users` (or at the first failing probe when that one
    /// passes), whose reason says what breaks; `tier` names what breaks
    /// (see [`breaking_tier`]).
    Found {
        users: f64,
        at: Box<StagePlan>,
        above: Box<StagePlan>,
        tier: String,
    },
    /// Still holds at `MAX_USERS`; `at` is the plan there.
    BeyondRange { at: Box<StagePlan> },
    /// Fails at `MIN_USERS` already; `at_min` is the plan there.
    Never { at_min: Box<StagePlan>, tier: String },
}

impl Limit {
    /// The ceiling in users: `MAX_USERS` (a lower bound) beyond range,
    /// `None` when the test never holds.
    pub fn users(&self) -> Option<f64> {
        match self {
            Limit::Found { users, .. } => Some(*users),
            Limit::BeyondRange { .. } => Some(MAX_USERS),
            Limit::Never { .. } => None,
        }
    }

    /// Whether the test still holds at the top of the search.
    pub fn beyond_range(&self) -> bool {
        matches!(self, Limit::BeyondRange { .. })
    }

    /// The plan at the ceiling (servers, cost), when there is one.
    pub fn plan(&self) -> Option<&StagePlan> {
        match self {
            Limit::Found { at, .. } | Limit::BeyondRange { at } => Some(at),
            Limit::Never { .. } => None,
        }
    }

    /// The failing plan: just above the ceiling, or at one user.
    pub fn breaking(&self) -> Option<&StagePlan> {
        match self {
            Limit::Found { above, .. } => Some(above),
            Limit::Never { at_min, .. } => Some(at_min),
            Limit::BeyondRange { .. } => None,
        }
    }

    /// What breaks (see [`breaking_tier`]); empty beyond range.
    pub fn breaking_tier(&self) -> &str {
        match self {
            Limit::Found { tier, .. } | Limit::Never { tier, .. } => tier,
            Limit::BeyondRange { .. } => "",
        }
    }

    /// One sentence on why: the failing plan's reason, or for a limit
    /// beyond range that none was found.
    fn reason(&self, test: Test) -> String {
        let (holds, never) = match test {
            Test::Targets => ("meets the targets", "never meets the targets"),
            Test::Capacity => ("feasible", "infeasible even"),
        };
        match self {
            Limit::Found { above, .. } => above.reason.clone(),
            Limit::BeyondRange { .. } => format!("still {holds} at {MAX_USERS_TEXT} users, the top of the search"),
            Limit::Never { at_min, .. } => format!("{never} at {MIN_USERS_TEXT} user: {}", at_min.reason),
        }
    }
}

/// The two ceilings of one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StageCeiling {
    pub stage: String,
    pub order: u64,
    /// Feasible and meeting the targets.
    pub targets: Limit,
    /// Feasible, targets aside.
    pub capacity: Limit,
}

impl StageCeiling {
    /// Why the stage stops meeting the targets just above its ceiling, or
    /// (prefixed `never meets the targets at 1 user:`) why it never does,
    /// or that no ceiling was found up to `MAX_USERS`.
    pub fn targets_reason(&self) -> String {
        self.targets.reason(Test::Targets)
    }

    /// Why the stage stops being feasible just above its capacity ceiling.
    pub fn capacity_reason(&self) -> String {
        self.capacity.reason(Test::Capacity)
    }
}

/// Both ceilings of every stage, searched in parallel (one stage per
/// thread at a time), in stage order.
pub fn ceilings(inputs: &Inputs, stages: &[Stage]) -> Result<Vec<StageCeiling>, InputError> {
    // Later stages have more tiers and cost more to plan: handing them out
    // first keeps the threads busy to the end.
    let backwards: Vec<&Stage> = stages.iter().rev().collect();
    let mut found = parallel::try_map(&backwards, |s| stage_ceiling(inputs, s), &|_| {})?;
    found.reverse();
    Ok(found)
}

/// Both ceilings of one stage: the workload of `inputs` with its user
/// count replaced by the searched one (its other fields kept).
///
/// ```text
/// grid:   g_k = 10^k users, k = 10, 9, … 0 (scanned from the top)
/// start:  lo = the largest g_k where the test holds, hi = g_(k+1)
/// step:   m = round(√(lo · hi))        (geometric midpoint, whole users)
///         test holds at m → lo = m, else hi = m
/// stop:   hi ≤ lo · (1 + ε) or hi − lo ≤ 1,  ε = RELATIVE_PRECISION
/// answer: lo; the reason from the plan at max(round(lo · 1.01), hi)
/// ```
///
/// Both tests share every plan: a probe narrows each bracket it falls
/// inside, and the widest bracket picks the next probe (the two brackets
/// are usually the same, since most stages miss the targets exactly when
/// a tier stops fitting). About 15–30 plans per stage; one for a stage
/// that passes at the top.
///
/// Edges: no grid point passes → `Limit::Never` (with the plan at one
/// user); the last grid point passes → `Limit::BeyondRange`. A planning
/// error (a model or catalog problem) is returned as is.
pub fn stage_ceiling(inputs: &Inputs, stage: &Stage) -> Result<StageCeiling, InputError> {
    stage_ceiling_with(inputs, stage, false)
}

/// As [`ceilings`], for a caller that reads only the ceilings in users
/// (the sampled ladder): each stage's `[targets, capacity]` users (as
/// [`Limit::users`]), found from plans whose p99 is known only against its
/// target (see [`plan_stage_pass_fail`]), without the plans that say why
/// a stage breaks.
pub fn ceilings_in_users(inputs: &Inputs, stages: &[Stage]) -> Result<Vec<[Option<f64>; 2]>, InputError> {
    let backwards: Vec<&Stage> = stages.iter().rev().collect();
    let mut found = parallel::try_map(
        &backwards,
        |s| searched(inputs, s, true).map(|(_, searches)| searches.map(|search| search.users())),
        &|_| {},
    )?;
    found.reverse();
    Ok(found)
}

fn stage_ceiling_with(inputs: &Inputs, stage: &Stage, users_only: bool) -> Result<StageCeiling, InputError> {
    let (mut probes, [targets, capacity]) = searched(inputs, stage, users_only)?;
    Ok(StageCeiling {
        stage: stage.id.clone(),
        order: stage.order,
        targets: targets.finish(&mut probes)?,
        capacity: capacity.finish(&mut probes)?,
    })
}

/// Both searches of one stage run to their precision, with the plans
/// they made.
fn searched<'a>(
    inputs: &'a Inputs<'a>,
    stage: &'a Stage,
    users_only: bool,
) -> Result<(Probes<'a>, [Search; 2]), InputError> {
    let mut probes = Probes {
        inputs,
        stage,
        users_only,
        plans: Vec::new(),
    };
    let mut searches = grid_scan(&mut probes)?;
    while let Some(mid) = next_probe(&searches) {
        let plan = probes.at(mid)?;
        for search in &mut searches {
            search.narrow(mid, plan);
        }
    }
    Ok((probes, searches))
}

/// The plans computed so far for one stage, by user count (the two
/// searches and the grid ask for the same counts).
struct Probes<'a> {
    inputs: &'a Inputs<'a>,
    stage: &'a Stage,
    /// Plans with the p99 known only against its target.
    users_only: bool,
    plans: Vec<StagePlan>,
}

impl Probes<'_> {
    fn at(&mut self, users: f64) -> Result<&StagePlan, InputError> {
        let known = self.plans.iter().position(|p| p.users.to_bits() == users.to_bits());
        let index = match known {
            Some(i) => i,
            None => {
                let mut workload = self.inputs.workload.clone();
                workload.users = users;
                let inputs = Inputs {
                    workload: &workload,
                    ..*self.inputs
                };
                self.plans.push(match self.users_only {
                    true => plan_stage_pass_fail(&inputs, self.stage)?,
                    false => plan_stage_probe(&inputs, self.stage)?,
                });
                self.plans.len() - 1
            }
        };
        Ok(&self.plans[index])
    }
}

/// One test's search state.
enum Search {
    Never,
    BeyondRange,
    /// Holds at `lo`, fails at `hi`.
    Bracket {
        test: Test,
        lo: f64,
        hi: f64,
    },
}

impl Search {
    /// The next probe this search wants, or `None` once it is narrow enough.
    fn midpoint(&self) -> Option<(f64, f64)> {
        let Search::Bracket { lo, hi, .. } = *self else {
            return None;
        };
        if hi <= lo * (1.0 + RELATIVE_PRECISION) || hi - lo <= 1.0 {
            return None;
        }
        let mid = (lo * hi).sqrt().round();
        (mid > lo && mid < hi).then_some((mid, hi / lo))
    }

    /// The ceiling this search found, as [`Limit::users`] gives it.
    fn users(&self) -> Option<f64> {
        match *self {
            Search::Never => None,
            Search::BeyondRange => Some(MAX_USERS),
            Search::Bracket { lo, .. } => Some(lo),
        }
    }

    fn narrow(&mut self, users: f64, plan: &StagePlan) {
        if let Search::Bracket { test, lo, hi } = self {
            if users > *lo && users < *hi {
                if test.holds(plan) {
                    *lo = users;
                } else {
                    *hi = users;
                }
            }
        }
    }

    fn finish(self, probes: &mut Probes) -> Result<Limit, InputError> {
        Ok(match self {
            Search::Never => {
                let at_min = probes.at(MIN_USERS)?.clone();
                Limit::Never {
                    tier: breaking_tier(&at_min, probes.inputs.targets),
                    at_min: Box::new(at_min),
                }
            }
            Search::BeyondRange => Limit::BeyondRange {
                at: Box::new(probes.at(MAX_USERS)?.clone()),
            },
            Search::Bracket { test, lo, hi } => {
                let at = Box::new(probes.at(lo)?.clone());
                let step = (lo * REASON_STEP).round().max(hi);
                // Should the test pass again above the bracket, the first
                // failing probe still says why it failed there.
                let passes_again = test.holds(probes.at(step)?);
                let above = probes.at(if passes_again { hi } else { step })?.clone();
                Limit::Found {
                    users: lo,
                    at,
                    tier: breaking_tier(&above, probes.inputs.targets),
                    above: Box::new(above),
                }
            }
        })
    }
}

/// What breaks in a failing plan: the infeasible tier, or the busiest
/// tier when the p99 misses its target, or (availability alone) the
/// single points of failure, comma-separated.
pub fn breaking_tier(plan: &StagePlan, targets: &Targets) -> String {
    let slow = plan.p99_response_s.is_none_or(|p| p > targets.p99_s);
    if !plan.feasible || slow || plan.availability >= targets.availability {
        plan.bottleneck.clone()
    } else {
        plan.spofs.join(", ")
    }
}

/// Where each search starts: the grid scanned from the top down to the
/// highest point where each test holds (top-down because the large user
/// counts decide most stages, and a stage that holds at the top needs one
/// plan), bracketed with the grid point above it.
fn grid_scan(probes: &mut Probes) -> Result<[Search; 2], InputError> {
    let tests = [Test::Targets, Test::Capacity];
    let mut found: [Option<Search>; 2] = [None, None];
    for k in (0..=GRID_DECADES).rev() {
        let users = 10f64.powi(k);
        let plan = probes.at(users)?;
        for (slot, test) in found.iter_mut().zip(tests) {
            if slot.is_none() && test.holds(plan) {
                *slot = Some(if k == GRID_DECADES {
                    Search::BeyondRange
                } else {
                    Search::Bracket {
                        test,
                        lo: users,
                        hi: 10f64.powi(k + 1),
                    }
                });
            }
        }
        if found.iter().all(Option::is_some) {
            break;
        }
    }
    Ok(found.map(|s| s.unwrap_or(Search::Never)))
}

/// The midpoint of the widest open bracket.
fn next_probe(searches: &[Search]) -> Option<f64> {
    searches
        .iter()
        .filter_map(Search::midpoint)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(mid, _)| mid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::plan::Loaded;

    fn builtin_ceiling(id: &str) -> StageCeiling {
        let loaded = Loaded::builtin();
        let inputs = loaded.inputs();
        let stage = Stage::builtin().into_iter().find(|s| s.id == id).unwrap();
        stage_ceiling(&inputs, &stage).unwrap()
    }

    /// The sampled ladder's probes test the p99 against its target instead
    /// of solving it: the same ceilings, on workloads where the p99 binds
    /// (a slow web tier, a tight target) and where it does not.
    #[test]
    fn ceilings_in_users_match_the_full_search() {
        for (web_cpu_s, p99_s) in [(0.020, 0.25), (0.030, 0.25), (0.020, 0.1), (0.045, 0.3)] {
            let mut loaded = Loaded::builtin();
            loaded.workload.web_cpu_s = web_cpu_s;
            loaded.targets.p99_s = p99_s;
            let inputs = loaded.inputs();
            let full = ceilings(&inputs, &loaded.stages).unwrap();
            let users_only = ceilings_in_users(&inputs, &loaded.stages).unwrap();
            for (a, b) in full.iter().zip(&users_only) {
                let pair = [a.targets.users(), a.capacity.users()];
                assert_eq!(&pair, b, "{} {web_cpu_s} {p99_s}", a.stage);
            }
        }
    }

    /// A pass/fail probe plans the same counts and verdict as a full one.
    #[test]
    fn pass_fail_probes_match_full_probes() {
        let (mut chased, mut cut) = (0, 0);
        for (users, web_cpu_s) in [(3e5, 0.03), (2e6, 0.025), (4e6, 0.03), (5e7, 0.02)] {
            let mut loaded = Loaded::builtin();
            loaded.workload.users = users;
            loaded.workload.web_cpu_s = web_cpu_s;
            let inputs = loaded.inputs();
            for stage in &loaded.stages {
                let full = plan_stage_probe(&inputs, stage).unwrap();
                let test = plan_stage_pass_fail(&inputs, stage).unwrap();
                // An infeasible pass/fail plan stops at its first tier that
                // does not fit (the data tiers first): the tiers it sized
                // are the full plan's.
                for t in &test.tiers {
                    let same = full.tiers.iter().find(|f| f.name == t.name).map(|f| f.servers);
                    assert_eq!(same, Some(t.servers), "{} {} at {users}", stage.id, t.name);
                }
                assert!(
                    !test.feasible || test.tiers.len() == full.tiers.len(),
                    "{} at {users}",
                    stage.id
                );
                assert!(full.feasible || test.tiers.iter().any(|t| !t.feasible));
                assert_eq!(
                    (full.feasible, full.meets_slo),
                    (test.feasible, test.meets_slo),
                    "{} at {users}",
                    stage.id
                );
                if full.feasible {
                    assert_eq!(full.sized_for, test.sized_for, "{} at {users}", stage.id);
                }
                chased += full.sized_for.contains("request-path tiers held") as usize;
                cut += (test.tiers.len() < full.tiers.len()) as usize;
            }
        }
        assert!(chased >= 3, "the p99 search ran in {chased} plans");
        assert!(cut >= 1, "no infeasible plan was cut short");
    }

    #[test]
    fn a_bracket_narrows_to_the_stated_precision() {
        let c = builtin_ceiling("split-db");
        let Limit::Found { users, above, tier, .. } = &c.capacity else {
            panic!("split-db has a capacity ceiling: {:?}", c.capacity.users());
        };
        // The reason is read 1 % above, where the ceiling is crossed.
        assert!((above.users / users - REASON_STEP).abs() < 1e-6);
        assert!(
            !above.feasible && above.reason.contains("above the 70% ceiling"),
            "{}",
            above.reason
        );
        assert_eq!(tier, &above.bottleneck);
    }

    #[test]
    fn single_server_never_meets_the_availability_target() {
        let c = builtin_ceiling("single-server");
        assert!(c.targets.users().is_none());
        let reason = c.targets_reason();
        assert!(
            reason.starts_with("never meets the targets at 1 user: availability"),
            "{reason}"
        );
        // Availability alone fails: what breaks is the single points of failure.
        assert_eq!(c.targets.breaking_tier(), "server, data center");
        // It still has a physical limit, in the millions on the built-in workload.
        let physical = c.capacity.users().unwrap();
        assert!(physical > 1e5 && physical < 1e8, "{physical}");
    }

    #[test]
    fn a_stage_meeting_the_targets_at_the_top_is_beyond_range() {
        let c = builtin_ceiling("sharding");
        assert!(c.targets.beyond_range());
        assert!((c.targets.users().unwrap() - MAX_USERS).abs() < 1.0);
        assert!(c
            .targets_reason()
            .contains(&format!("at {MAX_USERS_TEXT} users, the top of the search")));
        assert!((crate::quantity::parse_count(MAX_USERS_TEXT).unwrap() - MAX_USERS).abs() < 1.0);
        assert_eq!(c.targets.breaking_tier(), "");
    }
}
