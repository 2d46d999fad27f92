//! Service demands from production measurements (DESIGN §11): per tier,
//! the Utilization Law fitted over time windows, and — where latencies
//! were measured — the service time and its coefficient of variation that
//! the tier's M/M/c (Allen–Cunneen) needs to give the observed latencies.
//!
//! Pure: no I/O. The windows come from [`super::measurements`].

use super::regression::{fit_line, Line};
use crate::queueing::Mmc;

/// Confidence level of the demand's interval.
pub const CONFIDENCE: f64 = 0.95;
/// Windows at or above this utilization are left out: near saturation the
/// measured utilization is capped at 1 while throughput is not, which
/// bends the line the Utilization Law assumes.
pub const SATURATED_UTILIZATION: f64 = 0.95;
/// A line with an intercept and an interval needs three points.
pub const MIN_FIT_WINDOWS: usize = 3;
/// Fewer usable windows than this are flagged (`enough_windows` false):
/// the t quantile is then above 2.3 and one odd window moves the line.
pub const FEW_WINDOWS: usize = 10;
/// The coefficient of variation is searched in `[0, CV_MAX]`.
pub const CV_MAX: f64 = 4.0;
const CV_GRID_STEP: f64 = 0.05;
const CV_TOLERANCE: f64 = 1e-7;
/// Origins listed in a note before "…".
const LISTED_ORIGINS: usize = 5;

/// Columns of a `fit demand` file (CSV, or the series of a Prometheus
/// export): required, then optional (latencies).
pub const DEMAND_REQUIRED: [&str; 4] = ["tier", "cores", "throughput_per_s", "utilization"];
pub const DEMAND_OPTIONAL: [&str; 3] = ["mean_response_s", "p50_response_s", "p99_response_s"];

/// What a `fit demand` file holds, whichever its format: the windows, and
/// per tier what was left out while reading.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measurements {
    pub windows: Vec<Window>,
    /// `(tier, sentence)`.
    pub notes: Vec<(String, String)>,
}

/// One time window of one tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub tier: String,
    /// Cores the tier had in the window (`c`).
    pub cores: u64,
    /// Completed requests per second (`X`).
    pub throughput_per_s: f64,
    /// Busy fraction of the `c` cores (`U`), 0..1.
    pub utilization: f64,
    pub mean_response_s: Option<f64>,
    pub p50_response_s: Option<f64>,
    pub p99_response_s: Option<f64>,
    /// Where the window came from, for notes: `line 7`, `t=1700000060`.
    pub origin: String,
}

impl Window {
    fn latencies(&self) -> impl Iterator<Item = (Statistic, f64)> + '_ {
        [
            (Statistic::Mean, self.mean_response_s),
            (Statistic::Quantile(0.5), self.p50_response_s),
            (Statistic::Quantile(0.99), self.p99_response_s),
        ]
        .into_iter()
        .filter_map(|(stat, value)| value.map(|v| (stat, v)))
    }
}

/// The Utilization Law fit of one tier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemandFit {
    /// Core-seconds per request, `D` (the slope).
    pub demand_s: f64,
    /// Interval for `D` at [`CONFIDENCE`].
    pub demand_low_s: f64,
    pub demand_high_s: f64,
    pub demand_se_s: f64,
    /// Utilization with no requests, `U₀` (the intercept).
    pub background_utilization: f64,
    pub r_squared: Option<f64>,
}

impl DemandFit {
    fn from_line(line: &Line) -> DemandFit {
        DemandFit {
            demand_s: line.slope,
            demand_low_s: line.slope_low,
            demand_high_s: line.slope_high,
            demand_se_s: line.slope_se,
            background_utilization: line.intercept,
            r_squared: line.r_squared,
        }
    }
}

/// Service time and variability consistent with the latencies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyFit {
    pub service_time_s: f64,
    /// `None` when only one kind of latency statistic was measured (the
    /// time is then fitted with `cs = 1`).
    pub service_cv: Option<f64>,
    /// Root mean square of `ln(model/observed)`: a relative error.
    pub residual: f64,
    /// Latency figures used.
    pub observations: usize,
    /// The best `cs` is at the end of the searched range.
    pub cv_at_limit: bool,
}

/// Everything estimated for one tier.
#[derive(Debug, Clone, PartialEq)]
pub struct TierEstimate {
    pub tier: String,
    pub windows: usize,
    /// Windows fitted (utilization below [`SATURATED_UTILIZATION`]).
    pub used: usize,
    pub saturated: usize,
    /// Origins of the fitted windows, in input order.
    pub used_origins: Vec<String>,
    pub demand: Option<DemandFit>,
    pub latency: Option<LatencyFit>,
    pub enough_windows: bool,
    /// What was left out or is doubtful, in sentences.
    pub notes: Vec<String>,
}

