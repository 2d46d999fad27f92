//! `scaleplan shards`: skew, hot key, resharding and exhaustion of one shard
//! layout, for a given shard count or the least one that fits. All the
//! math is in [`crate::sharding`]; this maps flags to its inputs and the
//! answer to one record.

use super::Calculation;
use crate::cli::{ShardCapacity, ShardsArgs};
use crate::error::InputError;
use crate::quantity::{format_bytes, format_percent, format_rate, SECONDS_PER_MONTH};
use crate::report::{Record, Unit};
use crate::sharding::{
    estimate, size_to, skew, Ceiling, Layout, Placement, ShardEstimate, ShardFit, ShardInput, SizeTarget, Sizing,
};

/// Virtual nodes per shard on a consistent-hash ring unless `--vnodes`
/// says otherwise: Cassandra's long-standing `num_tokens`.
pub const DEFAULT_VNODES: u64 = 256;

pub fn run(args: &ShardsArgs) -> Result<Calculation, InputError> {
    let layout = layout(args)?;
    check_question(args)?;
    check_companions(args)?;
    let mut notes = Vec::new();
    let shards = match (args.shards, args.size_to) {
        (Some(shards), _) => shards,
        (None, Some(capacity)) => match size_to(&layout, &size_target(args, capacity))? {
            Sizing::Fits(fit) => {
                notes.push(sized_note(&fit, args, capacity));
                fit.shards
            }
            Sizing::Infeasible(ceiling) => return no_count_fits(args, &layout, &ceiling),
        },
        (None, None) => {
            return Err(InputError::required(
                "--shards",
                "the shard count, or --size-to one shard's capacity (5k/s or 2TiB) to find it",
            ))
        }
    };
    let shard_input = input(args, layout, shards);
    let e = estimate(&shard_input)?;
    notes.extend(estimate_notes(&e, args));
    let load = args.popularity.zipf.map(|_| e.hottest_key_share);
    let row = record(Some(e.shards), &layout, Some(&e), load, e.hot_key_fits);
    let sized = args.shards.is_none();
    Ok(Calculation {
        records: vec![row],
        notes,
        explanation: args
            .explain
            .then(|| crate::explain::shards::explain(&shard_input, &e, sized).render()),
    })
}

/// `--keys` always; `--zipf` only where load is asked about (without it
/// the load fields are null, and the key-count math, which does not depend
/// on popularity, runs on a uniform law).
fn layout(args: &ShardsArgs) -> Result<Layout, InputError> {
    let keys = super::keys(&args.popularity)?;
    let zipf_s = args.popularity.zipf.unwrap_or(0.0);
    let vnodes = match (args.placement, args.vnodes) {
        (Placement::Consistent, vnodes) => vnodes.unwrap_or(DEFAULT_VNODES),
        (_, Some(_)) => {
            return Err(InputError::flag("--vnodes", "applies to --placement consistent only"));
        }
        // Unused by hash and modulo placement.
        (_, None) => 1,
    };
    Ok(Layout {
        keys,
        zipf_s,
        placement: args.placement,
        vnodes,
    })
}

/// A question to answer, and `--zipf` where it needs request load: a
/// storage-only or resharding-only question needs no popularity.
fn check_question(args: &ShardsArgs) -> Result<(), InputError> {
    let asks_load = args.rate.is_some() || matches!(args.size_to, Some(ShardCapacity::RatePerS(_)));
    if asks_load && args.popularity.zipf.is_none() {
        let flag = if args.rate.is_some() { "--rate" } else { "--size-to" };
        return Err(InputError::flag(
            flag,
            "the hottest shard's request rate needs --zipf, the Zipf exponent of key popularity (e.g. 0.9; 0 is uniform)",
        ));
    }
    let asks_anything =
        args.popularity.zipf.is_some() || args.stored.is_some() || args.reshard_to.is_some() || args.size_to.is_some();
    if !asks_anything {
        return Err(InputError::new(
            "shards: nothing to answer; give --zipf for the load skew (with --rate for rates), --stored for the bytes per shard, or --reshard-to to reshard",
        ));
    }
    Ok(())
}

