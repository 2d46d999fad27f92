//! The stage record's data fields: the cache's policy, hit ratio and
//! staleness; the shards' exhaustion and the reshard it calls for; the DNS
//! failover of a multi-DC stage. Null where a stage has no such part (no
//! cache, no shards, one data center), so every record has every field.

use crate::plan::{ReshardMove, StagePlan};
use crate::report::{Record, Unit};

/// `record` with the data fields of `p` appended.
pub fn data_fields(record: Record, p: &StagePlan) -> Record {
    dc_fields(reshard_fields(cache_fields(record, p), p), p)
}

fn cache_fields(record: Record, p: &StagePlan) -> Record {
    let cache = p.data.cache.as_ref();
    record
        .opt_text("cache_policy", cache.map(|c| c.policy.as_str().to_string()))
        .opt_float("cache_hit_ratio", Unit::Fraction, p.cache_hit_ratio)
        .opt_float("cache_ttl_s", Unit::Seconds, cache.and_then(|c| c.ttl_s))
        .opt_float(
            "cache_request_rate_per_s",
            Unit::PerSecond,
            cache.and_then(|c| c.request_rate_per_s),
        )
        .opt_float("cache_items", Unit::Whole, cache.map(|c| c.provisioned_items))
        .opt_float("cache_growth_factor", Unit::Plain, cache.map(|c| c.growth_factor))
        .opt_float(
            "cache_staleness_mean_s",
            Unit::Seconds,
            cache.and_then(|c| c.staleness.mean_age_s),
        )
        .opt_float(
            "cache_staleness_max_s",
            Unit::Seconds,
            cache.and_then(|c| c.staleness.max_age_s),
        )
}

fn reshard_fields(record: Record, p: &StagePlan) -> Record {
    let r = p.data.reshard.as_ref();
    let record = record
        .opt_int("shards", p.shards)
        .opt_float("shard_limit_bytes", Unit::Bytes, r.map(|r| r.limit_bytes))
        .opt_text("shard_limited_by", r.map(|r| r.limited_by.to_string()))
        .opt_float("fullest_shard_bytes", Unit::Bytes, r.map(|r| r.fullest_shard_bytes))
        .opt_float(
            "time_to_full_s",
            Unit::Seconds,
            r.and_then(|r| r.months_to_full)
                .map(|m| m * crate::quantity::SECONDS_PER_MONTH),
        )
        .opt_float("stored_then_bytes", Unit::Bytes, r.and_then(|r| r.stored_then_bytes))
        .opt_int("shards_then", r.and_then(|r| r.shards_then))
        .opt_float(
            "reshard_bandwidth_bytes_per_s",
            Unit::Plain,
            r.map(|r| r.bandwidth_bytes_per_s),
        );
    let modulo = r.and_then(|r| r.modulo);
    let consistent = r.and_then(|r| r.consistent);
    let record = move_fields(
        record,
        modulo,
        ["modulo_moved_keys", "modulo_moved_bytes", "modulo_reshard_time_s"],
    );
    move_fields(
        record,
        consistent,
        [
            "consistent_moved_keys",
            "consistent_moved_bytes",
            "consistent_reshard_time_s",
        ],
    )
}

fn move_fields(record: Record, step: Option<ReshardMove>, names: [&'static str; 3]) -> Record {
    record
        .opt_float(names[0], Unit::Whole, step.map(|m| m.moved_keys))
        .opt_float(names[1], Unit::Bytes, step.map(|m| m.reshard.moved_bytes))
        .opt_float(names[2], Unit::Seconds, step.map(|m| m.reshard.move_time_s))
}

fn dc_fields(record: Record, p: &StagePlan) -> Record {
    let failover = p.data.dc_failover.as_ref();
    record
        .opt_float("dc_failover_downtime_s", Unit::Seconds, failover.map(|f| f.downtime_s))
        .opt_float(
            "dc_failover_unavailability",
            Unit::Fraction,
            failover.map(|f| f.unavailability),
        )
}
