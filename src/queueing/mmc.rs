//! The M/M/c queue: Poisson arrivals, exponential service, `c` identical
//! servers, one FIFO queue. Erlang B by recursion, Erlang C, the mean
//! measures, and exact waiting- and response-time distributions.

use crate::search::bisect_decreasing;
use std::fmt;

/// Why an M/M/c could not be built from the given numbers. The messages
/// name the quantity, not a command-line flag: the planner builds queues
/// from workload files as well, and a caller that knows the flag says so.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueError {
    /// The arrival rate is negative or not finite.
    ArrivalRate(f64),
    /// The service time is not positive or not finite.
    ServiceTime(f64),
    /// Zero servers.
    Servers,
    /// A quantile outside (0, 1).
    Quantile(f64),
    /// A coefficient of variation that is negative or not finite.
    Variability(&'static str, f64),
    /// A sizing constraint out of range: (flag, what is accepted, value).
    Constraint(&'static str, &'static str, f64),
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::ArrivalRate(v) => write!(f, "the arrival rate must be a finite rate ≥ 0, got {v}"),
            QueueError::ServiceTime(v) => write!(f, "the service time must be a finite time > 0, got {v}"),
            QueueError::Servers => write!(f, "a queue needs at least 1 server"),
            QueueError::Quantile(q) => write!(f, "a quantile must lie strictly between 0 and 1, got {q}"),
            QueueError::Constraint(name, accepted, v) => write!(f, "{name} must be {accepted}, got {v}"),
            QueueError::Variability(name, v) => {
                write!(
                    f,
                    "{name} must be a finite coefficient of variation ≥ 0 whose square stays finite, got {v}"
                )
            }
        }
    }
}

impl std::error::Error for QueueError {}

/// Standard deviations of Poisson(a) below its mean where the Erlang B
/// recursion may start: the mass left out is below Φ(−12) ≈ 2e-33.
const RECURSION_START_SIGMAS: f64 = 12.0;

/// Standard deviations of Poisson(a) above its mean past which Erlang B is
/// below the smallest double (see [`erlang_b`]), for loads of at least
/// [`FAR_ABOVE_MIN_LOAD`] Erlangs.
const FAR_ABOVE_SIGMAS: f64 = 40.0;
const FAR_ABOVE_MIN_LOAD: f64 = 1e6;

/// Erlang B blocking probability `B(c, a)`.
///
/// ```text
/// B(0) = 1,   B(n) = a·B(n−1) / (n + a·B(n−1))
/// ```
/// where `c` is the number of servers and `a` the offered load in Erlangs.
/// It runs as `1/B(n) = 1 + (n/a)·(1/B(n−1))`, which is stable and needs
/// no factorial or power. For large `a` it starts `12·√a` below `a` from the
/// fluid value `1/B ≈ a/(a−n)`: terms further down weigh less than 1e-30
/// relative, so the result keeps full precision while the cost is
/// `O(√a)` rather than `O(c)`; once `1/B` overflows, `B` is 0 to double
/// precision. `a = 0` gives 0 (for `c ≥ 1`).
///
/// Far above the load it returns 0 without a step: `B ≤ 2·p(c)` for
/// `c > a` (`p` the Poisson(a) mass), and `p(c)/p(a) ≤ e^{−(c−a)²/(2c)}`,
/// which for `a ≥ 10⁶` and `c ≥ a + 40√a` is below `e^{−769}`, under the
/// smallest double. A farm sized well below its ceiling (a sized tier at
/// 1e11 Erlangs and 50 % utilization) then costs nothing to evaluate.
///
/// ```
/// use scaleplan::queueing::mmc::erlang_b;
/// // Two servers, one Erlang: B = (1/2) / (1 + 1 + 1/2) = 0.2.
/// assert!((erlang_b(2, 1.0) - 0.2).abs() < 1e-15);
/// ```
pub fn erlang_b(servers: u64, offered_load: f64) -> f64 {
    if servers == 0 {
        return 1.0;
    }
    if offered_load <= 0.0 {
        return 0.0;
    }
    let a = offered_load;
    if a >= FAR_ABOVE_MIN_LOAD && servers as f64 >= a + FAR_ABOVE_SIGMAS * a.sqrt() {
        return 0.0;
    }
    // Start below min(c, a): below `a` the error in the start value shrinks by
    // n/a per step, and 12√a steps leave less than e^-72 of it.
    let start = ((servers as f64).min(a) - RECURSION_START_SIGMAS * a.sqrt()).floor();
    let (mut n, mut inverse) = if start >= 1.0 && (start as u64) < servers {
        (start as u64, a / (a - start))
    } else {
        (0, 1.0)
    };
    let inv_a = 1.0 / a;
    while n < servers {
        n += 1;
        inverse = 1.0 + (n as f64 * inv_a) * inverse;
        if inverse.is_infinite() {
            return 0.0;
        }
    }
    1.0 / inverse
}

