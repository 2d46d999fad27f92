//! `plan --level cost`: the bill line by line. Its lines sum to the stage's
//! `usd_per_month`, each line is priced as the price list says (volume
//! bands by hand), and `--commitment` reprices the servers alone.

mod common;

use common::{number, rows_of, scaleplan, Row};
use scaleplan::cost::Catalog;
use scaleplan::model::Stage;
use scaleplan::plan::total_usd;
use scaleplan::workload::Workload;

fn text<'a>(row: &'a Row, field: &str) -> &'a str {
    row[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is {:?}", row[field]))
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn lines_sum_to_the_stage_total_at_1k_1m_and_100m_users() {
    for users in ["1k", "1M", "100M"] {
        let stages = rows_of(&["plan", "--users", users]);
        let lines = rows_of(&["plan", "--users", users, "--level", "cost"]);
        assert_eq!(stages.len(), 10);
        for stage in &stages {
            let id = text(stage, "stage");
            let mine: Vec<&Row> = lines.iter().filter(|l| text(l, "stage") == id).collect();
            match stage["usd_per_month"].as_f64() {
                Some(total) => {
                    let sum: f64 = mine.iter().map(|l| number(l, "usd_per_month")).sum();
                    assert!(close(sum, total, 1e-9), "{users} {id}: lines {sum} vs stage {total}");
                    for line in &mine {
                        let product = number(line, "quantity") * number(line, "usd_per_unit");
                        assert!(close(product, number(line, "usd_per_month"), 1e-12), "{line:?}");
                    }
                    assert!(
                        mine.iter().any(|l| text(l, "line").starts_with("servers")),
                        "{users} {id}"
                    );
                }
                // An infeasible stage runs no system: no bill, a null total.
                None => assert!(mine.is_empty(), "{users} {id}: {} lines", mine.len()),
            }
        }
    }
}

#[test]
fn every_planned_stage_total_is_its_bill_even_when_infeasible() {
    for users in [1e3, 1e6, 1e8] {
        let workload = Workload {
            users,
            ..Workload::builtin()
        };
        for p in common::plan_builtin(&workload) {
            assert!(close(total_usd(&p.bill), p.usd_per_month, 1e-12), "{users} {}", p.id);
            for t in &p.tiers {
                let own: Vec<_> = p.bill.iter().filter(|l| l.tier == t.name).cloned().collect();
                assert!(close(total_usd(&own), t.usd_per_month, 1e-12), "{} {}", p.id, t.name);
            }
        }
    }
}

/// The monthly bytes of dynamic responses at 1M users, by hand: 500k daily
/// users × 100 requests / 86 400 s × 16 kB × 730 h × 3 600 s.
fn dynamic_gb_at_1m() -> f64 {
    500_000.0 * 100.0 / 86_400.0 * 16_000.0 * 730.0 * 3600.0 / 1e9
}

#[test]
fn egress_spanning_two_bands_by_hand() {
    // With a CDN only the dynamic responses leave the servers: 24 333 GB, past the
    // first band (10 TB = 10 240 GB at $0.09) into the second ($0.085).
    let gb = dynamic_gb_at_1m();
    assert!(gb > 10_240.0 && gb < 51_200.0, "{gb}");
    let lines = rows_of(&["plan", "--users", "1M", "--stage", "stateless-web", "--level", "cost"]);
    let egress: Vec<&Row> = lines
        .iter()
        .filter(|l| text(l, "line").starts_with("internet egress"))
        .collect();
    assert_eq!(egress.len(), 2, "{egress:?}");
    assert_eq!(text(egress[0], "line"), "internet egress (first 10 TB)");
    assert_eq!(text(egress[1], "line"), "internet egress (next 40 TB)");
    assert!(close(number(egress[0], "quantity"), 10_240.0, 1e-12));
    assert!(close(number(egress[0], "usd_per_month"), 10_240.0 * 0.09, 1e-12));
    assert!(close(number(egress[1], "quantity"), gb - 10_240.0, 1e-9));
    assert!(close(number(egress[1], "usd_per_month"), (gb - 10_240.0) * 0.085, 1e-9));
    // $921.60 + 14 093.3 GB × $0.085 = $921.60 + $1 197.93.
    let total: f64 = egress.iter().map(|l| number(l, "usd_per_month")).sum();
    assert!((total - 2119.53).abs() < 0.01, "{total}");
}

#[test]
fn commitment_lowers_server_lines_by_the_catalog_ratio_and_nothing_else() {
    let catalog = Catalog::builtin();
    let ratio = |name: &str| {
        let instance = catalog.find(name).unwrap_or_else(|| panic!("{name} in the catalog"));
        instance.usd_per_hour_3yr.unwrap() / instance.usd_per_hour
    };
    let on_demand = rows_of(&["plan", "--users", "1M", "--level", "cost"]);
    let three = rows_of(&["plan", "--users", "1M", "--level", "cost", "--commitment", "3yr"]);
    assert_eq!(on_demand.len(), three.len());
    let mut servers = 0;
    for (a, b) in on_demand.iter().zip(&three) {
        assert_eq!((text(a, "stage"), text(a, "tier")), (text(b, "stage"), text(b, "tier")));
        let line = text(a, "line");
        if let Some(instance) = line.strip_prefix("servers (").and_then(|r| r.strip_suffix(')')) {
            servers += 1;
            assert_eq!(text(b, "line"), format!("servers ({instance}, 3-year commitment)"));
            assert!(close(number(a, "quantity"), number(b, "quantity"), 1e-12), "{a:?}");
            let cut = number(b, "usd_per_month") / number(a, "usd_per_month");
            assert!(
                close(cut, ratio(instance), 1e-9),
                "{line}: {cut} vs {}",
                ratio(instance)
            );
        } else {
            assert_eq!(a, b, "a line that is not servers changed");
        }
    }
    assert!(servers >= 10, "{servers} server lines");
}

#[test]
fn one_stage_table_shows_its_bill_under_its_tiers() {
    let (code, out, err) = scaleplan(&["plan", "--stage", "message-queue"]);
    assert_eq!(code, 0, "{err}");
    let tiers_at = out.find("db-replica").expect("the tier table");
    let bill_at = out.find("bill of message-queue").expect("the bill below");
    assert!(bill_at > tiers_at);
    for line in [
        "servers (c7i.xlarge)",
        "load balancer hours",
        "load balancer data",
        "database storage",
        "internet egress",
        "CDN transfer",
        "CDN requests",
        "inter-DC transfer",
        "queue messages",
        "logs",
        "metrics",
    ] {
        assert!(out[bill_at..].contains(line), "{line} missing:\n{out}");
    }
}

#[test]
fn self_managed_database_is_priced_as_instances_and_block_storage() {
    let model = Stage::builtin_text("db-replication")
        .unwrap()
        .replace("db_hosting = \"managed\"", "db_hosting = \"self-managed\"");
    let path = common::temp_file("self-managed.toml", &model);
    let lines = rows_of(&["plan", "--model", &path, "--level", "cost"]);
    let primary: Vec<&Row> = lines.iter().filter(|l| text(l, "tier") == "db-primary").collect();
    assert!(text(primary[0], "line").starts_with("servers (r7i."), "{primary:?}");
    assert_eq!(text(primary[1], "line"), "database storage");
    assert!(close(number(primary[1], "usd_per_unit"), 0.08, 1e-12));
    // 1M users × 1 MB = 1 000 GB-month on one copy.
    assert!(close(number(primary[1], "quantity"), 1000.0, 1e-12));
    let managed = rows_of(&["plan", "--stage", "db-replication", "--level", "cost"]);
    let storage = managed
        .iter()
        .find(|l| text(l, "tier") == "db-primary" && text(l, "line") == "database storage")
        .unwrap();
    assert!(close(number(storage, "usd_per_unit"), 0.115, 1e-12));
}

#[test]
fn a_catalog_without_committed_or_managed_rows_says_what_it_lacks() {
    let seven_columns: String = include_str!("../data/instances.csv")
        .lines()
        .filter(|l| !l.starts_with("aws,db."))
        .map(|l| l.split(',').take(7).collect::<Vec<_>>().join(",") + "\n")
        .collect();
    let path = common::temp_file("seven-columns.csv", &seven_columns);
    let (code, _, err) = scaleplan(&["plan", "--catalog", &path, "--commitment", "3yr"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--commitment") && err.contains("usd_per_hour_3yr"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let (code, _, err) = scaleplan(&["plan", "--catalog", &path]);
    assert_eq!(code, 2);
    assert!(err.contains("db.r7i") && err.contains("self-managed"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}
