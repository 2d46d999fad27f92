//! Availability: k-of-n tiers, tiers in series, data centers in parallel,
//! and the downtime a month of a given availability allows.
//!
//! At many nines the number that matters is the unavailability `U = 1 − A`
//! (it sets the downtime), and `1 − A` formed from an `A` near 1 has lost
//! its digits. So every combinator comes in two forms: one on availabilities,
//! and one on unavailabilities that never forms `1 − A` from a rounded `A`.

use std::fmt;

/// Minutes in the month the planner reports on: 730 h (8 760 h / 12).
pub const MINUTES_PER_MONTH: f64 = 43_800.0;

/// Why an availability could not be computed from the given numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum AvailabilityError {
    /// An availability outside [0, 1] or not finite.
    Availability(f64),
    /// An unavailability outside [0, 1] or not finite.
    Unavailability(f64),
}

impl fmt::Display for AvailabilityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AvailabilityError::Availability(v) => {
                write!(f, "availability must be a probability in [0, 1], got {v}")
            }
            AvailabilityError::Unavailability(v) => {
                write!(f, "unavailability must be a probability in [0, 1], got {v}")
            }
        }
    }
}

impl std::error::Error for AvailabilityError {}

fn check_availability(a: f64) -> Result<f64, AvailabilityError> {
    if (0.0..=1.0).contains(&a) {
        Ok(a)
    } else {
        Err(AvailabilityError::Availability(a))
    }
}

fn check_unavailability(u: f64) -> Result<f64, AvailabilityError> {
    if (0.0..=1.0).contains(&u) {
        Ok(u)
    } else {
        Err(AvailabilityError::Unavailability(u))
    }
}

/// Availability of a tier that is up while at least `k` of its `n`
/// independent servers are up.
///
/// ```text
/// A = Σ_{j=k..n} C(n, j) · a^j · (1 − a)^{n−j}
/// ```
/// where `n` is the number of servers, `k` the number needed (at the
/// failover utilization) and `a` one server's availability. Computed as
/// `1 − U` from [`k_of_n_unavailability`]'s two tails, the smaller one
/// summed directly, so both `A` and `U` keep full relative precision.
/// `k = 0` gives 1; `k > n` gives 0 (the tier can never be up).
///
/// ```
/// use scaleplan::availability::k_of_n;
/// // Two of three at 0.9: 3·0.81·0.1 + 0.729 = 0.972.
/// assert!((k_of_n(2, 3, 0.9).unwrap() - 0.972).abs() < 1e-15);
/// ```
pub fn k_of_n(k: u64, n: u64, a: f64) -> Result<f64, AvailabilityError> {
    check_availability(a)?;
    Ok(binomial_tails(n.saturating_sub(k).saturating_add(1), n, a, k > n).0)
}

/// Unavailability `U = 1 − A` of a k-of-n tier, without cancellation.
///
/// ```text
/// U = P(D > n − k) = Σ_{j=n−k+1..n} C(n, j) · (1 − a)^j · a^{n−j}
/// ```
/// where `D ~ Binomial(n, 1 − a)` counts the servers down, `n` is the number
/// of servers, `k` the number needed and `a` one server's availability.
/// Whichever tail of `D` is smaller is summed directly — from its largest
/// term outward, the first term by Loader's saddle-point binomial
/// probability (`stirlerr`, `bd0`), the rest by the exact term ratio — and
/// the other is 1 minus it. Relative error is about 1e-13 for `n` up to
/// 10⁶ and beyond (tested against exact sums to 1e-9); the cost is
/// `O(√(n·a·(1 − a)))` terms at worst. A tail below the smallest double
/// is 0. `k = 0` gives 0; `k > n` gives 1.
///
/// ```
/// use scaleplan::availability::k_of_n_unavailability;
/// // One of two at 0.999: both down, 1e-6 (to rounding of 1 − 0.999).
/// let u = k_of_n_unavailability(1, 2, 0.999).unwrap();
/// assert!((u - 1e-6).abs() < 1e-18);
/// ```
pub fn k_of_n_unavailability(k: u64, n: u64, a: f64) -> Result<f64, AvailabilityError> {
    check_availability(a)?;
    Ok(binomial_tails(n.saturating_sub(k).saturating_add(1), n, a, k > n).1)
}

