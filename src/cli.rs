//! The command line: clap derive structs only, no math. Every numeric flag
//! parses through its entry in [`crate::ranges::FLAGS`] (kind and range),
//! so `10M`, `250ms`, `4KiB`, `1200/s`, `90%` and `9:1` read as people
//! write them, a duration, size, rate or bandwidth needs its unit, and a
//! value outside the flag's range is refused naming the range.

pub mod errors;
pub mod ranged;

use crate::uncertain::Spread;

use crate::cache::Policy;
use crate::cost::Commitment;
use crate::queueing::Balancer;
use crate::ranges::{find, Kind, FLAGS};
use crate::replication::{DEFAULT_FAILOVER_UTILIZATION, DEFAULT_MAX_REPLICAS, DEFAULT_MAX_UTILIZATION};
use crate::report::Format;
use crate::sharding::{Growth, Placement};
use crate::sweep::UserCounts;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use ranged::{Ranged, RangedSpread, RangedWhole};

mod fit;
pub use fit::{FitAction, FitDemandArgs, FitUslArgs};

#[derive(Debug, Parser)]
#[command(
    name = "scaleplan",
    version,
    about = "Capacity planning for the zero-to-millions architecture ladder, by closed-form queueing math"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The command line as clap sees it, with every numeric flag's help
/// carrying its unit rule and range (from [`crate::ranges::FLAGS`]).
pub fn command() -> clap::Command {
    let cmd = ranged::with_ranges(Cli::command());
    // Every subcommand in turn, so that they keep their order (clap puts a
    // changed subcommand last).
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    names.into_iter().fold(cmd, |cmd, name| match name.as_str() {
        "sweep" => cmd.mut_subcommand(name, without_ranges),
        _ => cmd.mut_subcommand(name, |same| same),
    })
}

/// `sweep` shares the workload and target flags of `plan` but takes single
/// values (its --users is what it varies): its help does not offer ranges.
fn without_ranges(mut cmd: clap::Command) -> clap::Command {
    let ids: Vec<clap::Id> = cmd.get_arguments().map(|a| a.get_id().clone()).collect();
    for id in ids {
        cmd = cmd.mut_arg(id, |arg| {
            let help = arg.get_help().map(|h| strip_range_example(&h.to_string()));
            let long_help = arg.get_long_help().map(|h| strip_range_example(&h.to_string()));
            let arg = match help {
                Some(h) => arg.help(h),
                None => arg,
            };
            match long_help {
                Some(h) => arg.long_help(h),
                None => arg,
            }
        });
    }
    cmd
}

/// A flag's help without its range example: "CPU time …: `20ms`, or a
/// range `15ms..30ms` [built-in: 20ms]" reads "CPU time …: `20ms`
/// [built-in: 20ms]".
fn strip_range_example(help: &str) -> String {
    const OFFER: &str = ", or a range `";
    match help.find(OFFER) {
        Some(start) => {
            let rest = &help[start + OFFER.len()..];
            let end = rest.find('`').map_or(help.len(), |i| start + OFFER.len() + i + 1);
            format!("{}{}", &help[..start], &help[end..])
        }
        None => help.to_string(),
    }
}

