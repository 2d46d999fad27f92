//! How `plan` sized, timed, priced and rated one stage (DESIGN §2–§8).

use super::{accuracy, num, Explanation, Tag};
use crate::availability;
use crate::plan::{dynamic_classes, StagePlan, TierPlan};
use crate::workload::{Targets, Workload};

/// The derivation of one stage's plan.
pub fn explain(w: &Workload, targets: &Targets, stage: &crate::model::Stage, p: &StagePlan) -> Explanation {
    let mut e = Explanation::new(format!("How stage {} was planned (DESIGN §2–§8):", p.id));
    rates(&mut e, w);
    if let Some(h) = p.cache_hit_ratio {
        e.heading("cache");
        e.step(
            "hit ratio",
            "h = Σ_i p_i·(1 − e^(−p_i·T)), Σ_i (1 − e^(−p_i·T)) = C, C the items the cache nodes hold (LRU)",
            h,
            "",
            Tag::Approx(accuracy::CHE),
        );
    }
    for t in &p.tiers {
        tier(&mut e, t);
    }
    if !p.feasible {
        e.note(format!(
            "infeasible: {}; no latency, cost or availability is given for it",
            p.reason
        ));
        return e;
    }
    paths(&mut e, w, stage, p);
    availability_steps(&mut e, p);
    bill(&mut e, p);
    e.heading("verdict");
    e.note(format!(
        "sized for: {}; targets p99 ≤ {} s and availability ≥ {}; meets them: {}",
        p.sized_for,
        num(targets.p99_s),
        num(targets.availability),
        if p.meets_slo { "yes" } else { "no" }
    ));
    e
}

fn rates(e: &mut Explanation, w: &Workload) {
    e.heading("rates (DESIGN §2)");
    let dau = w.dau();
    e.step(
        "daily active users",
        format!("U·f_dau = {} × {}", num(w.users), num(w.dau_fraction)),
        dau,
        "",
        Tag::None,
    );
    let mean = w.mean_rate_per_s();
    e.step(
        "mean rate",
        format!(
            "λ_avg = U·f_dau·r/86 400 = {} × {} / 86400",
            num(dau),
            num(w.requests_per_dau)
        ),
        mean,
        "/s",
        Tag::None,
    );
    let peak = w.peak_rate_per_s();
    e.step(
        "peak rate",
        format!("λ = p·λ_avg = {} × {}", num(w.peak_factor), num(mean)),
        peak,
        "/s",
        Tag::None,
    );
    e.step(
        "reads",
        format!("λ_r = φ·λ = {} × {}", num(w.read_fraction), num(peak)),
        w.read_fraction * peak,
        "/s",
        Tag::None,
    );
    e.step(
        "writes",
        format!("λ_w = (1 − φ)·λ = {} × {}", num(1.0 - w.read_fraction), num(peak)),
        (1.0 - w.read_fraction) * peak,
        "/s",
        Tag::None,
    );
    e.step(
        "static requests",
        format!(
            "p·U·f_dau·r_static/86 400 = {} × {} × {} / 86400",
            num(w.peak_factor),
            num(dau),
            num(w.static_requests_per_dau)
        ),
        w.peak_static_rate_per_s(),
        "/s",
        Tag::None,
    );
    e.step(
        "jobs",
        format!(
            "p·U·f_dau·j/86 400 = {} × {} × {} / 86400",
            num(w.peak_factor),
            num(dau),
            num(w.jobs_per_dau)
        ),
        w.peak_job_rate_per_s(),
        "/s",
        Tag::None,
    );
}

fn tier(e: &mut Explanation, t: &TierPlan) {
    e.heading(format!(
        "tier {} ({}, {} × {})",
        t.name,
        t.kind.as_str(),
        t.servers,
        t.instance
    ));
    if t.queues.is_empty() {
        for line in &t.lines {
            bill_line(e, line);
        }
        return;
    }
    e.step(
        "offered load (all data centers)",
        format!("a = λ·S = {} × {}", num(t.arrival_rate_per_s), num(t.service_time_s)),
        t.arrival_rate_per_s * t.service_time_s,
        "Erlangs",
        Tag::None,
    );
    e.step(
        &format!("servers, set by {}", t.binding),
        "N, all data centers",
        t.servers as f64,
        "",
        Tag::Exact,
    );
    if let Some(q) = t.busiest_queue() {
        e.utilization("utilization (the busiest data center's queue)", q);
        e.step("p wait", "C = Erlang C(c, a_q)", q.erlang_c(), "", Tag::Exact);
    }
    match (t.feasible, t.response_quantile_s(0.99)) {
        (true, Some(p99)) => e.step(
            "p99 response (each stream its own exponential service behind the common wait)",
            "t with Σ_streams (λ_i/λ)·P(Wq + X_i > t) = 0.01",
            p99,
            "s",
            Tag::Approx(accuracy::MIXED_TIER),
        ),
        _ => e.missing("p99 response", "the tier cannot carry its load"),
    }
    e.step(
        "availability in one data center",
        "A = Σ_(j ≥ k) C(n, j)·a^j·(1 − a)^(n−j), k of n servers carry the load at the failover ceiling, a one instance's",
        1.0 - t.unavailability,
        "",
        Tag::Exact,
    );
}

