//! Stage models: one TOML file per stage of the ladder, embedded in the
//! binary so `scaleplan plan` works from any directory. A user may pass
//! their own file (`--model FILE`); `scaleplan models show ID` prints a
//! built-in one to start from.

use crate::cache::Policy;
use crate::cost::Catalog;
use crate::error::InputError;
use crate::fit::usl::Usl;
use crate::input::{self, parse_toml};
use crate::queueing::Balancer;
use serde::Deserialize;

/// The built-in ladder, in order (DESIGN section 1).
pub const BUILTIN: [(&str, &str); 10] = [
    ("single-server", include_str!("../models/01-single-server.toml")),
    ("split-db", include_str!("../models/02-split-db.toml")),
    ("load-balancer", include_str!("../models/03-load-balancer.toml")),
    ("db-replication", include_str!("../models/04-db-replication.toml")),
    ("cache", include_str!("../models/05-cache.toml")),
    ("cdn", include_str!("../models/06-cdn.toml")),
    ("stateless-web", include_str!("../models/07-stateless-web.toml")),
    ("multi-dc", include_str!("../models/08-multi-dc.toml")),
    ("message-queue", include_str!("../models/09-message-queue.toml")),
    ("sharding", include_str!("../models/10-sharding.toml")),
];

/// What a tier does; it decides which request streams reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TierKind {
    /// Web, application and database on one box.
    AllInOne,
    /// A managed load balancer: billed, not sized.
    Lb,
    /// Web/application servers: dynamic requests (and static ones without a CDN).
    Web,
    /// One database server taking reads and writes.
    Db,
    /// The primary of a replicated database: writes (reads go to replicas).
    DbPrimary,
    /// Read replicas: reads, plus every write applied again.
    DbReplica,
    /// Shards of the database, each a primary of a fixed instance type.
    DbShard,
    /// A read-through cache in front of the database.
    Cache,
    /// A shared session store (stateless web servers).
    Session,
    /// Workers taking jobs from a message queue.
    Worker,
}

impl TierKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            TierKind::AllInOne => "all-in-one",
            TierKind::Lb => "lb",
            TierKind::Web => "web",
            TierKind::Db => "db",
            TierKind::DbPrimary => "db-primary",
            TierKind::DbReplica => "db-replica",
            TierKind::DbShard => "db-shard",
            TierKind::Cache => "cache",
            TierKind::Session => "session",
            TierKind::Worker => "worker",
        }
    }

    /// Tiers that hold the database's data (storage limit applies).
    pub fn stores_data(&self) -> bool {
        matches!(
            self,
            TierKind::AllInOne | TierKind::Db | TierKind::DbPrimary | TierKind::DbShard
        )
    }
}

/// `up`: one server, the smallest instance of its family that fits.
/// `out`: a count of servers of one instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    Up,
    Out,
}

fn default_min() -> u64 {
    1
}

/// One tier of a stage.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub name: String,
    pub kind: TierKind,
    pub scale: Scale,
    /// Scale-up tiers: the instance family to climb (`m7i`, `r7i`).
    #[serde(default)]
    pub family: Option<String>,
    /// Scale-out tiers: the instance type of every server.
    #[serde(default)]
    pub instance: Option<String>,
    /// Least server count.
    #[serde(default = "default_min", deserialize_with = "model_keys::min")]
    pub min: u64,
    /// Size so that one server down keeps utilization under the failover ceiling.
    #[serde(default)]
    pub n_plus_one: bool,
    /// Balancer in front of a scale-out tier (default round-robin).
    #[serde(default, deserialize_with = "balancer_name")]
    pub balancer: Option<Balancer>,
    /// db-replica tiers: the most replicas one primary (or shard) may have
    /// (default [`DEFAULT_MAX_REPLICAS`]).
    #[serde(default, deserialize_with = "optional_max_replicas")]
    pub max_replicas: Option<u64>,
    /// Scale-up tiers: how the tier's work scales with one box's cores,
    /// `usl = { sigma = …, kappa = … }` (from `scaleplan fit usl`). An
    /// instance of `k` cores then counts as `X(k)/X(1)` cores, not `k`.
    #[serde(default)]
    pub usl: Option<Usl>,
    /// Cache tiers: eviction or expiry policy (default LRU).
    #[serde(default, deserialize_with = "policy_name")]
    pub policy: Option<Policy>,
    /// Cache tiers with policy `ttl` or `ttl-reset`: the time to live, s.
    #[serde(default, deserialize_with = "optional_ttl")]
    pub ttl: Option<f64>,
    /// Autoscaled farms: servers per data center kept above what each
    /// hour's load needs, for the availability target. Set by the planner
    /// (src/plan/spares.rs), never read from a model file.
    #[serde(skip)]
    pub spares: u64,
}

