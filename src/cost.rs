//! Instance catalog, unit prices, and monthly cost.
//!
//! The built-in catalog and prices (AWS us-east-1 on-demand list prices, see
//! `data/README.md`) are embedded at compile time. A user may supply their
//! own files with the same header; parsing is pure: the caller reads the file
//! and passes its text and a name to show in error messages.
//!
//! Units: a month is 730 hours; a GB is 10^9 bytes (cloud providers bill
//! transfer and storage in decimal GB); instance memory is in GiB (2^30
//! bytes) as providers list it; network bandwidth in Gbit/s (10^9 bit/s).

mod rate;

#[cfg(test)]
pub use rate::sample_egress;
pub use rate::{Band, Charge, Rate};

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Hours in a billing month: 365 days × 24 h / 12 months.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Seconds in a billing month: 730 h × 3600 s.
pub const SECONDS_PER_MONTH: f64 = HOURS_PER_MONTH * 3600.0;

/// Bytes in a billed GB (decimal).
pub const BYTES_PER_GB: f64 = 1e9;

/// Bytes in a GiB (binary), the unit of `memory_gib`.
pub const BYTES_PER_GIB: f64 = 1_073_741_824.0;

/// Header every catalog file must start with, in this order.
pub const CATALOG_HEADER: [&str; 7] = [
    "provider",
    "name",
    "family",
    "vcpu",
    "memory_gib",
    "network_gbps",
    "usd_per_hour",
];

/// The same with the committed-use prices `--commitment` reads: an hourly
/// price on a 1-year and on a 3-year commitment (see `data/README.md`).
pub const CATALOG_HEADER_COMMITTED: [&str; 9] = [
    "provider",
    "name",
    "family",
    "vcpu",
    "memory_gib",
    "network_gbps",
    "usd_per_hour",
    "usd_per_hour_1yr",
    "usd_per_hour_3yr",
];

/// Header every prices file must start with, in this order. `from` is the
/// monthly quantity (in the item's unit) at which the row's price starts:
/// 0 for a flat price, one row per volume band for a tiered one.
pub const PRICES_HEADER: [&str; 4] = ["item", "unit", "usd", "from"];

const BUILTIN_INSTANCES: &str = include_str!("../data/instances.csv");
const BUILTIN_PRICES: &str = include_str!("../data/prices.csv");

// Column indices into CATALOG_HEADER.
const PROVIDER: usize = 0;
const NAME: usize = 1;
const FAMILY: usize = 2;
const VCPU: usize = 3;
const MEMORY_GIB: usize = 4;
const NETWORK_GBPS: usize = 5;
const USD_PER_HOUR: usize = 6;
const USD_PER_HOUR_1YR: usize = 7;
const USD_PER_HOUR_3YR: usize = 8;

/// How instances are paid for: on demand, or at the published rate of a
/// 1- or 3-year commitment (`--commitment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Commitment {
    #[default]
    OnDemand,
    OneYear,
    ThreeYear,
}

impl Commitment {
    /// The flag value: `on-demand`, `1yr`, `3yr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Commitment::OnDemand => "on-demand",
            Commitment::OneYear => "1yr",
            Commitment::ThreeYear => "3yr",
        }
    }

    /// How a bill line names it.
    pub fn label(self) -> &'static str {
        match self {
            Commitment::OnDemand => "on-demand",
            Commitment::OneYear => "1-year commitment",
            Commitment::ThreeYear => "3-year commitment",
        }
    }
}

impl FromStr for Commitment {
    type Err = String;
    fn from_str(s: &str) -> Result<Commitment, String> {
        match s {
            "on-demand" => Ok(Commitment::OnDemand),
            "1yr" => Ok(Commitment::OneYear),
            "3yr" => Ok(Commitment::ThreeYear),
            _ => Err(format!("\"{s}\" is not a commitment; use on-demand, 1yr or 3yr")),
        }
    }
}

impl fmt::Display for Commitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rentable server type.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub provider: String,
    pub name: String,
    pub family: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    pub network_gbps: f64,
    /// The hourly price in effect: on demand, or the committed price after
    /// [`Catalog::with_commitment`].
    pub usd_per_hour: f64,
    /// The listed on-demand hourly price.
    pub usd_per_hour_on_demand: f64,
    /// Hourly price on a 1-year and a 3-year commitment, when the catalog
    /// lists them.
    pub usd_per_hour_1yr: Option<f64>,
    pub usd_per_hour_3yr: Option<f64>,
    /// Which of the prices `usd_per_hour` is.
    pub commitment: Commitment,
}

impl Instance {
    /// Cost of one instance running all month at the price in effect.
    ///
    /// ```text
    /// C = p_h · 730
    /// ```
    /// where `p_h` is `usd_per_hour` and 730 is [`HOURS_PER_MONTH`].
    pub fn usd_per_month(&self) -> f64 {
        self.usd_per_hour * HOURS_PER_MONTH
    }

    /// Memory in bytes.
    ///
    /// ```text
    /// M_bytes = M_GiB · 2^30
    /// ```
    pub fn memory_bytes(&self) -> f64 {
        self.memory_gib * BYTES_PER_GIB
    }

    /// Network bandwidth in bytes per second (the listed, burst figure for
    /// sizes sold as "up to" a rate).
    ///
    /// ```text
    /// B = G · 10^9 / 8
    /// ```
    /// where `G` is `network_gbps` in Gbit/s.
    pub fn network_bytes_per_s(&self) -> f64 {
        self.network_gbps * 1e9 / 8.0
    }
}

/// All instance types the planner may choose from.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub instances: Vec<Instance>,
}

impl Catalog {
    /// Parses a catalog CSV whose first line is [`CATALOG_HEADER`].
    ///
    /// `source` names the file in error messages. Blank lines and lines
    /// starting with `#` are skipped; fields are trimmed. Every name must be
    /// unique, `vcpu` a whole number ≥ 1, `memory_gib` and `network_gbps`
    /// finite and > 0, `usd_per_hour` finite and ≥ 0.
    pub fn parse(text: &str, source: &str) -> Result<Catalog, CatalogError> {
        let rows = read_rows(text, source, &[&CATALOG_HEADER, &CATALOG_HEADER_COMMITTED])?;
        let mut first_line: HashMap<&str, u64> = HashMap::new();
        let mut instances = Vec::with_capacity(rows.len());
        for row in &rows {
            let instance = parse_instance(row)?;
            let name = row.text(NAME);
            if let Some(&first) = first_line.get(name) {
                return Err(row.error(CatalogErrorKind::DuplicateName {
                    name: name.to_string(),
                    first_line: first,
                }));
            }
            first_line.insert(name, row.line);
            instances.push(instance);
        }
        Ok(Catalog { instances })
    }

