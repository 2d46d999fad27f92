//! Reading the TOML input files (workload, targets, stage models): one-line
//! errors that name the file, the line and the key, and serde helpers that
//! read each key by its entry in a [`ranges`] table: a quantity string like
//! `"250ms"`, `"4KiB"`, `"10M"`, `"90%"`, `"9:1"`, or a plain number where
//! the key is a count, a fraction or dimensionless.

use crate::error::InputError;
use crate::quantity::{Problem, QuantityError};
use crate::ranges::{self, Input};
use crate::uncertain::{Dist, Spread};
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

/// A number, or a string parsed by the key's kind.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(f64),
    Text(String),
}

/// What a key's value becomes: `f64` in SI units, or `u64` for a whole count.
pub trait FromQuantity: Sized {
    fn from_quantity(value: f64) -> Self;
}

impl FromQuantity for f64 {
    fn from_quantity(value: f64) -> f64 {
        value
    }
}

impl FromQuantity for u64 {
    /// A whole value is an integer within its range, and no whole range
    /// goes past 9e15 (a test in ranges.rs), so the cast is exact.
    fn from_quantity(value: f64) -> u64 {
        value as u64
    }
}

/// A key of a file whose entry in `table` (a [`ranges`] table) says its
/// kind and range. A number where the kind has a dimension is refused
/// (`20 has no unit; write "20ms" or "20s"`) unless it is 0 or the key
/// names its unit (`log_bytes_per_request`, see [`ranges::names_its_unit`]);
/// any value outside the range is refused with the range. The file, line
/// and key are added by [`parse_toml`] from the error's position.
pub fn ranged<'de, D, T>(d: D, table: &'static [Input], key: &str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromQuantity,
{
    let input =
        ranges::find(table, key).ok_or_else(|| de::Error::custom(format!("key `{key}` has no range (a bug)")))?;
    let value = match NumberOrText::deserialize(d)? {
        NumberOrText::Number(x) if ranges::names_its_unit(key) => input.range.check(x, &x.to_string()),
        NumberOrText::Number(x) => input.parse(&x.to_string()).map(|(_, v)| v).map_err(quote_fixes),
        NumberOrText::Text(text) => input.parse(&text).map(|(_, v)| v),
    };
    value.map(T::from_quantity).map_err(de::Error::custom)
}

/// In a TOML file a unit goes inside a string: the fixes are quoted.
fn quote_fixes(e: QuantityError) -> QuantityError {
    let quoted = |fixes: Vec<String>| fixes.into_iter().map(|f| format!("\"{f}\"")).collect();
    let problem = match e.problem {
        Problem::NoUnit(fixes) => Problem::NoUnit(quoted(fixes)),
        Problem::AboveOne(mut fixes) => {
            if let Some(first) = fixes.first_mut() {
                *first = format!("\"{first}\"");
            }
            Problem::AboveOne(fixes)
        }
        other => other,
    };
    QuantityError { problem, ..e }
}

/// A list of values of one key (`dc_split = [0.6, 0.4]`), each in range.
pub fn ranged_list<'de, D>(d: D, table: &'static [Input], key: &str) -> Result<Vec<f64>, D::Error>
where
    D: Deserializer<'de>,
{
    let input =
        ranges::find(table, key).ok_or_else(|| de::Error::custom(format!("key `{key}` has no range (a bug)")))?;
    let values = Vec::<NumberOrText>::deserialize(d)?;
    values
        .into_iter()
        .map(|value| {
            let text = match value {
                NumberOrText::Number(x) => x.to_string(),
                NumberOrText::Text(text) => text,
            };
            input.parse(&text).map(|(_, v)| v).map_err(de::Error::custom)
        })
        .collect()
}

/// One deserializer per key, named as the key: `fn web_cpu(d)` reads
/// `web_cpu` by its entry in `$table`.
macro_rules! key_readers {
    ($table:path; $($key:ident),* $(,)?) => {
        $(
            pub fn $key<'de, D, T>(d: D) -> Result<T, D::Error>
            where
                D: serde::Deserializer<'de>,
                T: $crate::input::FromQuantity,
            {
                $crate::input::ranged(d, $table, stringify!($key))
            }
        )*
    };
}
pub(crate) use key_readers;

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