impl Tier {
    /// Cores' worth of capacity one instance of `vcpu` cores gives this
    /// tier: `k` without a `usl`, else the USL's relative capacity
    ///
    /// ```text
    /// E(k) = k / (1 + σ·(k − 1) + κ·k·(k − 1))
    /// ```
    /// with `k` the instance's vCPUs, `σ` and `κ` the tier's coefficients.
    pub fn effective_cores(&self, vcpu: u32) -> f64 {
        let k = vcpu as f64;
        self.usl.map_or(k, |usl| usl.relative_capacity(k))
    }

    /// Core-seconds one request holds a core on an instance of `vcpu`
    /// cores: the service time `S` stretched to `S·k/E(k)` (contention and
    /// coherency slow every core alike), so that the instance's M/M/k has
    /// the capacity of `E(k)` cores. `S` itself without a `usl`.
    pub fn service_on(&self, service_s: f64, vcpu: u32) -> f64 {
        match self.usl {
            Some(_) => service_s * vcpu as f64 / self.effective_cores(vcpu),
            None => service_s,
        }
    }
}

fn policy_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Policy>, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map(Some).map_err(|_| {
        let names: Vec<&str> = Policy::ALL.iter().map(|p| p.as_str()).collect();
        serde::de::Error::custom(format!(
            "unknown cache policy \"{text}\" (expected one of: {})",
            names.join(", ")
        ))
    })
}

/// `Some` of a key read by its range in [`crate::ranges::MODEL`].
macro_rules! optional_readers {
    ($($name:ident => $key:ident),* $(,)?) => {
        $(
            fn $name<'de, D: serde::Deserializer<'de>, T: crate::input::FromQuantity>(d: D) -> Result<Option<T>, D::Error> {
                model_keys::$key(d).map(Some)
            }
        )*
    };
}
optional_readers!(
    optional_ttl => ttl,
    optional_target_hit => cache_target_hit,
    optional_reshard_bandwidth => reshard_bandwidth,
    optional_dns_ttl => dns_ttl,
    optional_detection => health_check_detection,
    optional_dc_failures => dc_failures_per_year,
    optional_max_replicas => max_replicas,
);

/// Longest `cache_growth_horizon`, in months (ten years).
const MAX_GROWTH_HORIZON_MONTHS: f64 = 120.0;

/// Days in an average month (365.25 / 12), for horizons given in days.
const DAYS_PER_MONTH: f64 = 30.4375;

/// A horizon in months, written with its unit: `"12 months"`, `"6mo"`,
/// `"2 years"`, or any duration (`"90d"`). A bare number is refused:
/// months or seconds?
fn optional_months<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    const EXPECTED: &str = "a horizon with its unit (examples: 12 months, 6mo, 2 years, 90d)";
    let text =
        String::deserialize(d).map_err(|_| serde::de::Error::custom(format!("a bare number is not {EXPECTED}")))?;
    let t = text.trim();
    let in_units = |suffixes: &[&str], per: f64| {
        suffixes
            .iter()
            .find_map(|s| t.strip_suffix(s))
            .and_then(|n| crate::quantity::parse_count(n.trim()).ok())
            .map(|n| n * per)
    };
    in_units(&["months", "month", "mo"], 1.0)
        .or_else(|| in_units(&["years", "year", "y"], 12.0))
        .or_else(|| {
            crate::quantity::parse_duration_s(t)
                .ok()
                .filter(|_| t.ends_with(|c: char| c.is_alphabetic()))
                .map(|s| s / (DAYS_PER_MONTH * 86_400.0))
        })
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("\"{text}\" is not {EXPECTED}")))
}

/// Replicas per primary when a model does not say: the limit of the big
/// managed databases (Aurora and RDS MySQL allow 15 read replicas).
pub const DEFAULT_MAX_REPLICAS: u64 = 15;

fn balancer_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Balancer>, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

fn one() -> u64 {
    1
}

/// When workers are sized for the daily mean, the queue absorbs the peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum WorkerSizing {
    #[default]
    Peak,
    Mean,
}

