//! From parsed arguments to the text to print: dispatch to one command and
//! render its records.

use crate::cli::{Cli, Command};
use crate::commands::{self, Calculation};
use crate::error::InputError;
use crate::report::{render, Format, TableView};

/// What a command prints: the answer on stdout, and on stderr what must
/// not mix with a machine format (an `--explain` derivation).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    fn answer(stdout: String) -> Output {
        Output {
            stdout,
            stderr: String::new(),
        }
    }

    /// `explanation` after a table, or on stderr after a machine format.
    fn explained(mut stdout: String, format: Format, explanation: Option<String>) -> Output {
        let Some(text) = explanation else {
            return Output::answer(stdout);
        };
        match format {
            Format::Table => {
                stdout.push('\n');
                stdout.push_str(&text);
                Output::answer(stdout)
            }
            _ => Output { stdout, stderr: text },
        }
    }
}

/// Runs one command and returns what to print.
pub fn run(cli: &Cli) -> Result<Output, InputError> {
    match &cli.command {
        Command::Queue(args) => Ok(calculation(commands::queue::run(args)?, args.output.format)),
        Command::Plan(args) => {
            let output = commands::plan::run(args)?;
            let mut out = render(&output.records, args.output.format, &output.view);
            if args.output.format == Format::Table {
                for (records, view) in &output.below {
                    out.push_str(&render(records, Format::Table, view));
                }
            }
            Ok(Output::explained(out, args.output.format, output.explanation))
        }
        Command::Ladder(args) => {
            let output = commands::ladder::run(args)?;
            Ok(Output::answer(match args.output.format {
                Format::Table => render(&output.table_records, Format::Table, &output.view),
                format => render(&output.records, format, &output.view),
            }))
        }
        Command::Sweep(args) => {
            let output = commands::sweep::run(args)?;
            Ok(Output::answer(render(
                &output.records,
                args.output.format,
                &output.view,
            )))
        }
        Command::Models(args) => commands::models::run(args).map(Output::answer),
        Command::Defaults(args) => commands::defaults::run(args).map(Output::answer),
        Command::Cache(args) => Ok(calculation(commands::cache::run(args)?, args.output.format)),
        Command::Replicas(args) => Ok(calculation(commands::replicas::run(args)?, args.output.format)),
        Command::Shards(args) => Ok(calculation(commands::shards::run(args)?, args.output.format)),
    }
}

/// A calculator's records; its notes go under a table only (machine
/// formats keep their fixed field list); its explanation after them.
fn calculation(output: Calculation, format: Format) -> Output {
    let mut out = render(&output.records, format, &TableView::default());
    if format == Format::Table {
        for note in &output.notes {
            out.push_str(note);
            out.push('\n');
        }
    }
    Output::explained(out, format, output.explanation)
}
