//! From parsed arguments to the text to print: dispatch to one command and
//! render its records.

use crate::cli::{Cli, Command};
use crate::commands;
use crate::error::InputError;
use crate::report::{render, TableView};

/// Runs one command and returns what to print on stdout.
pub fn run(cli: &Cli) -> Result<String, InputError> {
    match &cli.command {
        Command::Queue(args) => {
            let records = commands::queue::run(args)?;
            Ok(render(&records, args.output.format, &TableView::default()))
        }
    }
}