/// Parses a command line (the program name first).
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = command().try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Plan every stage of the ladder for a workload: servers, latency, cost, availability.
    Plan(PlanArgs),
    /// Each stage's ceiling: the most users it serves within the targets, what breaks above, the cost there.
    ///
    /// ceiling_users is the largest user count (searched from 1 to 10B) at
    /// which the stage is feasible and meets the p99 and availability
    /// targets; it is null when the stage never meets them (the reason
    /// says why at one user), and 10000000000 with ceiling_above_range
    /// true when it still meets them there. capacity_ceiling_users is the same
    /// search for feasibility alone: where the stage breaks physically.
    Ladder(LadderArgs),
    /// Plan every stage at many user counts and show the recommended stage at each.
    ///
    /// A row per user count with the cheapest stage that is feasible and
    /// meets the targets (stage is empty and reason says why when none
    /// does), or with --all-stages a row per stage and user count.
    Sweep(SweepArgs),
    /// Which guess matters: each ranged input's swing of cost and ceiling, ranked (a tornado).
    ///
    /// For one stage (--stage, or the stage `plan` recommends on the same
    /// inputs): each ranged input alone at its low and at its high end, the
    /// others at their medians, planned as single plans: the monthly cost
    /// and the stage's ceiling at each end, ranked by the cost swing; and
    /// each input's rank correlation with cost over the samples.
    Sensitivity(SensitivityArgs),
    /// List the built-in stage models, or show one as TOML.
    Models(ModelsArgs),
    /// Print the built-in workload or targets as the commented TOML they are built from, ready to copy and edit.
    ///
    /// `scaleplan defaults workload > my.toml`, edit it, then
    /// `scaleplan plan --workload my.toml` (a file needs only the keys it
    /// changes; the rest keep these values).
    Defaults(DefaultsArgs),
    /// Size one queue or farm (M/M/c, Erlang C): evaluate N servers, or find the least N meeting targets.
    Queue(QueueArgs),
    /// Hit ratio of one cache (Zipf keys; LRU, FIFO, RANDOM, LFU or TTL), or the size reaching a target hit ratio.
    ///
    /// Give the size as items (--capacity), as memory (--memory with --object-size),
    /// or ask for the least size reaching --target-hit. TTL policies take --ttl and
    /// --request-rate instead of a size.
    ///
    /// characteristic_time_s is in seconds: for LRU, FIFO and RANDOM the
    /// characteristic time T (how long a key stays cached after its last request
    /// under LRU, Che's T; after its insertion under FIFO and RANDOM) divided by
    /// --request-rate; for ttl and ttl-reset the TTL itself. It is
    /// null for LFU, without --request-rate, and when the cache holds every key.
    /// capacity_items is whole; for ttl and ttl-reset it is the expected
    /// number of live keys, rounded.
    Cache(CacheArgs),
    /// Read replicas behind one primary: how many the reads need, their latency and lag, and the read ceiling.
    ///
    /// The primary takes the writes; each replica takes its share of the reads
    /// plus every write again (the apply tax). reason is empty when feasible and
    /// says why in plain sentences when not; the table also shows what a
    /// failed primary with one replica promoted leaves.
    Replicas(ReplicasArgs),
    /// Shard skew, hot key, resharding and storage exhaustion for S shards (or the least S that fits).
    ///
    /// Give --shards, or --size-to one shard's capacity to find the least count
    /// whose hottest shard fits (a rate like 5k/s needs --rate; a size like 2TiB
    /// needs --stored). time_to_full_s is in seconds (a month of growth is
    /// 365.25/12 days; the table shows months or years). Fields whose inputs were
    /// not given are null; when no count fits, shards is null and the table
    /// says why. The table also shows the hottest shard's rate and bytes.
    Shards(ShardsArgs),
    /// Calibrate from measurements: service demands from production metrics, scaling from a load test.
    #[command(subcommand)]
    Fit(FitAction),
}