/// Class shares of dynamic requests: reads by cache misses, writes, each
/// split by jobs run inline; then the p99 of the mixture.
fn paths(e: &mut Explanation, w: &Workload, stage: &crate::model::Stage, p: &StagePlan) {
    e.heading("request paths (DESIGN §4)");
    let q = w.db_queries_per_read.round().max(0.0) as u64;
    match p.cache_hit_ratio {
        Some(h) => {
            for misses in 0..=q {
                let share = w.read_fraction * binomial(q, misses, 1.0 - h);
                e.step(
                    &format!("read, {misses} of {q} cache misses"),
                    format!(
                        "φ·C({q},{misses})·(1−h)^{misses}·h^{} = {} × {} × {}^{misses} × {}^{}",
                        q - misses,
                        num(w.read_fraction),
                        num(binomial(q, misses, 0.5) * 2f64.powi(q as i32)),
                        num(1.0 - h),
                        num(h),
                        q - misses
                    ),
                    share,
                    "",
                    Tag::None,
                );
            }
        }
        None => e.step("read", "φ", w.read_fraction, "", Tag::None),
    }
    e.step("write", "1 − φ", 1.0 - w.read_fraction, "", Tag::None);
    for (share, service) in dynamic_classes(w, stage) {
        e.note(format!(
            "each class splits by work done inline: {} of requests take {} s of web time",
            num(share),
            num(service)
        ));
    }
    let tag = Tag::Approx(accuracy::INDEPENDENT_TIERS);
    if let Some(mean) = p.mean_response_s {
        let formula = "Σ_classes P(class)·(Σ_visits (Wq + X) + hops)";
        e.step("mean response", formula, mean, "s", tag);
    }
    if let Some(p99) = p.p99_response_s {
        let formula = "t with Σ_classes P(class)·P(Σ_visits (Wq + X) + hops > t) = 0.01";
        e.step("p99 response", formula, p99, "s", tag);
    }
    if let Some(user) = p.user_p99_s {
        e.step(
            "user p99",
            "the same with each class's client round trip added",
            user,
            "s",
            tag,
        );
    }
}

fn availability_steps(e: &mut Explanation, p: &StagePlan) {
    e.heading("availability (DESIGN §7)");
    let parts = &p.availability_parts;
    let factors: Vec<String> = parts
        .per_dc
        .iter()
        .map(|(name, u)| format!("{} ({name})", num(1.0 - u)))
        .collect();
    e.step(
        "one data center",
        format!(
            "Π (1 − u_tier) × A_site = {} × {}",
            if factors.is_empty() {
                "1".to_string()
            } else {
                factors.join(" × ")
            },
            num(1.0 - parts.dc_site)
        ),
        1.0 - parts.one_dc,
        "",
        Tag::Exact,
    );
    let d = parts.data_centers;
    e.step(
        "data centers",
        format!(
            "{}-of-{d} up: Σ_j C({d}, j)·A^j·(1−A)^({d}−j) for j ≥ {}",
            d.saturating_sub(1).max(1),
            d.saturating_sub(1).max(1)
        ),
        1.0 - parts.all_dcs,
        "",
        Tag::Exact,
    );
    let global: Vec<String> = parts
        .global
        .iter()
        .map(|(name, u)| format!("{} ({name})", num(1.0 - u)))
        .collect();
    let all: Vec<f64> = parts.global.iter().map(|(_, u)| *u).chain([parts.all_dcs]).collect();
    let before = 1.0 - availability::series_unavailability(&all).unwrap_or(1.0);
    let failover = p.data.dc_failover.as_ref();
    let total = crate::plan::dns::with_failover(before, failover);
    let transitions = failover.map_or(String::new(), |f| {
        format!(
            " × (1 − {}) (DC failovers: {} s of detection and DNS TTL each)",
            num(f.unavailability),
            num(f.downtime_s)
        )
    });
    e.step(
        "availability",
        format!(
            "A_dcs × Π A_global = {}{}{transitions}",
            num(1.0 - parts.all_dcs),
            global.iter().map(|g| format!(" × {g}")).collect::<String>()
        ),
        total,
        "",
        Tag::Exact,
    );
    e.note("k-of-n tiers: k the servers the load needs at the failover ceiling; failures independent");
}

fn bill(e: &mut Explanation, p: &StagePlan) {
    e.heading("bill (DESIGN §8)");
    for line in &p.bill {
        bill_line(e, line);
    }
    let terms: Vec<String> = p.bill.iter().map(|l| num(l.usd_per_month)).collect();
    e.step(
        "monthly cost",
        format!("Σ lines = {}", terms.join(" + ")),
        p.usd_per_month,
        "USD",
        Tag::None,
    );
}

fn bill_line(e: &mut Explanation, line: &crate::plan::BillLine) {
    let tier = match line.tier.as_str() {
        "" => String::new(),
        t => format!(" [{t}]"),
    };
    e.step(
        &format!("{}{tier}", line.line),
        format!("{} {} × {} USD", num(line.quantity), line.unit, num(line.usd_per_unit)),
        line.usd_per_month,
        "USD",
        Tag::None,
    );
}

/// `C(n, k)·p^k·(1−p)^(n−k)`.
fn binomial(n: u64, k: u64, p: f64) -> f64 {
    let choose = (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64);
    choose * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32)
}
