//! End-to-end latency of a request path (DESIGN section 4).
//!
//! A request belongs to one of several classes (read-hit, read-miss, write,
//! …). A class visits tiers in order and pays a constant for network hops
//! and round trips. One visit to an M/M/c-style tier takes `T = Wq + X`:
//! the tier's common wait `Wq` (0 with probability `1 − C`, else
//! exponential with rate `θ`) plus the class's own exponential service
//! time `X`. Visits are assumed independent of each other (the usual
//! product-form assumption; it ignores that one slow tier delays a request
//! at every tier it visits). The path latency is the mixture over classes
//! of `fixed + Σ visits`.
//!
//! The mean is exact. The distribution is computed by numerical inversion
//! of each class's Laplace–Stieltjes transform (rational, so cheap to
//! evaluate) with the Abate–Whitt Euler algorithm; the constant shift is
//! applied exactly by evaluating each class at `t − fixed`. Quantiles come
//! from a safeguarded Newton iteration on that distribution.

use std::f64::consts::PI;
use std::fmt;

use crate::queueing::mmc::Mmc;

/// One visit to a tier: the tier's common wait plus the class's service.
///
/// ```text
/// T = Wq + X,   P(Wq > t) = C·e^{−θt} (t ≥ 0),   X ~ Exp(1/S)
/// ```
/// where `C` is `p_wait`, `θ` is `wait_rate_per_s` and `S` is `service_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Visit {
    /// Probability of waiting at all, `C` (Erlang C for an M/M/c), in [0, 1].
    pub p_wait: f64,
    /// Decay rate `θ` of the wait given that it waits, per second (`cμ − λ`
    /// for an M/M/c). Must be finite and > 0 when `p_wait > 0`; ignored
    /// when `p_wait = 0`.
    pub wait_rate_per_s: f64,
    /// Mean service time of the visiting class at this tier, `S` > 0.
    pub service_s: f64,
}

/// A request class: its share of requests, the tier visits on its path, and
/// a constant time (network hops, client round trip).
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    /// Share of requests in this class, in [0, 1]; shares sum to 1.
    pub probability: f64,
    pub visits: Vec<Visit>,
    /// Constant part of the latency, seconds, ≥ 0.
    pub fixed_s: f64,
}

/// Why a latency could not be computed; the message names the field.
#[derive(Debug, Clone, PartialEq)]
pub enum LatencyError {
    /// The path has no classes.
    NoClasses,
    /// A field out of range. `class` and `visit` locate it (`None` for a
    /// stand-alone visit); `accepted` says what would have been accepted.
    Field {
        class: Option<usize>,
        visit: Option<usize>,
        field: &'static str,
        accepted: &'static str,
        value: f64,
    },
    /// Class probabilities that do not sum to 1 (within 1e-9).
    ProbabilitySum(f64),
    /// A tier at or beyond saturation has no stationary latency.
    UnstableTier { utilization: f64 },
    /// A quantile outside (0, 1).
    Quantile(f64),
    /// A time that is not a number.
    Time(f64),
}

impl fmt::Display for LatencyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LatencyError::NoClasses => write!(f, "a request path needs at least one class"),
            LatencyError::Field {
                class,
                visit,
                field,
                accepted,
                value,
            } => {
                if let Some(i) = class {
                    write!(f, "classes[{i}].")?;
                }
                if let Some(j) = visit {
                    write!(f, "visits[{j}].")?;
                }
                write!(f, "{field} must be {accepted}, got {value}")
            }
            LatencyError::ProbabilitySum(sum) => {
                write!(f, "class probabilities must sum to 1, got {sum}")
            }
            LatencyError::UnstableTier { utilization } => {
                write!(f, "a tier at utilization {utilization} ≥ 1 has no stationary latency")
            }
            LatencyError::Quantile(q) => write!(f, "a quantile must lie strictly between 0 and 1, got {q}"),
            LatencyError::Time(t) => write!(f, "a time must be a number, got {t}"),
        }
    }
}

