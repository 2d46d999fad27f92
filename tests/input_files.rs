//! Issue 13, items 1 and 5, in the input files: every key of the workload,
//! targets and stage model files is found from the file schema itself (the
//! list serde gives for an unknown key), every number column of the catalog
//! and prices files from their headers, and each one
//!
//! - has a kind and a range in `ranges` (and the table has nothing else);
//! - given a bare number where it needs a unit, exits 2 with one line naming
//!   the file, the line and the key, the text, and the fix in quotes;
//! - given a value outside its range, exits 2 with one line naming the file,
//!   line and key (column for CSV) and the range.

mod common;

use common::{scaleplan, temp_file};
use scaleplan::cost::{CATALOG_HEADER_COMMITTED as CATALOG_HEADER, PRICES_HEADER};
use scaleplan::ranges::{self, Input, Kind, Range};
use std::collections::BTreeSet;

/// The keys serde expects, read from its error for an unknown key.
fn schema_keys(flag: &str, file_text: &str) -> BTreeSet<String> {
    let path = temp_file(&format!("schema-{}.toml", flag.trim_start_matches('-')), file_text);
    let (code, _, err) = scaleplan(&["plan", flag, &path]);
    assert_eq!(code, 2, "{err}");
    let list = err.split("expected one of").nth(1).unwrap_or_else(|| panic!("{err}"));
    list.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

fn table_names(table: &[Input]) -> BTreeSet<String> {
    table.iter().map(|i| i.name.to_string()).collect()
}

/// Runs `plan <flag> <file>`; asserts exit 2 and one line; the line.
fn refused(flag: &str, name: &str, text: &str) -> (String, String) {
    let path = temp_file(name, text);
    let (code, out, err) = scaleplan(&["plan", flag, &path, "--stage", "cache"]);
    assert_eq!(code, 2, "{flag} {text:?} should exit 2: {out}{err}");
    assert_eq!(err.lines().count(), 1, "{text:?}: one line: {err:?}");
    (path, err.trim_end().to_string())
}

/// A range's value as a TOML value: quoted unless a plain number.
fn toml_value(text: &str) -> String {
    match text.parse::<f64>() {
        Ok(_) => text.to_string(),
        Err(_) => format!("\"{text}\""),
    }
}

/// Values outside a range that its kind can write (see tests/input_rule.rs).
fn outside_values(range: &Range) -> Vec<f64> {
    let mut values = Vec::new();
    if !matches!(range.kind, Kind::Fraction | Kind::Mix) {
        values.push(range.max * 10.0);
    }
    if range.max_open {
        values.push(range.max);
    }
    if range.min_open {
        values.push(range.min);
    } else if range.kind == Kind::Whole && range.min >= 1.0 {
        values.push(range.min - 1.0);
    } else if range.min > 0.0 {
        values.push(range.min / 10.0);
    }
    values
}

/// The same, written as the kind writes them (`10T`, `2h`, `0.1%`).
fn outside(range: &Range) -> Vec<String> {
    outside_values(range).into_iter().map(|v| range.kind.write(v)).collect()
}

/// For a flat file (workload, targets): every key with a unit refuses a
/// bare number, and every key refuses values outside its range.
fn check_flat_file(flag: &str, table: &'static [Input]) {
    for input in table {
        let key = input.name;
        if input.needs_unit() && !ranges::names_its_unit(key) {
            let (path, err) = refused(flag, &format!("{key}.toml"), &format!("# first line\n{key} = 250\n"));
            let want = format!("error: {path} line 2: key `{key}`: \"250\" has no unit; write \"250");
            assert!(err.starts_with(&want), "{err}\nwanted: {want}…");
        }
        for text in outside(&input.range) {
            let value = toml_value(&text);
            let (path, err) = refused(flag, &format!("{key}.toml"), &format!("{key} = {value}\n"));
            let want = format!(
                "error: {path} line 1: key `{key}`: \"{text}\" is out of range; give {}",
                input.describe()
            );
            assert_eq!(err, want);
        }
    }
}

#[test]
fn workload_keys_are_exactly_the_table() {
    let keys = schema_keys("--workload", "no_such_key = 1\n");
    assert_eq!(keys, table_names(ranges::WORKLOAD));
}

#[test]
fn targets_keys_are_exactly_the_table() {
    let keys = schema_keys("--targets", "no_such_key = 1\n");
    assert_eq!(keys, table_names(ranges::TARGETS));
}

#[test]
fn every_workload_key_needs_its_unit_and_stays_in_range() {
    check_flat_file("--workload", ranges::WORKLOAD);
}

#[test]
fn every_targets_key_needs_its_unit_and_stays_in_range() {
    check_flat_file("--targets", ranges::TARGETS);
}

#[test]
fn a_key_that_names_its_unit_takes_a_plain_number_in_that_unit() {
    let keyed: Vec<&str> = ranges::WORKLOAD
        .iter()
        .filter(|i| i.needs_unit() && ranges::names_its_unit(i.name))
        .map(|i| i.name)
        .collect();
    assert_eq!(keyed, ["log_bytes_per_request"]);
    let path = temp_file("log-bytes.toml", "log_bytes_per_request = 250\n");
    let (code, _, err) = scaleplan(&["plan", "--workload", &path, "--stage", "cache"]);
    assert_eq!(code, 0, "{err}");
}

/// Keys of a stage file that hold no number.
const MODEL_TEXT_KEYS: [&str; 18] = [
    "policy",
    "db_hosting",
    "sticky_sessions",
    "usl",
    "cache_growth_horizon",
    "id",
    "title",
    "cdn",
    "autoscale",
    "monitoring",
    "workers_sized_for",
    "tier",
    "name",
    "kind",
    "scale",
    "family",
    "instance",
    "n_plus_one",
];

const MODEL: &str = include_str!("../models/05-cache.toml");

#[test]
fn model_keys_are_the_table_and_the_text_keys() {
    let stage = schema_keys("--model", "id = \"x\"\ntitle = \"t\"\norder = 1\nno_such_key = 1\n");
    let tier = schema_keys(
        "--model",
        "id = \"x\"\ntitle = \"t\"\norder = 1\n[[tier]]\nno_such_key = 1\n",
    );
    let mut numeric: BTreeSet<String> = stage.union(&tier).cloned().collect();
    for key in MODEL_TEXT_KEYS.iter().chain(["balancer"].iter()) {
        assert!(numeric.remove(*key), "{key} is not a model key");
    }
    assert_eq!(numeric, table_names(ranges::MODEL));
}

/// The cache model with one key's line set to `key = value` (replaced where
/// the model has it, else added after `order`; `min` in the web tier).
fn model_with(key: &str, value: &str) -> (String, usize) {
    let line = format!("{key} = {value}");
    let mut lines: Vec<String> = MODEL.lines().map(str::to_string).collect();
    // Tier keys go in their tier: `min` in the web tier, `max_replicas`
    // in the replica tier, `ttl` in the cache tier.
    let in_tier = |kind: &str| {
        lines
            .iter()
            .position(|l| l == &format!("kind = \"{kind}\""))
            .map(|i| i + 1)
    };
    let tier_key = match key {
        "max_replicas" => in_tier("db-replica"),
        "ttl" => in_tier("cache"),
        _ => None,
    };
    let at = if key == "min" {
        lines
            .iter()
            .position(|l| l.starts_with("min ="))
            .expect("the web tier's min")
    } else if let Some(i) = tier_key {
        lines.insert(i, String::new());
        i
    } else if let Some(i) = lines.iter().position(|l| l.starts_with(&format!("{key} ="))) {
        i
    } else {
        let order = lines.iter().position(|l| l.starts_with("order =")).expect("order");
        lines.insert(order + 1, String::new());
        order + 1
    };
    lines[at] = line;
    (lines.join("\n") + "\n", at + 1)
}

#[test]
fn every_model_key_needs_its_unit_and_stays_in_range() {
    for input in ranges::MODEL {
        let key = input.name;
        let list = |v: String| if key == "dc_split" { format!("[{v}]") } else { v };
        if input.needs_unit() {
            let (text, line) = model_with(key, "250");
            let (path, err) = refused("--model", &format!("model-{key}.toml"), &text);
            let want = format!("error: {path} line {line}: key `{key}`: \"250\" has no unit; write \"250");
            assert!(err.starts_with(&want), "{err}\nwanted: {want}…");
        }
        for out in outside(&input.range) {
            let (text, line) = model_with(key, &list(toml_value(&out)));
            let (path, err) = refused("--model", &format!("model-{key}.toml"), &text);
            let want = format!(
                "error: {path} line {line}: key `{key}`: \"{out}\" is out of range; give {}",
                input.describe()
            );
            assert_eq!(err, want);
        }
    }
}

const CATALOG: &str = include_str!("../data/instances.csv");
const PRICES: &str = include_str!("../data/prices.csv");

/// The header's number columns: all but the text ones.
fn number_columns(header: &[&str], text_columns: &[&str]) -> BTreeSet<String> {
    header
        .iter()
        .filter(|c| !text_columns.contains(c))
        .map(|c| c.to_string())
        .collect()
}

#[test]
fn catalog_and_prices_columns_are_the_tables() {
    assert_eq!(
        number_columns(&CATALOG_HEADER, &["provider", "name", "family"]),
        table_names(ranges::CATALOG)
    );
    assert_eq!(
        number_columns(&PRICES_HEADER, &["item", "unit"]),
        table_names(ranges::PRICES)
    );
}

/// The built-in CSV with the first data row's `column` set to `text`.
fn csv_with(csv: &str, header: &[&str], column: &str, text: &str) -> String {
    let index = header.iter().position(|c| *c == column).expect("column");
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    cells[index] = text.to_string();
    lines[1] = cells.join(",");
    lines.join("\n") + "\n"
}

#[test]
fn every_catalog_and_prices_number_stays_in_range() {
    let files = [
        ("--catalog", CATALOG, &CATALOG_HEADER[..], ranges::CATALOG),
        ("--prices", PRICES, &PRICES_HEADER[..], ranges::PRICES),
    ];
    for (flag, csv, header, table) in files {
        for input in table {
            for out in outside_values(&input.range).into_iter().map(|v| v.to_string()) {
                let text = csv_with(csv, header, input.name, &out);
                let (path, err) = refused(flag, &format!("{}.csv", input.name), &text);
                let want = format!(
                    "error: {path} line 2: column {}: \"{out}\" is out of range; expected {}",
                    input.name,
                    input.describe()
                );
                assert_eq!(err, want);
            }
        }
    }
}

#[test]
fn the_built_in_files_parse_and_use_units() {
    // The workload and targets carry every key, each dimensioned one with
    // its unit (a bare number would not parse).
    for (text, table) in [
        (include_str!("../data/workloads/default.toml"), ranges::WORKLOAD),
        (include_str!("../data/targets.toml"), ranges::TARGETS),
    ] {
        for input in table {
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("{} = ", input.name)))
                .unwrap_or_else(|| panic!("{} is in the built-in file", input.name));
            if input.needs_unit() {
                assert!(line.contains('"'), "{line}");
            }
        }
    }
    scaleplan::workload::Workload::builtin();
    scaleplan::workload::Targets::builtin();
    scaleplan::model::Stage::builtin();
    let (code, _, err) = scaleplan(&["plan", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
}
