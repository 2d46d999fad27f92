//! Measurement files as text: the CSV of `fit demand` (or a Prometheus
//! range-query export, see [`super::prometheus`]) and the CSV of
//! `fit usl`. Every error is one line naming the file, the line and the
//! column, and what would have been accepted.
//!
//! CSV rules: a header row naming the columns (any order); `#` starts a
//! comment line; cells are trimmed; numbers are plain SI values (seconds,
//! per second, fractions), as the column names say.

use super::demand::{Measurements, Window, DEMAND_OPTIONAL, DEMAND_REQUIRED, MIN_FIT_WINDOWS};
use super::prometheus;
use super::usl::MIN_DISTINCT_CONCURRENCIES;
use crate::error::InputError;

/// Columns of `fit usl`.
pub const USL_REQUIRED: [&str; 2] = ["concurrency", "throughput_per_s"];
/// Columns accepted anywhere and ignored (they name the window).
const IGNORED: [&str; 2] = ["timestamp", "time"];

/// One load-test measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadPoint {
    pub concurrency: f64,
    pub throughput_per_s: f64,
    pub line: u64,
}

/// The windows of a `fit demand` file: a Prometheus JSON export when the
/// text starts with `{`, else CSV.
pub fn demand_windows(text: &str, source: &str) -> Result<Measurements, InputError> {
    if text.trim_start().starts_with('{') {
        let read = prometheus::demand_windows(text, source)?;
        if read.windows.len() < MIN_FIT_WINDOWS {
            return Err(InputError::new(format!(
                "{source} line 1 column 1: only {} complete windows; {WHY_ROWS}",
                read.windows.len()
            )));
        }
        return Ok(read);
    }
    let table = Table::read(text, source, &DEMAND_REQUIRED, &DEMAND_OPTIONAL)?;
    table.require_rows(MIN_FIT_WINDOWS, WHY_ROWS)?;
    let windows = table
        .rows
        .iter()
        .map(|row| table.window(row))
        .collect::<Result<_, _>>()?;
    Ok(Measurements {
        windows,
        notes: Vec::new(),
    })
}

const WHY_ROWS: &str = "a fit needs at least 3 windows of a tier";

/// The points of a `fit usl` file, with at least four distinct
/// concurrencies.
pub fn load_points(text: &str, source: &str) -> Result<Vec<LoadPoint>, InputError> {
    let table = Table::read(text, source, &USL_REQUIRED, &[])?;
    let points: Vec<LoadPoint> = table
        .rows
        .iter()
        .map(|row| {
            Ok(LoadPoint {
                concurrency: table.number(row, "concurrency", Check::Positive)?,
                throughput_per_s: table.number(row, "throughput_per_s", Check::Positive)?,
                line: row.line,
            })
        })
        .collect::<Result<_, InputError>>()?;
    let mut distinct: Vec<f64> = points.iter().map(|p| p.concurrency).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT_CONCURRENCIES {
        let line = table.rows.last().map_or(table.header_line + 1, |r| r.line);
        return Err(table.error(
            line,
            table.column_of("concurrency"),
            "concurrency",
            format!(
                "only {} distinct concurrencies; a USL fit needs at least {MIN_DISTINCT_CONCURRENCIES} (it has three parameters)",
                distinct.len()
            ),
        ));
    }
    Ok(points)
}

/// What a number in a cell must be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Check {
    /// `≥ 0`.
    NonNegative,
    /// `> 0`.
    Positive,
    /// In `[0, 1]`.
    Fraction,
    /// A whole number `≥ 1`.
    Whole,
}

/// A CSV data row: its line and trimmed cells.
struct Row {
    line: u64,
    cells: Vec<String>,
}

/// A CSV file read against a column list.
struct Table<'a> {
    source: &'a str,
    header_line: u64,
    header: Vec<String>,
    rows: Vec<Row>,
}

