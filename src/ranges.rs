//! What every numeric input is and the range it accepts: each flag, each
//! key of the workload, targets and stage model files, each number column
//! of the catalog and prices files. One table per source is what parses
//! and checks a value (a value outside its range is refused, naming it and
//! the range), what the flags' help and the README say, and what the tests
//! walk to check that no flag or key escapes the rule.
//!
//! The ranges are what the model means and what answers in well under a
//! second on any combination: a peak factor above 12 would put more than
//! half of a day's traffic in one hour, and sizing, the ceiling search and
//! the latency grids all stay fast inside these bounds (the property tests
//! in `tests/robust_properties.rs` time them).

use crate::quantity::{
    parse_bytes, parse_bytes_per_s, parse_count, parse_duration_s, parse_fraction, parse_integer, parse_number,
    parse_rate_per_s, parse_read_fraction, Problem, QuantityError,
};

/// What a value is, which decides how it is written and parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A count: `1200`, `1.5k`, `10M`.
    Count,
    /// A whole count: `8`, `4k`.
    Whole,
    /// A dimensionless number: a factor, an exponent, a coefficient of variation.
    Number,
    /// A fraction: `90%` or `0.9`.
    Fraction,
    /// A read:write mix: `9:1`, `90%`.
    Mix,
    /// A duration, unit required: `250ms`.
    Duration,
    /// A size, unit required: `4KiB`.
    Bytes,
    /// A rate, unit required: `1200/s`.
    Rate,
    /// A bandwidth, unit required: `100MB/s`.
    Bandwidth,
}

impl Kind {
    /// A quantity with a dimension: a bare number (other than 0) is refused.
    pub fn has_dimension(self) -> bool {
        matches!(self, Kind::Duration | Kind::Bytes | Kind::Rate | Kind::Bandwidth)
    }

    /// Parses `text` as this kind, in SI base units.
    pub fn parse(self, text: &str) -> Result<f64, QuantityError> {
        match self {
            Kind::Count => parse_count(text),
            Kind::Whole => parse_integer(text),
            Kind::Number => parse_number(text),
            Kind::Fraction => parse_fraction(text),
            Kind::Mix => parse_read_fraction(text),
            Kind::Duration => parse_duration_s(text),
            Kind::Bytes => parse_bytes(text),
            Kind::Rate => parse_rate_per_s(text),
            Kind::Bandwidth => parse_bytes_per_s(text),
        }
    }

    /// `value` (SI units) written as a user would type it, so that a range
    /// in a message can be copied back: `1ms`, `1GB`, `1G/s`, `70%`, `1T`.
    pub fn write(self, value: f64) -> String {
        match self {
            Kind::Duration => duration_text(value),
            Kind::Bytes => scaled(value, &BYTE_UNITS),
            Kind::Rate => format!("{}/s", scaled(value, &COUNT_UNITS)),
            Kind::Bandwidth => format!("{}/s", scaled(value, &BYTE_UNITS)),
            Kind::Fraction | Kind::Mix => format!("{}%", short(value * 100.0)),
            Kind::Count | Kind::Whole => scaled(value, &COUNT_UNITS),
            Kind::Number if value >= 1e5 => exponent(value),
            Kind::Number => short(value),
        }
    }

    /// How to write one, for the help and the README.
    pub fn example(self) -> &'static str {
        match self {
            Kind::Count => "a count: 1200, 1.5k, 10M",
            Kind::Whole => "a whole number: 8, 4k",
            Kind::Number => "a number: 0.9, 2e-3",
            Kind::Fraction => "a fraction: 70% or 0.7",
            Kind::Mix => "reads:writes 9:1, or a read share 90%",
            Kind::Duration => "a duration with its unit: 250ms, 2s (ns us ms s min h d)",
            Kind::Bytes => "a size with its unit: 512B, 4KiB, 2GB",
            Kind::Rate => "a rate with its unit: 1200/s, 5k/min, 1M/day",
            Kind::Bandwidth => "a bandwidth with its unit: 100MB/s, 6GB/min",
        }
    }
}

const COUNT_UNITS: [(f64, &str); 5] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, "")];
const BYTE_UNITS: [(f64, &str); 6] = [
    (1e15, "PB"),
    (1e12, "TB"),
    (1e9, "GB"),
    (1e6, "MB"),
    (1e3, "kB"),
    (1.0, "B"),
];

