//! How `queue` sized or evaluated a farm (DESIGN §3).

use super::{accuracy, num, Explanation, Tag};
use crate::queueing::sizing::{violations, Constraint};
use crate::queueing::{Balancer, Constraints, Farm, Mmc, QueueError};

/// The derivation of `servers` for `farm` under `constraints`; `binding`
/// when the count was sized (`None` when it was given).
pub fn explain(
    farm: &Farm,
    constraints: &Constraints,
    servers: u64,
    binding: Option<&str>,
) -> Result<Explanation, QueueError> {
    let mut e = Explanation::new("How this queue answer was computed (DESIGN §3):");
    inputs(&mut e, farm);
    count(&mut e, farm, constraints, servers, binding)?;
    let q = farm.queue(servers)?;
    queue(&mut e, farm, servers, &q);
    waits(&mut e, farm, servers, &q);
    e.note(match farm.ca == 1.0 && farm.cs == 1.0 {
        true => {
            "exact: with --ca 1 --cs 1 every figure is the closed form of M/M/c (Poisson arrivals, exponential service)"
                .to_string()
        }
        false => format!("approximation: {}", accuracy::ALLEN_CUNNEEN),
    });
    Ok(e)
}

fn inputs(e: &mut Explanation, farm: &Farm) {
    let (lambda, s) = (farm.arrival_rate_per_s, farm.service_time_s);
    e.step("arrival rate", "λ", lambda, "/s", Tag::None);
    e.step("service time", "S (one core's mean time a request)", s, "s", Tag::None);
    e.step(
        "service rate",
        format!("μ = 1/S = 1/{}", num(s)),
        1.0 / s,
        "/s",
        Tag::None,
    );
    e.step(
        "offered load",
        format!("a = λ·S = {} × {}", num(lambda), num(s)),
        lambda * s,
        "Erlangs",
        Tag::Exact,
    );
}

/// The count and what set it: what one server fewer breaks.
fn count(
    e: &mut Explanation,
    farm: &Farm,
    constraints: &Constraints,
    servers: u64,
    binding: Option<&str>,
) -> Result<(), QueueError> {
    let Some(binding) = binding else {
        e.step("servers", "N (given by --servers)", servers as f64, "", Tag::None);
        return Ok(());
    };
    e.step(
        &format!("servers, set by {binding}"),
        "N = the least count meeting every constraint",
        servers as f64,
        "",
        Tag::Exact,
    );
    if servers < 2 {
        e.note("one server is the least any farm has");
        return Ok(());
    }
    let fewer = servers - 1;
    let q = farm.queue(fewer)?;
    for c in violations(farm, constraints, fewer)? {
        match c {
            Constraint::MaxUtil(u) => e.step(
                &format!("one server fewer, above max-util {}", num(u)),
                format!(
                    "ρ(N−1) = a/((N−1)·k) = {} / ({fewer} × {})",
                    num(farm.arrival_rate_per_s * farm.service_time_s),
                    farm.cores_per_server
                ),
                q.utilization(),
                "",
                Tag::Exact,
            ),
            Constraint::Stability => e.note(format!(
                "one server fewer: {fewer} servers are unstable (a ≥ their cores)"
            )),
            other => e.note(format!("one server fewer: {fewer} servers break {}", other.describe())),
        }
    }
    Ok(())
}

