//! Quantities as people write them — `10M`, `1.5k`, `250ms`, `4KiB`,
//! `1200/s`, `90%`, `9:1` — parsed to SI base units (counts, seconds,
//! bytes, per-second rates, fractions), and formatted back for tables.
//!
//! A quantity with a dimension needs its unit: a bare `250` where a
//! duration, size, rate or bandwidth is expected is refused with the
//! likely fix (`write 250ms or 250s`), never read as seconds or bytes.
//! Only `0` may go bare, as it is the same in every unit. A fraction
//! above 1 without `%` is refused with `70%` as the fix. Counts and
//! dimensionless numbers stay plain.

use std::fmt;

/// A value that did not parse: the text as given and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityError {
    pub text: String,
    pub problem: Problem,
}

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// Not of the expected form; what would have been accepted.
    Malformed(&'static str),
    /// A number without the unit its dimension needs; the likely fixes.
    NoUnit(Vec<String>),
    /// A fraction above 1 written without `%`; the likely fixes.
    AboveOne(Vec<String>),
    /// A well-formed value outside the accepted range, described.
    OutOfRange(String),
    /// A range `low..high` that cannot be sampled, and why.
    Spread(String),
}

impl QuantityError {
    pub fn malformed(text: &str, expected: &'static str) -> QuantityError {
        QuantityError {
            text: text.to_string(),
            problem: Problem::Malformed(expected),
        }
    }

    pub fn spread(text: &str, why: String) -> QuantityError {
        QuantityError {
            text: text.to_string(),
            problem: Problem::Spread(why),
        }
    }
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = shown(&self.text);
        match &self.problem {
            Problem::Malformed(expected) => write!(f, "\"{text}\" is not {expected}"),
            Problem::NoUnit(fixes) => write!(f, "\"{text}\" has no unit; write {}", fixes.join(" or ")),
            Problem::AboveOne(fixes) => write!(f, "\"{text}\" is above 1; write {}", fixes.join(" or ")),
            Problem::OutOfRange(range) => write!(f, "\"{text}\" is out of range; give {range}"),
            Problem::Spread(why) => write!(f, "\"{text}\": {why}"),
        }
    }
}

impl std::error::Error for QuantityError {}

/// Longest user text an error message repeats.
const SHOWN_CHARS: usize = 40;

/// User text as an error message shows it: control characters (a newline,
/// a tab) escaped so the message stays on one line, and long text cut.
pub fn shown(text: &str) -> String {
    let escaped: String = text.chars().flat_map(char::escape_debug).collect();
    match escaped.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &escaped[..cut]),
        None => escaped,
    }
}

const COUNT: &str = "a count ≥ 0 (examples: 1200, 1.5k, 10M, 3B, 2e6)";
const NUMBER: &str = "a number ≥ 0 (examples: 0.9, 1.5, 2e-3)";
const WHOLE: &str = "a whole number ≥ 0 (examples: 8, 4k, 1M)";
const DURATION: &str = "a duration ≥ 0 (examples: 80us, 250ms, 1.5s, 2min, 1h, 1d)";
const BYTES: &str = "a size ≥ 0 (examples: 512B, 4KiB, 2GB, 512MiB, 1.5TiB)";
const RATE: &str = "a rate ≥ 0 (examples: 1200/s, 5k/min, 1M/day)";
const BANDWIDTH: &str = "a bandwidth ≥ 0 (examples: 100MB/s, 1GiB/s, 6GB/min)";
const FRACTION: &str = "a fraction from 0 to 1 (examples: 90%, 0.9)";
const RATIO: &str = "a read:write mix (examples: 9:1, 90%, 0.9)";

/// Splits `"1.5k"` into the number `1.5` and the suffix `"k"`.
fn split_number(text: &str) -> Option<(f64, &str)> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|&(i, ch)| {
            !(ch.is_ascii_digit()
                || ch == '.'
                || ch == '_'
                || (i == 0 && (ch == '+' || ch == '-'))
                || is_exponent(t, i))
        })
        .map_or(t.len(), |(i, _)| i);
    let number: String = t[..end].chars().filter(|&c| c != '_').collect();
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some((value, t[end..].trim()))
}

