//! `scaleplan plan`: every stage of the ladder (or the chosen ones) for one
//! workload, as stage records or tier records.

use crate::ceiling::{ceilings, StageCeiling};
use crate::cli::{InputArgs, PlanArgs};
use crate::cost::{Catalog, Prices};
use crate::error::InputError;
use crate::input::read_file;
use crate::model::{Stage, BUILTIN};
use crate::plan::{plan, Inputs, StagePlan, TierPlan};
use crate::quantity::{format_count, format_duration, format_percent, format_rate, format_usd, shown};
use crate::report::{Record, TableView, Unit};
use crate::workload::{Targets, Workload};

/// Everything a plan reads, loaded from the flags and files.
pub struct Loaded {
    pub workload: Workload,
    pub targets: Targets,
    pub catalog: Catalog,
    pub prices: Prices,
    pub stages: Vec<Stage>,
}

impl Loaded {
    /// The built-in workload, targets, catalog, prices and ladder.
    pub fn builtin() -> Loaded {
        Loaded {
            workload: Workload::builtin(),
            targets: Targets::builtin(),
            catalog: Catalog::builtin(),
            prices: Prices::builtin(),
            stages: Stage::builtin(),
        }
    }

    /// What the planner reads, borrowed.
    pub fn inputs(&self) -> Inputs<'_> {
        Inputs {
            workload: &self.workload,
            targets: &self.targets,
            catalog: &self.catalog,
            prices: &self.prices,
        }
    }
}

/// Reads the files and flags of `args`; `users` (from `plan --users`)
/// replaces the workload's user count. Every value is already in its range
/// (the flags' parsers and the files' readers check them); what is left to
/// check here is how the files fit together.
pub fn load(args: &InputArgs, users: Option<f64>) -> Result<Loaded, InputError> {
    let mut workload = match &args.workload {
        Some(path) => Workload::parse(&read_file("--workload", path)?, path)?,
        None => Workload::builtin(),
    };
    apply_workload_flags(&mut workload, args, users);
    let mut targets = match &args.targets {
        Some(path) => Targets::parse(&read_file("--targets", path)?, path)?,
        None => Targets::builtin(),
    };
    targets.p99_s = args.p99.unwrap_or(targets.p99_s);
    targets.max_util = args.max_util.unwrap_or(targets.max_util);
    targets.availability = args.availability.unwrap_or(targets.availability);
    let catalog = match &args.catalog {
        Some(path) => {
            Catalog::parse(&read_file("--catalog", path)?, path).map_err(|e| InputError::new(e.to_string()))?
        }
        None => Catalog::builtin(),
    };
    let prices = match &args.prices {
        Some(path) => Prices::parse(&read_file("--prices", path)?, path).map_err(|e| InputError::new(e.to_string()))?,
        None => Prices::builtin(),
    };
    let catalog_source = args
        .catalog
        .as_deref()
        .map_or("the built-in catalog (data/instances.csv)".to_string(), |path| {
            format!("the catalog {path}")
        });
    let stages = stages(args, &catalog, &catalog_source)?;
    Ok(Loaded {
        workload,
        targets,
        catalog,
        prices,
        stages,
    })
}

fn apply_workload_flags(w: &mut Workload, args: &InputArgs, users: Option<f64>) {
    w.users = users.unwrap_or(w.users);
    w.dau_fraction = args.dau_fraction.unwrap_or(w.dau_fraction);
    w.requests_per_dau = args.requests_per_user.unwrap_or(w.requests_per_dau);
    w.read_fraction = args.read_write.unwrap_or(w.read_fraction);
    w.peak_factor = args.peak_factor.unwrap_or(w.peak_factor);
}

/// The built-in ladder or the `--model` files, filtered by `--stage`;
/// each checked against the catalog, no stage id given twice.
fn stages(args: &InputArgs, catalog: &Catalog, catalog_source: &str) -> Result<Vec<Stage>, InputError> {
    let all: Vec<(String, Stage)> = if args.models.is_empty() {
        let names = BUILTIN.iter().map(|(id, _)| format!("built-in model {id}"));
        names.zip(Stage::builtin()).collect()
    } else {
        args.models
            .iter()
            .map(|path| Ok((path.clone(), Stage::parse(&read_file("--model", path)?, path)?)))
            .collect::<Result<Vec<_>, InputError>>()?
    };
    for (i, (source, stage)) in all.iter().enumerate() {
        stage
            .check_catalog(catalog, catalog_source)
            .map_err(|e| InputError::new(format!("{source}: {e}")))?;
        if let Some((first, _)) = all[..i].iter().find(|(_, s)| s.id == stage.id) {
            return Err(InputError::flag(
                "--model",
                format!("{source} and {first} both have id `{}`; give each stage once", stage.id),
            ));
        }
    }
    for id in &args.stages {
        if !all.iter().any(|(_, s)| &s.id == id) {
            let known: Vec<&str> = all.iter().map(|(_, s)| s.id.as_str()).collect();
            return Err(InputError::flag(
                "--stage",
                format!("no stage `{}`; known: {}", shown(id), known.join(", ")),
            ));
        }
    }
    Ok(all
        .into_iter()
        .map(|(_, stage)| stage)
        .filter(|s| args.stages.is_empty() || args.stages.contains(&s.id))
        .collect())
}