/// Erlang C: the probability that an arrival waits, `C(c, a)`.
///
/// ```text
/// C = c·B / (c − a·(1 − B))
/// ```
/// where `B = B(c, a)` is Erlang B. Defined for a stable queue (`a < c`);
/// at or beyond saturation every arrival waits and this returns 1.
///
/// ```
/// use scaleplan::queueing::mmc::erlang_c;
/// // M/M/1: C = ρ.
/// assert!((erlang_c(1, 0.75) - 0.75).abs() < 1e-15);
/// ```
pub fn erlang_c(servers: u64, offered_load: f64) -> f64 {
    let c = servers as f64;
    if offered_load >= c {
        return 1.0;
    }
    let b = erlang_b(servers, offered_load);
    (c * b / (c - offered_load * (1.0 - b))).clamp(0.0, 1.0)
}

/// One M/M/c queue with its inputs checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mmc {
    arrival_rate_per_s: f64,
    service_time_s: f64,
    servers: u64,
    /// Erlang C, computed once at construction.
    p_wait: f64,
    /// Allen–Cunneen factor `(ca² + cs²)/2` applied to the wait; 1 for M/M/c.
    wait_scale: f64,
}

impl Mmc {
    /// An M/M/c with arrival rate `λ` (per second), mean service time `S`
    /// (seconds, `μ = 1/S`) and `c` servers. Rejects negative or non-finite
    /// rates, non-positive service times and zero servers.
    pub fn new(arrival_rate_per_s: f64, service_time_s: f64, servers: u64) -> Result<Mmc, QueueError> {
        if !(arrival_rate_per_s.is_finite() && arrival_rate_per_s >= 0.0) {
            return Err(QueueError::ArrivalRate(arrival_rate_per_s));
        }
        if !(service_time_s.is_finite() && service_time_s > 0.0) {
            return Err(QueueError::ServiceTime(service_time_s));
        }
        if servers == 0 {
            return Err(QueueError::Servers);
        }
        let a = arrival_rate_per_s * service_time_s;
        Ok(Mmc {
            arrival_rate_per_s,
            service_time_s,
            servers,
            p_wait: erlang_c(servers, a),
            wait_scale: 1.0,
        })
    }

