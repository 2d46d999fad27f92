//! The human view: comfy-table with human units, fitted to a width.

use super::wrap::{chars, widest_line, wrapped};
use super::{Field, Record, TableView, Unit, Value};
use crate::quantity::{
    format_bytes, format_count, format_duration, format_percent, format_rate, format_thousands, format_usd,
};
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement, Table};

/// A text column (a reason) whose longest cell is longer than this moves
/// below a table that does not fit its width, as numbered notes.
const NOTE_CHARS: usize = 32;
/// The column that keys each row to its note: `[1]`, `[2]`, …
const NOTE_COLUMN: &str = "note";

pub fn render(records: &[Record], view: &TableView, width: Option<usize>) -> String {
    let mut out = String::new();
    if let Some(title) = &view.title {
        out.push_str(&wrapped(title, width, 2));
    }
    match records {
        [one] => out.push_str(&vertical(one, view, width)),
        many => out.push_str(&horizontal(many, view, width)),
    }
    out
}

fn shown<'a>(record: &'a Record, view: &TableView) -> Vec<&'a Field> {
    if view.columns.is_empty() {
        return record.fields.iter().collect();
    }
    view.columns
        .iter()
        .filter_map(|name| record.fields.iter().find(|f| f.name == *name))
        .collect()
}

/// One record: a name/value pair per line reads better than a wide row;
/// its reason goes below the table.
fn vertical(record: &Record, view: &TableView, width: Option<usize>) -> String {
    let mut table = new_table();
    table.set_header(vec!["field", "value"]);
    for field in shown(record, view).into_iter().filter(|f| !is_note(f)) {
        table.add_row(vec![label(field.name), human(field)]);
    }
    align_right(&mut table, 1);
    let mut out = fitted(table, width);
    for field in record.fields.iter().filter(|f| is_note(f)) {
        let line = format!("{}: {}", label(field.name), human(field));
        out.push_str(&wrapped(&line, width, 2));
    }
    out
}

/// Free text (a reason) reads better under a one-record table than in a cell.
fn is_note(field: &Field) -> bool {
    field.name == "reason" && matches!(&field.value, Value::Text(s) if !s.is_empty())
}

/// Many records, a row each. A table wider than `width` moves its long
/// texts to notes, then drops `view.drop_order` columns until it fits,
/// then wraps cells.
fn horizontal(records: &[Record], view: &TableView, width: Option<usize>) -> String {
    let Some(first) = records.first() else {
        return fitted(new_table(), None);
    };
    let columns: Vec<&'static str> = shown(first, view).iter().map(|f| f.name).collect();
    let full = fitted(grid(records, &columns), None);
    let Some(width) = width.filter(|w| widest_line(&full) > *w) else {
        return full;
    };
    let noted = move_long_texts(records, &columns);
    let mut columns = noted.columns;
    let mut text = fitted(grid(&noted.records, &columns), None);
    for name in &view.drop_order {
        if widest_line(&text) <= width {
            break;
        }
        if columns.contains(name) {
            columns.retain(|c| c != name);
            text = fitted(grid(&noted.records, &columns), None);
        }
    }
    if widest_line(&text) > width {
        text = fitted(grid(&noted.records, &columns), Some(width));
    }
    for (i, note) in noted.notes.iter().enumerate() {
        let key = format!("[{}] ", i + 1);
        text.push_str(&wrapped(&format!("{key}{note}"), Some(width), chars(&key)));
    }
    text
}

/// Records whose long text columns are replaced by a `note` key, the
/// columns to show, and the notes (one per distinct text, in order).
struct Noted {
    records: Vec<Record>,
    columns: Vec<&'static str>,
    notes: Vec<String>,
}

