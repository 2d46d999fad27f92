//! A stage's monthly bill, line by line (DESIGN §8): each tier's servers
//! (and a database tier's storage, a load balancer's hours and data), then
//! what the stage pays for besides its tiers: internet egress, CDN transfer
//! and requests, inter-DC transfer, queue messages, logs and metrics. The
//! stage's and each tier's `usd_per_month` are sums of these lines, so the
//! bill and the totals cannot disagree.

use super::{StageContext, TierPlan};
use crate::cost::{self, Charge, Instance, Rate, BYTES_PER_GB, HOURS_PER_MONTH};
use crate::model::{DbHosting, TierKind};

/// Queue requests billed per job: send, receive and delete.
pub const QUEUE_MESSAGES_PER_JOB: f64 = 3.0;

/// One line of a monthly bill: `quantity` units at `usd_per_unit` each.
#[derive(Debug, Clone, PartialEq)]
pub struct BillLine {
    /// What is billed, with the volume band where a price has bands:
    /// `servers (c7i.xlarge)`, `internet egress (next 40 TB)`.
    pub line: String,
    /// The tier the line belongs to; empty for a line of the whole stage.
    pub tier: String,
    /// Units a month (instance-hours, GB, GB-months, …).
    pub quantity: f64,
    pub unit: &'static str,
    pub usd_per_unit: f64,
    /// `quantity · usd_per_unit`.
    pub usd_per_month: f64,
}

impl BillLine {
    /// Whether this is a tier's server line (what a commitment reprices).
    pub fn is_servers(&self) -> bool {
        self.line.starts_with("servers")
    }
}

/// The sum of `lines`, USD per month.
pub fn total_usd(lines: &[BillLine]) -> f64 {
    lines.iter().map(|l| l.usd_per_month).sum()
}

/// The line of `mean_count` servers of `instance` running all month.
///
/// ```text
/// quantity = n · 730 instance-hours,   C = quantity · p_h
/// ```
/// where `n` is the mean count over the month and `p_h` the hourly price
/// in effect (on demand or committed).
pub fn servers(tier: &str, instance: &Instance, mean_count: f64) -> BillLine {
    let hours = mean_count * HOURS_PER_MONTH;
    let line = match instance.commitment {
        cost::Commitment::OnDemand => format!("servers ({})", instance.name),
        c => format!("servers ({}, {})", instance.name, c.label()),
    };
    BillLine {
        line,
        tier: tier.to_string(),
        quantity: hours,
        unit: "instance-hour",
        usd_per_unit: instance.usd_per_hour,
        usd_per_month: hours * instance.usd_per_hour,
    }
}

/// How a band's edges read.
#[derive(Debug, Clone, Copy)]
enum Edges {
    /// Gigabytes, named in (binary) TB and PB as providers name the bands.
    Gb,
    Count,
}

/// One line per band of `rate` that `quantity` reaches (one line, without
/// a band name, for a flat rate).
fn banded(what: &str, tier: &str, rate: &Rate, quantity: f64, unit: &'static str, edges: Edges) -> Vec<BillLine> {
    let flat = rate.bands.len() == 1;
    rate.charges(quantity)
        .into_iter()
        .map(|charge| BillLine {
            line: match flat {
                true => what.to_string(),
                false => format!("{what} ({})", band_name(&charge, edges)),
            },
            tier: tier.to_string(),
            quantity: charge.units,
            unit,
            usd_per_unit: charge.usd_per_unit,
            usd_per_month: charge.usd,
        })
        .collect()
}

/// `first 10 TB`, `next 40 TB`, `over 150 TB`.
fn band_name(charge: &Charge, edges: Edges) -> String {
    let amount = |x: f64| match edges {
        Edges::Gb if x >= 1024.0 * 1024.0 => format!("{} PB", trim(x / 1024.0 / 1024.0)),
        Edges::Gb if x >= 1024.0 => format!("{} TB", trim(x / 1024.0)),
        Edges::Gb => format!("{} GB", trim(x)),
        Edges::Count => crate::quantity::format_thousands(x),
    };
    match charge.to {
        Some(to) if charge.from == 0.0 => format!("first {}", amount(to)),
        Some(to) => format!("next {}", amount(to - charge.from)),
        None => format!("over {}", amount(charge.from)),
    }
}