    /// The embedded `data/instances.csv`.
    pub fn builtin() -> Catalog {
        // The embedded file is fixed at compile time and a test parses it,
        // so this cannot fail at run time.
        Catalog::parse(BUILTIN_INSTANCES, "built-in data/instances.csv")
            .expect("built-in data/instances.csv parses (see tests)")
    }

    /// Every instance priced at its `commitment` price (the on-demand
    /// price for [`Commitment::OnDemand`]). `Err` names the first instance
    /// the catalog gives no such price for.
    pub fn with_commitment(&self, commitment: Commitment) -> Result<Catalog, String> {
        let mut out = self.clone();
        for instance in &mut out.instances {
            let price = match commitment {
                Commitment::OnDemand => Some(instance.usd_per_hour_on_demand),
                Commitment::OneYear => instance.usd_per_hour_1yr,
                Commitment::ThreeYear => instance.usd_per_hour_3yr,
            };
            instance.usd_per_hour = price.ok_or_else(|| {
                format!(
                    "instance `{}` has no {} price: the catalog needs the columns usd_per_hour_1yr and usd_per_hour_3yr",
                    instance.name,
                    commitment.label()
                )
            })?;
            instance.commitment = commitment;
        }
        Ok(out)
    }

    /// The instance with exactly this name, if any.
    pub fn find(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.name == name)
    }

    /// The scale-up ladder of a family: its instances by ascending `vcpu`,
    /// then ascending price. Empty for an unknown family.
    pub fn family(&self, family: &str) -> Vec<&Instance> {
        let mut ladder: Vec<&Instance> = self.instances.iter().filter(|i| i.family == family).collect();
        ladder.sort_by(|a, b| a.vcpu.cmp(&b.vcpu).then(a.usd_per_hour.total_cmp(&b.usd_per_hour)));
        ladder
    }

    /// The top of a family's ladder (most vCPUs, then highest price), if the
    /// family exists.
    pub fn largest_in_family(&self, family: &str) -> Option<&Instance> {
        self.family(family).last().copied()
    }

    /// Distinct family names, sorted.
    pub fn families(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.instances.iter().map(|i| i.family.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// One price of a prices file: its `item` name and the `unit` it must state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceItem {
    CdnEgress,
    CdnRequests,
    LbHour,
    LbPerGb,
    InterDcTransfer,
    QueueMessages,
    BlockStorage,
    ManagedStorage,
    LogStorage,
    ObjectEgress,
    Metrics,
}

impl PriceItem {
    /// Every item, each required in a prices file (one row per band).
    pub const ALL: [PriceItem; 11] = [
        PriceItem::CdnEgress,
        PriceItem::CdnRequests,
        PriceItem::LbHour,
        PriceItem::LbPerGb,
        PriceItem::InterDcTransfer,
        PriceItem::QueueMessages,
        PriceItem::BlockStorage,
        PriceItem::ManagedStorage,
        PriceItem::LogStorage,
        PriceItem::ObjectEgress,
        PriceItem::Metrics,
    ];

    /// The `item` column text.
    pub fn name(self) -> &'static str {
        match self {
            PriceItem::CdnEgress => "cdn_egress",
            PriceItem::CdnRequests => "cdn_requests",
            PriceItem::LbHour => "lb_hour",
            PriceItem::LbPerGb => "lb_per_gb",
            PriceItem::InterDcTransfer => "inter_dc_transfer",
            PriceItem::QueueMessages => "queue_messages",
            PriceItem::BlockStorage => "block_storage",
            PriceItem::ManagedStorage => "managed_storage",
            PriceItem::LogStorage => "log_storage",
            PriceItem::ObjectEgress => "object_egress",
            PriceItem::Metrics => "metrics",
        }
    }

    /// The `unit` column text the item must carry.
    pub fn unit(self) -> &'static str {
        match self {
            PriceItem::LbHour => "per_hour",
            PriceItem::QueueMessages => "per_million",
            PriceItem::CdnRequests => "per_10k",
            PriceItem::Metrics => "per_metric_month",
            PriceItem::BlockStorage | PriceItem::ManagedStorage | PriceItem::LogStorage => "per_gb_month",
            PriceItem::CdnEgress | PriceItem::LbPerGb | PriceItem::InterDcTransfer | PriceItem::ObjectEgress => {
                "per_gb"
            }
        }
    }

    fn from_name(text: &str) -> Option<PriceItem> {
        PriceItem::ALL.into_iter().find(|item| item.name() == text)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Unit prices for everything that is not an instance, each flat or by
/// monthly volume bands. GB are decimal.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// CDN transfer out to users, USD per GB, by monthly volume.
    pub cdn_egress: Rate,
    /// CDN requests, USD per 10 000.
    pub cdn_requests: Rate,
    /// One load balancer running, USD per hour.
    pub lb_hour: Rate,
    /// Data processed by a load balancer, USD per GB.
    pub lb_per_gb: Rate,
    /// Transfer between data centers (regions), USD per GB.
    pub inter_dc_transfer: Rate,
    /// Queue requests, USD per million messages.
    pub queue_messages: Rate,
    /// Block storage provisioned (a self-managed database's volume), USD per GB-month.
    pub block_storage: Rate,
    /// A managed database's storage, USD per GB-month.
    pub managed_storage: Rate,
    /// Log storage retained, USD per GB-month.
    pub log_storage: Rate,
    /// Egress from servers straight to the internet, USD per GB, by monthly volume.
    pub object_egress: Rate,
    /// Monitoring metrics, USD per metric-month, by metric count.
    pub metrics: Rate,
}

impl Prices {
    /// Parses a prices CSV whose first line is [`PRICES_HEADER`].
    ///
    /// Each [`PriceItem`] must appear with its unit, once for a flat price
    /// or once per volume band: its rows' `from` start at 0 and rise
    /// strictly. `usd` and `from` must be finite and ≥ 0. Blank lines and
    /// `#` comments are skipped.
    pub fn parse(text: &str, source: &str) -> Result<Prices, CatalogError> {
        let rows = read_rows(text, source, &[&PRICES_HEADER])?;
        let mut bands: Vec<Vec<(Band, u64)>> = vec![Vec::new(); PriceItem::ALL.len()];
        for row in &rows {
            let (item, band) = parse_price(row)?;
            let previous = bands[item.index()].last().copied();
            check_band(row, item, band, previous)?;
            bands[item.index()].push((band, row.line));
        }
        let mut rates = Vec::with_capacity(bands.len());
        for item in PriceItem::ALL {
            let item_bands: Vec<Band> = bands[item.index()].iter().map(|(b, _)| *b).collect();
            if item_bands.is_empty() {
                return Err(CatalogError {
                    file: source.to_string(),
                    line: None,
                    kind: CatalogErrorKind::MissingItem { item },
                });
            }
            rates.push(Rate { bands: item_bands });
        }
        Ok(Prices::from_rates(rates))
    }