impl std::error::Error for LatencyError {}

/// How far the class probabilities may sum away from 1 (rounding in the
/// workload arithmetic); within it they are renormalized.
const PROBABILITY_SUM_TOL: f64 = 1e-9;

impl Visit {
    /// A visit to an M/M/c tier by a class whose own mean service time
    /// there is `service_s` (classes at one tier may differ).
    ///
    /// ```text
    /// C = P(Wq > 0) (Erlang C),   θ = C / E[Wq]  (= cμ − λ for M/M/c)
    /// ```
    /// `θ` is read back from the mean wait so an Allen–Cunneen stretch of
    /// the wait carries over. A wait probability below 1e-280 is taken as
    /// 0 (its wait is beyond double precision anyway). Errors: an unstable
    /// tier, or `service_s` not finite and > 0.
    pub fn from_mmc(tier: &Mmc, service_s: f64) -> Result<Visit, LatencyError> {
        if !(service_s.is_finite() && service_s > 0.0) {
            return Err(field_error(None, None, "service_s", "a finite time > 0", service_s));
        }
        let Some(mean_wait_s) = tier.mean_wait_s() else {
            return Err(LatencyError::UnstableTier {
                utilization: tier.utilization(),
            });
        };
        let plain_rate_per_s = tier.servers() as f64 / tier.service_time_s() - tier.arrival_rate_per_s();
        let p_wait = tier.erlang_c();
        let theta = p_wait / mean_wait_s;
        if p_wait < 1e-280 || !(theta.is_finite() && theta > 0.0) {
            return Ok(Visit {
                p_wait: 0.0,
                wait_rate_per_s: plain_rate_per_s,
                service_s,
            });
        }
        Ok(Visit {
            p_wait,
            wait_rate_per_s: theta,
            service_s,
        })
    }

    /// Mean of the visit, `C/θ + S` (`S` alone when `C = 0`).
    fn mean_s(&self) -> f64 {
        self.service_s + self.mean_wait_s()
    }

    fn mean_wait_s(&self) -> f64 {
        if self.p_wait > 0.0 {
            self.p_wait / self.wait_rate_per_s
        } else {
            0.0
        }
    }

    /// The `tail`-quantile bound `t` with `P(T > t) ≤ tail`, from
    /// `P(Wq + X > w + x) ≤ P(Wq > w) + P(X > x)` with `tail/2` each.
    fn tail_bound_s(&self, tail: f64) -> f64 {
        let half = 0.5 * tail;
        let wait = if self.p_wait > half {
            (self.p_wait / half).ln() / self.wait_rate_per_s
        } else {
            0.0
        };
        wait + self.service_s * (1.0 / half).ln()
    }

    /// The smallest decay rate in the visit (sets the tail's time scale).
    fn slowest_rate_per_s(&self) -> f64 {
        let service = 1.0 / self.service_s;
        if self.p_wait > 0.0 {
            service.min(self.wait_rate_per_s)
        } else {
            service
        }
    }
}

fn field_error(
    class: Option<usize>,
    visit: Option<usize>,
    field: &'static str,
    accepted: &'static str,
    value: f64,
) -> LatencyError {
    LatencyError::Field {
        class,
        visit,
        field,
        accepted,
        value,
    }
}

