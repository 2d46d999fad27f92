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
}