    /// The embedded `data/prices.csv`.
    pub fn builtin() -> Prices {
        // Fixed at compile time and parsed by a test, so it cannot fail here.
        Prices::parse(BUILTIN_PRICES, "built-in data/prices.csv").expect("built-in data/prices.csv parses (see tests)")
    }

    /// Builds from rates indexed by `PriceItem as usize`.
    fn from_rates(rates: Vec<Rate>) -> Prices {
        let at = |item: PriceItem| rates[item.index()].clone();
        Prices {
            cdn_egress: at(PriceItem::CdnEgress),
            cdn_requests: at(PriceItem::CdnRequests),
            lb_hour: at(PriceItem::LbHour),
            lb_per_gb: at(PriceItem::LbPerGb),
            inter_dc_transfer: at(PriceItem::InterDcTransfer),
            queue_messages: at(PriceItem::QueueMessages),
            block_storage: at(PriceItem::BlockStorage),
            managed_storage: at(PriceItem::ManagedStorage),
            log_storage: at(PriceItem::LogStorage),
            object_egress: at(PriceItem::ObjectEgress),
            metrics: at(PriceItem::Metrics),
        }
    }
}

/// A band must start at 0 when it is its item's first, else above the
/// band before it.
fn check_band(row: &Row, item: PriceItem, band: Band, previous: Option<(Band, u64)>) -> Result<(), CatalogError> {
    let text = row.text(FROM).to_string();
    match previous {
        None if band.from != 0.0 => Err(row.error(CatalogErrorKind::FirstBand { item, text })),
        Some((before, line)) if band.from <= before.from => Err(row.error(CatalogErrorKind::BandOrder {
            item,
            text,
            previous_from: before.from,
            previous_line: line,
        })),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Monthly cost. Inputs are finite and ≥ 0 (the caller validates workloads);
// every result is then finite and ≥ 0.
// ---------------------------------------------------------------------------

/// Monthly cost of a group of identical servers.
///
/// ```text
/// C = n · p_h · 730
/// ```
/// where `n` is the mean number of servers running over the month
/// (fractional when autoscaling follows a daily profile), `p_h` the
/// instance's USD per hour and 730 [`HOURS_PER_MONTH`]. `n = 0` costs 0.
///
/// ```
/// use scaleplan::cost::{instances_usd_per_month, Catalog};
/// let catalog = Catalog::builtin();
/// let m7i = catalog.find("m7i.large").unwrap();
/// assert!((instances_usd_per_month(m7i, 3.0) - 220.752).abs() < 1e-9);
/// ```
pub fn instances_usd_per_month(instance: &Instance, mean_count: f64) -> f64 {
    mean_count * instance.usd_per_hour * HOURS_PER_MONTH
}

/// Monthly CDN transfer cost, by the CDN's monthly volume bands.
///
/// ```text
/// C = Σ_b p_b · max(0, min(E/10^9, t_{b+1}) − t_b)
/// ```
/// where `E` is bytes served by the CDN per month, `t_b` the band starts
/// in GB and `p_b` their prices (`cdn_egress`).
pub fn cdn_egress_usd_per_month(prices: &Prices, egress_bytes_per_month: f64) -> f64 {
    prices.cdn_egress.usd(egress_bytes_per_month / BYTES_PER_GB)
}

/// Monthly CDN request cost.
///
/// ```text
/// C = (n / 10^4) · p_r
/// ```
/// where `n` is requests served by the CDN per month and `p_r` is
/// `cdn_requests` (USD per 10 000).
pub fn cdn_requests_usd_per_month(prices: &Prices, requests_per_month: f64) -> f64 {
    prices.cdn_requests.usd(requests_per_month / 1e4)
}

/// Monthly load balancer cost: running hours plus data processed.
///
/// ```text
/// C = n · 730 · p_h + (D / 10^9) · p_gb
/// ```
/// where `n` is the number of load balancers, `p_h` is `lb_hour`, `D` the
/// bytes they process per month and `p_gb` is `lb_per_gb`.
pub fn lb_usd_per_month(prices: &Prices, lb_count: f64, processed_bytes_per_month: f64) -> f64 {
    prices.lb_hour.usd(lb_count * HOURS_PER_MONTH) + prices.lb_per_gb.usd(processed_bytes_per_month / BYTES_PER_GB)
}

/// Monthly transfer cost between data centers.
///
/// ```text
/// C = (T / 10^9) · p_dc
/// ```
/// where `T` is bytes sent between data centers per month (counted once,
/// by the sender) and `p_dc` is `inter_dc_transfer`.
pub fn inter_dc_usd_per_month(prices: &Prices, transfer_bytes_per_month: f64) -> f64 {
    prices.inter_dc_transfer.usd(transfer_bytes_per_month / BYTES_PER_GB)
}

/// Monthly message queue cost.
///
/// ```text
/// C = (m / 10^6) · p_q
/// ```
/// where `m` is queue requests per month (send, receive and delete each
/// count; the caller multiplies) and `p_q` is `queue_messages`.
pub fn queue_usd_per_month(prices: &Prices, messages_per_month: f64) -> f64 {
    prices.queue_messages.usd(messages_per_month / 1e6)
}

/// Monthly block storage cost (a self-managed database's volumes).
///
/// ```text
/// C = (S / 10^9) · p_b
/// ```
/// where `S` is the bytes provisioned over the month and `p_b` is
/// `block_storage`.
pub fn block_storage_usd_per_month(prices: &Prices, stored_bytes: f64) -> f64 {
    prices.block_storage.usd(stored_bytes / BYTES_PER_GB)
}

/// Monthly managed database storage cost.
///
/// ```text
/// C = (S / 10^9) · p_m
/// ```
/// where `S` is the bytes provisioned and `p_m` is `managed_storage`.
pub fn managed_storage_usd_per_month(prices: &Prices, stored_bytes: f64) -> f64 {
    prices.managed_storage.usd(stored_bytes / BYTES_PER_GB)
}

/// Monthly log storage cost.
///
/// ```text
/// C = (L / 10^9) · p_l
/// ```
/// where `L` is the bytes of logs retained (ingest rate × retention) and
/// `p_l` is `log_storage`.
pub fn log_storage_usd_per_month(prices: &Prices, stored_bytes: f64) -> f64 {
    prices.log_storage.usd(stored_bytes / BYTES_PER_GB)
}

/// Monthly egress cost from servers to the internet (traffic that does
/// not go through the CDN), by the provider's monthly volume bands.
///
/// ```text
/// C = Σ_b p_b · max(0, min(E/10^9, t_{b+1}) − t_b)
/// ```
/// where `E` is bytes sent per month, `t_b` the band starts in GB and
/// `p_b` their prices (`object_egress`).
pub fn object_egress_usd_per_month(prices: &Prices, egress_bytes_per_month: f64) -> f64 {
    prices.object_egress.usd(egress_bytes_per_month / BYTES_PER_GB)
}

/// Monthly monitoring metrics cost, by the provider's metric-count bands.
///
/// ```text
/// C = Σ_b p_b · max(0, min(m, t_{b+1}) − t_b)
/// ```
/// where `m` is the metrics kept over the month (metric-months).
pub fn metrics_usd_per_month(prices: &Prices, metric_months: f64) -> f64 {
    prices.metrics.usd(metric_months)
}

/// A steady per-second rate as a monthly total.
///
/// ```text
/// N = r · 730 · 3600
/// ```
/// where `r` is the mean rate per second (requests, bytes, messages).
pub fn per_month_from_per_s(rate_per_s: f64) -> f64 {
    rate_per_s * SECONDS_PER_MONTH
}

/// Cost per million requests.
///
/// ```text
/// c = C / (r · 730 · 3600 / 10^6)
/// ```
/// where `C` is USD per month and `r` the mean request rate per second.
/// `None` when `r` is not finite and > 0 (no requests, no unit cost).
pub fn usd_per_million_requests(usd_per_month: f64, requests_per_s: f64) -> Option<f64> {
    if !(requests_per_s.is_finite() && requests_per_s > 0.0) {
        return None;
    }
    Some(usd_per_month / (per_month_from_per_s(requests_per_s) / 1e6))
}

/// Cost per daily active user per month.
///
/// ```text
/// c = C / U
/// ```
/// where `C` is USD per month and `U` the daily active users. `None` when
/// `U` is not finite and > 0.
pub fn usd_per_dau_month(usd_per_month: f64, daily_active_users: f64) -> Option<f64> {
    if !(daily_active_users.is_finite() && daily_active_users > 0.0) {
        return None;
    }
    Some(usd_per_month / daily_active_users)
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// A catalog or prices file that cannot be used: which file, which line
/// (1-based; `None` for a problem with the whole file), and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogError {
    pub file: String,
    pub line: Option<u64>,
    pub kind: CatalogErrorKind,
}

/// What is wrong, with the column and offending text where there is one.
#[derive(Debug, Clone, PartialEq)]
pub enum CatalogErrorKind {
    /// No header line at all.
    Empty {
        expected_header: String,
    },
    /// A header but no data rows.
    NoRows,
    /// The first line is not the expected header.
    Header {
        found: String,
        expected: String,
    },
    /// A row with the wrong number of fields.
    FieldCount {
        found: usize,
        expected: usize,
    },
    /// A text column left blank.
    EmptyField {
        column: &'static str,
    },
    NotANumber {
        column: &'static str,
        text: String,
    },
    NotFinite {
        column: &'static str,
        text: String,
    },
    Negative {
        column: &'static str,
        text: String,
    },
    /// Zero where only a positive value makes sense.
    NotPositive {
        column: &'static str,
        text: String,
    },
    NotWholeNumber {
        column: &'static str,
        text: String,
    },
    /// A number outside the column's range (see [`crate::ranges::CATALOG`]).
    OutOfRange {
        column: &'static str,
        text: String,
        range: String,
    },
    DuplicateName {
        name: String,
        first_line: u64,
    },
    UnknownItem {
        text: String,
    },
    /// An item's first row does not start at 0.
    FirstBand {
        item: PriceItem,
        text: String,
    },
    /// A band that does not start above the band before it.
    BandOrder {
        item: PriceItem,
        text: String,
        previous_from: f64,
        previous_line: u64,
    },
    WrongUnit {
        item: PriceItem,
        text: String,
    },
    MissingItem {
        item: PriceItem,
    },
    /// The CSV reader itself failed. Not expected from `&str` input with
    /// ragged rows allowed, but reported rather than hidden.
    Malformed {
        message: String,
    },
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {}: {}", self.file, line, self.kind),
            None => write!(f, "{}: {}", self.file, self.kind),
        }
    }
}

