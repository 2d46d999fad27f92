//! Shard skew, resharding and storage exhaustion (DESIGN §6).
//!
//! `S` shards hold `K` keys whose request popularity is Zipf with exponent
//! `s` (`p_1 ≥ p_2 ≥ …`, `Σ p_i = 1`). The load of a shard is the sum of the
//! popularities of its keys, so the mean shard load is `1/S` and the skew is
//! `S · E[max shard load]`.
//!
//! How the expected maximum is computed. It refines the first-cut formula
//! of DESIGN §6 in two ways, the explicit hot shard and the variance
//! without `(1 − 1/S)`; `tests/shard_sim.rs` checks it against simulation:
//!
//! * The hottest key is placed explicitly. Its shard `A` carries `p_1` plus
//!   a share of the rest; the other `S − 1` shards carry only the rest, and
//!   `E[max] = ∫ (1 − F_A(x − p_1)·F_O(x)^{S−1}) dx`. This reduces to
//!   `max(1/S + σ·m_S, p_1 + (1 − p_1)/S)` at both ends and is smooth where
//!   the two terms cross.
//! * The rest (keys 2..K, mass `r = 1 − p_1`) is treated as `λ` equal keys
//!   of weight `c`, matched on mean and variance: `c = Σ' p_i² / r`,
//!   `λ = r / c` (for `s = 0` this is exactly `K − 1` keys of `1/K`).
//! * With few effective keys per shard (`m = λ/S < 200`) the counts are
//!   discrete and skewed: Poisson(`m`) per shard for hash placement, and a
//!   Poisson–Gamma (negative binomial) mixture for a consistent-hash ring.
//!   Above that, a normal (hash) or moment-matched Gamma (ring) is used.
//! * Loads sum to 1, so they are not independent. For the *expected* maximum
//!   this does not matter: multinomial counts are iid Poisson counts
//!   conditioned on their total, and normalized iid Gammas (common rate) are
//!   exactly the Dirichlet ring shares and independent of the total. So the
//!   iid variance is `Σ p_i²/S`, without DESIGN's `(1 − 1/S)` factor (that is
//!   the marginal variance; using it under-states the excess by
//!   `1 − √(1 − 1/S)`, e.g. 29 % at `S = 2`).
//!
//! `modulo` placement with ids unrelated to popularity is random placement
//! for load and for key counts, so its skew is computed as for `hash`; the
//! placements differ in resharding.

use crate::search::{least_count, Least};
use std::cell::Cell;
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::{checked_gamma_lr, checked_gamma_ur, ln_gamma};

use crate::zipf::{sum_of_squares, top_share};

/// Largest shard count `size_to` will consider.
pub const MAX_SHARDS: u64 = 1 << 24;

/// Effective keys per shard below which counts are modelled as discrete.
const DISCRETE_MEAN_LIMIT: f64 = 200.0;
/// Tail mass treated as zero when bracketing and truncating distributions.
const TAIL: f64 = 1e-17;
/// Gauss–Legendre panels over the bracketed window of the maximum.
const PANELS: usize = 64;
/// Panels when both laws are normal (hash placement, what sizing asks):
/// the integrand is smooth there, and 16 panels of 8 nodes agree with 64
/// to 1e-13 relative over keys 1e3–1e10, Zipf 0–1.2 and 2–10⁴ shards.
/// (A Gamma of small shape is not smooth enough at 0 for that.)
const NORMAL_PANELS: usize = 16;
/// Bisection steps placing the window's ends: the ends only need to bound
/// the negligible tails (they are kept on the safe side), not to sit at
/// f64 resolution, so the window is known to 2⁻²⁴ of its first bracket.
const WINDOW_STEPS: usize = 24;
/// 8-point Gauss–Legendre nodes on [-1, 1] (positive half) and weights.
const GL_NODES: [f64; 4] = [
    0.183_434_642_495_649_8,
    0.525_532_409_916_329,
    0.796_666_477_413_626_7,
    0.960_289_856_497_536_3,
];
const GL_WEIGHTS: [f64; 4] = [
    0.362_683_783_378_362,
    0.313_706_645_877_887_3,
    0.222_381_034_453_374_5,
    0.101_228_536_290_376_3,
];
/// Regula falsi probes spent bracketing a window end before bisecting.
const NARROW_PROBES: usize = 16;
/// Bisection steps (the window shrinks by 2^-64, below f64 resolution).
const BISECTION_STEPS: usize = 64;
/// Quantile reported as `skew_p95`.
const P95: f64 = 0.95;

// ---------------------------------------------------------------------------
// Inputs and errors
// ---------------------------------------------------------------------------

/// How keys are mapped to shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// `hash(key) mod S`.
    Hash,
    /// `id mod S` over dense ids `0..K` unrelated to popularity.
    Modulo,
    /// A consistent-hash ring with `V` virtual nodes per shard.
    Consistent,
}

impl Placement {
    /// Accepted spellings, as listed in error messages.
    pub const ACCEPTED: &'static str = "hash, modulo, consistent";

    /// The name used in output (and accepted by `FromStr`).
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::Hash => "hash",
            Placement::Modulo => "modulo",
            Placement::Consistent => "consistent",
        }
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Placement {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "hash" => Ok(Placement::Hash),
            "modulo" => Ok(Placement::Modulo),
            "consistent" => Ok(Placement::Consistent),
            _ => Err(ShardError::Placement(text.to_string())),
        }
    }
}

/// An invalid input, named by the command-line flag that carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum ShardError {
    /// Shard count below 1.
    Shards(u64),
    /// Key count below 1.
    Keys(u64),
    /// Zipf exponent negative or not finite.
    Zipf(f64),
    /// Virtual nodes per shard below 1.
    Vnodes(u64),
    /// Resharding target below 1.
    ReshardTo(u64),
    /// Move bandwidth not a finite positive number of bytes per second.
    Bandwidth(f64),
    /// Growth negative or not finite.
    Growth(f64),
    /// Per-shard storage not a finite positive number of bytes.
    ShardStorage(f64),
    /// Per-shard request capacity not a finite positive rate.
    SizeTo(f64),
    /// Total request rate negative or not finite.
    Rate(f64),
    /// Stored bytes negative or not finite.
    StoredBytes(f64),
    /// Unknown placement name.
    Placement(String),
}

impl ShardError {
    /// The command-line flag whose value was rejected.
    pub fn flag(&self) -> &'static str {
        match self {
            ShardError::Shards(_) => "--shards",
            ShardError::Keys(_) => "--keys",
            ShardError::Zipf(_) => "--zipf",
            ShardError::Vnodes(_) => "--vnodes",
            ShardError::ReshardTo(_) => "--reshard-to",
            ShardError::Bandwidth(_) => "--bandwidth",
            ShardError::Growth(_) => "--growth",
            ShardError::ShardStorage(_) => "--shard-storage",
            ShardError::SizeTo(_) => "--size-to",
            ShardError::Rate(_) => "--rate",
            ShardError::StoredBytes(_) => "--stored",
            ShardError::Placement(_) => "--placement",
        }
    }
}

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = self.flag();
        match self {
            ShardError::Shards(v) | ShardError::Keys(v) | ShardError::Vnodes(v) => {
                write!(f, "{flag} must be at least 1, got {v}")
            }
            ShardError::ReshardTo(v) => write!(f, "{flag} must be at least 1 shard, got {v}"),
            ShardError::Zipf(v) => write!(f, "{flag} must be a finite exponent ≥ 0, got {v}"),
            ShardError::Bandwidth(v) => {
                write!(f, "{flag} must be a finite rate > 0 bytes/s, got {v}")
            }
            ShardError::Growth(v) => write!(f, "{flag} must be finite and ≥ 0 per month, got {v}"),
            ShardError::ShardStorage(v) => {
                write!(f, "{flag} must be finite and > 0 bytes, got {v}")
            }
            ShardError::SizeTo(v) => {
                write!(f, "{flag} must be a finite rate > 0 per second, got {v}")
            }
            ShardError::Rate(v) => {
                write!(f, "{flag} must be a finite rate ≥ 0 per second, got {v}")
            }
            ShardError::StoredBytes(v) => write!(f, "{flag} must be finite and ≥ 0 bytes, got {v}"),
            ShardError::Placement(v) => write!(
                f,
                "{flag}: unknown placement '{v}'; expected one of {}",
                Placement::ACCEPTED
            ),
        }
    }
}

impl std::error::Error for ShardError {}

/// The key space and how it is placed (everything but the shard count).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// Number of distinct keys `K` (≥ 1).
    pub keys: u64,
    /// Zipf exponent `s` of key popularity (finite, ≥ 0).
    pub zipf_s: f64,
    /// Placement scheme.
    pub placement: Placement,
    /// Virtual nodes per shard `V` (≥ 1); used by `Consistent` only.
    pub vnodes: u64,
}

impl Layout {
    /// Checks `keys ≥ 1`, `zipf_s` finite `≥ 0` and `vnodes ≥ 1`.
    pub fn validate(&self) -> Result<(), ShardError> {
        if self.keys < 1 {
            return Err(ShardError::Keys(self.keys));
        }
        if !(self.zipf_s.is_finite() && self.zipf_s >= 0.0) {
            return Err(ShardError::Zipf(self.zipf_s));
        }
        if self.vnodes < 1 {
            return Err(ShardError::Vnodes(self.vnodes));
        }
        Ok(())
    }

    /// `Some(V)` for a consistent-hash ring, `None` otherwise.
    pub fn ring_vnodes(&self) -> Option<u64> {
        (self.placement == Placement::Consistent).then_some(self.vnodes)
    }
}

fn check_shards(shards: u64) -> Result<(), ShardError> {
    if shards < 1 {
        return Err(ShardError::Shards(shards));
    }
    Ok(())
}

/// Builds the error for a rejected value.
type Flag = fn(f64) -> ShardError;
/// A range check on one value.
type Check = fn(f64, Flag) -> Result<f64, ShardError>;

fn check_non_negative(value: f64, err: Flag) -> Result<f64, ShardError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(err(value))
    }
}

fn check_positive(value: f64, err: Flag) -> Result<f64, ShardError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(err(value))
    }
}

// ---------------------------------------------------------------------------
// Maximum of iid variables: primitives
// ---------------------------------------------------------------------------