/// Output format shared by every command.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format: table, csv, tsv or json.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: Format,
    /// Tables: every column on one row, however wide. Without it a table fits the terminal
    /// ($COLUMNS, or 120 columns, when not printing to one): long reasons move below it as
    /// numbered notes and the least needed columns drop.
    #[arg(long)]
    pub wide: bool,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct QueueArgs {
    /// Arrival rate λ: `1200/s`, `5k/min`, `1M/day`.
    #[arg(long, value_name = "RATE", allow_hyphen_values = true, value_parser = Ranged)]
    pub arrival_rate: f64,
    /// Mean service time per request on one core: `10ms`, `80us`.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub service_time: f64,
    /// Cores per server (k).
    #[arg(long, value_name = "K", default_value = "1", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub cores_per_server: u64,
    /// pooled (alias least-connections): one M/M/(N·k); round-robin (alias random): N × M/M/k at λ/N.
    #[arg(long, value_name = "MODE", default_value = "pooled")]
    pub lb: Balancer,
    /// Coefficient of variation of inter-arrival times (1 = Poisson).
    #[arg(long, value_name = "CV", default_value = "1", allow_hyphen_values = true, value_parser = Ranged)]
    pub ca: f64,
    /// Coefficient of variation of service times (1 = exponential, 0 = constant).
    #[arg(long, value_name = "CV", default_value = "1", allow_hyphen_values = true, value_parser = Ranged)]
    pub cs: f64,
    /// Evaluate this many servers instead of sizing.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub servers: Option<u64>,
    /// Sizing: utilization ceiling (default 0.7 when sizing).
    #[arg(long, value_name = "FRACTION", allow_hyphen_values = true, value_parser = Ranged)]
    pub max_util: Option<f64>,
    /// Sizing: response-time p50 target.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub p50: Option<f64>,
    /// Sizing: response-time p90 target.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub p90: Option<f64>,
    /// Sizing: response-time p95 target.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub p95: Option<f64>,
    /// Sizing: response-time p99 target.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub p99: Option<f64>,
    /// Sizing: response-time p99.9 target.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub p999: Option<f64>,
    /// Sizing: mean wait-in-queue target.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub mean_wait: Option<f64>,
    /// Sizing: at least this many servers.
    #[arg(long, value_name = "N", default_value = "1", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub min_servers: u64,
    /// Sizing: survive one server failure (utilization with N−1 stays under --failover-util).
    #[arg(long)]
    pub n_plus_one: bool,
    /// Utilization ceiling with one server down.
    #[arg(long, value_name = "FRACTION", default_value = "0.9", allow_hyphen_values = true, value_parser = Ranged)]
    pub failover_util: f64,
    /// After the table, the derivation: each step one formula with its numbers (to stderr with --format csv, tsv or json).
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct PlanArgs {
    /// Monthly active users: `5M`, `250k`, or a range `1M..4M` [built-in: 1M].
    #[arg(long, value_name = "COUNT", allow_hyphen_values = true, value_parser = RangedSpread)]
    pub users: Option<Spread>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// One record per stage, one per stage and tier, or one per stage and bill line (cost).
    #[arg(long, value_name = "LEVEL", default_value = "stage", allow_hyphen_values = true, value_parser = ["stage", "tier", "cost"])]
    pub level: String,
    /// What if PART fails (repeatable): one record per stage and part, the
    /// stage as sized with that part down. PART: cdn, cache, dc, primary,
    /// replica, web-server, session-store, queue, worker, or a tier name of
    /// a --model file.
    #[arg(long = "fail", value_name = "PART")]
    pub fail: Vec<String>,
    /// After the table, the derivation: each step one formula with its numbers (to stderr with --format csv, tsv or json).
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What a plan reads besides the user count: the workload, the targets,
/// the catalog and prices, and the stages. Shared by `plan`, `ladder` and
/// `sweep`.
#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct InputArgs {
    /// Daily-active fraction of users: `50%`, `0.5`, or a range `40%..60%` [built-in: 50%].
    #[arg(long, value_name = "FRACTION", allow_hyphen_values = true, value_parser = RangedSpread)]
    pub dau_fraction: Option<Spread>,
    /// Dynamic requests per daily user per day, or a range `50..150` [built-in: 100].
    #[arg(long, value_name = "COUNT", allow_hyphen_values = true, value_parser = RangedSpread)]
    pub requests_per_user: Option<Spread>,
    /// Busiest hour over the daily mean (≥ 1), or a range `1.5..3` [built-in: 2].
    #[arg(long, value_name = "FACTOR", allow_hyphen_values = true, value_parser = RangedSpread)]
    pub peak_factor: Option<Spread>,
    /// Read:write mix: `9:1`, `95%`, or a range `9:1..99:1` [built-in: 9:1].
    #[arg(long, value_name = "MIX", allow_hyphen_values = true, value_parser = RangedSpread)]
    pub read_write: Option<Spread>,
    /// CPU time of a dynamic request on a web server: `20ms`, or a range `15ms..30ms` [built-in: 20ms].
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = RangedSpread)]
    pub web_cpu: Option<Spread>,
    /// Server-side p99 target of dynamic requests: `250ms`, or a range `200ms..300ms` [built-in: 250ms].
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = RangedSpread)]
    pub p99: Option<Spread>,
    /// Utilization ceiling: `70%`, or a range `60%..80%` [built-in: 70%].
    #[arg(long, value_name = "FRACTION", allow_hyphen_values = true, value_parser = RangedSpread)]
    pub max_util: Option<Spread>,
    /// Availability target: `99.9%`, or a range `99.5%..99.95%` [built-in: 99.9%].
    #[arg(long, value_name = "FRACTION", allow_hyphen_values = true, value_parser = RangedSpread)]
    pub availability: Option<Spread>,
    /// Workload file (TOML); keys it leaves out keep the built-in values (`scaleplan defaults workload`).
    #[arg(long, value_name = "FILE")]
    pub workload: Option<String>,
    /// Targets file (TOML); keys it leaves out keep the built-in values (`scaleplan defaults targets`).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<String>,
    /// Instance catalog (CSV with the header of data/instances.csv).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<String>,
    /// Unit prices (CSV with the header of data/prices.csv).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<String>,
    /// Price instances on demand, or at the catalog's 1- or 3-year committed rate.
    #[arg(long, value_name = "TERM", default_value = "on-demand")]
    pub commitment: Commitment,
    /// Plan this stage model file instead of the built-in ladder (repeatable).
    #[arg(long = "model", value_name = "FILE")]
    pub models: Vec<String>,
    /// Only these stages, by id (repeatable).
    #[arg(long = "stage", value_name = "ID")]
    pub stages: Vec<String>,
}

