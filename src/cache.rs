//! Cache hit ratio under the independent reference model: each request asks
//! for key `i` with probability `p_i = i^{-s} / H(K, s)` (see
//! [`crate::zipf`]), independently of all other requests.
//!
//! Capacity policies use the characteristic-time approximation: LRU after
//! Che, Tung and Wang (2002); FIFO and RANDOM after Gelenbe (1973) in the
//! form of Martina, Garetto and Leonardi (2014). LFU keeps the `C` most
//! popular keys. The TTL policies are exact per-key renewal results. Every
//! sum over keys runs over [`crate::zipf::rank_buckets`], so a model costs
//! microseconds even for `K = 10^12`, within 1e-4 of the exact sum.

use std::fmt;
use std::str::FromStr;

use crate::zipf::{self, RankBucket};

/// Per-key memory the store spends besides the value itself. Redis pays a
/// hash-table entry (24 B), a key object and SDS header (~20 B), the
/// allocator's rounding and an expiry entry (~16 B); memcached's item header
/// is 48–56 B. Both keep the key string too, so 80 B covers the metadata and
/// a short (~16–24 B) key.
pub const DEFAULT_KEY_OVERHEAD_BYTES: f64 = 80.0;

/// Share of a cache node's memory that can hold items. The rest is headroom
/// for allocator fragmentation (Redis `mem_fragmentation_ratio` of 1.1–1.3
/// is common; memcached loses a similar share to slab rounding), replication
/// buffers, and the copy-on-write of a background save. The usual advice is
/// to set `maxmemory` near three quarters of RAM.
pub const DEFAULT_USABLE_MEMORY_FRACTION: f64 = 0.75;

/// Largest key count accepted: beyond 2^53 ranks stop being exact in `f64`.
pub const MAX_KEYS: f64 = 1e15;

/// Largest Zipf exponent accepted: [`zipf::harmonic`] is verified up to 10,
/// and beyond it the top few keys take every request anyway.
pub const MAX_ZIPF_S: f64 = 10.0;

/// Iteration cap for the root finders: Newton needs about ten steps and
/// bisection on `ln T` at most ~60, so this is only a guard against a loop.
const MAX_SOLVER_STEPS: usize = 200;

/// Eviction or expiry policy of the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Least recently used: evict the key idle the longest.
    Lru,
    /// First in, first out: evict the oldest insertion; hits do not refresh.
    Fifo,
    /// Evict a key chosen uniformly at random.
    Random,
    /// Perfect least frequently used: hold the `C` most popular keys.
    Lfu,
    /// No capacity limit; a key expires `ttl_s` after it was inserted.
    Ttl,
    /// No capacity limit; a key expires `ttl_s` after its last request.
    TtlReset,
}

impl Policy {
    /// Every policy, in the order `--policy` lists them.
    pub const ALL: [Policy; 6] = [
        Policy::Lru,
        Policy::Fifo,
        Policy::Random,
        Policy::Lfu,
        Policy::Ttl,
        Policy::TtlReset,
    ];

    /// The name accepted by `--policy` and used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Lru => "lru",
            Policy::Fifo => "fifo",
            Policy::Random => "random",
            Policy::Lfu => "lfu",
            Policy::Ttl => "ttl",
            Policy::TtlReset => "ttl-reset",
        }
    }

    /// True for the expiry policies, which take a TTL instead of a capacity.
    pub fn is_ttl(self) -> bool {
        matches!(self, Policy::Ttl | Policy::TtlReset)
    }

    /// Occupancy kernel of a key seen at rate `x` per characteristic time.
    fn kernel(self) -> Option<Kernel> {
        match self {
            Policy::Lru | Policy::TtlReset => Some(Kernel::Exponential),
            Policy::Fifo | Policy::Random | Policy::Ttl => Some(Kernel::Hyperbolic),
            Policy::Lfu => None,
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Policy {
    type Err = CacheError;

    /// Parses `lru`, `fifo`, `random`, `lfu`, `ttl` or `ttl-reset`, ignoring
    /// ASCII case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Policy::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| CacheError::UnknownPolicy(text.to_string()))
    }
}

/// Why a cache model could not be evaluated. Field names are the CLI flags.
#[derive(Clone, Debug, PartialEq)]
pub enum CacheError {
    /// A number is outside its allowed range.
    Invalid {
        field: &'static str,
        value: f64,
        expected: &'static str,
    },
    /// The policy needs a value that was not given.
    Missing { field: &'static str, policy: Policy },
    /// A value was given that the policy or question does not use.
    NotApplicable { field: &'static str, policy: Policy },
    /// Two values that exclude each other were both given.
    Conflict { first: &'static str, second: &'static str },
    /// `--policy` named no known policy.
    UnknownPolicy(String),
    /// The root finder could not bracket a solution (not expected for
    /// validated inputs; reported instead of looping or returning NaN).
    NoSolution { what: &'static str },
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheError::Invalid { field, value, expected } => write!(f, "{field} must be {expected}, got {value}"),
            CacheError::Missing { field, policy } => {
                write!(f, "{field} is required for policy {policy}")
            }
            CacheError::NotApplicable { field, policy } => {
                write!(f, "{field} does not apply to policy {policy}")
            }
            CacheError::Conflict { first, second } => {
                write!(f, "{first} and {second} cannot both be given")
            }
            CacheError::UnknownPolicy(text) => {
                let names: Vec<&str> = Policy::ALL.iter().map(|p| p.as_str()).collect();
                write!(f, "unknown --policy '{text}' (expected one of: {})", names.join(", "))
            }
            CacheError::NoSolution { what } => write!(f, "could not solve for {what}"),
        }
    }
}

impl std::error::Error for CacheError {}

/// One evaluated cache: inputs echoed and the model's answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CacheResult {
    /// Number of distinct keys `K` (floored).
    pub keys: f64,
    /// Zipf exponent `s`.
    pub zipf_s: f64,
    pub policy: Policy,
    /// Items the cache holds: the capacity `C` (whole items) for capacity
    /// policies, the expected number of live keys for TTL policies.
    pub capacity_items: f64,
    /// Memory for those items, when an object size is known.
    pub memory_bytes: Option<f64>,
    /// Share of requests served from the cache, in [0, 1].
    pub hit_ratio: f64,
    /// `1 − hit_ratio`; for LRU, FIFO, RANDOM and TTL summed from the
    /// vacancies, so it keeps its digits when the hit ratio is near 1.
    pub miss_ratio: f64,
    /// Characteristic time in seconds: Che's `T` (LRU) or the FIFO/RANDOM
    /// `T` divided by the request rate when one is known; the TTL for TTL
    /// policies. `None` for LFU, without a request rate, or when the cache
    /// holds every key and nothing is ever evicted.
    pub characteristic_time_s: Option<f64>,
    /// The same time counted in requests (to all keys): `T` itself for
    /// LRU/FIFO/RANDOM, `R·τ` for TTL policies. `None` as above, except it
    /// needs no request rate.
    pub characteristic_time_requests: Option<f64>,
}

/// How cache memory turns into items.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryLayout {
    /// Mean stored value size, bytes (`--object-size`).
    pub object_size_bytes: f64,
    /// Per-key overhead of the store, bytes (`--key-overhead`).
    pub key_overhead_bytes: f64,
    /// Share of memory that holds items, in (0, 1] (`--usable-memory`).
    pub usable_fraction: f64,
}

