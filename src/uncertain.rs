//! Inputs given as ranges, and what sampling them gives back.
//!
//! A range `low..high` is a 90 % interval: `low` is the 5th percentile and
//! `high` the 95th. How values spread between (and beyond) them depends on
//! the input's kind:
//!
//! - a positive quantity (users, requests, times, sizes) is **log-normal**:
//!   `ln x` is normal, so the median is `√(low·high)` and a range twice as
//!   wide on one side as the other cannot arise from a symmetric guess;
//! - a fraction (daily-active share, read share, a utilization ceiling, an
//!   availability) is **logit-normal**: `ln(x/(1−x))` is normal, which keeps
//!   every sample strictly between 0 and 1;
//! - `dist = "uniform"` (files only) makes `low` and `high` the bounds, every
//!   value between equally likely (a different reading of the two numbers,
//!   said in the README).
//!
//! Samples are clamped into the input's documented range and whole counts
//! are rounded. Pure: no I/O.

use crate::ranges::{Kind, Range};
use statrs::distribution::{ContinuousCDF, Normal};

/// `Φ⁻¹(0.95)`: a 90 % interval is the median ± this many σ.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// How an input's values spread over its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    /// `ln x` normal, `low` and `high` its 5th and 95th percentiles.
    LogNormal,
    /// `ln(x/(1−x))` normal, `low` and `high` its 5th and 95th percentiles.
    LogitNormal,
    /// Every value from `low` to `high` equally likely.
    Uniform,
}

impl Dist {
    /// The distribution a range of this kind gets unless a file says
    /// `dist = "uniform"`.
    pub fn default_for(kind: Kind) -> Dist {
        match kind {
            Kind::Fraction | Kind::Mix => Dist::LogitNormal,
            _ => Dist::LogNormal,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dist::LogNormal => "log-normal",
            Dist::LogitNormal => "logit-normal",
            Dist::Uniform => "uniform",
        }
    }
}

/// One uncertain input: its 90 % interval (or bounds, for uniform) in SI
/// units, its distribution, and the range every sample is held in.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub low: f64,
    pub high: f64,
    pub dist: Dist,
    pub domain: Range,
}

/// Why a range cannot be sampled.
#[derive(Debug, Clone, PartialEq)]
pub enum SpreadError {
    /// `low` above `high`.
    Reversed,
    /// A log-normal end at 0, or a logit-normal end at 0 or 1.
    OutsideDist(Dist),
}

impl std::fmt::Display for SpreadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpreadError::Reversed => write!(f, "the low end is above the high end; write low..high"),
            SpreadError::OutsideDist(Dist::LogitNormal) => write!(
                f,
                "a fraction's range is logit-normal and needs both ends strictly between 0% and 100%; \
                 move the end inward, or use dist = \"uniform\" in a file"
            ),
            SpreadError::OutsideDist(_) => write!(
                f,
                "a range is log-normal and needs a low end above 0; \
                 give a positive low end, or use dist = \"uniform\" in a file"
            ),
        }
    }
}

impl Spread {
    /// A range of `domain`'s kind from `low` to `high` (both already in the
    /// domain), with its distribution.
    pub fn new(low: f64, high: f64, dist: Dist, domain: Range) -> Result<Spread, SpreadError> {
        if low > high {
            return Err(SpreadError::Reversed);
        }
        let inside = match dist {
            Dist::LogNormal => low > 0.0,
            Dist::LogitNormal => low > 0.0 && high < 1.0,
            Dist::Uniform => true,
        };
        if !inside && low != high {
            return Err(SpreadError::OutsideDist(dist));
        }
        Ok(Spread {
            low,
            high,
            dist,
            domain,
        })
    }

    /// A point value written as a range (`5..5`): nothing to sample.
    pub fn is_point(&self) -> bool {
        self.low == self.high
    }

    /// The value at cumulative probability `p` (0 < p < 1), clamped into
    /// the domain and rounded for a whole count.
    pub fn quantile(&self, p: f64) -> f64 {
        let raw = match self.dist {
            _ if self.is_point() => self.low,
            Dist::LogNormal => {
                let (m, s) = normal_params(self.low.ln(), self.high.ln());
                (m + s * standard_normal_quantile(p)).exp()
            }
            Dist::LogitNormal => {
                let (m, s) = normal_params(logit(self.low), logit(self.high));
                logistic(m + s * standard_normal_quantile(p))
            }
            Dist::Uniform => self.low + p * (self.high - self.low),
        };
        self.held(raw)
    }

    /// The median: `√(low·high)` for a log-normal, the midpoint for uniform.
    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// `x` clamped into the domain (an open end is approached, not met)
    /// and rounded when the domain is a whole count.
    fn held(&self, x: f64) -> f64 {
        let x = if self.domain.kind == Kind::Whole { x.round() } else { x };
        let lowest = match self.domain.min_open {
            true => next_up(self.domain.min),
            false => self.domain.min,
        };
        let highest = match self.domain.max_open {
            true => next_down(self.domain.max),
            false => self.domain.max,
        };
        x.clamp(lowest, highest)
    }
}

