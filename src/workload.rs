//! The workload (what users do) and the targets (what a stage must meet),
//! each read from TOML with embedded defaults.

use crate::error::InputError;
use crate::input::{self, parse_toml, FileRange};
use serde::Deserialize;

/// The built-in workload file (`scaleplan defaults workload` prints it).
pub const DEFAULT_WORKLOAD: &str = include_str!("../data/workloads/default.toml");
/// The built-in targets file (`scaleplan defaults targets` prints it).
pub const DEFAULT_TARGETS: &str = include_str!("../data/targets.toml");

/// Each workload key read by its kind and range in [`crate::ranges::WORKLOAD`].
mod workload_keys {
    crate::input::key_readers!(crate::ranges::WORKLOAD;
        users, dau_fraction, requests_per_dau, peak_factor, read_write,
        db_queries_per_read, db_queries_per_write, static_requests_per_dau,
        static_size, response_size, write_size, web_cpu, static_cpu, db_read,
        db_write, replica_apply_factor, cache_op, session_op, objects_per_user,
        zipf, object_size, session_size, session_lookups_per_request,
        jobs_per_dau, job_cpu, enqueue_cpu, shard_key_zipf, stored_per_user,
        growth_per_month, client_rtt_near, client_rtt_far, inter_dc_rtt,
        far_user_fraction, hop_latency, log_bytes_per_request,
        replica_apply_workers, db_working_set, metrics_per_server,
        join_share, join_shards, dns_hit_share, dns_resolver_time,
    );
}

/// Each targets key read by its kind and range in [`crate::ranges::TARGETS`].
mod targets_keys {
    crate::input::key_readers!(crate::ranges::TARGETS;
        p99, max_util, failover_util, availability, instance_availability,
        dc_availability, managed_availability,
    );
}

