//! The human view: comfy-table with human units.

use super::{Field, Record, TableView, Unit, Value};
use crate::quantity::{
    format_bytes, format_count, format_duration, format_percent, format_rate, format_thousands, format_usd,
};
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, Table};

pub fn render(records: &[Record], view: &TableView) -> String {
    let mut out = String::new();
    if let Some(title) = &view.title {
        out.push_str(title);
        out.push('\n');
    }
    let table = match records {
        [one] => vertical(one, view),
        many => horizontal(many, view),
    };
    out.push_str(&table.to_string());
    out.push('\n');
    if let [one] = records {
        for field in one.fields.iter().filter(|f| is_note(f)) {
            out.push_str(&format!("{}: {}\n", label(field.name), human(field)));
        }
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

/// One record: a name/value pair per line reads better than a wide row.
fn vertical(record: &Record, view: &TableView) -> Table {
    let mut table = new_table();
    table.set_header(vec!["field", "value"]);
    for field in shown(record, view).into_iter().filter(|f| !is_note(f)) {
        table.add_row(vec![label(field.name), human(field)]);
    }
    align_right(&mut table, 1);
    table
}

/// Free text (a reason) reads better under a one-record table than in a cell.
fn is_note(field: &Field) -> bool {
    field.name == "reason" && matches!(&field.value, Value::Text(s) if !s.is_empty())
}

fn horizontal(records: &[Record], view: &TableView) -> Table {
    let mut table = new_table();
    let Some(first) = records.first() else {
        return table;
    };
    let columns = shown(first, view);
    table.set_header(columns.iter().map(|f| label(f.name)).collect::<Vec<_>>());
    for record in records {
        table.add_row(shown(record, view).into_iter().map(human).collect::<Vec<_>>());
    }
    for (i, column) in columns.iter().enumerate() {
        if column.unit != Unit::Plain {
            align_right(&mut table, i);
        }
    }
    table
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

fn plain(x: f64) -> String {
    if x.abs() >= 1000.0 {
        format_thousands(x)
    } else if x == x.trunc() {
        format!("{x:.0}")
    } else {
        format!("{x:.4}").trim_end_matches('0').to_string()
    }
}