/// `value` in the largest unit it fills at least once: `1G`, `2.5kB`,
/// `8kB`; below 10 000 of the base unit and not whole thousands, plainly
/// (`4096`, `512B`, `1500`).
fn scaled(value: f64, units: &[(f64, &str)]) -> String {
    let (_, base) = units[units.len() - 1];
    if value < 1e4 && (value < 1e3 || value % 1e3 != 0.0) {
        return format!("{}{}", short(value), if value == 0.0 { "" } else { base });
    }
    let (scale, unit) = units
        .iter()
        .find(|(scale, _)| value >= *scale)
        .copied()
        .unwrap_or(units[units.len() - 1]);
    if value / scale >= 1000.0 {
        return format!("{}{base}", exponent(value));
    }
    format!("{}{unit}", short(value / scale))
}

/// A duration in the largest unit that writes it without a fraction.
fn duration_text(seconds: f64) -> String {
    const UNITS: [(f64, &str); 7] = [
        (86_400.0, "d"),
        (3600.0, "h"),
        (60.0, "min"),
        (1.0, "s"),
        (1e-3, "ms"),
        (1e-6, "us"),
        (1e-9, "ns"),
    ];
    if seconds == 0.0 {
        return "0".to_string();
    }
    UNITS
        .iter()
        .find(|(scale, _)| seconds >= *scale && ((seconds / scale).round() - seconds / scale).abs() < 1e-9)
        .or_else(|| UNITS.iter().find(|(scale, _)| seconds >= *scale))
        .map_or_else(
            || format!("{}s", exponent(seconds)),
            |(scale, unit)| format!("{}{unit}", short(seconds / scale)),
        )
}

/// Up to six significant digits, no trailing zeros: `0.7`, `12`, `0.001`.
fn short(x: f64) -> String {
    let text = format!("{x:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

/// `1e15`, `2.5e12`.
fn exponent(x: f64) -> String {
    let text = format!("{x:e}");
    text.replace(".0e", "e")
}

/// The values a kind accepts: `min` to `max`, each end included unless
/// marked open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub kind: Kind,
    pub min: f64,
    pub max: f64,
    /// `min` itself is refused (a service time must be above 0).
    pub min_open: bool,
    /// `max` itself is refused (a target hit ratio must be below 1).
    pub max_open: bool,
}

impl Range {
    /// `min` to `max`, both included.
    pub const fn new(kind: Kind, min: f64, max: f64) -> Range {
        Range {
            kind,
            min,
            max,
            min_open: false,
            max_open: false,
        }
    }

    /// Above `min` (excluded) up to `max`.
    pub const fn above(kind: Kind, min: f64, max: f64) -> Range {
        Range {
            min_open: true,
            ..Range::new(kind, min, max)
        }
    }

    /// Strictly between `min` and `max`.
    pub const fn between(kind: Kind, min: f64, max: f64) -> Range {
        Range {
            min_open: true,
            max_open: true,
            ..Range::new(kind, min, max)
        }
    }

    /// Whether `value` lies in the range (negative zero does not: no range
    /// goes below 0, and `-0` would print as negative).
    pub fn contains(&self, value: f64) -> bool {
        let above_min = if self.min_open {
            value > self.min
        } else {
            value >= self.min
        };
        let below_max = if self.max_open {
            value < self.max
        } else {
            value <= self.max
        };
        value.is_finite() && !value.is_sign_negative() && above_min && below_max
    }

    /// The range as a message and the help say it: `1 to 12`,
    /// `above 0 up to 1d`, `strictly between 0% and 100%`.
    pub fn describe(&self) -> String {
        let (min, max) = (self.kind.write(self.min), self.kind.write(self.max));
        match (self.min_open, self.max_open) {
            (false, false) => format!("{min} to {max}"),
            (true, false) => format!("above {min} up to {max}"),
            (false, true) => format!("{min} to below {max}"),
            (true, true) => format!("strictly between {min} and {max}"),
        }
    }

    /// `value` (parsed from `text`) if it lies in the range.
    pub fn check(&self, value: f64, text: &str) -> Result<f64, QuantityError> {
        if self.contains(value) {
            Ok(value)
        } else {
            Err(QuantityError {
                text: text.to_string(),
                problem: Problem::OutOfRange(self.describe()),
            })
        }
    }

    /// Parses `text` as the range's kind and checks it.
    pub fn parse(&self, text: &str) -> Result<f64, QuantityError> {
        self.check(self.kind.parse(text)?, text)
    }
}

/// One named input: a flag (`--p99`), a file key (`web_cpu`) or a column
/// (`vcpu`), its range, and for the two flags that take either of two
/// kinds (`--size-to 5k/s` or `2TiB`) the other one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Input {
    pub name: &'static str,
    pub range: Range,
    pub or: Option<Range>,
}