/// Checks a path: at least one class; every probability in [0, 1] and
/// their sum within 1e-9 of 1; `fixed_s` finite and ≥ 0; every visit with
/// `p_wait` in [0, 1], `wait_rate_per_s` finite and > 0 when `p_wait > 0`,
/// and `service_s` finite and > 0. Returns the probability sum (used to
/// renormalize).
pub fn validate(classes: &[Class]) -> Result<f64, LatencyError> {
    if classes.is_empty() {
        return Err(LatencyError::NoClasses);
    }
    let mut sum = 0.0;
    for (i, class) in classes.iter().enumerate() {
        let p = class.probability;
        if !(0.0..=1.0).contains(&p) {
            return Err(field_error(Some(i), None, "probability", "in [0, 1]", p));
        }
        if !(class.fixed_s.is_finite() && class.fixed_s >= 0.0) {
            return Err(field_error(
                Some(i),
                None,
                "fixed_s",
                "a finite time ≥ 0",
                class.fixed_s,
            ));
        }
        for (j, visit) in class.visits.iter().enumerate() {
            validate_visit(visit).map_err(|e| match e {
                LatencyError::Field {
                    field, accepted, value, ..
                } => field_error(Some(i), Some(j), field, accepted, value),
                other => other,
            })?;
        }
        sum += p;
    }
    if (sum - 1.0).abs() > PROBABILITY_SUM_TOL {
        return Err(LatencyError::ProbabilitySum(sum));
    }
    Ok(sum)
}

fn validate_visit(visit: &Visit) -> Result<(), LatencyError> {
    if !(0.0..=1.0).contains(&visit.p_wait) {
        return Err(field_error(
            None,
            None,
            "p_wait",
            "a probability in [0, 1]",
            visit.p_wait,
        ));
    }
    let theta = visit.wait_rate_per_s;
    if visit.p_wait > 0.0 && !(theta.is_finite() && theta > 0.0) {
        return Err(field_error(None, None, "wait_rate_per_s", "a finite rate > 0", theta));
    }
    if !(visit.service_s.is_finite() && visit.service_s > 0.0) {
        return Err(field_error(
            None,
            None,
            "service_s",
            "a finite time > 0",
            visit.service_s,
        ));
    }
    Ok(())
}

/// Mean end-to-end latency, exact.
///
/// ```text
/// E[T] = Σ_i P_i · ( fixed_i + Σ_v ( C_v/θ_v + S_v ) )
/// ```
/// where `P_i` is class `i`'s probability, `fixed_i` its constant time,
/// and for each visit `v` of the class `C_v` the probability of waiting,
/// `θ_v` the wait's decay rate and `S_v` the mean service time.
/// Errors: the path fails [`validate`].
pub fn mean_s(classes: &[Class]) -> Result<f64, LatencyError> {
    let total = validate(classes)?;
    Ok(mixture_mean_s(classes, total))
}

/// `Σ P_i·(fixed_i + Σ_v mean_v) / ΣP` for a validated path.
fn mixture_mean_s(classes: &[Class], total: f64) -> f64 {
    let weighted = classes
        .iter()
        .map(|c| c.probability * (c.fixed_s + c.visits.iter().map(Visit::mean_s).sum::<f64>()))
        .sum::<f64>();
    weighted / total
}

/// `P(T > t)`: the probability that a request takes longer than `t_s`.
///
/// ```text
/// P(T > t) = Σ_i P_i · G_i(t − fixed_i),   G_i(u) = 1 for u < 0,
/// G_i = L⁻¹[ (1 − φ_i(s)) / s ],   φ_i(s) = Π_v ((1 − C_v) + C_v·θ_v/(θ_v + s)) · μ_v/(μ_v + s)
/// ```
/// where `φ_i` is the Laplace–Stieltjes transform of class `i`'s visits,
/// `μ_v = 1/S_v`, and the inversion is Abate–Whitt's Euler algorithm. The
/// smaller of `P(T ≤ t)` and `P(T > t)` is inverted directly, so the
/// error is about 1e-8 relative to `min(P(T ≤ t), P(T > t))` for tails
/// down to about 1e-6, with an absolute floor near 1e-13 below that.
/// A class without visits is a step: `G_i(u) = 1` for `u < 0`, else 0.
/// Result in [0, 1]; 1 for `t < 0`. Errors: `t_s` NaN, or the path fails
/// [`validate`].
pub fn survival(classes: &[Class], t_s: f64) -> Result<f64, LatencyError> {
    let total = validate(classes)?;
    if t_s.is_nan() {
        return Err(LatencyError::Time(t_s));
    }
    Ok(mixture_at(classes, total, t_s, &Euler::new()).survival)
}