/// Flags that answer nothing without another one are an error, not a null.
fn check_companions(args: &ShardsArgs) -> Result<(), InputError> {
    match args.size_to {
        Some(ShardCapacity::RatePerS(_)) if args.rate.is_none() => {
            return Err(InputError::flag(
                "--size-to",
                "a per-shard rate needs --rate, the requests per second over all shards",
            ));
        }
        Some(ShardCapacity::Bytes(_)) if args.stored.is_none() => {
            return Err(InputError::flag(
                "--size-to",
                "a per-shard size needs --stored, the bytes over all shards",
            ));
        }
        Some(ShardCapacity::Bytes(_)) if args.shard_storage.is_some() => {
            return Err(InputError::flag(
                "--shard-storage",
                "--size-to already gives one shard's storage; give one of them",
            ));
        }
        _ => {}
    }
    if args.bandwidth.is_some() && (args.reshard_to.is_none() || args.stored.is_none()) {
        return Err(InputError::flag("--bandwidth", "needs --reshard-to and --stored"));
    }
    if args.growth.is_some() && (args.stored.is_none() || shard_storage(args).is_none()) {
        return Err(InputError::flag(
            "--growth",
            "needs --stored and --shard-storage (or --size-to BYTES)",
        ));
    }
    Ok(())
}

fn rate_capacity(args: &ShardsArgs) -> Option<f64> {
    match args.size_to {
        Some(ShardCapacity::RatePerS(rate)) => Some(rate),
        _ => None,
    }
}

fn shard_storage(args: &ShardsArgs) -> Option<f64> {
    match args.size_to {
        Some(ShardCapacity::Bytes(bytes)) => Some(bytes),
        _ => args.shard_storage,
    }
}

fn size_target(args: &ShardsArgs, capacity: ShardCapacity) -> SizeTarget {
    SizeTarget {
        total_rate_per_s: args.rate.unwrap_or(0.0),
        // Sized by storage alone: a rate no shard reaches leaves requests unconstrained.
        shard_capacity_rate_per_s: match capacity {
            ShardCapacity::RatePerS(rate) => rate,
            ShardCapacity::Bytes(_) => f64::MAX,
        },
        stored_bytes: args.stored.unwrap_or(0.0),
        shard_storage_bytes: shard_storage(args),
    }
}

fn input(args: &ShardsArgs, layout: Layout, shards: u64) -> ShardInput {
    ShardInput {
        layout,
        shards,
        total_rate_per_s: args.rate,
        shard_capacity_rate_per_s: rate_capacity(args),
        stored_bytes: args.stored,
        shard_storage_bytes: shard_storage(args),
        reshard_to: args.reshard_to,
        bandwidth_bytes_per_s: args.bandwidth,
        growth: args.growth,
    }
}

/// No shard count fits: a record without a count, and the reason as a note.
fn no_count_fits(args: &ShardsArgs, layout: &Layout, ceiling: &Ceiling) -> Result<Calculation, InputError> {
    // `size_to` checks the hot key first, so any other ceiling means it fits.
    let hot_key_fits = match ceiling {
        Ceiling::HotKey { .. } => Some(false),
        _ => rate_capacity(args).map(|_| true),
    };
    let hottest_key_share = match args.popularity.zipf {
        Some(_) => Some(skew(layout, 1)?.hottest_key_share),
        None => None,
    };
    let explanation = args.explain.then(|| {
        let mut e = crate::explain::Explanation::new("How this shard answer was computed (DESIGN §6):");
        e.note(format!("no shard count fits: {}", ceiling_note(ceiling)));
        e.render()
    });
    Ok(Calculation {
        records: vec![record(None, layout, None, hottest_key_share, hot_key_fits)],
        notes: vec![ceiling_note(ceiling)],
        explanation,
    })
}