impl<'a> Table<'a> {
    fn read(text: &str, source: &'a str, required: &[&str], optional: &[&str]) -> Result<Table<'a>, InputError> {
        let mut records = csv_rows(text, source)?.into_iter();
        let expected = expected_columns(required, optional);
        let Some(first) = records.next() else {
            return Err(InputError::new(format!(
                "{source} line 1 column 1: the file is empty; expected a header row naming the columns {expected}"
            )));
        };
        let table = Table {
            source,
            header_line: first.line,
            header: first.cells,
            rows: records.collect(),
        };
        table.check_header(required, optional, &expected)?;
        for row in &table.rows {
            table.check_width(row)?;
        }
        Ok(table)
    }

    fn error(&self, line: u64, column: usize, name: &str, message: impl std::fmt::Display) -> InputError {
        InputError::new(format!(
            "{} line {line} column {column} ({name}): {message}",
            self.source
        ))
    }

    fn header_error(&self, column: usize, message: String) -> InputError {
        InputError::new(format!(
            "{} line {} column {column}: {message}",
            self.source, self.header_line
        ))
    }

    fn check_header(&self, required: &[&str], optional: &[&str], expected: &str) -> Result<(), InputError> {
        if let Some((i, cell)) = self.header.iter().enumerate().find(|(_, c)| c.parse::<f64>().is_ok()) {
            return Err(self.header_error(
                i + 1,
                format!("no header row (\"{cell}\" is a value); the first line must name the columns {expected}"),
            ));
        }
        for (i, name) in self.header.iter().enumerate() {
            let known = required.contains(&name.as_str())
                || optional.contains(&name.as_str())
                || IGNORED.contains(&name.as_str());
            if !known {
                return Err(self.header_error(i + 1, format!("unknown column `{name}`; expected {expected}")));
            }
            if self.header[..i].contains(name) {
                return Err(self.header_error(i + 1, format!("column `{name}` appears twice")));
            }
        }
        if let Some(missing) = required.iter().find(|r| !self.header.iter().any(|h| h == *r)) {
            return Err(self.header_error(
                self.header.len() + 1,
                format!("missing column `{missing}`; expected {expected}"),
            ));
        }
        Ok(())
    }

    fn check_width(&self, row: &Row) -> Result<(), InputError> {
        let width = self.header.len();
        if row.cells.len() < width {
            let column = row.cells.len() + 1;
            return Err(self.error(row.line, column, &self.header[column - 1], "missing value"));
        }
        if row.cells.len() > width {
            return Err(InputError::new(format!(
                "{} line {} column {}: more cells than the header's {width} columns",
                self.source,
                row.line,
                width + 1
            )));
        }
        Ok(())
    }

    /// Fewer than `least` data rows is an error at the last line.
    fn require_rows(&self, least: usize, why: &str) -> Result<(), InputError> {
        let n = self.rows.len();
        if n >= least {
            return Ok(());
        }
        let (line, what) = match self.rows.last() {
            None => (self.header_line + 1, "no data rows after the header".to_string()),
            Some(row) => (row.line, format!("only {n} data row{}", if n == 1 { "" } else { "s" })),
        };
        Err(InputError::new(format!(
            "{} line {line} column 1: {what}; {why}",
            self.source
        )))
    }

    /// 1-based column of `name` (present: the header was checked).
    fn column_of(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).map_or(1, |i| i + 1)
    }

