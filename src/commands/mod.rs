//! One module per subcommand: typed arguments in, records out.

pub mod models;
pub mod plan;
pub mod queue;