impl Input {
    const fn one(name: &'static str, range: Range) -> Input {
        Input { name, range, or: None }
    }

    const fn either(name: &'static str, range: Range, or: Range) -> Input {
        Input {
            name,
            range,
            or: Some(or),
        }
    }

    /// Its ranges, one or two.
    pub fn ranges(&self) -> impl Iterator<Item = &Range> {
        std::iter::once(&self.range).chain(self.or.as_ref())
    }

    /// Whether every way to write it needs a unit.
    pub fn needs_unit(&self) -> bool {
        self.ranges().all(|r| r.kind.has_dimension())
    }

    /// The range (or ranges) in words: `1 to 12`; `a rate … or a size …`.
    pub fn describe(&self) -> String {
        match &self.or {
            None => self.range.describe(),
            Some(or) => format!("{} or {}", self.range.describe(), or.describe()),
        }
    }

    /// Parses `text` by the first kind that reads it and checks that
    /// kind's range; the kind is returned with the value. Two kinds that
    /// both want a unit say so together (`write 5/s or 5GB`).
    pub fn parse(&self, text: &str) -> Result<(Kind, f64), QuantityError> {
        let first = match self.range.parse(text) {
            Ok(value) => return Ok((self.range.kind, value)),
            Err(e) => e,
        };
        let Some(or) = self.or else { return Err(first) };
        let second = match or.kind.parse(text) {
            Ok(value) => return or.check(value, text).map(|v| (or.kind, v)),
            Err(e) => e,
        };
        match (&first.problem, &second.problem) {
            (Problem::NoUnit(_), Problem::NoUnit(_)) => {
                let n = text.trim();
                let fix = vec![short_fix(self.range.kind, n), short_fix(or.kind, n)];
                Err(QuantityError {
                    problem: Problem::NoUnit(fix),
                    ..first
                })
            }
            (Problem::Malformed(_), Problem::Malformed(_)) => Err(QuantityError {
                problem: Problem::OutOfRange(self.describe()),
                ..first
            }),
            _ => Err(first),
        }
    }
}

/// `n` with the most common unit of a kind, named: `5/s (a rate)`.
fn short_fix(kind: Kind, n: &str) -> String {
    match kind {
        Kind::Rate => format!("{n}/s (a rate)"),
        Kind::Bytes => format!("{n}GB (a size)"),
        Kind::Duration => format!("{n}s (a duration)"),
        Kind::Bandwidth => format!("{n}MB/s (a bandwidth)"),
        _ => n.to_string(),
    }
}

/// Whether a file key names its unit (`log_bytes_per_request`, a
/// `…_s` or `…_bytes` key), so that a machine-written file may give it a
/// plain number in that SI unit.
pub fn names_its_unit(key: &str) -> bool {
    ["_s", "_bytes", "_per_s"].iter().any(|unit| key.ends_with(unit)) || key.contains("_bytes_")
}