/// True where `text[i]` is the `e` of a scientific number like `2e6` or `1e-3`.
fn is_exponent(text: &str, i: usize) -> bool {
    let bytes = text.as_bytes();
    let ch = bytes[i];
    if ch == b'e' || ch == b'E' {
        let before_digit = i > 0 && bytes[i - 1].is_ascii_digit();
        let after = bytes.get(i + 1).copied();
        let after_ok = matches!(after, Some(b'0'..=b'9'))
            || (matches!(after, Some(b'-') | Some(b'+')) && matches!(bytes.get(i + 2), Some(b'0'..=b'9')));
        return before_digit && after_ok;
    }
    (ch == b'-' || ch == b'+') && i > 0 && matches!(bytes[i - 1], b'e' | b'E')
}

/// A finite value ≥ 0. A minus sign is refused even on zero, so `-0`
/// never reaches the output as negative zero.
fn non_negative(value: f64, text: &str, expected: &'static str) -> Result<f64, QuantityError> {
    if value.is_finite() && value >= 0.0 && !value.is_sign_negative() {
        Ok(value)
    } else {
        Err(error(text, expected))
    }
}

fn error(text: &str, expected: &'static str) -> QuantityError {
    QuantityError {
        text: text.to_string(),
        problem: Problem::Malformed(expected),
    }
}

fn no_unit(text: &str, fix: Vec<String>) -> QuantityError {
    QuantityError {
        text: text.to_string(),
        problem: Problem::NoUnit(fix),
    }
}

/// A number with no unit at all is refused (with `fix` built from the
/// number as written), except `0`, which is the same in every unit.
fn require_unit(value: f64, text: &str, fix: impl Fn(&str) -> Vec<String>) -> Result<f64, QuantityError> {
    if value == 0.0 && !value.is_sign_negative() {
        return Ok(0.0);
    }
    Err(no_unit(text, fix(text.trim())))
}

fn count_multiplier(suffix: &str) -> Option<f64> {
    Some(match suffix {
        "" => 1.0,
        "k" | "K" => 1e3,
        "M" => 1e6,
        "B" | "G" => 1e9,
        "T" => 1e12,
        _ => return None,
    })
}

/// A count: `2e6`, `1.5k`, `10M`, `3B` (billion), `1T`. `m` is rejected
/// (milli or mega?); `M` is million.
pub fn parse_count(text: &str) -> Result<f64, QuantityError> {
    let (value, suffix) = split_number(text).ok_or_else(|| error(text, COUNT))?;
    let multiplier = count_multiplier(suffix).ok_or_else(|| error(text, COUNT))?;
    non_negative(value * multiplier, text, COUNT)
}

/// A dimensionless number (a factor, an exponent, a coefficient of
/// variation): `0.9`, `2e-3`, also with a count suffix (`1k`).
pub fn parse_number(text: &str) -> Result<f64, QuantityError> {
    parse_count(text).map_err(|e| QuantityError {
        problem: Problem::Malformed(NUMBER),
        ..e
    })
}

/// A whole count of any size, as `f64`: like [`parse_count`], and integral.
pub fn parse_integer(text: &str) -> Result<f64, QuantityError> {
    match parse_count(text) {
        Ok(value) if value.fract() == 0.0 => Ok(value),
        _ => Err(error(text, WHOLE)),
    }
}

/// A whole count (servers, shards) that a `u64` holds exactly (≤ 9e15).
pub fn parse_whole(text: &str) -> Result<u64, QuantityError> {
    match parse_integer(text) {
        Ok(value) if value <= 9.0e15 => Ok(value as u64),
        _ => Err(error(text, WHOLE)),
    }
}

fn seconds_per_unit(unit: &str) -> Option<f64> {
    Some(match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "ns" => 1e-9,
        "us" | "µs" | "μs" => 1e-6,
        "ms" => 1e-3,
        "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        _ => return None,
    })
}

