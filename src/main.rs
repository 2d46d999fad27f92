//! The `scaleplan` binary: parse the command line, run one command, print.
//! Exit codes: 0 a result (also an unstable or infeasible one), 2 bad input.

use clap::error::ErrorKind;
use clap::Parser;
use scaleplan::cli::Cli;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // No subcommand: the help is the most useful answer, but it is still
        // a usage error (exit 2), on stderr.
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", e.render());
            return ExitCode::from(2);
        }
        Err(e) => return fail(&first_line(&e.to_string())),
    };
    match scaleplan::app::run(&cli) {
        Ok(output) => {
            eprint!("{}", output.stderr);
            print(&output.stdout)
        }
        Err(e) => fail(&format!("error: {e}")),
    }
}

/// clap's message without its usage block, on one line: the lines before
/// `Usage:` joined (a missing flag is named on clap's second line).
fn first_line(message: &str) -> String {
    let kept: Vec<&str> = message
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
        .collect();
    if kept.is_empty() {
        "error: bad arguments".to_string()
    } else {
        kept.join(" ")
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("{message}");
    ExitCode::from(2)
}

/// A closed pipe (`scaleplan … | head`) is not an error.
fn print(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing output: {e}");
            ExitCode::from(1)
        }
    }
}
