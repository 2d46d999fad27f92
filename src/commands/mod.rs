//! One module per subcommand: typed arguments in, records out.

pub mod cache;
pub mod ladder;
pub mod models;
pub mod plan;
pub mod queue;
pub mod replicas;
pub mod shards;
pub mod sweep;

use crate::report::Record;

/// What a calculator command (`cache`, `replicas`, `shards`) answers: its
/// records, and notes that only the table prints below them (figures the
/// fixed machine-format field list leaves out, or why there is no answer).
#[derive(Debug, Clone, Default)]
pub struct Calculation {
    pub records: Vec<Record>,
    pub notes: Vec<String>,
}