/// Expected maximum `m_n` of `n` iid standard normal variables.
///
/// ```text
/// m_n = ∫ x · n·φ(x)·Φ(x)^{n−1} dx = x_lo + ∫_{x_lo}^{x_hi} (1 − Φ(x)^n) dx
/// ```
/// where `φ`, `Φ` are the standard normal density and CDF, and the window
/// `[x_lo, x_hi]` is where `Φ^n` rises from 1e-17 to `1 − 1e-17`
/// (composite 8-point Gauss–Legendre, 16 panels; relative error below
/// 1e-10 for any `n`, so no `√(2 ln n)` asymptotics are needed). Edges:
/// `n ≤ 1` gives 0.
///
/// ```
/// let m2 = scaleplan::sharding::expected_max_std_normal(2);
/// assert!((m2 - 0.5641895835).abs() < 1e-8); // 1/√π
/// ```
pub fn expected_max_std_normal(n: u64) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    let law = Law::Normal { mean: 0.0, sd: 1.0 };
    MaxOf::identical(law, n as f64).expected_and_quantile(P95).0
}

/// Quantile of the maximum of `n` iid standard normals.
///
/// ```text
/// F_max(x) = Φ(x)^n   ⇒   x_p = Φ^{-1}(p^{1/n})
/// ```
/// where `p` is the probability level. Edges: `None` unless `0 < p < 1`
/// and `n ≥ 1`.
pub fn std_normal_max_quantile(n: u64, p: f64) -> Option<f64> {
    if n < 1 || !(p > 0.0 && p < 1.0) {
        return None;
    }
    // 1 − p^{1/n}, computed without cancellation for large n.
    let upper = -(p.ln() / n as f64).exp_m1();
    Some(std::f64::consts::SQRT_2 * erfc_inv(2.0 * upper))
}

/// Expected maximum of `n` iid Poisson counts with mean `mean`.
///
/// ```text
/// E[max] = Σ_{x ≥ 0} (1 − F(x)^n),   F(x) = Σ_{j ≤ x} e^{−μ} μ^j / j!
/// ```
/// where `μ` is the mean. The sum runs until `n·(1 − F(x))` is below 1e-17.
/// Edges: `n = 0` or `mean ≤ 0` (or not finite) gives 0.
pub fn expected_max_poisson(n: u64, mean: f64) -> f64 {
    if n == 0 || !(mean.is_finite() && mean > 0.0) {
        return 0.0;
    }
    let table = CountTable::new(CountLaw::Poisson { mean }, n as f64);
    CountMax {
        hot_units: 0.0,
        hot: &table,
        other: &table,
        others: (n - 1) as f64,
    }
    .expected_and_quantile(P95)
    .0
}

/// Skew of the ring shares alone: `S · E[max_j G_j]` for a consistent-hash
/// ring of `S` shards with `V` virtual nodes each.
///
/// ```text
/// G_j ~ Gamma(shape V, rate S·V),   E[max] = ∫ (1 − F_G(x)^S) dx
/// ```
/// where `G_j` is shard `j`'s share of the ring (sum of `V` exponential
/// arcs, mean `1/S`). For `V = 1` this is exactly the harmonic number
/// `H_S`. Edges: `shards ≤ 1` gives 1; `vnodes = 0` is treated as 1.
pub fn ring_share_skew(shards: u64, vnodes: u64) -> f64 {
    if shards <= 1 {
        return 1.0;
    }
    let s = shards as f64;
    let v = vnodes.max(1) as f64;
    let law = Law::Gamma { shape: v, rate: s * v };
    s * MaxOf::identical(law, s).expected_and_quantile(P95).0
}

// ---------------------------------------------------------------------------
// Load skew
// ---------------------------------------------------------------------------

/// Load skew of `S` shards: the hottest shard relative to the mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Skew {
    /// `S · E[max shard load]` (≥ 1).
    pub skew: f64,
    /// 95th percentile of `S · max shard load` over random placements,
    /// from the same model (within 8 % of simulation); `Some` for every
    /// valid input.
    pub skew_p95: Option<f64>,
    /// Popularity of the most requested key, `p_1`.
    pub hottest_key_share: f64,
    /// Expected share of all requests on the hottest shard, `E[max]`.
    pub hottest_shard_share: f64,
}

/// Expected max/mean load ratio of `shards` shards under `layout`.
///
/// ```text
/// skew = S · E[max_j L_j],   L_A = p_1 + r·R_A,   L_j = r·R_j (j ≠ A)
/// E[max] = ∫ (1 − F_A(x − p_1) · F_O(x)^{S−1}) dx
/// ```
/// where `S` is the shard count, `p_1` the hottest key's popularity (on
/// shard `A`), `r = 1 − p_1` the rest, and `R_j` the share of the rest on
/// shard `j`. The rest is `λ = r²/Σ'p_i²` equal keys (Σ' over keys 2..K),
/// `m = λ/S` per shard:
/// - hash/modulo, `m < 200`: `r·R_j = c·N_j`, `c = r/λ`, `N_j ~ Poisson(m)`;
///   `m ≥ 200`: normal, mean `r/S`, variance `Σ'p_i²/S`.
/// - consistent, `V` vnodes: ring shares `G_O ~ Gamma(V, β)`, `G_A ~
///   Gamma(V+1, β)` (the hottest key lands on a shard in proportion to its
///   share), `β = S·V + 1`; `m < 200`: `N_j ~ Poisson(λ·G_j)`, i.e.
///   negative binomial; `m ≥ 200`: Gamma matched to mean `r·E[G]` and
///   variance `r²·Var[G] + c·r·E[G]` (ring and key variances add).
///
/// `skew_p95` is `S` times the 0.95 quantile of the same `F_max`. Edges:
/// `S = 1` gives skew 1; `K = 1` gives skew `S`; the share is capped at 1.
///
/// ```
/// use scaleplan::sharding::{skew, Layout, Placement};
/// let layout = Layout { keys: 1_000_000, zipf_s: 0.0, placement: Placement::Hash, vnodes: 1 };
/// let s = skew(&layout, 64).unwrap();
/// assert!((s.skew - 1.0187).abs() < 0.002);
/// ```
pub fn skew(layout: &Layout, shards: u64) -> Result<Skew, ShardError> {
    layout.validate()?;
    check_shards(shards)?;
    Ok(load_skew(layout, shards))
}

/// Key-count skew: `S · E[max keys on a shard] / K`, the skew of stored
/// bytes when keys have similar sizes.
///
/// ```text
/// count_skew = skew(K, s = 0, placement, V)
/// ```
/// Edges: as `skew`.
pub fn count_skew(layout: &Layout, shards: u64) -> Result<f64, ShardError> {
    layout.validate()?;
    check_shards(shards)?;
    Ok(key_count_skew(layout, shards))
}

fn key_count_skew(layout: &Layout, shards: u64) -> f64 {
    let uniform = Layout { zipf_s: 0.0, ..*layout };
    shards as f64 * expected_share(&uniform, shards)
}

/// The expected share of the hottest shard, `E[max]` (capped at 1), as in
/// [`skew`] without its 95th percentile: what sizing reads.
///
/// ```text
/// share = E[max_j L_j] = skew(S) / S
/// ```
/// Edges: `S = 1` gives 1. Errors: as [`skew`].
pub fn hottest_shard_share(layout: &Layout, shards: u64) -> Result<f64, ShardError> {
    layout.validate()?;
    check_shards(shards)?;
    Ok(expected_share(layout, shards))
}

/// `E[max share]` capped at 1, remembered: sizing searches ask for the
/// same few layouts and counts again and again (each candidate count, each
/// instance type, the binding). A pure function of its inputs, so a
/// per-thread memo changes no answer.
fn expected_share(layout: &Layout, shards: u64) -> f64 {
    thread_local! {
        static MEMO: crate::memo::Memo<ShareKey, f64> = const { std::cell::RefCell::new(Vec::new()) };
    }
    crate::memo::remembered(&MEMO, SHARE_MEMO_LEN, &ShareKey::new(layout, shards), || {
        if shards == 1 {
            return 1.0;
        }
        let pop = Popularity::new(layout.keys, layout.zipf_s);
        max_share(&pop, shards as f64, layout.ring_vnodes(), false).0.min(1.0)
    })
}

/// Shares one thread remembers before starting afresh.
const SHARE_MEMO_LEN: usize = 256;

/// A layout and a shard count, floats as bits: one remembered share.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ShareKey {
    keys: u64,
    zipf_s: u64,
    vnodes: Option<u64>,
    shards: u64,
}

impl ShareKey {
    fn new(layout: &Layout, shards: u64) -> Self {
        ShareKey {
            keys: layout.keys,
            zipf_s: layout.zipf_s.to_bits(),
            vnodes: layout.ring_vnodes(),
            shards,
        }
    }
}

fn load_skew(layout: &Layout, shards: u64) -> Skew {
    let pop = Popularity::new(layout.keys, layout.zipf_s);
    let s = shards as f64;
    let (share, p95) = if shards == 1 {
        (1.0, Some(1.0))
    } else {
        max_share(&pop, s, layout.ring_vnodes(), true)
    };
    Skew {
        skew: s * share.min(1.0),
        skew_p95: p95.map(|p| s * p.min(1.0)),
        hottest_key_share: pop.hot,
        hottest_shard_share: share.min(1.0),
    }
}

/// Zipf popularity summarised for the skew model.
#[derive(Clone, Copy)]
struct Popularity {
    /// `p_1`.
    hot: f64,
    /// `1 − p_1`.
    rest: f64,
    /// `Σ_{i ≥ 2} p_i²`.
    rest_sq: f64,
}

impl Popularity {
    /// Remembered per thread: a sizing search asks for one layout at
    /// many shard counts, and its harmonic sums cost more than the
    /// maximum's integral. A pure function, so this changes no answer.
    fn new(keys: u64, s: f64) -> Self {
        thread_local! {
            static MEMO: Cell<[Option<(u64, u64, Popularity)>; POPULARITY_MEMO_LEN]> =
                const { Cell::new([None; POPULARITY_MEMO_LEN]) };
        }
        MEMO.with(|memo| {
            let mut slots = memo.get();
            let key = (keys, s.to_bits());
            if let Some((.., pop)) = slots.iter().flatten().find(|(k, z, _)| (*k, *z) == key) {
                return *pop;
            }
            let pop = Self::compute(keys, s);
            slots.rotate_right(1);
            slots[0] = Some((keys, s.to_bits(), pop));
            memo.set(slots);
            pop
        })
    }

    fn compute(keys: u64, s: f64) -> Self {
        let k = keys as f64;
        let hot = top_share(k, s);
        // Exact for K = 1 (H = 1); clamps rounding when p_1 dominates.
        let rest = if keys == 1 { 0.0 } else { 1.0 - hot };
        let rest_sq = (sum_of_squares(k, s) - hot * hot).max(0.0);
        Popularity { hot, rest, rest_sq }
    }
}

