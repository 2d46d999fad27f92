//! The cache tier (DESIGN §5): how much memory, what hit ratio, and how old
//! the entries it serves are. One implementation with `scaleplan cache`:
//! every figure comes from [`crate::cache::Popularity`], the model behind
//! the calculator.
//!
//! Sizing, per data center:
//! - a capacity policy (lru, fifo, random, lfu) holds `cache_fraction` of
//!   all cacheable bytes, or the least capacity reaching `cache_target_hit`
//!   (`Popularity::capacity_for_hit`); the hit ratio is that of the items
//!   the nodes' memory holds (more nodes for the operations, more items);
//! - an expiry policy (ttl, ttl-reset) has no capacity limit: its hit
//!   ratio follows from the TTL and the read-query rate
//!   (`Popularity::hit_ratio_ttl`; with `cache_target_hit` the TTL comes
//!   from `Popularity::ttl_for_hit`), and its memory holds the live keys;
//! - with `cache_growth_horizon = H` months the memory is sized for the
//!   data of that day: keys times `(1 + g)^H`, `g` the workload's
//!   `growth_per_month`; the hit ratio reported is today's on that memory.

use super::data::CacheFigures;
use super::{StageContext, TierPlan};
use crate::cache::{MemoryLayout, Policy, Popularity, Staleness};
use crate::error::InputError;
use crate::model::{Tier, DEFAULT_CACHE_FRACTION};
use crate::quantity::format_percent;

/// How the memory of one data center's cache is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Size {
    /// This share of all cacheable bytes.
    Fraction(f64),
    /// The least memory (or TTL) reaching this hit ratio.
    TargetHit(f64),
}

/// An expiry cache evaluated at one rate: `(hit ratio, live items)`.
struct Expiry {
    hit_ratio: f64,
    ttl_s: f64,
    live_items: f64,
    staleness: Staleness,
}

