//! From parsed arguments to the text to print: dispatch to one command and
//! render its records.

use crate::cli::{Cli, Command};
use crate::commands::{self, Calculation};
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
            if let (Format::Table, Some(failures)) = (args.output.format, output.failures_below) {
                let view = TableView {
                    columns: commands::plan::FAIL_COLUMNS.to_vec(),
                    title: Some("what if one part fails (the stage as sized)".into()),
                };
                out.push_str(&render(&failures, Format::Table, &view));
            }
            Ok(out)
        }
        Command::Ladder(args) => {
            let output = commands::ladder::run(args)?;
            Ok(match args.output.format {
                Format::Table => render(&output.table_records, Format::Table, &output.view),
                format => render(&output.records, format, &output.view),
            })
        }
        Command::Sweep(args) => {
            let output = commands::sweep::run(args)?;
            Ok(render(&output.records, args.output.format, &output.view))
        }
        Command::Models(args) => commands::models::run(args),
        Command::Cache(args) => Ok(calculation(commands::cache::run(args)?, args.output.format)),
        Command::Replicas(args) => Ok(calculation(commands::replicas::run(args)?, args.output.format)),
        Command::Shards(args) => Ok(calculation(commands::shards::run(args)?, args.output.format)),
        Command::Fit(action) => commands::fit::run(action),
    }
}

/// A calculator's records; its notes go under a table only (machine
/// formats keep their fixed field list).
fn calculation(output: Calculation, format: Format) -> String {
    let mut out = render(&output.records, format, &TableView::default());
    if format == Format::Table {
        for note in &output.notes {
            out.push_str(note);
            out.push('\n');
        }
    }
    out
}
