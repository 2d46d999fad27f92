//! `scaleplan replicas`: size the read replicas of one primary. All the
//! math is in [`crate::replication`]; this maps flags to a [`Replication`]
//! and the sizing to one record.

use super::Calculation;
use crate::cli::ReplicasArgs;
use crate::cost::Catalog;
use crate::error::InputError;
use crate::quantity::format_percent;
use crate::replication::{size_replicas, ReplicaSizing, Replication, ReplicationError};
use crate::report::{Record, Unit};

pub fn run(args: &ReplicasArgs) -> Result<Calculation, InputError> {
    let tier = tier(args)?;
    let sizing = size_replicas(&tier).map_err(flag_error)?;
    Ok(Calculation {
        records: vec![record(&sizing)],
        notes: vec![promotion_note(&sizing)],
        explanation: args
            .explain
            .then(|| crate::explain::replicas::explain(&tier, &sizing).render()),
    })
}

fn tier(args: &ReplicasArgs) -> Result<Replication, InputError> {
    let need = |value: Option<f64>, flag: &str, what: &str| value.ok_or_else(|| InputError::required(flag, what));
    let read_rate = need(args.read_rate, "--read-rate", "reads per second, e.g. 20k/s")?;
    let write_rate = need(args.write_rate, "--write-rate", "writes per second, e.g. 500/s")?;
    let read_time = need(args.read_time, "--read-time", "mean core time of one read, e.g. 2ms")?;
    let write_time = need(args.write_time, "--write-time", "mean core time of one write, e.g. 5ms")?;
    let cores = replica_cores(args)?;
    let mut tier = Replication::new(read_rate, write_rate, read_time, write_time, cores);
    if let Some(k) = args.primary_cores {
        tier.primary_cores = whole_cores("--primary-cores", k)?;
    }
    tier.apply_factor = args.apply_factor;
    tier.max_utilization = args.max_util;
    tier.failover_utilization = args.failover_util;
    tier.n_plus_one = args.n_plus_one;
    tier.max_replicas = args.max_replicas;
    tier.p99_read_target_s = args.p99_read;
    Ok(tier)
}

/// `--cores`, or the vCPU of `--instance` in the built-in catalog.
fn replica_cores(args: &ReplicasArgs) -> Result<u32, InputError> {
    match (&args.instance, args.cores) {
        (Some(name), _) => Catalog::builtin().find(name).map(|i| i.vcpu).ok_or_else(|| {
            InputError::flag(
                "--instance",
                format!(
                    "no instance `{name}` in the built-in catalog (data/instances.csv), e.g. r7i.2xlarge or m7i.xlarge"
                ),
            )
        }),
        (None, Some(k)) => whole_cores("--cores", k),
        (None, None) => Err(InputError::required(
            "--instance",
            "a replica instance from the built-in catalog, e.g. r7i.2xlarge (or --cores K)",
        )),
    }
}

/// Zero passes through: the module rejects it with its own message.
fn whole_cores(flag: &str, cores: u64) -> Result<u32, InputError> {
    u32::try_from(cores).map_err(|_| InputError::flag(flag, "must be a whole number from 1 to 4294967295"))
}

/// The module names the p99 target `--replica-p99`; this command's flag is `--p99-read`.
fn flag_error(e: ReplicationError) -> InputError {
    let message = e.to_string();
    match e {
        ReplicationError::P99Target(_) => InputError::new(message.replacen(e.flag(), "--p99-read", 1)),
        _ => InputError::new(message),
    }
}

/// What a failed primary leaves once a replica is promoted in its place.
fn promotion_note(s: &ReplicaSizing) -> String {
    let primary = format_percent(s.promoted_primary_utilization);
    let others = match s.replicas.saturating_sub(1) {
        1 => "the other replica".to_string(),
        n => format!("the other {n} replicas"),
    };
    match s.promotion_replica_utilization {
        Some(rest) => format!(
            "failed primary: the promoted replica takes the writes at {primary}, {others} the reads at {}",
            format_percent(rest)
        ),
        None => format!("failed primary: the one replica, promoted, takes the reads and the writes at {primary}"),
    }
}

fn record(s: &ReplicaSizing) -> Record {
    Record::new()
        .float("read_rate_per_s", Unit::PerSecond, s.read_rate_per_s)
        .float("write_rate_per_s", Unit::PerSecond, s.write_rate_per_s)
        .int("replicas", s.replicas)
        .text("binding", s.binding.as_str())
        .float("replica_utilization", Unit::Fraction, s.replica_utilization)
        .float("primary_utilization", Unit::Fraction, s.primary_utilization)
        .opt_float("replica_p99_read_s", Unit::Seconds, s.replica_p99_read_s)
        .opt_float("replication_lag_s", Unit::Seconds, s.replication_lag_s)
        .float("read_ceiling_per_s", Unit::PerSecond, s.read_ceiling_per_s)
        .opt_float(
            "failover_replica_utilization",
            Unit::Fraction,
            s.failover_replica_utilization,
        )
        .boolean("feasible", s.feasible)
        .text("reason", s.reason.as_str())
}