/// Popularities one thread remembers (the load's and the key count's).
const POPULARITY_MEMO_LEN: usize = 4;

/// `(E[max share], 95th percentile of the max share)` for `s ≥ 2` shards;
/// the percentile only when `p95` asks for it (it costs a bisection).
fn max_share(pop: &Popularity, s: f64, vnodes: Option<u64>, p95: bool) -> (f64, Option<f64>) {
    let ring = vnodes.map(|v| Ring::new(s, v as f64));
    if pop.rest <= 0.0 || pop.rest_sq <= f64::MIN_POSITIVE {
        // The rest carries no variance: the hot shard is the maximum.
        let rest_share = ring.map_or(1.0 / s, |g| g.mean_hot());
        let share = pop.hot + pop.rest * rest_share;
        return (share, Some(share));
    }
    let unit = pop.rest_sq / pop.rest;
    let lambda = pop.rest / unit;
    if lambda / s < DISCRETE_MEAN_LIMIT {
        let (e, q) = discrete_max(pop, s, ring, unit, lambda);
        (e, Some(q))
    } else {
        continuous_max(pop, s, ring, unit, p95)
    }
}

/// The rest as `λ` keys of weight `unit`, counted per shard.
fn discrete_max(pop: &Popularity, s: f64, ring: Option<Ring>, unit: f64, lambda: f64) -> (f64, f64) {
    let other = match ring {
        None => CountTable::new(CountLaw::Poisson { mean: lambda / s }, s),
        Some(g) => CountTable::new(g.counts(g.shape, lambda), s),
    };
    // Hash placement: the hot shard's other keys count as on any shard.
    let hot = ring.map(|g| CountTable::new(g.counts(g.shape_hot(), lambda), s));
    let (e, q) = CountMax {
        hot_units: pop.hot / unit,
        hot: hot.as_ref().unwrap_or(&other),
        other: &other,
        others: s - 1.0,
    }
    .expected_and_quantile(P95);
    (e * unit, q * unit)
}

/// The rest as a continuous load per shard: normal, or Gamma on a ring.
fn continuous_max(pop: &Popularity, s: f64, ring: Option<Ring>, unit: f64, p95: bool) -> (f64, Option<f64>) {
    let (hot_law, other_law) = match ring {
        None => {
            let law = Law::Normal {
                mean: pop.rest / s,
                sd: (pop.rest_sq / s).sqrt(),
            };
            (law, law)
        }
        Some(g) => (g.loads(g.shape_hot(), pop.rest, unit), g.loads(g.shape, pop.rest, unit)),
    };
    let max = MaxOf {
        hot: pop.hot,
        hot_law,
        other_law,
        others: s - 1.0,
    };
    match p95 {
        true => {
            let (e, q) = max.expected_and_quantile(P95);
            (e, Some(q))
        }
        false => (max.expected(), None),
    }
}

/// Ring shares as iid Gammas with common rate `β = S·V + 1`: normalized,
/// they are the Dirichlet(V+1, V, …, V) shares given the hottest key's
/// shard, and their maximum scales exactly with the (unit-mean) total.
#[derive(Clone, Copy)]
struct Ring {
    shape: f64,
    rate: f64,
}

impl Ring {
    fn new(s: f64, v: f64) -> Self {
        Ring {
            shape: v,
            rate: s * v + 1.0,
        }
    }

    fn shape_hot(self) -> f64 {
        self.shape + 1.0
    }

    fn mean_hot(self) -> f64 {
        self.shape_hot() / self.rate
    }

    /// Counts of `λ` equal keys on a shard of share `Gamma(shape, β)`.
    fn counts(self, shape: f64, lambda: f64) -> CountLaw {
        let ln_q = (lambda / (self.rate + lambda)).ln();
        CountLaw::NegBin {
            shape,
            ln_p: -(lambda / self.rate).ln_1p(),
            ln_q,
            q: ln_q.exp(),
        }
    }

    /// Gamma with the mean and variance of `r·G + key noise`.
    fn loads(self, shape: f64, rest: f64, unit: f64) -> Law {
        let share_mean = shape / self.rate;
        let mean = rest * share_mean;
        let var = rest * rest * shape / (self.rate * self.rate) + unit * mean;
        Law::Gamma {
            shape: mean * mean / var,
            rate: mean / var,
        }
    }
}

// ---------------------------------------------------------------------------
// Continuous maximum: F_max(x) = F_A(x − hot) · F_O(x)^{others}
// ---------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Law {
    Normal { mean: f64, sd: f64 },
    Gamma { shape: f64, rate: f64 },
}

impl Law {
    /// `ln F(x)`, accurate in both tails.
    fn ln_cdf(self, x: f64) -> f64 {
        match self {
            Law::Normal { mean, sd } => {
                let z = (x - mean) / sd;
                if z < 0.0 {
                    (0.5 * erfc(-z / std::f64::consts::SQRT_2)).ln()
                } else {
                    (-0.5 * erfc(z / std::f64::consts::SQRT_2)).ln_1p()
                }
            }
            Law::Gamma { shape, rate } => {
                let y = x * rate;
                if y <= 0.0 {
                    f64::NEG_INFINITY
                } else if !y.is_finite() {
                    0.0
                } else if y < shape {
                    checked_gamma_lr(shape, y).map_or(f64::NEG_INFINITY, f64::ln)
                } else {
                    checked_gamma_ur(shape, y).map_or(0.0, |q| (-q).ln_1p())
                }
            }
        }
    }

    fn mean(self) -> f64 {
        match self {
            Law::Normal { mean, .. } => mean,
            Law::Gamma { shape, rate } => shape / rate,
        }
    }

    fn sd(self) -> f64 {
        match self {
            Law::Normal { sd, .. } => sd,
            Law::Gamma { shape, rate } => shape.sqrt() / rate,
        }
    }

    /// A point where the CDF is negligible.
    fn floor(self) -> f64 {
        match self {
            Law::Normal { mean, sd } => mean - 40.0 * sd,
            Law::Gamma { .. } => 0.0,
        }
    }
}

/// `n · ln F`, with `0 · ln 0 = 0` (no other shards).
fn times(n: f64, ln_f: f64) -> f64 {
    if n == 0.0 {
        0.0
    } else {
        n * ln_f
    }
}

struct MaxOf {
    hot: f64,
    hot_law: Law,
    other_law: Law,
    others: f64,
}

impl MaxOf {
    fn identical(law: Law, n: f64) -> Self {
        MaxOf {
            hot: 0.0,
            hot_law: law,
            other_law: law,
            others: n - 1.0,
        }
    }

    fn ln_cdf(&self, x: f64) -> f64 {
        self.hot_law.ln_cdf(x - self.hot) + times(self.others, self.other_law.ln_cdf(x))
    }

    fn survival(&self, x: f64) -> f64 {
        -self.ln_cdf(x).exp_m1()
    }

    /// `[lo, hi]` with `F_max(lo) ≤ TAIL` and `1 − F_max(hi) ≤ TAIL`.
    fn window(&self) -> (f64, f64) {
        let mut step = self.hot_law.sd().max(self.other_law.sd());
        let top = (self.hot + self.hot_law.mean()).max(self.other_law.mean());
        let mut hi = top + step;
        for _ in 0..200 {
            if self.survival(hi) <= TAIL {
                break;
            }
            step *= 2.0;
            hi = top + step;
        }
        let floor = self.hot_law.floor().min(self.other_law.floor());
        // Scores for regula falsi, nearly straight in x at both ends:
        // ln(−ln F_max) from its value at each switch.
        let below_lo = |x| {
            let ln_f = self.ln_cdf(x);
            (ln_f.exp() <= TAIL, (-ln_f).ln() - (-TAIL.ln()).ln())
        };
        let lo = bisect_narrowed(floor, hi, WINDOW_STEPS, below_lo).0;
        let above_hi = |x| {
            let ln_f = self.ln_cdf(x);
            (-ln_f.exp_m1() > TAIL, (-ln_f).ln() - TAIL.ln())
        };
        let hi = bisect_narrowed(lo, hi, WINDOW_STEPS, above_hi).1;
        (lo, hi)
    }

    /// `(E[max], quantile p of max)`: see [`MaxOf::expected`]; the
    /// quantile by bisection to f64 resolution inside the same window.
    fn expected_and_quantile(&self, p: f64) -> (f64, f64) {
        let (lo, hi) = self.window();
        let ln_p = p.ln();
        let quantile = bisect(lo, hi, |x| self.ln_cdf(x) < ln_p);
        (self.integral(lo, hi), quantile)
    }

    fn panels(&self) -> usize {
        match (self.hot_law, self.other_law) {
            (Law::Normal { .. }, Law::Normal { .. }) => NORMAL_PANELS,
            _ => PANELS,
        }
    }

    /// `E[max] = lo + ∫_lo^hi (1 − F_max)` by composite Gauss–Legendre
    /// over the window.
    fn expected(&self) -> f64 {
        let (lo, hi) = self.window();
        self.integral(lo, hi)
    }

    fn integral(&self, lo: f64, hi: f64) -> f64 {
        let panels = self.panels();
        let half = 0.5 * (hi - lo) / panels as f64;
        let mut sum = 0.0;
        for panel in 0..panels {
            let mid = lo + (2 * panel + 1) as f64 * half;
            for (node, weight) in GL_NODES.iter().zip(GL_WEIGHTS) {
                let pair = self.survival(mid - node * half) + self.survival(mid + node * half);
                sum += weight * pair;
            }
        }
        lo + sum * half
    }
}

/// Largest point of `[lo, hi]` (to f64 resolution) where `below` holds,
/// given that it holds at `lo` and the predicate is monotone.
fn bisect(lo: f64, hi: f64, below: impl Fn(f64) -> bool) -> f64 {
    bisect_steps(lo, hi, BISECTION_STEPS, below).0
}

/// [`bisect_steps`] for a probe that gives the predicate and a score,
/// positive where it holds and smooth across the switch: regula falsi on
/// the score brackets the switch in a few probes, and then the halvings
/// that land clearly outside that bracket take their known outcome
/// instead of probing. Monotone, so the halvings and result are the same.
fn bisect_narrowed(lo: f64, hi: f64, steps: usize, probe: impl Fn(f64) -> (bool, f64)) -> (f64, f64) {
    let resolution = (hi - lo) * 0.5f64.powi(steps as i32);
    let (yes, no) = narrow((lo, f64::NAN), (hi, f64::NAN), resolution / 16.0, &probe);
    // Far wider than rounding noise in the predicate near its switch, far
    // narrower than the last halving.
    let margin = resolution * 0.5f64.powi(16);
    bisect_steps(lo, hi, steps, |x| match x {
        _ if x <= yes - margin => true,
        _ if x >= no + margin => false,
        _ => probe(x).0,
    })
}

