//! One module per subcommand: typed arguments in, records out.

pub mod cache;
pub mod defaults;
pub mod fit;
pub mod ladder;
pub mod loaded;
pub mod models;
pub mod plan;
pub mod plan_bands;
mod plan_data;
pub mod queue;
pub mod replicas;
pub mod sensitivity;
pub mod shards;
pub mod sweep;

use crate::report::{Record, TableView};

/// What a calculator command (`cache`, `replicas`, `shards`) answers: its
/// records, and notes that only the table prints below them (figures the
/// fixed machine-format field list leaves out, or why there is no answer).
#[derive(Debug, Clone, Default)]
pub struct Calculation {
    pub records: Vec<Record>,
    pub notes: Vec<String>,
    /// The derivation, when `--explain` asked for it.
    pub explanation: Option<String>,
}

/// `--keys`, required by `cache` and `shards`.
pub fn keys(args: &crate::cli::PopularityArgs) -> Result<u64, crate::error::InputError> {
    args.keys
        .ok_or_else(|| crate::error::InputError::required("--keys", "the number of distinct keys, e.g. 10M"))
}

/// `--keys` and `--zipf`, both required by `cache`.
pub fn keys_and_zipf(args: &crate::cli::PopularityArgs) -> Result<(u64, f64), crate::error::InputError> {
    use crate::error::InputError;
    let keys = keys(args)?;
    let zipf_s = args.zipf.ok_or_else(|| {
        InputError::required("--zipf", "the Zipf exponent of key popularity, e.g. 0.9 (0 is uniform)")
    })?;
    Ok((keys, zipf_s))
}

/// What `plan` prints: the records, the table view, and (one stage in a
/// table) that stage's tiers and bill below it.
pub struct PlanOutput {
    pub records: Vec<Record>,
    /// What a table shows instead of `records`, when it differs (a band
    /// as one cell).
    pub table_records: Option<Vec<Record>>,
    pub view: TableView,
    pub below: Vec<(Vec<Record>, TableView)>,
    /// The derivation of every stage shown, when `--explain` asked for it.
    pub explanation: Option<String>,
}
