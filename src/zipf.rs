//! Zipf popularity over `K` ranked keys: `p_i = i^{-s} / H(K, s)`.
//!
//! Shared by the cache hit-ratio models and the shard-skew estimates, so
//! that both read popularity from one place.

/// Terms summed one by one before Euler–Maclaurin takes over.
const EXACT_TERMS: f64 = 64.0;

/// Generalized harmonic number.
///
/// ```text
/// H(K, s) = Σ_{i=1..K} i^{-s}
/// ```
/// where `K` is the number of keys (floored to an integer, at least 1) and
/// `s ≥ 0` the Zipf exponent. The first 64 terms are summed exactly; the rest
/// by Euler–Maclaurin with three Bernoulli corrections, so the cost is
/// constant in `K` and the relative error is below 1e-14 for any `K` up to
/// 10^15 and any `s` in 0..=10 (the integral is written with `expm1` so
/// that `s` near 1 loses no digits).
///
/// ```
/// let h = scaleplan::zipf::harmonic(1e6, 1.0);
/// assert!((h - 14.392726722865724).abs() < 1e-12);
/// ```
pub fn harmonic(keys: f64, s: f64) -> f64 {
    let k = keys.floor().max(1.0);
    if k <= EXACT_TERMS {
        return (1..=k as u64).map(|i| (i as f64).powf(-s)).sum();
    }
    let n = EXACT_TERMS;
    let head: f64 = (1..n as u64).map(|i| (i as f64).powf(-s)).sum();
    head + euler_maclaurin_tail(n, k, s)
}

/// `Σ_{i=n..k} i^{-s}` by Euler–Maclaurin (n ≥ 64 keeps the error tiny).
fn euler_maclaurin_tail(n: f64, k: f64, s: f64) -> f64 {
    let f = |x: f64| x.powf(-s);
    // d^m/dx^m x^{-s} = (-1)^m s(s+1)…(s+m-1) x^{-s-m}; only odd m are needed.
    let deriv = |x: f64, m: i32| {
        let rising: f64 = (0..m).map(|j| s + j as f64).product();
        -rising * x.powf(-s - m as f64)
    };
    let integral = integral_of_power(n, k, s);
    let ends = 0.5 * (f(n) + f(k));
    let c1 = (deriv(k, 1) - deriv(n, 1)) / 12.0;
    let c3 = -(deriv(k, 3) - deriv(n, 3)) / 720.0;
    let c5 = (deriv(k, 5) - deriv(n, 5)) / 30240.0;
    integral + ends + c1 + c3 + c5
}

/// `∫_n^k x^{-s} dx`, exact also at and near `s = 1`.
fn integral_of_power(n: f64, k: f64, s: f64) -> f64 {
    let log_ratio = (k / n).ln();
    let one_minus_s = 1.0 - s;
    if (one_minus_s * log_ratio).abs() < 1e-300 {
        return log_ratio;
    }
    n.powf(one_minus_s) * (one_minus_s * log_ratio).exp_m1() / one_minus_s
}

/// Popularity of the most requested key, `p_1 = 1 / H(K, s)`.
pub fn top_share(keys: f64, s: f64) -> f64 {
    1.0 / harmonic(keys, s)
}

/// Sum of squared popularities, `Σ p_i² = H(K, 2s) / H(K, s)²`: the
/// concentration that sets how uneven random placement is.
pub fn sum_of_squares(keys: f64, s: f64) -> f64 {
    let h = harmonic(keys, s);
    harmonic(keys, 2.0 * s) / (h * h)
}

/// Ranks at the head of [`rank_buckets`] that always get a bucket each,
/// so that bucket sums start where Euler–Maclaurin is already exact to
/// rounding (as in [`harmonic`]). Beyond it the spread rule alone keeps
/// buckets to one rank while `a·(r − 1) < 1`, about rank `50·s`.
pub const BUCKET_EXACT_RANKS: f64 = EXACT_TERMS;

/// Largest relative drop of `i^{-s}` across one geometric bucket. Using the
/// bucket mean for every key in it then errs by about `spread²/12` relative
/// on a smooth function of `p` (about 3e-5 here), well under the 1e-4 the
/// cache models promise.
const BUCKET_P_SPREAD: f64 = 0.02;