/// The `q`-quantile of the end-to-end latency: the least `t` with
/// `P(T ≤ t) ≥ q`.
///
/// ```text
/// min_i Q_i(q) ≤ Q(q) ≤ max_i Q_i(q),
/// fixed_i + max_v S_v·ln(1/(1−q)) ≤ Q_i(q) ≤ fixed_i + Σ_v bound_v((1−q)/V_i)
/// ```
/// where `Q_i` is class `i`'s quantile, `V_i` its visit count and
/// `bound_v(p)` the union bound `ln(2C/p)/θ + S·ln(2/p)` on a visit's
/// `p`-tail. Inside that bracket a Newton iteration on `ln P(T > t)` (for
/// `q ≥ 1/2`) or on `ln P(T ≤ t)` against `ln t` (for `q < 1/2`), kept
/// inside a shrinking bracket and falling back to bisection, finds the
/// root to a relative step below 1e-10; the inversion error bounds the
/// result's relative error near 1e-8. A mixture of pure constants is
/// answered exactly. Errors: `q` outside (0, 1), or the path fails
/// [`validate`].
pub fn quantile_s(classes: &[Class], q: f64) -> Result<f64, LatencyError> {
    let total = validate(classes)?;
    if !(q > 0.0 && q < 1.0) {
        return Err(LatencyError::Quantile(q));
    }
    if classes.iter().all(|c| c.visits.is_empty()) {
        return Ok(constant_quantile_s(classes, total, q));
    }
    Ok(solve_quantile(classes, total, q).0)
}

/// The quantile of a mixture of constants: the least `fixed_i` whose
/// cumulative probability reaches `q`.
fn constant_quantile_s(classes: &[Class], total: f64, q: f64) -> f64 {
    let mut atoms: Vec<(f64, f64)> = classes.iter().map(|c| (c.fixed_s, c.probability / total)).collect();
    atoms.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut cumulative = 0.0;
    for &(time_s, p) in &atoms {
        cumulative += p;
        if cumulative >= q * (1.0 - 1e-12) {
            return time_s;
        }
    }
    atoms.last().map_or(0.0, |a| a.0)
}

/// Most Newton or bisection steps before giving up on a tighter answer.
const MAX_STEPS: usize = 200;
/// Newton stops once a step moves `t` by less than this, relatively.
const STEP_REL_TOL: f64 = 1e-10;
/// Bisection stops once the bracket is this narrow, relatively.
const BRACKET_REL_TOL: f64 = 1e-12;

/// The quantile and the number of distribution evaluations it took.
fn solve_quantile(classes: &[Class], total: f64, q: f64) -> (f64, usize) {
    let euler = Euler::new();
    let (mut lo, mut hi) = bracket_s(classes, q);
    let upper = q >= 0.5;
    let tail = 1.0 - q;
    // Newton on the log tail from the mean lands near any quantile in a
    // few steps (4–6 evaluations for typical paths).
    let mut t = mixture_mean_s(classes, total).clamp(lo, hi);
    let mut evaluations = 0;
    for _ in 0..MAX_STEPS {
        if hi - lo <= BRACKET_REL_TOL * hi {
            break;
        }
        let point = mixture_at(classes, total, t, &euler);
        evaluations += 1;
        let below = if upper { point.survival > tail } else { point.cdf < q };
        if below {
            lo = lo.max(t);
        } else {
            hi = hi.min(t);
        }
        let next = if upper {
            newton_upper(&point, t, tail)
        } else {
            newton_lower(&point, t, q)
        };
        match next {
            Some(n) if n > lo && n < hi => {
                if (n - t).abs() <= STEP_REL_TOL * t {
                    return (n, evaluations);
                }
                t = n;
            }
            _ => t = midpoint(lo, hi),
        }
    }
    (midpoint(lo, hi), evaluations)
}

