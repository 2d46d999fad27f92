//! The `scaleplan` binary: parse the command line, run one command, print.
//! Exit codes: 0 a result (also an unstable or infeasible one), 2 bad input.

use clap::error::ErrorKind;
use scaleplan::cli;
use std::io::Write;
use std::process::ExitCode;

/// See Cargo.toml: the plans allocate many small strings and vectors.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let cli = match cli::parse_from(std::env::args_os()) {
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
        Err(e) => return fail(&cli::errors::one_line(&e, &args)),
    };
    match scaleplan::app::run(&cli) {
        Ok(output) => {
            eprint!("{}", output.stderr);
            print(&output.stdout)
        }
        Err(e) => fail(&format!("error: {e}")),
    }
}

/// Bad input: one line on stderr (control characters escaped), exit 2.
fn fail(message: &str) -> ExitCode {
    eprintln!("{}", scaleplan::error::one_line(message));
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