    /// The cell of `name`, `None` when the file has no such column.
    fn cell<'r>(&self, row: &'r Row, name: &str) -> Option<&'r str> {
        let i = self.header.iter().position(|h| h == name)?;
        row.cells.get(i).map(String::as_str)
    }

    fn number(&self, row: &Row, name: &str, check: Check) -> Result<f64, InputError> {
        let text = self.cell(row, name).unwrap_or("");
        parse_number(text, check).map_err(|m| self.error(row.line, self.column_of(name), name, m))
    }

    /// An optional latency: an absent column or an empty cell is `None`.
    fn optional_time(&self, row: &Row, name: &str) -> Result<Option<f64>, InputError> {
        match self.cell(row, name) {
            None | Some("") => Ok(None),
            Some(_) => self.number(row, name, Check::Positive).map(Some),
        }
    }

    fn window(&self, row: &Row) -> Result<Window, InputError> {
        let tier = self.cell(row, "tier").unwrap_or("");
        if tier.is_empty() {
            return Err(self.error(row.line, self.column_of("tier"), "tier", "a tier name is required"));
        }
        Ok(Window {
            tier: tier.to_string(),
            cores: self.number(row, "cores", Check::Whole)? as u64,
            throughput_per_s: self.number(row, "throughput_per_s", Check::NonNegative)?,
            utilization: self.number(row, "utilization", Check::Fraction)?,
            mean_response_s: self.optional_time(row, "mean_response_s")?,
            p50_response_s: self.optional_time(row, "p50_response_s")?,
            p99_response_s: self.optional_time(row, "p99_response_s")?,
            origin: format!("line {}", row.line),
        })
    }
}

/// `tier, cores, throughput_per_s, utilization (optional: …)`.
fn expected_columns(required: &[&str], optional: &[&str]) -> String {
    let mut text = required.join(",");
    if !optional.is_empty() {
        text.push_str(&format!(" (optional: {})", optional.join(",")));
    }
    text
}

/// Every non-comment CSV record with its line, cells trimmed.
fn csv_rows(text: &str, source: &str) -> Result<Vec<Row>, InputError> {
    // Spreadsheets often start a UTF-8 export with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(1, |p| line_at(text, p.byte()));
            InputError::new(format!("{source} line {line} column 1: not readable as CSV: {e}"))
        })?;
        let line = record.position().map_or(1, |p| line_at(text, p.byte()));
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        // Comments are skipped here rather than by the csv crate, whose
        // line count leaves comment lines out.
        if cells.iter().all(String::is_empty) || cells.first().is_some_and(|c| c.starts_with('#')) {
            continue;
        }
        rows.push(Row { line, cells });
    }
    Ok(rows)
}

/// The 1-based line of the record at a byte offset. The csv crate's
/// offsets (and its line count) can point at the `\n` of a `\r\n` that
/// ends the record before, so line ends at the offset are skipped first.
fn line_at(text: &str, byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut end = (byte as usize).min(bytes.len());
    while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
        end += 1;
    }
    bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// A finite number meeting `check`, or what was wrong with the text.
