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
//! A visit may also fan out: the request sends `k` copies at once (a read
//! that gathers from `k` shards) and waits for the slowest, so the visit
//! takes the maximum of `k` independent draws, `P(T ≤ t) = F(t)^k` — not
//! their sum. Its transform is rational too (see [`Visit::fan_out`]).
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
    /// Copies sent at once, `k` (1 for a plain visit): the request visits
    /// `k` queues of this law in parallel, independently, and goes on when
    /// the slowest answers, so `P(T ≤ t) = F(t)^k` where `F` is one copy's
    /// distribution. Each copy either waits (probability `C`, then Exp(θ))
    /// or not, then is served (Exp(μ)); the maximum is the absorption time
    /// of the Markov chain on (copies waiting `a`, copies in service `b`),
    /// which only moves `(a, b) → (a − 1, b + 1)` at rate `aθ` and
    /// `(a, b) → (a, b − 1)` at rate `bμ`. Being acyclic, its transform is
    /// exact by recursion:
    ///
    /// ```text
    /// ψ(0, 0) = 1,   ψ(a, b)(s) = (aθ·ψ(a − 1, b + 1) + bμ·ψ(a, b − 1)) / (s + aθ + bμ)
    /// φ(s) = Σ_a C(k, a)·Cᵃ·(1 − C)^{k−a} · ψ(a, k − a)(s)
    /// ```
    /// (for `C = 0` this is `Π_{j=1..k} jμ/(s + jμ)`: the maximum of `k`
    /// exponentials is a sum of exponentials of rates `μ, 2μ, …, kμ`). From
    /// 1 to [`MAX_FAN_OUT`].
    pub fan_out: u32,
}

