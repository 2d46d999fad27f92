//! The README's list of input ranges is the table in `src/ranges.rs`: this
//! test renders the table and compares it with the block between the
//! `ranges:begin` and `ranges:end` markers (on a mismatch it prints the
//! block to paste).

use scaleplan::ranges::{Input, Kind, TABLES};

/// What a kind takes, in the README's words.
fn takes(input: &Input) -> String {
    let one = |kind: Kind| match kind {
        Kind::Count => "count",
        Kind::Whole => "whole number",
        Kind::Number => "number",
        Kind::Fraction => "fraction or %",
        Kind::Mix => "reads:writes or %",
        Kind::Duration => "duration + unit",
        Kind::Bytes => "size + unit",
        Kind::Rate => "rate + unit",
        Kind::Bandwidth => "bandwidth + unit",
    };
    input.ranges().map(|r| one(r.kind)).collect::<Vec<_>>().join(" or ")
}

/// One markdown table per source, rows of equal kind and range merged.
fn rendered() -> String {
    let mut out = String::new();
    for (source, table) in TABLES {
        let mut rows: Vec<(Vec<String>, String, String)> = Vec::new();
        for input in table {
            let (what, range) = (takes(input), input.describe());
            match rows.iter_mut().find(|(_, w, r)| *w == what && *r == range) {
                Some((names, _, _)) => names.push(format!("`{}`", input.name)),
                None => rows.push((vec![format!("`{}`", input.name)], what, range)),
            }
        }
        out.push_str(&format!("\n{source}:\n\n| name | takes | range |\n|---|---|---|\n"));
        for (names, what, range) in rows {
            out.push_str(&format!("| {} | {what} | {range} |\n", names.join(" ")));
        }
    }
    out
}

#[test]
fn readme_lists_every_range() {
    let readme = include_str!("../README.md");
    let begin = "<!-- ranges:begin (tests/readme_ranges.rs) -->\n";
    let end = "<!-- ranges:end -->";
    let start = readme.find(begin).expect("the README has the ranges:begin marker") + begin.len();
    let stop = readme[start..].find(end).expect("the README has the ranges:end marker") + start;
    let want = rendered();
    assert!(readme[start..stop] == want, "paste this between the markers:\n{want}");
}
