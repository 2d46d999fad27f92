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
            if args.output.format == Format::Table {
                for (records, view) in &output.below {
                    out.push_str(&render(records, Format::Table, view));
                }
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
