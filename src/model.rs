//! Stage models: one TOML file per stage of the ladder, embedded in the
//! binary so `scaleplan plan` works from any directory. A user may pass
//! their own file (`--model FILE`); `scaleplan models show ID` prints a
//! built-in one to start from.

use crate::cost::Catalog;
use crate::error::InputError;
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
}

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
    /// Storage one database server can hold (a managed volume's limit).
    #[serde(default, deserialize_with = "optional_bytes")]
    pub max_db_storage: Option<f64>,
    #[serde(rename = "tier")]
    pub tiers: Vec<Tier>,
}

/// Each number of a stage file read by its kind and range in [`crate::ranges::MODEL`].
mod model_keys {
    crate::input::key_readers!(crate::ranges::MODEL; order, data_centers, cache_fraction, max_db_storage, min);
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

    /// Share of traffic per data center.
    pub fn dc_shares(&self) -> Vec<f64> {
        if self.dc_split.is_empty() {
            vec![1.0 / self.data_centers as f64; self.data_centers as usize]
        } else {
            self.dc_split.clone()
        }
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
        let dbs = self.tiers.iter().filter(|t| t.kind.stores_data()).count();
        if dbs > 1 {
            return Err(InputError::new(format!(
                "{source}: a stage has at most one tier that stores the data (all-in-one, db, db-primary or db-shard), found {dbs}"
            )));
        }
        if self.has(TierKind::DbReplica) && !(self.has(TierKind::DbPrimary) || self.has(TierKind::DbShard)) {
            return Err(InputError::new(format!(
                "{source}: a db-replica tier needs a db-primary or db-shard tier"
            )));
        }
        if self.autoscale && !self.has(TierKind::Session) {
            return Err(at(
                "autoscale",
                "an autoscaled web farm needs a session tier (sessions must leave the web servers)".into(),
            ));
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