/// How a plan with ranged inputs is sampled (Monte Carlo).
#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct SamplingArgs {
    /// Samples drawn when any input is a range [default: 2000].
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub samples: Option<u64>,
    /// Seed of the samples: the same seed prints the same bytes, on any number of threads [default: 1].
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub seed: Option<u64>,
    /// Share of samples in which a stage must be feasible and meet the targets to be recommended [default: 90%].
    #[arg(long, value_name = "FRACTION", allow_hyphen_values = true, value_parser = Ranged)]
    pub confidence: Option<f64>,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct LadderArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Also draw monthly cost and p99 against users (a sweep over 1k..1B) to this SVG file (SVG only: a .png path is refused).
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct SensitivityArgs {
    /// Monthly active users: `5M`, or a range `1M..4M` [built-in: 1M].
    #[arg(long, value_name = "COUNT", allow_hyphen_values = true, value_parser = RangedSpread)]
    pub users: Option<Spread>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Also draw the cost tornado to this SVG file (SVG only: a .png path is refused).
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct SweepArgs {
    /// User counts: a range `1k..1B` (log-spaced, both ends included) or a list `1k,10k,1M`.
    #[arg(long, value_name = "COUNTS", default_value = "1k..1B", allow_hyphen_values = true, value_parser = UserCounts::parse)]
    pub users: UserCounts,
    /// Points in a --users range [default: 60]; each count is rounded to 3 significant digits
    /// (more where neighbours would meet), and counts that would repeat appear once.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub points: Option<u64>,
    /// Every stage at every point, not only the recommended one.
    #[arg(long)]
    pub all_stages: bool,
    #[command(flatten)]
    pub input: InputArgs,
    /// Also draw monthly cost and p99 against users to this SVG file (SVG only: a .png path is refused).
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub action: Option<ModelsAction>,
}

#[derive(Debug, Subcommand, Clone)]
pub enum ModelsAction {
    /// Print one built-in stage model as TOML, ready to copy and edit.
    Show {
        /// Stage id, e.g. `split-db`.
        id: String,
    },
}

#[derive(Debug, Args, Clone)]
pub struct DefaultsArgs {
    /// Which built-in file: workload or targets.
    #[arg(value_name = "WHAT", value_parser = ["workload", "targets"])]
    pub what: String,
}

/// Keys and their popularity, shared by `cache` and `shards`.
#[derive(Debug, Args, Clone)]
pub struct PopularityArgs {
    /// Distinct keys K (required): `10M`, `1e12`.
    #[arg(long, value_name = "COUNT", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub keys: Option<u64>,
    /// Zipf exponent s of key popularity (required by cache, and by shards for request load): 0 is uniform, 0.6–1.2 is typical.
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = Ranged)]
    pub zipf: Option<f64>,
}

