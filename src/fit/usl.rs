//! The Universal Scalability Law (DESIGN §11): throughput against
//! concurrency, its peak, the capacity of `k` cores relative to one, and a
//! nonlinear least-squares fit to a load test (Levenberg–Marquardt with
//! nalgebra, parameter standard errors from the Jacobian).
//!
//! Pure: no I/O.

use nalgebra::{Matrix3, Vector3};
use serde::Deserialize;
use std::fmt;

/// USL coefficients of a workload on one machine: `σ` (contention, the
/// serial fraction) and `κ` (coherency, the cost of keeping `N` workers'
/// data consistent with each other). `0 ≤ σ < 1`, `κ ≥ 0`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Usl {
    pub sigma: f64,
    pub kappa: f64,
}

/// Why coefficients or measurements cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum UslError {
    /// `σ` outside `[0, 1)` or not finite.
    Sigma(f64),
    /// `κ` negative or not finite.
    Kappa(f64),
    /// Fewer distinct concurrencies than the three parameters need.
    TooFewConcurrencies { distinct: usize },
    /// A concurrency or throughput that is not a finite number above 0.
    NotPositive { index: usize },
    /// The fitted figures overflow double precision (concurrencies or
    /// throughputs beyond about 1e150).
    NoFit,
}

impl fmt::Display for UslError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UslError::Sigma(v) => write!(f, "sigma must be at least 0 and below 1, got {v}"),
            UslError::Kappa(v) => write!(f, "kappa must be a finite number ≥ 0, got {v}"),
            UslError::TooFewConcurrencies { distinct } => write!(
                f,
                "a USL fit needs at least {MIN_DISTINCT_CONCURRENCIES} distinct concurrencies, got {distinct}"
            ),
            UslError::NotPositive { index } => {
                write!(
                    f,
                    "measurement {index}: concurrency and throughput must be finite and above 0"
                )
            }
            UslError::NoFit => write!(
                f,
                "the USL cannot be fitted to these numbers: they overflow double precision"
            ),
        }
    }
}

impl std::error::Error for UslError {}

/// Three parameters and at least one degree of freedom for their errors.
pub const MIN_DISTINCT_CONCURRENCIES: usize = 4;

impl Usl {
    /// Checked coefficients: `0 ≤ σ < 1` and `κ ≥ 0`, both finite.
    pub fn new(sigma: f64, kappa: f64) -> Result<Usl, UslError> {
        if !(sigma.is_finite() && (0.0..1.0).contains(&sigma)) {
            return Err(UslError::Sigma(sigma));
        }
        if !(kappa.is_finite() && kappa >= 0.0) {
            return Err(UslError::Kappa(kappa));
        }
        Ok(Usl { sigma, kappa })
    }

    /// The same checks on coefficients built another way (deserialized).
    pub fn validated(self) -> Result<Usl, UslError> {
        Usl::new(self.sigma, self.kappa)
    }

    /// `X(k)/X(1)`; see [`relative_capacity`].
    pub fn relative_capacity(&self, cores: f64) -> f64 {
        relative_capacity(self.sigma, self.kappa, cores)
    }

    /// The concurrency of peak throughput; see [`peak_concurrency`].
    pub fn peak_concurrency(&self) -> Option<f64> {
        peak_concurrency(self.sigma, self.kappa)
    }
}

/// USL throughput at concurrency `N`.
///
/// ```text
/// X(N) = λ·N / (1 + σ·(N − 1) + κ·N·(N − 1))
/// ```
/// where `λ` is the throughput of one worker alone (per second), `σ` the
/// contention and `κ` the coherency coefficient. `σ = κ = 0` is linear
/// scaling, `X(N) = λN`.
///
/// ```
/// use scaleplan::fit::usl::throughput;
/// // σ = 0.1, κ = 0.01, N = 10: 10λ / (1 + 0.9 + 0.9) = 10λ / 2.8.
/// assert!((throughput(2.0, 0.1, 0.01, 10.0) - 20.0 / 2.8).abs() < 1e-12);
/// ```
pub fn throughput(lambda: f64, sigma: f64, kappa: f64, n: f64) -> f64 {
    lambda * n / denominator(sigma, kappa, n)
}

