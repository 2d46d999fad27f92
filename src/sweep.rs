//! Sweeps: every stage planned at each of many user counts, and the
//! recommended stage at each. Pure: no I/O; the points are planned on
//! parallel threads and a callback reports progress.

use crate::error::InputError;
use crate::model::Stage;
use crate::parallel;
use crate::plan::{plan, Inputs, StagePlan};
use crate::quantity::{format_count, parse_count, shown};

/// The limits of a sweep live with every other input range (the input
/// layer must not reach up into the planner's).
pub use crate::ranges::{SWEEP_MAX_POINTS as MAX_POINTS, SWEEP_MAX_USERS as MAX_USERS, SWEEP_MIN_USERS as MIN_USERS};

/// The user counts of a sweep as written on the command line.
#[derive(Debug, Clone, PartialEq)]
pub enum UserCounts {
    /// `1k..1B`: log-spaced from `from` to `to`, both included.
    Range { from: f64, to: f64 },
    /// `1k,10k,1M` (or one count): exactly these, in this order.
    List(Vec<f64>),
}

const EXPECTED: &str = "a range like 1k..1B or a list like 1k,10k,1M (counts from 1 to 1T)";

impl UserCounts {
    /// Parses `FROM..TO` (FROM < TO) or `A,B,C`; each count as
    /// [`parse_count`] reads it (`1k`, `2.5M`, `1B`), from 1 to 1T.
    pub fn parse(text: &str) -> Result<UserCounts, String> {
        let count = |part: &str| -> Result<f64, String> {
            let value = parse_count(part.trim()).map_err(|_| format!("\"{}\" is not {EXPECTED}", shown(text)))?;
            if !(MIN_USERS..=MAX_USERS).contains(&value) {
                return Err(format!("\"{}\" is out of range; give 1 to 1T", shown(text)));
            }
            Ok(value)
        };
        if let Some((from, to)) = text.split_once("..") {
            let (from, to) = (count(from)?, count(to)?);
            if from >= to {
                return Err(format!(
                    "the range \"{}\" must rise (FROM..TO with FROM < TO)",
                    shown(text)
                ));
            }
            return Ok(UserCounts::Range { from, to });
        }
        text.split(',')
            .map(count)
            .collect::<Result<_, _>>()
            .map(UserCounts::List)
    }

    /// The counts: `points` log-spaced ones for a range (default
    /// `default_points`), the list itself otherwise. `--points` with a
    /// list, fewer than 2 or more than `MAX_POINTS` points, or a list of
    /// more than `MAX_POINTS` counts is an error naming the flag.
    pub fn values(&self, points: Option<u64>, default_points: u64) -> Result<Vec<f64>, InputError> {
        match self {
            UserCounts::List(list) => match points {
                Some(_) => Err(InputError::flag(
                    "--points",
                    "applies to a range like --users 1k..1B, not to a list",
                )),
                None if list.len() as u64 > MAX_POINTS => Err(InputError::flag(
                    "--users",
                    format!(
                        "a list of {} counts is out of range; give at most {MAX_POINTS}",
                        list.len()
                    ),
                )),
                None => Ok(list.clone()),
            },
            UserCounts::Range { from, to } => {
                let n = points.unwrap_or(default_points);
                if !(2..=MAX_POINTS).contains(&n) {
                    return Err(InputError::flag(
                        "--points",
                        format!("must be from 2 to {MAX_POINTS} for a range, got {n}"),
                    ));
                }
                Ok(log_spaced(*from, *to, n as usize))
            }
        }
    }
}

/// Significant digits of the user counts in a range: `213k`, not
/// `213,243.2`.
pub const SIGNIFICANT_DIGITS: i32 = 3;

/// `points` user counts from `from` to `to`, evenly spaced in log space,
/// each rounded to a whole number of [`SIGNIFICANT_DIGITS`] significant
/// digits (`1k..1M` in 7 points: 1000, 3160, 10000, 31600, 100000,
/// 316000, 1000000).
///
/// ```text
/// u_i = round(exp(ln a + i/(n − 1) · (ln b − ln a))),  i = 0 … n − 1
/// ```
/// where `a` is `from`, `b` is `to`, `n` is `points`, and `round` keeps
/// 3 significant digits and a whole number.
///
/// Edges: where 3 digits would make neighbours equal (more than about 900
/// points a decade), as many more digits as keep them apart; counts that
/// only a fraction of a user would separate (small counts, dense points)
/// appear once, so fewer than `points` counts may come back. Both ends
/// are included (rounded to whole users, at least 1). `n = 1` gives
/// `[a]`; `n = 0` gives nothing. Both ends must be positive.
pub fn log_spaced(from: f64, to: f64, points: usize) -> Vec<f64> {
    let (a, b) = (from.ln(), to.ln());
    let raw: Vec<f64> = (0..points)
        .map(|i| match i {
            0 => from,
            _ if i + 1 == points => to,
            _ => (a + (b - a) * i as f64 / (points - 1) as f64).exp(),
        })
        .collect();
    let whole = distinct(raw.iter().map(|&x| round_count(x, 17)));
    (SIGNIFICANT_DIGITS..17)
        .map(|digits| distinct(raw.iter().map(|&x| round_count(x, digits))))
        .find(|counts| counts.len() == whole.len())
        .unwrap_or(whole)
}

/// `x` to `digits` significant digits, then to a whole count of at least 1.
fn round_count(x: f64, digits: i32) -> f64 {
    significant(x, digits).round().max(1.0)
}