/// Per tier (in order of first appearance): the Utilization Law by least
/// squares over the windows below saturation, and the latency fit.
///
/// ```text
/// U_i = U₀ + D · X_i / c_i
/// ```
/// where `U_i` is the window's utilization of its `c_i` cores, `X_i` its
/// throughput (per second), `D` the service demand (core-seconds per
/// request) and `U₀` the background utilization. `D` and `U₀` come from
/// [`fit_line`] with `x = X/c`, `y = U`; the interval is Student's t at
/// [`CONFIDENCE`].
pub fn estimate(windows: &[Window]) -> Vec<TierEstimate> {
    let mut tiers: Vec<&str> = Vec::new();
    for w in windows {
        if !tiers.contains(&w.tier.as_str()) {
            tiers.push(&w.tier);
        }
    }
    tiers
        .into_iter()
        .map(|tier| {
            let own: Vec<&Window> = windows.iter().filter(|w| w.tier == tier).collect();
            estimate_tier(tier, &own)
        })
        .collect()
}

fn estimate_tier(tier: &str, windows: &[&Window]) -> TierEstimate {
    let (used, saturated): (Vec<&Window>, Vec<&Window>) =
        windows.iter().partition(|w| w.utilization < SATURATED_UTILIZATION);
    let mut notes = Vec::new();
    if !saturated.is_empty() {
        notes.push(format!(
            "{} at utilization ≥ {:.0}% left out ({})",
            counted(saturated.len(), "window"),
            100.0 * SATURATED_UTILIZATION,
            list_origins(&saturated)
        ));
    }
    let demand = fit_demand(&used, &mut notes);
    let latency = fit_latency(&used);
    if let Some(l) = &latency {
        latency_notes(l, &mut notes);
    }
    TierEstimate {
        tier: tier.to_string(),
        windows: windows.len(),
        used: used.len(),
        saturated: saturated.len(),
        used_origins: used.iter().map(|w| w.origin.clone()).collect(),
        demand,
        latency,
        enough_windows: used.len() >= FEW_WINDOWS,
        notes,
    }
}

fn fit_demand(used: &[&Window], notes: &mut Vec<String>) -> Option<DemandFit> {
    if used.len() < MIN_FIT_WINDOWS {
        notes.push(format!(
            "only {} below saturation: a fit needs at least {MIN_FIT_WINDOWS}",
            counted(used.len(), "window")
        ));
        return None;
    }
    if used.len() < FEW_WINDOWS {
        notes.push(format!(
            "only {}: the interval is wide ({FEW_WINDOWS} or more advised)",
            counted(used.len(), "window")
        ));
    }
    let x: Vec<f64> = used.iter().map(|w| w.throughput_per_s / w.cores as f64).collect();
    let y: Vec<f64> = used.iter().map(|w| w.utilization).collect();
    let Some(line) = fit_line(&x, &y, CONFIDENCE) else {
        notes
            .push("throughput per core does not vary across windows (or overflows): demand and background cannot be told apart".into());
        return None;
    };
    if line.slope <= 0.0 {
        notes.push("utilization does not rise with throughput: the fitted demand is not positive".into());
    }
    Some(DemandFit::from_line(&line))
}

fn latency_notes(l: &LatencyFit, notes: &mut Vec<String>) {
    if l.service_cv.is_none() {
        notes.push("one kind of latency figure only: cv cannot be told apart, service time fitted with cv = 1".into());
    }
    if l.cv_at_limit {
        notes.push(format!("cv reached the end of the searched range ({CV_MAX})"));
    }
}

/// `1 window`, `3 windows`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn list_origins(windows: &[&Window]) -> String {
    let mut listed: Vec<&str> = windows.iter().take(LISTED_ORIGINS).map(|w| w.origin.as_str()).collect();
    if windows.len() > LISTED_ORIGINS {
        listed.push("…");
    }
    listed.join(", ")
}

/// Which latency figure an observation is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Statistic {
    Mean,
    Quantile(f64),
}

/// One measured latency figure and the queue state it was measured in.
#[derive(Debug, Clone, Copy)]
struct Observation {
    cores: u64,
    utilization: f64,
    statistic: Statistic,
    value_s: f64,
}