/// Most copies one fan-out visit may send: the transform costs
/// `(k + 1)(k + 2)/2` states per inversion node, so 64 keeps a quantile
/// within milliseconds.
pub const MAX_FAN_OUT: u32 = 64;

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
    /// C = P(Wq > 0) (Erlang C),   θ = (cμ − λ)/k   (Mmc::wait_rate_per_s)
    /// ```
    /// `k` is the queue's Allen–Cunneen factor (1 for M/M/c), so a
    /// stretched wait carries over. A wait probability below 1e-280 is
    /// taken as 0 (its wait is beyond double precision anyway). Errors: an
    /// unstable tier, or `service_s` not finite and > 0.
    pub fn from_mmc(tier: &Mmc, service_s: f64) -> Result<Visit, LatencyError> {
        if !(service_s.is_finite() && service_s > 0.0) {
            return Err(field_error(None, None, "service_s", "a finite time > 0", service_s));
        }
        if !tier.is_stable() {
            return Err(LatencyError::UnstableTier {
                utilization: tier.utilization(),
            });
        }
        let p_wait = tier.erlang_c();
        let theta = tier.wait_rate_per_s();
        if p_wait < 1e-280 || !(theta.is_finite() && theta > 0.0) {
            let plain_rate_per_s = tier.servers() as f64 / tier.service_time_s() - tier.arrival_rate_per_s();
            return Ok(Visit {
                p_wait: 0.0,
                wait_rate_per_s: plain_rate_per_s,
                service_s,
                fan_out: 1,
            });
        }
        Ok(Visit {
            p_wait,
            wait_rate_per_s: theta,
            service_s,
            fan_out: 1,
        })
    }

    /// The same visit sent to `copies` queues at once, waiting for the
    /// slowest (see [`Visit::fan_out`]).
    pub fn max_of(self, copies: u32) -> Visit {
        Visit {
            fan_out: copies,
            ..self
        }
    }

    /// Mean of the visit: `C/θ + S` for one copy (`S` alone when `C = 0`);
    /// for `k` copies the mean absorption time of the chain in
    /// [`Visit::fan_out`],
    ///
    /// ```text
    /// m(0, 0) = 0,   m(a, b) = (1 + aθ·m(a − 1, b + 1) + bμ·m(a, b − 1)) / (aθ + bμ)
    /// E[T] = Σ_a C(k, a)·Cᵃ·(1 − C)^{k−a} · m(a, k − a)
    /// ```
    fn mean_s(&self) -> f64 {
        if self.fan_out <= 1 {
            return self.service_s + self.mean_wait_s();
        }
        let fan = FanOut::new(self);
        let mut m = vec![0.0; fan.states()];
        fan.sweep(|a, b, index, from_wait, from_service| {
            if a + b == 0 {
                return;
            }
            let (wait, service) = (a as f64 * fan.theta, b as f64 * fan.mu);
            let wait_term = from_wait.map_or(0.0, |i| wait * m[i]);
            let service_term = from_service.map_or(0.0, |i| service * m[i]);
            m[index] = (1.0 + wait_term + service_term) / (wait + service);
        });
        fan.start_weights().map(|(w, index)| w * m[index]).sum()
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
    /// For `k` copies the union bound over them: `P(max > t) ≤ k·P(T > t)`.
    fn tail_bound_s(&self, tail: f64) -> f64 {
        let half = 0.5 * tail / self.fan_out.max(1) as f64;
        let wait = if self.p_wait > half {
            (self.p_wait / half).ln() / self.wait_rate_per_s
        } else {
            0.0
        };
        wait + self.service_s * (1.0 / half).ln()
    }

    /// Exponential phases on the longest path through the visit: two
    /// (wait, service) or one per copy.
    fn phases(&self) -> usize {
        let per_copy = if self.p_wait > 0.0 { 2 } else { 1 };
        per_copy * self.fan_out.max(1) as usize
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
    if !(1..=MAX_FAN_OUT).contains(&visit.fan_out) {
        return Err(field_error(
            None,
            None,
            "fan_out",
            "a count of copies from 1 to 64",
            visit.fan_out as f64,
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
    Ok(mixture_at(classes, total, t_s, &mut Euler::for_path(classes)).survival)
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
/// root to a relative step below 1e-7 (the one after it is quadratically
/// smaller, and returned); the inversion error bounds the
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
/// Newton stops once a step moves `t` by less than this, relatively: the
/// step returned is then quadratically smaller (near 1e-14 relative),
/// far below the inversion's own error (about 1e-8).
const STEP_REL_TOL: f64 = 1e-7;
/// Bisection stops once the bracket is this narrow, relatively.
const BRACKET_REL_TOL: f64 = 1e-12;

/// The quantile and the number of distribution evaluations it took.
fn solve_quantile(classes: &[Class], total: f64, q: f64) -> (f64, usize) {
    let mut euler = Euler::for_path(classes);
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
        let point = mixture_at(classes, total, t, &mut euler);
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

fn mixture_at(classes: &[Class], total: f64, t_s: f64, euler: &mut Euler) -> Point {
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
fn class_at(visits: &[Visit], u: f64, euler: &mut Euler) -> Point {
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
    let (cdf, density_per_s) = euler.invert(visits, u);
    // Keep the smaller of the two tails from its own inversion, so each
    // carries an error relative to itself.
    if cdf < 0.5 {
        let cdf = if cdf < ALIAS_CORRECTION_BELOW {
            cdf - (-EULER_A).exp() * class_cdf(visits, 3.0 * u, euler)
        } else {
            cdf
        }
        .clamp(0.0, 1.0);
        Point {
            cdf,
            survival: 1.0 - cdf,
            density_per_s,
        }
    } else {
        let survival = (euler.step - cdf).clamp(0.0, 1.0);
        Point {
            cdf: 1.0 - survival,
            survival,
            density_per_s,
        }
    }
}

/// Below this CDF the leading aliasing term `e^{−A}·F(3u)` is subtracted:
/// it can exceed `F(u)` itself by `F(3u)/F(u)` (≈ 3ⁿ for `n` phases near
/// 0), while above it the relative error is at most `e^{−A}/0.1 ≈ 2e-8`.
/// What remains is `e^{−2A}·(F(5u) − F(9u))`, below 1e-17.
const ALIAS_CORRECTION_BELOW: f64 = 0.1;

/// The (aliased) CDF of a class's visit sum at `u > 0`, for the correction.
fn class_cdf(visits: &[Visit], u: f64, euler: &mut Euler) -> f64 {
    if is_beyond_tail(visits, u) {
        1.0
    } else {
        euler.invert(visits, u).0.clamp(0.0, 1.0)
    }
}

/// True when `u` is so far past every time scale of the visits that the
/// survival is below 1e-300. The visit sum is stochastically below
/// Erlang(n, r) with `n` = two phases per visit (per copy of a fan-out
/// visit: the slowest copy is below the sum of all) and `r` the slowest rate,
/// whose tail `e^{−x}·Σ_{j<n} xʲ/j!` at `x = r·u > 700 + 40n` is below
/// 1e-300. Skipping the inversion there also keeps it far from overflow.
fn is_beyond_tail(visits: &[Visit], u: f64) -> bool {
    let slowest = visits
        .iter()
        .map(Visit::slowest_rate_per_s)
        .fold(f64::INFINITY, f64::min);
    let phases = 2.0 * visits.iter().map(|v| v.fan_out.max(1) as f64).sum::<f64>();
    slowest * u > 700.0 + 40.0 * phases
}

/// Abate–Whitt discretization parameter: the aliasing error of the CDF is
/// `e^{−A}·F(3u) ≈ 2e-9·F(3u)` (corrected where `F` is small, see
/// [`ALIAS_CORRECTION_BELOW`]), and of the survival `e^{−A}·G(3u)`,
/// relative to `G(u)` at most 2e-9; rounding grows like `e^{A/2}·ε ≈ 5e-12`.
const EULER_A: f64 = 20.0;
/// Binomial averaging order `m`. With `m = 20` the truncation error stays
/// near 1e-13 absolute, which keeps the survival's relative error near
/// 1e-8 down to `G ≈ 1e-6` (checked against closed forms in the tests).
const EULER_M: usize = 20;
/// Terms summed before the averaging, `n`: the transform's phase winds by
/// π/2 per exponential phase along the nodes, so `n` grows with the phase
/// count (two per visit that can wait, one per visit that cannot), from
/// 10 up to [`EULER_N_MAX`]; beyond 40 phases of one rate accuracy degrades
/// gracefully (about 1e-7 relative at 48).
const EULER_N_MIN: usize = 10;
const EULER_N_MAX: usize = 40;
const EULER_TERMS_MAX: usize = EULER_N_MAX + EULER_M + 1;

/// `k as f64` for each node index `k`: read from a table, the node loops
/// vectorize (a `usize` conversion per node keeps them scalar).
const NODE_INDEX: [f64; EULER_TERMS_MAX] = {
    let mut index = [0.0; EULER_TERMS_MAX];
    let mut k = 0;
    while k < EULER_TERMS_MAX {
        index[k] = k as f64;
        k += 1;
    }
    index
};

/// Precomputed Abate–Whitt Euler weights, in the dimensionless variable
/// `z = s·u`, where the nodes are `z_k = A/2 + iπk`:
///
/// ```text
/// F(u) ≈ Σ_k ω_k · Re( φ(z_k/u) / z_k ),   u·f(u) ≈ Σ_k ω_k · Re φ(z_k/u),
/// ω_k = e^{A/2} · (−1)^k · β_k,  β_0 = 1/2,  β_k = 1 (k ≤ n),
/// β_{n+j} = 2^{−m} Σ_{i=j..m} binom(m, i)
/// ```
/// where `F` is the CDF, `f` the density and `φ` the class's transform.
struct Euler {
    /// Nodes in use, `n + m + 1`.
    terms: usize,
    /// `ω_k`.
    weight: [f64; EULER_TERMS_MAX],
    /// `ω_k / z_k`, real and imaginary parts.
    over_z_re: [f64; EULER_TERMS_MAX],
    over_z_im: [f64; EULER_TERMS_MAX],
    /// The same sum applied to `1/s` (the unit step): `Σ ω_k Re(1/z_k)`,
    /// ≈ 1 + e^{−A}. Subtracting the CDF's sum from it gives the survival
    /// with the aliasing error of the survival, small in the tail.
    step: f64,
    /// Buffers and the last result of fan-out transforms.
    fan_out: FanOutWork,
}

impl Euler {
    /// Weights sized for the path's longest class.
    fn for_path(classes: &[Class]) -> Euler {
        let phases = classes
            .iter()
            .filter(|c| c.probability > 0.0)
            .map(|c| c.visits.iter().map(Visit::phases).sum::<usize>())
            .max()
            .unwrap_or(0);
        Euler::new(phases.clamp(EULER_N_MIN, EULER_N_MAX))
    }

    fn new(n: usize) -> Euler {
        let mut binomial = [0.0; EULER_M + 1];
        binomial[0] = 1.0;
        for i in 1..=EULER_M {
            binomial[i] = binomial[i - 1] * (EULER_M + 1 - i) as f64 / i as f64;
        }
        let scale = (0.5 * EULER_A).exp();
        let mut euler = Euler {
            terms: n + EULER_M + 1,
            weight: [0.0; EULER_TERMS_MAX],
            over_z_re: [0.0; EULER_TERMS_MAX],
            over_z_im: [0.0; EULER_TERMS_MAX],
            step: 0.0,
            fan_out: FanOutWork::default(),
        };
        for k in 0..euler.terms {
            let beta = match k {
                0 => 0.5,
                k if k <= n => 1.0,
                k => binomial[k - n..].iter().sum::<f64>() / (1u64 << EULER_M) as f64,
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

    /// The aliased CDF and the density (per second) of the visit sum at
    /// `u > 0`.
    ///
    /// Each factor is written `w/(w + z) = a/(1 + i·b)` with
    /// `a = w/(w + A/2)`, `b = πk/(w + A/2)`, so nothing overflows for any
    /// rate and the node loop needs no division: numerators multiply into
    /// `N_k`, the real `1 + b²` into `D_k`, and `φ = (Π a)·N_k/D_k`.
    fn invert(&mut self, visits: &[Visit], u: f64) -> (f64, f64) {
        let mut nodes = Nodes::new(self.terms);
        let mut gain = 1.0;
        for (index, visit) in visits.iter().enumerate() {
            if visit.fan_out > 1 {
                let (re, im) = self.fan_out.transform(visit, u, self.terms);
                nodes.multiply_by(re, im);
                continue;
            }
            let w = u / visit.service_s;
            let inv = 1.0 / (w + 0.5 * EULER_A);
            gain *= w * inv;
            if visit.p_wait > 0.0 {
                let service_beta = PI * inv;
                let w = u * visit.wait_rate_per_s;
                let inv = 1.0 / (w + 0.5 * EULER_A);
                nodes.multiply_service_wait(service_beta, (visit.p_wait, w * inv, PI * inv));
            } else {
                nodes.multiply_service(PI * inv);
            }
            // b_k ≤ 2πk/A ≤ 19, so a visit multiplies D_k by at most
            // (1 + 19²)² < 10⁶; renormalize long before that could overflow.
            if index % 16 == 15 {
                nodes.renormalize();
            }
        }
        // Each node's two terms first (that loop vectorizes), then the sums
        // in node order.
        let (cdf_terms, density_terms, den) = nodes.parts();
        let weights = (&self.over_z_re[..], &self.over_z_im[..], &self.weight[..]);
        node_terms((cdf_terms, density_terms), den, gain, weights);
        let (mut cdf, mut u_density) = (0.0, 0.0);
        for (c, d) in cdf_terms.iter().zip(density_terms.iter()) {
            cdf += c;
            u_density += d;
        }
        (cdf, (u_density / u).max(0.0))
    }
}

/// The transform at the first `terms` nodes, as `N_k / D_k` (complex over
/// real).
struct Nodes {
    terms: usize,
    re: [f64; EULER_TERMS_MAX],
    im: [f64; EULER_TERMS_MAX],
    den: [f64; EULER_TERMS_MAX],
}

impl Nodes {
    fn new(terms: usize) -> Nodes {
        Nodes {
            terms,
            re: [1.0; EULER_TERMS_MAX],
            im: [0.0; EULER_TERMS_MAX],
            den: [1.0; EULER_TERMS_MAX],
        }
    }

    /// The nodes in use: `N_k` (real and imaginary parts) and `D_k`.
    fn parts(&mut self) -> (&mut [f64], &mut [f64], &mut [f64]) {
        let n = self.terms;
        (&mut self.re[..n], &mut self.im[..n], &mut self.den[..n])
    }

    /// `N_k ← N_k·(1 − i·b_k)`, `D_k ← D_k·(1 + b_k²)`, `b_k = k·beta`:
    /// the service factor `μu/(μu + z_k)` without its real gain.
    fn multiply_service(&mut self, beta: f64) {
        let (re, im, den) = self.parts();
        multiply_service(re, im, den, beta);
    }

    /// The service factor as in [`Nodes::multiply_service`], then the wait
    /// factor `(1 − C) + C·θu/(θu + z_k) = (α + iβ)(1 − i·b)/(1 + b²)` with
    /// `b_k = k·beta`, `a = θu/(θu + A/2)`, `α = 1 − C + C·a`,
    /// `β = (1 − C)·b`, in one pass over the nodes.
    fn multiply_service_wait(&mut self, service_beta: f64, (p_wait, a, beta): (f64, f64, f64)) {
        let (re, im, den) = self.parts();
        multiply_service_wait(re, im, den, service_beta, (p_wait, a, beta));
    }

    /// `N_k ← N_k·φ_k` for complex values `φ_k` given at the nodes.
    fn multiply_by(&mut self, values_re: &[f64], values_im: &[f64]) {
        let (re, im, _) = self.parts();
        multiply_complex(re, im, values_re, values_im);
    }

    /// `N_k ← N_k/D_k`, `D_k ← 1`.
    fn renormalize(&mut self) {
        let (re, im, den) = self.parts();
        renormalize(re, im, den);
    }
}

// The node loops take their arrays as separate slices: known not to
// overlap, they vectorize (as fields of one struct they stay scalar).

/// See [`Nodes::multiply_service`].
fn multiply_service(re: &mut [f64], im: &mut [f64], den: &mut [f64], beta: f64) {
    let (im, den) = (&mut im[..re.len()], &mut den[..re.len()]);
    for k in 0..re.len() {
        (re[k], im[k], den[k]) = times_service((re[k], im[k], den[k]), beta * NODE_INDEX[k]);
    }
}

/// See [`Nodes::multiply_service_wait`].
fn multiply_service_wait(
    re: &mut [f64],
    im: &mut [f64],
    den: &mut [f64],
    service_beta: f64,
    (p_wait, a, beta): (f64, f64, f64),
) {
    let alpha = 1.0 - p_wait + p_wait * a;
    let (im, den) = (&mut im[..re.len()], &mut den[..re.len()]);
    for k in 0..re.len() {
        let node = times_service((re[k], im[k], den[k]), service_beta * NODE_INDEX[k]);
        let b = beta * NODE_INDEX[k];
        let bet = (1.0 - p_wait) * b;
        // (α + iβ)(1 − ib) = (α + βb) + i(β − αb)
        let (fr, fi) = (alpha + bet * b, bet - alpha * b);
        let (r, i, d) = node;
        (re[k], im[k], den[k]) = (r * fr - i * fi, r * fi + i * fr, d * (1.0 + b * b));
    }
}

/// One node `(Re N, Im N, D)` times the service factor with `b`:
/// `N·(1 − i·b)`, `D·(1 + b²)`.
fn times_service((r, i, d): (f64, f64, f64), b: f64) -> (f64, f64, f64) {
    (r + i * b, i - r * b, d * (1.0 + b * b))
}

/// `(re + i·im) ← (re + i·im)·(f_re + i·f_im)`, element by element.
fn multiply_complex(re: &mut [f64], im: &mut [f64], f_re: &[f64], f_im: &[f64]) {
    let (im, f_re, f_im) = (&mut im[..re.len()], &f_re[..re.len()], &f_im[..re.len()]);
    for k in 0..re.len() {
        let (r, i, fr, fi) = (re[k], im[k], f_re[k], f_im[k]);
        re[k] = r * fr - i * fi;
        im[k] = r * fi + i * fr;
    }
}

/// Overwrites `N_k` with node `k`'s terms of the CDF and of `u·f(u)`,
/// `Re(φ_k·ω_k/z_k)` and `ω_k·Re φ_k`, where `φ_k = gain·N_k/D_k`.
/// Kept out of line: inlined into [`Euler::invert`], it stays scalar.
#[inline(never)]
fn node_terms(
    (re, im): (&mut [f64], &mut [f64]),
    den: &[f64],
    gain: f64,
    (over_z_re, over_z_im, weight): (&[f64], &[f64], &[f64]),
) {
    let n = re.len();
    let (im, den) = (&mut im[..n], &den[..n]);
    let (over_z_re, over_z_im, weight) = (&over_z_re[..n], &over_z_im[..n], &weight[..n]);
    for k in 0..n {
        let scale = gain / den[k];
        let (r, i) = (re[k] * scale, im[k] * scale);
        re[k] = r * over_z_re[k] - i * over_z_im[k];
        im[k] = weight[k] * r;
    }
}

/// See [`Nodes::renormalize`].
fn renormalize(re: &mut [f64], im: &mut [f64], den: &mut [f64]) {
    let (im, den) = (&mut im[..re.len()], &mut den[..re.len()]);
    for k in 0..re.len() {
        re[k] /= den[k];
        im[k] /= den[k];
        den[k] = 1.0;
    }
}

/// The chain behind a fan-out visit (see [`Visit::fan_out`]): states
/// `(a, b)` with `a + b ≤ k`, stored at `a·(k + 1) + b`.
struct FanOut {
    copies: usize,
    /// Largest `a` that can occur: `k`, or 0 when no copy ever waits (so
    /// an unused, possibly undefined wait rate never enters a sum).
    max_waiting: usize,
    p_wait: f64,
    theta: f64,
    mu: f64,
}

impl FanOut {
    fn new(visit: &Visit) -> FanOut {
        let copies = visit.fan_out.max(1) as usize;
        FanOut {
            copies,
            max_waiting: if visit.p_wait > 0.0 { copies } else { 0 },
            p_wait: visit.p_wait,
            theta: visit.wait_rate_per_s,
            mu: 1.0 / visit.service_s,
        }
    }

    fn states(&self) -> usize {
        (self.copies + 1) * (self.copies + 1)
    }

    fn index(&self, a: usize, b: usize) -> usize {
        a * (self.copies + 1) + b
    }

    /// Calls `visit(a, b, index, from_wait, from_service)` for every state
    /// after the states it moves to: `from_wait` is the index of
    /// `(a − 1, b + 1)`, `from_service` of `(a, b − 1)`, when they exist.
    fn sweep(&self, mut visit: impl FnMut(usize, usize, usize, Option<usize>, Option<usize>)) {
        for a in 0..=self.max_waiting {
            for b in 0..=self.copies - a {
                let from_wait = (a > 0).then(|| self.index(a - 1, b + 1));
                let from_service = (b > 0).then(|| self.index(a, b - 1));
                visit(a, b, self.index(a, b), from_wait, from_service);
            }
        }
    }

    /// The starting states `(a, k − a)` with their binomial weights
    /// `C(k, a)·Cᵃ·(1 − C)^{k−a}`.
    fn start_weights(&self) -> impl Iterator<Item = (f64, usize)> + '_ {
        let k = self.copies;
        let mut choose = 1.0;
        (0..=self.max_waiting).map(move |a| {
            if a > 0 {
                choose *= (k + 1 - a) as f64 / a as f64;
            }
            let w = choose * self.p_wait.powi(a as i32) * (1.0 - self.p_wait).powi((k - a) as i32);
            (w, self.index(a, k - a))
        })
    }
}

/// The fan-out chain's `ψ(a, b)` at the Euler nodes, level by level
/// (`n = a + b`), kept across inversions: the states do not depend on `k`,
/// so fan-outs of one visit to 2, 3, … shards at the same time (classes
/// that differ only in their join's spread, in that order, or that miss
/// the cache twice) go on from the level the last one reached. Also the
/// buffers, so that a transform allocates nothing.
#[derive(Default)]
struct FanOutWork {
    /// Exact bits of `(C, θ, S, u)` behind the levels.
    chain: Option<[u64; 4]>,
    /// The level in `this`.
    level: usize,
    /// `ψ(a, n − a)` at the nodes for levels `n − 1` and `n`, `terms` per `a`.
    below_re: Vec<f64>,
    below_im: Vec<f64>,
    this_re: Vec<f64>,
    this_im: Vec<f64>,
    /// The numerator of the state being computed, per node.
    num_re: Vec<f64>,
    num_im: Vec<f64>,
    /// `φ` at the nodes.
    values_re: Vec<f64>,
    values_im: Vec<f64>,
}

impl FanOutWork {
    /// `φ(z_j/u)` of the fan-out `visit` at the first `terms` Euler nodes
    /// `z_j = A/2 + iπj`, in the dimensionless rates `θu`, `μu`: every
    /// division is by `z_j + aθu + bμu`, whose real part is at least `A/2`,
    /// and every `|ψ| ≤ 1`, so nothing overflows.
    fn transform(&mut self, visit: &Visit, u: f64, terms: usize) -> (&[f64], &[f64]) {
        let fan = FanOut::new(visit);
        let chain = [
            visit.p_wait.to_bits(),
            visit.wait_rate_per_s.to_bits(),
            visit.service_s.to_bits(),
            u.to_bits(),
        ];
        if self.chain != Some(chain) || self.level > fan.copies {
            self.chain = Some(chain);
            self.level = 0;
            self.this_re.clear();
            self.this_re.resize(terms, 1.0);
            self.this_im.clear();
            self.this_im.resize(terms, 0.0);
        }
        while self.level < fan.copies {
            self.next_level(&fan, u, terms);
        }
        // φ = Σ_a weight_a·ψ(a, k − a), summed in `a` order.
        zero(&mut self.values_re, terms);
        zero(&mut self.values_im, terms);
        for (a, (weight, _)) in fan.start_weights().enumerate() {
            let nodes = a * terms..(a + 1) * terms;
            add_scaled(&mut self.values_re, weight, &self.this_re[nodes.clone()]);
            add_scaled(&mut self.values_im, weight, &self.this_im[nodes]);
        }
        (&self.values_re, &self.values_im)
    }

    /// The next level's states, one at every node at once (the loops over
    /// nodes vectorize); the arithmetic per node is that of the recursion,
    /// in its order.
    fn next_level(&mut self, fan: &FanOut, u: f64, terms: usize) {
        std::mem::swap(&mut self.below_re, &mut self.this_re);
        std::mem::swap(&mut self.below_im, &mut self.this_im);
        self.level += 1;
        let n = self.level;
        self.this_re.resize((n.min(fan.max_waiting) + 1) * terms, 0.0);
        self.this_im.resize((n.min(fan.max_waiting) + 1) * terms, 0.0);
        let (theta, mu) = (fan.theta * u, fan.mu * u);
        for a in 0..=n.min(fan.max_waiting) {
            self.state(a, n - a, (a as f64 * theta, (n - a) as f64 * mu), terms);
        }
    }

    /// ψ(a, b) at every node, from ψ(a − 1, b + 1) on this level and
    /// ψ(a, b − 1) on the one below, with the rates `(aθu, bμu)`:
    /// `ψ(a, b) = (aθu·ψ(a − 1, b + 1) + bμu·ψ(a, b − 1)) / (z_j + aθu + bμu)`.
    fn state(&mut self, a: usize, b: usize, (wait, service): (f64, f64), terms: usize) {
        let nodes = |a: usize| a * terms..(a + 1) * terms;
        zero(&mut self.num_re, terms);
        zero(&mut self.num_im, terms);
        if a > 0 {
            add_scaled(&mut self.num_re, wait, &self.this_re[nodes(a - 1)]);
            add_scaled(&mut self.num_im, wait, &self.this_im[nodes(a - 1)]);
        }
        if b > 0 {
            add_scaled(&mut self.num_re, service, &self.below_re[nodes(a)]);
            add_scaled(&mut self.num_im, service, &self.below_im[nodes(a)]);
        }
        let real = 0.5 * EULER_A + wait + service;
        let out = (&mut self.this_re[nodes(a)], &mut self.this_im[nodes(a)]);
        divide_at_nodes((&self.num_re, &self.num_im), real, out);
    }
}

/// `values` as `len` zeros.
fn zero(values: &mut Vec<f64>, len: usize) {
    values.clear();
    values.resize(len, 0.0);
}

/// `out_j = num_j / (real + iπj)` at every node, by Smith's algorithm: it
/// divides through by the real part while that is the larger, up to the
/// node where `πj` passes it, then by the imaginary part; split there,
/// each loop runs without a branch.
fn divide_at_nodes((num_re, num_im): (&[f64], &[f64]), real: f64, (out_re, out_im): (&mut [f64], &mut [f64])) {
    let terms = out_re.len();
    let (num_re, num_im, out_im) = (&num_re[..terms], &num_im[..terms], &mut out_im[..terms]);
    let split = NODE_INDEX[..terms]
        .iter()
        .position(|&j| (PI * j).abs() > real.abs() || real.is_nan())
        .unwrap_or(terms);
    for j in 0..split {
        (out_re[j], out_im[j]) = divide_real_major((num_re[j], num_im[j]), (real, PI * NODE_INDEX[j]));
    }
    for j in split..terms {
        (out_re[j], out_im[j]) = divide_imag_major((num_re[j], num_im[j]), (real, PI * NODE_INDEX[j]));
    }
}

/// `y ← y + rate·x`, element by element.
fn add_scaled(y: &mut [f64], rate: f64, x: &[f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += rate * x;
    }
}

/// `n / d` for complex numbers as `(re, im)` with `|Im d| ≤ |Re d|`, by
/// Smith's algorithm (no overflow in the squared magnitude).
fn divide_real_major(n: (f64, f64), d: (f64, f64)) -> (f64, f64) {
    let r = d.1 / d.0;
    let den = d.0 + d.1 * r;
    ((n.0 + n.1 * r) / den, (n.1 - n.0 * r) / den)
}

/// `n / d` as in [`divide_real_major`], for `|Im d| > |Re d|`.
fn divide_imag_major(n: (f64, f64), d: (f64, f64)) -> (f64, f64) {
    let r = d.0 / d.1;
    let den = d.0 * r + d.1;
    ((n.0 * r + n.1) / den, (n.1 * r - n.0) / den)
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ContinuousCDF, Erlang};

    /// Relative tolerance on quantiles and survivals against closed forms.
    /// The inversion's own error is near 1e-8 (module docs); 1e-6 is the
    /// target the brief sets, with room to spare.
    const REL_TOL: f64 = 1e-6;

    fn rel_err(got: f64, want: f64) -> f64 {
        (got - want).abs() / want.abs()
    }

    fn one_class(visits: Vec<Visit>, fixed_s: f64) -> Vec<Class> {
        vec![Class {
            probability: 1.0,
            visits,
            fixed_s,
        }]
    }

    /// A visit with no wait: exponential service of mean `service_s`.
    fn service(service_s: f64) -> Visit {
        Visit {
            p_wait: 0.0,
            wait_rate_per_s: 1.0,
            service_s,
            fan_out: 1,
        }
    }

    /// Reference quantile of a closed-form survival `g` (decreasing) by
    /// bisection to relative width 1e-14.
    fn reference_quantile(g: impl Fn(f64) -> f64, q: f64) -> f64 {
        let (mut lo, mut hi) = (0.0, 1e-12);
        while g(hi) > 1.0 - q {
            hi *= 2.0;
        }
        while hi - lo > 1e-14 * hi {
            let mid = 0.5 * (lo + hi);
            if g(mid) > 1.0 - q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// Checks quantiles and the survival at them against a closed form.
    fn assert_matches(classes: &[Class], g: impl Fn(f64) -> f64, quantiles: &[f64], label: &str) {
        for &q in quantiles {
            let want = reference_quantile(&g, q);
            let got = quantile_s(classes, q).unwrap();
            assert!(rel_err(got, want) <= REL_TOL, "{label} q={q}: {got} vs {want}");
            let (got_g, want_g) = (survival(classes, want).unwrap(), g(want));
            assert!(
                rel_err(got_g, want_g) <= REL_TOL,
                "{label} G({want}): {got_g} vs {want_g}"
            );
        }
    }

    const QUANTILES: [f64; 6] = [0.01, 0.5, 0.9, 0.99, 0.999, 0.9999];

    #[test]
    fn one_visit_matches_the_mmc_response_time() {
        // (servers, arrival rate per s, service time s): ρ = 0.5, 0.9, 0.99,
        // a 10 µs service, and θ = cμ − λ = 6 − 4 = 2 = μ exactly.
        let cases = [
            (1, 0.5, 1.0),
            (8, 720.0, 0.01),
            (100, 49_500.0, 0.002),
            (4, 2.8e5, 1e-5),
            (3, 4.0, 0.5),
        ];
        for (servers, rate, service_s) in cases {
            let tier = Mmc::new(rate, service_s, servers).unwrap();
            let visit = Visit::from_mmc(&tier, service_s).unwrap();
            let classes = one_class(vec![visit], 0.0);
            for q in QUANTILES {
                let want = tier.response_quantile_s(q).unwrap();
                let got = quantile_s(&classes, q).unwrap();
                assert!(rel_err(got, want) <= REL_TOL, "c={servers} q={q}: {got} vs {want}");
                let (got_g, want_g) = (survival(&classes, want).unwrap(), tier.response_survival(want));
                assert!(
                    rel_err(got_g, want_g) <= REL_TOL,
                    "c={servers} G({want}): {got_g} vs {want_g}"
                );
            }
        }
        let double_pole = Visit::from_mmc(&Mmc::new(4.0, 0.5, 3).unwrap(), 0.5).unwrap();
        assert!((double_pole.wait_rate_per_s - 2.0).abs() <= 1e-15, "θ = μ case");
    }

    #[test]
    fn two_distinct_exponentials_match_the_hypoexponential() {
        // P(X + Y > t) = (b·e^{−at} − a·e^{−bt}) / (b − a), X ~ Exp(a), Y ~ Exp(b).
        for (a, b) in [(1.0, 3.0), (1e5, 0.01), (200.0, 201.0)] {
            let g = |t: f64| (b * (-a * t).exp() - a * (-b * t).exp()) / (b - a);
            let services = one_class(vec![service(1.0 / a), service(1.0 / b)], 0.0);
            assert_matches(&services, g, &QUANTILES, "two services");
            // The same law as one visit that always waits: Exp(θ = a) + Exp(b).
            let waited = Visit {
                p_wait: 1.0,
                wait_rate_per_s: a,
                service_s: 1.0 / b,
                fan_out: 1,
            };
            assert_matches(&one_class(vec![waited], 0.0), g, &QUANTILES, "always waits");
        }
    }

    #[test]
    fn iid_exponentials_match_the_erlang_distribution() {
        let rate_per_s = 200.0;
        for n in [2, 5, 12, 24] {
            let erlang = Erlang::new(n, rate_per_s).unwrap();
            let classes = one_class(vec![service(1.0 / rate_per_s); n as usize], 0.0);
            assert_matches(&classes, |t| erlang.sf(t), &QUANTILES, &format!("Erlang-{n}"));
        }
    }

    #[test]
    fn mixture_of_two_shifted_classes_matches_the_closed_form() {
        let fast = Mmc::new(640.0, 0.01, 8).unwrap();
        let slow = Mmc::new(15.0, 0.04, 1).unwrap();
        let classes = vec![
            Class {
                probability: 0.7,
                visits: vec![Visit::from_mmc(&fast, 0.01).unwrap()],
                fixed_s: 0.002,
            },
            Class {
                probability: 0.3,
                visits: vec![Visit::from_mmc(&slow, 0.04).unwrap()],
                fixed_s: 0.005,
            },
        ];
        let shifted = |tier: &Mmc, t: f64| if t <= 0.0 { 1.0 } else { tier.response_survival(t) };
        let g = |t: f64| 0.7 * shifted(&fast, t - 0.002) + 0.3 * shifted(&slow, t - 0.005);
        assert_matches(&classes, g, &QUANTILES, "mixture");
        // Between the two shifts only the first class can have finished.
        let t = 0.004;
        assert!(rel_err(survival(&classes, t).unwrap(), g(t)) <= REL_TOL);
    }

    #[test]
    fn mpmath_reference_multi_tier_path() {
        // tests/reference/latency_reference.py (mpmath, 40 digits, Talbot
        // and de Hoog inversions agreeing to 1e-20): web with θ = μ, app, the
        // database visited twice; a second class through web and cache.
        // Tolerance 1e-6 relative.
        let visit = |p_wait, wait_rate_per_s, service_s| Visit {
            p_wait,
            wait_rate_per_s,
            service_s,
            fan_out: 1,
        };
        let db = visit(0.8, 40.0, 0.006);
        let classes = vec![
            Class {
                probability: 0.6,
                visits: vec![visit(0.35, 250.0, 0.004), visit(0.6, 90.0, 0.012), db, db],
                fixed_s: 0.0015,
            },
            Class {
                probability: 0.4,
                visits: vec![visit(0.35, 250.0, 0.0025), visit(0.1, 2000.0, 0.0003)],
                fixed_s: 0.003,
            },
        ];
        assert!(rel_err(mean_s(&classes).unwrap(), 0.04944) <= 1e-14);
        let survivals = [
            (0.01, 0.67238418442757659),
            (0.03, 0.56026008301028256),
            (0.06, 0.37232004829245592),
            (0.1, 0.14365456598100095),
            (0.2, 0.0060231123455175953),
        ];
        for (t, want) in survivals {
            let got = survival(&classes, t).unwrap();
            assert!(rel_err(got, want) <= REL_TOL, "G({t}) = {got} vs {want}");
        }
        let quantiles = [
            (0.5, 0.041432842526202076),
            (0.9, 0.11280470610529457),
            (0.99, 0.185118062442402),
            (0.999, 0.25128355290490765),
        ];
        for (q, want) in quantiles {
            let got = quantile_s(&classes, q).unwrap();
            assert!(rel_err(got, want) <= REL_TOL, "q={q}: {got} vs {want}");
        }
    }

    #[test]
    fn mean_is_the_hand_sum() {
        // Class 1: 1 ms + (0.5/100 s + 2 ms) + 3 ms = 11 ms.
        // Class 2: 0 + (0.2/50 s + 10 ms) = 14 ms.
        // Mean: 0.25·11 + 0.75·14 = 13.25 ms.
        let classes = vec![
            Class {
                probability: 0.25,
                visits: vec![
                    Visit {
                        p_wait: 0.5,
                        wait_rate_per_s: 100.0,
                        service_s: 0.002,
                        fan_out: 1,
                    },
                    service(0.003),
                ],
                fixed_s: 0.001,
            },
            Class {
                probability: 0.75,
                visits: vec![Visit {
                    p_wait: 0.2,
                    wait_rate_per_s: 50.0,
                    service_s: 0.010,
                    fan_out: 1,
                }],
                fixed_s: 0.0,
            },
        ];
        assert!(rel_err(mean_s(&classes).unwrap(), 0.01325) <= 1e-14);
    }

    #[test]
    fn visit_from_mmc_reads_the_wait_law() {
        let tier = Mmc::new(720.0, 0.01, 8).unwrap();
        let visit = Visit::from_mmc(&tier, 0.01).unwrap();
        assert!(rel_err(visit.p_wait, tier.erlang_c()) <= 1e-15);
        assert!(
            rel_err(visit.wait_rate_per_s, 8.0 / 0.01 - 720.0) <= 1e-12,
            "θ = cμ − λ"
        );
        // Allen–Cunneen stretches the wait; the visit's mean follows it.
        let stretched = tier.with_variability(1.0, 2.0).unwrap();
        let visit = Visit::from_mmc(&stretched, 0.01).unwrap();
        assert!(rel_err(visit.mean_s(), stretched.mean_response_s().unwrap()) <= 1e-12);
        // Deterministic arrivals and service: no wait at all.
        let smooth = Visit::from_mmc(&tier.with_variability(0.0, 0.0).unwrap(), 0.01).unwrap();
        assert!(smooth.p_wait.abs() <= 0.0 && smooth.wait_rate_per_s > 0.0);
        let unstable = Mmc::new(900.0, 0.01, 8).unwrap();
        assert!(matches!(
            Visit::from_mmc(&unstable, 0.01),
            Err(LatencyError::UnstableTier { .. })
        ));
        assert!(Visit::from_mmc(&tier, 0.0).is_err());
    }

    #[test]
    fn constant_paths_are_steps() {
        let fixed = one_class(vec![], 0.025);
        for q in [1e-9, 0.5, 0.999] {
            assert!((quantile_s(&fixed, q).unwrap() - 0.025).abs() <= 1e-15);
        }
        assert!((survival(&fixed, 0.0249).unwrap() - 1.0).abs() <= 0.0);
        assert!(survival(&fixed, 0.025).unwrap().abs() <= 0.0);
        let atoms = vec![
            Class {
                probability: 0.3,
                visits: vec![],
                fixed_s: 0.001,
            },
            Class {
                probability: 0.7,
                visits: vec![],
                fixed_s: 0.005,
            },
        ];
        assert!((quantile_s(&atoms, 0.2).unwrap() - 0.001).abs() <= 1e-15);
        assert!((quantile_s(&atoms, 0.5).unwrap() - 0.005).abs() <= 1e-15);
        assert!((survival(&atoms, 0.003).unwrap() - 0.7).abs() <= 1e-15);
    }

    #[test]
    fn an_atom_inside_a_mixture_holds_its_quantiles() {
        // Half the requests take exactly 10 ms, half Exp(mean 5 ms):
        // F(t) = ½(1 − e^{−t/S}) + ½·1{t ≥ 10 ms}.
        let s = 0.005;
        let classes = vec![
            Class {
                probability: 0.5,
                visits: vec![],
                fixed_s: 0.010,
            },
            Class {
                probability: 0.5,
                visits: vec![service(s)],
                fixed_s: 0.0,
            },
        ];
        let cases = [
            (0.4, -s * 0.2f64.ln()), // below the atom: ½(1 − e^{−t/S}) = 0.4
            (0.7, 0.010),            // inside the jump at 10 ms
            (0.95, s * 10f64.ln()),  // above: ½(1 − e^{−t/S}) + ½ = 0.95
        ];
        for (q, want) in cases {
            let got = quantile_s(&classes, q).unwrap();
            assert!(rel_err(got, want) <= 1e-9, "q={q}: {got} vs {want}");
        }
    }

    #[test]
    fn a_visit_that_never_waits_ignores_its_wait_rate() {
        let visit = Visit {
            p_wait: 0.0,
            wait_rate_per_s: f64::NAN,
            service_s: 0.004,
            fan_out: 1,
        };
        let classes = one_class(vec![visit], 0.001);
        let want = 0.001 + 0.004 * 100f64.ln();
        assert!(rel_err(quantile_s(&classes, 0.99).unwrap(), want) <= REL_TOL);
        assert!(rel_err(mean_s(&classes).unwrap(), 0.005) <= 1e-15);
    }

    /// A path spanning 10 µs to 100 s, in one class and across classes.
    fn wide_path() -> Vec<Class> {
        let visit = |p_wait, wait_rate_per_s, service_s| Visit {
            p_wait,
            wait_rate_per_s,
            service_s,
            fan_out: 1,
        };
        vec![
            Class {
                probability: 0.5,
                visits: vec![visit(0.9, 1e5, 1e-5), visit(0.01, 0.02, 100.0)],
                fixed_s: 0.0,
            },
            Class {
                probability: 0.49,
                visits: vec![visit(0.3, 3e4, 1e-5); 3],
                fixed_s: 1e-4,
            },
            Class {
                probability: 0.01,
                visits: vec![],
                fixed_s: 50.0,
            },
        ]
    }

    #[test]
    fn results_are_finite_bounded_and_monotone() {
        let classes = wide_path();
        let mut previous = 1.0;
        for i in 0..=300 {
            let t = 1e-9 * 10f64.powf(i as f64 * 0.05);
            let g = survival(&classes, t).unwrap();
            assert!((0.0..=1.0).contains(&g), "G({t}) = {g}");
            assert!(g <= previous + 1e-9, "G rises at {t}: {g} > {previous}");
            previous = g;
        }
        for t in [f64::NEG_INFINITY, -1.0, 0.0, 1e300, f64::INFINITY] {
            let g = survival(&classes, t).unwrap();
            assert!((0.0..=1.0).contains(&g), "G({t}) = {g}");
        }
        let mut previous = 0.0;
        for q in [1e-12, 1e-6, 0.01, 0.3, 0.5, 0.505, 0.9, 0.99, 0.995, 0.999, 1.0 - 1e-9] {
            let t = quantile_s(&classes, q).unwrap();
            assert!(t.is_finite() && t >= previous, "q={q}: {t} after {previous}");
            previous = t;
        }
    }

    #[test]
    fn a_wide_path_matches_its_closed_form() {
        // 10 µs and 100 s services in one class, after a 3 ms shift: the
        // shifted hypoexponential survival.
        let (a, b) = (1e5, 0.01);
        let g = |t: f64| {
            let u = t - 0.003;
            if u <= 0.0 {
                1.0
            } else {
                (b * (-a * u).exp() - a * (-b * u).exp()) / (b - a)
            }
        };
        let classes = one_class(vec![service(1.0 / a), service(1.0 / b)], 0.003);
        assert_matches(&classes, g, &[1e-6, 0.5, 0.99], "10 µs + 100 s");
    }

    #[test]
    fn quantiles_take_few_evaluations() {
        // The planner's budget: 6 classes × 4 visits; each evaluation is one
        // transform inversion per class (31 nodes), so the count is the cost.
        let classes: Vec<Class> = (0..6)
            .map(|i| Class {
                probability: 1.0 / 6.0,
                visits: (0..4)
                    .map(|j| Visit {
                        p_wait: 0.3 + 0.1 * j as f64,
                        wait_rate_per_s: 50.0 + 10.0 * i as f64,
                        service_s: 0.001 * (1 + i + j) as f64,
                        fan_out: 1,
                    })
                    .collect(),
                fixed_s: 0.001 * i as f64,
            })
            .collect();
        let total = validate(&classes).unwrap();
        for q in [0.01, 0.5, 0.9, 0.99, 0.999, 0.9999] {
            let (_, evaluations) = solve_quantile(&classes, total, q);
            assert!(evaluations <= 8, "q={q}: {evaluations} evaluations");
        }
    }

    #[test]
    fn invalid_paths_are_rejected_by_field() {
        let good = Visit {
            p_wait: 0.5,
            wait_rate_per_s: 10.0,
            service_s: 0.01,
            fan_out: 1,
        };
        let with_visit = |v: Visit| one_class(vec![v], 0.0);
        let cases: Vec<(Vec<Class>, &str)> = vec![
            (vec![], "at least one class"),
            (
                vec![Class {
                    probability: -0.1,
                    visits: vec![],
                    fixed_s: 0.0,
                }],
                "classes[0].probability must be in [0, 1]",
            ),
            (
                vec![Class {
                    probability: 0.6,
                    visits: vec![],
                    fixed_s: 0.0,
                }],
                "sum to 1, got 0.6",
            ),
            (one_class(vec![], f64::NAN), "classes[0].fixed_s"),
            (one_class(vec![], -1.0), "classes[0].fixed_s"),
            (with_visit(Visit { p_wait: 1.5, ..good }), "classes[0].visits[0].p_wait"),
            (
                with_visit(Visit {
                    p_wait: f64::NAN,
                    ..good
                }),
                "visits[0].p_wait",
            ),
            (
                with_visit(Visit {
                    wait_rate_per_s: 0.0,
                    ..good
                }),
                "visits[0].wait_rate_per_s must be a finite rate > 0",
            ),
            (
                with_visit(Visit {
                    wait_rate_per_s: f64::INFINITY,
                    ..good
                }),
                "visits[0].wait_rate_per_s",
            ),
            (with_visit(Visit { service_s: 0.0, ..good }), "visits[0].service_s"),
            (
                with_visit(Visit {
                    service_s: f64::NAN,
                    ..good
                }),
                "visits[0].service_s",
            ),
        ];
        for (classes, message) in cases {
            for error in [
                mean_s(&classes).unwrap_err(),
                survival(&classes, 0.1).unwrap_err(),
                quantile_s(&classes, 0.5).unwrap_err(),
            ] {
                assert!(error.to_string().contains(message), "{error} lacks {message}");
            }
        }
        let classes = with_visit(good);
        for q in [0.0, 1.0, -0.5, f64::NAN] {
            assert!(
                matches!(quantile_s(&classes, q), Err(LatencyError::Quantile(_))),
                "q={q}"
            );
        }
        assert!(matches!(survival(&classes, f64::NAN), Err(LatencyError::Time(_))));
    }

    #[test]
    fn a_fan_out_of_exponentials_matches_the_power_of_the_cdf() {
        // No waits: P(max of k Exp(1/S) ≤ t) = (1 − e^{−t/S})^k, exactly.
        let s = 0.002;
        for k in [2u32, 4, 16, 64] {
            let g = |t: f64| 1.0 - (-(-t / s).exp_m1()).powi(k as i32);
            let classes = one_class(vec![service(s).max_of(k)], 0.0);
            assert_matches(&classes, g, &QUANTILES, &format!("max of {k} Exp"));
            // The mean is S·H_k (H_k the k-th harmonic number).
            let harmonic: f64 = (1..=k).map(|j| 1.0 / j as f64).sum();
            assert!(rel_err(mean_s(&classes).unwrap(), s * harmonic) <= 1e-13, "k={k}");
        }
    }

    #[test]
    fn a_fan_out_is_the_sum_of_exponentials_of_rates_mu_to_k_mu() {
        // The max of k Exp(μ) is Exp(μ) + Exp(2μ) + … + Exp(kμ) (Rényi):
        // behind a second tier and a constant it must match the plain path
        // of those k + 1 visits, an existing (independently tested) class.
        let s = 0.003;
        let web = Visit {
            p_wait: 0.4,
            wait_rate_per_s: 150.0,
            service_s: 0.02,
            fan_out: 1,
        };
        for k in [3u32, 8] {
            let fanned = one_class(vec![web, service(s).max_of(k)], 0.004);
            let mut plain = vec![web];
            plain.extend((1..=k).map(|j| service(s / j as f64)));
            let plain = one_class(plain, 0.004);
            for q in QUANTILES {
                let (got, want) = (quantile_s(&fanned, q).unwrap(), quantile_s(&plain, q).unwrap());
                assert!(rel_err(got, want) <= REL_TOL, "k={k} q={q}: {got} vs {want}");
            }
            assert!(rel_err(mean_s(&fanned).unwrap(), mean_s(&plain).unwrap()) <= 1e-13);
        }
    }

    #[test]
    fn a_fan_out_of_mmc_visits_matches_the_power_of_the_response_cdf() {
        // Copies that wait: F(t) from the M/M/c response-time closed form
        // (queueing::mmc), raised to the k-th power; includes θ = μ.
        for (servers, rate, service_s) in [(8, 720.0, 0.01), (3, 4.0, 0.5), (1, 0.5, 1.0)] {
            let tier = Mmc::new(rate, service_s, servers).unwrap();
            for k in [2u32, 5, 20, 64] {
                let g = |t: f64| 1.0 - (1.0 - tier.response_survival(t)).powi(k as i32);
                let visit = Visit::from_mmc(&tier, service_s).unwrap().max_of(k);
                let classes = one_class(vec![visit], 0.0);
                assert_matches(&classes, g, &QUANTILES, &format!("c={servers} max of {k}"));
                // Mean: ∫ (1 − F(t)^k) dt by Simpson's rule far into the tail.
                let end = 60.0 * tier.mean_response_s().unwrap();
                let n = 200_000;
                let h = end / n as f64;
                let integral: f64 = (0..=n)
                    .map(|i| {
                        let weight = if i == 0 || i == n {
                            1.0
                        } else if i % 2 == 1 {
                            4.0
                        } else {
                            2.0
                        };
                        weight * g(i as f64 * h)
                    })
                    .sum::<f64>()
                    * h
                    / 3.0;
                let mean = mean_s(&classes).unwrap();
                assert!(
                    rel_err(mean, integral) <= 1e-9,
                    "c={servers} k={k}: {mean} vs {integral}"
                );
            }
        }
    }

    #[test]
    fn fan_outs_that_share_a_chain_match_fresh_ones_bit_for_bit() {
        // The workspace goes on from the level the last fan-out reached
        // (and starts afresh below it or for another visit or time); that
        // must change no bit of any transform.
        let visit = Visit {
            p_wait: 0.6,
            wait_rate_per_s: 80.0,
            service_s: 0.004,
            fan_out: 1,
        };
        let other = Visit { p_wait: 0.0, ..visit };
        let terms = 45;
        let mut shared = FanOutWork::default();
        for (v, k, u) in [
            (visit, 2, 0.01),
            (visit, 3, 0.01),
            (visit, 3, 0.01),
            (visit, 2, 0.01),
            (other, 4, 0.01),
            (visit, 5, 0.02),
        ] {
            let (re, im) = shared.transform(&v.max_of(k), u, terms);
            let mut fresh = FanOutWork::default();
            let (want_re, want_im) = fresh.transform(&v.max_of(k), u, terms);
            let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(re), bits(want_re), "k={k} u={u}");
            assert_eq!(bits(im), bits(want_im), "k={k} u={u}");
        }
    }

    #[test]
    fn fan_out_counts_outside_1_to_64_are_rejected() {
        for k in [0u32, 65] {
            let classes = one_class(vec![service(0.01).max_of(k)], 0.0);
            let error = quantile_s(&classes, 0.5).unwrap_err().to_string();
            assert!(
                error.contains("visits[0].fan_out must be a count of copies from 1 to 64"),
                "{error}"
            );
        }
    }

    #[test]
    fn probabilities_within_rounding_are_renormalized() {
        let half = |fixed_s| Class {
            probability: 0.5 + 1e-12,
            visits: vec![],
            fixed_s,
        };
        let classes = vec![half(0.001), half(0.002)];
        assert!(rel_err(mean_s(&classes).unwrap(), 0.0015) <= 1e-14);
    }
}