/// One stage of the ladder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub id: String,
    pub title: String,
    /// Position on the ladder (1 = single server).
    #[serde(deserialize_with = "model_keys::order")]
    pub order: u64,
    /// Static content served by a CDN instead of the web tier.
    #[serde(default)]
    pub cdn: bool,
    /// The web farm follows the 24-hour profile (needs a session store).
    #[serde(default)]
    pub autoscale: bool,
    /// Logs, metrics and automation are billed.
    #[serde(default)]
    pub monitoring: bool,
    /// Data centers, each sized to take the others' traffic on failover.
    #[serde(default = "one", deserialize_with = "model_keys::data_centers")]
    pub data_centers: u64,
    /// Share of users per data center (sums to 1); even when left out.
    #[serde(default, deserialize_with = "dc_split")]
    pub dc_split: Vec<f64>,
    /// Cache memory provisioned as a fraction of all cacheable bytes.
    #[serde(default, deserialize_with = "optional_fraction")]
    pub cache_fraction: Option<f64>,
    /// Workers sized for the peak job rate, or for the daily mean.
    #[serde(default)]
    pub workers_sized_for: WorkerSizing,
    /// Sticky sessions: the balancer pins each user to one web server
    /// (session state lives there). Default: on when the stage has a
    /// scale-out web farm and no session store.
    #[serde(default)]
    pub sticky_sessions: Option<bool>,
    /// Storage one database server can hold (default: the volume limit of
    /// its `db_hosting`).
    #[serde(default, deserialize_with = "optional_bytes")]
    pub max_db_storage: Option<f64>,
    /// How the database tiers are run and priced (default managed).
    #[serde(default)]
    pub db_hosting: DbHosting,
    /// Cache memory provisioned for this hit ratio (instead of
    /// `cache_fraction`); for an expiry policy, the TTL that reaches it.
    #[serde(default, deserialize_with = "optional_target_hit")]
    pub cache_target_hit: Option<f64>,
    /// Months of the workload's data growth the cache memory is sized for.
    #[serde(default, deserialize_with = "optional_months")]
    pub cache_growth_horizon: Option<f64>,
    /// Bytes per second one shard copies out while resharding (default
    /// [`DEFAULT_RESHARD_BANDWIDTH_BYTES_PER_S`]).
    #[serde(default, deserialize_with = "optional_reshard_bandwidth")]
    pub reshard_bandwidth: Option<f64>,
    /// Time to live of the DNS answer that routes users to a data center
    /// (default [`DEFAULT_DNS_TTL_S`]).
    #[serde(default, deserialize_with = "optional_dns_ttl")]
    pub dns_ttl: Option<f64>,
    /// Time the health checks take to declare a data center down (default
    /// [`DEFAULT_HEALTH_CHECK_DETECTION_S`]).
    #[serde(default, deserialize_with = "optional_detection")]
    pub health_check_detection: Option<f64>,
    /// Failures of one data center a year (default
    /// [`DEFAULT_DC_FAILURES_PER_YEAR`]).
    #[serde(default, deserialize_with = "optional_dc_failures")]
    pub dc_failures_per_year: Option<f64>,
    #[serde(rename = "tier")]
    pub tiers: Vec<Tier>,
}

/// Each number of a stage file read by its kind and range in [`crate::ranges::MODEL`].
mod model_keys {
    crate::input::key_readers!(crate::ranges::MODEL;
        order, data_centers, cache_fraction, max_db_storage, min, max_replicas, ttl,
        cache_target_hit, reshard_bandwidth, dns_ttl, health_check_detection, dc_failures_per_year,
    );
}

fn optional_fraction<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    model_keys::cache_fraction(d).map(Some)
}

fn optional_bytes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    model_keys::max_db_storage(d).map(Some)
}

fn dc_split<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    input::ranged_list(d, crate::ranges::MODEL, "dc_split")
}

/// One database volume's limit when a model does not say (64 TiB, the
/// largest managed relational volume at the big clouds).
pub const DEFAULT_MAX_DB_STORAGE_BYTES: f64 = 64.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0;

/// One block volume's limit for a self-managed database (16 TiB, the
/// largest EBS gp3 volume).
pub const SELF_MANAGED_MAX_DB_STORAGE_BYTES: f64 = 16.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0;