impl Observation {
    /// The figure the model gives with service time 1 s and service cv
    /// `cs`: an M/M/c of `c` cores at offered load `a = U·c` (so arrivals
    /// at `λ = U·c` per second), its wait stretched by Allen–Cunneen.
    fn unit_model(&self, cs: f64) -> Option<f64> {
        let queue = Mmc::new(self.utilization * self.cores as f64, 1.0, self.cores)
            .and_then(|q| q.with_variability(1.0, cs))
            .ok()?;
        let value = match self.statistic {
            Statistic::Mean => queue.mean_response_s()?,
            Statistic::Quantile(q) => queue.response_quantile_s(q)?,
        };
        (value > 0.0 && value.is_finite()).then_some(value)
    }
}

/// Service time `S` and cv `cs` such that the tier's queue gives the
/// observed latencies, by least squares on their logarithms.
///
/// ```text
/// minimise  Σ_i (ln T_i(S, cs) − ln T̂_i)²
/// T_i(S, cs) = S · h_i(cs)
/// ```
/// where `T̂_i` is an observed mean, p50 or p99, and `h_i` the same figure
/// of an M/M/c with `c_i` cores at the window's observed utilization `U_i`
/// (offered load `U_i·c_i`: busy cores delay requests whatever keeps them
/// busy) and service time 1, its wait scaled by Allen–Cunneen
/// `(1 + cs²)/2` (Poisson arrivals). At fixed utilization every time
/// scales with `S`, so for each `cs` the best `ln S` is the mean of
/// `ln T̂_i − ln h_i(cs)`; `cs` is then found by a grid over
/// `[0, CV_MAX]` refined by golden-section search. The residual is
/// `√(RSS/m)` over the `m` figures.
///
/// `cs` only shows in the wait, so it needs two kinds of figure (a mean
/// and a p99, say); with one kind, `cs = 1` and `service_cv` is `None`.
/// `None` when no window has a latency.
fn fit_latency(windows: &[&Window]) -> Option<LatencyFit> {
    let observations: Vec<Observation> = windows
        .iter()
        .flat_map(|w| {
            w.latencies().map(|(statistic, value_s)| Observation {
                cores: w.cores,
                utilization: w.utilization,
                statistic,
                value_s,
            })
        })
        .collect();
    if observations.is_empty() {
        return None;
    }
    let kinds = distinct_statistics(&observations);
    let (cs, (ln_s, rss)) = if kinds >= 2 {
        let cs = best_cv(&observations)?;
        (Some(cs), profile(&observations, cs)?)
    } else {
        (None, profile(&observations, 1.0)?)
    };
    Some(LatencyFit {
        service_time_s: ln_s.exp(),
        service_cv: cs,
        residual: (rss / observations.len() as f64).sqrt(),
        observations: observations.len(),
        cv_at_limit: cs.is_some_and(|c| c >= CV_MAX - CV_GRID_STEP / 10.0),
    })
}

fn distinct_statistics(observations: &[Observation]) -> usize {
    let mut kinds: Vec<Statistic> = Vec::new();
    for o in observations {
        if !kinds.contains(&o.statistic) {
            kinds.push(o.statistic);
        }
    }
    kinds.len()
}

/// For a given `cs`: the best `ln S` and the residual sum of squares.
fn profile(observations: &[Observation], cs: f64) -> Option<(f64, f64)> {
    let gaps: Vec<f64> = observations
        .iter()
        .map(|o| o.unit_model(cs).map(|h| o.value_s.ln() - h.ln()))
        .collect::<Option<_>>()?;
    let ln_s = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let rss = gaps.iter().map(|g| (g - ln_s).powi(2)).sum();
    Some((ln_s, rss))
}

/// The `cs` in `[0, CV_MAX]` with the least residual: the best point of a
/// grid, then golden-section search between its neighbours.
fn best_cv(observations: &[Observation]) -> Option<f64> {
    let rss = |cs: f64| profile(observations, cs).map_or(f64::INFINITY, |p| p.1);
    let steps = (CV_MAX / CV_GRID_STEP).round() as usize;
    let (best, best_rss) = (0..=steps)
        .map(|i| i as f64 * CV_GRID_STEP)
        .map(|cs| (cs, rss(cs)))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    if !best_rss.is_finite() {
        return None;
    }
    let lo = (best - CV_GRID_STEP).max(0.0);
    let hi = (best + CV_GRID_STEP).min(CV_MAX);
    Some(golden_section(&rss, lo, hi))
}

