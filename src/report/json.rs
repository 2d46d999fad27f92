//! JSON: an array of flat objects, SI units, full precision.

use super::{Record, Value};
use serde_json::{Map, Number, Value as Json};

pub fn render(records: &[Record]) -> String {
    let rows: Vec<Json> = records.iter().map(to_object).collect();
    let mut out = serde_json::to_string_pretty(&Json::Array(rows)).unwrap_or_else(|_| "[]".to_string());
    out.push('\n');
    out
}

fn to_object(record: &Record) -> Json {
    let map: Map<String, Json> = record
        .fields
        .iter()
        .map(|f| (f.name.to_string(), to_json(&f.value)))
        .collect();
    Json::Object(map)
}

fn to_json(value: &Value) -> Json {
    match value {
        // from_f64 refuses NaN and infinity: those become null.
        Value::Float(x) => Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::Int(n) => Json::Number((*n).into()),
        Value::Bool(b) => Json::Bool(*b),
        Value::Text(s) => Json::String(s.clone()),
        Value::Null => Json::Null,
    }
}