/// How a stage's database tiers are run: a managed service (instances
/// priced as the catalog's `db.` rows, managed storage, 64 TiB a volume) or
/// self-managed on plain instances (block storage, 16 TiB a volume). The
/// all-in-one single server is always self-managed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DbHosting {
    #[default]
    Managed,
    SelfManaged,
}

impl DbHosting {
    pub fn as_str(self) -> &'static str {
        match self {
            DbHosting::Managed => "managed",
            DbHosting::SelfManaged => "self-managed",
        }
    }

    /// One volume's limit in bytes: [`DEFAULT_MAX_DB_STORAGE_BYTES`] managed,
    /// [`SELF_MANAGED_MAX_DB_STORAGE_BYTES`] self-managed.
    pub fn volume_limit_bytes(self) -> f64 {
        match self {
            DbHosting::Managed => DEFAULT_MAX_DB_STORAGE_BYTES,
            DbHosting::SelfManaged => SELF_MANAGED_MAX_DB_STORAGE_BYTES,
        }
    }
}

/// Cache memory as a fraction of the cacheable bytes, when a model has a
/// cache tier and does not say.
pub const DEFAULT_CACHE_FRACTION: f64 = 0.1;

/// Bytes per second one shard copies out while resharding, when a model
/// does not say: a gp3 volume's baseline throughput is 125 MB/s, and a
/// logical copy reads rows on one side and rebuilds indexes on the other,
/// so about 100 MB/s per shard, all shards copying at once.
pub const DEFAULT_RESHARD_BANDWIDTH_BYTES_PER_S: f64 = 100e6;

/// DNS answer TTL for geo routing with failover, when a model does not
/// say: Route 53 and Cloudflare suggest 60 s for failover records.
pub const DEFAULT_DNS_TTL_S: f64 = 60.0;

/// Time to declare a data center down, when a model does not say: Route 53
/// health checks every 10 s, three failures in a row.
pub const DEFAULT_HEALTH_CHECK_DETECTION_S: f64 = 30.0;

/// Failures of one data center a year, when a model does not say: with
/// the targets' 99.95 % data-center availability (4.4 h down a year) that
/// is outages of 2.2 h on average, in line with published region incidents.
pub const DEFAULT_DC_FAILURES_PER_YEAR: f64 = 2.0;

impl Stage {
    /// Parses and checks one stage file.
    pub fn parse(text: &str, source: &str) -> Result<Stage, InputError> {
        let stage: Stage = parse_toml(text, source)?;
        stage.validate(text, source)?;
        Ok(stage)
    }

    /// The built-in ladder.
    pub fn builtin() -> Vec<Stage> {
        BUILTIN
            .iter()
            .map(|(id, text)| Stage::parse(text, &format!("built-in model {id}")).expect("built-in models parse"))
            .collect()
    }

