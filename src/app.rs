//! From parsed arguments to the text to print: dispatch to one command and
//! render its records.

use crate::cli::{Cli, Command};
use crate::commands;
use crate::error::InputError;
use crate::report::{render, Format, TableView};

/// Runs one command and returns what to print on stdout.
pub fn run(cli: &Cli) -> Result<String, InputError> {
    match &cli.command {
        Command::Queue(args) => {
            let records = commands::queue::run(args)?;
            Ok(render(&records, args.output.format, &TableView::default()))
        }
        Command::Plan(args) => {
            let output = commands::plan::run(args)?;
            let mut out = render(&output.records, args.output.format, &output.view);
            if let (Format::Table, Some(tiers)) = (args.output.format, output.tiers_below) {
                let tier_view = TableView {
                    columns: commands::plan::TIER_COLUMNS.to_vec(),
                    title: None,
                };
                out.push_str(&render(&tiers, Format::Table, &tier_view));
            }
            Ok(out)
        }
        Command::Models(args) => commands::models::run(args),
    }
}