/// Illinois regula falsi between `(x, score)` ends where the predicate
/// holds (`yes`) and fails (`no`), until they are `width` apart or
/// `NARROW_PROBES` are spent; an end without a finite score of the right
/// sign is split in the middle instead. Returns the ends' points.
fn narrow(mut yes: (f64, f64), mut no: (f64, f64), width: f64, probe: impl Fn(f64) -> (bool, f64)) -> (f64, f64) {
    let mut last_yes = None;
    for _ in 0..NARROW_PROBES {
        if no.0 - yes.0 <= width {
            break;
        }
        let x = falsi_point(yes, no);
        let (holds, score) = probe(x);
        // Illinois: an end kept twice has its score halved, so it moves.
        match (holds, last_yes) {
            (true, Some(true)) => no.1 *= 0.5,
            (false, Some(false)) => yes.1 *= 0.5,
            _ => {}
        }
        match holds {
            true => yes = (x, score),
            false => no = (x, score),
        }
        last_yes = Some(holds);
    }
    (yes.0, no.0)
}

/// Where the line through the ends' scores crosses zero, or the middle
/// when it cannot be drawn or falls outside.
fn falsi_point(yes: (f64, f64), no: (f64, f64)) -> f64 {
    let mid = 0.5 * (yes.0 + no.0);
    let drawable = yes.1.is_finite() && no.1.is_finite() && yes.1 > 0.0 && no.1 < 0.0;
    let x = yes.0 + (no.0 - yes.0) * yes.1 / (yes.1 - no.1);
    match drawable && x > yes.0 && x < no.0 {
        true => x,
        false => mid,
    }
}

/// `(last point where below holds, first where it fails)` after at most
/// `steps` halvings of `[lo, hi]`, given that `below` holds at `lo` and
/// is monotone.
fn bisect_steps(mut lo: f64, mut hi: f64, steps: usize, below: impl Fn(f64) -> bool) -> (f64, f64) {
    for _ in 0..steps {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if below(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo, hi)
}

// ---------------------------------------------------------------------------
// Discrete maximum: counts of equal keys, hot key offset in key units
// ---------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum CountLaw {
    Poisson {
        mean: f64,
    },
    /// Negative binomial: `P(n) = Γ(n+shape)/(Γ(shape) n!) · p^shape · q^n`
    /// (`q` kept beside `ln q`: the tabulation multiplies by it each step).
    NegBin {
        shape: f64,
        ln_p: f64,
        ln_q: f64,
        q: f64,
    },
}

impl CountLaw {
    fn mode(self) -> f64 {
        match self {
            CountLaw::Poisson { mean } => mean.floor(),
            CountLaw::NegBin { shape, ln_p, ln_q, .. } => {
                let odds = ln_q.exp() / ln_p.exp();
                ((shape - 1.0) * odds).floor().max(0.0)
            }
        }
    }

    fn ln_pmf(self, n: f64) -> f64 {
        match self {
            CountLaw::Poisson { mean } => n * mean.ln() - mean - ln_gamma(n + 1.0),
            CountLaw::NegBin { shape, ln_p, ln_q, .. } => {
                ln_gamma(n + shape) - ln_gamma(shape) - ln_gamma(n + 1.0) + shape * ln_p + n * ln_q
            }
        }
    }

    /// `P(n + 1) / P(n)`.
    fn ratio_up(self, n: f64) -> f64 {
        match self {
            CountLaw::Poisson { mean } => mean / (n + 1.0),
            CountLaw::NegBin { shape, q, .. } => (n + shape) / (n + 1.0) * q,
        }
    }
}

/// A count law on `start..start + len`, as `ln P(N ≤ start + i − 1)` for
/// `i` in `0..=len`: the walk over the maximum's steps reads each twice.
struct CountTable {
    start: f64,
    ln_cdf: Vec<f64>,
}

impl CountTable {
    /// Tabulates from the mode outwards until the tails are negligible
    /// for the maximum of `n` copies.
    fn new(law: CountLaw, n: f64) -> Self {
        let mode = law.mode();
        let peak = law.ln_pmf(mode).exp();
        let mut below = Vec::new();
        let (mut k, mut pmf) = (mode, peak);
        while k > 0.0 && pmf > peak * TAIL * 1e-3 {
            pmf /= law.ratio_up(k - 1.0);
            k -= 1.0;
            below.push(pmf);
        }
        let start = k;
        let mut pmfs: Vec<f64> = below.into_iter().rev().collect();
        pmfs.push(peak);
        let (mut k, mut pmf) = (mode, peak);
        loop {
            let ratio = law.ratio_up(k);
            let tail = if ratio < 1.0 {
                pmf / (1.0 - ratio)
            } else {
                f64::INFINITY
            };
            // The cap is never reached below DISCRETE_MEAN_LIMIT.
            if (tail * n <= TAIL && k > mode) || pmfs.len() >= 1_000_000 {
                break;
            }
            pmf *= ratio;
            k += 1.0;
            pmfs.push(pmf);
        }
        Self::from_pmfs(start, &pmfs)
    }

    /// `ln F` from the CDF below its median and from the survival
    /// function above it, so that neither tail loses precision.
    fn from_pmfs(start: f64, pmfs: &[f64]) -> Self {
        let mut sf = vec![0.0; pmfs.len()];
        let mut acc = 0.0;
        for i in (0..pmfs.len()).rev() {
            sf[i] = acc;
            acc += pmfs[i];
        }
        let mut ln_cdf = Vec::with_capacity(pmfs.len() + 1);
        ln_cdf.push(f64::NEG_INFINITY);
        let mut cdf = 0.0;
        for (&p, &sf) in pmfs.iter().zip(&sf) {
            cdf += p;
            ln_cdf.push(if cdf < 0.5 { cdf.ln() } else { (-sf).ln_1p() });
        }
        CountTable { start, ln_cdf }
    }

    /// Support points tabulated.
    fn len(&self) -> usize {
        self.ln_cdf.len() - 1
    }

    /// `ln P(N ≤ start + i − 1)`: `i` support points have been passed.
    fn ln_cdf_passed(&self, i: usize) -> f64 {
        self.ln_cdf.get(i).copied().unwrap_or(0.0)
    }
}

/// `max(hot_units + N_A, N_1, …, N_others)`, in key units.
struct CountMax<'a> {
    hot_units: f64,
    hot: &'a CountTable,
    other: &'a CountTable,
    others: f64,
}

impl CountMax<'_> {
    /// `(E[max], quantile p of max)` in key units: the integral of the
    /// step function `1 − F_max` over the merged support points.
    fn expected_and_quantile(&self, p: f64) -> (f64, f64) {
        let (na, no) = (self.hot.len(), self.other.len());
        let (mut ia, mut io) = (0usize, 0usize);
        let (mut x, mut total) = (0.0f64, 0.0f64);
        let mut quantile = None;
        let ln_p = p.ln();
        while ia < na || io < no {
            let next_a = (ia < na).then_some(self.hot_units + self.hot.start + ia as f64);
            let next_o = (io < no).then_some(self.other.start + io as f64);
            let next = match (next_a, next_o) {
                (Some(a), Some(o)) => a.min(o),
                (Some(a), None) => a,
                (None, Some(o)) => o,
                (None, None) => break,
            };
            let ln_f = self.ln_cdf(ia, io);
            total += -ln_f.exp_m1() * (next - x);
            x = next;
            if next_a == Some(next) {
                ia += 1;
            }
            if next_o == Some(next) {
                io += 1;
            }
            if quantile.is_none() && self.ln_cdf(ia, io) >= ln_p {
                quantile = Some(x);
            }
        }
        (total, quantile.unwrap_or(x))
    }

    fn ln_cdf(&self, ia: usize, io: usize) -> f64 {
        self.hot.ln_cdf_passed(ia) + times(self.others, self.other.ln_cdf_passed(io))
    }
}

// ---------------------------------------------------------------------------
// Resharding
// ---------------------------------------------------------------------------

/// Fraction of keys whose shard changes when `from_shards` becomes
/// `to_shards`.
///
/// ```text
/// modulo:      1 − (m·⌊K/L⌋ + min(m, K mod L)) / K,  m = min(S, S′), L = lcm(S, S′)
/// hash:        1 − gcd(S, S′) / max(S, S′)
/// consistent:  |S′ − S| / max(S, S′)
/// ```
/// where `S`, `S′` are the old and new shard counts and `K` the key count.
/// Modulo is exact for the dense ids `0..K`: id `k` stays iff
/// `k mod S = k mod S′ = j`, i.e. `k ≡ j (mod L)` with `j < m`, so `m`
/// ids of every period of `L` stay (for `S′ = S + 1`: `S/(S + 1)` moves). Hash
/// is the same count over uniform 64-bit hash values (the large-`K` limit).
/// Consistent hashing moves only the keys on the added (or removed) shards'
/// arcs, whose expected share is as shown. Edges: `S′ = S` gives 0.
pub fn moved_fraction(placement: Placement, keys: u64, from_shards: u64, to_shards: u64) -> Result<f64, ShardError> {
    if keys < 1 {
        return Err(ShardError::Keys(keys));
    }
    check_shards(from_shards)?;
    if to_shards < 1 {
        return Err(ShardError::ReshardTo(to_shards));
    }
    let (small, big) = (from_shards.min(to_shards), from_shards.max(to_shards));
    Ok(match placement {
        Placement::Modulo => modulo_moved(keys, small, big),
        Placement::Hash => 1.0 - gcd(small, big) as f64 / big as f64,
        Placement::Consistent => (big - small) as f64 / big as f64,
    })
}

