//! What a stage adds about its data beyond tiers and latency: the cache's
//! policy, expiry and staleness; when the fullest shard fills and what the
//! reshard then moves; and what a data-center failover costs through DNS
//! (DESIGN §5–§7). The planner fills these while it sizes the tiers.

use crate::cache::{Policy, Staleness};
use crate::sharding::Reshard;

/// Figures of a stage's data path; `None` where the stage has no such part.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataFigures {
    pub cache: Option<CacheFigures>,
    pub reshard: Option<ReshardOutlook>,
    pub dc_failover: Option<DcFailover>,
}

/// The cache tier: how it was sized and what it serves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CacheFigures {
    pub policy: Policy,
    /// The TTL in force for an expiry policy (given, or the one that
    /// reaches `cache_target_hit`), seconds.
    pub ttl_s: Option<f64>,
    /// Read queries per second the expiry model sees: the least-loaded
    /// data center's at peak (its hit ratio is the lowest, so the database
    /// is sized for the most misses). `None` for capacity policies, whose
    /// hit ratio does not depend on the rate.
    pub request_rate_per_s: Option<f64>,
    /// Items one data center's cache memory is provisioned for.
    pub provisioned_items: f64,
    /// `(1 + g)^H`: the data growth the memory is sized for (1 without a
    /// horizon).
    pub growth_factor: f64,
    /// Age of the entries served (expiry policies; `None` otherwise: an
    /// entry that never expires is as old as its last invalidation).
    pub staleness: Staleness,
}

/// When the fullest shard reaches its limit at the workload's growth, and
/// the reshard that follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReshardOutlook {
    /// Shards today.
    pub shards: u64,
    /// One shard's byte limit: `min(volume, 0.75·memory / working set)`.
    pub limit_bytes: f64,
    /// `storage` (the volume) or `memory` (the working set in the buffer
    /// pool): which of the two sets the limit.
    pub limited_by: &'static str,
    /// Bytes on the fullest shard today (key-count skew included).
    pub fullest_shard_bytes: f64,
    /// Months until the fullest shard holds `limit_bytes` (`None`: no
    /// growth, it never fills).
    pub months_to_full: Option<f64>,
    /// Stored bytes on that day, `B·(1 + g)^t`.
    pub stored_then_bytes: Option<f64>,
    /// The least shard count whose fullest shard holds that day's data at
    /// most [`super::reshard::RESHARD_TARGET_FILL`] full and carries
    /// today's load.
    pub shards_then: Option<u64>,
    /// The reshard to `shards_then` with `id mod S` placement.
    pub modulo: Option<ReshardMove>,
    /// The same reshard on a consistent-hash ring.
    pub consistent: Option<ReshardMove>,
    /// Copy bandwidth of the whole reshard: every shard copies out at the
    /// model's `reshard_bandwidth` at once.
    pub bandwidth_bytes_per_s: f64,
}

/// Keys and bytes one reshard moves, and how long the copy takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReshardMove {
    pub moved_keys: f64,
    pub reshard: Reshard,
}

/// What one data-center failure costs its users through DNS failover.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DcFailover {
    /// Health-check detection plus the DNS TTL: how long the failed data
    /// center's users are still sent to it.
    pub downtime_s: f64,
    /// `f·(t_detect + TTL)`: the share of all users' time lost to those
    /// transitions (f failures per second of one data center), in series
    /// in the stage's availability.
    pub unavailability: f64,
}