impl std::error::Error for CatalogError {}

impl fmt::Display for CatalogErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CatalogErrorKind::*;
        match self {
            Empty { expected_header } => {
                write!(f, "file is empty; expected the header {expected_header:?}")
            }
            NoRows => write!(f, "no rows after the header; expected at least one"),
            Header { found, expected } => {
                write!(f, "header {found:?} is not {expected}")
            }
            FieldCount { found, expected } => {
                write!(f, "{found} fields; expected {expected}")
            }
            EmptyField { column } => write!(f, "column {column}: is empty; expected text"),
            NotANumber { column, text } => write!(
                f,
                "column {column}: {text:?} is not a number; expected a number such as 2 or 0.1008"
            ),
            NotFinite { column, text } => {
                write!(f, "column {column}: {text:?} is not finite; expected a finite number")
            }
            Negative { column, text } => {
                write!(f, "column {column}: {text:?} is negative; expected a number >= 0")
            }
            NotPositive { column, text } => {
                write!(f, "column {column}: {text:?} is zero; expected a number > 0")
            }
            NotWholeNumber { column, text } => write!(
                f,
                "column {column}: {text:?} is not a whole number; expected an integer from 1 to {}",
                u32::MAX
            ),
            OutOfRange { column, text, range } => {
                write!(f, "column {column}: {text:?} is out of range; expected {range}")
            }
            DuplicateName { name, first_line } => write!(
                f,
                "column name: {name:?} is already defined on line {first_line}; expected each name once"
            ),
            UnknownItem { text } => write!(
                f,
                "column item: {text:?} is not a known price item; expected one of {}",
                item_names()
            ),
            FirstBand { item, text } => write!(
                f,
                "column from: {text:?} starts the first price of {}; expected 0 (a band starting at 0 comes first)",
                item.name()
            ),
            BandOrder {
                item,
                text,
                previous_from,
                previous_line,
            } => write!(
                f,
                "column from: {text:?} is not above {previous_from}, where the band of {} on line {previous_line} starts; expected each item's bands in rising order",
                item.name()
            ),
            WrongUnit { item, text } => write!(
                f,
                "column unit: {text:?} is not the unit of {}; expected {:?}",
                item.name(),
                item.unit()
            ),
            MissingItem { item } => write!(
                f,
                "missing price item {:?}; expected a row \"{},{},<usd>,0\"",
                item.name(),
                item.name(),
                item.unit()
            ),
            Malformed { message } => write!(f, "not valid CSV: {message}"),
        }
    }
}

fn item_names() -> String {
    let names: Vec<&str> = PriceItem::ALL.iter().map(|i| i.name()).collect();
    names.join(", ")
}

// ---------------------------------------------------------------------------
// CSV reading
// ---------------------------------------------------------------------------

/// One data row with its true 1-based line number.
struct Row<'a> {
    file: &'a str,
    line: u64,
    header: &'a [&'static str],
    record: csv::StringRecord,
}

