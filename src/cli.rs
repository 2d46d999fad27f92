//! The command line: clap derive structs only, no math. Every numeric flag
//! parses through `quantity`, so `10M`, `250ms`, `4KiB`, `1200/s`, `90%`
//! and `9:1` read as people write them.

use crate::quantity::{
    parse_count, parse_duration_s, parse_fraction, parse_rate_per_s, parse_read_fraction, parse_whole,
};
use crate::queueing::Balancer;
use crate::report::Format;
use clap::{Args, Parser, Subcommand};

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Plan every stage of the ladder for a workload: servers, latency, cost, availability.
    Plan(PlanArgs),
    /// List the built-in stage models, or show one as TOML.
    Models(ModelsArgs),
    /// Size one queue or farm (M/M/c, Erlang C): evaluate N servers, or find the least N meeting targets.
    Queue(QueueArgs),
}

/// Output format shared by every command.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format: table, csv, tsv or json.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: Format,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct QueueArgs {
    /// Arrival rate λ: `1200/s`, `5k/min`, `1M/day`.
    #[arg(long, value_name = "RATE", value_parser = parse_rate_per_s)]
    pub arrival_rate: f64,
    /// Mean service time per request on one core: `10ms`, `80us`.
    #[arg(long, value_name = "TIME", value_parser = parse_duration_s)]
    pub service_time: f64,
    /// Cores per server (k).
    #[arg(long, value_name = "K", default_value = "1", value_parser = parse_whole)]
    pub cores_per_server: u64,
    /// pooled (alias least-connections): one M/M/(N·k); round-robin (alias random): N × M/M/k at λ/N.
    #[arg(long, value_name = "MODE", default_value = "pooled")]
    pub lb: Balancer,
    /// Coefficient of variation of inter-arrival times (1 = Poisson).
    #[arg(long, value_name = "CV", default_value = "1", value_parser = parse_count)]
    pub ca: f64,
    /// Coefficient of variation of service times (1 = exponential, 0 = constant).
    #[arg(long, value_name = "CV", default_value = "1", value_parser = parse_count)]
    pub cs: f64,
    /// Evaluate this many servers instead of sizing.
    #[arg(long, value_name = "N", value_parser = parse_whole)]
    pub servers: Option<u64>,
    /// Sizing: utilization ceiling (default 0.7 when sizing).
    #[arg(long, value_name = "FRACTION", value_parser = parse_fraction)]
    pub max_util: Option<f64>,
    /// Sizing: response-time p50 target.
    #[arg(long, value_name = "TIME", value_parser = parse_duration_s)]
    pub p50: Option<f64>,
    /// Sizing: response-time p90 target.
    #[arg(long, value_name = "TIME", value_parser = parse_duration_s)]
    pub p90: Option<f64>,
    /// Sizing: response-time p95 target.
    #[arg(long, value_name = "TIME", value_parser = parse_duration_s)]
    pub p95: Option<f64>,
    /// Sizing: response-time p99 target.
    #[arg(long, value_name = "TIME", value_parser = parse_duration_s)]
    pub p99: Option<f64>,
    /// Sizing: response-time p99.9 target.
    #[arg(long, value_name = "TIME", value_parser = parse_duration_s)]
    pub p999: Option<f64>,
    /// Sizing: mean wait-in-queue target.
    #[arg(long, value_name = "TIME", value_parser = parse_duration_s)]
    pub mean_wait: Option<f64>,
    /// Sizing: at least this many servers.
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_whole)]
    pub min_servers: u64,
    /// Sizing: survive one server failure (utilization with N−1 stays under --failover-util).
    #[arg(long)]
    pub n_plus_one: bool,
    /// Utilization ceiling with one server down.
    #[arg(long, value_name = "FRACTION", default_value = "0.9", value_parser = parse_fraction)]
    pub failover_util: f64,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
#[command(allow_negative_numbers = true)]
pub struct PlanArgs {
    /// Monthly active users: `5M`, `250k`.
    #[arg(long, value_name = "COUNT", value_parser = parse_count)]
    pub users: Option<f64>,
    /// Daily-active fraction of users: `50%`, `0.5`.
    #[arg(long, value_name = "FRACTION", value_parser = parse_fraction)]
    pub dau_fraction: Option<f64>,
    /// Dynamic requests per daily user per day.
    #[arg(long, value_name = "COUNT", value_parser = parse_count)]
    pub requests_per_user: Option<f64>,
    /// Busiest hour over the daily mean (≥ 1).
    #[arg(long, value_name = "FACTOR", value_parser = parse_count)]
    pub peak_factor: Option<f64>,
    /// Read:write mix: `9:1`, `95%`.
    #[arg(long, value_name = "MIX", value_parser = parse_read_fraction)]
    pub read_write: Option<f64>,
    /// Server-side p99 target of dynamic requests: `250ms`.
    #[arg(long, value_name = "TIME", value_parser = parse_duration_s)]
    pub p99: Option<f64>,
    /// Utilization ceiling: `70%`.
    #[arg(long, value_name = "FRACTION", value_parser = parse_fraction)]
    pub max_util: Option<f64>,
    /// Availability target: `99.9%`.
    #[arg(long, value_name = "FRACTION", value_parser = parse_fraction)]
    pub availability: Option<f64>,
    /// Workload file (TOML); keys it leaves out keep the built-in values.
    #[arg(long, value_name = "FILE")]
    pub workload: Option<String>,
    /// Targets file (TOML); keys it leaves out keep the built-in values.
    #[arg(long, value_name = "FILE")]
    pub targets: Option<String>,
    /// Instance catalog (CSV with the header of data/instances.csv).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<String>,
    /// Unit prices (CSV with the header of data/prices.csv).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<String>,
    /// Plan this stage model file instead of the built-in ladder (repeatable).
    #[arg(long = "model", value_name = "FILE")]
    pub models: Vec<String>,
    /// Only these stages, by id (repeatable).
    #[arg(long = "stage", value_name = "ID")]
    pub stages: Vec<String>,
    /// One record per stage, or one per stage and tier.
    #[arg(long, value_name = "LEVEL", default_value = "stage", value_parser = ["stage", "tier"])]
    pub level: String,
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
