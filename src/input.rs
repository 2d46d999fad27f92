//! Reading the TOML input files (workload, targets, stage models): one-line
//! errors that name the file, the line and the key, and serde helpers that
//! let a value be written as a number in SI units or as a quantity string
//! like `"250ms"`, `"4KiB"`, `"10M"`, `"90%"`, `"9:1"`.

use crate::error::InputError;
use crate::quantity::{self, QuantityError};
use serde::de::{self, DeserializeOwned, Deserializer};
use serde::Deserialize;

/// Parses `text` (from `source`, a path or `built-in …`) into `T`,
/// rejecting unknown keys (the types use `deny_unknown_fields`).
pub fn parse_toml<T: DeserializeOwned>(text: &str, source: &str) -> Result<T, InputError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| line_of(text, span.start));
        let message = e.message().trim_end_matches('\n').replace('\n', "; ");
        let key = offending_key(text, e.span());
        match (line, key) {
            (Some(line), Some(key)) => InputError::new(format!("{source} line {line}: key `{key}`: {message}")),
            (Some(line), None) => InputError::new(format!("{source} line {line}: {message}")),
            _ => InputError::new(format!("{source}: {message}")),
        }
    })
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The `key` of a `key = value` line that holds the error, if there is one.
fn offending_key(text: &str, span: Option<std::ops::Range<usize>>) -> Option<String> {
    let start = span?.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('#')).then(|| key.to_string())
}

/// A number, or a string parsed by one of the `quantity` parsers.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(f64),
    Text(String),
}

fn quantity<'de, D>(d: D, parse: fn(&str) -> Result<f64, QuantityError>) -> Result<f64, D::Error>
where
    D: Deserializer<'de>,
{
    match NumberOrText::deserialize(d)? {
        NumberOrText::Number(x) => parse(&x.to_string()).map_err(de::Error::custom),
        NumberOrText::Text(s) => parse(&s).map_err(de::Error::custom),
    }
}

pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    quantity(d, quantity::parse_count)
}

pub fn duration_s<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    quantity(d, quantity::parse_duration_s)
}

pub fn bytes<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    quantity(d, quantity::parse_bytes)
}

pub fn bytes_per_s<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    quantity(d, quantity::parse_bytes_per_s)
}

pub fn fraction<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    quantity(d, quantity::parse_fraction)
}

pub fn read_fraction<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    quantity(d, quantity::parse_read_fraction)
}

/// Reads a file named on the command line; the error names the flag.
pub fn read_file(flag: &str, path: &str) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| InputError::flag(flag, format!("cannot read {path}: {e}")))
}

/// The user's file with every top-level key it leaves out appended from the
/// defaults, so a file need only hold what differs. Appending (rather than
/// merging parsed tables) keeps the user's line numbers in error messages.
pub fn with_defaults(user_text: &str, source: &str, default_text: &str) -> Result<String, InputError> {
    let present: toml::Table = parse_toml(user_text, source)?;
    let mut text = user_text.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    for line in default_text.lines() {
        let Some((key, _)) = line.split_once('=') else { continue };
        let key = key.trim();
        if !key.starts_with('#') && !key.starts_with('[') && !present.contains_key(key) {
            text.push_str(line);
            text.push('\n');
        }
    }
    Ok(text)
}
