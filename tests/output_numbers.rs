//! Numbers as people read them (issue 13): counts are integers in JSON and
//! CSV, field names carry their unit, and tables print one precision rule
//! for percentages, no trailing dot, and sub-microsecond times in ns.

mod common;

use common::{json_rows, scaleplan};

/// Commands and the count fields each prints.
const COUNTED: [(&str, &[&str]); 8] = [
    (
        "plan --users 2.5M",
        &["users", "dau", "servers", "stage_order", "ceiling_users"],
    ),
    (
        "plan --users 123456 --level tier",
        &["users", "servers", "cores_per_server"],
    ),
    ("sweep --users 1k..1B --points 7 --all-stages", &["users", "servers"]),
    (
        "ladder",
        &["ceiling_users", "capacity_ceiling_users", "ceiling_servers"],
    ),
    (
        "cache --keys 2000 --zipf 1 --policy ttl-reset --ttl 5s --request-rate 100/s",
        &["keys", "capacity_items"],
    ),
    (
        "cache --keys 50M --zipf 0.9 --target-hit 95% --object-size 1KiB",
        &["keys", "capacity_items"],
    ),
    (
        "replicas --read-rate 40k/s --write-rate 400/s --read-time 1ms --write-time 2ms --instance r7i.2xlarge",
        &["replicas"],
    ),
    (
        "shards --shards 20 --keys 200M --zipf 0.9 --placement consistent",
        &["shards", "keys", "vnodes"],
    ),
];

fn run(command: &str, format: &str) -> String {
    let mut args: Vec<&str> = command.split_whitespace().collect();
    args.extend(["--format", format]);
    let (code, out, err) = scaleplan(&args);
    assert_eq!(code, 0, "{command}: {err}");
    out
}

#[test]
fn counts_are_integers_in_json_and_csv() {
    for (command, fields) in COUNTED {
        let rows = json_rows(&run(command, "json"));
        for row in &rows {
            for field in fields {
                let value = &row[*field];
                assert!(value.is_u64() || value.is_null(), "{command}: {field} = {value}");
            }
        }
        let csv = run(command, "csv");
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        for record in reader.records() {
            let record = record.unwrap();
            for field in fields {
                let i = header.iter().position(|h| h == field).unwrap();
                let cell = &record[i];
                assert!(
                    cell.is_empty() || cell.parse::<u64>().is_ok(),
                    "{command}: {field} = {cell}"
                );
            }
        }
    }
}

#[test]
fn field_names_carry_their_unit() {
    let cache = &json_rows(&run(
        "cache --keys 10M --zipf 0.9 --capacity 1M --request-rate 1k/s",
        "json",
    ))[0];
    assert!(
        cache["characteristic_time_s"].as_f64().is_some_and(|t| t > 0.0),
        "{cache:?}"
    );
    assert_eq!(cache["zipf_exponent"].as_f64(), Some(0.9));
    assert!(!cache.contains_key("characteristic_time") && !cache.contains_key("zipf_s"));
    let shards = &json_rows(&run(
        "shards --shards 4 --keys 1M --zipf 1 --stored 100GB --shard-storage 200GB --growth 10GB",
        "json",
    ))[0];
    // Seconds: more than a month at 10 GB a month over 4 shards.
    let full = shards["time_to_full_s"].as_f64().unwrap();
    assert!(full > 30.0 * 86_400.0, "{shards:?}");
    assert!(!shards.contains_key("months_to_full"), "{shards:?}");
}

/// Every line of a table command's output.
fn table(command: &str) -> String {
    let args: Vec<&str> = command.split_whitespace().collect();
    let (code, out, err) = scaleplan(&args);
    assert_eq!(code, 0, "{command}: {err}");
    out
}

#[test]
fn tables_show_numbers_one_way() {
    let queue = table("queue --arrival-rate 12k/s --service-time 10ms --max-util 0.8");
    assert!(queue.contains("120 "), "offered load 120: {queue}");
    let stable = table("queue --arrival-rate 2M/s --service-time 10ms --max-util 0.8 --p99 50ms");
    assert!(!stable.contains("0.00 ns") && !stable.contains(" 0 ms"), "{stable}");
    assert!(stable.contains("< 1 ns") && stable.contains("0 s"), "{stable}");
    let tiers = table("plan --users 10M --stage message-queue --wide");
    assert!(!tiers.contains("100.0%") && !tiers.contains(" 100% "), "{tiers}");
    let cache = table("cache --keys 50M --zipf 0.9 --capacity 49999990");
    assert!(cache.contains("99.999997%") && cache.contains("0.000003%"), "{cache}");
    for command in [
        "plan --users 100M --wide",
        "plan --users 1k --level tier --wide",
        "shards --shards 20 --keys 200M --zipf 0.9 --rate 300k/s",
        "queue --arrival-rate 12k/s --service-time 10ms --max-util 0.8",
        "cache --keys 10M --zipf 0.9 --capacity 1M --request-rate 1k/s",
    ] {
        let out = table(command);
        for word in out.split(|c: char| c.is_whitespace() || c == '│' || c == '┆') {
            let bare = word.trim_end_matches(['%', ',', ';', ')']);
            assert!(
                !(bare.ends_with('.') && bare.len() > 1 && bare[..bare.len() - 1].chars().all(|c| c.is_ascii_digit())),
                "{command}: a number with a trailing dot: {word:?}"
            );
        }
    }
}