/// A number without trailing zeros, to one decimal.
fn trim(x: f64) -> String {
    let text = format!("{x:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_string)
}

impl StageContext<'_> {
    /// The load balancers' lines: one per data center running all month,
    /// and the bytes they process.
    pub(super) fn lb_lines(&self, tier: &str) -> Vec<BillLine> {
        let prices = self.inputs.prices;
        let hours = self.data_centers() as f64 * HOURS_PER_MONTH;
        let mut lines = banded(
            "load balancer hours",
            tier,
            &prices.lb_hour,
            hours,
            "hour",
            Edges::Count,
        );
        let gb = self.lb_bytes_per_month() / BYTES_PER_GB;
        lines.extend(banded(
            "load balancer data",
            tier,
            &prices.lb_per_gb,
            gb,
            "GB",
            Edges::Gb,
        ));
        lines
    }

    /// How a database tier of `kind` is run: the stage's hosting, but the
    /// single server (web and database on one box) is always self-managed.
    pub(super) fn hosting(&self, kind: TierKind) -> DbHosting {
        match kind {
            TierKind::AllInOne => DbHosting::SelfManaged,
            _ => self.stage.db_hosting,
        }
    }

    /// The storage price of a database tier of `kind`.
    fn storage_rate(&self, kind: TierKind) -> &Rate {
        match self.hosting(kind) {
            DbHosting::Managed => &self.inputs.prices.managed_storage,
            DbHosting::SelfManaged => &self.inputs.prices.block_storage,
        }
    }

    /// The storage of `copies` copies of the data (a shard's copy holds
    /// `1/shards` of it) on a tier of `kind`, USD per month.
    pub(super) fn storage_usd(&self, kind: TierKind, copies: f64, shards: u64) -> f64 {
        self.storage_rate(kind).usd(self.copy_gb(copies, shards))
    }

    /// The storage lines of a database tier holding `copies` copies.
    ///
    /// ```text
    /// quantity = copies · D / shards / 10^9 GB-months
    /// ```
    /// where `D` is the bytes the database holds.
    pub(super) fn storage_lines(&self, tier: &str, kind: TierKind, copies: f64, shards: u64) -> Vec<BillLine> {
        let rate = self.storage_rate(kind);
        let gb = self.copy_gb(copies, shards);
        banded("database storage", tier, rate, gb, "GB-month", Edges::Gb)
    }

    fn copy_gb(&self, copies: f64, shards: u64) -> f64 {
        copies * self.w().stored_bytes() / shards.max(1) as f64 / BYTES_PER_GB
    }

    /// What the stage pays for besides its tiers.
    pub(super) fn stage_lines(&self, tiers: &[TierPlan]) -> Vec<BillLine> {
        let mut lines = self.transfer_lines();
        lines.extend(self.inter_dc_lines());
        lines.extend(self.queue_lines());
        if self.stage.monitoring {
            lines.extend(self.monitoring_lines(tiers));
        }
        lines
    }

    /// Responses to users: dynamic ones from the servers (internet egress),
    /// static ones from the CDN when the stage has one (transfer and
    /// requests), else from the servers too. Monthly means of the rates.
    fn transfer_lines(&self) -> Vec<BillLine> {
        let w = self.w();
        let prices = self.inputs.prices;
        let month = cost::per_month_from_per_s;
        let static_bytes = month(w.mean_static_rate_per_s() * w.static_bytes);
        let dynamic_bytes = month(w.mean_rate_per_s() * w.response_bytes);
        let from_servers = dynamic_bytes + if self.stage.cdn { 0.0 } else { static_bytes };
        let mut lines = banded(
            "internet egress",
            "",
            &prices.object_egress,
            from_servers / BYTES_PER_GB,
            "GB",
            Edges::Gb,
        );
        if self.stage.cdn {
            let gb = static_bytes / BYTES_PER_GB;
            lines.extend(banded("CDN transfer", "", &prices.cdn_egress, gb, "GB", Edges::Gb));
            let requests = month(w.mean_static_rate_per_s()) / 1e4;
            let unit = "10k requests";
            lines.extend(banded(
                "CDN requests",
                "",
                &prices.cdn_requests,
                requests,
                unit,
                Edges::Count,
            ));
        }
        lines
    }

    /// Every write sent once to each other data center.
    fn inter_dc_lines(&self) -> Vec<BillLine> {
        let d = self.loads.len();
        if d < 2 {
            return Vec::new();
        }
        let w = self.w();
        let mean_writes = self.rates.writes_per_s / w.peak_factor;
        let bytes = cost::per_month_from_per_s(mean_writes * w.write_bytes) * (d - 1) as f64;
        let rate = &self.inputs.prices.inter_dc_transfer;
        banded("inter-DC transfer", "", rate, bytes / BYTES_PER_GB, "GB", Edges::Gb)
    }

    /// Queue requests of the jobs, three per job.
    fn queue_lines(&self) -> Vec<BillLine> {
        if !self.stage.has(TierKind::Worker) {
            return Vec::new();
        }
        let mean_jobs = self.rates.jobs_per_s / self.w().peak_factor;
        let millions = cost::per_month_from_per_s(mean_jobs) * QUEUE_MESSAGES_PER_JOB / 1e6;
        let rate = &self.inputs.prices.queue_messages;
        banded("queue messages", "", rate, millions, "million messages", Edges::Count)
    }

    /// A month of logs kept, and `metrics_per_server` metrics for every
    /// server running (the mean count over the month).
    fn monitoring_lines(&self, tiers: &[TierPlan]) -> Vec<BillLine> {
        let w = self.w();
        let prices = self.inputs.prices;
        let logs_gb = cost::per_month_from_per_s(w.mean_rate_per_s() * w.log_bytes_per_request) / BYTES_PER_GB;
        let mut lines = banded("logs", "", &prices.log_storage, logs_gb, "GB-month", Edges::Gb);
        let servers: f64 = tiers.iter().map(|t| t.mean_servers).sum();
        let metrics = w.metrics_per_server * servers;
        lines.extend(banded(
            "metrics",
            "",
            &prices.metrics,
            metrics,
            "metric-month",
            Edges::Count,
        ));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_names_read_like_the_price_page() {
        let egress = crate::cost::sample_egress();
        let lines = banded("internet egress", "", &egress, 200_000.0, "GB", Edges::Gb);
        let names: Vec<&str> = lines.iter().map(|l| l.line.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "internet egress (first 10 TB)",
                "internet egress (next 40 TB)",
                "internet egress (next 100 TB)",
                "internet egress (over 150 TB)"
            ]
        );
        let flat = banded("logs", "", &Rate::flat(0.023), 10.0, "GB-month", Edges::Gb);
        assert_eq!(flat[0].line, "logs");
        assert!((total_usd(&flat) - 0.23).abs() < 1e-12);
    }

    #[test]
    fn a_server_line_is_hours_times_the_hourly_price() {
        let catalog = crate::cost::Catalog::builtin();
        let c7i = catalog.find("c7i.xlarge").unwrap();
        let line = servers("web", c7i, 2.5);
        // 2.5 × 730 = 1 825 h at 0.1785 = 325.7625 USD.
        assert!((line.quantity - 1825.0).abs() < 1e-9);
        assert!((line.usd_per_month - 325.7625).abs() < 1e-9);
        assert_eq!(line.line, "servers (c7i.xlarge)");
        assert!(line.is_servers());
    }
}