impl MemoryLayout {
    /// A layout with the default key overhead and usable fraction.
    ///
    /// Errors: `--object-size` not finite or not positive.
    pub fn new(object_size_bytes: f64) -> Result<Self, CacheError> {
        let layout = MemoryLayout {
            object_size_bytes,
            key_overhead_bytes: DEFAULT_KEY_OVERHEAD_BYTES,
            usable_fraction: DEFAULT_USABLE_MEMORY_FRACTION,
        };
        layout.validate()?;
        Ok(layout)
    }

    /// Checks every field; the error names the flag.
    pub fn validate(&self) -> Result<(), CacheError> {
        positive("--object-size", self.object_size_bytes)?;
        non_negative("--key-overhead", self.key_overhead_bytes)?;
        let f = self.usable_fraction;
        if !(f > 0.0 && f <= 1.0) {
            return Err(invalid("--usable-memory", f, "in (0, 1]"));
        }
        Ok(())
    }

    /// Bytes one cached item costs: `object_size + key_overhead`.
    pub fn entry_bytes(&self) -> f64 {
        self.object_size_bytes + self.key_overhead_bytes
    }

    /// Whole items that fit:
    ///
    /// ```text
    /// items = ⌊ f · M / (o + k) ⌋
    /// ```
    /// where `M` is memory in bytes, `f` the usable fraction, `o` the object
    /// size and `k` the key overhead.
    pub fn items_in(&self, memory_bytes: f64) -> f64 {
        (self.usable_fraction * memory_bytes / self.entry_bytes()).floor()
    }

    /// Least whole bytes that hold `items` whole items by
    /// [`MemoryLayout::items_in`]: `M = ⌈ items · (o + k) / f ⌉`, plus a
    /// byte or two where rounding would leave the floor one item short.
    pub fn bytes_for(&self, items: f64) -> f64 {
        let mut bytes = (items * self.entry_bytes() / self.usable_fraction).ceil();
        for _ in 0..4 {
            if self.items_in(bytes) >= items {
                break;
            }
            bytes += 1.0;
        }
        bytes
    }
}

/// Zipf popularity over `K` keys, bucketed once so that every model and
/// inverse on it is cheap. Build one per `(K, s)` and reuse it.
#[derive(Clone, Debug)]
pub struct Popularity {
    keys: f64,
    zipf_s: f64,
    buckets: Vec<RankBucket>,
    /// `Σ count·p`, 1 up to rounding; used so that hit and miss add to 1.
    request_mass: f64,
    /// `Σ count·p²`, the slope of the hit ratio in `T` at `T = 0`.
    request_mass_sq: f64,
    /// Smallest representative popularity (the last bucket's).
    p_min: f64,
}

impl Popularity {
    /// Buckets the Zipf law `p_i = i^{-s} / H(K, s)`, `i = 1..=K`.
    ///
    /// Errors: `--keys` not in [1, 10^15]; `--zipf` not in [0, 10].
    pub fn new(keys: f64, zipf_s: f64) -> Result<Self, CacheError> {
        if !(keys.is_finite() && (1.0..=MAX_KEYS).contains(&keys)) {
            return Err(invalid("--keys", keys, "between 1 and 1e15"));
        }
        if !(zipf_s.is_finite() && (0.0..=MAX_ZIPF_S).contains(&zipf_s)) {
            return Err(invalid("--zipf", zipf_s, "between 0 and 10"));
        }
        let buckets = zipf::rank_buckets(keys, zipf_s).collect();
        Ok(Self::from_buckets(keys.floor(), zipf_s, buckets))
    }

    fn from_buckets(keys: f64, zipf_s: f64, buckets: Vec<RankBucket>) -> Self {
        let request_mass = buckets.iter().map(|b| b.count * b.p).sum();
        let request_mass_sq = buckets.iter().map(|b| b.count * b.p * b.p).sum();
        let p_min = buckets.last().map_or(1.0, |b| b.p);
        Popularity {
            keys,
            zipf_s,
            buckets,
            request_mass,
            request_mass_sq,
            p_min,
        }
    }

    /// Number of keys `K` (floored).
    pub fn keys(&self) -> f64 {
        self.keys
    }

    /// Zipf exponent `s`.
    pub fn zipf_s(&self) -> f64 {
        self.zipf_s
    }

    /// Hit ratio of a cache holding `capacity_items` whole items (floored).
    ///
    /// ```text
    /// LRU          Σ_i (1 − e^{−p_i·T}) = C,      hit = Σ_i p_i·(1 − e^{−p_i·T})
    /// FIFO/RANDOM  Σ_i p_i·T / (1 + p_i·T) = C,   hit = Σ_i p_i · p_i·T / (1 + p_i·T)
    /// LFU          hit = H(C, s) / H(K, s)
    /// ```
    /// where `C` is the capacity in items, `K` the key count, `p_i` the
    /// popularity of rank `i`, `H` the generalized harmonic number and `T`
    /// the characteristic time in requests, found by Newton's method on
    /// `ln T` inside a bracket. Edges: `C = 0` gives hit 0 and `T = 0`;
    /// `C ≥ K` gives hit 1 and no `T` (nothing is evicted).
    ///
    /// Errors: `--capacity` negative or not finite; a TTL policy
    /// (`--capacity` does not apply).
    pub fn hit_ratio_items(&self, policy: Policy, capacity_items: f64) -> Result<CacheResult, CacheError> {
        non_negative("--capacity", capacity_items)?;
        if policy.is_ttl() {
            return Err(CacheError::NotApplicable {
                field: "--capacity",
                policy,
            });
        }
        let c = capacity_items.floor();
        let (hit, miss, time) = self.capacity_model(policy, c)?;
        Ok(self.result(policy, c.min(self.keys), hit, miss, time))
    }

    /// Hit ratio of a TTL cache (no capacity limit) with per-key request
    /// rate `λ_i = p_i·R`:
    ///
    /// ```text
    /// Ttl       (expiry fixed at insertion)  h_i = λ_i·τ / (1 + λ_i·τ)
    /// TtlReset  (expiry reset on each hit)   h_i = 1 − e^{−λ_i·τ}
    /// hit = Σ_i p_i·h_i,    items = Σ_i h_i
    /// ```
    /// where `τ` is the TTL in seconds and `R` the request rate to all keys
    /// per second. `h_i` is both key `i`'s hit probability and the share of
    /// time it is cached (requests are Poisson), so `items` is the expected
    /// number of live keys, reported as `capacity_items`.
    ///
    /// Errors: `--ttl` or `--request-rate` not finite and positive; a
    /// capacity policy (`--ttl` does not apply).
    pub fn hit_ratio_ttl(
        &self,
        policy: Policy,
        ttl_s: f64,
        request_rate_per_s: f64,
    ) -> Result<CacheResult, CacheError> {
        positive("--ttl", ttl_s)?;
        positive("--request-rate", request_rate_per_s)?;
        let kernel = match policy.kernel() {
            Some(k) if policy.is_ttl() => k,
            _ => return Err(CacheError::NotApplicable { field: "--ttl", policy }),
        };
        // Capped so that an absurd τ·R saturates instead of overflowing.
        let t = (ttl_s * request_rate_per_s).min(f64::MAX);
        let hits = self.sums(kernel, Weight::Requests, t);
        let items = self.sums(kernel, Weight::Items, t).occupied;
        let (hit, miss) = hits.split();
        let mut result = self.result(policy, items, hit, miss, Some(t));
        result.characteristic_time_s = Some(ttl_s);
        Ok(result)
    }

