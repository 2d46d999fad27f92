//! `scaleplan defaults workload|targets`: the built-in inputs as the
//! commented TOML they are embedded from, ready to copy and edit.

use crate::cli::DefaultsArgs;
use crate::error::InputError;
use crate::workload::{DEFAULT_TARGETS, DEFAULT_WORKLOAD};

pub fn run(args: &DefaultsArgs) -> Result<String, InputError> {
    match args.what.as_str() {
        "workload" => Ok(DEFAULT_WORKLOAD.to_string()),
        "targets" => Ok(DEFAULT_TARGETS.to_string()),
        other => Err(InputError::flag(
            "defaults",
            format!("no built-in `{other}`; use workload or targets"),
        )),
    }
}