/// `1 + σ(N − 1) + κN(N − 1)`: how much slower each of `N` workers runs
/// than one worker alone.
fn denominator(sigma: f64, kappa: f64, n: f64) -> f64 {
    1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0)
}

/// The capacity of `k` cores in units of one core's: the USL's
/// `X(k)/X(1)`, where `λ` cancels.
///
/// ```text
/// E(k) = k / (1 + σ·(k − 1) + κ·k·(k − 1))
/// ```
/// with `σ` the contention and `κ` the coherency coefficient. `E(1) = 1`;
/// `σ = κ = 0` gives `E(k) = k` exactly (a box of `k` cores is `k` times
/// one core); with `κ > 0`, `E` peaks at `k = N*` and falls beyond: a
/// bigger box can do less.
///
/// ```
/// use scaleplan::fit::usl::relative_capacity;
/// assert_eq!(relative_capacity(0.0, 0.0, 192.0), 192.0);
/// // σ = 0.05, κ = 0: Amdahl's law, 16 cores give 16 / 1.75.
/// assert!((relative_capacity(0.05, 0.0, 16.0) - 16.0 / 1.75).abs() < 1e-12);
/// ```
pub fn relative_capacity(sigma: f64, kappa: f64, cores: f64) -> f64 {
    cores / denominator(sigma, kappa, cores)
}

/// The concurrency of peak throughput, where `dX/dN = 0`.
///
/// ```text
/// N* = √((1 − σ) / κ)
/// ```
/// `None` when `κ = 0` (throughput rises for ever towards `λ/σ`, or
/// linearly when `σ = 0 too`).
pub fn peak_concurrency(sigma: f64, kappa: f64) -> Option<f64> {
    (kappa > 0.0).then(|| ((1.0 - sigma) / kappa).sqrt())
}

/// What limits throughput over the measured concurrencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The peak `N*` lies beyond the largest measured concurrency (or
    /// `κ = 0`): throughput still rises, flattening towards `λ/σ`.
    Contention,
    /// The peak `N*` lies within the measured concurrencies: the data go
    /// past it and throughput falls, which only coherency (`κ`) causes.
    Coherency,
}

impl Bound {
    pub fn as_str(&self) -> &'static str {
        match self {
            Bound::Contention => "contention",
            Bound::Coherency => "coherency",
        }
    }

    /// Coherency-bound iff `N* ≤ N_max`, the largest measured concurrency.
    pub fn classify(peak: Option<f64>, max_concurrency: f64) -> Bound {
        match peak {
            Some(n) if n <= max_concurrency => Bound::Coherency,
            _ => Bound::Contention,
        }
    }
}

/// A fitted USL.
#[derive(Debug, Clone, PartialEq)]
pub struct UslFit {
    pub sigma: f64,
    pub kappa: f64,
    /// Throughput of one worker, per second.
    pub lambda_per_s: f64,
    /// Standard errors; `None` when `JᵀJ` is singular at the minimum.
    pub sigma_se: Option<f64>,
    pub kappa_se: Option<f64>,
    pub lambda_se_per_s: Option<f64>,
    /// Residual sum of squares `Σ (X(N_i) − X_i)²`, (per second)².
    pub rss: f64,
    /// `1 − RSS / Σ (X_i − X̄)²`.
    pub r_squared: Option<f64>,
    pub points: usize,
    pub distinct_concurrencies: usize,
    pub max_concurrency: f64,
    /// `N*` and `X(N*)`; `None` when `κ = 0`.
    pub peak_concurrency: Option<f64>,
    pub peak_throughput_per_s: Option<f64>,
    pub bound: Bound,
    /// Whether a coefficient ended on its bound (`σ = 0`, `σ → 1` or `κ = 0`).
    pub at_bound: bool,
}