impl Row<'_> {
    fn text(&self, index: usize) -> &str {
        self.record.get(index).unwrap_or("")
    }

    fn error(&self, kind: CatalogErrorKind) -> CatalogError {
        CatalogError {
            file: self.file.to_string(),
            line: Some(self.line),
            kind,
        }
    }

    fn nonempty(&self, index: usize) -> Result<String, CatalogError> {
        match self.text(index) {
            "" => Err(self.error(CatalogErrorKind::EmptyField {
                column: self.header[index],
            })),
            text => Ok(text.to_string()),
        }
    }

    /// A finite number ≥ 0 within the column's range (see
    /// [`crate::ranges::CATALOG`] and [`crate::ranges::PRICES`]).
    fn number(&self, index: usize) -> Result<f64, CatalogError> {
        let column = self.header[index];
        let text = self.text(index).to_string();
        let kind = match self.text(index).parse::<f64>() {
            // abs() turns "-0" into +0 so no cost prints as "-0".
            Ok(v) if v.is_finite() && v >= 0.0 => return self.in_range(index, v.abs()),
            Ok(v) if v.is_finite() => CatalogErrorKind::Negative { column, text },
            Ok(_) => CatalogErrorKind::NotFinite { column, text },
            Err(_) => CatalogErrorKind::NotANumber { column, text },
        };
        Err(self.error(kind))
    }

    /// A finite number > 0.
    fn positive(&self, index: usize) -> Result<f64, CatalogError> {
        let value = self.number(index)?;
        if value > 0.0 {
            return Ok(value);
        }
        Err(self.error(CatalogErrorKind::NotPositive {
            column: self.header[index],
            text: self.text(index).to_string(),
        }))
    }

    /// `value` of column `index` if it lies in the column's range.
    fn in_range(&self, index: usize, value: f64) -> Result<f64, CatalogError> {
        let column = self.header[index];
        let input = crate::ranges::find(crate::ranges::CATALOG, column)
            .or_else(|| crate::ranges::find(crate::ranges::PRICES, column));
        match input {
            Some(input) if !input.range.contains(value) => Err(self.error(CatalogErrorKind::OutOfRange {
                column,
                text: self.text(index).to_string(),
                range: input.describe(),
            })),
            _ => Ok(value),
        }
    }

    /// A whole number ≥ 1 that fits in u32 ("2" or "2.0").
    fn count(&self, index: usize) -> Result<u32, CatalogError> {
        let value = self.positive(index)?;
        if value.fract() != 0.0 || value > u32::MAX as f64 {
            return Err(self.error(CatalogErrorKind::NotWholeNumber {
                column: self.header[index],
                text: self.text(index).to_string(),
            }));
        }
        Ok(value as u32)
    }
}

fn parse_instance(row: &Row) -> Result<Instance, CatalogError> {
    Ok(Instance {
        provider: row.nonempty(PROVIDER)?,
        name: row.nonempty(NAME)?,
        family: row.nonempty(FAMILY)?,
        vcpu: row.count(VCPU)?,
        memory_gib: row.positive(MEMORY_GIB)?,
        network_gbps: row.positive(NETWORK_GBPS)?,
        usd_per_hour: row.number(USD_PER_HOUR)?,
        usd_per_hour_on_demand: row.number(USD_PER_HOUR)?,
        usd_per_hour_1yr: committed(row, USD_PER_HOUR_1YR)?,
        usd_per_hour_3yr: committed(row, USD_PER_HOUR_3YR)?,
        commitment: Commitment::OnDemand,
    })
}

/// A committed price when the catalog has its column.
fn committed(row: &Row, index: usize) -> Result<Option<f64>, CatalogError> {
    match index < row.header.len() {
        true => row.number(index).map(Some),
        false => Ok(None),
    }
}

/// Column index of `from` in [`PRICES_HEADER`].
const FROM: usize = 3;

fn parse_price(row: &Row) -> Result<(PriceItem, Band), CatalogError> {
    let text = row.text(0);
    let item = PriceItem::from_name(text)
        .ok_or_else(|| row.error(CatalogErrorKind::UnknownItem { text: text.to_string() }))?;
    let unit = row.text(1);
    if unit != item.unit() {
        return Err(row.error(CatalogErrorKind::WrongUnit {
            item,
            text: unit.to_string(),
        }));
    }
    Ok((
        item,
        Band {
            from: row.number(FROM)?,
            usd: row.number(2)?,
        },
    ))
}

/// Reads the header and data rows, checking the header and field counts.
/// The first line must be one of `headers`; the rows then follow it.
fn read_rows<'a>(text: &str, file: &'a str, headers: &[&'a [&'static str]]) -> Result<Vec<Row<'a>>, CatalogError> {
    let mut header: &'a [&'static str] = headers[0];
    // Strip a spreadsheet's byte-order mark ourselves so byte offsets below
    // index the same text the reader saw.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text);
    let whole_file = |kind| CatalogError {
        file: file.to_string(),
        line: None,
        kind,
    };
    let mut rows = Vec::new();
    let mut seen_header = false;
    for result in reader.records() {
        let record = result.map_err(|e| malformed(file, &mut lines, &e))?;
        if is_blank(&record) {
            continue;
        }
        let start = record.position().map_or(0, |p| p.byte());
        let row = Row {
            file,
            line: lines.line_of_record(start),
            header,
            record,
        };
        if !seen_header {
            header = check_header(&row, headers)?;
            seen_header = true;
        } else {
            check_field_count(&row)?;
            rows.push(row);
        }
    }
    if !seen_header {
        return Err(whole_file(CatalogErrorKind::Empty {
            expected_header: header.join(","),
        }));
    }
    if rows.is_empty() {
        return Err(whole_file(CatalogErrorKind::NoRows));
    }
    Ok(rows)
}

/// A line of only spaces reads as one empty field: treat it as blank.
fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(str::is_empty)
}

