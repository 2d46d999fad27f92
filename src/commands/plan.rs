//! `scaleplan plan`: every stage of the ladder (or the chosen ones) for one
//! workload, as stage records or tier records.

pub use super::loaded::{load, Loaded};
pub use super::PlanOutput;
use crate::ceiling::{ceilings, StageCeiling};
use crate::cli::PlanArgs;
use crate::error::InputError;
use crate::model::{Stage, TierKind};
use crate::plan::failures::{WhatIf, PARTS};
use crate::plan::{plan, plan_with_failures, BillLine, StagePlan, TierPlan};
use crate::quantity::{format_count, format_duration, format_percent, format_rate, format_usd};
use crate::report::{Record, TableView, Unit};
use crate::workload::Targets;

/// Plans and builds the records.
pub fn run(args: &PlanArgs) -> Result<PlanOutput, InputError> {
    let loaded = load(&args.input, args.users.as_ref())?;
    super::plan_bands::refuse_unused_sampling(&args.sampling, !loaded.uncertain.is_empty(), true)?;
    if !loaded.uncertain.is_empty() {
        return super::plan_bands::run(args, &loaded);
    }
    let inputs = loaded.inputs();
    // The recommendation weighs every stage; `--stage` only filters the rows.
    let one_stage = loaded.shown.len() == 1 || loaded.stages.len() == 1;
    let all_plans = match one_stage || !args.fail.is_empty() {
        true => plan_with_failures(&inputs, &loaded.stages)?,
        false => plan(&inputs, &loaded.stages)?,
    };
    let plans: Vec<StagePlan> = all_plans
        .iter()
        .filter(|p| loaded.shown.is_empty() || loaded.shown.contains(&p.id))
        .cloned()
        .collect();
    let shown = loaded.shown_stages();
    let explanation = args.explain.then(|| explain_stages(&loaded, &plans));
    let tier_records: Vec<Record> = plans
        .iter()
        .flat_map(|p| p.tiers.iter().map(move |t| tier_record(p, t)))
        .collect();
    let title = format!(
        "{} users ({} daily active), peak {} dynamic requests",
        format_count(loaded.workload.users),
        format_count(loaded.workload.dau()),
        format_rate(loaded.workload.peak_rate_per_s())
    );
    if !args.fail.is_empty() {
        let view = TableView {
            columns: FAIL_COLUMNS.to_vec(),
            title: Some(title),
            drop_order: FAIL_DROP_ORDER.to_vec(),
        };
        return Ok(PlanOutput {
            table_records: None,
            records: failure_records(&plans, &shown, &args.fail)?,
            view,
            below: Vec::new(),
            explanation,
        });
    }
    if args.level == "tier" {
        let view = TableView {
            columns: TIER_COLUMNS.to_vec(),
            title: Some(title),
            drop_order: TIER_DROP_ORDER.to_vec(),
        };
        return Ok(PlanOutput {
            table_records: None,
            records: tier_records,
            view,
            below: Vec::new(),
            explanation,
        });
    }
    if args.level == "cost" {
        let view = TableView {
            columns: COST_COLUMNS.to_vec(),
            title: Some(title),
            drop_order: vec!["usd_per_unit", "unit", "quantity"],
        };
        return Ok(PlanOutput {
            table_records: None,
            records: plans.iter().flat_map(cost_records).collect(),
            view,
            below: Vec::new(),
            explanation,
        });
    }
    // A search that fails is an error here as in `ladder` and `sweep`:
    // the same input gets the same answer from every command.
    let found = ceilings(&inputs, &shown)?;
    let stage_records: Vec<Record> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| stage_record(p, found.get(i).ok_or_else(|| InputError::new("no ceiling"))))
        .collect();
    let table_records = stage_records
        .iter()
        .zip(&found)
        .map(|(r, c)| beyond_range_in_words(r.clone(), c))
        .collect();
    let view = TableView {
        columns: STAGE_COLUMNS.to_vec(),
        title: Some(format!("{title}\n{}", recommendation(&all_plans, &loaded.targets))),
        drop_order: STAGE_DROP_ORDER.to_vec(),
    };
    let below = match plans.as_slice() {
        [one] => one_stage_below(one, tier_records),
        _ => Vec::new(),
    };
    Ok(PlanOutput {
        table_records: Some(table_records),
        records: stage_records,
        view,
        below,
        explanation,
    })
}