/// A duration in seconds: `80us`, `80µs`, `250ms`, `1.5s`, `2min`, `1h`,
/// `1d`. A bare number other than 0 is refused: `write 250ms or 250s`.
pub fn parse_duration_s(text: &str) -> Result<f64, QuantityError> {
    let (value, unit) = split_number(text).ok_or_else(|| error(text, DURATION))?;
    if unit.is_empty() {
        non_negative(value, text, DURATION)?;
        return require_unit(value, text, |n| vec![format!("{n}ms"), format!("{n}s")]);
    }
    let scale = seconds_per_unit(unit).ok_or_else(|| error(text, DURATION))?;
    non_negative(value * scale, text, DURATION)
}

fn bytes_per_unit(unit: &str) -> Option<f64> {
    const KI: f64 = 1024.0;
    Some(match unit {
        "B" | "byte" | "bytes" => 1.0,
        "kB" | "KB" | "k" | "K" => 1e3,
        "MB" | "M" => 1e6,
        "GB" | "G" => 1e9,
        "TB" | "T" => 1e12,
        "PB" | "P" => 1e15,
        "KiB" => KI,
        "MiB" => KI * KI,
        "GiB" => KI * KI * KI,
        "TiB" => KI * KI * KI * KI,
        "PiB" => KI * KI * KI * KI * KI,
        _ => return None,
    })
}

/// A size in bytes: `512B`, `4KiB`, `2GB`, `512MiB` (decimal `kB MB GB TB
/// PB`, binary `KiB MiB GiB TiB PiB`). A bare number other than 0 is
/// refused: `write 512B or 512KiB`.
pub fn parse_bytes(text: &str) -> Result<f64, QuantityError> {
    let (value, unit) = split_number(text).ok_or_else(|| error(text, BYTES))?;
    if unit.is_empty() {
        non_negative(value, text, BYTES)?;
        return require_unit(value, text, |n| vec![format!("{n}B"), format!("{n}KiB")]);
    }
    let scale = bytes_per_unit(unit).ok_or_else(|| error(text, BYTES))?;
    non_negative(value * scale, text, BYTES)
}

/// A rate per second: `1200/s`, `5k/min`, `1M/day`, `3/h`. A count
/// without `/time` other than 0 is refused: `write 300/s or 300/min`.
pub fn parse_rate_per_s(text: &str) -> Result<f64, QuantityError> {
    let Some((amount, per)) = text.split_once('/') else {
        let count = parse_count(text).map_err(|_| error(text, RATE))?;
        return require_unit(count, text, |n| vec![format!("{n}/s"), format!("{n}/min")]);
    };
    let count = parse_count(amount).map_err(|_| error(text, RATE))?;
    let per = per.trim();
    let per = per.strip_prefix('1').unwrap_or(per);
    let seconds = seconds_per_unit(per).ok_or_else(|| error(text, RATE))?;
    non_negative(count / seconds, text, RATE)
}

/// Bytes per second: `100MB/s`, `6GB/min`. A size or a number without
/// `/time` is refused (`write 100MB/s`), except 0.
pub fn parse_bytes_per_s(text: &str) -> Result<f64, QuantityError> {
    let Some((amount, per)) = text.split_once('/') else {
        let (value, unit) = split_number(text).ok_or_else(|| error(text, BANDWIDTH))?;
        let bytes = match unit {
            "" => non_negative(value, text, BANDWIDTH)?,
            _ => parse_bytes(text).map_err(|_| error(text, BANDWIDTH))?,
        };
        let fix = |n: &str| match unit {
            "" => vec![format!("{n}MB/s")],
            _ => vec![format!("{n}/s")],
        };
        return require_unit(bytes, text, fix);
    };
    let per = per.trim();
    if per.is_empty() || !per.chars().all(char::is_alphabetic) {
        return Err(error(text, BANDWIDTH));
    }
    let bytes = parse_bytes(amount).map_err(|_| error(text, BANDWIDTH))?;
    let seconds = seconds_per_unit(per).ok_or_else(|| error(text, BANDWIDTH))?;
    Ok(bytes / seconds)
}