/// The entry named `name` in `table`.
pub fn find(table: &'static [Input], name: &str) -> Option<&'static Input> {
    table.iter().find(|input| input.name == name)
}

const HOUR: f64 = 3600.0;
const DAY: f64 = 86_400.0;

use Kind::*;

/// The smallest user count a sweep takes (a plan needs one user).
pub const SWEEP_MIN_USERS: f64 = 1.0;
/// The largest user count a sweep takes (as `plan --users`).
pub const SWEEP_MAX_USERS: f64 = 1e12;
/// Most points in one sweep range.
pub const SWEEP_MAX_POINTS: u64 = 100;

/// Users: 1 to 1T (more than a hundred times the world's population; the
/// cacheable keys `users × objects_per_user` then stay within the cache
/// model's 1e15).
const USERS: Range = Range::new(Count, 1.0, 1e12);
const DAU_FRACTION: Range = Range::new(Fraction, 0.001, 1.0);
const REQUESTS_PER_DAU: Range = Range::new(Count, 1.0, 1e5);
/// A 24-hour profile with mean 1 and a busiest hour above 12 would hold
/// more than half of the day's requests in that hour.
const PEAK_FACTOR: Range = Range::new(Number, 1.0, 12.0);
const READ_WRITE: Range = Range::new(Mix, 0.0, 1.0);
const LATENCY_TARGET: Range = Range::above(Duration, 0.0, DAY);
/// A utilization ceiling leaves headroom: at 100 % a queue's wait has no
/// bound, and sizing right at the load is where Erlang B costs most.
const UTILIZATION: Range = Range::new(Fraction, 0.01, 0.99);
/// A server, data center or service up less than 90 % of the time is not
/// one to plan with (and makes the planner search far for redundancy).
const AVAILABILITY: Range = Range::new(Fraction, 0.9, 1.0);
/// A target of 100 % no stage can meet: the planner would add servers for
/// it round after round.
const AVAILABILITY_TARGET: Range = Range {
    max_open: true,
    ..AVAILABILITY
};
const REQUEST_RATE: Range = Range::new(Rate, 0.0, 1e9);
/// A queue's offered load `λ·S` stays under 4e11 Erlangs: the Erlang B
/// recursion costs `√a` steps a count, so sizing stays well under a second.
const ARRIVAL_RATE: Range = Range::new(Rate, 0.0, 1e8);
const SERVICE_TIME: Range = Range::new(Duration, 1e-9, HOUR);
const CORES: Range = Range::new(Whole, 1.0, 4096.0);
/// Coefficients of variation: 10 is already a very heavy tail (the
/// Allen–Cunneen factor (ca² + cs²)/2 up to 100).
const VARIABILITY: Range = Range::new(Number, 0.0, 10.0);
const SERVERS: Range = Range::new(Whole, 1.0, 1e12);
const KEYS: Range = Range::new(Whole, 1.0, 1e15);
const ZIPF: Range = Range::new(Number, 0.0, 10.0);
const ITEMS: Range = Range::new(Whole, 0.0, 1e15);
const MEMORY: Range = Range::new(Bytes, 0.0, 1e18);
const VALUE_SIZE: Range = Range::new(Bytes, 1.0, 1e9);
const SHARD_COUNT: Range = Range::new(Whole, 1.0, 1e6);
const STORED: Range = Range::new(Bytes, 0.0, 1e21);
const SHARD_STORAGE: Range = Range::above(Bytes, 0.0, 1e18);
const SHARD_RATE: Range = Range::above(Rate, 0.0, 1e9);

/// Every flag that takes a number, by its long name (the same flag means
/// the same thing in every command that has it).
pub const FLAGS: &[Input] = &[
    Input::one("--users", USERS),
    Input::one("--dau-fraction", DAU_FRACTION),
    Input::one("--requests-per-user", REQUESTS_PER_DAU),
    Input::one("--peak-factor", PEAK_FACTOR),
    Input::one("--read-write", READ_WRITE),
    Input::one("--p99", LATENCY_TARGET),
    Input::one("--max-util", UTILIZATION),
    Input::one("--availability", AVAILABILITY_TARGET),
    Input::one("--web-cpu", Range::new(Duration, 1e-6, 10.0)),
    Input::one("--samples", Range::new(Whole, 10.0, 1e5)),
    Input::one("--seed", Range::new(Whole, 0.0, 9e15)),
    Input::one("--confidence", Range::between(Fraction, 0.0, 1.0)),
    Input::one("--points", Range::new(Whole, 2.0, SWEEP_MAX_POINTS as f64)),
    Input::one("--arrival-rate", ARRIVAL_RATE),
    Input::one("--service-time", SERVICE_TIME),
    Input::one("--cores-per-server", CORES),
    Input::one("--ca", VARIABILITY),
    Input::one("--cs", VARIABILITY),
    Input::one("--servers", SERVERS),
    Input::one("--p50", LATENCY_TARGET),
    Input::one("--p90", LATENCY_TARGET),
    Input::one("--p95", LATENCY_TARGET),
    Input::one("--p999", LATENCY_TARGET),
    Input::one("--mean-wait", LATENCY_TARGET),
    Input::one("--min-servers", SERVERS),
    Input::one("--failover-util", UTILIZATION),
    Input::one("--keys", KEYS),
    Input::one("--zipf", ZIPF),
    Input::one("--capacity", ITEMS),
    Input::one("--memory", MEMORY),
    Input::one("--object-size", VALUE_SIZE),
    Input::one("--key-overhead", Range::new(Bytes, 0.0, 1e6)),
    Input::one("--usable-memory", Range::above(Fraction, 0.0, 1.0)),
    Input::one("--target-hit", Range::between(Fraction, 0.0, 1.0)),
    Input::one("--ttl", Range::above(Duration, 0.0, 365.0 * DAY)),
    Input::one("--request-rate", Range::above(Rate, 0.0, 1e9)),
    Input::one("--read-rate", REQUEST_RATE),
    Input::one("--write-rate", REQUEST_RATE),
    Input::one("--read-time", SERVICE_TIME),
    Input::one("--write-time", SERVICE_TIME),
    Input::one("--cores", CORES),
    Input::one("--primary-cores", CORES),
    Input::one("--apply-factor", Range::above(Number, 0.0, 10.0)),
    Input::one("--p99-read", LATENCY_TARGET),
    Input::one("--max-replicas", Range::new(Whole, 1.0, 1000.0)),
    Input::one("--shards", SHARD_COUNT),
    Input::either("--size-to", SHARD_RATE, SHARD_STORAGE),
    Input::one("--vnodes", Range::new(Whole, 1.0, 4096.0)),
    Input::one("--rate", REQUEST_RATE),
    Input::one("--stored", STORED),
    Input::one("--shard-storage", SHARD_STORAGE),
    Input::one("--reshard-to", SHARD_COUNT),
    Input::one("--bandwidth", Range::above(Bandwidth, 0.0, 1e12)),
    Input::either("--growth", Range::new(Fraction, 0.0, 1.0), Range::new(Bytes, 0.0, 1e21)),
];

/// Every key of a workload file (`data/workloads/default.toml`).
pub const WORKLOAD: &[Input] = &[
    Input::one("users", USERS),
    Input::one("dau_fraction", DAU_FRACTION),
    Input::one("requests_per_dau", REQUESTS_PER_DAU),
    Input::one("peak_factor", PEAK_FACTOR),
    Input::one("read_write", READ_WRITE),
    // Each query is a visit the latency distribution convolves, and each
    // count of cache misses among a read's queries a class of its own: the
    // work grows with the square of the count.
    Input::one("db_queries_per_read", Range::new(Count, 0.0, 10.0)),
    Input::one("db_queries_per_write", Range::new(Count, 0.0, 10.0)),
    Input::one("static_requests_per_dau", Range::new(Count, 0.0, 1e5)),
    Input::one("static_size", Range::new(Bytes, 0.0, 1e9)),
    Input::one("response_size", Range::new(Bytes, 0.0, 1e9)),
    Input::one("write_size", Range::new(Bytes, 0.0, 1e9)),
    // Work in the request path: a request of more than 10 s is a job.
    Input::one("web_cpu", Range::new(Duration, 1e-6, 10.0)),
    Input::one("static_cpu", Range::new(Duration, 1e-6, 10.0)),
    Input::one("db_read", Range::new(Duration, 1e-6, 10.0)),
    Input::one("db_write", Range::new(Duration, 1e-6, 10.0)),
    Input::one("replica_apply_factor", Range::above(Number, 0.0, 10.0)),
    // An in-memory store's operation: well under a millisecond in practice.
    Input::one("cache_op", Range::new(Duration, 1e-6, 0.1)),
    Input::one("session_op", Range::new(Duration, 1e-6, 0.1)),
    Input::one("objects_per_user", Range::new(Count, 0.001, 1000.0)),
    Input::one("zipf", ZIPF),
    Input::one("object_size", VALUE_SIZE),
    Input::one("session_size", VALUE_SIZE),
    Input::one("session_lookups_per_request", Range::new(Count, 0.0, 10.0)),
    Input::one("jobs_per_dau", Range::new(Count, 0.0, 1e4)),
    Input::one("job_cpu", Range::new(Duration, 1e-6, HOUR)),
    Input::one("enqueue_cpu", Range::new(Duration, 1e-6, 0.1)),
    Input::one("shard_key_zipf", ZIPF),
    Input::one("stored_per_user", Range::new(Bytes, 0.0, 1e12)),
    Input::one("growth_per_month", Range::new(Fraction, 0.0, 1.0)),
    Input::one("client_rtt_near", Range::new(Duration, 0.0, 10.0)),
    Input::one("client_rtt_far", Range::new(Duration, 0.0, 10.0)),
    Input::one("inter_dc_rtt", Range::new(Duration, 0.0, 10.0)),
    Input::one("far_user_fraction", Range::new(Fraction, 0.0, 1.0)),
    Input::one("hop_latency", Range::new(Duration, 0.0, 1.0)),
    Input::one("log_bytes_per_request", Range::new(Bytes, 0.0, 1e9)),
    Input::one("replica_apply_workers", Range::new(Whole, 1.0, 1024.0)),
    Input::one("db_working_set", Range::above(Fraction, 0.0, 1.0)),
    Input::one("metrics_per_server", Range::new(Count, 0.0, 1e4)),
    Input::one("join_share", Range::new(Fraction, 0.0, 1.0)),
    Input::one("join_shards", Range::new(Whole, 1.0, 64.0)),
    Input::one("dns_hit_share", Range::new(Fraction, 0.0, 1.0)),
    Input::one("dns_resolver_time", Range::new(Duration, 0.0, 10.0)),
];

/// Every key of a targets file (`data/targets.toml`).
pub const TARGETS: &[Input] = &[
    Input::one("p99", LATENCY_TARGET),
    Input::one("max_util", UTILIZATION),
    Input::one("failover_util", UTILIZATION),
    Input::one("availability", AVAILABILITY_TARGET),
    Input::one("instance_availability", AVAILABILITY),
    Input::one("dc_availability", AVAILABILITY),
    Input::one("managed_availability", AVAILABILITY),
];

/// Every number of a stage model file: the stage's keys, then a tier's.
pub const MODEL: &[Input] = &[
    Input::one("order", Range::new(Whole, 1.0, 1000.0)),
    // Each data center is sized against every other's failure: the work
    // grows with the square of the count.
    Input::one("data_centers", Range::new(Whole, 1.0, 32.0)),
    Input::one("dc_split", Range::above(Fraction, 0.0, 1.0)),
    Input::one("cache_fraction", Range::above(Fraction, 0.0, 1.0)),
    Input::one("max_db_storage", Range::above(Bytes, 0.0, 1e18)),
    Input::one("min", Range::new(Whole, 1.0, 1e6)),
    Input::one("max_replicas", Range::new(Whole, 1.0, 1000.0)),
    Input::one("ttl", Range::above(Duration, 0.0, 365.0 * DAY)),
    Input::one("cache_target_hit", Range::above(Fraction, 0.0, 1.0)),
    Input::one("reshard_bandwidth", Range::above(Bandwidth, 0.0, 1e12)),
    Input::one("dns_ttl", Range::new(Duration, 0.0, DAY)),
    Input::one("health_check_detection", Range::new(Duration, 0.0, DAY)),
    Input::one("dc_failures_per_year", Range::new(Count, 0.0, 1000.0)),
];

/// The number columns of a catalog file (`data/instances.csv`); the column
/// names carry the unit, so the cells are plain numbers.
pub const CATALOG: &[Input] = &[
    Input::one("vcpu", Range::new(Whole, 1.0, 4096.0)),
    Input::one("memory_gib", Range::above(Number, 0.0, 1e6)),
    Input::one("network_gbps", Range::above(Number, 0.0, 1e4)),
    Input::one("usd_per_hour", Range::new(Number, 0.0, 1e4)),
    Input::one("usd_per_hour_1yr", Range::new(Number, 0.0, 1e4)),
    Input::one("usd_per_hour_3yr", Range::new(Number, 0.0, 1e4)),
];

/// The number column of a prices file (`data/prices.csv`): USD per the
/// unit its `unit` column names.
pub const PRICES: &[Input] = &[
    Input::one("usd", Range::new(Number, 0.0, 1e4)),
    // Where a volume band starts, in the row's unit (GB, requests, metrics).
    Input::one("from", Range::new(Number, 0.0, 1e15)),
];

/// Every table with the file or flag set it describes, for the README.
pub const TABLES: [(&str, &[Input]); 6] = [
    ("flags", FLAGS),
    ("workload file", WORKLOAD),
    ("targets file", TARGETS),
    ("stage model file", MODEL),
    ("catalog file", CATALOG),
    ("prices file", PRICES),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_input_and_parse_back() {
        for (_, table) in TABLES {
            for input in table {
                for range in input.ranges() {
                    for end in [range.min, range.max] {
                        let text = range.kind.write(end);
                        let back = range
                            .kind
                            .parse(&text)
                            .unwrap_or_else(|e| panic!("{}: {text}: {e}", input.name));
                        assert!(
                            (back - end).abs() <= 1e-9 * end.abs(),
                            "{}: {text} is {back}, not {end}",
                            input.name
                        );
                    }
                    assert!(range.min < range.max, "{}", input.name);
                }
            }
        }
    }

    /// Whole thousands take their unit (a range `8KB..32KB` is echoed as
    /// `8kB..32kB`, not `8000B..32kB`); other values under 10 000 stay
    /// plain; every text parses back to its value.
    #[test]
    fn whole_thousands_take_their_unit() {
        let cases = [
            (Kind::Bytes, 8000.0, "8kB"),
            (Kind::Bytes, 32_000.0, "32kB"),
            (Kind::Bytes, 4096.0, "4096B"),
            (Kind::Bytes, 1500.0, "1500B"),
            (Kind::Bytes, 512.0, "512B"),
            (Kind::Count, 1000.0, "1k"),
            (Kind::Count, 9999.0, "9999"),
            (Kind::Rate, 2000.0, "2k/s"),
        ];
        for (kind, value, text) in cases {
            assert_eq!(kind.write(value), text);
            assert_eq!(kind.parse(text).unwrap(), value, "{text}");
        }
    }

    #[test]
    fn no_range_goes_below_zero_or_takes_negative_zero() {
        for (_, table) in TABLES {
            for input in table {
                for range in input.ranges() {
                    assert!(range.min >= 0.0, "{}", input.name);
                    assert!(!range.contains(-0.0), "{}", input.name);
                }
            }
        }
    }

    #[test]
    fn whole_ranges_fit_a_u64_exactly() {
        for (_, table) in TABLES {
            for input in table {
                for range in input.ranges().filter(|r| r.kind == Whole) {
                    assert!(range.min >= 0.0 && range.max <= 9e15, "{}", input.name);
                }
            }
        }
    }

    #[test]
    fn sweep_takes_the_users_of_plan() {
        let users = find(FLAGS, "--users").unwrap().range;
        assert_eq!((users.min, users.max), (SWEEP_MIN_USERS, SWEEP_MAX_USERS));
        assert_eq!(find(WORKLOAD, "users").unwrap().range, users);
    }

    #[test]
    fn descriptions() {
        assert_eq!(PEAK_FACTOR.describe(), "1 to 12");
        assert_eq!(LATENCY_TARGET.describe(), "above 0 up to 1d");
        assert_eq!(USERS.describe(), "1 to 1T");
        assert_eq!(
            Range::between(Fraction, 0.0, 1.0).describe(),
            "strictly between 0% and 100%"
        );
        assert_eq!(SERVICE_TIME.describe(), "1ns to 1h");
        assert_eq!(KEYS.describe(), "1 to 1e15");
        assert_eq!(STORED.describe(), "0 to 1e21B");
        assert_eq!(REQUEST_RATE.describe(), "0/s to 1G/s");
    }

    #[test]
    fn out_of_range_names_the_range() {
        let err = find(FLAGS, "--peak-factor").unwrap().range.parse("1T").unwrap_err();
        assert_eq!(err.to_string(), "\"1T\" is out of range; give 1 to 12");
    }

    #[test]
    fn either_kind() {
        let size_to = find(FLAGS, "--size-to").unwrap();
        assert_eq!(size_to.parse("5k/s").unwrap(), (Rate, 5e3));
        assert_eq!(size_to.parse("2TB").unwrap(), (Bytes, 2e12));
        let err = size_to.parse("5").unwrap_err().to_string();
        assert_eq!(err, "\"5\" has no unit; write 5/s (a rate) or 5GB (a size)");
    }
}