fn modulo_moved(keys: u64, small: u64, big: u64) -> f64 {
    let period = (small as u128 / gcd(small, big) as u128) * big as u128;
    let k = keys as u128;
    let m = small as u128;
    let stay = m * (k / period) + m.min(k % period);
    1.0 - stay as f64 / keys as f64
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Data movement of one resharding step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reshard {
    /// Fraction of keys (and, for similar key sizes, bytes) that move.
    pub moved_fraction: f64,
    /// `moved_fraction · stored_bytes`.
    pub moved_bytes: f64,
    /// `moved_bytes / bandwidth_bytes_per_s`.
    pub move_time_s: f64,
}

/// Bytes moved, and the time to move them, when resharding.
///
/// ```text
/// moved_bytes = f · B,   move_time_s = moved_bytes / W
/// ```
/// where `f` is `moved_fraction(placement, K, S, S′)`, `B` the stored bytes
/// and `W` the copy bandwidth in bytes per second. Edges: `B = 0` moves
/// nothing in 0 s; `W` must be finite and positive.
pub fn reshard(
    placement: Placement,
    keys: u64,
    from_shards: u64,
    to_shards: u64,
    stored_bytes: f64,
    bandwidth_bytes_per_s: f64,
) -> Result<Reshard, ShardError> {
    let fraction = moved_fraction(placement, keys, from_shards, to_shards)?;
    let stored = check_non_negative(stored_bytes, ShardError::StoredBytes)?;
    let bandwidth = check_positive(bandwidth_bytes_per_s, ShardError::Bandwidth)?;
    let moved_bytes = fraction * stored;
    Ok(Reshard {
        moved_fraction: fraction,
        moved_bytes,
        move_time_s: moved_bytes / bandwidth,
    })
}

// ---------------------------------------------------------------------------
// Reads across shards
// ---------------------------------------------------------------------------

/// Distribution of the number of distinct shards a read touches when it
/// needs `keys` keys, each placed on one of `S` shards independently and
/// uniformly (hash placement): `P(D = d)` at index `d`, `d = 0..=keys`.
///
/// ```text
/// P_0(0) = 1,   P_{j+1}(d) = P_j(d)·d/S + P_j(d − 1)·(S − d + 1)/S
/// ```
/// the occupancy recursion: the `(j + 1)`-th key lands on one of the `d`
/// shards already touched or on a new one. Edges: `S = 1` touches one
/// shard; 0 keys touch none.
///
/// ```
/// use scaleplan::sharding::distinct_shards;
/// let p = distinct_shards(2, 4); // two keys on four shards
/// assert!((p[1] - 0.25).abs() < 1e-15 && (p[2] - 0.75).abs() < 1e-15);
/// ```
pub fn distinct_shards(keys: u32, shards: u64) -> Vec<f64> {
    let s = shards.max(1) as f64;
    let mut p = vec![0.0; keys as usize + 1];
    p[0] = 1.0;
    for j in 0..keys as usize {
        for d in (0..=j + 1).rev() {
            let stay = p[d] * d as f64 / s;
            let arrive = if d > 0 {
                p[d - 1] * (s - (d - 1) as f64).max(0.0) / s
            } else {
                0.0
            };
            p[d] = stay + arrive;
        }
    }
    p
}

/// Expected distinct shards among `keys` keys on `S` shards:
///
/// ```text
/// E[D] = S·(1 − (1 − 1/S)^k)
/// ```
/// (each shard is missed by all `k` keys with probability `(1 − 1/S)^k`);
/// computed as `−S·expm1(k·ln(1 − 1/S))` so it keeps its digits for large
/// `S`, where it tends to `k`. Edges: 1 for `S = 1` and `k ≥ 1`.
pub fn expected_distinct_shards(keys: u32, shards: u64) -> f64 {
    if shards <= 1 {
        return if keys > 0 { 1.0 } else { 0.0 };
    }
    let s = shards as f64;
    -s * (keys as f64 * (-1.0 / s).ln_1p()).exp_m1()
}

// ---------------------------------------------------------------------------
// Exhaustion
// ---------------------------------------------------------------------------

/// How stored data grows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Growth {
    /// Compounding: the bytes are multiplied by `1 + g` every month
    /// (`0.05` = 5 % a month).
    FractionPerMonth(f64),
    /// Linear: this many bytes are added every month (to the whole data set
    /// in a `ShardInput`; to the one shard in `months_to_full`).
    BytesPerMonth(f64),
}

impl Growth {
    fn validate(self) -> Result<Self, ShardError> {
        let (Growth::FractionPerMonth(v) | Growth::BytesPerMonth(v)) = self;
        check_non_negative(v, ShardError::Growth)?;
        Ok(self)
    }
}

/// Months until a shard holding `current_bytes` fills `capacity_bytes`.
///
/// ```text
/// compounding g:  t = ln(C / B) / ln(1 + g)
/// linear G:       t = (C − B) / G
/// ```
/// where `B` is the current bytes, `C` the capacity, `g` the monthly growth
/// fraction and `G` the bytes added per month. Edges: `Some(0)` when
/// `B ≥ C`; `None` (never) when the growth is 0, or compounding from
/// `B = 0`.
///
/// ```
/// use scaleplan::sharding::{months_to_full, Growth};
/// let t = months_to_full(100.0, 200.0, Growth::FractionPerMonth(0.05)).unwrap();
/// assert!((t.unwrap() - 14.2067).abs() < 1e-3); // ln 2 / ln 1.05
/// ```
pub fn months_to_full(current_bytes: f64, capacity_bytes: f64, growth: Growth) -> Result<Option<f64>, ShardError> {
    let current = check_non_negative(current_bytes, ShardError::StoredBytes)?;
    let capacity = check_positive(capacity_bytes, ShardError::ShardStorage)?;
    if current >= capacity {
        return Ok(Some(0.0));
    }
    Ok(match growth.validate()? {
        Growth::FractionPerMonth(g) if g > 0.0 && current > 0.0 => Some((capacity / current).ln() / g.ln_1p()),
        Growth::BytesPerMonth(bytes) if bytes > 0.0 => Some((capacity - current) / bytes),
        _ => None,
    })
}

// ---------------------------------------------------------------------------
// Sizing
// ---------------------------------------------------------------------------

/// What one shard must carry, for `size_to`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeTarget {
    /// Requests per second over all shards, `λ` (≥ 0).
    pub total_rate_per_s: f64,
    /// Requests per second one shard can serve (> 0).
    pub shard_capacity_rate_per_s: f64,
    /// Bytes stored over all shards (≥ 0).
    pub stored_bytes: f64,
    /// Bytes one shard can hold (> 0); `None` leaves storage unconstrained.
    pub shard_storage_bytes: Option<f64>,
}

impl SizeTarget {
    fn validate(&self) -> Result<(), ShardError> {
        check_non_negative(self.total_rate_per_s, ShardError::Rate)?;
        check_positive(self.shard_capacity_rate_per_s, ShardError::SizeTo)?;
        check_non_negative(self.stored_bytes, ShardError::StoredBytes)?;
        if let Some(storage) = self.shard_storage_bytes {
            check_positive(storage, ShardError::ShardStorage)?;
        }
        Ok(())
    }
}

/// The least shard count that fits, with its hottest shard.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShardFit {
    /// Least `S` meeting both limits.
    pub shards: u64,
    /// Load skew at that `S`.
    pub skew: f64,
    /// `E[max share] · λ`.
    pub hottest_shard_rate_per_s: f64,
    /// `stored_bytes / S · count skew`.
    pub hottest_shard_bytes: f64,
}

/// A limit that adding shards cannot remove.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ceiling {
    /// The hottest key alone, `p_1·λ`, exceeds one shard's capacity.
    HotKey {
        hot_key_rate_per_s: f64,
        shard_capacity_rate_per_s: f64,
    },
    /// One key's bytes (`stored_bytes / K`) exceed one shard's storage.
    KeyBytes { key_bytes: f64, shard_storage_bytes: f64 },
    /// Still over a limit at `MAX_SHARDS` shards.
    ShardLimit { max_shards: u64 },
}

impl fmt::Display for Ceiling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ceiling::HotKey {
                hot_key_rate_per_s,
                shard_capacity_rate_per_s,
            } => write!(
                f,
                "hottest key needs {hot_key_rate_per_s} req/s, above one shard's \
                 {shard_capacity_rate_per_s} req/s: sharding cannot split one key"
            ),
            Ceiling::KeyBytes {
                key_bytes,
                shard_storage_bytes,
            } => write!(
                f,
                "one key holds {key_bytes} bytes, above one shard's {shard_storage_bytes} bytes"
            ),
            Ceiling::ShardLimit { max_shards } => {
                write!(f, "still over a shard limit at {max_shards} shards")
            }
        }
    }
}

/// Outcome of `size_to`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sizing {
    Fits(ShardFit),
    Infeasible(Ceiling),
}

/// Least shard count whose hottest shard fits both the request and the
/// storage limit of one shard.
///
/// ```text
/// least S:  E[max share](S) · λ ≤ μ   and   B/S · count_skew(S) ≤ C
/// ```
/// where `λ` is the total rate, `μ` one shard's rate capacity, `B` the
/// stored bytes and `C` one shard's storage. Both sides fall as `S` grows,
/// so the search ([`least_count`]) starts at the even-split floor
/// `⌈max(λ/μ, B/C)⌉` (skew is at least 1), gallops up and bisects back. The skew model switches from discrete to continuous counts at 200
/// effective keys per shard, where it can step by ~1 %; the result is
/// then a fitting `S` within that step of the least. Edges: infeasible,
/// without searching, when `p_1·λ > μ` (hot key) or `B/K > C`; infeasible
/// when nothing up to `MAX_SHARDS` fits.
pub fn size_to(layout: &Layout, target: &SizeTarget) -> Result<Sizing, ShardError> {
    layout.validate()?;
    target.validate()?;
    if let Some(ceiling) = hard_ceiling(layout, target) {
        return Ok(Sizing::Infeasible(ceiling));
    }
    // Skew is at least 1, so the even split is a floor on S: start there.
    let unfit = |shards: u64| Ok::<_, Infallible>(fit_at(layout, target, shards).is_none().then_some(()));
    let shards = match least_count(even_split_floor(target), MAX_SHARDS, unfit) {
        Ok(Least::Found(n)) => n,
        Ok(Least::Capped { .. }) => return Ok(Sizing::Infeasible(Ceiling::ShardLimit { max_shards: MAX_SHARDS })),
        Err(never) => match never {},
    };
    let Some(best) = fit_at(layout, target, shards) else {
        return Ok(Sizing::Infeasible(Ceiling::ShardLimit { max_shards: MAX_SHARDS }));
    };
    Ok(Sizing::Fits(best))
}

fn hard_ceiling(layout: &Layout, target: &SizeTarget) -> Option<Ceiling> {
    let hot_key_rate_per_s = top_share(layout.keys as f64, layout.zipf_s) * target.total_rate_per_s;
    if hot_key_rate_per_s > target.shard_capacity_rate_per_s {
        return Some(Ceiling::HotKey {
            hot_key_rate_per_s,
            shard_capacity_rate_per_s: target.shard_capacity_rate_per_s,
        });
    }
    let key_bytes = target.stored_bytes / layout.keys as f64;
    match target.shard_storage_bytes {
        Some(storage) if key_bytes > storage => Some(Ceiling::KeyBytes {
            key_bytes,
            shard_storage_bytes: storage,
        }),
        _ => None,
    }
}