/// The header among `headers` the row spells out.
fn check_header<'a>(row: &Row, headers: &[&'a [&'static str]]) -> Result<&'a [&'static str], CatalogError> {
    if let Some(found) = headers.iter().find(|h| row.record.iter().eq(h.iter().copied())) {
        return Ok(found);
    }
    let found: Vec<&str> = row.record.iter().collect();
    let expected: Vec<String> = headers.iter().map(|h| format!("{:?}", h.join(","))).collect();
    Err(row.error(CatalogErrorKind::Header {
        found: found.join(","),
        expected: expected.join(" or "),
    }))
}

fn check_field_count(row: &Row) -> Result<(), CatalogError> {
    if row.record.len() == row.header.len() {
        return Ok(());
    }
    Err(row.error(CatalogErrorKind::FieldCount {
        found: row.record.len(),
        expected: row.header.len(),
    }))
}

// csv's own message carries its (unreliable) position; ours is in `line`.
fn malformed(file: &str, lines: &mut LineCounter, error: &csv::Error) -> CatalogError {
    let line = error.position().map(|p| lines.line_of_record(p.byte()));
    CatalogError {
        file: file.to_string(),
        line,
        kind: CatalogErrorKind::Malformed {
            message: error.to_string(),
        },
    }
}

/// The csv crate reports where it *began* reading a record, which is before
/// any line breaks, blank lines and comments it skipped; this finds the
/// record's real first line. Records arrive in order, so counting is linear.
struct LineCounter<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            bytes: text.as_bytes(),
            counted_to: 0,
            line: 1,
        }
    }

    fn line_of_record(&mut self, start_byte: u64) -> u64 {
        // A byte offset into an in-memory &str always fits in usize.
        let start = self.skip_to_content(usize::try_from(start_byte).unwrap_or(usize::MAX));
        if start >= self.counted_to {
            let newlines = self.bytes[self.counted_to..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line += newlines as u64;
            self.counted_to = start;
        }
        self.line
    }

    /// First byte at or after `i` that is not a line break or in a comment.
    fn skip_to_content(&self, mut i: usize) -> usize {
        let len = self.bytes.len();
        i = i.min(len);
        while i < len {
            match self.bytes[i] {
                b'\r' | b'\n' => i += 1,
                b'#' => {
                    while i < len && self.bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: f64 = 1e-9;

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() <= TOL * expected.abs().max(1.0)
    }

    #[test]
    fn builtin_catalog_has_three_families_of_six_or_more_ascending() {
        let catalog = Catalog::builtin();
        let families = catalog.families();
        assert!(families.len() >= 3, "families: {families:?}");
        for family in ["c7i", "m7i", "r7i"] {
            let ladder = catalog.family(family);
            assert!(ladder.len() >= 6, "{family} has {} sizes", ladder.len());
            for pair in ladder.windows(2) {
                assert!(pair[0].vcpu < pair[1].vcpu, "{family}: {pair:?}");
                assert!(pair[0].usd_per_hour < pair[1].usd_per_hour, "{family}: {pair:?}");
                assert!(pair[0].memory_gib < pair[1].memory_gib, "{family}: {pair:?}");
            }
        }
    }

    #[test]
    fn builtin_file_is_sorted_by_family_then_size_and_names_match_families() {
        let catalog = Catalog::builtin();
        for pair in catalog.instances.windows(2) {
            let key = |i: &Instance| (i.family.clone(), i.vcpu);
            assert!(key(&pair[0]) < key(&pair[1]), "out of order: {pair:?}");
        }
        for instance in &catalog.instances {
            let prefix = format!("{}.", instance.family);
            assert!(instance.name.starts_with(&prefix), "{instance:?}");
            assert_eq!(instance.provider, "aws");
        }
    }

    #[test]
    fn builtin_prices_scale_linearly_with_size_within_a_family() {
        // AWS prices c7i/m7i/r7i per vCPU: every size costs vcpu/2 × large.
        let catalog = Catalog::builtin();
        for family in ["c7i", "m7i", "r7i", "db.r7i"] {
            let ladder = catalog.family(family);
            let per_vcpu = ladder[0].usd_per_hour / ladder[0].vcpu as f64;
            for instance in &ladder {
                let expected = per_vcpu * instance.vcpu as f64;
                assert!(close(instance.usd_per_hour, expected), "{instance:?}");
            }
        }
    }

    #[test]
    fn find_family_and_largest() {
        let catalog = Catalog::builtin();
        let m7i = catalog.find("m7i.large").expect("m7i.large in catalog");
        assert_eq!(m7i.vcpu, 2);
        assert!(close(m7i.memory_gib, 8.0));
        assert!(close(m7i.usd_per_hour, 0.1008));
        assert!(catalog.find("m7i.huge").is_none());
        let top = catalog.largest_in_family("r7i").expect("r7i exists");
        assert_eq!(top.name, "r7i.48xlarge");
        assert_eq!(top.vcpu, 192);
        assert!(catalog.largest_in_family("nope").is_none());
        assert!(catalog.family("nope").is_empty());
        assert_eq!(catalog.families(), vec!["c7i", "cache.r7g", "db.r7i", "m7i", "r7i"]);
    }

    #[test]
    fn family_ladder_breaks_vcpu_ties_by_price() {
        let text = "provider,name,family,vcpu,memory_gib,network_gbps,usd_per_hour\n\
                    x,b,f,4,8,10,0.5\nx,a,f,4,8,10,0.4\nx,c,f,2,4,10,0.9\n";
        let catalog = Catalog::parse(text, "t.csv").expect("valid");
        let names: Vec<&str> = catalog.family("f").iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, vec!["c", "a", "b"]);
    }

    #[test]
    fn builtin_prices_parse_with_list_values() {
        let p = Prices::builtin();
        for (rate, expected) in [
            (&p.cdn_egress, 0.085),
            (&p.cdn_requests, 0.01),
            (&p.lb_hour, 0.0225),
            (&p.lb_per_gb, 0.008),
            (&p.inter_dc_transfer, 0.02),
            (&p.queue_messages, 0.40),
            (&p.block_storage, 0.08),
            (&p.managed_storage, 0.115),
            (&p.log_storage, 0.023),
            (&p.object_egress, 0.09),
            (&p.metrics, 0.30),
        ] {
            assert!(close(rate.first_usd(), expected), "{rate:?} vs {expected}");
        }
        let starts = |rate: &Rate| rate.bands.iter().map(|b| b.from).collect::<Vec<_>>();
        assert_eq!(starts(&p.object_egress), vec![0.0, 10_240.0, 51_200.0, 153_600.0]);
        assert_eq!(p.cdn_egress.bands.len(), 7);
        assert_eq!(starts(&p.metrics), vec![0.0, 10_000.0, 250_000.0, 1_000_000.0]);
    }

    #[test]
    fn committed_prices_follow_the_published_ratios() {
        // EC2 0.63 / 0.43, ElastiCache 0.69 / 0.47, RDS 0.69 / 0.46 of on demand (data/README.md).
        let catalog = Catalog::builtin();
        for instance in &catalog.instances {
            let (one, three) = match instance.family.as_str() {
                "cache.r7g" => (0.69, 0.47),
                "db.r7i" => (0.69, 0.46),
                _ => (0.63, 0.43),
            };
            let on_demand = instance.usd_per_hour_on_demand;
            assert!(
                (instance.usd_per_hour_1yr.unwrap() - one * on_demand).abs() < 1e-6,
                "{instance:?}"
            );
            assert!(
                (instance.usd_per_hour_3yr.unwrap() - three * on_demand).abs() < 1e-6,
                "{instance:?}"
            );
        }
        let three = catalog.with_commitment(Commitment::ThreeYear).unwrap();
        let c7i = three.find("c7i.xlarge").unwrap();
        assert!(close(c7i.usd_per_hour, 0.076755));
        assert_eq!(c7i.commitment, Commitment::ThreeYear);
        let back = three.with_commitment(Commitment::OnDemand).unwrap();
        assert_eq!(back, catalog);
    }

    #[test]
    fn a_catalog_without_committed_columns_parses_and_refuses_a_commitment() {
        let text = "provider,name,family,vcpu,memory_gib,network_gbps,usd_per_hour\n\
                    aws,m7i.large,m7i,2,8,12.5,0.1008\n";
        let catalog = Catalog::parse(text, "mine.csv").expect("the seven-column header is accepted");
        assert_eq!(catalog.instances[0].usd_per_hour_1yr, None);
        let err = catalog.with_commitment(Commitment::OneYear).unwrap_err();
        assert!(err.contains("m7i.large") && err.contains("usd_per_hour_1yr"), "{err}");
        assert!(catalog.with_commitment(Commitment::OnDemand).is_ok());
        assert_eq!("3yr".parse::<Commitment>(), Ok(Commitment::ThreeYear));
        assert!("2yr"
            .parse::<Commitment>()
            .unwrap_err()
            .contains("on-demand, 1yr or 3yr"));
    }

    #[test]
    fn instance_unit_conversions() {
        let catalog = Catalog::builtin();
        let m7i = catalog.find("m7i.large").expect("m7i.large");
        // 8 GiB = 8 × 1 073 741 824 B; 12.5 Gbit/s = 1.5625e9 B/s;
        // 0.1008 × 730 = 73.584 USD.
        assert!(close(m7i.memory_bytes(), 8_589_934_592.0));
        assert!(close(m7i.network_bytes_per_s(), 1.5625e9));
        assert!(close(m7i.usd_per_month(), 73.584));
    }

    #[test]
    fn tolerant_layout_keeps_true_line_numbers() {
        // BOM, CRLF, comments, blank and space-only lines, padded fields,
        // a quoted field: the error on the last row must say line 9.
        let text = "\u{feff}provider,name,family,vcpu,memory_gib,network_gbps,usd_per_hour\r\n\
                    # my catalog\r\n\
                    \r\n\
                    aws ,\"m7i.large\" , m7i , 2 , 8 , 12.5 , 0.1008\r\n\
                    # another comment\n\
                    \n   \n\
                    aws,m7i.xlarge,m7i,4.0,16,12.5,0.2016\n\
                    aws,m7i.2xlarge,m7i,8,32,12.5,0.4o32\n";
        let err = Catalog::parse(text, "my.csv").expect_err("bad price");
        assert_eq!(err.line, Some(9), "{err}");
        let good = text.replace("0.4o32", "0.4032");
        let catalog = Catalog::parse(&good, "my.csv").expect("valid");
        assert_eq!(catalog.instances.len(), 3);
        assert_eq!(catalog.instances[0].name, "m7i.large");
        assert_eq!(catalog.instances[1].vcpu, 4);
    }

    #[test]
    fn bad_catalogs_name_file_line_and_column() {
        const H: &str = "provider,name,family,vcpu,memory_gib,network_gbps,usd_per_hour\n";
        const OK: &str = "aws,m7i.large,m7i,2,8,12.5,0.1008\n";
        let cases: Vec<(String, &str)> = vec![
            (
                format!("{H}{OK}aws,x,m7i,2,8,12.5,0.1o\n"),
                "line 3: column usd_per_hour: \"0.1o\" is not a number",
            ),
            (format!("{H}aws,x,m7i,2,8,12.5\n"), "line 2: 6 fields; expected 7"),
            (
                format!("{H}aws,x,m7i,2,8,12.5,0.1,extra\n"),
                "line 2: 8 fields; expected 7",
            ),
            (
                format!("{H}aws,x,m7i,0,8,12.5,0.1\n"),
                "line 2: column vcpu: \"0\" is out of range; expected 1 to 4096",
            ),
            (
                format!("{H}aws,x,m7i,2.5,8,12.5,0.1\n"),
                "line 2: column vcpu: \"2.5\" is not a whole number",
            ),
            (
                format!("{H}aws,x,m7i,-2,8,12.5,0.1\n"),
                "line 2: column vcpu: \"-2\" is negative",
            ),
            (
                format!("{H}aws,x,m7i,two,8,12.5,0.1\n"),
                "line 2: column vcpu: \"two\" is not a number",
            ),
            (
                format!("{H}aws,x,m7i,2,-8,12.5,0.1\n"),
                "line 2: column memory_gib: \"-8\" is negative",
            ),
            (
                format!("{H}aws,x,m7i,2,0,12.5,0.1\n"),
                "line 2: column memory_gib: \"0\" is out of range; expected above 0 up to 1e6",
            ),
            (
                format!("{H}aws,x,m7i,2,8,inf,0.1\n"),
                "line 2: column network_gbps: \"inf\" is not finite",
            ),
            (
                format!("{H}aws,x,m7i,2,8,12.5,NaN\n"),
                "line 2: column usd_per_hour: \"NaN\" is not finite",
            ),
            (
                format!("{H}aws,x,m7i,2,8,12.5,-0.1\n"),
                "line 2: column usd_per_hour: \"-0.1\" is negative",
            ),
            (format!("{H}aws,,m7i,2,8,12.5,0.1\n"), "line 2: column name: is empty"),
            (format!("{H}aws,x,,2,8,12.5,0.1\n"), "line 2: column family: is empty"),
            (
                format!("{H}{OK}\n{OK}"),
                "line 4: column name: \"m7i.large\" is already defined on line 2",
            ),
            (
                format!("name,provider,family,vcpu,memory_gib,network_gbps,usd_per_hour\n{OK}"),
                "line 1: header \"name,provider,",
            ),
            (
                format!("# comment\nprovider,name\n{OK}"),
                "line 2: header \"provider,name\" is not",
            ),
            (OK.to_string(), "line 1: header \"aws,m7i.large,"),
            (
                String::new(),
                "my.csv: file is empty; expected the header \"provider,name,family,",
            ),
            ("# only a comment\n\n".to_string(), "my.csv: file is empty"),
            (H.to_string(), "my.csv: no rows after the header"),
            (
                format!("{H}aws,\"x,m7i,2,8,12.5,0.1\n"),
                "my.csv line 2: 2 fields; expected 7",
            ),
        ];
        for (text, expected) in cases {
            let err = Catalog::parse(&text, "my.csv").expect_err(&text);
            let message = err.to_string();
            assert!(message.starts_with("my.csv"), "{message}");
            assert!(message.contains(expected), "{text:?}\n got {message}\nwant {expected}");
        }
    }

    #[test]
    fn error_message_reads_in_full() {
        let text = "provider,name,family,vcpu,memory_gib,network_gbps,usd_per_hour\n\
                    aws,m7i.large,m7i,2,8,12.5,0.1o\n";
        let err = Catalog::parse(text, "data/my.csv").expect_err("bad");
        assert_eq!(
            err.to_string(),
            "data/my.csv line 2: column usd_per_hour: \"0.1o\" is not a number; \
             expected a number such as 2 or 0.1008"
        );
        assert_eq!(
            err.kind,
            CatalogErrorKind::NotANumber {
                column: "usd_per_hour",
                text: "0.1o".to_string()
            }
        );
    }

    #[test]
    fn bad_prices_name_file_line_and_column() {
        let good = include_str!("../data/prices.csv");
        let cases: Vec<(String, &str)> =
            vec![
            (
                good.replacen("cdn_egress,", "cdn,", 1),
                "line 2: column item: \"cdn\" is not a known price item; expected one of cdn_egress, cdn_requests",
            ),
            (
                good.replace("lb_hour,per_hour", "lb_hour,per_month"),
                "line 10: column unit: \"per_month\" is not the unit of lb_hour; expected \"per_hour\"",
            ),
            (
                good.replace("0.0225", "0.02z"),
                "line 10: column usd: \"0.02z\" is not a number",
            ),
            (good.replace("0.0225", "-1"), "line 10: column usd: \"-1\" is negative"),
            (
                good.replace("0.0225", "inf"),
                "line 10: column usd: \"inf\" is not finite",
            ),
            (
                good.replace("lb_hour,per_hour,0.0225,0", "lb_hour,per_hour,0.0225,-3"),
                "line 10: column from: \"-3\" is negative",
            ),
            (
                good.replace("log_storage,per_gb_month,0.023,0\n", ""),
                "prices.csv: missing price item \"log_storage\"; expected a row \"log_storage,per_gb_month,<usd>,0\"",
            ),
            (
                format!("{good}cdn_egress,per_gb,0.1,0\n"),
                "line 25: column from: \"0\" is not above 5242880, where the band of cdn_egress on line 8 starts",
            ),
            (
                good.replace("lb_hour,per_hour,0.0225,0", "lb_hour,per_hour,0.0225,5"),
                "line 10: column from: \"5\" starts the first price of lb_hour; expected 0",
            ),
            (
                good.replace("lb_hour,per_hour,0.0225,0", "lb_hour,per_hour,0.0225"),
                "line 10: 3 fields; expected 4",
            ),
            (
                good.replace("item,unit,usd,from", "item,usd,unit,from"),
                "line 1: header \"item,usd,unit,from\" is not \"item,unit,usd,from\"",
            ),
            (
                String::new(),
                "prices.csv: file is empty; expected the header \"item,unit,usd,from\"",
            ),
            ("item,unit,usd,from\n".to_string(), "prices.csv: no rows after the header"),
        ];
        for (text, expected) in cases {
            let err = Prices::parse(&text, "prices.csv").expect_err(&text);
            let message = err.to_string();
            assert!(message.contains(expected), "{text:?}\n got {message}\nwant {expected}");
        }
    }

    #[test]
    fn errors_are_std_errors() {
        let err: Box<dyn std::error::Error> = Box::new(Prices::parse("", "p.csv").expect_err("empty"));
        assert!(err.to_string().starts_with("p.csv: "));
    }

    #[test]
    fn monthly_costs_match_hand_computed_values() {
        // Each expected value worked by hand from the built-in list prices.
        let catalog = Catalog::builtin();
        let p = Prices::builtin();
        let m7i = catalog.find("m7i.large").expect("m7i.large");
        // 3 × 0.1008 × 730
        assert!(close(instances_usd_per_month(m7i, 3.0), 220.752));
        // 2.5 mean servers (autoscaled) × 0.1008 × 730
        assert!(close(instances_usd_per_month(m7i, 2.5), 183.96));
        assert!(close(instances_usd_per_month(m7i, 0.0), 0.0));
        // 10 000 GB, all in CloudFront's first band (to 10 240 GB): × 0.085
        assert!(close(cdn_egress_usd_per_month(&p, 1e13), 850.0));
        // 60 000 GB: 10 240 × 0.085 + 40 960 × 0.080 + 8 800 × 0.060
        assert!(close(cdn_egress_usd_per_month(&p, 6e13), 870.4 + 3276.8 + 528.0));
        // 25 million requests = 2 500 × 10k × 0.01
        assert!(close(cdn_requests_usd_per_month(&p, 2.5e7), 25.0));
        // 500 GB-month × 0.115
        assert!(close(managed_storage_usd_per_month(&p, 5e11), 57.5));
        // 12 000 metrics: 10 000 × 0.30 + 2 000 × 0.10
        assert!(close(metrics_usd_per_month(&p, 12_000.0), 3200.0));
        // 2 LB × 730 h × 0.0225 + 5 000 GB × 0.008 = 32.85 + 40
        assert!(close(lb_usd_per_month(&p, 2.0, 5e12), 72.85));
        // 1 000 GB × 0.02
        assert!(close(inter_dc_usd_per_month(&p, 1e12), 20.0));
        // 100 million × 0.40
        assert!(close(queue_usd_per_month(&p, 1e8), 40.0));
        // 500 GB-month × 0.08
        assert!(close(block_storage_usd_per_month(&p, 5e11), 40.0));
        // 2 000 GB-month × 0.023
        assert!(close(log_storage_usd_per_month(&p, 2e12), 46.0));
        // 1 000 GB × 0.09
        assert!(close(object_egress_usd_per_month(&p, 1e12), 90.0));
        // 30 000 GB spans two bands: 10 240 × 0.09 + 19 760 × 0.085 = 921.60 + 1 679.60
        assert!(close(object_egress_usd_per_month(&p, 3e13), 2601.2));
    }

    #[test]
    fn unit_costs_per_request_and_per_user() {
        // 1 req/s for a month = 730 × 3600 = 2 628 000 requests.
        assert!(close(per_month_from_per_s(1.0), 2_628_000.0));
        // 2 628 USD over 2.628 million requests = 1 000 USD per million.
        let per_million = usd_per_million_requests(2628.0, 1.0).expect("positive rate");
        assert!(close(per_million, 1000.0));
        assert_eq!(usd_per_million_requests(100.0, 0.0), None);
        assert_eq!(usd_per_million_requests(100.0, f64::NAN), None);
        let per_user = usd_per_dau_month(220.752, 1000.0).expect("users");
        assert!(close(per_user, 0.220752));
        assert_eq!(usd_per_dau_month(100.0, 0.0), None);
        assert_eq!(usd_per_dau_month(100.0, f64::INFINITY), None);
    }
}
