//! clap's errors as one line on stderr: the flag, the text as typed (control
//! characters escaped), and the likely fix — clap's own suggestion for a
//! mistyped subcommand, flag or value kept on that line.

use crate::quantity::shown;
use crate::ranges::{find, FLAGS};
use clap::error::{ContextKind, ContextValue, ErrorKind};

/// The message for a command line clap refused, starting `error: `.
/// `args` is the command line as given (for `--users 10 million`, which
/// clap sees as a stray `million`).
pub fn one_line(e: &clap::Error, args: &[String]) -> String {
    let message = match e.kind() {
        ErrorKind::ValueValidation => bad_value(e),
        ErrorKind::InvalidValue => not_a_choice(e),
        ErrorKind::UnknownArgument => unknown_argument(e, args),
        ErrorKind::InvalidSubcommand => unknown_subcommand(e),
        _ => None,
    };
    let line = message.unwrap_or_else(|| joined(&e.to_string()));
    crate::error::one_line(&line)
}

/// A context value as text (lists joined with `, `).
fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) if !v.is_empty() => Some(v.join(", ")),
        _ => None,
    }
}

/// `--max-util <FRACTION>` → `--max-util`.
fn flag_of(arg: &str) -> String {
    arg.split_whitespace().next().unwrap_or(arg).to_string()
}

/// `error: --p99: "250" has no unit; write 250ms or 250s`.
fn bad_value(e: &clap::Error) -> Option<String> {
    let flag = flag_of(&context(e, ContextKind::InvalidArg)?);
    let reason = std::error::Error::source(e)?.to_string();
    Some(format!("error: {flag}: {reason}"))
}

/// `error: --level: "tierz" is not one of stage, tier; did you mean tier?`
fn not_a_choice(e: &clap::Error) -> Option<String> {
    let flag = flag_of(&context(e, ContextKind::InvalidArg)?);
    let value = context(e, ContextKind::InvalidValue)?;
    let valid = context(e, ContextKind::ValidValue)?;
    let hint = context(e, ContextKind::SuggestedValue).map_or(String::new(), |s| format!("; did you mean {s}?"));
    Some(format!(
        "error: {flag}: \"{}\" is not one of {valid}{hint}",
        shown(&value)
    ))
}

/// `error: unknown flag "--userz"; did you mean --users?`, or for a value
/// split in two words, `error: --users: "10 million" is two words; write 10M`.
fn unknown_argument(e: &clap::Error, args: &[String]) -> Option<String> {
    let token = context(e, ContextKind::InvalidArg)?;
    if let Some(split) = split_value(&token, args) {
        return Some(split);
    }
    let hint = match (context(e, ContextKind::SuggestedArg), suggested(e)) {
        (Some(flag), _) => format!("; did you mean {flag}?"),
        (None, Some(tip)) => format!("; {tip}"),
        (None, None) => String::new(),
    };
    let what = if token.starts_with('-') {
        "unknown flag"
    } else {
        "unexpected argument"
    };
    Some(format!("error: {what} \"{}\"{hint}", shown(&token)))
}

/// clap's free-text suggestions (`'plan --users' exists`), joined.
fn suggested(e: &clap::Error) -> Option<String> {
    match e.get(ContextKind::Suggested)? {
        ContextValue::StyledStrs(tips) if !tips.is_empty() => {
            Some(tips.iter().map(|t| t.to_string()).collect::<Vec<_>>().join("; "))
        }
        _ => None,
    }
}

/// `--users 10 million`: the stray word right after a flag's value, put
/// back together as the one word the flag takes (`10M`, `250ms`).
fn split_value(token: &str, args: &[String]) -> Option<String> {
    let at = args.iter().rposition(|a| a == token)?;
    let (flag, value) = flag_and_value(args, at)?;
    let input = find(FLAGS, &flag)?;
    let joined = format!("{value}{}", suffix_for(token));
    let fix = match input.parse(&joined) {
        Ok(_) => format!("write {joined}"),
        Err(_) => "a value is one word, like 10M or 250ms".to_string(),
    };
    Some(format!(
        "error: {flag}: \"{} {}\" is two words; {fix}",
        shown(&value),
        shown(token)
    ))
}

/// The flag and value just before `args[at]`: `--users 10` or `--users=10`.
fn flag_and_value(args: &[String], at: usize) -> Option<(String, String)> {
    let before = args.get(at.checked_sub(1)?)?;
    if let Some((flag, value)) = before.split_once('=') {
        return flag.starts_with("--").then(|| (flag.to_string(), value.to_string()));
    }
    let flag = args.get(at.checked_sub(2)?)?;
    (flag.starts_with("--") && !before.starts_with("--")).then(|| (flag.clone(), before.clone()))
}

/// The suffix a word stands for: `million` → `M`, `percent` → `%`; any
/// other word (a unit such as `ms` or `GB`) is its own suffix.
fn suffix_for(word: &str) -> &str {
    match word.to_ascii_lowercase().as_str() {
        "thousand" | "thousands" => "k",
        "million" | "millions" | "mln" => "M",
        "billion" | "billions" | "bn" => "B",
        "trillion" | "trillions" => "T",
        "percent" | "pct" => "%",
        _ => word,
    }
}

/// `error: unknown command "plna"; did you mean plan? (commands: plan, …)`.
fn unknown_subcommand(e: &clap::Error) -> Option<String> {
    let name = context(e, ContextKind::InvalidSubcommand)?;
    // clap lists its candidates from the least to the most likely.
    let best = match e.get(ContextKind::SuggestedSubcommand) {
        Some(ContextValue::Strings(names)) => names.last().cloned(),
        Some(ContextValue::String(name)) => Some(name.clone()),
        _ => None,
    };
    let hint = best.map_or(String::new(), |s| format!("; did you mean {s}?"));
    let known: Vec<String> = super::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|n| n != "help")
        .collect();
    Some(format!(
        "error: unknown command \"{}\"{hint} (commands: {})",
        shown(&name),
        known.join(", ")
    ))
}

/// Any other clap message on one line: the lines before `Usage:` joined,
/// clap's `tip:` lines included (a missing flag is named on a second line).
fn joined(message: &str) -> String {
    let kept: Vec<&str> = message
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if kept.is_empty() {
        "error: bad arguments".to_string()
    } else {
        kept.join(" ")
    }
}
