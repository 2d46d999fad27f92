//! One record type and one renderer per format. Every command builds
//! `Vec<Record>`; `render` turns it into a table, CSV, TSV or JSON.

mod csv;
mod json;
mod table;
pub mod wrap;

pub use table::human as format_human;
pub use table::plain as format_plain;

use std::str::FromStr;

/// How a value reads: the table uses it to pick human units; machine
/// formats always carry SI base units and say so in the field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Plain number or text.
    Plain,
    Seconds,
    Bytes,
    PerSecond,
    /// A ratio in 0..1, shown as a percentage.
    Fraction,
    Usd,
    /// A large count shown as `12.5k`, `3.2M`.
    Count,
    /// A whole count shown with separators: `1,234`.
    Whole,
}

/// One scalar. `Null` stands for a value that does not exist (an unstable
/// queue's wait): JSON `null`, an empty CSV cell, `—` in a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Float(f64),
    Int(u64),
    Bool(bool),
    Text(String),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub unit: Unit,
    pub value: Value,
}

/// A flat, ordered set of named scalars: one row of output.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub fields: Vec<Field>,
}

impl Record {
    pub fn new() -> Record {
        Record::default()
    }

    fn push(mut self, name: &'static str, unit: Unit, value: Value) -> Record {
        self.fields.push(Field { name, unit, value });
        self
    }

    /// A float; a non-finite value becomes `Null` so that no NaN or
    /// infinity ever reaches the output.
    pub fn float(self, name: &'static str, unit: Unit, value: f64) -> Record {
        let value = if value.is_finite() {
            Value::Float(value)
        } else {
            Value::Null
        };
        self.push(name, unit, value)
    }

    pub fn opt_float(self, name: &'static str, unit: Unit, value: Option<f64>) -> Record {
        match value {
            Some(v) => self.float(name, unit, v),
            None => self.push(name, unit, Value::Null),
        }
    }

    /// A count of things (users, keys): a whole number in every format,
    /// rounded to the nearest; shown as `15.5M` in a table. A count that
    /// is not finite becomes `Null`; a negative one, 0.
    pub fn count(self, name: &'static str, value: f64) -> Record {
        self.opt_count(name, Some(value))
    }

    pub fn opt_count(self, name: &'static str, value: Option<f64>) -> Record {
        let whole = value.filter(|v| v.is_finite()).map(|v| v.round().max(0.0) as u64);
        self.push(name, Unit::Count, whole.map_or(Value::Null, Value::Int))
    }

    pub fn int(self, name: &'static str, value: u64) -> Record {
        self.push(name, Unit::Whole, Value::Int(value))
    }

    pub fn opt_int(self, name: &'static str, value: Option<u64>) -> Record {
        self.push(name, Unit::Whole, value.map_or(Value::Null, Value::Int))
    }

    pub fn boolean(self, name: &'static str, value: bool) -> Record {
        self.push(name, Unit::Plain, Value::Bool(value))
    }

    pub fn opt_bool(self, name: &'static str, value: Option<bool>) -> Record {
        self.push(name, Unit::Plain, value.map_or(Value::Null, Value::Bool))
    }

    pub fn text(self, name: &'static str, value: impl Into<String>) -> Record {
        self.push(name, Unit::Plain, Value::Text(value.into()))
    }

    pub fn opt_text(self, name: &'static str, value: Option<String>) -> Record {
        self.push(name, Unit::Plain, value.map_or(Value::Null, Value::Text))
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|f| f.name == name).map(|f| &f.value)
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Tsv,
    Json,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "json" => Ok(Format::Json),
            _ => Err(format!("\"{s}\" is not a format; use table, csv, tsv or json")),
        }
    }
}

/// What the table shows; machine formats ignore it and print every field.
#[derive(Debug, Clone, Default)]
pub struct TableView {
    /// Fields to show, in order; empty means all.
    pub columns: Vec<&'static str>,
    /// A title printed above the table.
    pub title: Option<String>,
    /// Columns a reader can do without, in the order they leave a table
    /// too wide for its width (after long texts have moved to notes).
    pub drop_order: Vec<&'static str>,
}

/// Renders records in the chosen format. Output ends with a newline.
///
/// `width` is the most characters a table line may take (`None`: no
/// limit, every column on one row). A table wider than that first moves
/// its long texts (reasons) below it as numbered notes keyed from a
/// `note` column, then drops the view's `drop_order` columns one by one,
/// then wraps cells; titles and notes wrap at spaces. Machine formats
/// ignore the width.
pub fn render(records: &[Record], format: Format, view: &TableView, width: Option<usize>) -> String {
    match format {
        Format::Table => table::render(records, view, width),
        Format::Csv => csv::render(records, b','),
        Format::Tsv => csv::render(records, b'\t'),
        Format::Json => json::render(records),
    }
}
