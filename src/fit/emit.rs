//! The workload TOML fragment `fit demand --emit-workload` writes: one
//! service-time key per tier whose name maps to one, each line commented
//! with the data it came from. `plan --workload FILE` reads it (keys it
//! leaves out keep their built-in values). Pure: returns text.

use super::demand::{TierEstimate, CONFIDENCE, SATURATED_UTILIZATION};
use super::percent;
use crate::quantity::{format_duration, format_percent};

/// Tier names (lower case, `-` read as `_`) and the workload key their
/// demand sets. A tier may also be named by the key itself (`web_cpu`).
///
/// The throughput of a tier is what the key counts: dynamic requests for
/// `web`, static requests for `static`, queries for the database keys,
/// operations for `cache` and `session`, jobs for `worker`.
pub const TIER_KEYS: [(&str, &str); 12] = [
    ("web", "web_cpu"),
    ("static", "static_cpu"),
    ("db_read", "db_read"),
    ("db_replica", "db_read"),
    ("db_write", "db_write"),
    ("db_primary", "db_write"),
    ("cache", "cache_op"),
    ("session", "session_op"),
    ("worker", "job_cpu"),
    ("job", "job_cpu"),
    ("enqueue", "enqueue_cpu"),
    ("queue", "enqueue_cpu"),
];

/// The workload's per-request service-time keys (src/workload.rs).
pub const SERVICE_KEYS: [&str; 8] = [
    "web_cpu",
    "static_cpu",
    "db_read",
    "db_write",
    "cache_op",
    "session_op",
    "job_cpu",
    "enqueue_cpu",
];

/// The workload key a tier's demand sets, if its name maps to one.
pub fn workload_key(tier: &str) -> Option<&'static str> {
    let name = tier.trim().to_lowercase().replace('-', "_");
    SERVICE_KEYS
        .iter()
        .copied()
        .find(|k| *k == name)
        .or_else(|| TIER_KEYS.iter().find(|(t, _)| *t == name).map(|(_, k)| *k))
}

/// Why a tier has no key, in a sentence.
fn unmapped_reason(tier: &str) -> String {
    let name = tier.trim().to_lowercase();
    if name == "db" || name == "database" {
        return "a db tier mixes reads and writes; name the replicas' windows db-read and the primary's db-write to set db_read and db_write".into();
    }
    let names: Vec<&str> = TIER_KEYS.iter().map(|(t, _)| *t).collect();
    format!(
        "no workload key for this tier name; use one of {} (or a key: {})",
        names.join(", "),
        SERVICE_KEYS.join(", ")
    )
}

/// The TOML text: a header saying how the values were made, then per tier
/// either `key = "…"  # provenance` or a comment saying why not.
pub fn workload_fragment(estimates: &[TierEstimate], source: &str) -> String {
    let mut out = format!(
        "# Service demands fitted by `scaleplan fit demand --measurements {source}`:\n\
         # the Utilization Law U = U0 + X·D/c by least squares over each tier's windows\n\
         # (utilization below {}), D with its {} interval. Read it with\n\
         # `scaleplan plan --workload FILE`; keys not set here keep their built-in values.\n",
        percent(SATURATED_UTILIZATION),
        percent(CONFIDENCE)
    );
    let mut written: Vec<(&str, &str)> = Vec::new();
    for e in estimates {
        out.push_str(&tier_line(e, &mut written));
        out.push('\n');
    }
    out
}

fn tier_line<'a>(e: &'a TierEstimate, written: &mut Vec<(&'static str, &'a str)>) -> String {
    let tier = &e.tier;
    let Some(key) = workload_key(tier) else {
        return format!("# tier {tier}: not written: {}", unmapped_reason(tier));
    };
    if let Some((_, earlier)) = written.iter().find(|(k, _)| *k == key) {
        return format!("# tier {tier}: not written: tier {earlier} already set {key}");
    }
    let Some(d) = e.demand.filter(|d| d.demand_s > 0.0) else {
        let why = e.notes.last().map_or("no estimate", String::as_str);
        return format!("# tier {tier}: {key} not written: {why}");
    };
    written.push((key, tier));
    format!("{key} = \"{}\"  # {}", duration_text(d.demand_s), provenance(e))
}