/// `(P(D < m), P(D ≥ m))` for `D ~ Binomial(n, 1 − a)`: (A, U) of a tier
/// that fails once `m` servers are down. `never_up` forces (0, 1).
fn binomial_tails(m: u64, n: u64, a: f64, never_up: bool) -> (f64, f64) {
    let q = 1.0 - a;
    if never_up || q >= 1.0 {
        return (0.0, 1.0);
    }
    if m > n || q <= 0.0 {
        return (1.0, 0.0);
    }
    if m as f64 > n as f64 * q {
        let upper = upper_tail_from(m, n, a, q);
        (1.0 - upper, upper)
    } else {
        let lower = lower_tail_to(m - 1, n, a, q);
        (lower, 1.0 - lower)
    }
}

/// Relative size below which a term no longer changes the tail sum.
const TAIL_EPSILON: f64 = 1e-17;

/// `P(D ≥ m)` for `m` above the mean `n·q`: terms decrease from `j = m`.
fn upper_tail_from(m: u64, n: u64, a: f64, q: f64) -> f64 {
    let ratio_pq = q / a;
    let mut term = binomial_pmf(m, n, a, q);
    let mut sum = term;
    let mut j = m;
    while j < n && term > sum * TAIL_EPSILON {
        term *= (n - j) as f64 / (j + 1) as f64 * ratio_pq;
        sum += term;
        j += 1;
    }
    sum
}

/// `P(D ≤ top)` for `top` below the mean `n·q`: terms decrease from `j = top`.
fn lower_tail_to(top: u64, n: u64, a: f64, q: f64) -> f64 {
    let ratio_qp = a / q;
    let mut term = binomial_pmf(top, n, a, q);
    let mut sum = term;
    let mut j = top;
    while j > 0 && term > sum * TAIL_EPSILON {
        term *= j as f64 / (n - j + 1) as f64 * ratio_qp;
        sum += term;
        j -= 1;
    }
    sum
}

/// `P(D = x)` for `D ~ Binomial(n, q)` (with `a = 1 − q`) by Loader's
/// saddle-point form, accurate to a few ulps in relative terms even where
/// `C(n, x)` overflows and the powers underflow:
///
/// ```text
/// P = exp(δ(n) − δ(x) − δ(n−x) − bd0(x, nq) − bd0(n−x, na)) · √(n / (2π·x·(n−x)))
/// ```
/// with `δ` = [`stirlerr`] and `bd0(x, m) = x·ln(x/m) + m − x`.
fn binomial_pmf(x: u64, n: u64, a: f64, q: f64) -> f64 {
    let (xf, nf) = (x as f64, n as f64);
    if x == 0 {
        return (nf * (-q).ln_1p()).exp();
    }
    if x == n {
        return (nf * q.ln()).exp();
    }
    let rest = nf - xf;
    let lc = stirlerr(nf) - stirlerr(xf) - stirlerr(rest) - bd0(xf, nf * q) - bd0(rest, nf * a);
    let lf = (2.0 * std::f64::consts::PI).ln() + xf.ln() + (-xf / nf).ln_1p();
    (lc - 0.5 * lf).exp()
}

/// `δ(n) = ln n! − ln(√(2πn)·(n/e)^n)` for integer `n ≥ 0`: a table to 15
/// (computed with mpmath at 40 digits), then the Stirling series.
fn stirlerr(n: f64) -> f64 {
    const TABLE: [f64; 16] = [
        0.0,
        0.08106146679532726,
        0.0413406959554093,
        0.02767792568499834,
        0.020790672103765093,
        0.016644691189821193,
        0.013876128823070748,
        0.01189670994589177,
        0.010411265261972096,
        0.009255462182712733,
        0.00833056343336287,
        0.007573675487951841,
        0.00694284010720953,
        0.006408994188004207,
        0.0059513701127588475,
        0.005554733551962801,
    ];
    const S: [f64; 5] = [1.0 / 12.0, 1.0 / 360.0, 1.0 / 1260.0, 1.0 / 1680.0, 1.0 / 1188.0];
    if n <= 15.0 {
        return TABLE[n as usize];
    }
    let nn = n * n;
    let series = if n > 500.0 {
        S[0] - S[1] / nn
    } else if n > 80.0 {
        S[0] - (S[1] - S[2] / nn) / nn
    } else if n > 35.0 {
        S[0] - (S[1] - (S[2] - S[3] / nn) / nn) / nn
    } else {
        S[0] - (S[1] - (S[2] - (S[3] - S[4] / nn) / nn) / nn) / nn
    };
    series / n
}

