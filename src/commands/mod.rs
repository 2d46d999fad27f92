//! One module per subcommand: typed arguments in, records out.

pub mod queue;