fn queue(e: &mut Explanation, farm: &Farm, servers: u64, q: &Mmc) {
    let k = farm.cores_per_server as u64;
    match farm.balancer {
        Balancer::Pooled => e.step(
            "cores (pooled, one M/M/c queue at λ)",
            format!("c = N·k = {servers} × {k}"),
            q.servers() as f64,
            "",
            Tag::None,
        ),
        Balancer::RoundRobin => {
            e.step(
                "per-server arrivals (round-robin, each server its own M/M/k)",
                format!("λ_q = λ/N = {} / {servers}", num(farm.arrival_rate_per_s)),
                q.arrival_rate_per_s(),
                "/s",
                Tag::None,
            );
            e.step("cores", "c = k", q.servers() as f64, "", Tag::None);
        }
    }
    e.utilization("utilization", q);
    if !q.is_stable() {
        return;
    }
    let b = q.erlang_b();
    e.step(
        "Erlang B (B(0) = 1, B(n) = a·B(n−1)/(n + a·B(n−1)))",
        format!("B(c) with a = {}, c = {}", num(q.offered_load()), q.servers()),
        b,
        "",
        Tag::Exact,
    );
    let c = q.servers() as f64;
    let a = q.offered_load();
    e.step(
        "p wait",
        format!(
            "C = c·B/(c − a·(1 − B)) = {c} × {} / ({c} − {} × (1 − {}))",
            num(b),
            num(a),
            num(b)
        ),
        q.erlang_c(),
        "",
        exactness(farm),
    );
}

fn exactness(farm: &Farm) -> Tag {
    match farm.ca == 1.0 && farm.cs == 1.0 {
        true => Tag::Exact,
        false => Tag::Approx("Allen–Cunneen"),
    }
}

fn waits(e: &mut Explanation, farm: &Farm, servers: u64, q: &Mmc) {
    if !q.is_stable() {
        e.missing("mean wait", "the queue is unstable: it grows without bound");
        return;
    }
    let stretch = (farm.ca * farm.ca + farm.cs * farm.cs) / 2.0;
    let mu = 1.0 / q.service_time_s();
    let theta = q.wait_rate_per_s();
    e.step(
        "wait decay (k_AC = (ca² + cs²)/2)",
        format!(
            "θ = (c·μ − λ_q)/k_AC = ({} × {} − {}) / {}",
            q.servers(),
            num(mu),
            num(q.arrival_rate_per_s()),
            num(stretch)
        ),
        theta,
        "/s",
        exactness(farm),
    );
    let wq = q.mean_wait_s().unwrap_or(0.0);
    e.step(
        "mean wait",
        format!("Wq = C/θ = {} / {}", num(q.erlang_c()), num(theta)),
        wq,
        "s",
        exactness(farm),
    );
    e.step(
        "mean response",
        format!("W = Wq + S = {} + {}", num(wq), num(q.service_time_s())),
        wq + q.service_time_s(),
        "s",
        exactness(farm),
    );
    let queues = match farm.balancer {
        Balancer::Pooled => 1.0,
        Balancer::RoundRobin => servers as f64,
    };
    e.step(
        "mean in system",
        format!(
            "L = λ·W = {} × {}",
            num(farm.arrival_rate_per_s),
            num(wq + q.service_time_s())
        ),
        q.mean_in_system().unwrap_or(0.0) * queues,
        "",
        exactness(farm),
    );
    for (label, level) in [
        ("p50 response", 0.5),
        ("p90 response", 0.9),
        ("p95 response", 0.95),
        ("p99 response", 0.99),
        ("p999 response", 0.999),
    ] {
        let t = q.response_quantile_s(level).unwrap_or(0.0);
        e.step(
            label,
            format!(
                "t solving (1−C)·e^(−μt) + C·(θ·e^(−μt) − μ·e^(−θt))/(θ − μ) = 1 − q = {} (bisection)",
                num(1.0 - level)
            ),
            t,
            "s",
            exactness(farm),
        );
    }
    for (label, level) in [("p95 wait", 0.95), ("p99 wait", 0.99)] {
        let t = q.wait_quantile_s(level).unwrap_or(0.0);
        let formula = match 1.0 - level >= q.erlang_c() {
            true => format!("0, since 1 − q = {} ≥ C = {}", num(1.0 - level), num(q.erlang_c())),
            false => format!(
                "ln(C/(1−q))/θ = ln({} / {}) / {}",
                num(q.erlang_c()),
                num(1.0 - level),
                num(theta)
            ),
        };
        e.step(label, formula, t, "s", exactness(farm));
    }
}