impl UslFit {
    pub fn usl(&self) -> Usl {
        Usl {
            sigma: self.sigma,
            kappa: self.kappa,
        }
    }

    /// Fitted throughput at concurrency `n`.
    pub fn throughput(&self, n: f64) -> f64 {
        throughput(self.lambda_per_s, self.sigma, self.kappa, n)
    }
}

/// Fits the USL to `(concurrency N_i, throughput X_i)` points by least
/// squares on the throughput, within `0 ≤ σ < 1`, `κ ≥ 0`, `λ > 0`.
///
/// ```text
/// minimise  RSS(σ, κ, λ) = Σ_i (X(N_i; σ, κ, λ) − X_i)²
/// SE(p_j)  = √(s² · [(JᵀJ)⁻¹]_jj),   s² = RSS / (n − 3)
/// ```
/// where `J` is the Jacobian of the fitted throughputs with respect to
/// `(σ, κ, λ)` at the minimum and `n` the number of points. Starts from
/// `λ₀ = max X_i/N_i` and `σ₀, κ₀` by linear least squares on
/// `λ₀N/X − 1 = σ(N − 1) + κN(N − 1)`, then Levenberg–Marquardt with
/// Marquardt's scaling (the parameters differ by six orders of magnitude).
///
/// The throughputs are divided by their largest before fitting (λ and its
/// error are scaled back), so their magnitude never overflows.
///
/// Errors: a point that is not finite and above 0, fewer than four
/// distinct concurrencies, or a result that is not finite.
pub fn fit(points: &[(f64, f64)]) -> Result<UslFit, UslError> {
    for (index, &(n, x)) in points.iter().enumerate() {
        if !(n.is_finite() && x.is_finite() && n > 0.0 && x > 0.0) {
            return Err(UslError::NotPositive { index });
        }
    }
    let distinct = distinct_count(points);
    if distinct < MIN_DISTINCT_CONCURRENCIES {
        return Err(UslError::TooFewConcurrencies { distinct });
    }
    let scale = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let scaled: Vec<(f64, f64)> = points.iter().map(|&(n, x)| (n, x / scale)).collect();
    let problem = Problem { points: &scaled };
    let p = problem.minimise(problem.start());
    let fitted = problem.summary(p, distinct).rescaled(scale);
    fitted.is_finite().then_some(fitted).ok_or(UslError::NoFit)
}

impl UslFit {
    /// The fit of throughputs `scale` times larger.
    fn rescaled(mut self, scale: f64) -> UslFit {
        self.lambda_per_s *= scale;
        self.lambda_se_per_s = self.lambda_se_per_s.map(|se| se * scale);
        self.rss *= scale * scale;
        self.peak_throughput_per_s = self.peak_throughput_per_s.map(|x| x * scale);
        self
    }

    fn is_finite(&self) -> bool {
        let optional = [
            self.sigma_se,
            self.kappa_se,
            self.lambda_se_per_s,
            self.r_squared,
            self.peak_concurrency,
            self.peak_throughput_per_s,
        ];
        [self.sigma, self.kappa, self.lambda_per_s, self.rss]
            .iter()
            .all(|v| v.is_finite())
            && optional.iter().flatten().all(|v| v.is_finite())
    }
}

fn distinct_count(points: &[(f64, f64)]) -> usize {
    let mut ns: Vec<f64> = points.iter().map(|p| p.0).collect();
    ns.sort_by(f64::total_cmp);
    ns.dedup();
    ns.len()
}

/// Parameter order in vectors: σ, κ, λ.
type Params = Vector3<f64>;

/// Largest σ a fit may reach: the model needs σ < 1.
const SIGMA_MAX: f64 = 1.0 - 1e-12;
const MAX_ITERATIONS: usize = 500;
/// Stop when a step changes every parameter by less than this, relatively.
const STEP_TOLERANCE: f64 = 1e-14;

struct Problem<'a> {
    points: &'a [(f64, f64)],
}