    /// How old a served entry is under an expiry policy: the time since it
    /// was fetched from the database, over the requests the cache answers
    /// (hits; a miss serves fresh data). With per-key rate `λ_i = p_i·R`
    /// and `x_i = λ_i·τ`:
    ///
    /// ```text
    /// Ttl       mean = τ/2,   max = τ
    /// TtlReset  mean = Σ_i (e^{x_i} − 1 − x_i) / (R · Σ_i p_i·(1 − e^{−x_i})),   max unbounded
    /// ```
    /// where `τ` is the TTL in seconds and `R` the request rate to all keys.
    /// `Ttl`: an entry lives exactly `τ` from its insertion and its hits
    /// (Poisson) fall uniformly in that life. `TtlReset`: every hit pushes
    /// the expiry back, but not the data, so an entry lives while the gaps
    /// between its requests stay below `τ`; by renewal-reward its hits'
    /// mean age is `E[X; X < τ] / (q·(1 − q))` with `q = 1 − e^{−x}`, which
    /// the weights `p_i·h_i` turn into the sum above. A key read more often
    /// than once per TTL is practically never refreshed, so the maximum is
    /// unbounded (`None`), and the mean is `None` too where it exceeds
    /// double precision.
    ///
    /// Errors: as [`Popularity::hit_ratio_ttl`].
    pub fn ttl_staleness(&self, policy: Policy, ttl_s: f64, request_rate_per_s: f64) -> Result<Staleness, CacheError> {
        let hit = self.hit_ratio_ttl(policy, ttl_s, request_rate_per_s)?.hit_ratio;
        if policy == Policy::Ttl {
            return Ok(Staleness {
                mean_age_s: Some(0.5 * ttl_s),
                max_age_s: Some(ttl_s),
            });
        }
        let t = ttl_s * request_rate_per_s;
        let excess: f64 = self.buckets.iter().map(|b| b.count * exp_excess(b.p * t)).sum();
        let mean = excess / self.request_mass / (request_rate_per_s * hit);
        Ok(Staleness {
            mean_age_s: mean.is_finite().then_some(mean),
            max_age_s: None,
        })
    }

    /// Smallest whole capacity `C` whose hit ratio reaches `target_hit`:
    /// `hit(C − 1) < target ≤ hit(C)`, found by bisection on integers in
    /// `[0, K]` (the hit ratio rises with `C` and is 1 at `C = K`).
    ///
    /// Errors: `--target-hit` not in (0, 1); a TTL policy (use
    /// [`Popularity::ttl_for_hit`]).
    pub fn capacity_for_hit(&self, policy: Policy, target_hit: f64) -> Result<f64, CacheError> {
        check_target(target_hit)?;
        if policy.is_ttl() {
            return Err(CacheError::NotApplicable {
                field: "--capacity",
                policy,
            });
        }
        let (mut below, mut reaches) = (0.0_f64, self.keys);
        while reaches - below > 1.0 {
            let mid = ((below + reaches) / 2.0).floor();
            if self.capacity_model(policy, mid)?.0 >= target_hit {
                reaches = mid;
            } else {
                below = mid;
            }
        }
        Ok(reaches)
    }

    /// TTL in seconds whose hit ratio equals `target_hit`: solves
    ///
    /// ```text
    /// Σ_i p_i·h_i(p_i·R·τ) = target
    /// ```
    /// for `τ` (the hit ratio rises from 0 to 1 as `τ` grows, so every
    /// target in (0, 1) has one answer), with `h_i` as in
    /// [`Popularity::hit_ratio_ttl`].
    ///
    /// Errors: `--target-hit` not in (0, 1); `--request-rate` not positive;
    /// a capacity policy (`--ttl` does not apply).
    pub fn ttl_for_hit(&self, policy: Policy, target_hit: f64, request_rate_per_s: f64) -> Result<f64, CacheError> {
        check_target(target_hit)?;
        positive("--request-rate", request_rate_per_s)?;
        let kernel = match policy.kernel() {
            Some(k) if policy.is_ttl() => k,
            _ => return Err(CacheError::NotApplicable { field: "--ttl", policy }),
        };
        let t = self.solve_time(kernel, Weight::Requests, target_hit)?;
        Ok(t / request_rate_per_s)
    }

    /// `(hit, miss, T)` of a capacity policy at whole capacity `c ≥ 0`.
    fn capacity_model(&self, policy: Policy, c: f64) -> Result<(f64, f64, Option<f64>), CacheError> {
        if c >= self.keys {
            return Ok((1.0, 0.0, None));
        }
        if c < 1.0 {
            return Ok((0.0, 1.0, policy.kernel().map(|_| 0.0)));
        }
        let Some(kernel) = policy.kernel() else {
            let hit = zipf::harmonic(c, self.zipf_s) / zipf::harmonic(self.keys, self.zipf_s);
            return Ok((hit, 1.0 - hit, None));
        };
        let t = self.solve_time(kernel, Weight::Items, c)?;
        let (hit, miss) = self.sums(kernel, Weight::Requests, t).split();
        Ok((hit, miss, Some(t)))
    }

    fn result(
        &self,
        policy: Policy,
        capacity_items: f64,
        hit: f64,
        miss: f64,
        time_requests: Option<f64>,
    ) -> CacheResult {
        CacheResult {
            keys: self.keys,
            zipf_s: self.zipf_s,
            policy,
            capacity_items,
            memory_bytes: None,
            hit_ratio: hit,
            miss_ratio: miss,
            characteristic_time_s: None,
            characteristic_time_requests: time_requests,
        }
    }

    /// Weighted occupancy sums at characteristic time `t` (in requests).
    fn sums(&self, kernel: Kernel, weight: Weight, t: f64) -> Sums {
        let mut sums = Sums::default();
        for b in &self.buckets {
            let w = match weight {
                Weight::Items => b.count,
                Weight::Requests => b.count * b.p,
            };
            let (occupied, vacant, slope) = kernel.eval(b.p * t);
            sums.occupied += w * occupied;
            sums.vacant += w * vacant;
            sums.slope += w * slope;
        }
        sums
    }