    /// The built-in file of one stage, as TOML text.
    pub fn builtin_text(id: &str) -> Option<&'static str> {
        BUILTIN.iter().find(|(name, _)| *name == id).map(|(_, text)| *text)
    }

    pub fn tier(&self, kind: TierKind) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.kind == kind)
    }

    pub fn has(&self, kind: TierKind) -> bool {
        self.tier(kind).is_some()
    }

    /// Whether users are pinned to web servers (see `sticky_sessions`).
    pub fn is_sticky(&self) -> bool {
        let farm = self.tier(TierKind::Web).is_some_and(|t| t.scale == Scale::Out);
        self.sticky_sessions.unwrap_or(farm && !self.has(TierKind::Session)) && farm
    }

    /// Share of traffic per data center.
    pub fn dc_shares(&self) -> Vec<f64> {
        if self.dc_split.is_empty() {
            vec![1.0 / self.data_centers as f64; self.data_centers as usize]
        } else {
            self.dc_split.clone()
        }
    }

    /// Refuses tier combinations the planner cannot plan, with the reason.
    fn validate_combination(&self, source: &str) -> Result<(), InputError> {
        let refuse = |what: String| Err(InputError::new(format!("{source}: {what}")));
        for tier in &self.tiers {
            let same = self.tiers.iter().filter(|t| t.kind == tier.kind).count();
            if same > 1 {
                return refuse(format!(
                    "{same} tiers of kind `{}`; a stage has at most one of each kind",
                    tier.kind.as_str()
                ));
            }
            let single_copy = matches!(tier.kind, TierKind::AllInOne | TierKind::Db | TierKind::DbPrimary);
            if single_copy && tier.scale != Scale::Up {
                return refuse(format!(
                    "tier `{}` ({}) must have scale = \"up\": every write must reach the one copy of the data (use db-shard to split it, db-replica to copy it)",
                    tier.name,
                    tier.kind.as_str()
                ));
            }
            if tier.max_replicas.is_some() && tier.kind != TierKind::DbReplica {
                return refuse(format!(
                    "tier `{}`: `max_replicas` belongs on a db-replica tier",
                    tier.name
                ));
            }
            if tier.max_replicas == Some(0) {
                return refuse(format!("tier `{}`: `max_replicas` must be at least 1", tier.name));
            }
        }
        let dbs = self.tiers.iter().filter(|t| t.kind.stores_data()).count();
        if dbs > 1 {
            return refuse(format!(
                "a stage has at most one tier that stores the data (all-in-one, db, db-primary or db-shard), found {dbs}"
            ));
        }
        match (self.has(TierKind::Web), self.has(TierKind::AllInOne)) {
            (false, false) => {
                return refuse("a stage needs a `web` or an `all-in-one` tier to take the requests".into())
            }
            (true, true) => return refuse("a stage has a `web` or an `all-in-one` tier, not both".into()),
            _ => {}
        }
        if self.has(TierKind::DbReplica) && !(self.has(TierKind::DbPrimary) || self.has(TierKind::DbShard)) {
            return refuse("a db-replica tier needs a db-primary or db-shard tier".into());
        }
        if self.has(TierKind::Cache) && dbs == 0 {
            return refuse(
                "a cache tier needs a database tier behind it (db, db-primary, db-shard or all-in-one)".into(),
            );
        }
        if self.sticky_sessions == Some(true) && self.has(TierKind::Session) {
            return refuse(
                "sticky_sessions = true with a session tier: sessions live in the store, not on the web servers".into(),
            );
        }
        if self.autoscale && self.tier(TierKind::Web).is_some_and(|t| t.scale != Scale::Out) {
            return refuse("an autoscaled stage needs its web tier to scale out".into());
        }
        Ok(())
    }

    fn validate(&self, text: &str, source: &str) -> Result<(), InputError> {
        let at = |key: &str, what: String| {
            let line = key_line(text, None, key);
            InputError::new(format!("{source} line {line}: key `{key}`: {what}"))
        };
        if self.tiers.is_empty() {
            return Err(InputError::new(format!(
                "{source}: a stage needs at least one [[tier]]"
            )));
        }
        if !self.dc_split.is_empty() {
            let sum: f64 = self.dc_split.iter().sum();
            if self.dc_split.len() as u64 != self.data_centers || (sum - 1.0).abs() > 1e-6 {
                return Err(at(
                    "dc_split",
                    format!("needs {} positive shares that sum to 1", self.data_centers),
                ));
            }
        }
        for (index, tier) in self.tiers.iter().enumerate() {
            self.validate_tier(tier).map_err(|(key, what)| {
                let line = key_line(text, Some(index), key);
                InputError::new(format!(
                    "{source} line {line}: tier `{}`: key `{key}`: {what}",
                    tier.name
                ))
            })?;
        }
        for (index, tier) in self.tiers.iter().enumerate().filter(|(_, t)| t.usl.is_some()) {
            let usl = tier.usl.map(Usl::validated);
            let at = |key: &str, what: String| {
                let line = key_line(text, Some(index), key);
                InputError::new(format!("{source} line {line}: key `{key}`: {what}"))
            };
            if tier.scale != Scale::Up {
                return Err(at(
                    "usl",
                    format!(
                        "tier `{}`: only a scale-up tier (scale = \"up\") takes a usl",
                        tier.name
                    ),
                ));
            }
            if let Some(Err(e)) = usl {
                return Err(at("usl", format!("tier `{}`: {e}", tier.name)));
            }
        }
        self.validate_combination(source)?;
        self.validate_cache_keys(source)?;
        if self.autoscale && !self.has(TierKind::Session) {
            return Err(at(
                "autoscale",
                "an autoscaled web farm needs a session tier (sessions must leave the web servers)".into(),
            ));
        }
        Ok(())
    }

    /// Refuses cache, reshard and DNS keys that cannot be planned: cache
    /// keys off a cache tier, a `ttl` without an expiry policy (a capacity
    /// policy evicts, it does not expire), an expiry policy with neither a
    /// `ttl` nor a `cache_target_hit` (or with both), both
    /// `cache_fraction` and `cache_target_hit`, and values out of range.
    fn validate_cache_keys(&self, source: &str) -> Result<(), InputError> {
        let refuse = |what: String| Err(InputError::new(format!("{source}: {what}")));
        for tier in &self.tiers {
            let cache_keys = tier.policy.is_some() || tier.ttl.is_some();
            if cache_keys && tier.kind != TierKind::Cache {
                return refuse(format!(
                    "tier `{}`: `policy` and `ttl` belong on a cache tier",
                    tier.name
                ));
            }
        }
        let cache = self.tier(TierKind::Cache);
        if cache.is_none() && (self.cache_target_hit.is_some() || self.cache_growth_horizon.is_some()) {
            return refuse("`cache_target_hit` and `cache_growth_horizon` need a cache tier".into());
        }
        if self.cache_fraction.is_some() && self.cache_target_hit.is_some() {
            return refuse("give `cache_fraction` or `cache_target_hit`, not both: each sizes the cache".into());
        }
        if self.cache_target_hit.is_some_and(|h| !(h > 0.0 && h < 1.0)) {
            return refuse(
                "`cache_target_hit` must lie strictly between 0 and 100% (all keys cached is a size, not a target)"
                    .into(),
            );
        }
        if let Some(tier) = cache {
            let policy = tier.policy.unwrap_or(Policy::Lru);
            match (policy.is_ttl(), tier.ttl, self.cache_target_hit) {
                (false, Some(_), _) => {
                    return refuse(format!(
                    "tier `{}`: `ttl` applies to policy ttl or ttl-reset; policy {policy} evicts, it does not expire",
                    tier.name
                ))
                }
                (true, None, None) => {
                    return refuse(format!(
                        "tier `{}`: policy {policy} needs a `ttl` (or the stage's `cache_target_hit` to find one)",
                        tier.name
                    ))
                }
                (true, Some(_), Some(_)) => {
                    return refuse(format!(
                        "tier `{}`: give `ttl` or the stage's `cache_target_hit`, not both: each sets the TTL",
                        tier.name
                    ))
                }
                _ => {}
            }
            if tier.ttl.is_some_and(|t| t <= 0.0) {
                return refuse(format!("tier `{}`: `ttl` must be greater than 0", tier.name));
            }
        }
        if self.cache_growth_horizon.is_some_and(|h| h > MAX_GROWTH_HORIZON_MONTHS) {
            return refuse(
                "`cache_growth_horizon` must be at most 10 years: beyond that the growth rate itself is a guess".into(),
            );
        }
        if self.reshard_bandwidth.is_some_and(|b| b <= 0.0) {
            return refuse("`reshard_bandwidth` must be greater than 0".into());
        }
        Ok(())
    }

    /// One tier's keys agree with its scale and kind: a scale-up tier
    /// climbs a `family`, a scale-out tier repeats one `instance`, and a
    /// key the planner would ignore is refused rather than accepted.
    fn validate_tier(&self, tier: &Tier) -> Result<(), (&'static str, String)> {
        match (tier.scale, &tier.family, &tier.instance) {
            (Scale::Up, None, _) => return Err(("family", "a scale-up tier needs a `family` to climb".into())),
            (Scale::Up, Some(_), Some(_)) => {
                return Err((
                    "instance",
                    "a scale-up tier takes the smallest fitting instance of its `family`; remove `instance`".into(),
                ))
            }
            (Scale::Out, _, None) if tier.kind != TierKind::Lb => {
                return Err(("instance", "a scale-out tier needs an `instance`".into()))
            }
            (Scale::Out, Some(_), _) => {
                return Err((
                    "family",
                    "a scale-out tier repeats one `instance`; remove `family`".into(),
                ))
            }
            _ => {}
        }
        let same_as_primary = tier.instance.as_deref() == Some(SAME_AS_PRIMARY);
        if same_as_primary && tier.kind != TierKind::DbReplica {
            return Err(("instance", format!("`{SAME_AS_PRIMARY}` is for a db-replica tier only")));
        }
        if tier.kind == TierKind::DbReplica && self.has(TierKind::DbShard) && !same_as_primary {
            return Err((
                "instance",
                format!("a shard's replicas run on the shard's instance type; write instance = \"{SAME_AS_PRIMARY}\""),
            ));
        }
        Ok(())
    }

    /// Every `instance` and `family` the stage names is in the catalog
    /// (`catalog_source` names it in the message); the error says which
    /// tier and what the catalog has instead.
    pub fn check_catalog(&self, catalog: &Catalog, catalog_source: &str) -> Result<(), String> {
        for tier in &self.tiers {
            if let Some(name) = tier.instance.as_deref().filter(|n| *n != SAME_AS_PRIMARY) {
                if catalog.find(name).is_none() {
                    return Err(format!(
                        "tier `{}`: instance `{name}` is not in {catalog_source}{}",
                        tier.name,
                        near_names(catalog, name)
                    ));
                }
            }
            if let Some(family) = tier.family.as_deref() {
                if catalog.family(family).is_empty() {
                    return Err(format!(
                        "tier `{}`: family `{family}` is not in {catalog_source} (families: {})",
                        tier.name,
                        catalog.families().join(", ")
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CACHE_STAGE: &str = r#"
id = "c"
title = "c"
order = 1
[[tier]]
name = "web"
kind = "web"
scale = "out"
instance = "c7i.xlarge"
[[tier]]
name = "cache"
kind = "cache"
scale = "out"
instance = "cache.r7g.large"
[[tier]]
name = "db"
kind = "db"
scale = "up"
family = "r7i"
"#;

    fn with(stage_keys: &str, cache_keys: &str) -> Result<Stage, InputError> {
        let text = CACHE_STAGE
            .replace("order = 1\n", &format!("order = 1\n{stage_keys}\n"))
            .replace(
                "instance = \"cache.r7g.large\"\n",
                &format!("instance = \"cache.r7g.large\"\n{cache_keys}\n"),
            );
        Stage::parse(&text, "m.toml")
    }

    #[test]
    fn cache_policy_keys_parse_with_units() {
        let stage = with(
            "cache_target_hit = \"95%\"\ncache_growth_horizon = \"12 months\"",
            "policy = \"ttl-reset\"",
        )
        .unwrap();
        let cache = stage.tier(TierKind::Cache).unwrap();
        assert_eq!(cache.policy, Some(Policy::TtlReset));
        assert_eq!(stage.cache_target_hit, Some(0.95));
        assert_eq!(stage.cache_growth_horizon, Some(12.0));
        let ttl = with("", "policy = \"ttl\"\nttl = \"5min\"").unwrap();
        assert_eq!(ttl.tier(TierKind::Cache).unwrap().ttl, Some(300.0));
        for (text, months) in [("\"2 years\"", 24.0), ("\"6mo\"", 6.0), ("\"365.25d\"", 12.0)] {
            let stage = with(&format!("cache_growth_horizon = {text}"), "").unwrap();
            let got = stage.cache_growth_horizon.unwrap();
            assert!((got - months).abs() < 1e-12, "{text}: {got}");
        }
        let keys = "reshard_bandwidth = \"50MB/s\"\ndns_ttl = \"30s\"\nhealth_check_detection = \"20s\"\ndc_failures_per_year = 4";
        let stage = with(keys, "").unwrap();
        assert_eq!(stage.reshard_bandwidth, Some(50e6));
        assert_eq!((stage.dns_ttl, stage.health_check_detection), (Some(30.0), Some(20.0)));
        assert_eq!(stage.dc_failures_per_year, Some(4.0));
    }

    #[test]
    fn unplannable_cache_keys_are_refused_with_the_reason() {
        let cases = [
            (
                "",
                "policy = \"lru\"\nttl = \"60s\"",
                "`ttl` applies to policy ttl or ttl-reset",
            ),
            ("", "policy = \"ttl\"", "policy ttl needs a `ttl`"),
            (
                "cache_target_hit = 0.9",
                "policy = \"ttl\"\nttl = \"60s\"",
                "not both: each sets the TTL",
            ),
            (
                "cache_target_hit = 0.9\ncache_fraction = 0.1",
                "",
                "not both: each sizes the cache",
            ),
            ("cache_target_hit = 1", "", "strictly between 0 and 100%"),
            (
                "",
                "policy = \"mru\"",
                "unknown cache policy \"mru\" (expected one of: lru, fifo, random, lfu, ttl, ttl-reset)",
            ),
            ("cache_growth_horizon = 12", "", "not a horizon with its unit"),
            ("cache_growth_horizon = \"12\"", "", "not a horizon with its unit"),
            ("reshard_bandwidth = \"0MB/s\"", "", "is out of range"),
            ("cache_growth_horizon = \"11 years\"", "", "must be at most 10 years"),
        ];
        for (stage_keys, cache_keys, message) in cases {
            let error = with(stage_keys, cache_keys).unwrap_err().to_string();
            assert!(error.contains(message), "{stage_keys} {cache_keys}: {error}");
        }
        let misplaced = CACHE_STAGE.replace("family = \"r7i\"", "family = \"r7i\"\npolicy = \"lru\"");
        let error = Stage::parse(&misplaced, "m.toml").unwrap_err().to_string();
        assert!(
            error.contains("tier `db`: `policy` and `ttl` belong on a cache tier"),
            "{error}"
        );
    }
}

#[cfg(test)]
mod usl_tests {
    use super::*;

    const ONE_BOX: &str = "id = \"one\"\ntitle = \"One box\"\norder = 1\n\n[[tier]]\nname = \"server\"\nkind = \"all-in-one\"\nscale = \"up\"\nfamily = \"m7i\"\n";

    #[test]
    fn a_usl_key_sets_the_effective_cores() {
        let stage = Stage::parse(&format!("{ONE_BOX}usl = {{ sigma = 0.05, kappa = 0.001 }}\n"), "m.toml").unwrap();
        let tier = &stage.tiers[0];
        assert_eq!(
            tier.usl,
            Some(Usl {
                sigma: 0.05,
                kappa: 0.001
            })
        );
        // E(16) = 16 / (1 + 0.05·15 + 0.001·16·15) = 16 / 1.99.
        assert!((tier.effective_cores(16) - 16.0 / 1.99).abs() < 1e-12);
        assert!((tier.service_on(0.01, 16) - 0.01 * 1.99).abs() < 1e-15);
        let plain = Stage::parse(ONE_BOX, "m.toml").unwrap();
        assert_eq!(plain.tiers[0].effective_cores(192), 192.0);
        assert_eq!(plain.tiers[0].service_on(0.01, 192), 0.01);
    }

    #[test]
    fn bad_usl_keys_name_the_line() {
        let cases = [
            (
                "usl = { sigma = 1.0, kappa = 0 }",
                "line 10: key `usl`: tier `server`: sigma must be at least 0 and below 1",
            ),
            (
                "usl = { sigma = 0.1, kappa = -1e-4 }",
                "line 10: key `usl`: tier `server`: kappa must be",
            ),
            ("usl = { sigma = 0.1, kapa = 1e-4 }", "line 10"),
        ];
        for (line, expected) in cases {
            let err = Stage::parse(&format!("{ONE_BOX}{line}\n"), "m.toml")
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("m.toml") && err.contains(expected), "{line}: {err}");
        }
        let out = ONE_BOX.replace(
            "scale = \"up\"\nfamily = \"m7i\"",
            "scale = \"out\"\ninstance = \"m7i.large\"",
        );
        let err = Stage::parse(&format!("{out}usl = {{ sigma = 0.1, kappa = 0 }}\n"), "m.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("only a scale-up tier"), "{err}");
    }
}

/// The instance name a db-replica tier gives to follow its primary's size.
pub const SAME_AS_PRIMARY: &str = "same-as-primary";

/// `; c7i has c7i.large, c7i.xlarge, …` for a name whose family prefix
/// exists, so a typo in the size reads with the sizes there are.
fn near_names(catalog: &Catalog, name: &str) -> String {
    let family = name.split('.').next().unwrap_or(name);
    let sizes: Vec<&str> = catalog.family(family).iter().map(|i| i.name.as_str()).collect();
    if sizes.is_empty() {
        format!(" (families: {})", catalog.families().join(", "))
    } else {
        format!(" ({family} has {})", sizes.join(", "))
    }
}

/// 1-based line of `key = …` in the file, inside the `tier`-th `[[tier]]`
/// section when given (its header line when the key is absent), else
/// before the first section; 0 when not found.
fn key_line(text: &str, tier: Option<usize>, key: &str) -> usize {
    let mut section: Option<usize> = None;
    let mut header = 0;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("[[tier]]") {
            section = Some(section.map_or(0, |s| s + 1));
            if section == tier {
                header = i + 1;
            }
            continue;
        }
        let is_key = trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if is_key && section == tier {
            return i + 1;
        }
    }
    header
}