/// A ceiling still met at the top of the search reads "10.0B or more" in
/// the table (as in `ladder`), not as a ceiling found at 10B; the record
/// keeps the number, and its `ceiling_reason` says so.
fn beyond_range_in_words(mut record: Record, ceiling: &StageCeiling) -> Record {
    if ceiling.targets.beyond_range() {
        if let Some(field) = record.fields.iter_mut().find(|f| f.name == "ceiling_users") {
            field.value = crate::report::Value::Text(crate::ceiling::beyond_range_cell());
        }
    }
    record
}

/// The derivation of each stage shown.
fn explain_stages(loaded: &Loaded, plans: &[StagePlan]) -> String {
    plans
        .iter()
        .filter_map(|p| {
            let stage = loaded.stages.iter().find(|s| s.id == p.id)?;
            Some(crate::explain::plan::explain(&loaded.workload, &loaded.targets, stage, p).render())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Under one stage's table: its tiers, then its bill.
fn one_stage_below(p: &StagePlan, tier_records: Vec<Record>) -> Vec<(Vec<Record>, TableView)> {
    let tiers = tiers_below_view();
    let mut below = vec![(tier_records, tiers)];
    if !p.what_ifs.is_empty() {
        let failures = p.what_ifs.iter().map(|f| failure_record(p, f)).collect();
        let view = TableView {
            columns: FAIL_COLUMNS.to_vec(),
            title: Some("what if one part fails (the stage as sized)".into()),
            drop_order: FAIL_DROP_ORDER.to_vec(),
        };
        below.push((failures, view));
    }
    let bill = cost_records(p);
    if !bill.is_empty() {
        let view = TableView {
            columns: COST_COLUMNS.to_vec(),
            title: Some(format!("bill of {}: {} a month", p.id, format_usd(p.usd_per_month))),
            drop_order: vec!["usd_per_unit", "unit", "quantity"],
        };
        below.push((bill, view));
    }
    below
}

/// `--fail` records: each shown stage that has the part, as sized, with
/// the part down. A PART is a named part or a tier name of a stage.
fn failure_records(plans: &[StagePlan], stages: &[Stage], parts: &[String]) -> Result<Vec<Record>, InputError> {
    for part in parts {
        let known = PARTS.contains(&part.as_str()) || stages.iter().any(|s| s.tiers.iter().any(|t| &t.name == part));
        if !known {
            return Err(InputError::flag(
                "--fail",
                format!(
                    "no part `{part}`; known: {}, or a tier name of a --model file",
                    PARTS.join(", ")
                ),
            ));
        }
    }
    let mut out = Vec::new();
    for (p, stage) in plans.iter().zip(stages) {
        for part in parts {
            let found = match stage
                .tiers
                .iter()
                .find(|t| &t.name == part && !PARTS.contains(&part.as_str()))
            {
                Some(tier) => p
                    .what_ifs
                    .iter()
                    .find(|f| f.part == part_of(tier.kind))
                    .map(|f| WhatIf {
                        part: part.clone(),
                        ..f.clone()
                    }),
                None => p.what_ifs.iter().find(|f| &f.part == part).cloned(),
            };
            if let Some(f) = found {
                out.push(failure_record(p, &f));
            }
        }
    }
    Ok(out)
}

/// The named part a tier's failure is.
fn part_of(kind: TierKind) -> &'static str {
    match kind {
        TierKind::Web | TierKind::AllInOne => "web-server",
        TierKind::Cache => "cache",
        TierKind::Session => "session-store",
        TierKind::DbReplica => "replica",
        TierKind::Worker => "worker",
        TierKind::DbPrimary | TierKind::DbShard | TierKind::Db => "primary",
        TierKind::Lb => "dc",
    }
}

pub const FAIL_COLUMNS: [&str; 8] = [
    "stage",
    "part",
    "survives",
    "p99_response_s",
    "user_p99_s",
    "usd_per_hour",
    "recovery_s",
    "detail",
];

/// What-if columns a narrow table drops first.
pub const FAIL_DROP_ORDER: [&str; 3] = ["user_p99_s", "recovery_s", "usd_per_hour"];

/// One stage with one part down.
pub fn failure_record(p: &StagePlan, f: &WhatIf) -> Record {
    Record::new()
        .float("users", Unit::Count, p.users)
        .text("stage", &p.id)
        .int("stage_order", p.order)
        .text("part", &f.part)
        .boolean("survives", f.survives)
        .opt_float("p99_response_s", Unit::Seconds, f.p99_s)
        .opt_float("user_p99_s", Unit::Seconds, f.user_p99_s)
        .float("usd_per_hour", Unit::Usd, f.usd_per_hour)
        .float("requests_at_risk_per_hour", Unit::Count, f.requests_at_risk_per_hour)
        .opt_float("backlog_jobs_per_min", Unit::Plain, f.backlog_jobs_per_min)
        .opt_float("recovery_s", Unit::Seconds, f.recovery_s)
        .text("detail", &f.detail)
}

/// The line that names the recommended stage above the table.
fn recommendation(plans: &[StagePlan], targets: &Targets) -> String {
    let wanted = format!(
        "p99 ≤ {} and availability ≥ {}",
        format_duration(targets.p99_s),
        format_percent(targets.availability)
    );
    match plans.iter().find(|p| p.recommended) {
        Some(p) => format!(
            "recommended: {} ({}), the cheapest stage of the ladder with {wanted}",
            p.id,
            format_usd(p.usd_per_month)
        ),
        None => format!("no stage here is feasible and meets {wanted}"),
    }
}

const STAGE_COLUMNS: [&str; 11] = [
    "stage",
    "servers",
    "p99_response_s",
    "user_p99_s",
    "usd_per_month",
    "availability",
    "bottleneck",
    "meets_slo",
    "recommended",
    "ceiling_users",
    "reason",
];

/// The stage columns a narrow table drops, first to last: `recommended`
/// (the line above the table names the recommended stage), `bottleneck`,
/// `user_p99_s` (the target is on the server-side p99, still shown),
/// `meets_slo` (a stage that misses has a note saying why),
/// `ceiling_users` (`scaleplan ladder` has it), then `servers`.
pub const STAGE_DROP_ORDER: [&str; 6] = [
    "recommended",
    "bottleneck",
    "user_p99_s",
    "meets_slo",
    "ceiling_users",
    "servers",
];

pub const TIER_COLUMNS: [&str; 12] = [
    "stage",
    "tier",
    "instance",
    "servers",
    "binding",
    "arrival_rate_per_s",
    "utilization",
    "p99_response_s",
    "usd_per_month",
    "availability",
    "feasible",
    "reason",
];

/// The tier columns a narrow table drops, first to last: `feasible` (an
/// infeasible tier has a note saying why), `availability`,
/// `arrival_rate_per_s`, `instance`, `utilization`, then `usd_per_month`.
pub const TIER_DROP_ORDER: [&str; 6] = [
    "feasible",
    "availability",
    "arrival_rate_per_s",
    "instance",
    "utilization",
    "usd_per_month",
];

/// The tiers under a one-stage table: the tier columns without the stage,
/// which the table above names.
pub fn tiers_below_view() -> TableView {
    TableView {
        columns: TIER_COLUMNS.iter().copied().filter(|c| *c != "stage").collect(),
        title: None,
        drop_order: TIER_DROP_ORDER.to_vec(),
    }
}

/// What the table of `--level cost` shows.
pub const COST_COLUMNS: [&str; 7] = [
    "stage",
    "tier",
    "line",
    "quantity",
    "unit",
    "usd_per_unit",
    "usd_per_month",
];

/// One record per line of a stage's bill; none for an infeasible stage
/// (no such system runs, so it has no bill; its `usd_per_month` is null).
pub fn cost_records(p: &StagePlan) -> Vec<Record> {
    match p.feasible {
        true => p.bill.iter().map(|line| cost_record(p, line)).collect(),
        false => Vec::new(),
    }
}

fn cost_record(p: &StagePlan, line: &BillLine) -> Record {
    Record::new()
        .float("users", Unit::Count, p.users)
        .text("stage", &p.id)
        .int("stage_order", p.order)
        .text("line", &line.line)
        .text("tier", &line.tier)
        .float("quantity", Unit::Plain, line.quantity)
        .text("unit", line.unit)
        .float("usd_per_unit", Unit::Plain, line.usd_per_unit)
        .float("usd_per_month", Unit::Usd, line.usd_per_month)
}

/// One stage's record; `ceiling` adds `ceiling_users` (null when the
/// stage never meets the targets or the search failed; `ceiling::MAX_USERS`,
/// a lower bound, when it still meets them there) and `ceiling_reason`.
pub fn stage_record(p: &StagePlan, ceiling: Result<&StageCeiling, InputError>) -> Record {
    let (ceiling_users, ceiling_reason) = match ceiling {
        Ok(c) => (c.targets.users(), c.targets_reason()),
        Err(e) => (None, format!("the ceiling search failed: {e}")),
    };
    let record = Record::new()
        .count("users", p.users)
        .count("dau", p.dau)
        .text("stage", &p.id)
        .int("stage_order", p.order)
        .float("peak_rate_per_s", Unit::PerSecond, p.peak_rate_per_s)
        .int("servers", p.servers)
        .opt_float(
            "mean_response_s",
            Unit::Seconds,
            p.mean_response_s.filter(|_| p.feasible),
        )
        .opt_float("p99_response_s", Unit::Seconds, p.p99_response_s.filter(|_| p.feasible))
        .opt_float("user_p99_s", Unit::Seconds, p.user_p99_s.filter(|_| p.feasible))
        .opt_float("usd_per_month", Unit::Usd, ran(p, p.usd_per_month))
        .opt_float(
            "usd_per_million_requests",
            Unit::Usd,
            p.usd_per_million_requests.filter(|_| p.feasible),
        )
        .opt_float(
            "usd_per_dau_month",
            Unit::Usd,
            p.usd_per_dau_month.filter(|_| p.feasible),
        )
        .opt_float("availability", Unit::Fraction, ran(p, p.availability))
        .opt_float("downtime_min_per_month", Unit::Plain, ran(p, p.downtime_min_per_month))
        .text("spofs", p.spofs.join(", "))
        .text("bottleneck", &p.bottleneck)
        .boolean("feasible", p.feasible)
        .boolean("meets_slo", p.meets_slo)
        .boolean("recommended", p.recommended)
        .text("reason", &p.reason)
        .text("sized_for", &p.sized_for)
        .text("survives", p.survives().join(", "))
        .text("breaks_on", p.breaks_on().join(", "))
        .opt_count("ceiling_users", ceiling_users)
        .text("ceiling_reason", ceiling_reason);
    super::plan_data::data_fields(record, p)
}

/// A figure of a stage that exists only when the stage can carry the load
/// (cost, availability): `None` for an infeasible stage.
pub fn ran(p: &StagePlan, figure: f64) -> Option<f64> {
    p.feasible.then_some(figure)
}

/// One tier's record. Its mean and p99 are the mixture over the streams it
/// serves (each its own service behind the common wait); null when the
/// tier is unstable or infeasible.
pub fn tier_record(p: &StagePlan, t: &TierPlan) -> Record {
    let queue = t.busiest_queue();
    let timed = t.feasible;
    Record::new()
        .count("users", p.users)
        .text("stage", &p.id)
        .int("stage_order", p.order)
        .text("tier", &t.name)
        .text("kind", t.kind.as_str())
        .text("instance", &t.instance)
        .int("servers", t.servers)
        .text("binding", &t.binding)
        .int("cores_per_server", t.cores_per_server as u64)
        .float("arrival_rate_per_s", Unit::PerSecond, t.arrival_rate_per_s)
        .float("service_time_s", Unit::Seconds, t.service_time_s)
        .opt_float("utilization", Unit::Fraction, queue.map(|q| q.utilization()))
        .opt_float("p_wait", Unit::Fraction, queue.map(|q| q.erlang_c()))
        .opt_float("mean_response_s", Unit::Seconds, t.mean_response_s().filter(|_| timed))
        .opt_float(
            "p99_response_s",
            Unit::Seconds,
            t.response_quantile_s(0.99).filter(|_| timed),
        )
        .float("usd_per_month", Unit::Usd, t.usd_per_month)
        .float("availability", Unit::Fraction, availability(t.unavailability))
        .boolean("spof", t.spof)
        .boolean("feasible", t.feasible)
        .text("reason", &t.reason)
        .opt_float("outage_backlog_jobs_per_min", Unit::Plain, t.outage_backlog_per_min)
        .opt_float(
            "hottest_server_utilization",
            Unit::Fraction,
            t.sticky.map(|s| s.hottest_utilization),
        )
        .opt_float(
            "sessions_lost_per_server_failure",
            Unit::Count,
            t.sticky.map(|s| s.sessions_per_server),
        )
}

/// `1 − unavailability`, but never exactly 1 when the tier can fail: a
/// tier whose downtime rounds away in floating point is shown as the
/// largest value below 1 (`>99.9999999%`), not as 100 %.
fn availability(unavailability: f64) -> f64 {
    if unavailability > 0.0 {
        (1.0 - unavailability).min(1.0 - f64::EPSILON / 2.0)
    } else {
        1.0 - unavailability
    }
}
