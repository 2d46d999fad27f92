//! `scaleplan queue`: evaluate or size one farm.

use super::Calculation;
use crate::cli::QueueArgs;
use crate::error::InputError;
use crate::explain;
use crate::queueing::sizing::{violation, PercentileTarget};
use crate::queueing::{size, Constraints, Farm, FarmMetrics};
use crate::report::{format_plain, Record, Unit};

/// Utilization ceiling applied when sizing without `--max-util` (DESIGN §3).
pub const DEFAULT_MAX_UTILIZATION: f64 = 0.7;

pub fn run(args: &QueueArgs) -> Result<Calculation, InputError> {
    let farm = farm(args)?;
    let constraints = constraints(args);
    let answer = answer(args, &farm, &constraints)?;
    let metrics = farm.metrics(answer.servers)?;
    let reason = if metrics.stable {
        answer.reason.clone()
    } else {
        unstable_reason(&farm, &metrics)
    };
    let feasible = answer.feasible && metrics.stable;
    let binding = answer.binding.as_deref();
    let explanation = match args.explain {
        true => Some(explain::queue::explain(&farm, &constraints, answer.servers, binding)?.render()),
        false => None,
    };
    Ok(Calculation {
        records: vec![record(&farm, &metrics, binding, feasible, &reason)],
        notes: Vec::new(),
        explanation,
    })
}

/// A count, evaluated (`--servers`) or sized, and why.
pub struct Answer {
    pub servers: u64,
    pub feasible: bool,
    /// What set a sized count (`None` when evaluating a given count).
    pub binding: Option<String>,
    pub reason: String,
}

/// Evaluates `--servers` or sizes the farm.
pub fn answer(args: &QueueArgs, farm: &Farm, constraints: &Constraints) -> Result<Answer, InputError> {
    Ok(match args.servers {
        Some(n) => {
            let (servers, feasible, reason) = evaluate(farm, constraints, n)?;
            Answer {
                servers,
                feasible,
                binding: None,
                reason,
            }
        }
        None => {
            let sizing = size(farm, constraints)?;
            Answer {
                servers: sizing.servers,
                feasible: sizing.feasible,
                binding: Some(sizing.binding),
                reason: sizing.reason,
            }
        }
    })
}

pub fn farm(args: &QueueArgs) -> Result<Farm, InputError> {
    let cores = u32::try_from(args.cores_per_server)
        .ok()
        .filter(|&k| k >= 1)
        .ok_or_else(|| InputError::flag("--cores-per-server", "must be a whole number from 1 to 4294967295"))?;
    if args.servers == Some(0) {
        return Err(InputError::flag("--servers", "must be at least 1"));
    }
    Ok(Farm {
        arrival_rate_per_s: args.arrival_rate,
        service_time_s: args.service_time,
        cores_per_server: cores,
        balancer: args.lb,
        ca: args.ca,
        cs: args.cs,
    })
}

pub fn constraints(args: &QueueArgs) -> Constraints {
    let percentiles = [
        (0.5, args.p50),
        (0.9, args.p90),
        (0.95, args.p95),
        (0.99, args.p99),
        (0.999, args.p999),
    ]
    .into_iter()
    .filter_map(|(quantile, target)| target.map(|target_s| PercentileTarget { quantile, target_s }))
    .collect();
    let sizing = args.servers.is_none();
    Constraints {
        max_utilization: args.max_util.or(sizing.then_some(DEFAULT_MAX_UTILIZATION)),
        percentiles,
        mean_wait_s: args.mean_wait,
        min_servers: args.min_servers,
        n_plus_one: args.n_plus_one,
        failover_utilization: args.failover_util,
    }
}

/// Evaluate mode: a given count, checked against whatever constraints were given.
fn evaluate(farm: &Farm, constraints: &Constraints, servers: u64) -> Result<(u64, bool, String), InputError> {
    let broken = violation(farm, constraints, servers)?;
    let reason = broken.map_or_else(String::new, |name| {
        format!("{servers} servers do not meet the {name} constraint")
    });
    Ok((servers, broken.is_none(), reason))
}

fn unstable_reason(farm: &Farm, m: &FarmMetrics) -> String {
    format!(
        "unstable: offered load {} Erlangs is at or above the {} of {}; the least stable count is {}",
        format_plain(m.offered_load_erlangs),
        counted(m.cores, "core"),
        counted(m.servers, "server"),
        counted(farm.least_stable_servers(), "server")
    )
}

/// `1 server`, `3 servers`.
fn counted(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn record(farm: &Farm, m: &FarmMetrics, binding: Option<&str>, feasible: bool, reason: &str) -> Record {
    Record::new()
        .float("arrival_rate_per_s", Unit::PerSecond, farm.arrival_rate_per_s)
        .float("service_time_s", Unit::Seconds, farm.service_time_s)
        .int("cores_per_server", farm.cores_per_server as u64)
        .int("servers", m.servers)
        .opt_text("binding", binding.map(str::to_string))
        .int("cores", m.cores)
        .float("offered_load_erlangs", Unit::Plain, m.offered_load_erlangs)
        .float("utilization", Unit::Fraction, m.utilization)
        .float("p_wait", Unit::Fraction, m.p_wait)
        .opt_float("mean_wait_s", Unit::Seconds, m.mean_wait_s)
        .opt_float("mean_response_s", Unit::Seconds, m.mean_response_s)
        .opt_float("mean_in_system", Unit::Plain, m.mean_in_system)
        .opt_float("p50_response_s", Unit::Seconds, m.p50_response_s)
        .opt_float("p90_response_s", Unit::Seconds, m.p90_response_s)
        .opt_float("p95_response_s", Unit::Seconds, m.p95_response_s)
        .opt_float("p99_response_s", Unit::Seconds, m.p99_response_s)
        .opt_float("p999_response_s", Unit::Seconds, m.p999_response_s)
        .opt_float("p95_wait_s", Unit::Seconds, m.p95_wait_s)
        .opt_float("p99_wait_s", Unit::Seconds, m.p99_wait_s)
        .boolean("stable", m.stable)
        .boolean("feasible", feasible)
        .text("reason", reason)
}