/// What users do. All values in SI units (seconds, bytes, per second).
/// The reason for each default is in `data/workloads/default.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    #[serde(deserialize_with = "workload_keys::users")]
    pub users: f64,
    #[serde(deserialize_with = "workload_keys::dau_fraction")]
    pub dau_fraction: f64,
    #[serde(deserialize_with = "workload_keys::requests_per_dau")]
    pub requests_per_dau: f64,
    #[serde(deserialize_with = "workload_keys::peak_factor")]
    pub peak_factor: f64,
    /// Read fraction φ = reads / (reads + writes).
    #[serde(rename = "read_write", deserialize_with = "workload_keys::read_write")]
    pub read_fraction: f64,
    #[serde(deserialize_with = "workload_keys::db_queries_per_read")]
    pub db_queries_per_read: f64,
    #[serde(deserialize_with = "workload_keys::db_queries_per_write")]
    pub db_queries_per_write: f64,
    #[serde(deserialize_with = "workload_keys::static_requests_per_dau")]
    pub static_requests_per_dau: f64,
    #[serde(rename = "static_size", deserialize_with = "workload_keys::static_size")]
    pub static_bytes: f64,
    #[serde(rename = "response_size", deserialize_with = "workload_keys::response_size")]
    pub response_bytes: f64,
    #[serde(rename = "write_size", deserialize_with = "workload_keys::write_size")]
    pub write_bytes: f64,
    #[serde(rename = "web_cpu", deserialize_with = "workload_keys::web_cpu")]
    pub web_cpu_s: f64,
    #[serde(rename = "static_cpu", deserialize_with = "workload_keys::static_cpu")]
    pub static_cpu_s: f64,
    #[serde(rename = "db_read", deserialize_with = "workload_keys::db_read")]
    pub db_read_s: f64,
    #[serde(rename = "db_write", deserialize_with = "workload_keys::db_write")]
    pub db_write_s: f64,
    #[serde(deserialize_with = "workload_keys::replica_apply_factor")]
    pub replica_apply_factor: f64,
    /// Parallel apply workers per replica (`w`): the apply stream is an
    /// M/M/w on the writes, held to `u_max` like every queue.
    #[serde(deserialize_with = "workload_keys::replica_apply_workers")]
    pub replica_apply_workers: f64,
    /// Share of the stored bytes a database reads often enough that it
    /// must sit in memory (rows and indexes of the working set).
    #[serde(rename = "db_working_set", deserialize_with = "workload_keys::db_working_set")]
    pub db_working_set_fraction: f64,
    #[serde(rename = "cache_op", deserialize_with = "workload_keys::cache_op")]
    pub cache_op_s: f64,
    #[serde(rename = "session_op", deserialize_with = "workload_keys::session_op")]
    pub session_op_s: f64,
    #[serde(deserialize_with = "workload_keys::objects_per_user")]
    pub objects_per_user: f64,
    #[serde(rename = "zipf", deserialize_with = "workload_keys::zipf")]
    pub zipf_s: f64,
    #[serde(rename = "object_size", deserialize_with = "workload_keys::object_size")]
    pub object_bytes: f64,
    #[serde(rename = "session_size", deserialize_with = "workload_keys::session_size")]
    pub session_bytes: f64,
    #[serde(deserialize_with = "workload_keys::session_lookups_per_request")]
    pub session_lookups_per_request: f64,
    #[serde(deserialize_with = "workload_keys::jobs_per_dau")]
    pub jobs_per_dau: f64,
    #[serde(rename = "job_cpu", deserialize_with = "workload_keys::job_cpu")]
    pub job_cpu_s: f64,
    #[serde(rename = "enqueue_cpu", deserialize_with = "workload_keys::enqueue_cpu")]
    pub enqueue_cpu_s: f64,
    #[serde(deserialize_with = "workload_keys::shard_key_zipf")]
    pub shard_key_zipf: f64,
    #[serde(rename = "stored_per_user", deserialize_with = "workload_keys::stored_per_user")]
    pub stored_bytes_per_user: f64,
    #[serde(deserialize_with = "workload_keys::growth_per_month")]
    pub growth_per_month: f64,
    #[serde(rename = "client_rtt_near", deserialize_with = "workload_keys::client_rtt_near")]
    pub client_rtt_near_s: f64,
    #[serde(rename = "client_rtt_far", deserialize_with = "workload_keys::client_rtt_far")]
    pub client_rtt_far_s: f64,
    #[serde(rename = "inter_dc_rtt", deserialize_with = "workload_keys::inter_dc_rtt")]
    pub inter_dc_rtt_s: f64,
    #[serde(deserialize_with = "workload_keys::far_user_fraction")]
    pub far_user_fraction: f64,
    #[serde(rename = "hop_latency", deserialize_with = "workload_keys::hop_latency")]
    pub hop_latency_s: f64,
    #[serde(deserialize_with = "workload_keys::log_bytes_per_request")]
    pub log_bytes_per_request: f64,
    /// Monitoring metrics kept per running server (billed per metric-month
    /// where a stage adds monitoring).
    #[serde(deserialize_with = "workload_keys::metrics_per_server")]
    pub metrics_per_server: f64,
    /// Share of reads that need data from several shards once the data is
    /// sharded (what a join becomes): each of their database queries goes
    /// to `join_shards` shards at once and waits for the slowest.
    #[serde(deserialize_with = "workload_keys::join_share")]
    pub join_share: f64,
    /// Shards such a read visits (at most all of them), `k` from 1 to 64.
    #[serde(deserialize_with = "workload_keys::join_shards")]
    pub join_shards: f64,
    /// Share of requests whose host name the client already has resolved.
    #[serde(deserialize_with = "workload_keys::dns_hit_share")]
    pub dns_hit_share: f64,
    /// Time a DNS lookup takes when the client has to ask its resolver.
    #[serde(rename = "dns_resolver_time", deserialize_with = "workload_keys::dns_resolver_time")]
    pub dns_resolver_time_s: f64,
}

const SECONDS_PER_DAY: f64 = 86_400.0;

/// `set` and `get` by file key, so a sampled value lands in its field.
macro_rules! keyed_fields {
    ($ty:ty; $($key:literal => $field:ident),* $(,)?) => {
        impl $ty {
            /// Sets the value of file key `key` (SI units); `false` for a key
            /// the file does not have.
            pub fn set(&mut self, key: &str, value: f64) -> bool {
                match key {
                    $($key => self.$field = value,)*
                    _ => return false,
                }
                true
            }

            /// The value of file key `key` (SI units).
            pub fn get(&self, key: &str) -> Option<f64> {
                match key {
                    $($key => Some(self.$field),)*
                    _ => None,
                }
            }
        }
    };
}