/// `tier web: 28 windows (line 2 … line 31), U0 3.1%, R² 0.9981, 95% interval …`.
fn provenance(e: &TierEstimate) -> String {
    let Some(d) = e.demand else {
        return String::new();
    };
    let span = match (e.used_origins.first(), e.used_origins.last()) {
        (Some(a), Some(b)) if a != b => format!(" ({a} … {b})"),
        (Some(a), _) => format!(" ({a})"),
        _ => String::new(),
    };
    let mut text = format!(
        "tier {}: {} windows{span}, U0 {}, R² {}, {} interval {} … {}",
        e.tier,
        e.used,
        format_percent(d.background_utilization),
        d.r_squared.map_or("—".to_string(), |r| format!("{r:.4}")),
        percent(CONFIDENCE),
        format_duration(d.demand_low_s),
        format_duration(d.demand_high_s)
    );
    if let Some(l) = &e.latency {
        text.push_str(&format!("; latency fit: service {}", format_duration(l.service_time_s)));
        if let Some(cv) = l.service_cv {
            text.push_str(&format!(", cv {cv:.2}"));
        }
    }
    for note in &e.notes {
        text.push_str("; ");
        text.push_str(note);
    }
    text
}

/// A duration the workload parser reads, six significant digits: `20.0412ms`.
pub fn duration_text(seconds: f64) -> String {
    let (value, unit) = if seconds >= 1.0 {
        (seconds, "s")
    } else if seconds >= 1e-3 {
        (seconds * 1e3, "ms")
    } else {
        (seconds * 1e6, "us")
    };
    let digits_before = value.abs().log10().floor().max(0.0) as usize + 1;
    let decimals = 6usize.saturating_sub(digits_before);
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::demand::DemandFit;
    use crate::quantity::parse_duration_s;

    #[test]
    fn tier_names_map_to_keys() {
        assert_eq!(workload_key("web"), Some("web_cpu"));
        assert_eq!(workload_key("DB-Read"), Some("db_read"));
        assert_eq!(workload_key("db-primary"), Some("db_write"));
        assert_eq!(workload_key("cache_op"), Some("cache_op"));
        assert_eq!(workload_key("db"), None);
        assert!(unmapped_reason("db").contains("db-read"));
    }

    #[test]
    fn durations_read_back_to_six_digits() {
        for s in [0.0200412345, 0.000099873, 1.5, 0.001, 0.25, 3e-6] {
            let text = duration_text(s);
            let back = parse_duration_s(&text).unwrap();
            assert!((back / s - 1.0).abs() < 5e-6, "{s} → {text} → {back}");
        }
        assert_eq!(duration_text(0.0200412345), "20.0412ms");
        assert_eq!(duration_text(0.000099873), "99.873us");
    }

    #[test]
    fn the_fragment_comments_every_line_and_skips_what_it_cannot_set() {
        let d = DemandFit {
            demand_s: 0.02,
            demand_low_s: 0.019,
            demand_high_s: 0.021,
            demand_se_s: 0.0005,
            background_utilization: 0.05,
            r_squared: Some(0.99),
        };
        let tier = |name: &str, demand: Option<DemandFit>| TierEstimate {
            tier: name.into(),
            windows: 12,
            used: 12,
            saturated: 0,
            used_origins: vec!["line 2".into(), "line 13".into()],
            demand,
            latency: None,
            enough_windows: true,
            notes: Vec::new(),
        };
        let text = workload_fragment(
            &[
                tier("web", Some(d)),
                tier("db", Some(d)),
                tier("web_cpu", Some(d)),
                tier("cache", None),
            ],
            "m.csv",
        );
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("# ") || l.starts_with("# tier "))
            .collect();
        assert!(
            lines[0].starts_with("web_cpu = \"20ms\"  # tier web: 12 windows (line 2 … line 13)"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("# tier db: not written: a db tier mixes"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("# tier web_cpu: not written: tier web already set web_cpu"),
            "{text}"
        );
        assert!(lines[3].starts_with("# tier cache: cache_op not written"), "{text}");
        let table: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(table.len(), 1);
    }
}
