//! `scaleplan fit`: its clap structs (no math).

use super::OutputArgs;
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand, Clone)]
pub enum FitAction {
    /// Service demand per request of each tier from production windows, by the Utilization Law.
    ///
    /// Per tier: U = U0 + X·D/c by least squares over the windows (utilization
    /// below 95%), with the background U0, R² and a 95% interval for D; where
    /// latencies are given, the service time and its cv that the tier's M/M/c
    /// (Allen–Cunneen) needs to give them, with the relative residual.
    Demand(FitDemandArgs),
    /// Universal Scalability Law from a load test: σ, κ, λ, the peak N* and what bounds throughput.
    ///
    /// X(N) = λN / (1 + σ(N−1) + κN(N−1)) by nonlinear least squares, with
    /// standard errors; coherency-bound when the peak N* = √((1−σ)/κ) lies
    /// within the measured concurrencies, else contention-bound.
    Usl(FitUslArgs),
}

#[derive(Debug, Args, Clone)]
pub struct FitDemandArgs {
    /// CSV with a header `tier,cores,throughput_per_s,utilization` (optional `mean_response_s,p50_response_s,p99_response_s`), one row per window and tier; or a Prometheus query_range JSON export.
    #[arg(long, value_name = "FILE")]
    pub measurements: Option<String>,
    /// Also write the fitted demands as a workload TOML fragment for `plan --workload`.
    #[arg(long, value_name = "FILE")]
    pub emit_workload: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
pub struct FitUslArgs {
    /// CSV with a header `concurrency,throughput_per_s`, one row per load level (at least 4 distinct concurrencies).
    #[arg(long, value_name = "FILE")]
    pub measurements: Option<String>,
    /// Also draw the data and the fit to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}