impl Problem<'_> {
    fn residuals(&self, p: &Params) -> Vec<f64> {
        self.points
            .iter()
            .map(|&(n, x)| throughput(p[2], p[0], p[1], n) - x)
            .collect()
    }

    fn rss(&self, p: &Params) -> f64 {
        self.residuals(p).iter().map(|r| r * r).sum()
    }

    /// `∂X/∂σ = −λN(N−1)/D²`, `∂X/∂κ = −λN²(N−1)/D²`, `∂X/∂λ = N/D`.
    fn gradient_row(p: &Params, n: f64) -> Vector3<f64> {
        let d = denominator(p[0], p[1], n);
        let common = -p[2] * n * (n - 1.0) / (d * d);
        Vector3::new(common, common * n, n / d)
    }

    /// `JᵀJ` and `Jᵀr` at `p`.
    fn normal_equations(&self, p: &Params) -> (Matrix3<f64>, Vector3<f64>) {
        let mut jtj = Matrix3::zeros();
        let mut jtr = Vector3::zeros();
        for (&(n, _), r) in self.points.iter().zip(self.residuals(p)) {
            let row = Self::gradient_row(p, n);
            jtj += row * row.transpose();
            jtr += row * r;
        }
        (jtj, jtr)
    }

    /// `λ₀ = max X/N`; `σ₀, κ₀` from the linearised model, clamped.
    fn start(&self) -> Params {
        let lambda = self.points.iter().map(|&(n, x)| x / n).fold(0.0, f64::max);
        let (mut a, mut b) = (Matrix2x2::default(), [0.0; 2]);
        for &(n, x) in self.points {
            let (u, v, y) = (n - 1.0, n * (n - 1.0), lambda * n / x - 1.0);
            a.add(u, v);
            b[0] += u * y;
            b[1] += v * y;
        }
        let (sigma, kappa) = a.solve(b).unwrap_or((0.0, 0.0));
        project(Vector3::new(sigma, kappa, lambda))
    }

    /// Levenberg–Marquardt, projected onto the bounds; a parameter held
    /// on its bound by a gradient pointing out of the region is frozen
    /// for that step.
    fn minimise(&self, start: Params) -> Params {
        let mut p = start;
        let mut cost = self.rss(&p);
        let mut damping = 1e-3;
        for _ in 0..MAX_ITERATIONS {
            let (jtj, jtr) = self.normal_equations(&p);
            let frozen = frozen_on_bound(&p, &jtr);
            let mut improved = false;
            while damping < 1e30 {
                let Some(step) = damped_step(&jtj, &jtr, damping, frozen) else {
                    damping *= 10.0;
                    continue;
                };
                let candidate = project(p + step);
                let candidate_cost = self.rss(&candidate);
                if candidate_cost <= cost {
                    let moved = (candidate - p).abs();
                    let small = (0..3).all(|i| moved[i] <= STEP_TOLERANCE * (p[i].abs() + 1e-300));
                    p = candidate;
                    cost = candidate_cost;
                    damping = (damping / 3.0).max(1e-12);
                    improved = !small;
                    break;
                }
                damping *= 4.0;
            }
            if !improved {
                break;
            }
        }
        p
    }

    fn summary(&self, p: Params, distinct: usize) -> UslFit {
        let n = self.points.len();
        let rss = self.rss(&p);
        let (jtj, _) = self.normal_equations(&p);
        let s2 = rss / (n as f64 - 3.0).max(1.0);
        let covariance = jtj.try_inverse().map(|inv| inv * s2);
        let se = |i: usize| covariance.and_then(|c| finite_sqrt(c[(i, i)]));
        let mean = self.points.iter().map(|q| q.1).sum::<f64>() / n as f64;
        let total: f64 = self.points.iter().map(|q| (q.1 - mean).powi(2)).sum();
        let max_concurrency = self.points.iter().map(|q| q.0).fold(0.0, f64::max);
        let peak = peak_concurrency(p[0], p[1]);
        UslFit {
            sigma: p[0],
            kappa: p[1],
            lambda_per_s: p[2],
            sigma_se: se(0),
            kappa_se: se(1),
            lambda_se_per_s: se(2),
            rss,
            r_squared: (total > 0.0).then(|| 1.0 - rss / total),
            points: n,
            distinct_concurrencies: distinct,
            max_concurrency,
            peak_concurrency: peak,
            peak_throughput_per_s: peak.map(|n_star| throughput(p[2], p[0], p[1], n_star)),
            bound: Bound::classify(peak, max_concurrency),
            at_bound: p[0] == 0.0 || p[1] == 0.0 || p[0] > 1.0 - 1e-9,
        }
    }
}