/// The values in order, each once (they arrive sorted).
fn distinct(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut out: Vec<f64> = values.collect();
    out.dedup();
    out
}

/// `x > 0` rounded to `digits` significant digits, by an exact power of ten.
fn significant(x: f64, digits: i32) -> f64 {
    let shift = digits - 1 - x.log10().floor() as i32;
    if shift >= 0 {
        let scale = 10f64.powi(shift);
        (x * scale).round() / scale
    } else {
        let scale = 10f64.powi(-shift);
        (x / scale).round() * scale
    }
}

/// Every stage planned at one user count.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    pub users: f64,
    /// One plan per stage, in stage order; at most one is `recommended`.
    pub plans: Vec<StagePlan>,
}

impl SweepPoint {
    /// The cheapest stage meeting the targets here, if any.
    pub fn recommended(&self) -> Option<&StagePlan> {
        self.plans.iter().find(|p| p.recommended)
    }

    /// Why no stage is recommended here: the last stage's reason (the
    /// ladder's most capable stage), or empty when one is.
    pub fn no_stage_reason(&self) -> String {
        if self.recommended().is_some() {
            return String::new();
        }
        match self.plans.last() {
            Some(last) => format!(
                "no stage meets the targets at {} users; the last, {}: {}",
                format_count(self.users),
                last.id,
                last.reason
            ),
            None => "no stages to plan".to_string(),
        }
    }
}

/// Plans every stage at every user count (the workload of `inputs` with
/// its user count replaced, its other fields kept), in the order of
/// `users`. `progress(n)` is called with the count of points done after
/// each one (from worker threads). The first planning error is returned.
pub fn sweep(
    inputs: &Inputs,
    stages: &[Stage],
    users: &[f64],
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<SweepPoint>, InputError> {
    parallel::try_map(
        users,
        |&u| {
            let mut workload = inputs.workload.clone();
            workload.users = u;
            let at = Inputs {
                workload: &workload,
                ..*inputs
            };
            Ok(SweepPoint {
                users: u,
                plans: plan(&at, stages)?,
            })
        },
        progress,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges_and_lists() {
        assert_eq!(
            UserCounts::parse("1k..1B"),
            Ok(UserCounts::Range { from: 1e3, to: 1e9 })
        );
        assert_eq!(
            UserCounts::parse("1k,10k, 1M"),
            Ok(UserCounts::List(vec![1e3, 1e4, 1e6]))
        );
        assert_eq!(UserCounts::parse("250k"), Ok(UserCounts::List(vec![2.5e5])));
    }

    #[test]
    fn rejects_bad_counts_with_what_would_do() {
        for bad in [
            "1B..1k", "5..5", "0..1M", "1k..", "x", "1k,,2k", "-5", "1k..1e13", "0.5",
        ] {
            let err = UserCounts::parse(bad).unwrap_err();
            assert!(err.contains(bad.trim()) || err.contains("outside"), "{bad}: {err}");
        }
    }

    #[test]
    fn log_spacing_includes_both_ends_and_has_a_constant_ratio() {
        let u = log_spaced(1e3, 1e9, 7);
        assert_eq!(u, vec![1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]);
        // The ratio between neighbours is constant to the rounding.
        let v = log_spaced(1e3, 1e9, 200);
        assert_eq!(v.len(), 200);
        let ratio = 1e6f64.powf(1.0 / 199.0);
        assert!(v.windows(2).all(|w| (w[1] / w[0] / ratio - 1.0).abs() < 1e-2));
        assert_eq!(log_spaced(5.0, 50.0, 1), vec![5.0]);
        assert!(log_spaced(5.0, 50.0, 0).is_empty());
    }

    #[test]
    fn counts_are_whole_and_round() {
        assert_eq!(
            log_spaced(2e5, 1e6, 8),
            vec![2e5, 2.52e5, 3.17e5, 3.99e5, 5.02e5, 6.31e5, 7.95e5, 1e6]
        );
        for (from, to, n) in [(1e3, 1e9, 60), (1.0, 1e13, 1000), (2e5, 1e6, 26)] {
            for u in log_spaced(from, to, n) {
                assert_eq!(u, u.round(), "{u}");
                assert!(significant(u, 3) == u, "{u} has more than 3 significant digits");
            }
        }
    }

    #[test]
    fn dense_points_keep_more_digits_and_small_counts_appear_once() {
        let dense = log_spaced(1e3, 1e4, 2000);
        assert_eq!(dense.len(), 2000);
        assert!(dense.windows(2).all(|w| w[1] > w[0]));
        let small = log_spaced(1.0, 10.0, 60);
        assert_eq!(small, (1..=10).map(f64::from).collect::<Vec<_>>());
    }

    #[test]
    fn points_apply_to_ranges_only() {
        let range = UserCounts::Range { from: 1e3, to: 1e9 };
        assert_eq!(range.values(None, 60).unwrap().len(), 60);
        assert_eq!(range.values(Some(100), 60).unwrap().len(), 100);
        assert!(range.values(Some(101), 60).is_err());
        assert!(range
            .values(Some(1), 60)
            .unwrap_err()
            .to_string()
            .starts_with("--points"));
        let list = UserCounts::List(vec![1e3, 1e6]);
        assert_eq!(list.values(None, 60).unwrap(), vec![1e3, 1e6]);
        assert!(list.values(Some(10), 60).is_err());
        let long = UserCounts::List(vec![1e3; MAX_POINTS as usize + 1]);
        assert!(long.values(None, 60).unwrap_err().to_string().starts_with("--users"));
    }
}