keyed_fields!(Workload;
    "users" => users, "dau_fraction" => dau_fraction, "requests_per_dau" => requests_per_dau,
    "peak_factor" => peak_factor, "read_write" => read_fraction,
    "db_queries_per_read" => db_queries_per_read, "db_queries_per_write" => db_queries_per_write,
    "static_requests_per_dau" => static_requests_per_dau, "static_size" => static_bytes,
    "response_size" => response_bytes, "write_size" => write_bytes, "web_cpu" => web_cpu_s,
    "static_cpu" => static_cpu_s, "db_read" => db_read_s, "db_write" => db_write_s,
    "replica_apply_factor" => replica_apply_factor, "cache_op" => cache_op_s, "session_op" => session_op_s,
    "objects_per_user" => objects_per_user, "zipf" => zipf_s, "object_size" => object_bytes,
    "session_size" => session_bytes, "session_lookups_per_request" => session_lookups_per_request,
    "jobs_per_dau" => jobs_per_dau, "job_cpu" => job_cpu_s, "enqueue_cpu" => enqueue_cpu_s,
    "shard_key_zipf" => shard_key_zipf, "stored_per_user" => stored_bytes_per_user,
    "growth_per_month" => growth_per_month, "client_rtt_near" => client_rtt_near_s,
    "client_rtt_far" => client_rtt_far_s, "inter_dc_rtt" => inter_dc_rtt_s,
    "far_user_fraction" => far_user_fraction, "hop_latency" => hop_latency_s,
    "log_bytes_per_request" => log_bytes_per_request, "replica_apply_workers" => replica_apply_workers,
    "db_working_set" => db_working_set_fraction, "metrics_per_server" => metrics_per_server,
    "join_share" => join_share, "join_shards" => join_shards, "dns_hit_share" => dns_hit_share,
    "dns_resolver_time" => dns_resolver_time_s,
);

keyed_fields!(Targets;
    "p99" => p99_s, "max_util" => max_util, "failover_util" => failover_util,
    "availability" => availability, "instance_availability" => instance_availability,
    "dc_availability" => dc_availability, "managed_availability" => managed_availability,
);

impl Workload {
    /// The built-in social-app workload.
    pub fn builtin() -> Workload {
        Workload::parse(DEFAULT_WORKLOAD, "built-in workload").expect("the embedded workload parses")
    }

    /// A workload file; keys it leaves out keep their built-in values.
    /// Every key is checked against its range as it is read, so an error
    /// names the file, the line and the key.
    pub fn parse(text: &str, source: &str) -> Result<Workload, InputError> {
        let full = input::with_defaults(text, source, DEFAULT_WORKLOAD)?;
        // Every key's range is checked as it is read (src/ranges.rs); the
        // key count `users · objects_per_user` is at least 1 by
        // construction (`cache_keys`).
        parse_toml(&full, source)
    }

    /// A workload file whose values may be ranges (`"50..150"`): the
    /// workload with each ranged key at its median, and the ranges.
    pub fn parse_ranged(text: &str, source: &str) -> Result<(Workload, Vec<FileRange>), InputError> {
        at_medians(text, source, crate::ranges::WORKLOAD, Workload::parse, Workload::set)
    }

    /// Daily active users `U·f_dau`.
    pub fn dau(&self) -> f64 {
        self.users * self.dau_fraction
    }

    /// Mean dynamic request rate `λ_avg = U·f_dau·r / 86 400`.
    pub fn mean_rate_per_s(&self) -> f64 {
        self.dau() * self.requests_per_dau / SECONDS_PER_DAY
    }

    /// Peak dynamic request rate `λ = p·λ_avg`.
    pub fn peak_rate_per_s(&self) -> f64 {
        self.peak_factor * self.mean_rate_per_s()
    }

    /// Peak static request rate.
    pub fn peak_static_rate_per_s(&self) -> f64 {
        self.peak_factor * self.dau() * self.static_requests_per_dau / SECONDS_PER_DAY
    }