/// Narrowest geometric bucket, as a ratio of last to first rank. For large
/// `s` the spread rule alone would ask for ever thinner buckets; but where
/// this cap binds (`s > 2`, ranks past 100) the keys carry under
/// `100^{1−s}` of the requests, so wider buckets cost nothing measurable,
/// and the bucket count stays bounded.
const BUCKET_MIN_RANK_RATIO: f64 = 1.01;

/// A run of consecutive ranks whose popularities are nearly equal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RankBucket {
    /// First rank in the run (ranks start at 1).
    pub first_rank: f64,
    /// Number of ranks in the run (a whole number, at least 1).
    pub count: f64,
    /// Mean popularity of one key in the run, `Σ_{i in run} p_i / count`,
    /// so that `count · p` is the run's exact share of requests.
    pub p: f64,
}

/// Iterator over the ranks `1..=K` grouped into [`RankBucket`]s, most
/// popular first.
///
/// ```text
/// ranks 1..=64        one bucket per rank, p = i^{-s} / H(K, s)
/// ranks a..=b beyond  b = max(⌊a·r⌋, a), r = max((1.02)^{1/s}, 1.01)
///                     p = Σ_{i=a..b} i^{-s} / ((b − a + 1) · H(K, s))
/// ```
/// where `K` is the number of keys (floored, at least 1), `s ≥ 0` the Zipf
/// exponent and `r` the rank ratio that keeps `i^{-s}` within 2 % across a
/// bucket. Bucket sums use Euler–Maclaurin as in [`harmonic`]. Counts add
/// up to `K` exactly and `Σ count·p = 1` to rounding. At `s = 0` every rank
/// past the head falls in one bucket. There are at most about
/// `64 + ln(K/64)/ln(r)` buckets (a little more where the floor bites):
/// for `K = 10^12`, 1233 at `s = 1` and 2371 for any `s ≥ 2`, so a sum over
/// buckets costs microseconds.
///
/// ```
/// use scaleplan::zipf::rank_buckets;
/// let buckets: Vec<_> = rank_buckets(1e9, 1.0).collect();
/// let keys: f64 = buckets.iter().map(|b| b.count).sum();
/// let mass: f64 = buckets.iter().map(|b| b.count * b.p).sum();
/// assert!((keys - 1e9).abs() < 0.5);
/// assert!((mass - 1.0).abs() < 1e-12);
/// assert!(buckets.len() < 1200);
/// ```
pub fn rank_buckets(keys: f64, s: f64) -> RankBuckets {
    let last_rank = keys.floor().max(1.0);
    let rank_ratio = if s > 0.0 {
        ((1.0 + BUCKET_P_SPREAD).ln() / s).exp().max(BUCKET_MIN_RANK_RATIO)
    } else {
        f64::INFINITY
    };
    RankBuckets {
        next_rank: 1.0,
        last_rank,
        s,
        rank_ratio,
        inv_norm: 1.0 / harmonic(last_rank, s),
    }
}

/// State of [`rank_buckets`].
#[derive(Clone, Debug)]
pub struct RankBuckets {
    next_rank: f64,
    last_rank: f64,
    s: f64,
    rank_ratio: f64,
    inv_norm: f64,
}

impl Iterator for RankBuckets {
    type Item = RankBucket;

    fn next(&mut self) -> Option<RankBucket> {
        let first = self.next_rank;
        if first > self.last_rank {
            return None;
        }
        let last = if first <= BUCKET_EXACT_RANKS {
            first
        } else {
            (first * self.rank_ratio).floor().clamp(first, self.last_rank)
        };
        self.next_rank = last + 1.0;
        let count = last - first + 1.0;
        let mass = if last > first {
            bucket_sum(first, last, self.s)
        } else {
            first.powf(-self.s)
        };
        Some(RankBucket {
            first_rank: first,
            count,
            p: mass * self.inv_norm / count,
        })
    }
}