impl StageContext<'_> {
    /// The cache: nodes enough for the memory its sizing asks for (and at
    /// least the tier's `min`) and for the operations; the hit ratio and
    /// staleness of its policy (module docs).
    pub(super) fn cache_tier(&mut self, tier: &Tier) -> Result<TierPlan, InputError> {
        let policy = tier.policy.unwrap_or(Policy::Lru);
        let growth = self.cache_growth_factor();
        let layout = self.cache_layout()?;
        let (wanted_bytes, expiry) = match policy.is_ttl() {
            true => {
                let expiry = self.expiry(tier, policy)?;
                (layout.bytes_for((expiry.live_items * growth).ceil()), Some(expiry))
            }
            false => (self.capacity_bytes(policy, growth, &layout)?, None),
        };
        let instance = self.instance(tier)?;
        let by_memory = (wanted_bytes / instance.memory_bytes()).ceil().max(tier.min as f64) as u64;
        self.hit_ratio = match &expiry {
            Some(e) => e.hit_ratio,
            None => self.capacity_hit(policy, by_memory, instance.memory_bytes())?,
        };
        let min_tier = Tier {
            min: by_memory,
            ..tier.clone()
        };
        let mut plan = self.plain_tier(&min_tier)?;
        // Nodes added for operations bring memory too: a capacity policy's
        // hit ratio follows (an expiry cache already holds every live key).
        let per_dc = plan.servers / self.data_centers();
        if per_dc > by_memory && expiry.is_none() {
            self.hit_ratio = self.capacity_hit(policy, per_dc, instance.memory_bytes())?;
        }
        plan.name = tier.name.clone();
        let memory_nodes = (wanted_bytes / instance.memory_bytes()).ceil() as u64;
        let memory = match (&expiry, self.cache_size()) {
            (Some(_), _) => "memory for the live keys".to_string(),
            (None, Size::Fraction(f)) => format!("memory {} of cacheable bytes", format_percent(f)),
            (None, Size::TargetHit(h)) => format!("memory for a {} hit ratio", format_percent(h)),
        };
        plan.binding = super::stage_tiers::memory_binding(&plan.binding, memory_nodes, tier.min, &memory);
        let provisioned_items = match &expiry {
            Some(e) => (e.live_items * growth).ceil(),
            None => layout.items_in(per_dc.max(by_memory) as f64 * instance.memory_bytes()),
        };
        self.cache_time_s = match &expiry {
            // A lost expiry cache is full again after one TTL.
            Some(e) => Some(e.ttl_s),
            None => self.refill_s(policy, provisioned_items)?,
        };
        self.data.cache = Some(CacheFigures {
            policy,
            ttl_s: expiry.as_ref().map(|e| e.ttl_s),
            request_rate_per_s: expiry.as_ref().map(|_| self.expiry_rates().0),
            provisioned_items,
            growth_factor: growth,
            staleness: expiry.map_or(Staleness::UNBOUNDED, |e| e.staleness),
        });
        Ok(plan)
    }

    /// How long a lost capacity cache takes to refill: its characteristic
    /// time (Che's `T` for LRU): the time in which the expected number of
    /// distinct keys requested reaches its capacity. `None` for LFU or a
    /// cache that holds every key.
    fn refill_s(&self, policy: Policy, items: f64) -> Result<Option<f64>, InputError> {
        let w = self.w();
        let items = items.min(w.cache_keys());
        let time_requests = match policy {
            Policy::Lru => self.shared.lru(w, items)?.1,
            _ => {
                self.shared
                    .popularity(w)?
                    .hit_ratio_items(policy, items)
                    .map_err(|e| InputError::new(format!("cache model: {e}")))?
                    .characteristic_time_requests
            }
        };
        let gets_per_s = self.rates.reads_per_s * w.db_queries_per_read;
        Ok(time_requests.filter(|_| gets_per_s > 0.0).map(|t| t / gets_per_s))
    }

    fn cache_layout(&self) -> Result<MemoryLayout, InputError> {
        MemoryLayout::new(self.w().object_bytes).map_err(|e| InputError::new(format!("workload object_size: {e}")))
    }

    fn cache_size(&self) -> Size {
        match (self.stage.cache_target_hit, self.stage.cache_fraction) {
            (Some(target), _) => Size::TargetHit(target),
            (None, fraction) => Size::Fraction(fraction.unwrap_or(DEFAULT_CACHE_FRACTION)),
        }
    }

    /// `(1 + g)^H`: the workload's monthly data growth over the stage's
    /// `cache_growth_horizon` (1 without one).
    ///
    /// ```text
    /// growth = (1 + g)^H
    /// ```
    fn cache_growth_factor(&self) -> f64 {
        let months = self.stage.cache_growth_horizon.unwrap_or(0.0);
        (1.0 + self.w().growth_per_month).powf(months)
    }

    /// Memory a capacity policy is provisioned with: the fraction of the
    /// bytes of the horizon's keys, or the bytes of the least capacity
    /// whose hit ratio over those keys reaches the target.
    fn capacity_bytes(&self, policy: Policy, growth: f64, layout: &MemoryLayout) -> Result<f64, InputError> {
        let keys_then = self.w().cache_keys() * growth;
        match self.cache_size() {
            Size::Fraction(fraction) => Ok(fraction * layout.bytes_for(keys_then)),
            Size::TargetHit(target) => {
                let err = |e: crate::cache::CacheError| InputError::new(format!("cache model: {e}"));
                let grown;
                let popularity = match growth > 1.0 {
                    true => {
                        grown = Popularity::new(keys_then, self.w().zipf_s).map_err(err)?;
                        &grown
                    }
                    false => self.shared.popularity(self.w())?,
                };
                Ok(layout.bytes_for(popularity.capacity_for_hit(policy, target).map_err(err)?))
            }
        }
    }

    /// Today's hit ratio of a capacity policy on `nodes` nodes' memory.
    fn capacity_hit(&self, policy: Policy, nodes: u64, node_memory_bytes: f64) -> Result<f64, InputError> {
        let w = self.w();
        let items = self
            .cache_layout()?
            .items_in(nodes as f64 * node_memory_bytes)
            .min(w.cache_keys());
        if policy == Policy::Lru {
            return self.shared.lru_hit_ratio(w, items);
        }
        Ok(self
            .shared
            .popularity(w)?
            .hit_ratio_items(policy, items)
            .map_err(|e| InputError::new(format!("cache model: {e}")))?
            .hit_ratio)
    }

    /// Read queries per second one data center's cache sees at peak:
    /// `(least normal share, most failover share) · λ_r · q_r`. The hit
    /// ratio is taken at the first (the lowest hit ratio: the database is
    /// sized for the most misses), the live keys at the second (the most
    /// entries a cache must hold, when it takes a failed DC's users).
    fn expiry_rates(&self) -> (f64, f64) {
        let per_query = self.rates.reads_per_s * self.w().db_queries_per_read;
        let least = self.loads.iter().map(|l| l.normal).fold(f64::INFINITY, f64::min);
        let most = self.loads.iter().map(|l| l.failover).fold(0.0, f64::max);
        (per_query * least, per_query * most)
    }

    /// An expiry cache: the TTL (given, or found for the target), its hit
    /// ratio and staleness at the least-loaded rate, and its live keys at
    /// the busiest. Without reads it serves nothing.
    fn expiry(&self, tier: &Tier, policy: Policy) -> Result<Expiry, InputError> {
        let err = |e: crate::cache::CacheError| InputError::new(format!("cache model: {e}"));
        let popularity = self.shared.popularity(self.w())?;
        let (hit_rate, memory_rate) = self.expiry_rates();
        let ttl_s = match (tier.ttl, self.cache_size()) {
            (Some(ttl), _) => ttl,
            (None, Size::TargetHit(target)) if hit_rate > 0.0 => {
                popularity.ttl_for_hit(policy, target, hit_rate).map_err(err)?
            }
            _ => 0.0,
        };
        if !(hit_rate > 0.0 && ttl_s > 0.0) {
            return Ok(Expiry {
                hit_ratio: 0.0,
                ttl_s,
                live_items: 0.0,
                staleness: Staleness::UNBOUNDED,
            });
        }
        let at_hit_rate = popularity.hit_ratio_ttl(policy, ttl_s, hit_rate).map_err(err)?;
        let at_memory_rate = popularity.hit_ratio_ttl(policy, ttl_s, memory_rate).map_err(err)?;
        Ok(Expiry {
            hit_ratio: at_hit_rate.hit_ratio,
            ttl_s,
            live_items: at_memory_rate.capacity_items,
            staleness: popularity.ttl_staleness(policy, ttl_s, hit_rate).map_err(err)?,
        })
    }
}
