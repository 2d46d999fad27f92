//! `scaleplan cache`: the hit ratio of one cache, or the size reaching a
//! target. All the math is in [`crate::cache`]; this maps flags to a
//! [`CacheSpec`] and the answer to one record.

use super::Calculation;
use crate::cache::{db_reads_per_s, evaluate, size_for_target, CacheResult, CacheSpec};
use crate::cli::CacheArgs;
use crate::error::InputError;
use crate::quantity::format_rate;
use crate::report::{Record, Unit};

pub fn run(args: &CacheArgs) -> Result<Calculation, InputError> {
    let spec = spec(args)?;
    let result = match args.target_hit {
        Some(target_hit) => size_for_target(&spec, target_hit)?,
        None => evaluate(&spec)?,
    };
    let db_reads = args.read_rate.map(|rate| db_reads_per_s(rate, result.hit_ratio));
    let explanation = args
        .explain
        .then(|| crate::explain::cache::explain(&spec, &result, args.target_hit, args.read_rate).render());
    Ok(Calculation {
        records: vec![record(&result, db_reads)],
        notes: args.read_rate.map(cache_loss_note).into_iter().collect(),
        explanation,
    })
}

/// The size of the cache, one of three ways (or the TTL for TTL
/// policies); memory flags only with something that turns items into bytes.
fn check_size(args: &CacheArgs) -> Result<(), InputError> {
    let sized = args.capacity.is_some() || args.memory.is_some() || args.target_hit.is_some();
    if !args.policy.is_ttl() && !sized {
        return Err(InputError::new(format!(
            "cache: give the cache's size one of three ways: --capacity ITEMS (e.g. 1M), --memory BYTES with --object-size BYTES (e.g. 16GiB and 1KiB), or --target-hit FRACTION to find the least size reaching it (e.g. 90%) [policy {}]",
            args.policy.as_str()
        )));
    }
    if args.policy.is_ttl() && args.ttl.is_none() && args.target_hit.is_none() {
        return Err(InputError::new(format!(
            "cache: policy {} needs --ttl TIME (e.g. 5min) and --request-rate RATE, or --target-hit FRACTION to find the TTL",
            args.policy.as_str()
        )));
    }
    let bytes_known = args.memory.is_some() || args.object_size.is_some();
    for (flag, given) in [
        ("--usable-memory", args.usable_memory.is_some()),
        ("--key-overhead", args.key_overhead.is_some()),
    ] {
        if given && !bytes_known {
            return Err(InputError::flag(
                flag,
                "applies to memory: give --memory with --object-size, or --object-size to turn items into memory",
            ));
        }
    }
    Ok(())
}

fn spec(args: &CacheArgs) -> Result<CacheSpec, InputError> {
    let (keys, zipf_s) = super::keys_and_zipf(&args.popularity)?;
    check_size(args)?;
    let mut spec = CacheSpec::new(keys as f64, zipf_s, args.policy);
    spec.capacity_items = args.capacity.map(|items| items as f64);
    spec.memory_bytes = args.memory;
    spec.object_size_bytes = args.object_size;
    spec.ttl_s = args.ttl;
    spec.request_rate_per_s = args.request_rate;
    if let Some(bytes) = args.key_overhead {
        spec.key_overhead_bytes = bytes;
    }
    if let Some(fraction) = args.usable_memory {
        spec.usable_fraction = fraction;
    }
    Ok(spec)
}

/// The look-aside cache as a hidden single point of failure (DESIGN §5).
fn cache_loss_note(read_rate_per_s: f64) -> String {
    format!(
        "without the cache the database takes all {} reads: size it for that, or treat the cache as a single point of failure",
        format_rate(db_reads_per_s(read_rate_per_s, 0.0))
    )
}

/// `characteristic_time_s`: see `CacheResult::characteristic_time_s`.
fn record(r: &CacheResult, db_reads: Option<f64>) -> Record {
    let record = Record::new()
        .int("keys", r.keys as u64)
        .float("zipf_exponent", Unit::Plain, r.zipf_s)
        .text("policy", r.policy.as_str())
        .int("capacity_items", whole(r.capacity_items))
        .opt_float("memory_bytes", Unit::Bytes, r.memory_bytes)
        .float("hit_ratio", Unit::Fraction, r.hit_ratio)
        .float("miss_ratio", Unit::Fraction, r.miss_ratio)
        .opt_float("characteristic_time_s", Unit::Seconds, r.characteristic_time_s);
    match db_reads {
        Some(rate) => record.float("db_reads_per_s", Unit::PerSecond, rate),
        None => record,
    }
}

/// A count of items as a whole number: sizes are whole (the inverse
/// search returns the least whole count); a non-finite one is 0.
fn whole(items: f64) -> u64 {
    if items.is_finite() {
        items.round().max(0.0) as u64
    } else {
        0
    }
}