/// `√v` when `v` is finite and ≥ 0.
fn finite_sqrt(v: f64) -> Option<f64> {
    (v.is_finite() && v >= 0.0).then(|| v.sqrt())
}

/// The nearest point with `0 ≤ σ ≤ SIGMA_MAX`, `κ ≥ 0`, `λ > 0`.
fn project(p: Params) -> Params {
    Vector3::new(p[0].clamp(0.0, SIGMA_MAX), p[1].max(0.0), p[2].max(f64::MIN_POSITIVE))
}

/// σ or κ on its lower bound with `∂RSS/∂p = 2(Jᵀr)_p > 0`: the descent
/// direction leaves the region, so the parameter stays.
fn frozen_on_bound(p: &Params, jtr: &Vector3<f64>) -> [bool; 3] {
    [p[0] <= 0.0 && jtr[0] > 0.0, p[1] <= 0.0 && jtr[1] > 0.0, false]
}

/// Solves `(JᵀJ + μ·diag(JᵀJ))·δ = −Jᵀr` with frozen parameters held.
fn damped_step(jtj: &Matrix3<f64>, jtr: &Vector3<f64>, damping: f64, frozen: [bool; 3]) -> Option<Params> {
    let mut a = *jtj;
    let mut g = -jtr;
    for i in 0..3 {
        a[(i, i)] += damping * jtj[(i, i)].max(1e-300);
        if frozen[i] {
            for j in 0..3 {
                a[(i, j)] = 0.0;
                a[(j, i)] = 0.0;
            }
            a[(i, i)] = 1.0;
            g[i] = 0.0;
        }
    }
    let step = a.lu().solve(&g)?;
    step.iter().all(|v| v.is_finite()).then_some(step)
}

/// The 2×2 normal equations of the starting fit.
#[derive(Default)]
struct Matrix2x2 {
    uu: f64,
    uv: f64,
    vv: f64,
}

impl Matrix2x2 {
    fn add(&mut self, u: f64, v: f64) {
        self.uu += u * u;
        self.uv += u * v;
        self.vv += v * v;
    }

