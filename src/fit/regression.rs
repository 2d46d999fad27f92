//! Ordinary least squares on a straight line, with the slope's standard
//! error, a t-distribution confidence interval (statrs) and R². Pure.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The fitted line `y = a + b·x` and how well it is known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// Intercept `a`.
    pub intercept: f64,
    /// Slope `b`.
    pub slope: f64,
    /// Standard error of the slope, `√(s²/Sxx)`.
    pub slope_se: f64,
    /// Two-sided confidence interval of the slope at the requested level.
    pub slope_low: f64,
    pub slope_high: f64,
    /// `1 − SSR/SST`; `None` when every `y` is the same (SST = 0).
    pub r_squared: Option<f64>,
    /// `n − 2`.
    pub degrees_of_freedom: usize,
}

/// Least squares line through `(x_i, y_i)` with a `confidence` (e.g.
/// 0.95) interval for the slope.
///
/// ```text
/// b = Sxy / Sxx,   a = ȳ − b·x̄
/// Sxx = Σ(x_i − x̄)²,   Sxy = Σ(x_i − x̄)(y_i − ȳ)
/// s² = SSR / (n − 2),   SSR = Σ(y_i − a − b·x_i)²
/// SE(b) = √(s² / Sxx),   b ± t_{(1+γ)/2, n−2} · SE(b)
/// R² = 1 − SSR / SST,   SST = Σ(y_i − ȳ)²
/// ```
/// where `γ` is the confidence level and `t_{p, ν}` the `p`-quantile of
/// Student's t with `ν` degrees of freedom.
///
/// `None` with fewer than three points (no degree of freedom left for the
/// interval), when the lengths differ, when every `x` is the same
/// (`Sxx = 0`: the slope is not determined) or when `confidence` is not
/// in (0, 1).
pub fn fit_line(x: &[f64], y: &[f64], confidence: f64) -> Option<Line> {
    let n = x.len();
    if n < 3 || y.len() != n || !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n as f64;
    let (x_mean, y_mean) = (mean(x), mean(y));
    let sxx: f64 = x.iter().map(|xi| (xi - x_mean).powi(2)).sum();
    if !(sxx > 0.0 && sxx.is_finite()) {
        return None;
    }
    let sxy: f64 = x.iter().zip(y).map(|(xi, yi)| (xi - x_mean) * (yi - y_mean)).sum();
    let slope = sxy / sxx;
    let intercept = y_mean - slope * x_mean;
    let ssr: f64 = x
        .iter()
        .zip(y)
        .map(|(xi, yi)| (yi - intercept - slope * xi).powi(2))
        .sum();
    let sst: f64 = y.iter().map(|yi| (yi - y_mean).powi(2)).sum();
    let dof = n - 2;
    let slope_se = (ssr / dof as f64 / sxx).sqrt();
    let half = t_quantile(0.5 + confidence / 2.0, dof)? * slope_se;
    Some(Line {
        intercept,
        slope,
        slope_se,
        slope_low: slope - half,
        slope_high: slope + half,
        r_squared: (sst > 0.0).then(|| 1.0 - ssr / sst),
        degrees_of_freedom: dof,
    })
}

/// The `p`-quantile of Student's t with `dof` degrees of freedom.
pub fn t_quantile(p: f64, dof: usize) -> Option<f64> {
    let t = StudentsT::new(0.0, 1.0, dof as f64).ok()?;
    let q = t.inverse_cdf(p);
    q.is_finite().then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_scipy() {
        // scipy.stats.t.ppf(0.975, ν), from tests/reference/fit_reference.py.
        for (dof, expected) in [
            (1, 12.706204736174694),
            (5, 2.5705818356363146),
            (28, 2.0484071417952454),
            (1000, 1.9623390808264083),
        ] {
            let q = t_quantile(0.975, dof).unwrap();
            assert!((q / expected - 1.0).abs() < 1e-9, "ν = {dof}: {q} vs {expected}");
        }
    }

    #[test]
    fn line_matches_scipy_linregress() {
        // The data and the values scipy.stats.linregress gives for them,
        // from tests/reference/fit_reference.py (section "line").
        let x = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0];
        let y = [0.31, 0.42, 0.49, 0.63, 0.69, 0.83, 0.88, 1.01];
        let line = fit_line(&x, &y, 0.95).unwrap();
        let expected = [
            (line.slope, 0.19714285714285712),
            (line.intercept, 0.21392857142857147),
            (line.slope_se, 0.0062542502555065355),
            (line.r_squared.unwrap(), 0.9939975990396158),
            (line.slope_low, 0.18183925807263168),
            (line.slope_high, 0.21244645621308256),
        ];
        for (i, (got, want)) in expected.iter().enumerate() {
            assert!((got / want - 1.0).abs() < 1e-9, "value {i}: {got} vs {want}");
        }
        assert_eq!(line.degrees_of_freedom, 6);
    }

    #[test]
    fn degenerate_inputs_give_none() {
        assert!(fit_line(&[1.0, 2.0], &[1.0, 2.0], 0.95).is_none());
        assert!(fit_line(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0], 0.95).is_none());
        assert!(fit_line(&[1.0, 2.0, 3.0], &[1.0, 2.0], 0.95).is_none());
        assert!(fit_line(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], 1.0).is_none());
        // A perfect line: zero width, R² = 1; a flat one: R² undefined.
        let exact = fit_line(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0], 0.95).unwrap();
        assert!(exact.slope_se == 0.0 && exact.r_squared == Some(1.0));
        assert!(fit_line(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0], 0.95)
            .unwrap()
            .r_squared
            .is_none());
    }
}