fn ceiling_note(ceiling: &Ceiling) -> String {
    match ceiling {
        Ceiling::HotKey {
            hot_key_rate_per_s,
            shard_capacity_rate_per_s,
        } => format!(
            "no shard count fits: the hottest key alone needs {}, above one shard's {}; sharding cannot split one key (cache it or split it)",
            format_rate(*hot_key_rate_per_s),
            format_rate(*shard_capacity_rate_per_s)
        ),
        Ceiling::KeyBytes {
            key_bytes,
            shard_storage_bytes,
        } => format!(
            "no shard count fits: one key holds {}, above one shard's {}",
            format_bytes(*key_bytes),
            format_bytes(*shard_storage_bytes)
        ),
        Ceiling::ShardLimit { max_shards } => {
            format!("no shard count up to {max_shards} keeps the hottest shard within one shard's capacity")
        }
    }
}

fn sized_note(fit: &ShardFit, args: &ShardsArgs, capacity: ShardCapacity) -> String {
    let limit = match (capacity, args.shard_storage) {
        (ShardCapacity::RatePerS(rate), Some(bytes)) => format!("{} and {}", format_rate(rate), format_bytes(bytes)),
        (ShardCapacity::RatePerS(rate), None) => format_rate(rate),
        (ShardCapacity::Bytes(bytes), _) => format_bytes(bytes),
    };
    format!(
        "sized: {} shards is the least count whose hottest shard stays within {limit}",
        fit.shards
    )
}

fn estimate_notes(e: &ShardEstimate, args: &ShardsArgs) -> Vec<String> {
    let mut notes = Vec::new();
    let hottest: Vec<String> = [
        e.hottest_shard_rate_per_s.map(format_rate),
        e.hottest_shard_bytes.map(format_bytes),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !hottest.is_empty() {
        notes.push(format!("hottest shard: {}", hottest.join(", ")));
    }
    if e.hot_key_fits == Some(false) {
        notes.push(format!(
            "hot key: the hottest key alone ({} of requests) is more than one shard carries; sharding cannot split one key",
            format_percent(e.hottest_key_share)
        ));
    }
    if args.growth.is_some() && e.months_to_full.is_none() {
        notes.push("the fullest shard never fills at this growth".to_string());
    }
    notes
}

/// The output fields, in order; `None` inputs are the fields that do not
/// exist (no shard count fits). `hottest_key_share` is `None` without
/// `--zipf`, and so are the other load fields.
fn record(
    shards: Option<u64>,
    layout: &Layout,
    e: Option<&ShardEstimate>,
    hottest_key_share: Option<f64>,
    hot_key_fits: Option<bool>,
) -> Record {
    let load = e.filter(|_| hottest_key_share.is_some());
    Record::new()
        .opt_int("shards", shards)
        .int("keys", layout.keys)
        .opt_float("zipf_exponent", Unit::Plain, hottest_key_share.map(|_| layout.zipf_s))
        .text("placement", layout.placement.as_str())
        .opt_int("vnodes", layout.ring_vnodes())
        .opt_float("skew", Unit::Plain, load.map(|e| e.skew))
        .opt_float("skew_p95", Unit::Plain, load.and_then(|e| e.skew_p95))
        .opt_float("hottest_key_share", Unit::Fraction, hottest_key_share)
        .opt_float(
            "hottest_shard_share",
            Unit::Fraction,
            load.map(|e| e.hottest_shard_share),
        )
        .opt_bool("hot_key_fits", hot_key_fits)
        .opt_float("moved_fraction", Unit::Fraction, e.and_then(|e| e.moved_fraction))
        .opt_float("moved_bytes", Unit::Bytes, e.and_then(|e| e.moved_bytes))
        .opt_float("move_time_s", Unit::Seconds, e.and_then(|e| e.move_time_s))
        .opt_float(
            "time_to_full_s",
            Unit::Seconds,
            e.and_then(|e| e.months_to_full).map(|m| m * SECONDS_PER_MONTH),
        )
}
