//! Stage models: one TOML file per stage of the ladder, embedded in the
//! binary so `scaleplan plan` works from any directory. A user may pass
//! their own file (`--model FILE`); `scaleplan models show ID` prints a
//! built-in one to start from.

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
    #[serde(default = "default_min")]
    pub min: u64,
    /// Size so that one server down keeps utilization under the failover ceiling.
    #[serde(default)]
    pub n_plus_one: bool,
    /// Balancer in front of a scale-out tier (default round-robin).
    #[serde(default, deserialize_with = "balancer_name")]
    pub balancer: Option<Balancer>,
    /// db-replica tiers: the most replicas one primary (or shard) may have
    /// (default [`DEFAULT_MAX_REPLICAS`]).
    #[serde(default)]
    pub max_replicas: Option<u64>,
    /// Scale-up tiers: how the tier's work scales with one box's cores,
    /// `usl = { sigma = …, kappa = … }` (from `scaleplan fit usl`). An
    /// instance of `k` cores then counts as `X(k)/X(1)` cores, not `k`.
    #[serde(default)]
    pub usl: Option<Usl>,
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
    #[serde(default = "one")]
    pub data_centers: u64,
    /// Share of users per data center (sums to 1); even when left out.
    #[serde(default)]
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
    #[serde(rename = "tier")]
    pub tiers: Vec<Tier>,
}

fn optional_fraction<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    input::fraction(d).map(Some)
}

fn optional_bytes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    input::bytes(d).map(Some)
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
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with(key))
                .map_or(0, |i| i + 1);
            InputError::new(format!("{source} line {line}: key `{key}`: {what}"))
        };
        if self.tiers.is_empty() {
            return Err(InputError::new(format!(
                "{source}: a stage needs at least one [[tier]]"
            )));
        }
        if self.data_centers == 0 {
            return Err(at("data_centers", "must be at least 1".into()));
        }
        if !self.dc_split.is_empty() {
            let sum: f64 = self.dc_split.iter().sum();
            if self.dc_split.len() as u64 != self.data_centers
                || (sum - 1.0).abs() > 1e-6
                || self.dc_split.iter().any(|w| *w <= 0.0)
            {
                return Err(at(
                    "dc_split",
                    format!("needs {} positive shares that sum to 1", self.data_centers),
                ));
            }
        }
        for tier in &self.tiers {
            match (tier.scale, &tier.family, &tier.instance) {
                (Scale::Up, None, _) => {
                    return Err(at(
                        "family",
                        format!("tier `{}` scales up and needs a `family`", tier.name),
                    ))
                }
                (Scale::Out, _, None) if tier.kind != TierKind::Lb => {
                    return Err(at(
                        "instance",
                        format!("tier `{}` scales out and needs an `instance`", tier.name),
                    ))
                }
                _ => {}
            }
        }
        for tier in self.tiers.iter().filter(|t| t.usl.is_some()) {
            let usl = tier.usl.map(Usl::validated);
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
        if self.autoscale && !self.has(TierKind::Session) {
            return Err(at(
                "autoscale",
                "an autoscaled web farm needs a session tier (sessions must leave the web servers)".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