/// A fraction in `[0, 1]`: `90%` or `0.9`. A bare number above 1 (`70`)
/// is refused with `70%` as the fix.
pub fn parse_fraction(text: &str) -> Result<f64, QuantityError> {
    let t = text.trim();
    let whole = |s: &str| split_number(s).filter(|(_, rest)| rest.is_empty()).map(|(v, _)| v);
    let value = match t.strip_suffix('%') {
        Some(pct) => whole(pct).map(|v| v / 100.0),
        None => match whole(t) {
            Some(v) if v > 1.0 && v <= 100.0 => {
                return Err(QuantityError {
                    text: text.to_string(),
                    problem: Problem::AboveOne(vec![format!("{t}%"), trim_float(v / 100.0)]),
                })
            }
            other => other,
        },
    };
    match value {
        Some(v) if (0.0..=1.0).contains(&v) && !v.is_sign_negative() => Ok(v),
        _ => Err(error(text, FRACTION)),
    }
}

/// `0.7`, not `0.7000000000000001`: a value as a short decimal.
fn trim_float(x: f64) -> String {
    let text = format!("{x:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A read:write mix as the read fraction: `9:1` → 0.9; also `90%`, `0.9`.
/// The two sides may be any counts; `1e308:1e308` is 1:1, as written.
pub fn parse_read_fraction(text: &str) -> Result<f64, QuantityError> {
    let Some((reads, writes)) = text.split_once(':') else {
        return parse_fraction(text).map_err(|e| match e.problem {
            Problem::AboveOne(_) => QuantityError {
                problem: Problem::AboveOne(vec![
                    format!("{}:1 (reads:writes)", text.trim()),
                    "a read share like 90%".to_string(),
                ]),
                ..e
            },
            _ => error(text, RATIO),
        });
    };
    let parse_part = |part: &str| parse_count(part).map_err(|_| error(text, RATIO));
    let (r, w) = (parse_part(reads)?, parse_part(writes)?);
    // Scaled by the larger side first, so the sum cannot overflow.
    let larger = r.max(w);
    if larger <= 0.0 {
        return Err(error(text, RATIO));
    }
    let (r, w) = (r / larger, w / larger);
    Ok(r / (r + w))
}

/// Seconds in a month: a twelfth of a Julian year (365.25 days).
pub const SECONDS_PER_MONTH: f64 = 365.25 * 86_400.0 / 12.0;

/// A duration for a person: `< 1 ns`, `80.0 ns`, `850 µs`, `12.3 ms`,
/// `1.25 s`, `3.50 min`, `2.00 h`, `12.0 d`, `3.50 months`, `2.56 years`.
/// Every duration below a microsecond is in ns; zero is `0 s`.
pub fn format_duration(seconds: f64) -> String {
    let s = seconds.abs();
    if s == 0.0 {
        "0 s".to_string()
    } else if s < 1e-9 {
        "< 1 ns".to_string()
    } else if s < 1e-6 {
        format!("{} ns", sig3(seconds * 1e9))
    } else if s < 1e-3 {
        format!("{} µs", sig3(seconds * 1e6))
    } else if s < 1.0 {
        format!("{} ms", sig3(seconds * 1e3))
    } else if s < 120.0 {
        format!("{} s", sig3(seconds))
    } else if s < 7200.0 {
        format!("{} min", sig3(seconds / 60.0))
    } else if s < 172_800.0 {
        format!("{} h", sig3(seconds / 3600.0))
    } else if s < 60.0 * 86_400.0 {
        format!("{} d", sig3(seconds / 86_400.0))
    } else if s < 24.0 * SECONDS_PER_MONTH {
        format!("{} months", sig3(seconds / SECONDS_PER_MONTH))
    } else {
        format!("{} years", sig3(seconds / (12.0 * SECONDS_PER_MONTH)))
    }
}

/// Three significant digits (`0.0123`, `1.23`, `12.3`, `123`), without a
/// trailing `.0` on integers ≥ 100; zero is `0`.
fn sig3(x: f64) -> String {
    let a = x.abs();
    let decimals = if a == 0.0 || a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 0.1 {
        2
    } else {
        (2.0 - a.log10().floor()).min(12.0) as usize
    };
    format!("{x:.decimals$}")
}

/// Bytes in binary units: `512 B`, `4.00 KiB`, `16.0 GiB`.
pub fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{} {}", sig3(value), UNITS[unit])
    }
}