    /// Solves `Σ w_i·occ(p_i·T) = target` for `T`, where `w_i` is 1 (items)
    /// or `p_i` (requests) and `0 < target < Σ w_i`. The bracket comes from
    /// `occ(x) ≤ x` (so `T ≥ target / Σ w_i·p_i`) and from every key having
    /// at least the smallest popularity (so `occ(p_min·T) ≥ target / Σ w_i`
    /// suffices); Newton steps on `ln T` that leave it fall back to
    /// bisection.
    fn solve_time(&self, kernel: Kernel, weight: Weight, target: f64) -> Result<f64, CacheError> {
        let (total, mass_p) = match weight {
            Weight::Items => (self.keys, self.request_mass),
            Weight::Requests => (self.request_mass, self.request_mass_sq),
        };
        let share = target / total;
        let upper = kernel.inverse(share) / self.p_min;
        let (mut lo, mut hi) = ((target / mass_p).ln(), upper.min(f64::MAX).ln());
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(CacheError::NoSolution {
                what: "the characteristic time",
            });
        }
        // Near a full cache, Σ w·occ − target loses its digits; the
        // complement Σ w − target − Σ w·vac keeps them.
        let residual = |u: f64| {
            let sums = self.sums(kernel, weight, u.exp());
            let r = if share <= 0.5 {
                sums.occupied - target
            } else {
                (total - target) - sums.vacant
            };
            (r, sums.slope)
        };
        let tolerance = 1e-13 * target.min(total - target);
        let mut u = 0.5 * (lo + hi);
        for _ in 0..MAX_SOLVER_STEPS {
            let (r, slope) = residual(u);
            if r.abs() <= tolerance {
                break;
            }
            if r < 0.0 {
                lo = u;
            } else {
                hi = u;
            }
            if hi - lo <= 1e-14 * u.abs().max(1.0) {
                break;
            }
            let newton = u - r / slope;
            u = if slope > 0.0 && newton > lo && newton < hi {
                newton
            } else {
                0.5 * (lo + hi)
            };
        }
        Ok(u.exp())
    }
}

/// `e^x − 1 − x` without cancellation for small `x` (series below 1e-3,
/// where the next term is below 1e-15 relative).
fn exp_excess(x: f64) -> f64 {
    if x < 1e-3 {
        x * x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x / 120.0)))
    } else {
        x.exp_m1() - x
    }
}

/// Age of the entries an expiry cache serves (see
/// [`Popularity::ttl_staleness`]); `None` where nothing bounds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Staleness {
    /// Mean time since a served entry was fetched, seconds.
    pub mean_age_s: Option<f64>,
    /// Longest such time, seconds.
    pub max_age_s: Option<f64>,
}

impl Staleness {
    /// Nothing bounds the age (no expiry, or nothing served).
    pub const UNBOUNDED: Staleness = Staleness {
        mean_age_s: None,
        max_age_s: None,
    };
}

/// A key's share of time in the cache as a function of `x = p·T`.
#[derive(Clone, Copy, Debug)]
enum Kernel {
    /// `1 − e^{−x}`: LRU (Che) and TTL reset on hit.
    Exponential,
    /// `x / (1 + x)`: FIFO, RANDOM and TTL fixed at insertion.
    Hyperbolic,
}

impl Kernel {
    /// `(occ(x), 1 − occ(x), x·occ'(x))`, each without cancellation.
    fn eval(self, x: f64) -> (f64, f64, f64) {
        match self {
            Kernel::Exponential => {
                let vacant = (-x).exp();
                let occupied = if x > std::f64::consts::LN_2 {
                    1.0 - vacant
                } else {
                    -(-x).exp_m1()
                };
                (occupied, vacant, x * vacant)
            }
            Kernel::Hyperbolic => {
                let vacant = 1.0 / (1.0 + x);
                (x * vacant, vacant, x * vacant * vacant)
            }
        }
    }

    /// `x` with `occ(x) = y`, for `0 ≤ y < 1`.
    fn inverse(self, y: f64) -> f64 {
        match self {
            Kernel::Exponential => -(-y).ln_1p(),
            Kernel::Hyperbolic => y / (1.0 - y),
        }
    }
}

/// What each key counts for in a sum: one item, or its request share `p_i`.
#[derive(Clone, Copy, Debug)]
enum Weight {
    Items,
    Requests,
}

#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    occupied: f64,
    vacant: f64,
    slope: f64,
}

impl Sums {
    /// `(hit, miss)` normalized to add to 1.
    fn split(self) -> (f64, f64) {
        let total = self.occupied + self.vacant;
        (self.occupied / total, self.vacant / total)
    }
}

/// Everything the CLI knows about one cache, flag by flag. Build it with
/// [`CacheSpec::new`] and set the options that were given.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CacheSpec {
    /// `--keys`
    pub keys: f64,
    /// `--zipf`
    pub zipf_s: f64,
    /// `--policy`
    pub policy: Policy,
    /// `--capacity`, in items.
    pub capacity_items: Option<f64>,
    /// `--memory`, in bytes of cache RAM.
    pub memory_bytes: Option<f64>,
    /// `--object-size`, in bytes.
    pub object_size_bytes: Option<f64>,
    /// `--key-overhead`, in bytes.
    pub key_overhead_bytes: f64,
    /// `--usable-memory`, a fraction in (0, 1].
    pub usable_fraction: f64,
    /// `--ttl`, in seconds.
    pub ttl_s: Option<f64>,
    /// `--request-rate`, requests per second to all keys.
    pub request_rate_per_s: Option<f64>,
}

impl CacheSpec {
    /// A spec with no size, TTL or rate, and the default memory layout.
    pub fn new(keys: f64, zipf_s: f64, policy: Policy) -> Self {
        CacheSpec {
            keys,
            zipf_s,
            policy,
            capacity_items: None,
            memory_bytes: None,
            object_size_bytes: None,
            key_overhead_bytes: DEFAULT_KEY_OVERHEAD_BYTES,
            usable_fraction: DEFAULT_USABLE_MEMORY_FRACTION,
            ttl_s: None,
            request_rate_per_s: None,
        }
    }

    fn layout(&self) -> Result<Option<MemoryLayout>, CacheError> {
        let Some(object_size_bytes) = self.object_size_bytes else {
            return Ok(None);
        };
        let layout = MemoryLayout {
            object_size_bytes,
            key_overhead_bytes: self.key_overhead_bytes,
            usable_fraction: self.usable_fraction,
        };
        layout.validate()?;
        Ok(Some(layout))
    }

    fn reject(&self, field: &'static str, given: bool) -> Result<(), CacheError> {
        if given {
            return Err(CacheError::NotApplicable {
                field,
                policy: self.policy,
            });
        }
        Ok(())
    }

    fn require(&self, field: &'static str, value: Option<f64>) -> Result<f64, CacheError> {
        value.ok_or(CacheError::Missing {
            field,
            policy: self.policy,
        })
    }
}

