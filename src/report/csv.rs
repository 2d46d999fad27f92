//! CSV and TSV: a header row of field names, full-precision SI values,
//! empty cells for values that do not exist.

use super::{Record, Value};

pub fn render(records: &[Record], delimiter: u8) -> String {
    let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    if let Some(first) = records.first() {
        let header: Vec<&str> = first.fields.iter().map(|f| f.name).collect();
        let _ = writer.write_record(&header);
    }
    for record in records {
        let cells: Vec<String> = record.fields.iter().map(|f| cell(&f.value)).collect();
        let _ = writer.write_record(&cells);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

fn cell(value: &Value) -> String {
    match value {
        // `{}` on f64 prints the shortest text that reads back exactly.
        Value::Float(x) if x.is_finite() => format!("{x}"),
        Value::Float(_) | Value::Null => String::new(),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Text(s) => s.clone(),
    }
}