/// Mean and σ of a normal whose 5th and 95th percentiles are `lo` and `hi`.
fn normal_params(lo: f64, hi: f64) -> (f64, f64) {
    ((lo + hi) / 2.0, (hi - lo) / (2.0 * Z95))
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `Φ⁻¹(p)`.
pub fn standard_normal_quantile(p: f64) -> f64 {
    // Normal::new(0, 1) cannot fail; the fallback keeps this total.
    Normal::new(0.0, 1.0).map_or(0.0, |n| n.inverse_cdf(p))
}

fn next_up(x: f64) -> f64 {
    x + f64::EPSILON * x.abs().max(f64::MIN_POSITIVE)
}

fn next_down(x: f64) -> f64 {
    x - f64::EPSILON * x.abs().max(f64::MIN_POSITIVE)
}

/// SplitMix64: a small, fully specified generator, so a seed gives the
/// same samples on every build and platform (no crate's version can change
/// them).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1), never 0 or 1: the top 52 bits, centred in their
    /// cell (with 53, the top cell's centre rounds to 1).
    pub fn next_open01(&mut self) -> f64 {
        ((self.next_u64() >> 12) as f64 + 0.5) / (1u64 << 52) as f64
    }
}

/// `samples × spreads.len()` cumulative probabilities, sample-major, drawn
/// in one sequence from `seed`: which thread later plans which sample
/// cannot change them.
pub fn draw_probabilities(count: usize, samples: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = SplitMix64::new(seed);
    (0..samples)
        .map(|_| (0..count).map(|_| rng.next_open01()).collect())
        .collect()
}

/// The p-quantile of `values` by the inverse of the empirical CDF (the
/// `⌈p·n⌉`-th smallest): always one of the samples, so a server count's
/// p50 is a count some sample planned. `None` sorts above every value (an
/// infeasible sample has no cost: it is worse than any that has one), so
/// a quantile that lands on it is `None`. `worst_low` flips that for a
/// figure where less is worse (availability).
pub fn quantile_of(values: &[Option<f64>], p: f64, worst_low: bool) -> Option<f64> {
    pick(&sorted_known(values), values.len(), p, worst_low)
}

/// p10, p50 and p90 of `values` (see [`quantile_of`]), sorting once.
pub fn band(values: &[Option<f64>], worst_low: bool) -> [Option<f64>; 3] {
    let known = sorted_known(values);
    [0.1, 0.5, 0.9].map(|p| pick(&known, values.len(), p, worst_low))
}

/// The known values, ascending.
fn sorted_known(values: &[Option<f64>]) -> Vec<f64> {
    let mut known: Vec<f64> = values.iter().flatten().copied().collect();
    known.sort_by(f64::total_cmp);
    known
}

/// The `⌈p·n⌉`-th smallest of `n` values of which `known` (sorted) are
/// known and the rest rank worst.
fn pick(known: &[f64], n: usize, p: f64, worst_low: bool) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let missing = n - known.len();
    let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
    match worst_low {
        false => known.get(rank - 1).copied(),
        true => rank.checked_sub(missing + 1).and_then(|i| known.get(i)).copied(),
    }
}

/// Spearman's rank correlation of `x` with `y`, ties given their mean
/// rank; a `None` in `y` (an infeasible sample) ranks above every value.
/// `None` when either side is constant.
pub fn spearman(x: &[f64], y: &[Option<f64>]) -> Option<f64> {
    let rx = ranks(&x.iter().map(|&v| (false, v)).collect::<Vec<_>>());
    let ry = ranks(&y.iter().map(|v| (v.is_none(), v.unwrap_or(0.0))).collect::<Vec<_>>());
    pearson(&rx, &ry)
}

