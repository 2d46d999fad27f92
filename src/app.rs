//! From parsed arguments to the text to print: dispatch to one command and
//! render its records at the width of the terminal.

use crate::cli::{Cli, Command, OutputArgs};
use crate::commands::{self, Calculation};
use crate::error::InputError;
use crate::report::wrap::wrapped;
use crate::report::{render, Format, TableView};
use std::io::IsTerminal;

/// The width of a table when stdout is not a terminal and `COLUMNS` is unset.
pub const DEFAULT_WIDTH: usize = 120;
/// The narrowest width a table is fitted to; a smaller terminal gets this.
pub const MIN_WIDTH: usize = 40;

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
        Command::Queue(args) => Ok(calculation(commands::queue::run(args)?, &args.output)),
        Command::Plan(args) => {
            let output = commands::plan::run(args)?;
            let width = width(&args.output);
            let records = match (&output.table_records, args.output.format) {
                (Some(table), Format::Table) => table,
                _ => &output.records,
            };
            let mut out = render(records, args.output.format, &output.view, width);
            if args.output.format == Format::Table {
                for (records, view) in &output.below {
                    out.push_str(&render(records, Format::Table, view, width));
                }
            }
            Ok(Output::explained(out, args.output.format, output.explanation))
        }
        Command::Ladder(args) => {
            let output = commands::ladder::run(args)?;
            let width = width(&args.output);
            Ok(Output::answer(match args.output.format {
                Format::Table => render(&output.table_records, Format::Table, &output.view, width),
                format => render(&output.records, format, &output.view, width),
            }))
        }
        Command::Sweep(args) => {
            let output = commands::sweep::run(args)?;
            Ok(Output::answer(render(
                &output.records,
                args.output.format,
                &output.view,
                width(&args.output),
            )))
        }
        Command::Sensitivity(args) => {
            let output = commands::sensitivity::run(args)?;
            Ok(Output::answer(render(
                &output.records,
                args.output.format,
                &output.view,
                width(&args.output),
            )))
        }
        Command::Models(args) => commands::models::run(args, Some(terminal_width())).map(Output::answer),
        Command::Defaults(args) => commands::defaults::run(args).map(Output::answer),
        Command::Cache(args) => Ok(calculation(commands::cache::run(args)?, &args.output)),
        Command::Replicas(args) => Ok(calculation(commands::replicas::run(args)?, &args.output)),
        Command::Shards(args) => Ok(calculation(commands::shards::run(args)?, &args.output)),
        Command::Fit(action) => commands::fit::run(action, Some(terminal_width())).map(Output::answer),
    }
}

/// A calculator's records; its notes go under a table only (machine
/// formats keep their fixed field list); its explanation after them.
fn calculation(output: Calculation, args: &OutputArgs) -> Output {
    let width = width(args);
    let mut out = render(&output.records, args.format, &TableView::default(), width);
    if args.format == Format::Table {
        for note in &output.notes {
            out.push_str(&wrapped(note, width, 2));
        }
    }
    Output::explained(out, args.format, output.explanation)
}

/// The most characters a table line may take: none with `--wide`, else
/// the terminal's width.
fn width(args: &OutputArgs) -> Option<usize> {
    (!args.wide).then(terminal_width)
}

/// The width of the terminal stdout prints to; when stdout is not a
/// terminal (or one that reports no width), `COLUMNS` (a positive whole
/// number), else [`DEFAULT_WIDTH`]. Never below [`MIN_WIDTH`].
pub fn terminal_width() -> usize {
    let stdout = std::io::stdout();
    let from_terminal = stdout
        .is_terminal()
        .then(|| terminal_size::terminal_size_of(&stdout))
        .flatten()
        .map(|(terminal_size::Width(w), _)| usize::from(w))
        .filter(|&w| w > 0); // a terminal that reports no size (some ptys)
    let from_env = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|&c| c > 0)
    };
    from_terminal.or_else(from_env).unwrap_or(DEFAULT_WIDTH).max(MIN_WIDTH)
}