    /// Mean static request rate.
    pub fn mean_static_rate_per_s(&self) -> f64 {
        self.dau() * self.static_requests_per_dau / SECONDS_PER_DAY
    }

    /// Peak job rate.
    pub fn peak_job_rate_per_s(&self) -> f64 {
        self.peak_factor * self.dau() * self.jobs_per_dau / SECONDS_PER_DAY
    }

    /// Jobs per dynamic request (for jobs run inline in the request path).
    pub fn jobs_per_request(&self) -> f64 {
        if self.requests_per_dau > 0.0 {
            self.jobs_per_dau / self.requests_per_dau
        } else {
            0.0
        }
    }

    /// Cacheable keys `K = U·objects_per_user` (at least 1).
    pub fn cache_keys(&self) -> f64 {
        (self.users * self.objects_per_user).max(1.0)
    }

    /// Bytes the database holds: `U·stored_per_user`.
    pub fn stored_bytes(&self) -> f64 {
        self.users * self.stored_bytes_per_user
    }

    /// Bytes a database copy must hold in memory: `f_ws·U·stored_per_user`.
    pub fn working_set_bytes(&self) -> f64 {
        self.db_working_set_fraction * self.stored_bytes()
    }
}

/// What a stage must meet.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Server-side p99 of dynamic requests.
    #[serde(rename = "p99", deserialize_with = "targets_keys::p99")]
    pub p99_s: f64,
    #[serde(deserialize_with = "targets_keys::max_util")]
    pub max_util: f64,
    #[serde(deserialize_with = "targets_keys::failover_util")]
    pub failover_util: f64,
    #[serde(deserialize_with = "targets_keys::availability")]
    pub availability: f64,
    #[serde(deserialize_with = "targets_keys::instance_availability")]
    pub instance_availability: f64,
    #[serde(deserialize_with = "targets_keys::dc_availability")]
    pub dc_availability: f64,
    #[serde(deserialize_with = "targets_keys::managed_availability")]
    pub managed_availability: f64,
}

impl Targets {
    pub fn builtin() -> Targets {
        Targets::parse(DEFAULT_TARGETS, "built-in targets").expect("the embedded targets parse")
    }

    /// A targets file; keys it leaves out keep their built-in values.
    /// Every key is checked against its range as it is read.
    pub fn parse(text: &str, source: &str) -> Result<Targets, InputError> {
        let full = input::with_defaults(text, source, DEFAULT_TARGETS)?;
        parse_toml(&full, source)
    }

    /// A targets file whose values may be ranges, as [`Workload::parse_ranged`].
    pub fn parse_ranged(text: &str, source: &str) -> Result<(Targets, Vec<FileRange>), InputError> {
        at_medians(text, source, crate::ranges::TARGETS, Targets::parse, Targets::set)
    }
}