fn parse_number(text: &str, check: Check) -> Result<f64, String> {
    if text.is_empty() {
        return Err("missing value".into());
    }
    let value: f64 = text.parse().map_err(|_| format!("\"{text}\" is not a number"))?;
    if !value.is_finite() {
        return Err(format!("\"{text}\" is not a finite number"));
    }
    let ok = match check {
        Check::NonNegative => value >= 0.0,
        Check::Positive => value > 0.0,
        Check::Fraction => (0.0..=1.0).contains(&value),
        Check::Whole => value >= 1.0 && value.fract() == 0.0 && value <= u32::MAX as f64,
    };
    if ok {
        return Ok(value);
    }
    Err(match check {
        Check::NonNegative => format!("must be ≥ 0, got {text}"),
        Check::Positive => format!("must be greater than 0, got {text}"),
        Check::Fraction => format!("must be a fraction of capacity in 0..1 (50% is 0.5), got {text}"),
        Check::Whole => format!("must be a whole number ≥ 1, got {text}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "tier,cores,throughput_per_s,utilization,p99_response_s\n\
                        # a comment\n\
                        web, 8, 100, 0.30, 0.05\n\
                        web, 8, 200, 0.55,\n\
                        web, 8, 300, 0.80, 0.09\n";

    #[test]
    fn a_good_file_reads_with_lines_and_optional_cells() {
        let w = demand_windows(GOOD, "m.csv").unwrap().windows;
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].origin, "line 3");
        assert_eq!(w[0].cores, 8);
        assert_eq!(w[0].p99_response_s, Some(0.05));
        assert_eq!(w[1].p99_response_s, None);
        assert_eq!(w[2].mean_response_s, None);
    }

    #[test]
    fn a_spreadsheet_export_with_bom_and_crlf_reads() {
        let text = format!("\u{feff}{}", GOOD.replace('\n', "\r\n"));
        let w = demand_windows(&text, "m.csv").unwrap().windows;
        assert_eq!((w.len(), w[2].origin.as_str()), (3, "line 5"));
    }

    #[test]
    fn bad_cells_name_file_line_and_column() {
        let cases = [
            (
                "web,8,-5,0.3",
                "line 2 column 3 (throughput_per_s): must be ≥ 0, got -5",
            ),
            ("web,8,100,1.2", "line 2 column 4 (utilization): must be a fraction"),
            (
                "web,8,NaN,0.3",
                "line 2 column 3 (throughput_per_s): \"NaN\" is not a finite number",
            ),
            ("web,2.5,100,0.3", "line 2 column 2 (cores): must be a whole number ≥ 1"),
            (",8,100,0.3", "line 2 column 1 (tier): a tier name is required"),
            ("web,8,100", "line 2 column 4 (utilization): missing value"),
            ("web,8,100,0.3,7", "line 2 column 5: more cells"),
            ("web,8,fast,0.3", "\"fast\" is not a number"),
        ];
        for (row, expected) in cases {
            let text = format!("tier,cores,throughput_per_s,utilization\n{row}\n{row}\n{row}\n");
            let err = demand_windows(&text, "m.csv").unwrap_err().to_string();
            assert!(err.starts_with("m.csv line"), "{err}");
            assert!(err.contains(expected), "{row}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn header_problems_are_one_line_errors() {
        let cases = [
            ("", "line 1 column 1: the file is empty"),
            (
                "tier,cores,utilization\n",
                "line 1 column 4: missing column `throughput_per_s`",
            ),
            ("web,8,100,0.3\n", "line 1 column 2: no header row (\"8\" is a value)"),
            (
                "tier,cores,throughput,utilization\n",
                "line 1 column 3: unknown column `throughput`",
            ),
            (
                "tier,cores,throughput_per_s,utilization\n",
                "line 2 column 1: no data rows after the header",
            ),
            (
                "tier,cores,throughput_per_s,utilization\nweb,1,1,0.1\n",
                "line 2 column 1: only 1 data row; a fit needs at least 3",
            ),
        ];
        for (text, expected) in cases {
            let err = demand_windows(text, "m.csv").unwrap_err().to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn usl_points_need_four_distinct_positive_concurrencies() {
        let ok = "concurrency,throughput_per_s\n1,10\n2,19\n4,35\n8,60\n";
        assert_eq!(load_points(ok, "u.csv").unwrap().len(), 4);
        let three = "concurrency,throughput_per_s\n1,10\n2,19\n4,35\n4,36\n";
        let err = load_points(three, "u.csv").unwrap_err().to_string();
        assert!(
            err.starts_with("u.csv line 5 column 1 (concurrency): only 3 distinct"),
            "{err}"
        );
        let zero = "concurrency,throughput_per_s\n1,10\n2,0\n4,35\n8,60\n";
        let err = load_points(zero, "u.csv").unwrap_err().to_string();
        assert!(
            err.starts_with("u.csv line 3 column 2 (throughput_per_s): must be greater than 0"),
            "{err}"
        );
        // Without a header the first row is not silently dropped.
        let headless = "1,10\n2,19\n4,35\n8,60\n";
        let err = load_points(headless, "u.csv").unwrap_err().to_string();
        assert!(err.starts_with("u.csv line 1 column 1: no header row"), "{err}");
    }
}