/// Hit ratio of the cache a [`CacheSpec`] describes.
///
/// Capacity policies take exactly one of `--capacity` (items) or `--memory`
/// (bytes, with `--object-size`): items = `⌊f·M / (o + k)⌋` as in
/// [`MemoryLayout::items_in`]; then [`Popularity::hit_ratio_items`]. With
/// `--capacity` and `--object-size` the memory is reported too. The
/// characteristic time in seconds is `T / R` when `--request-rate` is given.
/// TTL policies take `--ttl` and `--request-rate`; see
/// [`Popularity::hit_ratio_ttl`].
///
/// ```
/// use scaleplan::cache::{evaluate, CacheSpec, Policy};
/// let mut spec = CacheSpec::new(1e6, 1.0, Policy::Lfu);
/// spec.capacity_items = Some(1e6);
/// assert!((evaluate(&spec).unwrap().hit_ratio - 1.0).abs() < 1e-12);
/// ```
///
/// Errors: any invalid field (named by its flag), a missing one, both
/// `--capacity` and `--memory`, or a flag the policy does not use.
pub fn evaluate(spec: &CacheSpec) -> Result<CacheResult, CacheError> {
    let popularity = Popularity::new(spec.keys, spec.zipf_s)?;
    let layout = spec.layout()?;
    if let Some(rate) = spec.request_rate_per_s {
        positive("--request-rate", rate)?;
    }
    if spec.policy.is_ttl() {
        spec.reject("--capacity", spec.capacity_items.is_some())?;
        spec.reject("--memory", spec.memory_bytes.is_some())?;
        let ttl_s = spec.require("--ttl", spec.ttl_s)?;
        let rate = spec.require("--request-rate", spec.request_rate_per_s)?;
        let mut result = popularity.hit_ratio_ttl(spec.policy, ttl_s, rate)?;
        result.memory_bytes = layout.map(|l| l.bytes_for(result.capacity_items.ceil()));
        return Ok(result);
    }
    spec.reject("--ttl", spec.ttl_s.is_some())?;
    let items = match (spec.capacity_items, spec.memory_bytes) {
        (Some(_), Some(_)) => {
            return Err(CacheError::Conflict {
                first: "--capacity",
                second: "--memory",
            })
        }
        (Some(items), None) => items,
        (None, Some(memory_bytes)) => {
            non_negative("--memory", memory_bytes)?;
            let layout = layout.ok_or(CacheError::Missing {
                field: "--object-size",
                policy: spec.policy,
            })?;
            layout.items_in(memory_bytes)
        }
        (None, None) => spec.require("--capacity", None)?,
    };
    let mut result = popularity.hit_ratio_items(spec.policy, items)?;
    result.memory_bytes = match spec.memory_bytes {
        Some(memory_bytes) => Some(memory_bytes),
        None => layout.map(|l| l.bytes_for(result.capacity_items)),
    };
    result.characteristic_time_s = seconds(result.characteristic_time_requests, spec);
    Ok(result)
}

/// The smallest cache (capacity policies) or the TTL (TTL policies) that
/// reaches `target_hit`, evaluated there.
///
/// Capacity policies: `C` from [`Popularity::capacity_for_hit`]; with
/// `--object-size` also the memory `⌈C·(o + k)/f⌉` from
/// [`MemoryLayout::bytes_for`] (which holds at least `C` items). TTL
/// policies: `τ` from [`Popularity::ttl_for_hit`], needing
/// `--request-rate`. The spec must not already fix the size (`--capacity`,
/// `--memory`, `--ttl`).
///
/// Errors: `--target-hit` not in (0, 1) — a target of 1 needs every key
/// cached, which the caller can state without a model — plus those of
/// [`evaluate`].
pub fn size_for_target(spec: &CacheSpec, target_hit: f64) -> Result<CacheResult, CacheError> {
    check_target(target_hit)?;
    for (field, given) in [
        ("--capacity", spec.capacity_items.is_some()),
        ("--memory", spec.memory_bytes.is_some()),
        ("--ttl", spec.ttl_s.is_some()),
    ] {
        if given {
            return Err(CacheError::Conflict {
                first: field,
                second: "--target-hit",
            });
        }
    }
    let popularity = Popularity::new(spec.keys, spec.zipf_s)?;
    let mut sized = *spec;
    if spec.policy.is_ttl() {
        let rate = spec.require("--request-rate", spec.request_rate_per_s)?;
        sized.ttl_s = Some(popularity.ttl_for_hit(spec.policy, target_hit, rate)?);
    } else {
        sized.capacity_items = Some(popularity.capacity_for_hit(spec.policy, target_hit)?);
    }
    evaluate(&sized)
}

/// Database reads per second behind a look-aside cache:
///
/// ```text
/// db_reads = (1 − h) · λ_r
/// ```
/// where `λ_r` is the read rate in requests per second and `h` the hit
/// ratio (clamped to [0, 1]). Without the cache (`h = 0`) the database takes
/// every read: size for that if losing the cache must not take it down.
pub fn db_reads_per_s(read_rate_per_s: f64, hit_ratio: f64) -> f64 {
    (1.0 - hit_ratio.clamp(0.0, 1.0)) * read_rate_per_s
}

/// Mean time of a look-aside (cache-aside) read:
///
/// ```text
/// t = t_get + (1 − h) · (t_db + t_set)
/// ```
/// where `t_get` is the cache lookup, `t_db` the database read, `t_set` the
/// cache fill after a miss (all in seconds) and `h` the hit ratio (clamped
/// to [0, 1]). Every read pays the lookup; only misses pay the rest.
pub fn look_aside_read_s(cache_get_s: f64, db_read_s: f64, cache_set_s: f64, hit_ratio: f64) -> f64 {
    cache_get_s + (1.0 - hit_ratio.clamp(0.0, 1.0)) * (db_read_s + cache_set_s)
}

fn seconds(time_requests: Option<f64>, spec: &CacheSpec) -> Option<f64> {
    Some(time_requests? / spec.request_rate_per_s?)
}

fn invalid(field: &'static str, value: f64, expected: &'static str) -> CacheError {
    CacheError::Invalid { field, value, expected }
}

fn positive(field: &'static str, value: f64) -> Result<(), CacheError> {
    if value.is_finite() && value > 0.0 {
        return Ok(());
    }
    Err(invalid(field, value, "finite and positive"))
}

fn non_negative(field: &'static str, value: f64) -> Result<(), CacheError> {
    if value.is_finite() && value >= 0.0 {
        return Ok(());
    }
    Err(invalid(field, value, "finite and at least 0"))
}