/// A file parsed with each ranged key at its median, and the ranges.
fn at_medians<T>(
    text: &str,
    source: &str,
    table: &'static [crate::ranges::Input],
    parse: fn(&str, &str) -> Result<T, InputError>,
    set: fn(&mut T, &str, f64) -> bool,
) -> Result<(T, Vec<FileRange>), InputError> {
    let (point_text, found) = input::take_ranges(text, source, table)?;
    let mut parsed = parse(&point_text, source)?;
    for range in &found {
        set(&mut parsed, &range.key, range.spread.median());
    }
    Ok((parsed, found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_files_parse_and_rates_follow_design_section_2() {
        let w = Workload::builtin();
        // 1M users · 0.5 · 100 / 86 400 = 578.7/s mean, 1157.4/s at peak ×2.
        assert!((w.mean_rate_per_s() - 1e6 * 0.5 * 100.0 / 86_400.0).abs() < 1e-9);
        assert!((w.peak_rate_per_s() - 2.0 * 578.703_703_703_703_7).abs() < 1e-9);
        assert!((w.read_fraction - 0.9).abs() < 1e-15);
        assert!((w.web_cpu_s - 0.020).abs() < 1e-15);
        assert!((w.static_bytes - 40_000.0).abs() < 1e-9);
        let t = Targets::builtin();
        assert!((t.p99_s - 0.25).abs() < 1e-15);
        assert!((t.availability - 0.999).abs() < 1e-15);
    }

    #[test]
    fn unknown_key_names_source_line_and_key() {
        let text = DEFAULT_WORKLOAD.replace("\nzipf = 0.9", "\nzipff = 0.9");
        let err = Workload::parse(&text, "my.toml").unwrap_err().to_string();
        let line = text.lines().position(|l| l.starts_with("zipff")).unwrap() + 1;
        assert!(err.contains(&format!("my.toml line {line}")), "{err}");
        assert!(err.contains("zipff"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn bad_quantity_names_line_and_key() {
        let text = DEFAULT_WORKLOAD.replace("web_cpu = \"20ms\"", "web_cpu = \"20 parsecs\"");
        let err = Workload::parse(&text, "w.toml").unwrap_err().to_string();
        let line = text.lines().position(|l| l.starts_with("web_cpu")).unwrap() + 1;
        assert!(err.contains(&format!("w.toml line {line}: key `web_cpu`")), "{err}");
    }

    #[test]
    fn every_key_of_both_files_can_be_set_and_read() {
        let mut w = Workload::builtin();
        for input in crate::ranges::WORKLOAD {
            assert!(w.get(input.name).is_some(), "{}", input.name);
            assert!(w.set(input.name, 0.5), "{}", input.name);
            assert_eq!(w.get(input.name), Some(0.5));
        }
        let mut t = Targets::builtin();
        for input in crate::ranges::TARGETS {
            assert!(
                t.set(input.name, 0.5) && t.get(input.name) == Some(0.5),
                "{}",
                input.name
            );
        }
        assert!(!w.set("bogus", 1.0));
    }

    #[test]
    fn a_range_reads_each_end_by_the_keys_kind_and_sits_at_its_median() {
        let text = "requests_per_dau = \"50..200\"\nweb_cpu = { range = \"10ms..40ms\", dist = \"uniform\" }\nzipf = \"1..1\"\n";
        let (w, ranges) = Workload::parse_ranged(text, "w.toml").unwrap();
        assert_eq!(ranges.len(), 2, "a point range is not a range");
        assert!((w.requests_per_dau - 100.0).abs() < 1e-9, "√(50·200)");
        assert!((w.web_cpu_s - 0.025).abs() < 1e-12, "uniform: the midpoint");
        assert_eq!(w.zipf_s, 1.0);
        let (lo, hi) = (ranges[1].spread.low, ranges[1].spread.high);
        assert!((lo - 0.010).abs() < 1e-15 && (hi - 0.040).abs() < 1e-15);
    }

    #[test]
    fn a_bad_range_names_the_file_line_and_key() {
        let cases = [
            (
                "users = \"1M\"\nweb_cpu = \"30ms..15ms\"\n",
                "w.toml line 2: key `web_cpu`",
                "low end is above",
            ),
            (
                "web_cpu = \"15..30ms\"\n",
                "w.toml line 1: key `web_cpu`",
                "has no unit",
            ),
            (
                "jobs_per_dau = \"0..5\"\n",
                "w.toml line 1: key `jobs_per_dau`",
                "log-normal",
            ),
            (
                "zipf = { range = \"1..2\", dist = \"gauss\" }\n",
                "w.toml line 1: key `zipf`",
                "\"uniform\"",
            ),
            (
                "dau_fraction = \"0.2..1\"\n",
                "w.toml line 1: key `dau_fraction`",
                "logit-normal",
            ),
        ];
        for (text, place, why) in cases {
            let err = Workload::parse_ranged(text, "w.toml").unwrap_err().to_string();
            assert!(err.starts_with(place) && err.contains(why), "{text}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let w = Workload::parse("users = \"5M\"\nzipf = 1.1\n", "w.toml").unwrap();
        assert!((w.users - 5e6).abs() < 1e-6);
        assert!((w.zipf_s - 1.1).abs() < 1e-15);
        assert_eq!(w.web_cpu_s, Workload::builtin().web_cpu_s);
        let err = Workload::parse("users = 5\nbogus = 1\n", "w.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("w.toml line 2: key `bogus`"), "{err}");
    }
}