    /// The same queue with general arrivals and service (G/G/c) by the
    /// Allen–Cunneen approximation.
    ///
    /// ```text
    /// Wq(G/G/c) ≈ Wq(M/M/c) · (ca² + cs²) / 2
    /// ```
    /// where `ca` and `cs` are the coefficients of variation of the
    /// inter-arrival and service times (1 and 1 give back M/M/c). The whole
    /// conditional wait is stretched by the same factor (`P(Wq > t) =
    /// C·e^{−θt/k}`), so quantiles stay consistent with the mean; the
    /// service part of the response time stays exponential. Both must be
    /// finite and ≥ 0; `ca = cs = 0` (deterministic) gives no wait at all.
    pub fn with_variability(mut self, ca: f64, cs: f64) -> Result<Mmc, QueueError> {
        for (name, v) in [("the arrival variability ca", ca), ("the service variability cs", cs)] {
            // ca² and cs² must stay finite too: a factor of infinity would
            // make a stable queue's mean wait undefined.
            if !(v.is_finite() && v >= 0.0 && (v * v).is_finite()) {
                return Err(QueueError::Variability(name, v));
            }
        }
        self.wait_scale = (ca * ca + cs * cs) / 2.0;
        if self.wait_scale == 0.0 {
            self.p_wait = 0.0;
        }
        Ok(self)
    }

    pub fn arrival_rate_per_s(&self) -> f64 {
        self.arrival_rate_per_s
    }

    pub fn service_time_s(&self) -> f64 {
        self.service_time_s
    }

    pub fn servers(&self) -> u64 {
        self.servers
    }

    /// Offered load `a = λ·S` in Erlangs.
    pub fn offered_load(&self) -> f64 {
        self.arrival_rate_per_s * self.service_time_s
    }

    /// Utilization `ρ = a / c` (may exceed 1 for an unstable queue).
    pub fn utilization(&self) -> f64 {
        self.offered_load() / self.servers as f64
    }

    /// Stable iff `a < c`.
    pub fn is_stable(&self) -> bool {
        self.offered_load() < self.servers as f64
    }

    /// Erlang B for this queue's `c` and `a`.
    pub fn erlang_b(&self) -> f64 {
        erlang_b(self.servers, self.offered_load())
    }

    /// Erlang C, the probability of waiting: `P(Wq > 0)`.
    pub fn erlang_c(&self) -> f64 {
        self.p_wait
    }

    /// Service rate of one server, `μ = 1/S`.
    fn mu(&self) -> f64 {
        1.0 / self.service_time_s
    }

    /// Decay rate of the conditional wait, `θ = (cμ − λ)/k` with `k` the
    /// Allen–Cunneen factor (positive iff stable).
    fn theta(&self) -> f64 {
        (self.servers as f64 * self.mu() - self.arrival_rate_per_s) / self.wait_scale
    }

    /// Decay rate of the wait given that a request waits, `θ = (cμ − λ)/k`
    /// (`k` the Allen–Cunneen factor, 1 for M/M/c): `P(Wq > t) = C·e^{−θt}`.
    /// Not positive when the queue is unstable.
    pub fn wait_rate_per_s(&self) -> f64 {
        self.theta()
    }

    /// Mean wait in queue, `Wq = C / (cμ − λ)` (times the Allen–Cunneen
    /// factor when set); `None` when unstable.
    pub fn mean_wait_s(&self) -> Option<f64> {
        self.is_stable().then(|| self.p_wait / self.theta())
    }

    /// Mean response time, `W = Wq + S`; `None` when unstable.
    pub fn mean_response_s(&self) -> Option<f64> {
        self.mean_wait_s().map(|wq| wq + self.service_time_s)
    }

    /// Mean number waiting, `Lq = C·ρ/(1 − ρ)` (= λ·Wq); `None` when unstable.
    pub fn mean_queue_length(&self) -> Option<f64> {
        self.mean_wait_s().map(|wq| self.arrival_rate_per_s * wq)
    }

    /// Mean number in the system, `L = λ·W`; `None` when unstable.
    pub fn mean_in_system(&self) -> Option<f64> {
        self.mean_response_s().map(|w| self.arrival_rate_per_s * w)
    }

    /// The `q`-quantile of the wait in queue.
    ///
    /// ```text
    /// P(Wq > t) = C·e^{−θt}  ⇒  t_q = 0 if 1−q ≥ C, else ln(C/(1−q)) / θ
    /// ```
    /// with `θ = cμ − λ`. `None` when unstable or `q` is outside (0, 1).
    pub fn wait_quantile_s(&self, q: f64) -> Option<f64> {
        if !(self.is_stable() && q > 0.0 && q < 1.0) {
            return None;
        }
        Some(self.wait_tail_time_s(1.0 - q))
    }