/// `bd0(x, m) = x·ln(x/m) + m − x ≥ 0`, by its series in `v = (x−m)/(x+m)`
/// when `x` is near `m` (where the direct form cancels).
fn bd0(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let mut v = (x - m) / (x + m);
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let next = s + ej / (2 * j + 1) as f64;
            if next == s {
                return next;
            }
            s = next;
        }
        return s;
    }
    x * (x / m).ln() + m - x
}

/// Availability of components in series (all must be up).
///
/// ```text
/// A = Π_i A_i
/// ```
/// where `A_i` is component `i`'s availability. No components gives 1.
/// For many nines prefer [`series_unavailability`].
pub fn series(availabilities: &[f64]) -> Result<f64, AvailabilityError> {
    availabilities
        .iter()
        .try_fold(1.0, |product, &a| Ok(product * check_availability(a)?))
}

/// Unavailability of components in series, without cancellation.
///
/// ```text
/// U = 1 − Π_i (1 − U_i) = −expm1(Σ_i ln1p(−U_i))
/// ```
/// where `U_i` is component `i`'s unavailability. No components gives 0;
/// any `U_i = 1` gives 1.
pub fn series_unavailability(unavailabilities: &[f64]) -> Result<f64, AvailabilityError> {
    let log_up = unavailabilities
        .iter()
        .try_fold(0.0, |sum, &u| Ok(sum + (-check_unavailability(u)?).ln_1p()))?;
    Ok(-log_up.exp_m1())
}

/// Availability of `D` data centers in parallel, where one surviving data
/// center carries the whole load.
///
/// ```text
/// A = 1 − (1 − A_dc)^D
/// ```
/// where `A_dc` is one data center's availability (its tiers in series)
/// and `D` the number of data centers. `D = 0` gives 0.
pub fn parallel_dcs(a_dc: f64, data_centers: u32) -> Result<f64, AvailabilityError> {
    let u = parallel_dcs_unavailability(1.0 - check_availability(a_dc)?, data_centers)?;
    Ok(1.0 - u)
}

/// Unavailability of `D` data centers in parallel: `U = U_dc^D`, where
/// `U_dc` is one data center's unavailability. `D = 0` gives 1.
pub fn parallel_dcs_unavailability(u_dc: f64, data_centers: u32) -> Result<f64, AvailabilityError> {
    let u = check_unavailability(u_dc)?;
    Ok((0..data_centers).fold(1.0, |product, _| product * u))
}

/// A primary with one standby that is promoted when the primary fails: up
/// while either is up (1-of-2).
///
/// ```text
/// A = 1 − (1 − a)²
/// ```
/// where `a` is each machine's availability. The promotion itself is taken
/// as instantaneous; its downtime belongs in `a`.
///
/// ```
/// use scaleplan::availability::standby_pair;
/// assert!((standby_pair(0.99).unwrap() - 0.9999).abs() < 1e-15);
/// ```
pub fn standby_pair(a: f64) -> Result<f64, AvailabilityError> {
    let u = 1.0 - check_availability(a)?;
    Ok(1.0 - u * u)
}