/// `Σ_{i=a..b} i^{-s}` for `a > 64`: Euler–Maclaurin with three Bernoulli
/// corrections as in [`harmonic`], but every power derived from `a^{-s}`
/// and `b^{-s}` so a bucket costs four transcendental calls, not eleven.
fn bucket_sum(a: f64, b: f64, s: f64) -> f64 {
    let (fa, fb) = (a.powf(-s), b.powf(-s));
    // (d/dx)^m x^{-s} = -s(s+1)…(s+m-1) x^{-s-m} for odd m.
    let rising = |m: i32| -> f64 { (0..m).map(|j| s + j as f64).product() };
    let odd_deriv = |m: i32| rising(m) * (fa / a.powi(m) - fb / b.powi(m));
    let one_minus_s = 1.0 - s;
    let x = one_minus_s * (b / a).ln();
    let integral = if x.abs() < 1e-300 {
        (b / a).ln()
    } else {
        a * fa * x.exp_m1() / one_minus_s
    };
    let ends = 0.5 * (fa + fb);
    integral + ends + odd_deriv(1) / 12.0 - odd_deriv(3) / 720.0 + odd_deriv(5) / 30240.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(k: u64, s: f64) -> f64 {
        // Summed smallest first so rounding does not build up.
        (1..=k).rev().map(|i| (i as f64).powf(-s)).sum()
    }

    #[test]
    fn matches_direct_summation() {
        for &s in &[0.0, 0.5, 0.8, 0.99, 1.0, 1.01, 1.2, 2.0, 3.5] {
            for &k in &[1u64, 10, 64, 65, 1000, 123_457, 2_000_000] {
                let exact = direct(k, s);
                let fast = harmonic(k as f64, s);
                assert!(((fast - exact) / exact).abs() < 1e-12, "k={k} s={s}: {fast} vs {exact}");
            }
        }
    }

    #[test]
    fn matches_mpmath_at_huge_k() {
        // mpmath: zeta(s) - zeta(s, K+1) at 30 digits (tests/reference/zipf_reference.py).
        let cases = [
            (1e12, 1.0, 28.208236780830581),
            (1e12, 0.8, 1251.5056773390188),
            (1e9, 1.2, 5.5123377815626206),
        ];
        for (k, s, reference) in cases {
            let got = harmonic(k, s);
            assert!(((got - reference) / reference).abs() < 1e-12, "k={k} s={s}: {got}");
        }
    }

    #[test]
    fn buckets_cover_every_rank_once() {
        for &s in &[0.0, 0.5, 1.0, 2.0, 10.0] {
            for &k in &[1.0, 1024.0, 1025.0, 5000.5, 1e6, 1e12] {
                let mut expected_first = 1.0;
                let mut mass = 0.0;
                for b in rank_buckets(k, s) {
                    assert!((b.first_rank - expected_first).abs() < 0.5, "gap at {b:?}");
                    assert!(b.count >= 1.0 && b.p > 0.0);
                    expected_first += b.count;
                    mass += b.count * b.p;
                }
                assert!((expected_first - 1.0 - k.floor()).abs() < 0.5, "k={k} s={s}");
                assert!((mass - 1.0).abs() < 1e-12, "k={k} s={s}: mass {mass}");
            }
        }
    }

    #[test]
    fn bucket_means_match_direct_sums() {
        // Each bucket's share against a direct sum of its ranks, for K = 10^6.
        for &s in &[0.3, 0.8, 1.0, 1.2, 2.0] {
            let norm = direct(1_000_000, s);
            for b in rank_buckets(1e6, s).filter(|b| b.count > 1.0) {
                let first = b.first_rank as u64;
                let last = first + b.count as u64 - 1;
                let exact: f64 = (first..=last).rev().map(|i| (i as f64).powf(-s)).sum();
                let share = exact / norm;
                assert!(((b.count * b.p - share) / share).abs() < 1e-9, "s={s} {b:?}: {share}");
            }
        }
    }

    #[test]
    fn bucket_popularity_varies_at_most_two_percent() {
        for &s in &[0.5, 1.0, 1.9] {
            for b in rank_buckets(1e9, s).filter(|b| b.count > 1.0) {
                let last = b.first_rank + b.count - 1.0;
                let spread = (last / b.first_rank).powf(s) - 1.0;
                assert!(spread <= 0.0201, "s={s} {b:?}: spread {spread}");
            }
        }
    }

    #[test]
    fn bucket_count_stays_small_at_huge_k() {
        for &s in &[0.0, 0.5, 1.0, 2.0, 10.0] {
            let n = rank_buckets(1e12, s).count();
            assert!(n <= 2400, "s={s}: {n} buckets");
        }
    }
}