    /// `P(T > t)` for the response (sojourn) time `T = Wq + service`.
    ///
    /// ```text
    /// P(T > t) = (1−C)·e^{−μt} + C·(θ·e^{−μt} − μ·e^{−θt}) / (θ − μ)
    /// ```
    /// The second term is evaluated as `e^{−m·t}·(1 + m·g)` with
    /// `m = min(θ, μ)`, `d = |θ − μ|`, `g = (1 − e^{−d·t})/d` (→ `t` as
    /// `d → 0`), which has no cancellation near `θ = μ` and no overflow.
    /// Returns 1 for an unstable queue (the wait grows without bound).
    pub fn response_survival(&self, t: f64) -> f64 {
        if !self.is_stable() {
            return 1.0;
        }
        if t <= 0.0 {
            return 1.0;
        }
        let (mu, theta, c) = (self.mu(), self.theta(), self.p_wait);
        let (m, d) = (mu.min(theta), (mu - theta).abs());
        let g = if d * t > 1e-300 { -(-d * t).exp_m1() / d } else { t };
        let waited = (-m * t).exp() * (1.0 + m * g);
        ((1.0 - c) * (-mu * t).exp() + c * waited).clamp(0.0, 1.0)
    }

    /// The `q`-quantile of the response time: the `t` with
    /// `P(T > t) = 1 − q`, by bracketing and bisection to a relative
    /// error below 1e-12. `None` when unstable or `q` outside (0, 1).
    pub fn response_quantile_s(&self, q: f64) -> Option<f64> {
        if !(self.is_stable() && q > 0.0 && q < 1.0) {
            return None;
        }
        let tail = 1.0 - q;
        // T is at least the service time, so its quantile is at least the
        // service quantile; P(W + S > w + s) ≤ P(W > w) + P(S > s) gives an
        // upper bracket from the two half-tail quantiles.
        let low = self.service_time_s * (1.0 / tail).ln();
        let half = 0.5 * tail;
        let high = self.service_time_s * (1.0 / half).ln() + self.wait_tail_time_s(half);
        Some(bisect_decreasing(|t| self.response_survival(t) - tail, low, high))
    }

    /// The `t` with `P(Wq > t) = tail` (0 when `tail ≥ C`).
    fn wait_tail_time_s(&self, tail: f64) -> f64 {
        if tail >= self.p_wait {
            0.0
        } else {
            (self.p_wait / tail).ln() / self.theta()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut far above the load gives what the recursion gives: 0.
    #[test]
    fn far_above_the_load_erlang_b_is_zero_as_the_recursion_says() {
        for a in [1e6f64, 3.7e8, 1e12] {
            let c = (a + FAR_ABOVE_SIGMAS * a.sqrt()).ceil() as u64;
            assert_eq!(erlang_b(c, a), 0.0);
            // Just below the cut the recursion runs and also underflows, or
            // is already far below any probability that matters.
            let below = (a + (FAR_ABOVE_SIGMAS - 1.0) * a.sqrt()).floor() as u64;
            assert!(erlang_b(below, a) < 1e-300, "a = {a}");
        }
    }

    /// A stable queue's mean exists; a variability whose square overflows
    /// is refused rather than giving a stable queue without one.
    #[test]
    fn variability_whose_square_overflows_is_refused() {
        let q = Mmc::new(1.0, 0.01, 1).unwrap();
        assert!(q.with_variability(1.0, 1e300).is_err());
        assert!(q.with_variability(1e200, 1.0).is_err());
        let stretched = q.with_variability(10.0, 10.0).unwrap();
        assert!(stretched.mean_wait_s().is_some_and(f64::is_finite));
    }
}