/// Downtime a month at availability `A`.
///
/// ```text
/// downtime = (1 − A) · 43 800 min
/// ```
/// where 43 800 min = 730 h is the month (see [`MINUTES_PER_MONTH`]). With
/// an unavailability `U` in hand, use `U · MINUTES_PER_MONTH` directly.
///
/// ```
/// use scaleplan::availability::downtime_min_per_month;
/// // Three nines: 43.8 minutes a month.
/// assert!((downtime_min_per_month(0.999).unwrap() - 43.8).abs() < 1e-9);
/// ```
pub fn downtime_min_per_month(a: f64) -> Result<f64, AvailabilityError> {
    Ok((1.0 - check_availability(a)?) * MINUTES_PER_MONTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_rel(actual: f64, expected: f64, tol: f64, what: &str) {
        let err = ((actual - expected) / expected).abs();
        assert!(
            err <= tol,
            "{what}: got {actual:e}, expected {expected:e}, rel err {err:e} > {tol:e}"
        );
    }

    /// (k, n, a, A, U) from tests/reference/availability_reference.py:
    /// exact binomial sums with Python integers for C(n, j) and mpmath at
    /// 60 digits, from the exact binary value of the double `a`.
    const REFERENCE: [(u64, u64, f64, f64, f64); 12] = [
        (3, 4, 0.999, 0.99999400799699999999, 5.9920030000000106368e-6),
        (95, 100, 0.99, 0.99946546553600696428, 0.00053453446399303572289),
        (
            999401,
            1000000,
            0.9995,
            0.99999225493741697193,
            7.7450625830280722813e-6,
        ),
        (
            999301,
            1000000,
            0.9995,
            0.99999999999999998105,
            1.8951870839116787589e-17,
        ),
        (999501, 1000000, 0.9995, 0.49404839296278038759, 0.50595160703721961241),
        (1, 2, 0.999, 0.999999, 1.0000000000000017764e-6),
        (1000, 1000, 0.9999, 0.90483289355855622133, 0.095167106441443778666),
        (10, 20, 0.3, 0.047961897331343464375, 0.95203810266865653562),
        (2, 5, 0.99, 0.9999999504, 4.9600000000000175859e-8),
        (900000, 1000000, 0.9, 0.50084221040523872564, 0.49915778959476127436),
        (850000, 1000000, 0.9, 1.0, 0.0),
        (2, 3, 0.5, 0.5, 0.5),
    ];

    #[test]
    fn k_of_n_matches_exact_sums_to_1e9_relative() {
        for &(k, n, a, avail, unavail) in &REFERENCE {
            let what = format!("k={k} n={n} a={a}");
            assert_rel(k_of_n(k, n, a).unwrap(), avail, 1e-9, &format!("A {what}"));
            let u = k_of_n_unavailability(k, n, a).unwrap();
            if unavail == 0.0 {
                assert!(u < 1e-300, "U {what}: got {u:e}, expected below the smallest double");
            } else {
                assert_rel(u, unavail, 1e-9, &format!("U {what}"));
            }
        }
    }

    #[test]
    fn k_of_n_small_cases_by_hand() {
        // 3-of-4 at a = 0.999: U = 6q²p² + 4q³p + q⁴ with q = 0.001.
        let (p, q) = (0.999_f64, 1.0 - 0.999_f64);
        let u = 6.0 * q * q * p * p + 4.0 * q.powi(3) * p + q.powi(4);
        assert_rel(k_of_n_unavailability(3, 4, 0.999).unwrap(), u, 1e-12, "3-of-4");
        // n-of-n is a series of n: A = a^n.
        assert_rel(k_of_n(5, 5, 0.9).unwrap(), 0.9_f64.powi(5), 1e-14, "5-of-5");
        // 1-of-n: U = (1−a)^n.
        assert_rel(k_of_n_unavailability(1, 3, 0.9).unwrap(), 1e-3, 1e-12, "1-of-3");
    }

    #[test]
    fn k_of_n_edges() {
        assert_eq!(k_of_n(0, 5, 0.5).unwrap(), 1.0);
        assert_eq!(k_of_n_unavailability(0, 5, 0.5).unwrap(), 0.0);
        assert_eq!(k_of_n(6, 5, 0.99).unwrap(), 0.0);
        assert_eq!(k_of_n_unavailability(6, 5, 0.99).unwrap(), 1.0);
        assert_eq!(k_of_n(3, 5, 1.0).unwrap(), 1.0);
        assert_eq!(k_of_n(3, 5, 0.0).unwrap(), 0.0);
        assert_eq!(k_of_n_unavailability(3, 5, 0.0).unwrap(), 1.0);
        assert_eq!(k_of_n(0, 0, 0.3).unwrap(), 1.0);
    }

    #[test]
    fn k_of_n_is_monotone_in_k_and_sums_to_one() {
        let n = 1000;
        let mut previous = 1.0;
        for k in (0..=n).step_by(7) {
            let a = k_of_n(k, n, 0.95).unwrap();
            let u = k_of_n_unavailability(k, n, 0.95).unwrap();
            assert!(a <= previous + 1e-15, "A must not rise with k (k={k})");
            assert!((a + u - 1.0).abs() < 1e-15, "A + U = 1 at k={k}");
            assert!(a.is_finite() && (0.0..=1.0).contains(&a));
            previous = a;
        }
    }

    #[test]
    fn rejects_probabilities_outside_zero_one() {
        for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            assert!(matches!(k_of_n(1, 2, bad), Err(AvailabilityError::Availability(_))));
            assert!(k_of_n_unavailability(1, 2, bad).is_err());
            assert!(series(&[0.9, bad]).is_err());
            assert!(matches!(
                series_unavailability(&[bad]),
                Err(AvailabilityError::Unavailability(_))
            ));
            assert!(parallel_dcs(bad, 2).is_err());
            assert!(parallel_dcs_unavailability(bad, 2).is_err());
            assert!(standby_pair(bad).is_err());
            assert!(downtime_min_per_month(bad).is_err());
        }
        let message = k_of_n(1, 2, 1.5).unwrap_err().to_string();
        assert!(message.contains("availability") && message.contains("1.5"), "{message}");
    }

    #[test]
    fn series_by_hand() {
        // 0.99 · 0.999 = 0.98901; · 0.9999 = 0.98901 − 0.000098901 = 0.988911099.
        assert_rel(series(&[0.99, 0.999, 0.9999]).unwrap(), 0.988911099, 1e-12, "series");
        assert_eq!(series(&[]).unwrap(), 1.0);
        // U = 1 − (1 − 1e-12)(1 − 2e-12) = 3e-12 − 2e-24.
        assert_rel(
            series_unavailability(&[1e-12, 2e-12]).unwrap(),
            3e-12 - 2e-24,
            1e-14,
            "series U",
        );
        assert_eq!(series_unavailability(&[]).unwrap(), 0.0);
        assert_eq!(series_unavailability(&[0.1, 1.0]).unwrap(), 1.0);
    }

    #[test]
    fn parallel_and_standby_by_hand() {
        // Two data centers at 0.999: 1 − 1e-6.
        assert_rel(parallel_dcs(0.999, 2).unwrap(), 0.999999, 1e-12, "2 DCs");
        // Three at 0.99: U = 1e-6, kept at full precision in U form.
        assert_rel(parallel_dcs_unavailability(0.01, 3).unwrap(), 1e-6, 1e-14, "3 DCs U");
        assert_eq!(parallel_dcs(0.99, 0).unwrap(), 0.0);
        assert_eq!(parallel_dcs(0.99, 1).unwrap(), 0.99);
        // Standby pair at 0.995: 1 − 0.005² = 0.999975.
        assert_rel(standby_pair(0.995).unwrap(), 0.999975, 1e-12, "standby pair");
    }

    #[test]
    fn downtime_by_hand() {
        // 99.9 % → 43.8 min; 99.99 % → 4.38 min; 99.999 % → 0.438 min.
        assert_rel(downtime_min_per_month(0.999).unwrap(), 43.8, 1e-12, "3 nines");
        assert_rel(downtime_min_per_month(0.9999).unwrap(), 4.38, 1e-11, "4 nines");
        assert_rel(downtime_min_per_month(0.99999).unwrap(), 0.438, 1e-10, "5 nines");
        assert_eq!(downtime_min_per_month(1.0).unwrap(), 0.0);
        assert_rel(
            downtime_min_per_month(0.0).unwrap(),
            MINUTES_PER_MONTH,
            1e-15,
            "never up",
        );
    }
}