/// Minimum of a unimodal `f` on `[lo, hi]` to [`CV_TOLERANCE`].
fn golden_section(f: &dyn Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut a = hi - ratio * (hi - lo);
    let mut b = lo + ratio * (hi - lo);
    let (mut fa, mut fb) = (f(a), f(b));
    while hi - lo > CV_TOLERANCE {
        if fa <= fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - ratio * (hi - lo);
            fa = f(a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + ratio * (hi - lo);
            fb = f(b);
        }
    }
    let mid = (lo + hi) / 2.0;
    // The ends of the range are candidates too (cs = 0 is often best for
    // nearly constant service).
    [lo, mid, hi]
        .into_iter()
        .min_by(|x, y| f(*x).total_cmp(&f(*y)))
        .unwrap_or(mid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(tier: &str, cores: u64, x: f64, u: f64) -> Window {
        Window {
            tier: tier.into(),
            cores,
            throughput_per_s: x,
            utilization: u,
            mean_response_s: None,
            p50_response_s: None,
            p99_response_s: None,
            origin: format!("line {}", (x * 10.0) as u64),
        }
    }

    #[test]
    fn exact_utilization_law_gives_back_demand_and_background() {
        // D = 20 ms on 8 cores, U₀ = 5 %: U = 0.05 + X·0.02/8.
        let windows: Vec<Window> = (1..=12)
            .map(|i| {
                let x = 20.0 * i as f64;
                window("web", 8, x, 0.05 + x * 0.020 / 8.0)
            })
            .collect();
        let est = estimate(&windows);
        assert_eq!(est.len(), 1);
        let d = est[0].demand.unwrap();
        assert!((d.demand_s - 0.020).abs() < 1e-12, "{d:?}");
        assert!((d.background_utilization - 0.05).abs() < 1e-12);
        assert!((d.r_squared.unwrap() - 1.0).abs() < 1e-12);
        assert!(est[0].enough_windows && est[0].notes.is_empty(), "{:?}", est[0].notes);
    }

    #[test]
    fn saturated_and_scarce_windows_are_reported() {
        let mut windows = vec![
            window("db", 4, 100.0, 0.30),
            window("db", 4, 200.0, 0.55),
            window("db", 4, 300.0, 0.81),
            window("db", 4, 400.0, 0.97),
            window("cache", 2, 100.0, 0.1),
        ];
        windows.push(window("cache", 2, 200.0, 0.2));
        let est = estimate(&windows);
        let db = &est[0];
        assert_eq!((db.windows, db.used, db.saturated), (4, 3, 1));
        assert!(!db.enough_windows);
        assert!(
            db.notes[0].contains("1 window at utilization ≥ 95% left out (line 4000)"),
            "{:?}",
            db.notes
        );
        assert!(db.notes[1].contains("only 3 windows"), "{:?}", db.notes);
        let cache = &est[1];
        assert!(cache.demand.is_none());
        assert!(cache.notes[0].contains("a fit needs at least 3"), "{:?}", cache.notes);
    }

    #[test]
    fn constant_throughput_cannot_separate_demand_from_background() {
        let windows: Vec<Window> = (0..5).map(|i| window("web", 2, 50.0, 0.4 + 0.01 * i as f64)).collect();
        let est = estimate(&windows);
        assert!(est[0].demand.is_none());
        assert!(est[0].notes.iter().any(|n| n.contains("cannot be told apart")));
    }

    /// Mean, p50 and p99 at U = 0.5 and 0.85 on 4 cores with S = 12 ms and
    /// cs = 0.6, from tests/reference/fit_reference.py (section "latency").
    #[test]
    fn latency_fit_inverts_the_reference_figures() {
        let figures = [
            (0.5, 0.012709565217391304, 0.0091195667944501178, 0.056291567720250075),
            (0.85, 0.021374700614864028, 0.017009116969014852, 0.080224315223569738),
        ];
        let windows: Vec<Window> = figures
            .iter()
            .map(|&(u, mean, p50, p99)| Window {
                mean_response_s: Some(mean),
                p50_response_s: Some(p50),
                p99_response_s: Some(p99),
                ..window("app", 4, 100.0, u)
            })
            .collect();
        let refs: Vec<&Window> = windows.iter().collect();
        let fit = fit_latency(&refs).unwrap();
        assert!((fit.service_time_s / 0.012 - 1.0).abs() < 1e-6, "{fit:?}");
        assert!((fit.service_cv.unwrap() - 0.6).abs() < 1e-5, "{fit:?}");
        assert!(fit.residual < 1e-6 && fit.observations == 6 && !fit.cv_at_limit);
    }

    #[test]
    fn one_kind_of_latency_fixes_cv_at_one() {
        let queue = Mmc::new(0.7 * 2.0 / 0.01, 0.01, 2).unwrap();
        let w = Window {
            mean_response_s: queue.mean_response_s(),
            ..window("app", 2, 100.0, 0.7)
        };
        let fit = fit_latency(&[&w]).unwrap();
        assert!(fit.service_cv.is_none());
        assert!((fit.service_time_s / 0.01 - 1.0).abs() < 1e-12, "{fit:?}");
    }
}