/// Shards needed if every shard got exactly its mean share (never more than
/// the answer, since the hottest shard carries at least the mean).
fn even_split_floor(target: &SizeTarget) -> u64 {
    let by_rate = target.total_rate_per_s / target.shard_capacity_rate_per_s;
    let by_bytes = target
        .shard_storage_bytes
        .map_or(0.0, |storage| target.stored_bytes / storage);
    let floor = by_rate.max(by_bytes).ceil();
    if floor >= MAX_SHARDS as f64 {
        MAX_SHARDS
    } else {
        (floor as u64).max(1)
    }
}

/// Which of `target`'s two limits `shards` shards (≥ 1) break: the hottest
/// shard's rate above one shard's capacity, and its bytes above one
/// shard's storage. What set a count `S` is what `S − 1` breaks.
pub fn broken_limits(layout: &Layout, target: &SizeTarget, shards: u64) -> (bool, bool) {
    let shards = shards.max(1);
    let rate = expected_share(layout, shards) * target.total_rate_per_s;
    let bytes = target.stored_bytes / shards as f64 * key_count_skew(layout, shards);
    let storage = target.shard_storage_bytes.is_some_and(|storage| bytes > storage);
    (rate > target.shard_capacity_rate_per_s, storage)
}

fn fit_at(layout: &Layout, target: &SizeTarget, shards: u64) -> Option<ShardFit> {
    let share = expected_share(layout, shards);
    let rate = share * target.total_rate_per_s;
    if rate > target.shard_capacity_rate_per_s {
        return None;
    }
    let bytes = target.stored_bytes / shards as f64 * key_count_skew(layout, shards);
    if target.shard_storage_bytes.is_some_and(|storage| bytes > storage) {
        return None;
    }
    Some(ShardFit {
        shards,
        skew: shards as f64 * share,
        hottest_shard_rate_per_s: rate,
        hottest_shard_bytes: bytes,
    })
}

// ---------------------------------------------------------------------------
// One shard layout, all questions
// ---------------------------------------------------------------------------

/// A sharded store to analyse; optional fields switch on optional answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShardInput {
    /// Keys, popularity and placement.
    pub layout: Layout,
    /// Shard count `S` (≥ 1).
    pub shards: u64,
    /// Requests per second over all shards (`--rate`).
    pub total_rate_per_s: Option<f64>,
    /// Requests per second one shard can serve (`--size-to`).
    pub shard_capacity_rate_per_s: Option<f64>,
    /// Bytes stored over all shards (`--stored`).
    pub stored_bytes: Option<f64>,
    /// Bytes one shard can hold (`--shard-storage`).
    pub shard_storage_bytes: Option<f64>,
    /// Shard count to reshard to (`--reshard-to`).
    pub reshard_to: Option<u64>,
    /// Copy bandwidth while resharding (`--bandwidth`).
    pub bandwidth_bytes_per_s: Option<f64>,
    /// Growth of the stored data (`--growth`); `BytesPerMonth` is the
    /// growth of the whole data set.
    pub growth: Option<Growth>,
}

impl ShardInput {
    fn validate(&self) -> Result<(), ShardError> {
        self.layout.validate()?;
        check_shards(self.shards)?;
        let optional = [
            (
                self.total_rate_per_s,
                check_non_negative as Check,
                ShardError::Rate as Flag,
            ),
            (self.shard_capacity_rate_per_s, check_positive, ShardError::SizeTo),
            (self.stored_bytes, check_non_negative, ShardError::StoredBytes),
            (self.shard_storage_bytes, check_positive, ShardError::ShardStorage),
            (self.bandwidth_bytes_per_s, check_positive, ShardError::Bandwidth),
        ];
        for (value, check, flag) in optional {
            if let Some(v) = value {
                check(v, flag)?;
            }
        }
        if let Some(to) = self.reshard_to {
            if to < 1 {
                return Err(ShardError::ReshardTo(to));
            }
        }
        if let Some(growth) = self.growth {
            growth.validate()?;
        }
        Ok(())
    }
}

/// Everything `estimate` reports; field names are the output names.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardEstimate {
    pub shards: u64,
    pub keys: u64,
    pub zipf_s: f64,
    pub placement: Placement,
    /// Virtual nodes per shard (consistent placement only).
    pub vnodes: Option<u64>,
    /// `S · E[max shard load]`.
    pub skew: f64,
    /// 95th percentile of `S · max shard load`.
    pub skew_p95: Option<f64>,
    /// `p_1`.
    pub hottest_key_share: f64,
    /// `E[max shard load]`, a share of all requests.
    pub hottest_shard_share: f64,
    /// `p_1 · λ ≤ μ` (needs the total rate and one shard's capacity).
    pub hot_key_fits: Option<bool>,
    /// `hottest_shard_share · λ` (needs the total rate).
    pub hottest_shard_rate_per_s: Option<f64>,
    /// `stored_bytes / S · count skew` (needs the stored bytes).
    pub hottest_shard_bytes: Option<f64>,
    /// Fraction of keys moved by resharding (needs `reshard_to`).
    pub moved_fraction: Option<f64>,
    /// `moved_fraction · stored_bytes`.
    pub moved_bytes: Option<f64>,
    /// `moved_bytes / bandwidth`.
    pub move_time_s: Option<f64>,
    /// Months until the fullest shard is full; `None` if not asked (needs
    /// stored bytes, shard storage and growth) or if it never fills.
    pub months_to_full: Option<f64>,
}