/// What `plan` prints: the records, the table view, and (one stage in a
/// table) that stage's tiers below it.
pub struct PlanOutput {
    pub records: Vec<Record>,
    pub view: TableView,
    pub tiers_below: Option<Vec<Record>>,
}

/// Plans and builds the records.
pub fn run(args: &PlanArgs) -> Result<PlanOutput, InputError> {
    let loaded = load(&args.input, args.users)?;
    let inputs = loaded.inputs();
    let plans = plan(&inputs, &loaded.stages)?;
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
    if args.level == "tier" {
        let view = TableView {
            columns: TIER_COLUMNS.to_vec(),
            title: Some(title),
        };
        return Ok(PlanOutput {
            records: tier_records,
            view,
            tiers_below: None,
        });
    }
    // A search that fails is an error here as in `ladder` and `sweep`:
    // the same input gets the same answer from every command.
    let found = ceilings(&inputs, &loaded.stages)?;
    let stage_records = plans
        .iter()
        .enumerate()
        .map(|(i, p)| stage_record(p, found.get(i).ok_or_else(|| InputError::new("no ceiling"))))
        .collect();
    let view = TableView {
        columns: STAGE_COLUMNS.to_vec(),
        title: Some(format!("{title}\n{}", recommendation(&plans, &loaded.targets))),
    };
    let tiers_below = (plans.len() == 1).then_some(tier_records);
    Ok(PlanOutput {
        records: stage_records,
        view,
        tiers_below,
    })
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
            "recommended: {} ({}), the cheapest stage with {wanted}",
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

pub const TIER_COLUMNS: [&str; 11] = [
    "stage",
    "tier",
    "instance",
    "servers",
    "arrival_rate_per_s",
    "utilization",
    "p99_response_s",
    "usd_per_month",
    "availability",
    "feasible",
    "reason",
];

/// One stage's record; `ceiling` adds `ceiling_users` (null when the
/// stage never meets the targets or the search failed; 1e12, a lower
/// bound, when it still meets them there) and `ceiling_reason`.
pub fn stage_record(p: &StagePlan, ceiling: Result<&StageCeiling, InputError>) -> Record {
    let (ceiling_users, ceiling_reason) = match ceiling {
        Ok(c) => (c.targets.users(), c.targets_reason()),
        Err(e) => (None, format!("the ceiling search failed: {e}")),
    };
    Record::new()
        .float("users", Unit::Count, p.users)
        .float("dau", Unit::Count, p.dau)
        .text("stage", &p.id)
        .int("stage_order", p.order)
        .float("peak_rate_per_s", Unit::PerSecond, p.peak_rate_per_s)
        .int("servers", p.servers)
        .opt_float("mean_response_s", Unit::Seconds, p.mean_response_s)
        .opt_float("p99_response_s", Unit::Seconds, p.p99_response_s)
        .opt_float("user_p99_s", Unit::Seconds, p.user_p99_s)
        .float("usd_per_month", Unit::Usd, p.usd_per_month)
        .opt_float("usd_per_million_requests", Unit::Usd, p.usd_per_million_requests)
        .opt_float("usd_per_dau_month", Unit::Usd, p.usd_per_dau_month)
        .float("availability", Unit::Fraction, p.availability)
        .float("downtime_min_per_month", Unit::Plain, p.downtime_min_per_month)
        .text("spofs", p.spofs.join(", "))
        .text("bottleneck", &p.bottleneck)
        .boolean("feasible", p.feasible)
        .boolean("meets_slo", p.meets_slo)
        .boolean("recommended", p.recommended)
        .text("reason", &p.reason)
        .opt_float("ceiling_users", Unit::Count, ceiling_users)
        .text("ceiling_reason", ceiling_reason)
}

pub fn tier_record(p: &StagePlan, t: &TierPlan) -> Record {
    let queue = t.busiest_queue();
    Record::new()
        .float("users", Unit::Count, p.users)
        .text("stage", &p.id)
        .int("stage_order", p.order)
        .text("tier", &t.name)
        .text("kind", t.kind.as_str())
        .text("instance", &t.instance)
        .int("servers", t.servers)
        .int("cores_per_server", t.cores_per_server as u64)
        .float("arrival_rate_per_s", Unit::PerSecond, t.arrival_rate_per_s)
        .float("service_time_s", Unit::Seconds, t.service_time_s)
        .opt_float("utilization", Unit::Fraction, queue.map(|q| q.utilization()))
        .opt_float("p_wait", Unit::Fraction, queue.map(|q| q.erlang_c()))
        .opt_float(
            "mean_response_s",
            Unit::Seconds,
            queue.and_then(|q| q.mean_response_s()),
        )
        .opt_float(
            "p99_response_s",
            Unit::Seconds,
            queue.and_then(|q| q.response_quantile_s(0.99)),
        )
        .float("usd_per_month", Unit::Usd, t.usd_per_month)
        .float("availability", Unit::Fraction, 1.0 - t.unavailability)
        .boolean("spof", t.spof)
        .boolean("feasible", t.feasible)
        .text("reason", &t.reason)
}