/// Mean ranks (1-based) of keys ordered by (flag, value).
fn ranks(keys: &[(bool, f64)]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    let cmp = |a: &(bool, f64), b: &(bool, f64)| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1));
    order.sort_by(|&a, &b| cmp(&keys[a], &keys[b]));
    let mut out = vec![0.0; keys.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && cmp(&keys[order[start]], &keys[order[end]]).is_eq() {
            end += 1;
        }
        let mean_rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            out[i] = mean_rank;
        }
        start = end;
    }
    out
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    if a.len() < 2 || a.len() != b.len() {
        return None;
    }
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNT: Range = Range::new(Kind::Count, 0.0, 1e12);
    const FRACTION: Range = Range::new(Kind::Fraction, 0.0, 1.0);

    #[test]
    fn a_log_normal_range_has_its_ends_at_the_5th_and_95th_percentiles() {
        // Reference: scipy.stats.lognorm(s=ln(4)/(2·1.6448536269514722),
        // scale=100).ppf([0.05, 0.5, 0.95]) = [50, 100, 200]
        // (tests/reference/uncertain_reference.py).
        let s = Spread::new(50.0, 200.0, Dist::LogNormal, COUNT).unwrap();
        assert!((s.quantile(0.05) - 50.0).abs() < 1e-9);
        assert!((s.quantile(0.95) - 200.0).abs() < 1e-9);
        assert!((s.median() - 100.0).abs() < 1e-9);
        // p = 0.9 from the same scipy call: 171.6093346126143.
        assert!(
            (s.quantile(0.9) - 171.609_334_612_614_3).abs() < 1e-9,
            "{}",
            s.quantile(0.9)
        );
    }

    #[test]
    fn a_logit_normal_range_stays_inside_zero_and_one() {
        let s = Spread::new(0.8, 0.99, Dist::LogitNormal, FRACTION).unwrap();
        assert!((s.quantile(0.05) - 0.8).abs() < 1e-12);
        assert!((s.quantile(0.95) - 0.99).abs() < 1e-12);
        // Median: logistic((logit 0.8 + logit 0.99)/2) = 0.9521525348300446
        // (tests/reference/uncertain_reference.py).
        assert!((s.median() - 0.952_152_534_830_044_6).abs() < 1e-12, "{}", s.median());
        assert!(s.quantile(1e-12) > 0.0 && s.quantile(1.0 - 1e-12) < 1.0);
    }

    #[test]
    fn uniform_makes_the_ends_bounds() {
        let s = Spread::new(10.0, 20.0, Dist::Uniform, COUNT).unwrap();
        assert_eq!(s.quantile(0.25), 12.5);
        assert_eq!(s.median(), 15.0);
    }

    #[test]
    fn samples_are_clamped_and_whole_counts_rounded() {
        let whole = Range::new(Kind::Whole, 1.0, 8.0);
        let s = Spread::new(2.0, 6.0, Dist::LogNormal, whole).unwrap();
        assert_eq!(s.median(), 3.0); // √12 = 3.46 rounds to 3
        assert_eq!(s.quantile(1.0 - 1e-9), 8.0);
        let open = Range::above(Kind::Fraction, 0.0, 1.0);
        let u = Spread::new(0.0, 0.5, Dist::Uniform, open).unwrap();
        assert!(u.quantile(1e-300) > 0.0);
    }

    #[test]
    fn reversed_and_out_of_distribution_ranges_are_refused() {
        assert_eq!(
            Spread::new(2.0, 1.0, Dist::LogNormal, COUNT),
            Err(SpreadError::Reversed)
        );
        assert_eq!(
            Spread::new(0.0, 1.0, Dist::LogNormal, COUNT),
            Err(SpreadError::OutsideDist(Dist::LogNormal))
        );
        assert_eq!(
            Spread::new(0.5, 1.0, Dist::LogitNormal, FRACTION),
            Err(SpreadError::OutsideDist(Dist::LogitNormal))
        );
        assert!(Spread::new(0.0, 0.0, Dist::LogNormal, COUNT).unwrap().is_point());
    }

    #[test]
    fn quantiles_count_infeasible_samples_as_worst() {
        let v = [Some(3.0), None, Some(1.0), Some(2.0), None];
        // Sorted 1, 2, 3, ∞, ∞: p10 → 1st, p50 → 3rd, p90 → 5th.
        assert_eq!(band(&v, false), [Some(1.0), Some(3.0), None]);
        // Availability: −∞, −∞, 1, 2, 3.
        assert_eq!(band(&v, true), [None, Some(1.0), Some(3.0)]);
        assert_eq!(quantile_of(&[], 0.5, false), None);
    }

    #[test]
    fn the_generator_matches_splitmix64s_published_sequence() {
        // Reference: the first outputs of SplitMix64 seeded with 0 (Vigna's
        // splitmix64.c): 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn the_open_unit_interval_excludes_both_ends() {
        // The extreme cells: all-zero and all-one top bits.
        let lowest = (0.5) / (1u64 << 52) as f64;
        let highest = ((u64::MAX >> 12) as f64 + 0.5) / (1u64 << 52) as f64;
        assert!(lowest > 0.0 && highest < 1.0, "{lowest} {highest}");
    }

    #[test]
    fn spearman_of_a_monotone_pair_is_one_and_ties_share_ranks() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [Some(10.0), Some(20.0), Some(30.0), None];
        assert!((spearman(&x, &y).unwrap() - 1.0).abs() < 1e-12);
        let y_rev = [Some(4.0), Some(3.0), Some(2.0), Some(1.0)];
        assert!((spearman(&x, &y_rev).unwrap() + 1.0).abs() < 1e-12);
        // Ranks with a tie: x = 1,2,2,3 → 1, 2.5, 2.5, 4; y = 1,2,3,4.
        // scipy.stats.spearmanr gives 0.9486832980505139.
        let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[Some(1.0), Some(2.0), Some(3.0), Some(4.0)]).unwrap();
        assert!((r - 0.948_683_298_050_513_9).abs() < 1e-12, "{r}");
        assert_eq!(spearman(&[1.0, 1.0], &[Some(1.0), Some(2.0)]), None);
    }
}