fn move_long_texts(records: &[Record], columns: &[&'static str]) -> Noted {
    // The first column names the row; it stays whatever its length.
    let long: Vec<&'static str> = columns
        .iter()
        .skip(1)
        .copied()
        .filter(|name| is_long_text(records, name))
        .collect();
    let mut notes: Vec<String> = Vec::new();
    let keyed = records
        .iter()
        .map(|record| {
            let text = note_text(record, &long);
            let key = if text.is_empty() {
                String::new()
            } else {
                let index = notes.iter().position(|n| *n == text).unwrap_or_else(|| {
                    notes.push(text);
                    notes.len() - 1
                });
                format!("[{}]", index + 1)
            };
            let mut kept = record.clone();
            kept.fields.retain(|f| !long.contains(&f.name));
            kept.text(NOTE_COLUMN, key)
        })
        .collect();
    let mut shown: Vec<&'static str> = Vec::new();
    for name in columns {
        if !long.contains(name) {
            shown.push(name);
        } else if !notes.is_empty() && !shown.contains(&NOTE_COLUMN) {
            shown.push(NOTE_COLUMN);
        }
    }
    Noted {
        records: keyed,
        columns: shown,
        notes,
    }
}

fn is_long_text(records: &[Record], name: &str) -> bool {
    records
        .iter()
        .flat_map(|r| &r.fields)
        .any(|f| f.name == name && f.unit == Unit::Plain && matches!(&f.value, Value::Text(s) if chars(s) > NOTE_CHARS))
}

/// A record's long texts as one note (each named when there are several).
fn note_text(record: &Record, long: &[&'static str]) -> String {
    let parts: Vec<String> = long
        .iter()
        .filter_map(|name| match record.get(name) {
            Some(Value::Text(s)) if !s.is_empty() && long.len() > 1 => Some(format!("{}: {s}", label(name))),
            Some(Value::Text(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        })
        .collect();
    parts.join("; ")
}

/// The rows of `records`, showing `columns` in that order.
fn grid(records: &[Record], columns: &[&'static str]) -> Table {
    let mut table = new_table();
    let fields = |record: &Record| -> Vec<Field> {
        columns
            .iter()
            .filter_map(|name| record.fields.iter().find(|f| f.name == *name).cloned())
            .collect()
    };
    let Some(first) = records.first().map(fields) else {
        return table;
    };
    table.set_header(first.iter().map(|f| label(f.name)).collect::<Vec<_>>());
    for record in records {
        table.add_row(fields(record).iter().map(human).collect::<Vec<_>>());
    }
    for (i, column) in first.iter().enumerate() {
        if column.unit != Unit::Plain {
            align_right(&mut table, i);
        }
    }
    table
}

/// The table as text ending in a newline; with a width, cells wrap so
/// that it fits (as far as the longest word allows).
fn fitted(mut table: Table, width: Option<usize>) -> String {
    if let Some(width) = width {
        table.set_content_arrangement(ContentArrangement::Dynamic);
        table.set_width(u16::try_from(width).unwrap_or(u16::MAX));
    }
    let mut text = table.to_string();
    text.push('\n');
    text
}

fn new_table() -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table
}

fn align_right(table: &mut Table, index: usize) {
    if let Some(column) = table.column_mut(index) {
        column.set_cell_alignment(CellAlignment::Right);
    }
}

/// A field name without its unit suffix: the table shows the unit instead.
fn label(name: &str) -> String {
    let base = ["_usd_per_month", "_per_s", "_bytes", "_s"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name);
    let mut text = base.replace('_', " ");
    if name.ends_with("_usd_per_month") || name == "usd_per_month" {
        text = if base == name {
            "$/month".to_string()
        } else {
            format!("{text} $/month")
        };
    }
    text
}

/// The value in human units.
pub fn human(field: &Field) -> String {
    match &field.value {
        Value::Null => "—".to_string(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Text(s) => s.clone(),
        Value::Int(n) if field.unit == Unit::Count => format_count(*n as f64),
        Value::Int(n) => format_thousands(*n as f64),
        Value::Float(x) => match field.unit {
            Unit::Seconds => format_duration(*x),
            Unit::Bytes => format_bytes(*x),
            Unit::PerSecond => format_rate(*x),
            Unit::Fraction => format_percent(*x),
            Unit::Usd => format_usd(*x),
            Unit::Count => format_count(*x),
            Unit::Whole => format_thousands(*x),
            Unit::Plain => plain(*x),
        },
    }
}

/// A plain number: whole with separators from 1,000, else up to four
/// decimals without trailing zeros (never a trailing dot: `120`, not
/// `120.`); below 0.0001, three significant digits.
pub fn plain(x: f64) -> String {
    if x.abs() >= 1000.0 {
        format_thousands(x)
    } else if x != 0.0 && x.abs() < 1e-4 {
        format!("{x:.2e}")
    } else {
        let text = format!("{x:.4}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text == "-0" { "0" } else { text }.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(unit: Unit, value: Value) -> String {
        human(&Field { name: "x", unit, value })
    }

    #[test]
    fn plain_numbers_have_no_trailing_dot() {
        for (x, want) in [
            (120.00000000000001, "120"),
            (2.0, "2"),
            (1.32671, "1.3267"),
            (0.9, "0.9"),
            (20_000.0, "20,000"),
            (0.0, "0"),
            (-0.0, "0"),
            (3.2e-7, "3.20e-7"),
        ] {
            assert_eq!(shown(Unit::Plain, Value::Float(x)), want, "{x}");
        }
    }

    #[test]
    fn whole_counts_read_as_counts() {
        assert_eq!(shown(Unit::Count, Value::Int(15_500_000)), "15.5M");
        assert_eq!(shown(Unit::Whole, Value::Int(15_500_000)), "15,500,000");
    }
}