/// Skew, hot key, hottest shard, resharding and exhaustion for one layout.
///
/// ```text
/// hot_key_fits        = p_1 · λ ≤ μ
/// hottest_shard_rate  = E[max share] · λ
/// hottest_shard_bytes = B / S · count_skew          (key counts, not popularity)
/// months_to_full      = months_to_full(hottest_shard_bytes, C, growth′)
/// ```
/// where `λ` is the total rate, `μ` one shard's rate capacity, `B` the
/// stored bytes, `C` one shard's storage, and `growth′` the fullest shard's
/// growth: the same fraction, or `G · count_skew / S` for `G` bytes a month
/// over the whole data set. Bytes follow key counts because a key's size
/// does not depend on how often it is read. Edges: each optional answer is
/// `None` when an input it needs is absent.
pub fn estimate(input: &ShardInput) -> Result<ShardEstimate, ShardError> {
    input.validate()?;
    let layout = &input.layout;
    let s = input.shards as f64;
    let load = load_skew(layout, input.shards);
    let counts = input
        .stored_bytes
        .map(|_| key_count_skew(layout, input.shards))
        .unwrap_or(1.0);
    let rate = input.total_rate_per_s;
    let hottest_shard_bytes = input.stored_bytes.map(|b| b / s * counts);
    let reshard = match input.reshard_to {
        Some(to) => Some(moved_fraction(layout.placement, layout.keys, input.shards, to)?),
        None => None,
    };
    let moved_bytes = reshard.zip(input.stored_bytes).map(|(f, b)| f * b);
    let fullest_growth = input.growth.map(|g| match g {
        Growth::BytesPerMonth(total) => Growth::BytesPerMonth(total * counts / s),
        other => other,
    });
    let months_to_full = match (hottest_shard_bytes, input.shard_storage_bytes, fullest_growth) {
        (Some(bytes), Some(storage), Some(growth)) => months_to_full(bytes, storage, growth)?,
        _ => None,
    };
    Ok(ShardEstimate {
        shards: input.shards,
        keys: layout.keys,
        zipf_s: layout.zipf_s,
        placement: layout.placement,
        vnodes: layout.ring_vnodes(),
        skew: load.skew,
        skew_p95: load.skew_p95,
        hottest_key_share: load.hottest_key_share,
        hottest_shard_share: load.hottest_shard_share,
        hot_key_fits: rate
            .zip(input.shard_capacity_rate_per_s)
            .map(|(l, mu)| load.hottest_key_share * l <= mu),
        hottest_shard_rate_per_s: rate.map(|l| load.hottest_shard_share * l),
        hottest_shard_bytes,
        moved_fraction: reshard,
        moved_bytes,
        move_time_s: moved_bytes.zip(input.bandwidth_bytes_per_s).map(|(b, w)| b / w),
        months_to_full,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(keys: u64, zipf_s: f64, placement: Placement, vnodes: u64) -> Layout {
        Layout {
            keys,
            zipf_s,
            placement,
            vnodes,
        }
    }

    fn close(got: f64, want: f64, rel: f64) -> bool {
        ((got - want) / want).abs() <= rel
    }

    #[test]
    fn distinct_shards_match_stirling_counts_and_the_mean() {
        // P(D = d) = C(S, d)·d!·S2(k, d) / S^k, Stirling numbers of the
        // second kind: S2(4, ·) = 1, 7, 6, 1 and S2(3, ·) = 1, 3, 1.
        let p = distinct_shards(4, 5);
        let want = [0.0, 5.0 * 1.0, 20.0 * 7.0, 60.0 * 6.0, 120.0 * 1.0].map(|x| x / 625.0);
        for d in 0..=4 {
            assert!((p[d] - want[d]).abs() < 1e-15, "d={d}: {} vs {}", p[d], want[d]);
        }
        let p = distinct_shards(3, 2); // C(2,1)·1·1 = 2, C(2,2)·2·3 = 6, over 8
        assert!((p[1] - 0.25).abs() < 1e-15 && (p[2] - 0.75).abs() < 1e-15 && p[3] == 0.0);
        assert_eq!(distinct_shards(8, 1)[1], 1.0);
        for (k, s) in [(1u32, 3u64), (4, 2), (8, 100), (64, 10_000), (16, 1_000_000)] {
            let p = distinct_shards(k, s);
            let total: f64 = p.iter().sum();
            let mean: f64 = p.iter().enumerate().map(|(d, x)| d as f64 * x).sum();
            assert!((total - 1.0).abs() < 1e-12, "k={k} S={s}");
            let closed = expected_distinct_shards(k, s);
            assert!(
                ((mean - closed) / closed).abs() < 1e-12,
                "k={k} S={s}: {mean} vs {closed}"
            );
        }
        assert_eq!(expected_distinct_shards(4, 1), 1.0);
        assert!((expected_distinct_shards(4, 1 << 40) - 4.0).abs() < 1e-9);
    }

    #[test]
    fn normal_max_matches_known_values() {
        // m_2 = 1/√π, m_3 = 3/(2√π); others from tables of normal order
        // statistics (and tests/reference/shard_reference.py, 30 digits).
        let cases = [
            (2, 0.5641895835, 1e-9),
            (3, 0.8462843753, 1e-9),
            (5, 1.1629644736, 1e-9),
            (10, 1.5387527308, 1e-9),
            (100, 2.5075937, 1e-7),
        ];
        for (n, want, rel) in cases {
            let got = expected_max_std_normal(n);
            assert!(close(got, want, rel), "m_{n} = {got}, want {want}");
        }
        assert_eq!(expected_max_std_normal(1), 0.0);
    }

    #[test]
    fn normal_max_matches_mpmath_at_large_n() {
        // tests/reference/shard_reference.py, block 1.
        let cases = [
            (1000, 3.24143576913344),
            (4096, 3.62608217776915),
            (1_000_000, 4.86289748619646),
        ];
        for (n, want) in cases {
            let got = expected_max_std_normal(n);
            assert!(close(got, want, 1e-10), "m_{n} = {got}, want {want}");
        }
    }

    #[test]
    fn normal_max_quantile_matches_mpmath() {
        // tests/reference/shard_reference.py, block 2.
        let cases = [(1, 1.64485362695147), (64, 3.15549260379427), (4096, 4.21439018961951)];
        for (n, want) in cases {
            let got = std_normal_max_quantile(n, 0.95).unwrap();
            assert!(close(got, want, 1e-9), "x_95({n}) = {got}, want {want}");
        }
        assert_eq!(std_normal_max_quantile(4, 1.0), None);
        assert_eq!(std_normal_max_quantile(0, 0.5), None);
    }

    #[test]
    fn skew_p95_of_pure_normal_matches_closed_form() {
        // Continuous hash model with no hot key to speak of (s = 0, huge K):
        // skew_p95 = 1 + S·σ·x_95 with σ = √(Σp²/S) = 1/√(S·K).
        let (k, shards) = (1u64 << 40, 64u64);
        let got = skew(&layout(k, 0.0, Placement::Hash, 1), shards).unwrap();
        let sigma = 1.0 / ((shards * k) as f64).sqrt();
        let want = 1.0 + shards as f64 * sigma * std_normal_max_quantile(shards, 0.95).unwrap();
        assert!(close(got.skew_p95.unwrap(), want, 1e-9), "{got:?} vs {want}");
        let mean = 1.0 + shards as f64 * sigma * expected_max_std_normal(shards);
        assert!(close(got.skew, mean, 1e-9), "{got:?} vs {mean}");
    }

    #[test]
    fn poisson_max_matches_mpmath() {
        // tests/reference/shard_reference.py, block 3.
        let cases = [
            (8, 5.0, 8.37638514673588),
            (512, 1000.0 / 512.0, 7.37521281987242),
            (64, 15.625, 25.6141563325213),
            (4096, 0.5, 4.56588912920727),
            (2, 100.0, 105.638366334394),
        ];
        for (n, mean, want) in cases {
            let got = expected_max_poisson(n, mean);
            assert!(close(got, want, 1e-10), "n={n} μ={mean}: {got}, want {want}");
        }
        assert!(close(expected_max_poisson(1, 7.5), 7.5, 1e-12));
        assert_eq!(expected_max_poisson(0, 3.0), 0.0);
    }

    #[test]
    fn hottest_shard_share_is_the_skews_share_remembered_or_not() {
        for (k, s, n) in [
            (1_000_000u64, 0.0, 10u64),
            (2_000, 0.9, 64),
            (50_000_000, 1.1, 7),
            (10, 0.5, 1),
        ] {
            let lay = layout(k, s, Placement::Hash, 1);
            let want = skew(&lay, n).unwrap().hottest_shard_share;
            for _ in 0..2 {
                let got = hottest_shard_share(&lay, n).unwrap();
                assert!(close(got, want, 1e-15), "K={k} s={s} S={n}: {got} vs {want}");
            }
        }
        assert_eq!(
            hottest_shard_share(&layout(10, 0.5, Placement::Hash, 1), 0),
            Err(ShardError::Shards(0))
        );
    }

    #[test]
    fn narrowed_bisection_halves_as_plain_bisection_with_fewer_probes() {
        // Switch points across the window, one a step from its end.
        let roots = [-39.9, -7.25, 0.0, 1e-9, 3.3, 15.999];
        let probes = std::cell::Cell::new(0);
        for root in roots {
            let below = |x: f64| x < root;
            let probe = |x: f64| {
                probes.set(probes.get() + 1);
                (below(x), (root - x) * (1.0 + 0.1 * (root - x).abs()))
            };
            let plain = bisect_steps(-40.0, 16.0, WINDOW_STEPS, below);
            assert_eq!(bisect_narrowed(-40.0, 16.0, WINDOW_STEPS, probe), plain, "root {root}");
        }
        assert!(probes.get() < roots.len() * WINDOW_STEPS, "{} probes", probes.get());
    }

    #[test]
    fn ring_share_skew_is_harmonic_for_one_vnode() {
        // Max of n iid exponentials has mean H_n / rate, so S·E[max] = H_S.
        for n in [2u64, 8, 64, 512, 4096] {
            let h: f64 = (1..=n).rev().map(|i| 1.0 / i as f64).sum();
            let got = ring_share_skew(n, 1);
            assert!(close(got, h, 1e-12), "S={n}: {got}, want H = {h}");
        }
    }

    #[test]
    fn ring_share_skew_matches_mpmath() {
        // tests/reference/shard_reference.py, block 4.
        let cases = [(64, 16, 1.68231206877386), (4096, 1000, 1.11877027357867)];
        for (n, v, want) in cases {
            let got = ring_share_skew(n, v);
            assert!(close(got, want, 1e-10), "S={n} V={v}: {got}, want {want}");
        }
    }

    #[test]
    fn skew_model_matches_mpmath() {
        // tests/reference/shard_reference.py, block 5: the same model,
        // evaluated at 30 digits (checks the numerics, not the model; the
        // model is checked against simulation in tests/shard_sim.rs).
        let cases = [
            (1000, 0.0, 512, Placement::Hash, 1, 3.77610934922361),
            (1000, 0.8, 64, Placement::Hash, 1, 5.07248582412681),
            (1000, 0.8, 64, Placement::Consistent, 16, 5.13033339525563),
            (1_000_000, 0.5, 64, Placement::Hash, 1, 1.03909830246138),
            (1_000_000_000, 0.0, 64, Placement::Consistent, 16, 1.68231246639765),
            (1_000_000_000, 0.9, 4096, Placement::Consistent, 1000, 59.4987212296667),
        ];
        for (k, s, shards, placement, v, want) in cases {
            let got = skew(&layout(k, s, placement, v), shards).unwrap().skew;
            assert!(
                close(got, want, 1e-10),
                "K={k} s={s} S={shards} {placement}: {got}, want {want}"
            );
        }
    }

    #[test]
    fn skew_edges() {
        let one_shard = skew(&layout(1000, 1.0, Placement::Hash, 1), 1).unwrap();
        assert_eq!((one_shard.skew, one_shard.skew_p95), (1.0, Some(1.0)));
        for placement in [Placement::Hash, Placement::Consistent] {
            let one_key = skew(&layout(1, 0.7, placement, 8), 16).unwrap();
            assert!(close(one_key.skew, 16.0, 1e-12), "{one_key:?}");
            assert!(close(one_key.hottest_key_share, 1.0, 1e-12));
        }
    }

    #[test]
    fn skew_is_finite_and_bounded_everywhere() {
        let keys = [1u64, 2, 10, 1000, 1 << 20, 1 << 40, u64::MAX];
        let exponents = [0.0, 0.5, 1.0, 2.0, 50.0];
        let shards = [1u64, 2, 7, 512, 1 << 20, MAX_SHARDS];
        let rings = [
            (Placement::Hash, 1),
            (Placement::Consistent, 1),
            (Placement::Consistent, 1000),
        ];
        for k in keys {
            for s in exponents {
                for n in shards {
                    for (placement, v) in rings {
                        let got = skew(&layout(k, s, placement, v), n).unwrap();
                        let p95 = got.skew_p95.unwrap();
                        let ok = got.skew.is_finite()
                            && got.skew >= 1.0 - 1e-9
                            && got.skew <= n as f64 * (1.0 + 1e-9)
                            && p95.is_finite()
                            && got.hottest_shard_share >= got.hottest_key_share * (1.0 - 1e-9);
                        assert!(ok, "K={k} s={s} S={n} {placement} V={v}: {got:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn hottest_share_falls_with_shards() {
        // Monotone up to the ≤ 1 % step where the discrete count model
        // hands over to the continuous one (200 effective keys per shard).
        for (k, s, placement, v) in [
            (100_000, 0.0, Placement::Hash, 1),
            (1_000_000, 0.8, Placement::Hash, 1),
            (100_000, 0.0, Placement::Consistent, 16),
        ] {
            let lay = layout(k, s, placement, v);
            let mut last = 1.0;
            for n in 1..=1200 {
                let share = skew(&lay, n).unwrap().hottest_shard_share;
                assert!(share <= last * 1.01, "K={k} s={s} S={n}: {share} after {last}");
                last = share;
            }
        }
    }

    #[test]
    fn count_skew_ignores_popularity() {
        let hot = layout(50_000, 1.2, Placement::Consistent, 16);
        let flat = layout(50_000, 0.0, Placement::Consistent, 16);
        let got = count_skew(&hot, 100).unwrap();
        assert!(close(got, skew(&flat, 100).unwrap().skew, 1e-12));
        let modulo = layout(50_000, 1.2, Placement::Modulo, 16);
        let hash = layout(50_000, 0.0, Placement::Hash, 16);
        assert!(close(
            count_skew(&modulo, 100).unwrap(),
            skew(&hash, 100).unwrap().skew,
            1e-12
        ));
    }

    fn brute_force_moved(keys: u64, from: u64, to: u64) -> f64 {
        (0..keys).filter(|k| k % from != k % to).count() as f64 / keys as f64
    }

    #[test]
    fn modulo_moves_match_brute_force() {
        for keys in [1u64, 7, 100, 1000, 12_345] {
            for from in 1..=24u64 {
                for to in 1..=24u64 {
                    let got = moved_fraction(Placement::Modulo, keys, from, to).unwrap();
                    let want = brute_force_moved(keys, from, to);
                    assert!((got - want).abs() < 1e-12, "K={keys} {from}->{to}: {got} vs {want}");
                }
            }
        }
    }

    #[test]
    fn one_more_shard_moves_all_but_one_in_s_plus_one() {
        for s in [1u64, 2, 9, 64, 1000] {
            let want = s as f64 / (s + 1) as f64;
            let keys = (s * (s + 1)) * 7; // whole periods: exact
            let modulo = moved_fraction(Placement::Modulo, keys, s, s + 1).unwrap();
            let hash = moved_fraction(Placement::Hash, keys, s, s + 1).unwrap();
            assert!((modulo - want).abs() < 1e-12 && (hash - want).abs() < 1e-12);
        }
        // Doubling moves half; hash is the whole-period limit of modulo.
        let half = moved_fraction(Placement::Hash, 10, 32, 64).unwrap();
        assert!((half - 0.5).abs() < 1e-12);
    }

    #[test]
    fn consistent_moves_only_the_changed_share() {
        let cases = [(8, 9, 1.0 / 9.0), (64, 128, 0.5), (10, 6, 0.4), (5, 5, 0.0)];
        for (from, to, want) in cases {
            let got = moved_fraction(Placement::Consistent, 100, from, to).unwrap();
            assert!((got - want).abs() < 1e-12, "{from}->{to}: {got}");
        }
    }

    #[test]
    fn reshard_bytes_and_time() {
        // 64 -> 65 modulo over whole periods: 64/65 of 1 TB at 100 MB/s.
        let r = reshard(Placement::Modulo, 64 * 65 * 1000, 64, 65, 1e12, 1e8).unwrap();
        let moved = 1e12 * 64.0 / 65.0;
        assert!(close(r.moved_bytes, moved, 1e-12));
        assert!(close(r.move_time_s, moved / 1e8, 1e-12));
        assert_eq!(
            reshard(Placement::Hash, 10, 4, 5, 1e9, 0.0),
            Err(ShardError::Bandwidth(0.0))
        );
    }

    #[test]
    fn months_to_full_by_hand() {
        // 100 GB of 500 GB at 5 %/month: ln 5 / ln 1.05 = 1.6094379124341003
        // / 0.04879016416943205 = 32.986934 months.
        let g = months_to_full(100e9, 500e9, Growth::FractionPerMonth(0.05)).unwrap();
        assert!(close(g.unwrap(), 32.986_933_7, 1e-8), "{g:?}");
        // Linear: 400 GB of room at 20 GB/month = 20 months.
        let l = months_to_full(100e9, 500e9, Growth::BytesPerMonth(20e9)).unwrap();
        assert!(close(l.unwrap(), 20.0, 1e-12));
        assert_eq!(
            months_to_full(600e9, 500e9, Growth::FractionPerMonth(0.05)),
            Ok(Some(0.0))
        );
        assert_eq!(months_to_full(100e9, 500e9, Growth::FractionPerMonth(0.0)), Ok(None));
        assert_eq!(months_to_full(0.0, 500e9, Growth::FractionPerMonth(0.1)), Ok(None));
        assert_eq!(months_to_full(100e9, 500e9, Growth::BytesPerMonth(0.0)), Ok(None));
        assert_eq!(
            months_to_full(1.0, 5.0, Growth::FractionPerMonth(-0.1)),
            Err(ShardError::Growth(-0.1))
        );
    }

    fn target(rate: f64, capacity: f64, stored: f64, storage: Option<f64>) -> SizeTarget {
        SizeTarget {
            total_rate_per_s: rate,
            shard_capacity_rate_per_s: capacity,
            stored_bytes: stored,
            shard_storage_bytes: storage,
        }
    }

    #[test]
    fn size_to_finds_the_least_fitting_shard_count() {
        let cases = [
            (
                layout(100_000, 0.0, Placement::Hash, 1),
                target(1e5, 3e3, 1e12, Some(5e10)),
            ),
            (
                layout(1_000_000, 0.9, Placement::Consistent, 64),
                target(2e5, 2e4, 1e12, None),
            ),
            (
                layout(10_000, 0.5, Placement::Modulo, 1),
                target(5e4, 1e3, 1e9, Some(2e7)),
            ),
        ];
        for (lay, t) in cases {
            let Ok(Sizing::Fits(fit)) = size_to(&lay, &t) else {
                panic!("{lay:?} {t:?} should fit");
            };
            // Linear scan up to the answer: nothing smaller fits.
            let first = (1..=fit.shards).find(|&n| fit_at(&lay, &t, n).is_some());
            assert_eq!(first, Some(fit.shards), "{lay:?}");
            assert!(fit.hottest_shard_rate_per_s <= t.shard_capacity_rate_per_s);
        }
    }

    #[test]
    fn size_to_reports_ceilings() {
        // p_1 = 1/H(1000, 1) = 0.1336: 13 360 req/s > 10 000.
        let hot = size_to(&layout(1000, 1.0, Placement::Hash, 1), &target(1e5, 1e4, 0.0, None));
        assert!(matches!(hot, Ok(Sizing::Infeasible(Ceiling::HotKey { .. }))), "{hot:?}");
        // 10 keys of 100 GB each, 10 GB shards.
        let big = size_to(
            &layout(10, 0.0, Placement::Hash, 1),
            &target(0.0, 1.0, 1e12, Some(1e10)),
        );
        assert!(
            matches!(big, Ok(Sizing::Infeasible(Ceiling::KeyBytes { .. }))),
            "{big:?}"
        );
        // Needs about 2^25 shards: stops at the limit instead of looping.
        let far = size_to(
            &layout(1 << 40, 0.0, Placement::Hash, 1),
            &target(1.0, 1.0 / (1u64 << 25) as f64, 0.0, None),
        );
        assert_eq!(
            far,
            Ok(Sizing::Infeasible(Ceiling::ShardLimit { max_shards: MAX_SHARDS }))
        );
        let one = size_to(&layout(10, 0.0, Placement::Hash, 1), &target(0.0, 1.0, 0.0, None));
        assert!(matches!(one, Ok(Sizing::Fits(ShardFit { shards: 1, .. }))));
    }

    fn input(shards: u64) -> ShardInput {
        ShardInput {
            layout: layout(1_000_000, 0.9, Placement::Consistent, 128),
            shards,
            total_rate_per_s: Some(50_000.0),
            shard_capacity_rate_per_s: Some(4_000.0),
            stored_bytes: Some(2e12),
            shard_storage_bytes: Some(1e11),
            reshard_to: Some(shards + 1),
            bandwidth_bytes_per_s: Some(2e8),
            growth: Some(Growth::BytesPerMonth(1e11)),
        }
    }

    #[test]
    fn estimate_composes_the_parts() {
        let e = estimate(&input(32)).unwrap();
        let lay = input(32).layout;
        let load = skew(&lay, 32).unwrap();
        let counts = count_skew(&lay, 32).unwrap();
        let bytes = 2e12 / 32.0 * counts;
        assert_eq!((e.vnodes, e.placement.as_str()), (Some(128), "consistent"));
        assert!(close(e.skew, load.skew, 1e-12));
        assert_eq!(e.hot_key_fits, Some(load.hottest_key_share * 50_000.0 <= 4_000.0));
        assert!(close(
            e.hottest_shard_rate_per_s.unwrap(),
            load.hottest_shard_share * 5e4,
            1e-12
        ));
        assert!(close(e.hottest_shard_bytes.unwrap(), bytes, 1e-12));
        assert!(close(e.moved_fraction.unwrap(), 1.0 / 33.0, 1e-12));
        assert!(close(e.move_time_s.unwrap(), 2e12 / 33.0 / 2e8, 1e-12));
        // The fullest shard gets its count share of the growth.
        let months = (1e11 - bytes) / (1e11 * counts / 32.0);
        assert!(close(e.months_to_full.unwrap(), months, 1e-12));
        let bare = ShardInput {
            total_rate_per_s: None,
            stored_bytes: None,
            reshard_to: None,
            ..input(32)
        };
        let e = estimate(&bare).unwrap();
        assert_eq!(
            (e.hot_key_fits, e.hottest_shard_bytes, e.moved_bytes, e.months_to_full),
            (None, None, None, None)
        );
    }

    #[test]
    fn invalid_inputs_name_their_flag() {
        let cases: Vec<(ShardInput, &str)> = vec![
            (ShardInput { shards: 0, ..input(4) }, "--shards"),
            (
                ShardInput {
                    layout: layout(0, 1.0, Placement::Hash, 1),
                    ..input(4)
                },
                "--keys",
            ),
            (
                ShardInput {
                    layout: layout(9, -0.1, Placement::Hash, 1),
                    ..input(4)
                },
                "--zipf",
            ),
            (
                ShardInput {
                    layout: layout(9, f64::NAN, Placement::Hash, 1),
                    ..input(4)
                },
                "--zipf",
            ),
            (
                ShardInput {
                    layout: layout(9, 1.0, Placement::Consistent, 0),
                    ..input(4)
                },
                "--vnodes",
            ),
            (
                ShardInput {
                    reshard_to: Some(0),
                    ..input(4)
                },
                "--reshard-to",
            ),
            (
                ShardInput {
                    bandwidth_bytes_per_s: Some(0.0),
                    ..input(4)
                },
                "--bandwidth",
            ),
            (
                ShardInput {
                    growth: Some(Growth::FractionPerMonth(f64::INFINITY)),
                    ..input(4)
                },
                "--growth",
            ),
            (
                ShardInput {
                    shard_storage_bytes: Some(-1.0),
                    ..input(4)
                },
                "--shard-storage",
            ),
            (
                ShardInput {
                    shard_capacity_rate_per_s: Some(0.0),
                    ..input(4)
                },
                "--size-to",
            ),
            (
                ShardInput {
                    total_rate_per_s: Some(-5.0),
                    ..input(4)
                },
                "--rate",
            ),
            (
                ShardInput {
                    stored_bytes: Some(f64::NAN),
                    ..input(4)
                },
                "--stored",
            ),
        ];
        for (bad, flag) in cases {
            let err = estimate(&bad).unwrap_err();
            assert_eq!(err.flag(), flag, "{err}");
            assert!(err.to_string().starts_with(flag), "{err}");
        }
        let lay = layout(9, 0.0, Placement::Hash, 1);
        assert_eq!(
            size_to(&lay, &target(1.0, -1.0, 0.0, None)),
            Err(ShardError::SizeTo(-1.0))
        );
        assert_eq!(skew(&lay, 0), Err(ShardError::Shards(0)));
    }

    #[test]
    fn placement_parses_and_names_itself() {
        for p in [Placement::Hash, Placement::Modulo, Placement::Consistent] {
            assert_eq!(p.as_str().parse::<Placement>(), Ok(p));
        }
        assert_eq!(" Consistent ".parse::<Placement>(), Ok(Placement::Consistent));
        let err = "ring".parse::<Placement>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "--placement: unknown placement 'ring'; expected one of hash, modulo, consistent"
        );
    }
}