/// An integer with thousands separators: `1,234,567`.
pub fn format_thousands(value: f64) -> String {
    let rounded = value.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if rounded < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// A rate for a person: `1,200/s`, or `0.35/s` below 10 (`0/s` for none).
pub fn format_rate(per_s: f64) -> String {
    if per_s.abs() < 10.0 {
        format!("{}/s", sig3(per_s))
    } else {
        format!("{}/s", format_thousands(per_s))
    }
}

/// A count for a person: `950`, `12.5k`, `3.20M`, `1.00B` (a value that
/// rounds up to 1000 of a unit moves to the next: `1.00M`, not `1000k`).
pub fn format_count(count: f64) -> String {
    const UNITS: [(f64, &str); 5] = [(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
    let a = count.abs();
    let index = UNITS.iter().rposition(|(scale, _)| a >= *scale).unwrap_or(0);
    let (scale, suffix) = UNITS[index];
    let text = sig3(count / scale);
    let rounds_up = text.trim_start_matches('-').parse::<f64>().is_ok_and(|v| v >= 1000.0);
    match UNITS.get(index + 1) {
        Some((next, next_suffix)) if rounds_up => format!("{}{next_suffix}", sig3(count / next)),
        _ => format!("{text}{suffix}"),
    }
}

/// The most decimals a percentage shows: nine nines.
const PERCENT_DECIMALS: i32 = 7;

/// A fraction as a percentage, by one rule: at least one decimal, and as
/// many as it takes to show the first significant digit of the distance
/// to the nearer of 0 % and 100 %, so that complements read alike
/// (`99.93%` and `0.07%`; `99.5%` and `0.5%`; `90.0%` and `10.0%`):
///
/// ```text
/// d = clamp(⌈−log10(m)⌉, 1, 7),  m = min(|p|, |100 − p|)
/// ```
/// where `p` is the percentage. Closer to 100 % than 7 decimals show is
/// `>99.9999999%`; closer to 0 % `<0.0000001%`; exactly 0 and 1 are `0%`
/// and `100%`.
pub fn format_percent(fraction: f64) -> String {
    // Planning writes the same few limits (70%, 90%, …) into every
    // binding and reason: remember the last few texts on this thread.
    thread_local! {
        static RECENT: std::cell::RefCell<Vec<(u64, String)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let key = fraction.to_bits();
    if let Some(text) = RECENT.with(|r| r.borrow().iter().find(|(k, _)| *k == key).map(|(_, t)| t.clone())) {
        return text;
    }
    let text = percent_text(fraction);
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() >= RECENT_PERCENTS {
            r.remove(0);
        }
        r.push((key, text.clone()));
    });
    text
}

/// Percentages [`format_percent`] remembers per thread.
const RECENT_PERCENTS: usize = 8;

fn percent_text(fraction: f64) -> String {
    let pct = fraction * 100.0;
    if fraction == 0.0 {
        return "0%".to_string();
    }
    if fraction == 1.0 {
        return "100%".to_string();
    }
    let distance = pct.abs().min((100.0 - pct).abs());
    let smallest = 10f64.powi(-PERCENT_DECIMALS);
    if distance < smallest {
        return match pct {
            p if p < 50.0 && p > 0.0 => "<0.0000001%".to_string(),
            p if p < 100.0 && p > 50.0 => ">99.9999999%".to_string(),
            _ => format!("{pct:.0}%"),
        };
    }
    let decimals = (-distance.log10() - 1e-9).ceil().clamp(1.0, PERCENT_DECIMALS as f64) as usize;
    format!("{pct:.decimals$}%")
}

/// Money for a person: `$1,234` (cents below $100).
pub fn format_usd(usd: f64) -> String {
    if usd.abs() < 100.0 {
        format!("${usd:.2}")
    } else {
        format!("${}", format_thousands(usd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
    }

    #[test]
    fn counts() {
        for (text, want) in [
            ("2e6", 2e6),
            ("1.5k", 1500.0),
            ("10M", 1e7),
            ("3B", 3e9),
            ("1_000", 1000.0),
            ("0", 0.0),
            ("1T", 1e12),
        ] {
            assert!(close(parse_count(text).unwrap(), want), "{text}");
        }
        for bad in ["10Q", "-5", "-0", "", "k", "1.5m", "nan", "inf", "1e400", "1..2"] {
            assert!(parse_count(bad).is_err(), "{bad} should fail");
        }
        assert!(parse_whole("-0").is_err());
    }

    /// The message for `text`, or a panic naming it.
    fn message(result: Result<f64, QuantityError>, text: &str) -> String {
        result.err().unwrap_or_else(|| panic!("{text} should fail")).to_string()
    }

    type Parser = fn(&str) -> Result<f64, QuantityError>;

    #[test]
    fn a_dimension_needs_its_unit() {
        let cases: [(Parser, &str, &str); 6] = [
            (parse_duration_s, "250", "\"250\" has no unit; write 250ms or 250s"),
            (parse_bytes, "16", "\"16\" has no unit; write 16B or 16KiB"),
            (parse_rate_per_s, "300", "\"300\" has no unit; write 300/s or 300/min"),
            (parse_rate_per_s, "5k", "\"5k\" has no unit; write 5k/s or 5k/min"),
            (parse_bytes_per_s, "100", "\"100\" has no unit; write 100MB/s"),
            (parse_bytes_per_s, "100MB", "\"100MB\" has no unit; write 100MB/s"),
        ];
        for (parse, text, want) in cases {
            assert_eq!(message(parse(text), text), want);
        }
        // Zero is the same in every unit.
        for parse in [parse_duration_s, parse_bytes, parse_rate_per_s, parse_bytes_per_s] {
            assert_eq!(parse("0"), Ok(0.0));
            assert!(parse("-0").is_err());
        }
    }

    #[test]
    fn a_fraction_above_one_suggests_a_percentage() {
        assert_eq!(
            message(parse_fraction("70"), "70"),
            "\"70\" is above 1; write 70% or 0.7"
        );
        assert!(message(parse_read_fraction("9"), "9").contains("write 9:1"));
        assert!(message(parse_fraction("120%"), "120%").contains("is not a fraction"));
        assert!(parse_fraction("-0").is_err());
    }

    #[test]
    fn errors_stay_on_one_line() {
        let err = message(parse_duration_s("25\n0"), "25\\n0");
        assert!(!err.contains('\n') && err.contains("25\\n0"), "{err}");
        let long = "9".repeat(500) + "x";
        assert!(message(parse_count(&long), "long").chars().count() < 120);
    }

    #[test]
    fn durations() {
        for (text, want) in [
            ("250ms", 0.25),
            ("1.5s", 1.5),
            ("2min", 120.0),
            ("1h", 3600.0),
            ("1d", 86400.0),
            ("80us", 80e-6),
            ("80µs", 80e-6),
            ("3s", 3.0),
            ("0", 0.0),
            ("1e-3s", 1e-3),
        ] {
            assert!(close(parse_duration_s(text).unwrap(), want), "{text}");
        }
        for bad in ["10 parsecs", "-1s", "ms", "5mss", "3", "-0s"] {
            assert!(parse_duration_s(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bytes() {
        for (text, want) in [
            ("4KiB", 4096.0),
            ("2GB", 2e9),
            ("512MiB", 512.0 * 1048576.0),
            ("100B", 100.0),
            ("1.5TiB", 1.5 * 1099511627776.0),
        ] {
            assert!(close(parse_bytes(text).unwrap(), want), "{text}");
        }
        assert!(parse_bytes("4KiBs").is_err());
        assert!(parse_bytes("100").is_err());
    }

    #[test]
    fn rates() {
        for (text, want) in [
            ("1200/s", 1200.0),
            ("5k/min", 5000.0 / 60.0),
            ("1M/day", 1e6 / 86400.0),
            ("300/1s", 300.0),
            ("2M/s", 2e6),
            ("36/h", 0.01),
        ] {
            assert!(close(parse_rate_per_s(text).unwrap(), want), "{text}");
        }
        for bad in ["10Q", "5/", "5/fortnight", "-1/s", "/s", "300"] {
            assert!(parse_rate_per_s(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bandwidths() {
        assert!(close(parse_bytes_per_s("100MB/s").unwrap(), 1e8));
        assert!(close(parse_bytes_per_s("6GB/min").unwrap(), 1e8));
        for bad in ["100MB/", "fast", "1GB/fortnight", "-1MB/s", "100MB", "100"] {
            assert!(parse_bytes_per_s(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fractions_and_ratios() {
        assert!(close(parse_fraction("90%").unwrap(), 0.9));
        assert!(close(parse_fraction("0.9").unwrap(), 0.9));
        assert!(parse_fraction("120%").is_err());
        assert!(parse_fraction("1.2").is_err());
        assert!(close(parse_read_fraction("9:1").unwrap(), 0.9));
        assert!(close(parse_read_fraction("1:3").unwrap(), 0.25));
        assert!(close(parse_read_fraction("95%").unwrap(), 0.95));
        assert!(parse_read_fraction("0:0").is_err());
        assert!(parse_read_fraction("a:b").is_err());
        // The same mix written large is still 1:1, not 0:1.
        assert!(close(parse_read_fraction("1e308:1e308").unwrap(), 0.5));
        assert!(close(parse_read_fraction("1e308:0").unwrap(), 1.0));
    }

    #[test]
    fn formatting_round_trips() {
        assert_eq!(format_duration(0.999), "999 ms");
        assert_eq!(format_duration(0.0123), "12.3 ms");
        assert_eq!(format_duration(850e-6), "850 µs");
        assert_eq!(format_duration(1e-9), "1.00 ns");
        assert_eq!(format_duration(2e-13), "< 1 ns");
        assert_eq!(format_duration(0.0), "0 s");
        assert_eq!(format_duration(30.7 * SECONDS_PER_MONTH), "2.56 years");
        assert_eq!(format_duration(3.5 * SECONDS_PER_MONTH), "3.50 months");
        assert_eq!(format_duration(1.5), "1.50 s");
        assert_eq!(format_bytes(4096.0), "4.00 KiB");
        assert_eq!(format_bytes(16.0 * 1073741824.0), "16.0 GiB");
        assert_eq!(format_rate(1234567.4), "1,234,567/s");
        assert_eq!(format_count(5e6), "5.00M");
        assert_eq!(format_count(999_999.99), "1.00M");
        assert_eq!(format_count(999.7), "1.00k");
        assert_eq!(format_count(12_345.0), "12.3k");
        assert_eq!(format_percent(0.9), "90.0%");
        assert_eq!(format_percent(0.9995), "99.95%");
        assert_eq!(format_percent(0.99999995), "99.999995%");
        assert_eq!(format_percent(1.0 - 1e-12), ">99.9999999%");
        assert_eq!(format_percent(1.0), "100%");
        assert_eq!(format_percent(0.0), "0%");
        // Complements read alike.
        for (hit, miss) in [(0.9999, "0.01%"), (0.995, "0.5%"), (0.9993, "0.07%"), (0.776, "22.4%")] {
            let shown = format_percent(hit);
            assert_eq!(format_percent(1.0 - hit), miss);
            let decimals = |s: &str| s.split_once('.').map_or(0, |(_, d)| d.len() - 1);
            assert_eq!(decimals(&shown), decimals(miss), "{shown} beside {miss}");
        }
        assert_eq!(format_percent(1e-12), "<0.0000001%");
        assert_eq!(format_percent(17.301), "1730.1%");
        assert_eq!(format_usd(1234.4), "$1,234");
        assert_eq!(format_usd(12.345), "$12.35");
        // What a table shows parses back to (about) the same value.
        let shown = format_duration(0.25).replace(' ', "");
        assert!(close(parse_duration_s(&shown).unwrap(), 0.25));
    }
}