#[derive(Debug, Args, Clone)]
pub struct CacheArgs {
    #[command(flatten)]
    pub popularity: PopularityArgs,
    /// lru, fifo, random, lfu (the most popular keys), ttl (expiry fixed at insertion) or ttl-reset (expiry reset on each hit).
    #[arg(long, value_name = "POLICY", default_value = "lru")]
    pub policy: Policy,
    /// Cache size in items: `1M`.
    #[arg(long, value_name = "ITEMS", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub capacity: Option<u64>,
    /// Cache size in bytes of memory: `16GiB` (needs --object-size).
    #[arg(long, value_name = "BYTES", allow_hyphen_values = true, value_parser = Ranged)]
    pub memory: Option<f64>,
    /// Mean stored value size: `1KiB`. Turns memory into items and items into memory.
    #[arg(long, value_name = "BYTES", allow_hyphen_values = true, value_parser = Ranged)]
    pub object_size: Option<f64>,
    /// Memory per key besides the value (with --memory or --object-size) [default: 80B, a Redis or memcached entry with a short key].
    #[arg(long, value_name = "BYTES", allow_hyphen_values = true, value_parser = Ranged)]
    pub key_overhead: Option<f64>,
    /// Share of memory that holds items; the rest is fragmentation and fork headroom (with --memory or --object-size) [default: 75%].
    #[arg(long, value_name = "FRACTION", allow_hyphen_values = true, value_parser = Ranged)]
    pub usable_memory: Option<f64>,
    /// Find the least size (or TTL) whose hit ratio reaches this: `0.9`, `90%`.
    #[arg(long, value_name = "FRACTION", allow_hyphen_values = true, value_parser = Ranged)]
    pub target_hit: Option<f64>,
    /// Time to live, for --policy ttl and ttl-reset: `5min`.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub ttl: Option<f64>,
    /// Requests per second to the cache (all keys): needed by TTL policies and by characteristic_time_s.
    #[arg(long, value_name = "RATE", allow_hyphen_values = true, value_parser = Ranged)]
    pub request_rate: Option<f64>,
    /// Reads per second in front of the database: adds db_reads_per_s, the misses that reach it.
    #[arg(long, value_name = "RATE", allow_hyphen_values = true, value_parser = Ranged)]
    pub read_rate: Option<f64>,
    /// After the table, the derivation: each step one formula with its numbers (to stderr with --format csv, tsv or json).
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
pub struct ReplicasArgs {
    /// Reads per second to the database tier (required): `20k/s`.
    #[arg(long, value_name = "RATE", allow_hyphen_values = true, value_parser = Ranged)]
    pub read_rate: Option<f64>,
    /// Writes per second, all to the primary (required): `500/s`.
    #[arg(long, value_name = "RATE", allow_hyphen_values = true, value_parser = Ranged)]
    pub write_rate: Option<f64>,
    /// Mean core time of one read (required): `2ms`.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub read_time: Option<f64>,
    /// Mean core time of one write on the primary (required): `5ms`.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub write_time: Option<f64>,
    /// Replica instance from the built-in catalog (its vCPU are the cores): `r7i.2xlarge`.
    #[arg(long, value_name = "NAME", conflicts_with = "cores")]
    pub instance: Option<String>,
    /// Cores per replica (instead of --instance).
    #[arg(long, value_name = "K", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub cores: Option<u64>,
    /// Cores of the primary [default: as a replica].
    #[arg(long, value_name = "K", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub primary_cores: Option<u64>,
    /// A replica spends this many write times re-applying each write.
    #[arg(long, value_name = "FACTOR", default_value = "1", allow_hyphen_values = true, value_parser = Ranged)]
    pub apply_factor: f64,
    /// Utilization ceiling per replica.
    #[arg(long, value_name = "FRACTION", default_value_t = DEFAULT_MAX_UTILIZATION, allow_hyphen_values = true, value_parser = Ranged)]
    pub max_util: f64,
    /// Utilization ceiling with one replica down (with --n-plus-one).
    #[arg(long, value_name = "FRACTION", default_value_t = DEFAULT_FAILOVER_UTILIZATION, allow_hyphen_values = true, value_parser = Ranged)]
    pub failover_util: f64,
    /// Survive one replica failing: the other n − 1 stay under --failover-util.
    #[arg(long)]
    pub n_plus_one: bool,
    /// Target for the p99 of a read on a replica (queueing + service): `20ms`.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = Ranged)]
    pub p99_read: Option<f64>,
    /// Most replicas one primary may have; needing more is infeasible.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_REPLICAS, allow_hyphen_values = true, value_parser = RangedWhole)]
    pub max_replicas: u64,
    /// After the table, the derivation: each step one formula with its numbers (to stderr with --format csv, tsv or json).
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// One shard's capacity for `--size-to`: requests per second or bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShardCapacity {
    RatePerS(f64),
    Bytes(f64),
}

/// `5k/s` is a rate (it names a time unit after `/`); `2TiB` is bytes.
/// Each within its range in [`FLAGS`].
pub fn parse_shard_capacity(text: &str) -> Result<ShardCapacity, String> {
    let input = find(FLAGS, "--size-to").ok_or("--size-to has no range")?;
    match input.parse(text).map_err(|e| e.to_string())? {
        (Kind::Rate, rate) => Ok(ShardCapacity::RatePerS(rate)),
        (_, bytes) => Ok(ShardCapacity::Bytes(bytes)),
    }
}

/// Monthly growth: `5%` or `0.05` compounds; `50GiB` (bytes, whole data
/// set) adds linearly. An optional `/month` suffix is accepted.
pub fn parse_growth(text: &str) -> Result<Growth, String> {
    let input = find(FLAGS, "--growth").ok_or("--growth has no range")?;
    let t = text.trim();
    let t = t.strip_suffix("/month").or_else(|| t.strip_suffix("/mo")).unwrap_or(t);
    let parsed = input.parse(t).map_err(|e| crate::quantity::QuantityError {
        text: text.to_string(),
        ..e
    });
    match parsed.map_err(|e| e.to_string())? {
        (Kind::Fraction, fraction) => Ok(Growth::FractionPerMonth(fraction)),
        (_, bytes) => Ok(Growth::BytesPerMonth(bytes)),
    }
}

#[derive(Debug, Args, Clone)]
pub struct ShardsArgs {
    /// Shard count S to evaluate (or give --size-to to find it).
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub shards: Option<u64>,
    /// One shard's capacity: a rate `5k/s` (needs --rate) or a size `2TiB` (needs --stored). Without --shards: find the least S whose hottest shard fits; with --shards: check the hot key against it (hot_key_fits).
    #[arg(long, value_name = "CAPACITY", allow_hyphen_values = true, value_parser = parse_shard_capacity)]
    pub size_to: Option<ShardCapacity>,
    #[command(flatten)]
    pub popularity: PopularityArgs,
    /// hash (hash(key) mod S), modulo (id mod S) or consistent (a hash ring with --vnodes).
    #[arg(long, value_name = "PLACEMENT", default_value = "hash")]
    pub placement: Placement,
    /// Virtual nodes per shard, for --placement consistent [default: 256].
    #[arg(long, value_name = "V", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub vnodes: Option<u64>,
    /// Requests per second over all shards: `200k/s`.
    #[arg(long, value_name = "RATE", allow_hyphen_values = true, value_parser = Ranged)]
    pub rate: Option<f64>,
    /// Bytes stored over all shards: `40TiB`.
    #[arg(long, value_name = "BYTES", allow_hyphen_values = true, value_parser = Ranged)]
    pub stored: Option<f64>,
    /// Bytes one shard can hold: `4TiB`. With --growth: the time until the fullest shard is full.
    #[arg(long, value_name = "BYTES", allow_hyphen_values = true, value_parser = Ranged)]
    pub shard_storage: Option<f64>,
    /// Reshard to this many shards: the fraction, bytes (with --stored) and time (with --bandwidth) moved.
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = RangedWhole)]
    pub reshard_to: Option<u64>,
    /// Copy bandwidth while resharding: `100MB/s`.
    #[arg(long, value_name = "BYTES/S", allow_hyphen_values = true, value_parser = Ranged)]
    pub bandwidth: Option<f64>,
    /// Growth of the stored data per month: `5%` (compounding) or `50GiB` (added to the whole data set).
    #[arg(long, value_name = "GROWTH", allow_hyphen_values = true, value_parser = parse_growth)]
    pub growth: Option<Growth>,
    /// After the table, the derivation: each step one formula with its numbers (to stderr with --format csv, tsv or json).
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}
