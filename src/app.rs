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

/// Runs one command and returns what to print on stdout.
pub fn run(cli: &Cli) -> Result<String, InputError> {
    match &cli.command {
        Command::Queue(args) => {
            let records = commands::queue::run(args)?;
            Ok(render(
                &records,
                args.output.format,
                &TableView::default(),
                width(&args.output),
            ))
        }
        Command::Plan(args) => {
            let output = commands::plan::run(args)?;
            let width = width(&args.output);
            let mut out = render(&output.records, args.output.format, &output.view, width);
            if let (Format::Table, Some(tiers)) = (args.output.format, output.tiers_below) {
                out.push_str(&render(
                    &tiers,
                    Format::Table,
                    &commands::plan::tiers_below_view(),
                    width,
                ));
            }
            if let (Format::Table, Some(failures)) = (args.output.format, output.failures_below) {
                let view = TableView {
                    columns: commands::plan::FAIL_COLUMNS.to_vec(),
                    title: Some("what if one part fails (the stage as sized)".into()),
                    drop_order: commands::plan::FAIL_DROP_ORDER.to_vec(),
                };
                out.push_str(&render(&failures, Format::Table, &view, width));
            }
            Ok(out)
        }
        Command::Ladder(args) => {
            let output = commands::ladder::run(args)?;
            let width = width(&args.output);
            Ok(match args.output.format {
                Format::Table => render(&output.table_records, Format::Table, &output.view, width),
                format => render(&output.records, format, &output.view, width),
            })
        }
        Command::Sweep(args) => {
            let output = commands::sweep::run(args)?;
            Ok(render(
                &output.records,
                args.output.format,
                &output.view,
                width(&args.output),
            ))
        }
        Command::Models(args) => commands::models::run(args, Some(terminal_width())),
        Command::Cache(args) => Ok(calculation(commands::cache::run(args)?, &args.output)),
        Command::Replicas(args) => Ok(calculation(commands::replicas::run(args)?, &args.output)),
        Command::Shards(args) => Ok(calculation(commands::shards::run(args)?, &args.output)),
        Command::Fit(action) => commands::fit::run(action, Some(terminal_width())),
    }
}

/// A calculator's records; its notes go under a table only (machine
/// formats keep their fixed field list).
fn calculation(output: Calculation, args: &OutputArgs) -> String {
    let width = width(args);
    let mut out = render(&output.records, args.format, &TableView::default(), width);
    if args.format == Format::Table {
        for note in &output.notes {
            out.push_str(&wrapped(note, width, 2));
        }
    }
    out
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
