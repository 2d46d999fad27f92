//! A farm: `N` servers of `k` cores each behind a load balancer.

use super::mmc::{Mmc, QueueError};
use std::fmt;
use std::str::FromStr;

/// How the balancer spreads requests over the farm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balancer {
    /// One queue feeding all `N·k` cores: M/M/(N·k). What least-connections
    /// approaches (optimistic for a real balancer).
    Pooled,
    /// `N` independent M/M/k queues at `λ/N` each (round-robin or random;
    /// conservative for round-robin).
    RoundRobin,
}

impl Balancer {
    pub fn as_str(&self) -> &'static str {
        match self {
            Balancer::Pooled => "pooled",
            Balancer::RoundRobin => "round-robin",
        }
    }
}

impl FromStr for Balancer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pooled" | "least-connections" => Ok(Balancer::Pooled),
            "round-robin" | "random" => Ok(Balancer::RoundRobin),
            _ => Err(format!(
                "\"{s}\" is not a balancer; use pooled (alias least-connections) or round-robin (alias random)"
            )),
        }
    }
}

impl fmt::Display for Balancer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The inputs of one farm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Farm {
    pub arrival_rate_per_s: f64,
    /// Mean core-seconds one request needs.
    pub service_time_s: f64,
    pub cores_per_server: u32,
    pub balancer: Balancer,
    /// Coefficient of variation of inter-arrival times (1 = Poisson).
    pub ca: f64,
    /// Coefficient of variation of service times (1 = exponential).
    pub cs: f64,
}

/// What a farm of a given size delivers. Times are `None` when unstable.
#[derive(Debug, Clone, PartialEq)]
pub struct FarmMetrics {
    pub servers: u64,
    pub cores: u64,
    pub offered_load_erlangs: f64,
    pub utilization: f64,
    pub p_wait: f64,
    pub stable: bool,
    pub mean_wait_s: Option<f64>,
    pub mean_response_s: Option<f64>,
    pub mean_in_system: Option<f64>,
    pub p50_response_s: Option<f64>,
    pub p90_response_s: Option<f64>,
    pub p95_response_s: Option<f64>,
    pub p99_response_s: Option<f64>,
    pub p999_response_s: Option<f64>,
    pub p95_wait_s: Option<f64>,
    pub p99_wait_s: Option<f64>,
}

impl Farm {
    /// A plain M/M/c farm of single-core servers behind a pooled queue.
    pub fn mmc(arrival_rate_per_s: f64, service_time_s: f64) -> Farm {
        Farm {
            arrival_rate_per_s,
            service_time_s,
            cores_per_server: 1,
            balancer: Balancer::Pooled,
            ca: 1.0,
            cs: 1.0,
        }
    }

    /// The queue one request joins when the farm has `servers` servers:
    /// pooled → M/M/(N·k) at λ; round-robin → M/M/k at λ/N.
    pub fn queue(&self, servers: u64) -> Result<Mmc, QueueError> {
        if servers == 0 || self.cores_per_server == 0 {
            return Err(QueueError::Servers);
        }
        let k = self.cores_per_server as u64;
        let queue = match self.balancer {
            Balancer::Pooled => Mmc::new(self.arrival_rate_per_s, self.service_time_s, servers.saturating_mul(k))?,
            Balancer::RoundRobin => Mmc::new(self.arrival_rate_per_s / servers as f64, self.service_time_s, k)?,
        };
        queue.with_variability(self.ca, self.cs)
    }

    /// Every metric of the farm at `servers` servers. In round-robin mode
    /// the per-queue numbers are the farm's (all queues are alike);
    /// `mean_in_system` is summed over the farm.
    pub fn metrics(&self, servers: u64) -> Result<FarmMetrics, QueueError> {
        let q = self.queue(servers)?;
        let queues = match self.balancer {
            Balancer::Pooled => 1.0,
            Balancer::RoundRobin => servers as f64,
        };
        Ok(FarmMetrics {
            servers,
            cores: servers.saturating_mul(self.cores_per_server as u64),
            offered_load_erlangs: self.arrival_rate_per_s * self.service_time_s,
            utilization: q.utilization(),
            p_wait: q.erlang_c(),
            stable: q.is_stable(),
            mean_wait_s: q.mean_wait_s(),
            mean_response_s: q.mean_response_s(),
            mean_in_system: q.mean_in_system().map(|l| l * queues),
            p50_response_s: q.response_quantile_s(0.5),
            p90_response_s: q.response_quantile_s(0.9),
            p95_response_s: q.response_quantile_s(0.95),
            p99_response_s: q.response_quantile_s(0.99),
            p999_response_s: q.response_quantile_s(0.999),
            p95_wait_s: q.wait_quantile_s(0.95),
            p99_wait_s: q.wait_quantile_s(0.99),
        })
    }

    /// Least server count with offered load strictly below capacity.
    pub fn least_stable_servers(&self) -> u64 {
        let cores_needed = self.arrival_rate_per_s * self.service_time_s;
        let k = self.cores_per_server.max(1) as f64;
        (cores_needed / k).floor() as u64 + 1
    }
}
