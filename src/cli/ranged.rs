//! Value parsers for the numeric flags. Each looks its flag up by long
//! name in [`FLAGS`], so a flag's kind (and whether it needs a unit) and
//! its range live in one table; the same table adds the rule and the
//! range to every such flag's help.

use crate::quantity::QuantityError;
use crate::ranges::{find, Input, Kind, FLAGS};
use crate::uncertain::{Dist, Spread};
use clap::builder::TypedValueParser;
use clap::{Arg, Command};
use std::ffi::OsStr;

/// A numeric flag read as `f64` in SI units, checked against its range.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ranged;

/// A numeric flag that is a whole count, read as `u64`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RangedWhole;

impl TypedValueParser for Ranged {
    type Value = f64;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<f64, clap::Error> {
        match parse(arg, value) {
            Ok(x) => Ok(x),
            Err(e) => reject(cmd, arg, value, e),
        }
    }
}

impl TypedValueParser for RangedWhole {
    type Value = u64;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<u64, clap::Error> {
        // A whole value is an integer within its range, and no whole range
        // goes past 9e15 (a test in ranges.rs), so the cast is exact.
        match parse(arg, value) {
            Ok(x) => Ok(x as u64),
            Err(e) => reject(cmd, arg, value, e),
        }
    }
}

/// A numeric flag that also takes a range `low..high` (a 90 % interval,
/// see [`crate::uncertain`]): each end read and checked as the flag's
/// kind, the distribution the kind's default. A single value is the range
/// from it to itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct RangedSpread;

impl TypedValueParser for RangedSpread {
    type Value = Spread;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<Spread, clap::Error> {
        let text = value.to_string_lossy();
        let (low_text, high_text) = text.split_once("..").unwrap_or((&text, &text));
        let low = parse(arg, OsStr::new(low_text)).or_else(|e| reject(cmd, arg, value, e))?;
        let high = parse(arg, OsStr::new(high_text)).or_else(|e| reject(cmd, arg, value, e))?;
        let Some(input) = entry(arg) else {
            return reject(
                cmd,
                arg,
                value,
                QuantityError::malformed(&text, "known to ranges::FLAGS (a bug)"),
            );
        };
        Spread::new(low, high, Dist::default_for(input.range.kind), input.range)
            .or_else(|e| reject(cmd, arg, value, QuantityError::spread(&text, e.to_string())))
    }
}

/// The flag's table entry, or `None` for a flag the table lacks (a test
/// over every flag makes that impossible).
fn entry(arg: Option<&Arg>) -> Option<&'static Input> {
    let long = arg?.get_long()?;
    find(FLAGS, &format!("--{long}"))
}

fn parse(arg: Option<&Arg>, value: &OsStr) -> Result<f64, QuantityError> {
    let text = value.to_string_lossy();
    let Some(input) = entry(arg) else {
        return Err(QuantityError {
            text: text.into_owned(),
            problem: crate::quantity::Problem::Malformed("readable: the flag has no entry in ranges::FLAGS (a bug)"),
        });
    };
    input.parse(&text).map(|(_, x)| x)
}

/// clap's own value error (naming the flag and holding `e` as its source),
/// built by handing the message to clap's closure parser.
fn reject<T: Clone + Send + Sync + 'static>(
    cmd: &Command,
    arg: Option<&Arg>,
    value: &OsStr,
    e: QuantityError,
) -> Result<T, clap::Error> {
    let fail = move |_: &str| -> Result<T, QuantityError> { Err(e.clone()) };
    fail.parse_ref(cmd, arg, value)
}

/// Every numeric flag's help with the unit rule and its range appended:
/// `… [with a unit, e.g. 250ms; range: above 0 up to 1d]`.
pub fn with_ranges(mut cmd: Command) -> Command {
    let subcommands: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in subcommands {
        cmd = cmd.mut_subcommand(name, with_ranges);
    }
    let ranged: Vec<(clap::Id, &Input)> = cmd
        .get_arguments()
        .filter_map(|a| Some((a.get_id().clone(), find(FLAGS, &format!("--{}", a.get_long()?))?)))
        .collect();
    for (id, input) in ranged {
        cmd = cmd.mut_arg(id, |arg| {
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            arg.help(format!("{help} [{}]", rule(input)))
        });
    }
    cmd
}

/// `with a unit, e.g. 250ms; range: above 0 up to 1d`.
pub fn rule(input: &Input) -> String {
    let unit = match (input.range.kind, input.or.map(|r| r.kind)) {
        (Kind::Rate, Some(Kind::Bytes)) => "a rate or a size with its unit, e.g. 5k/s or 2TiB; ",
        (_, Some(Kind::Bytes)) => "",
        (Kind::Duration, _) => "with a unit, e.g. 250ms; ",
        (Kind::Bytes, _) => "with a unit, e.g. 4KiB; ",
        (Kind::Rate, _) => "with a unit, e.g. 1200/s; ",
        (Kind::Bandwidth, _) => "with a unit, e.g. 100MB/s; ",
        _ => "",
    };
    format!("{unit}range: {}", input.describe())
}