/// One key of a file given as a range (`requests_per_dau = "50..150"`, or
/// `{ range = "50..150", dist = "uniform" }`).
#[derive(Debug, Clone, PartialEq)]
pub struct FileRange {
    pub key: String,
    pub spread: Spread,
}

/// The file's text with every ranged key's value replaced by its low end
/// (so the usual reader checks it and the line numbers stay), and the
/// ranges, each end checked against the key's range. A range whose ends
/// are equal is that point value and is not returned.
pub fn take_ranges(text: &str, source: &str, table: &'static [Input]) -> Result<(String, Vec<FileRange>), InputError> {
    let doc: toml::Table = parse_toml(text, source)?;
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut found = Vec::new();
    for (key, value) in &doc {
        // A key the table lacks is left for the reader to refuse by name.
        let Some(input) = ranges::find(table, key) else {
            continue;
        };
        let Some(line) = key_line(&lines, key) else {
            // A quoted key or a `[key]` section: valid TOML, but the range
            // reader rewrites the value on the key's own line.
            match range_of(value) {
                Ok(None) => continue,
                _ => {
                    return Err(InputError::new(format!(
                        "{source}: key `{key}`: write a range on the key's own line, unquoted: `{key} = \"low..high\"` or `{key} = {{ range = \"low..high\" }}`"
                    )))
                }
            }
        };
        let at = |message: String| InputError::new(format!("{source} line {}: key `{key}`: {message}", line + 1));
        let Some((range_text, dist)) = range_of(value).map_err(at)? else {
            continue;
        };
        let (low_text, high_text) = range_text.split_once("..").unwrap_or((range_text, range_text));
        let end = |t: &str| input.parse(t).map(|(_, v)| v).map_err(|e| at(e.to_string()));
        let (low, high) = (end(low_text)?, end(high_text)?);
        let dist = dist.unwrap_or(Dist::default_for(input.range.kind));
        let spread = Spread::new(low, high, dist, input.range).map_err(|e| at(format!("\"{range_text}\": {e}")))?;
        lines[line] = format!("{key} = \"{}\"", low_text.trim());
        if !spread.is_point() {
            found.push(FileRange {
                key: key.clone(),
                spread,
            });
        }
    }
    Ok((lines.join("\n") + "\n", found))
}

/// The index of the line that sets top-level `key`.
fn key_line(lines: &[String], key: &str) -> Option<usize> {
    lines.iter().position(|line| {
        line.trim_start()
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    })
}

/// A range value: `"low..high"`, or an inline table with `range` and an
/// optional `dist`; `None` for a point value.
fn range_of(value: &toml::Value) -> Result<Option<(&str, Option<Dist>)>, String> {
    match value {
        toml::Value::String(text) if text.contains("..") => Ok(Some((text.as_str(), None))),
        toml::Value::Table(table) => {
            if let Some(other) = table.keys().find(|k| *k != "range" && *k != "dist") {
                return Err(format!(
                    "unknown `{other}` in a range; write {{ range = \"low..high\", dist = \"uniform\" }}"
                ));
            }
            let Some(toml::Value::String(range)) = table.get("range") else {
                return Err("a table value needs `range = \"low..high\"`".to_string());
            };
            let dist = match table.get("dist") {
                None => None,
                Some(toml::Value::String(name)) => Some(dist_named(name)?),
                Some(_) => return Err(DIST_NAMES.to_string()),
            };
            Ok(Some((range.as_str(), dist)))
        }
        _ => Ok(None),
    }
}

const DIST_NAMES: &str = "`dist` is \"uniform\", \"log-normal\" or \"logit-normal\"";

fn dist_named(name: &str) -> Result<Dist, String> {
    [Dist::Uniform, Dist::LogNormal, Dist::LogitNormal]
        .into_iter()
        .find(|d| d.name() == name)
        .ok_or_else(|| format!("{DIST_NAMES}, not \"{}\"", crate::quantity::shown(name)))
}