/// Newton step on `h(t) = ln G(t) − ln p` (near-linear in a tail).
fn newton_upper(point: &Point, t: f64, tail: f64) -> Option<f64> {
    if !(point.survival > 0.0 && point.density_per_s > 0.0) {
        return None;
    }
    let next = t + (point.survival / tail).ln() * point.survival / point.density_per_s;
    next.is_finite().then_some(next)
}

/// Newton step on `h(x) = ln F(eˣ) − ln q`, `x = ln t` (near-linear where
/// the CDF grows like a power of `t`).
fn newton_lower(point: &Point, t: f64, q: f64) -> Option<f64> {
    if !(point.cdf > 0.0 && point.density_per_s > 0.0 && t > 0.0) {
        return None;
    }
    let next = t * (-(point.cdf / q).ln() * point.cdf / (t * point.density_per_s)).exp();
    next.is_finite().then_some(next)
}

/// Bisection point: geometric when the bracket spans orders of magnitude.
fn midpoint(lo: f64, hi: f64) -> f64 {
    if lo > 0.0 && hi > 4.0 * lo {
        (lo * hi).sqrt()
    } else {
        0.5 * (lo + hi)
    }
}

/// `[lo, hi]` containing the mixture's `q`-quantile (see [`quantile_s`]).
fn bracket_s(classes: &[Class], q: f64) -> (f64, f64) {
    let tail = 1.0 - q;
    let mut lo = f64::INFINITY;
    let mut hi: f64 = 0.0;
    for class in classes.iter().filter(|c| c.probability > 0.0) {
        let longest_s = class.visits.iter().map(|v| v.service_s).fold(0.0, f64::max);
        lo = lo.min(class.fixed_s + longest_s * (1.0 / tail).ln());
        let share = tail / class.visits.len().max(1) as f64;
        let upper_s = class.visits.iter().map(|v| v.tail_bound_s(share)).sum::<f64>();
        hi = hi.max(class.fixed_s + upper_s);
    }
    (lo.min(hi), hi)
}

/// The mixture's distribution at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    cdf: f64,
    survival: f64,
    density_per_s: f64,
}

fn mixture_at(classes: &[Class], total: f64, t_s: f64, euler: &Euler) -> Point {
    let mut mix = Point {
        cdf: 0.0,
        survival: 0.0,
        density_per_s: 0.0,
    };
    for class in classes.iter().filter(|c| c.probability > 0.0) {
        let p = class.probability / total;
        let point = class_at(&class.visits, t_s - class.fixed_s, euler);
        mix.cdf += p * point.cdf;
        mix.survival += p * point.survival;
        mix.density_per_s += p * point.density_per_s;
    }
    Point {
        cdf: mix.cdf.clamp(0.0, 1.0),
        survival: mix.survival.clamp(0.0, 1.0),
        density_per_s: mix.density_per_s.max(0.0),
    }
}

/// The distribution of one class's visit sum at `u` (time after its
/// constant part).
fn class_at(visits: &[Visit], u: f64, euler: &Euler) -> Point {
    let before = Point {
        cdf: 0.0,
        survival: 1.0,
        density_per_s: 0.0,
    };
    let after = Point {
        cdf: 1.0,
        survival: 0.0,
        density_per_s: 0.0,
    };
    if visits.is_empty() {
        return if u < 0.0 { before } else { after };
    }
    if u <= 0.0 {
        return before;
    }
    if is_beyond_tail(visits, u) {
        return after;
    }
    euler.invert(visits, u)
}

/// True when `u` is so far past every time scale of the visits that the
/// survival is below 1e-300. The visit sum is stochastically below
/// Erlang(n, r) with `n` = two phases per visit and `r` the slowest rate,
/// whose tail `e^{−x}·Σ_{j<n} xʲ/j!` at `x = r·u > 700 + 40n` is below
/// 1e-300. Skipping the inversion there also keeps it far from overflow.
fn is_beyond_tail(visits: &[Visit], u: f64) -> bool {
    let slowest = visits
        .iter()
        .map(Visit::slowest_rate_per_s)
        .fold(f64::INFINITY, f64::min);
    let phases = 2.0 * visits.len() as f64;
    slowest * u > 700.0 + 40.0 * phases
}