fn check_target(target_hit: f64) -> Result<(), CacheError> {
    if target_hit > 0.0 && target_hit < 1.0 {
        return Ok(());
    }
    Err(invalid("--target-hit", target_hit, "strictly between 0 and 1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Popularity with one bucket per rank: the exact sums the buckets
    /// approximate. Normalized by a direct sum, smallest terms first.
    fn exact(keys: u64, s: f64) -> Popularity {
        let norm: f64 = (1..=keys).rev().map(|i| (i as f64).powf(-s)).sum();
        let buckets = (1..=keys)
            .map(|i| RankBucket {
                first_rank: i as f64,
                count: 1.0,
                p: (i as f64).powf(-s) / norm,
            })
            .collect();
        Popularity::from_buckets(keys as f64, s, buckets)
    }

    fn hit(pop: &Popularity, policy: Policy, capacity_items: f64) -> f64 {
        pop.hit_ratio_items(policy, capacity_items).unwrap().hit_ratio
    }

    #[test]
    fn buckets_match_exact_sums_within_1e4() {
        // The bucketing promise: 1e-4 absolute on the hit ratio.
        for &(keys, capacities) in &[
            (100_000u64, &[1.0, 10.0, 100.0, 1e3, 1e4, 5e4][..]),
            (1_000_000, &[10.0, 1e3, 1e4, 1e5, 5e5][..]),
        ] {
            for &s in &[0.2, 0.5, 0.8, 1.0, 1.2, 2.0, 3.0] {
                let fast = Popularity::new(keys as f64, s).unwrap();
                let slow = exact(keys, s);
                for &c in capacities {
                    for policy in [Policy::Lru, Policy::Fifo] {
                        let (h_fast, h_slow) = (hit(&fast, policy, c), hit(&slow, policy, c));
                        assert!(
                            (h_fast - h_slow).abs() < 1e-4,
                            "K={keys} s={s} C={c} {policy}: {h_fast} vs {h_slow}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn che_matches_mpmath() {
        // tests/reference/cache_reference.py: every term summed at 30 digits.
        let cases = [
            (
                Policy::Lru,
                10_000u64,
                0.8,
                100.0,
                110.79084573336954,
                0.15662463575929522,
            ),
            (Policy::Lru, 10_000, 1.0, 1000.0, 2352.178419733706, 0.6756017935096095),
            (
                Policy::Lru,
                100_000,
                0.5,
                10000.0,
                11173.667573619685,
                0.1847553727400402,
            ),
            (
                Policy::Lru,
                100_000,
                1.0,
                1000.0,
                1735.5253616259488,
                0.5061701484813224,
            ),
            (Policy::Lru, 100_000, 1.2, 100.0, 203.92275523404044, 0.6056718123076806),
            (
                Policy::Fifo,
                10_000,
                1.0,
                1000.0,
                2709.3369472740897,
                0.6309060041401948,
            ),
            (
                Policy::Fifo,
                100_000,
                0.8,
                1000.0,
                1218.3420139224986,
                0.17921241443487468,
            ),
        ];
        for (policy, keys, s, c, t_ref, hit_ref) in cases {
            // The solver on exact sums reproduces mpmath to rounding...
            let r = exact(keys, s).hit_ratio_items(policy, c).unwrap();
            let t = r.characteristic_time_requests.unwrap();
            assert!(((t - t_ref) / t_ref).abs() < 1e-10, "{policy} K={keys}: T {t}");
            assert!((r.hit_ratio - hit_ref).abs() < 1e-12, "{policy} K={keys}");
            // ...and the bucketed sums stay within the promised 1e-4.
            let bucketed = hit(&Popularity::new(keys as f64, s).unwrap(), policy, c);
            assert!((bucketed - hit_ref).abs() < 1e-4, "{policy} K={keys}: {bucketed}");
        }
    }

    #[test]
    fn random_equals_fifo() {
        let pop = Popularity::new(1e7, 0.9).unwrap();
        for c in [1.0, 1e3, 1e6] {
            let gap = hit(&pop, Policy::Random, c) - hit(&pop, Policy::Fifo, c);
            assert!(gap.abs() < 1e-15);
        }
    }

    #[test]
    fn che_equation_holds_at_huge_k() {
        // Σ count·(1 − e^{−pT}) = C at the returned T, checked independently.
        for &(keys, s, c) in &[(1e12, 0.5, 1e9), (1e12, 1.0, 123.0), (1e9, 2.0, 1e8)] {
            let pop = Popularity::new(keys, s).unwrap();
            let r = pop.hit_ratio_items(Policy::Lru, c).unwrap();
            let t = r.characteristic_time_requests.unwrap();
            let items: f64 = zipf::rank_buckets(keys, s)
                .map(|b| b.count * -(-b.p * t).exp_m1())
                .sum();
            assert!(((items - c) / c).abs() < 1e-9, "K={keys} s={s}: {items}");
            assert!(r.hit_ratio > 0.0 && r.hit_ratio < 1.0);
            assert!((r.hit_ratio + r.miss_ratio - 1.0).abs() < 1e-14);
        }
    }

    #[test]
    fn uniform_popularity_hits_c_over_k() {
        // s = 0: every policy keeps C of K equally popular keys.
        let pop = Popularity::new(1e6, 0.0).unwrap();
        for policy in [Policy::Lru, Policy::Fifo, Policy::Random, Policy::Lfu] {
            for c in [1.0, 1e3, 999_999.0] {
                let h = hit(&pop, policy, c);
                assert!((h - c / 1e6).abs() < 1e-12, "{policy} C={c}: {h}");
            }
        }
    }

    #[test]
    fn lfu_is_the_top_c_share() {
        for &s in &[0.0, 0.7, 1.0, 1.5] {
            let keys = 200_000u64;
            let norm: f64 = (1..=keys).rev().map(|i| (i as f64).powf(-s)).sum();
            let pop = Popularity::new(keys as f64, s).unwrap();
            for c in [1u64, 10, 1000, 150_000] {
                let top: f64 = (1..=c).rev().map(|i| (i as f64).powf(-s)).sum();
                let h = hit(&pop, Policy::Lfu, c as f64);
                assert!((h - top / norm).abs() < 1e-12, "s={s} C={c}: {h}");
            }
        }
    }

    #[test]
    fn lfu_beats_lru_beats_fifo() {
        // Known ordering under IRM: perfect LFU is optimal; LRU beats FIFO.
        let pop = Popularity::new(1e8, 0.9).unwrap();
        for c in [10.0, 1e4, 1e6] {
            let (lfu, lru, fifo) = (
                hit(&pop, Policy::Lfu, c),
                hit(&pop, Policy::Lru, c),
                hit(&pop, Policy::Fifo, c),
            );
            assert!(lfu > lru && lru > fifo, "C={c}: {lfu} {lru} {fifo}");
        }
    }

    #[test]
    fn capacity_edges() {
        let pop = Popularity::new(1000.0, 1.0).unwrap();
        for policy in [Policy::Lru, Policy::Fifo, Policy::Random, Policy::Lfu] {
            let empty = pop.hit_ratio_items(policy, 0.0).unwrap();
            assert!(empty.hit_ratio.abs() < 1e-15 && (empty.miss_ratio - 1.0).abs() < 1e-15);
            let full = pop.hit_ratio_items(policy, 1000.0).unwrap();
            assert!((full.hit_ratio - 1.0).abs() < 1e-15 && full.miss_ratio.abs() < 1e-15);
            assert_eq!(full.characteristic_time_requests, None);
            let over = pop.hit_ratio_items(policy, 1e300).unwrap();
            assert!((over.capacity_items - 1000.0).abs() < 1e-9);
            // Fractional capacities are whole items.
            let floored = hit(&pop, policy, 10.9) - hit(&pop, policy, 10.0);
            assert!(floored.abs() < 1e-15);
        }
        let almost = hit(&pop, Policy::Lru, 999.0);
        assert!(almost > 0.999 && almost < 1.0, "{almost}");
    }

    /// Direct TTL sums over every key, written out from the formulas.
    fn ttl_direct(keys: u64, s: f64, ttl_s: f64, rate: f64, reset: bool) -> (f64, f64) {
        let norm: f64 = (1..=keys).rev().map(|i| (i as f64).powf(-s)).sum();
        let (mut hit, mut items) = (0.0, 0.0);
        for i in (1..=keys).rev() {
            let p = (i as f64).powf(-s) / norm;
            let lambda_tau = p * rate * ttl_s;
            let h = match reset {
                true => 1.0 - (-lambda_tau).exp(),
                false => lambda_tau / (1.0 + lambda_tau),
            };
            hit += p * h;
            items += h;
        }
        (hit, items)
    }

    #[test]
    fn ttl_matches_direct_sums() {
        let keys = 1_000_000u64;
        for &s in &[0.6, 1.0, 1.4] {
            let pop = Popularity::new(keys as f64, s).unwrap();
            for &(ttl_s, rate) in &[(1.0, 100.0), (60.0, 5_000.0), (3600.0, 20_000.0)] {
                for (policy, reset) in [(Policy::Ttl, false), (Policy::TtlReset, true)] {
                    let r = pop.hit_ratio_ttl(policy, ttl_s, rate).unwrap();
                    let (hit, items) = ttl_direct(keys, s, ttl_s, rate, reset);
                    assert!((r.hit_ratio - hit).abs() < 1e-4, "{policy} s={s} τ={ttl_s}");
                    assert!(((r.capacity_items - items) / items).abs() < 1e-3);
                    assert_eq!(r.characteristic_time_s, Some(ttl_s));
                }
            }
        }
    }

    #[test]
    fn staleness_matches_the_per_key_renewal_formula() {
        // Written per key from renewal-reward, not from the closed sum: a
        // ttl-reset entry's hits have mean age E[X; X < τ]/(q(1 − q)),
        // X ~ Exp(λ), q = P(X < τ); weighted by each key's hits p·h.
        let keys = 100_000u64;
        for &s in &[0.6, 1.0] {
            let pop = Popularity::new(keys as f64, s).unwrap();
            for &(ttl_s, rate) in &[(1.0, 100.0), (0.05, 5_000.0), (0.2, 2_000.0)] {
                let norm: f64 = (1..=keys).rev().map(|i| (i as f64).powf(-s)).sum();
                let (mut weighted, mut hits) = (0.0, 0.0);
                for i in (1..=keys).rev() {
                    let p = (i as f64).powf(-s) / norm;
                    let lambda = p * rate;
                    let vacant = (-lambda * ttl_s).exp();
                    let q = -(-lambda * ttl_s).exp_m1();
                    let partial_mean = (1.0 - vacant * (1.0 + lambda * ttl_s)) / lambda;
                    let age = partial_mean / (q * vacant);
                    weighted += p * q * age;
                    hits += p * q;
                }
                let want = weighted / hits;
                let got = pop.ttl_staleness(Policy::TtlReset, ttl_s, rate).unwrap();
                let mean = got.mean_age_s.unwrap();
                assert!(((mean - want) / want).abs() < 1e-3, "s={s} τ={ttl_s}: {mean} vs {want}");
                assert_eq!(got.max_age_s, None);
                let fixed = pop.ttl_staleness(Policy::Ttl, ttl_s, rate).unwrap();
                assert_eq!((fixed.mean_age_s, fixed.max_age_s), (Some(0.5 * ttl_s), Some(ttl_s)));
            }
        }
        // A hot key that is never refreshed: beyond double precision, None.
        let pop = Popularity::new(1e6, 1.0).unwrap();
        let never = pop.ttl_staleness(Policy::TtlReset, 3600.0, 1e5).unwrap();
        assert_eq!(never.mean_age_s, None);
        assert!(pop.ttl_staleness(Policy::Lru, 1.0, 1.0).is_err());
        // The series branch of e^x − 1 − x agrees with the direct one.
        for x in [1e-9, 1e-5, 9.9e-4] {
            let direct = x * x * 0.5 * (1.0 + x / 3.0 + x * x / 12.0 + x * x * x / 60.0);
            assert!(((exp_excess(x) - direct) / direct).abs() < 1e-12, "{x}");
        }
        assert!(((exp_excess(1e-3) - (1e-3f64.exp_m1() - 1e-3)) / exp_excess(1e-3)).abs() < 1e-9);
    }

    #[test]
    fn ttl_reset_at_che_time_is_lru() {
        // Che's approximation is exactly a TTL-reset cache with τ = T / R
        // (and FIFO a fixed TTL): same hit ratio, and it holds C items.
        let rate = 1e4;
        let pop = Popularity::new(1e9, 0.9).unwrap();
        for (cap, ttl) in [(Policy::Lru, Policy::TtlReset), (Policy::Fifo, Policy::Ttl)] {
            for c in [100.0, 1e6] {
                let by_capacity = pop.hit_ratio_items(cap, c).unwrap();
                let tau = by_capacity.characteristic_time_requests.unwrap() / rate;
                let by_ttl = pop.hit_ratio_ttl(ttl, tau, rate).unwrap();
                assert!((by_ttl.hit_ratio - by_capacity.hit_ratio).abs() < 1e-12);
                assert!(((by_ttl.capacity_items - c) / c).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn capacity_inverse_brackets_the_target() {
        for &keys in &[1e4, 1e9] {
            for &s in &[0.6, 1.0, 1.4] {
                let pop = Popularity::new(keys, s).unwrap();
                for policy in [Policy::Lru, Policy::Fifo, Policy::Random, Policy::Lfu] {
                    for target in [0.01, 0.5, 0.9, 0.999] {
                        let c = pop.capacity_for_hit(policy, target).unwrap();
                        assert!((c - c.round()).abs() < 1e-9 && c >= 1.0 && c <= keys);
                        assert!(hit(&pop, policy, c) >= target, "{policy} K={keys} s={s}");
                        assert!(hit(&pop, policy, c - 1.0) < target, "{policy} K={keys} s={s}");
                    }
                }
            }
        }
    }

    #[test]
    fn ttl_inverse_reaches_the_target() {
        let pop = Popularity::new(1e8, 0.8).unwrap();
        for policy in [Policy::Ttl, Policy::TtlReset] {
            for target in [1e-6, 0.3, 0.95, 0.999_999] {
                let ttl_s = pop.ttl_for_hit(policy, target, 2_000.0).unwrap();
                let h = pop.hit_ratio_ttl(policy, ttl_s, 2_000.0).unwrap().hit_ratio;
                assert!(((h - target) / target).abs() < 1e-9, "{policy} {target}: {h}");
            }
        }
    }

    #[test]
    fn inverse_rejects_unreachable_or_mismatched_questions() {
        let pop = Popularity::new(1e6, 1.0).unwrap();
        for target in [0.0, 1.0, 1.5, -0.1, f64::NAN] {
            let err = pop.capacity_for_hit(Policy::Lru, target).unwrap_err();
            assert!(err.to_string().starts_with("--target-hit must be"), "{err}");
            assert!(pop.ttl_for_hit(Policy::Ttl, target, 1.0).is_err());
        }
        assert!(pop.capacity_for_hit(Policy::Ttl, 0.5).is_err());
        assert!(pop.ttl_for_hit(Policy::Lru, 0.5, 1.0).is_err());
        assert!(pop.hit_ratio_items(Policy::TtlReset, 10.0).is_err());
        assert!(pop.hit_ratio_ttl(Policy::Lfu, 1.0, 1.0).is_err());
    }

    #[test]
    fn invalid_inputs_name_their_flag() {
        let cases: [(Result<Popularity, CacheError>, &str); 6] = [
            (Popularity::new(0.5, 1.0), "--keys"),
            (Popularity::new(f64::INFINITY, 1.0), "--keys"),
            (Popularity::new(1e16, 1.0), "--keys"),
            (Popularity::new(10.0, -0.1), "--zipf"),
            (Popularity::new(10.0, f64::NAN), "--zipf"),
            (Popularity::new(10.0, 11.0), "--zipf"),
        ];
        for (result, flag) in cases {
            let message = result.unwrap_err().to_string();
            assert!(message.starts_with(flag), "{message}");
        }
        let message = Popularity::new(0.5, 1.0).unwrap_err().to_string();
        assert_eq!(message, "--keys must be between 1 and 1e15, got 0.5");
        let pop = Popularity::new(100.0, 1.0).unwrap();
        let calls = [
            (pop.hit_ratio_items(Policy::Lru, -1.0).err(), "--capacity"),
            (pop.hit_ratio_items(Policy::Lru, f64::NAN).err(), "--capacity"),
            (pop.hit_ratio_ttl(Policy::Ttl, 0.0, 1.0).err(), "--ttl"),
            (pop.hit_ratio_ttl(Policy::Ttl, 1.0, -1.0).err(), "--request-rate"),
            (MemoryLayout::new(0.0).err(), "--object-size"),
        ];
        for (err, flag) in calls {
            let message = err.unwrap().to_string();
            assert!(message.starts_with(flag), "{message}");
        }
    }

    #[test]
    fn policy_names_round_trip() {
        for policy in Policy::ALL {
            assert_eq!(policy.as_str().parse::<Policy>(), Ok(policy));
            assert_eq!(policy.to_string(), policy.as_str());
        }
        assert_eq!("TTL-Reset".parse::<Policy>(), Ok(Policy::TtlReset));
        let message = "lfru".parse::<Policy>().unwrap_err().to_string();
        assert_eq!(
            message,
            "unknown --policy 'lfru' (expected one of: lru, fifo, random, lfu, ttl, ttl-reset)"
        );
    }

    #[test]
    fn memory_becomes_whole_items() {
        let layout = MemoryLayout::new(1000.0).unwrap();
        // 0.75 · 2^30 / 1080 = 745654.04…
        let items = layout.items_in(1024.0 * 1024.0 * 1024.0);
        assert!((items - 745_654.0).abs() < 1e-9);
        for n in [0.0, 1.0, 7.0, 745_654.0, 1e12] {
            let bytes = layout.bytes_for(n);
            assert!((layout.items_in(bytes) - n).abs() < 1e-9, "{n}");
            assert!(layout.items_in(bytes - 1.0) < n || n < 1.0);
        }
    }

    #[test]
    fn spec_by_memory_equals_spec_by_items() {
        let mut by_memory = CacheSpec::new(1e8, 1.0, Policy::Lru);
        by_memory.memory_bytes = Some(8e9);
        by_memory.object_size_bytes = Some(2_000.0);
        by_memory.request_rate_per_s = Some(50_000.0);
        let a = evaluate(&by_memory).unwrap();
        // 0.75 · 8e9 / 2080 = 2884615.38…
        assert!((a.capacity_items - 2_884_615.0).abs() < 1e-9);
        assert_eq!(a.memory_bytes, Some(8e9));
        let pop = Popularity::new(1e8, 1.0).unwrap();
        let b = pop.hit_ratio_items(Policy::Lru, 2_884_615.0).unwrap();
        assert!((a.hit_ratio - b.hit_ratio).abs() < 1e-15);
        let t = b.characteristic_time_requests.unwrap();
        assert!((a.characteristic_time_s.unwrap() - t / 50_000.0).abs() < 1e-9 * t);
    }

    #[test]
    fn spec_sizing_round_trips() {
        let mut spec = CacheSpec::new(1e9, 0.9, Policy::Lru);
        spec.object_size_bytes = Some(500.0);
        let sized = size_for_target(&spec, 0.8).unwrap();
        assert!(sized.hit_ratio >= 0.8);
        let bytes = sized.memory_bytes.unwrap();
        let expected = (sized.capacity_items * 580.0 / 0.75).ceil();
        assert!((bytes - expected).abs() < 0.5);
        // The memory found holds the capacity found, hence the same hit ratio.
        spec.memory_bytes = Some(bytes);
        let again = evaluate(&spec).unwrap();
        assert!((again.capacity_items - sized.capacity_items).abs() < 1e-9);

        let mut ttl = CacheSpec::new(1e9, 0.9, Policy::TtlReset);
        ttl.request_rate_per_s = Some(10_000.0);
        let sized = size_for_target(&ttl, 0.5).unwrap();
        assert!((sized.hit_ratio - 0.5).abs() < 1e-9);
        assert!(sized.characteristic_time_s.unwrap() > 0.0);
    }

    #[test]
    fn spec_rejects_missing_and_conflicting_flags() {
        let base = CacheSpec::new(1e6, 1.0, Policy::Lru);
        let mut both = base;
        both.capacity_items = Some(10.0);
        both.memory_bytes = Some(1e6);
        let mut memory_only = base;
        memory_only.memory_bytes = Some(1e6);
        let mut ttl_on_lru = base;
        ttl_on_lru.capacity_items = Some(10.0);
        ttl_on_lru.ttl_s = Some(5.0);
        let mut ttl_no_rate = CacheSpec::new(1e6, 1.0, Policy::Ttl);
        ttl_no_rate.ttl_s = Some(5.0);
        let mut capacity_on_ttl = ttl_no_rate;
        capacity_on_ttl.request_rate_per_s = Some(1.0);
        capacity_on_ttl.capacity_items = Some(10.0);
        let cases = [
            (base, "--capacity is required for policy lru"),
            (both, "--capacity and --memory cannot both be given"),
            (memory_only, "--object-size is required for policy lru"),
            (ttl_on_lru, "--ttl does not apply to policy lru"),
            (ttl_no_rate, "--request-rate is required for policy ttl"),
            (capacity_on_ttl, "--capacity does not apply to policy ttl"),
        ];
        for (spec, message) in cases {
            assert_eq!(evaluate(&spec).unwrap_err().to_string(), message);
        }
        let mut sized = base;
        sized.capacity_items = Some(1.0);
        let err = size_for_target(&sized, 0.5).unwrap_err().to_string();
        assert_eq!(err, "--capacity and --target-hit cannot both be given");
    }

    #[test]
    fn look_aside_helpers() {
        // 90 % hits: 1 000 of 10 000 reads reach the database.
        assert!((db_reads_per_s(10_000.0, 0.9) - 1_000.0).abs() < 1e-9);
        assert!((db_reads_per_s(10_000.0, 0.0) - 10_000.0).abs() < 1e-9);
        // 0.5 ms get + 10 % · (5 ms read + 0.5 ms set) = 1.05 ms.
        let t = look_aside_read_s(0.0005, 0.005, 0.0005, 0.9);
        assert!((t - 0.00105).abs() < 1e-15);
    }
}
