//! Everything a plan reads, loaded from the flags and files: the
//! workload and targets (each ranged input at its median, and listed), the
//! catalog, prices and stages. Shared by `plan`, `ladder`, `sweep` and
//! `sensitivity`.

use crate::cli::InputArgs;
use crate::cost::{Catalog, Prices};
use crate::error::InputError;
use crate::input::{read_file, FileRange};
use crate::model::{Stage, BUILTIN};
use crate::plan::Inputs;
use crate::quantity::shown;
use crate::sampling::{Home, UncertainInput};
use crate::uncertain::Spread;
use crate::workload::{Targets, Workload};

/// Everything a plan reads, loaded from the flags and files.
pub struct Loaded {
    pub workload: Workload,
    pub targets: Targets,
    pub catalog: Catalog,
    pub prices: Prices,
    /// Every stage of the ladder (or of the `--model` files).
    pub stages: Vec<Stage>,
    /// The `--stage` ids to show (empty: all).
    pub shown: Vec<String>,
    /// The inputs given as ranges (each at its median in `workload` and
    /// `targets`).
    pub uncertain: Vec<UncertainInput>,
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
            shown: Vec::new(),
            uncertain: Vec::new(),
        }
    }

    /// The stages `--stage` asks for (all when it is not given).
    pub fn shown_stages(&self) -> Vec<Stage> {
        self.stages.iter().filter(|s| self.is_shown(s)).cloned().collect()
    }

    fn is_shown(&self, stage: &Stage) -> bool {
        self.shown.is_empty() || self.shown.contains(&stage.id)
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
/// check here is how the files fit together. A ranged value (in a file or
/// a flag) sits at its median in the workload or targets and is listed in
/// `uncertain`; a flag replaces the file's value or range of its key.
pub fn load(args: &InputArgs, users: Option<&Spread>) -> Result<Loaded, InputError> {
    let (mut workload, workload_ranges) = match &args.workload {
        Some(path) => Workload::parse_ranged(&read_file("--workload", path)?, path)?,
        None => (Workload::builtin(), Vec::new()),
    };
    let (mut targets, target_ranges) = match &args.targets {
        Some(path) => Targets::parse_ranged(&read_file("--targets", path)?, path)?,
        None => (Targets::builtin(), Vec::new()),
    };
    let from_file = |home: Home| {
        move |r: FileRange| UncertainInput {
            name: r.key.clone(),
            home,
            key: r.key,
            spread: r.spread,
        }
    };
    let mut uncertain: Vec<UncertainInput> = workload_ranges
        .into_iter()
        .map(from_file(Home::Workload))
        .chain(target_ranges.into_iter().map(from_file(Home::Targets)))
        .collect();
    for (flag, home, key, value) in flag_values(args, users) {
        let Some(spread) = value else { continue };
        let input = UncertainInput {
            name: flag.to_string(),
            home,
            key: key.to_string(),
            spread: spread.clone(),
        };
        input.apply(&mut workload, &mut targets, spread.median());
        uncertain.retain(|u| u.key != key);
        if !spread.is_point() {
            uncertain.push(input);
        }
    }
    let catalog = match &args.catalog {
        Some(path) => {
            Catalog::parse(&read_file("--catalog", path)?, path).map_err(|e| InputError::new(e.to_string()))?
        }
        None => Catalog::builtin(),
    };
    let catalog = catalog
        .with_commitment(args.commitment)
        .map_err(|e| InputError::flag("--commitment", e))?;
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
        shown: args.stages.clone(),
        uncertain,
    })
}

/// Each workload and target flag: its name, the key it sets, its value.
fn flag_values<'a>(
    args: &'a InputArgs,
    users: Option<&'a Spread>,
) -> [(&'static str, Home, &'static str, Option<&'a Spread>); 9] {
    [
        ("--users", Home::Workload, "users", users),
        (
            "--dau-fraction",
            Home::Workload,
            "dau_fraction",
            args.dau_fraction.as_ref(),
        ),
        (
            "--requests-per-user",
            Home::Workload,
            "requests_per_dau",
            args.requests_per_user.as_ref(),
        ),
        ("--read-write", Home::Workload, "read_write", args.read_write.as_ref()),
        (
            "--peak-factor",
            Home::Workload,
            "peak_factor",
            args.peak_factor.as_ref(),
        ),
        ("--web-cpu", Home::Workload, "web_cpu", args.web_cpu.as_ref()),
        ("--p99", Home::Targets, "p99", args.p99.as_ref()),
        ("--max-util", Home::Targets, "max_util", args.max_util.as_ref()),
        (
            "--availability",
            Home::Targets,
            "availability",
            args.availability.as_ref(),
        ),
    ]
}

/// The built-in ladder or the `--model` files, each checked against the
/// catalog, no stage id given twice; `--stage` ids are checked here and
/// filter what is shown, not what the recommendation weighs.
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
    Ok(all.into_iter().map(|(_, stage)| stage).collect())
}