/// Abate–Whitt discretization parameter: the aliasing error of the CDF is
/// about `e^{−A} ≈ 2e-9` (absolute), and of the survival about
/// `e^{−A}·G(3u)` (relative to `G(u)`, far smaller in the tail); the
/// rounding error grows like `e^{A/2}·ε ≈ 2e-12`.
const EULER_A: f64 = 20.0;
/// Terms summed before Euler averaging. With `m = 20` the truncation error
/// stays near 1e-13 absolute, which keeps the survival's relative error
/// near 1e-8 down to `G ≈ 1e-6` (checked against closed forms in the tests).
const EULER_N: usize = 10;
/// Binomial averaging order.
const EULER_M: usize = 20;
const EULER_TERMS: usize = EULER_N + EULER_M + 1;

/// Precomputed Abate–Whitt Euler weights, in the dimensionless variable
/// `z = s·u`, where the nodes are `z_k = A/2 + iπk`:
///
/// ```text
/// F(u) ≈ Σ_k ω_k · Re( φ(z_k/u) / z_k ),   u·f(u) ≈ Σ_k ω_k · Re φ(z_k/u),
/// ω_k = e^{A/2} · (−1)^k · β_k,  β_0 = 1/2,  β_k = 1 (k ≤ n),
/// β_{n+j} = 2^{−m} Σ_{i=j..m} binom(m, i)
/// ```
struct Euler {
    /// `ω_k`.
    weight: [f64; EULER_TERMS],
    /// `ω_k / z_k`, real and imaginary parts.
    over_z_re: [f64; EULER_TERMS],
    over_z_im: [f64; EULER_TERMS],
    /// The same sum applied to `1/s` (the unit step): `Σ ω_k Re(1/z_k)`,
    /// ≈ 1 + e^{−A}. Subtracting the CDF's sum from it gives the survival
    /// with the aliasing error of the survival, small in the tail.
    step: f64,
}

impl Euler {
    fn new() -> Euler {
        let mut binomial = [0.0; EULER_M + 1];
        binomial[0] = 1.0;
        for i in 1..=EULER_M {
            binomial[i] = binomial[i - 1] * (EULER_M + 1 - i) as f64 / i as f64;
        }
        let scale = (0.5 * EULER_A).exp();
        let mut euler = Euler {
            weight: [0.0; EULER_TERMS],
            over_z_re: [0.0; EULER_TERMS],
            over_z_im: [0.0; EULER_TERMS],
            step: 0.0,
        };
        for k in 0..EULER_TERMS {
            let beta = match k {
                0 => 0.5,
                k if k <= EULER_N => 1.0,
                k => binomial[k - EULER_N..].iter().sum::<f64>() / (1u64 << EULER_M) as f64,
            };
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            let w = scale * sign * beta;
            let (x, y) = (0.5 * EULER_A, PI * k as f64);
            let norm = x * x + y * y;
            euler.weight[k] = w;
            euler.over_z_re[k] = w * x / norm;
            euler.over_z_im[k] = -w * y / norm;
            euler.step += euler.over_z_re[k];
        }
        euler
    }