    fn solve(&self, b: [f64; 2]) -> Option<(f64, f64)> {
        let det = self.uu * self.vv - self.uv * self.uv;
        if det.abs() <= 1e-300 || !det.is_finite() {
            return None;
        }
        Some((
            (b[0] * self.vv - b[1] * self.uv) / det,
            (self.uu * b[1] - self.uv * b[0]) / det,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC SDM91 (the R `usl` package's `specsdm91` data set).
    const SDM91: [(f64, f64); 7] = [
        (1.0, 64.9),
        (18.0, 995.9),
        (36.0, 1652.4),
        (72.0, 1853.2),
        (108.0, 1828.9),
        (144.0, 1775.0),
        (216.0, 1702.2),
    ];

    #[test]
    fn relative_capacity_is_linear_without_contention_and_peaks_at_n_star() {
        for k in [1.0, 2.0, 48.0, 192.0] {
            assert_eq!(relative_capacity(0.0, 0.0, k), k);
        }
        assert_eq!(relative_capacity(0.3, 0.01, 1.0), 1.0);
        let (sigma, kappa) = (0.02, 1e-3);
        let peak = peak_concurrency(sigma, kappa).unwrap();
        // √(0.98/0.001) = 31.30495…
        assert!((peak - 31.304_951_684_997_057).abs() < 1e-12);
        let at = relative_capacity(sigma, kappa, peak);
        for k in [peak - 1.0, peak + 1.0, 1.0, 100.0] {
            assert!(relative_capacity(sigma, kappa, k) < at);
        }
        assert!(peak_concurrency(0.1, 0.0).is_none());
    }

    #[test]
    fn coefficients_are_checked() {
        assert!(Usl::new(0.0, 0.0).is_ok());
        assert!(Usl::new(0.999, 1.0).is_ok());
        for (s, k) in [
            (-0.01, 0.0),
            (1.0, 0.0),
            (f64::NAN, 0.0),
            (0.1, -1e-9),
            (0.1, f64::INFINITY),
        ] {
            assert!(Usl::new(s, k).is_err(), "{s} {k}");
        }
    }

    #[test]
    fn bad_points_are_rejected() {
        let three = [(1.0, 1.0), (2.0, 2.0), (3.0, 3.0), (3.0, 3.1)];
        assert_eq!(fit(&three), Err(UslError::TooFewConcurrencies { distinct: 3 }));
        let zero = [(1.0, 1.0), (2.0, 0.0), (3.0, 3.0), (4.0, 4.0)];
        assert_eq!(fit(&zero), Err(UslError::NotPositive { index: 1 }));
    }

    #[test]
    fn exact_usl_data_give_back_their_coefficients() {
        let (sigma, kappa, lambda) = (0.05, 2e-4, 120.0);
        let points: Vec<(f64, f64)> = [1.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0]
            .iter()
            .map(|&n| (n, throughput(lambda, sigma, kappa, n)))
            .collect();
        let f = fit(&points).unwrap();
        assert!((f.sigma / sigma - 1.0).abs() < 1e-9, "{f:?}");
        assert!((f.kappa / kappa - 1.0).abs() < 1e-9, "{f:?}");
        assert!((f.lambda_per_s / lambda - 1.0).abs() < 1e-9, "{f:?}");
        assert!(f.rss < 1e-12);
    }

    #[test]
    fn linear_data_end_on_the_bounds_without_nan() {
        let points: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0].iter().map(|&n| (n, 10.0 * n)).collect();
        let f = fit(&points).unwrap();
        assert!(f.sigma.abs() < 1e-9 && f.kappa.abs() < 1e-9, "{f:?}");
        assert!((f.lambda_per_s - 10.0).abs() < 1e-9);
        assert_eq!(f.bound, Bound::Contention);
        assert!(f.peak_concurrency.is_none() && f.at_bound);
    }

    #[test]
    fn extreme_magnitudes_fit_or_fail_cleanly() {
        let huge: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0]
            .iter()
            .map(|&n| (n, 1e150 * n / (1.0 + 0.1 * (n - 1.0))))
            .collect();
        let f = fit(&huge).unwrap();
        assert!(
            (f.sigma - 0.1).abs() < 1e-9 && (f.lambda_per_s / 1e150 - 1.0).abs() < 1e-9,
            "{f:?}"
        );
        let overflowing = [(1e-300, 5.0), (1e300, 5.0), (3.0, 5.0), (4.0, 5.0)];
        match fit(&overflowing) {
            Ok(f) => assert!(f.is_finite()),
            Err(e) => assert_eq!(e, UslError::NoFit),
        }
        // Flat throughput: σ runs to its bound, and says so.
        let flat = [(1.0, 5.0), (2.0, 5.0), (3.0, 5.0), (4.0, 5.0)];
        assert!(fit(&flat).unwrap().at_bound);
    }

    #[test]
    fn sdm91_matches_the_r_usl_package_digits() {
        // The R package's documented fit (see tests/fit_usl.rs for the
        // full-precision check against tests/reference/fit_reference.py).
        let f = fit(&SDM91).unwrap();
        assert_eq!(format!("{:.5}", f.sigma), "0.02773");
        assert_eq!(format!("{:.3e}", f.kappa), "1.044e-4");
        assert_eq!(format!("{:.3}", f.lambda_per_s), "89.995");
        assert_eq!(f.bound, Bound::Coherency);
    }
}