    /// CDF, survival and density of the visit sum at `u > 0`.
    ///
    /// Each factor is written `w/(w + z) = a/(1 + i·b)` with
    /// `a = w/(w + A/2)`, `b = πk/(w + A/2)`, so nothing overflows for any
    /// rate and the node loop needs no division: numerators multiply into
    /// `N_k`, the real `1 + b²` into `D_k`, and `φ = (Π a)·N_k/D_k`.
    fn invert(&self, visits: &[Visit], u: f64) -> Point {
        let mut nodes = Nodes {
            re: [1.0; EULER_TERMS],
            im: [0.0; EULER_TERMS],
            den: [1.0; EULER_TERMS],
        };
        let mut gain = 1.0;
        for (index, visit) in visits.iter().enumerate() {
            let w = u / visit.service_s;
            let inv = 1.0 / (w + 0.5 * EULER_A);
            gain *= w * inv;
            multiply_service(&mut nodes, PI * inv);
            if visit.p_wait > 0.0 {
                let w = u * visit.wait_rate_per_s;
                let inv = 1.0 / (w + 0.5 * EULER_A);
                multiply_wait(&mut nodes, visit.p_wait, w * inv, PI * inv);
            }
            // A visit multiplies D_k by at most (1 + (2πK/A)²)² < 10⁴;
            // renormalize long before that could overflow.
            if index % 16 == 15 {
                renormalize(&mut nodes);
            }
        }
        let (mut cdf, mut u_density) = (0.0, 0.0);
        for k in 0..EULER_TERMS {
            let scale = gain / nodes.den[k];
            let (re, im) = (nodes.re[k] * scale, nodes.im[k] * scale);
            cdf += re * self.over_z_re[k] - im * self.over_z_im[k];
            u_density += self.weight[k] * re;
        }
        let density_per_s = (u_density / u).max(0.0);
        // Keep the smaller of the two tails from its own inversion: each
        // then carries an aliasing error relative to itself.
        if cdf < 0.5 {
            let cdf = cdf.clamp(0.0, 1.0);
            Point {
                cdf,
                survival: 1.0 - cdf,
                density_per_s,
            }
        } else {
            let survival = (self.step - cdf).clamp(0.0, 1.0);
            Point {
                cdf: 1.0 - survival,
                survival,
                density_per_s,
            }
        }
    }
}

/// `N_k ← N_k·(1 − i·b_k)`, `D_k ← D_k·(1 + b_k²)`, `b_k = k·beta`: the
/// service factor `μu/(μu + z_k)` without its real gain.
fn multiply_service(nodes: &mut Nodes, beta: f64) {
    let factors = nodes.re.iter_mut().zip(nodes.im.iter_mut()).zip(nodes.den.iter_mut());
    for (k, ((re, im), den)) in factors.enumerate() {
        let b = beta * k as f64;
        let (r, i) = (*re, *im);
        *re = r + i * b;
        *im = i - r * b;
        *den *= 1.0 + b * b;
    }
}

/// The wait factor `(1 − C) + C·θu/(θu + z_k) = (α + iβ)(1 − i·b)/(1 + b²)`
/// with `α = 1 − C + C·a`, `β = (1 − C)·b`.
fn multiply_wait(nodes: &mut Nodes, p_wait: f64, a: f64, beta: f64) {
    let alpha = 1.0 - p_wait + p_wait * a;
    let factors = nodes.re.iter_mut().zip(nodes.im.iter_mut()).zip(nodes.den.iter_mut());
    for (k, ((re, im), den)) in factors.enumerate() {
        let b = beta * k as f64;
        let bet = (1.0 - p_wait) * b;
        // (α + iβ)(1 − ib) = (α + βb) + i(β − αb)
        let (fr, fi) = (alpha + bet * b, bet - alpha * b);
        let (r, i) = (*re, *im);
        *re = r * fr - i * fi;
        *im = r * fi + i * fr;
        *den *= 1.0 + b * b;
    }
}

/// `N_k ← N_k/D_k`, `D_k ← 1`.
fn renormalize(nodes: &mut Nodes) {
    let factors = nodes.re.iter_mut().zip(nodes.im.iter_mut()).zip(nodes.den.iter_mut());
    for ((re, im), den) in factors {
        *re /= *den;
        *im /= *den;
        *den = 1.0;
    }
}

/// The transform at every node, as `N_k / D_k` (complex over real).
struct Nodes {
    re: [f64; EULER_TERMS],
    im: [f64; EULER_TERMS],
    den: [f64; EULER_TERMS],
}
