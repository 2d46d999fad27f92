//! Issue 13, item 5: property tests, in process and bounded so CI stays fast.
//!
//! - The quantity parsers, the command line and every input file type
//!   (workload, targets, stage model, catalog, prices) take arbitrary text
//!   and mutated built-in files without panicking: each answer is a value
//!   in range or a one-line error.
//! - For arbitrary valid inputs (every workload and targets key drawn from
//!   its range, ends included; every calculator flag likewise) no output of
//!   `plan`, `ladder`, `sweep`, `queue`, `cache`, `replicas` and `shards`
//!   holds NaN or infinity, none fails, and each answers quickly.
//!
//! Each test prints its case count and its slowest single invocation
//! (`cargo test --release --test robust_properties -- --nocapture`). The
//! seed is fixed unless PROPTEST_RNG_SEED is set; PROPTEST_CASES overrides
//! the counts.

mod common;

use common::temp_file;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use scaleplan::cost::{Catalog, Prices};
use scaleplan::model::Stage;
use scaleplan::ranges::{self, Input, Kind, Range, FLAGS};
use scaleplan::workload::{Targets, Workload};
use scaleplan::{app, cli};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A runner with `cases` cases (unless PROPTEST_CASES says otherwise), a
/// fixed seed (unless PROPTEST_RNG_SEED says otherwise), and no files
/// written on failure.
fn runner(cases: u32) -> TestRunner {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(13);
    }
    config.failure_persistence = None;
    // A slow case is slow again at every shrinking step: stop in a minute.
    config.max_shrink_time = 60_000;
    TestRunner::new(config)
}

/// The slowest invocation of a test and the number of cases run.
struct Stats {
    name: &'static str,
    cases: Mutex<(u32, Duration, String)>,
}

impl Stats {
    fn new(name: &'static str) -> Stats {
        Stats {
            name,
            cases: Mutex::new((0, Duration::ZERO, String::new())),
        }
    }

    /// Runs `f`, counting it and keeping the slowest; fails the case if
    /// it takes longer than [`BUDGET`].
    fn time<T>(&self, what: impl Fn() -> String, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
        let start = Instant::now();
        let out = f();
        let took = start.elapsed();
        if took > BUDGET {
            return Err(TestCaseError::fail(format!("{:.1} s: {}", took.as_secs_f64(), what())));
        }
        let mut c = self.cases.lock().unwrap();
        c.0 += 1;
        if took > c.1 {
            c.1 = took;
            c.2 = what();
        }
        Ok(out)
    }

    fn report(&self) -> Duration {
        let c = self.cases.lock().unwrap();
        println!(
            "{}: {} invocations, slowest {:.1} ms: {}",
            self.name,
            c.0,
            c.1.as_secs_f64() * 1e3,
            c.2
        );
        c.1
    }
}

/// Runs a property; a failure panics with proptest's minimal case.
fn check<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    if let Err(e) = runner(cases).run(&strategy, test) {
        panic!("{e}");
    }
}

/// An error message: one line, not empty, of bounded length.
fn one_line(message: &str) -> Result<(), TestCaseError> {
    prop_assert!(!message.is_empty());
    prop_assert!(!message.contains('\n') && !message.contains('\r'), "{message:?}");
    prop_assert!(message.chars().count() < 600, "{} chars", message.chars().count());
    Ok(())
}

/// Text that looks like a quantity often, and like anything sometimes.
fn quantity_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-+]?[0-9_]{0,6}(\\.[0-9]{0,4})?([eE][-+]?[0-9]{1,3})?[ ]?(k|K|M|B|G|T|m|ms|us|µs|ns|s|min|h|d|B|KB|KiB|MB|GiB|TB|PB|%|/s|/min|/day|/h|/|:[0-9]{1,4}|/month|mo)?\\n?",
        "[0-9.e:%/a-zA-Z\\n\\t -]{0,12}",
        any::<String>(),
    ]
}

#[test]
fn quantity_parsers_answer_a_value_in_range_or_one_line() {
    let stats = Stats::new("quantity parsers");
    check(4000, quantity_text(), |text| {
        for input in FLAGS {
            let parsed = stats.time(|| format!("{} {text:?}", input.name), || input.parse(&text))?;
            match parsed {
                Ok((kind, value)) => {
                    let range = input.ranges().find(|r| r.kind == kind).unwrap();
                    prop_assert!(range.contains(value), "{}: {text:?} → {value}", input.name);
                    prop_assert!(!value.is_sign_negative(), "{}: {text:?} → -0", input.name);
                }
                Err(e) => one_line(&e.to_string())?,
            }
        }
        Ok(())
    });
    stats.report();
}

/// Flags and words a command line is built from.
fn argv() -> impl Strategy<Value = Vec<String>> {
    let command = prop::sample::select(vec![
        "plan", "ladder", "sweep", "models", "queue", "cache", "replicas", "shards", "plna", "",
    ]);
    let flag = prop::sample::select(FLAGS.iter().map(|i| i.name.to_string()).collect::<Vec<_>>());
    let word = prop_oneof![
        flag.clone(),
        quantity_text(),
        Just("--format".to_string()),
        Just("million".to_string())
    ];
    (command, prop::collection::vec(word, 0..6)).prop_map(|(command, words)| {
        let mut args = vec!["scaleplan".to_string(), command.to_string()];
        args.extend(words);
        args
    })
}

#[test]
fn any_command_line_parses_or_fails_on_one_line() {
    use clap::error::ErrorKind;
    let stats = Stats::new("command lines");
    check(3000, argv(), |args| {
        let parsed = stats.time(|| format!("{args:?}"), || cli::parse_from(&args))?;
        if let Err(e) = parsed {
            let help = matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if !help {
                let line = cli::errors::one_line(&e, &args);
                prop_assert!(line.starts_with("error: "), "{line}");
                one_line(&line)?;
            }
        }
        Ok(())
    });
    stats.report();
}

/// A built-in file with one mutation: a line's value replaced, a line
/// dropped or doubled, or text inserted.
fn mutated(file: &'static str) -> impl Strategy<Value = String> {
    let lines: Vec<&'static str> = file.lines().collect();
    let n = lines.len();
    (0..n, 0..4u8, quantity_text()).prop_map(move |(at, how, text)| {
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        match how {
            0 => {
                let key = out[at].split('=').next().unwrap_or("").trim().to_string();
                out[at] = format!("{key} = \"{}\"", text.replace(['"', '\\'], ""));
            }
            1 => {
                let key = out[at].split('=').next().unwrap_or("").trim().to_string();
                out[at] = format!("{key} = {text}");
            }
            2 => {
                out.remove(at);
            }
            _ => out.insert(at, text),
        }
        out.join("\n") + "\n"
    })
}

/// Parses with every parser of one file type; Ok, or one line naming the file.
fn parse_file(kind: usize, text: &str) -> Result<(), TestCaseError> {
    let source = "f.input";
    let error = match kind {
        0 => Workload::parse(text, source).err().map(|e| e.to_string()),
        1 => Targets::parse(text, source).err().map(|e| e.to_string()),
        2 => Stage::parse(text, source).err().map(|e| e.to_string()),
        3 => Catalog::parse(text, source).err().map(|e| e.to_string()),
        _ => Prices::parse(text, source).err().map(|e| e.to_string()),
    };
    if let Some(message) = error {
        one_line(&message)?;
        prop_assert!(message.starts_with(source), "{message}");
    }
    Ok(())
}

const FILES: [(&str, &str); 5] = [
    ("workload", include_str!("../data/workloads/default.toml")),
    ("targets", include_str!("../data/targets.toml")),
    ("model", include_str!("../models/10-sharding.toml")),
    ("catalog", include_str!("../data/instances.csv")),
    ("prices", include_str!("../data/prices.csv")),
];

#[test]
fn every_input_file_type_takes_any_text_without_a_panic() {
    for (kind, (name, file)) in FILES.iter().enumerate() {
        let stats = Stats::new(name);
        let text = prop_oneof![any::<String>(), quantity_text(), mutated(file)];
        check(700, text, |text| {
            stats.time(|| format!("{text:?}"), || parse_file(kind, &text))?
        });
        stats.report();
    }
}

/// A value of `range`, ends included (a quarter of the time each end),
/// written so that it reads back exactly in the kind's unit.
fn value_in(range: Range) -> impl Strategy<Value = String> {
    let lowest = if range.min > 0.0 { range.min } else { range.max * 1e-12 };
    let low = if range.min_open {
        lowest.max(range.min * (1.0 + 1e-9))
    } else {
        lowest
    };
    let high = if range.max_open {
        range.max * (1.0 - 1e-9)
    } else {
        range.max
    };
    let ends = prop_oneof![Just(if range.min_open { low } else { range.min }), Just(high)];
    let between = (low.ln()..=high.ln()).prop_map(f64::exp);
    prop_oneof![1 => ends, 2 => between].prop_map(move |x| {
        let x = x.clamp(range.min, range.max);
        let x = if range.kind == Kind::Whole {
            x.round().clamp(range.min.ceil(), range.max)
        } else {
            x
        };
        let x = if range.contains(x) { x } else { high };
        written(range.kind, x)
    })
}

/// `x` in SI units as text of its kind.
fn written(kind: Kind, x: f64) -> String {
    match kind {
        Kind::Whole => format!("{}", x as u64),
        Kind::Duration => format!("{x:e}s"),
        Kind::Bytes => format!("{x:e}B"),
        Kind::Rate => format!("{x:e}/s"),
        Kind::Bandwidth => format!("{x:e}B/s"),
        _ => format!("{x:e}"),
    }
}

/// A file of every key of `table`, each drawn from its range.
fn file_of(table: &'static [Input]) -> impl Strategy<Value = String> {
    let keys: Vec<BoxedStrategy<String>> = table
        .iter()
        .map(|input| {
            value_in(input.range)
                .prop_map(move |v| format!("{} = \"{v}\"\n", input.name))
                .boxed()
        })
        .collect();
    keys.prop_map(|lines| lines.concat())
}

/// Runs a command line in process; its stdout, or the error.
fn run(args: &[String]) -> Result<String, String> {
    let cli = cli::parse_from(args).map_err(|e| cli::errors::one_line(&e, args))?;
    app::run(&cli)
        .map(|out| out.stdout + &out.stderr)
        .map_err(|e| e.to_string())
}

/// No number in the output is NaN or infinite, and no text says so:
/// JSON is parsed (it cannot hold either), and every other output is
/// split into words, none of which may be `NaN`, `inf` or `infinity`.
fn finite_output(out: &str, json: bool) -> Result<(), TestCaseError> {
    if json {
        let value: serde_json::Value = serde_json::from_str(out).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let rows = value.as_array().ok_or_else(|| TestCaseError::fail("not an array"))?;
        for row in rows {
            for (field, v) in row.as_object().ok_or_else(|| TestCaseError::fail("not an object"))? {
                if let Some(x) = v.as_f64() {
                    prop_assert!(x.is_finite(), "{field} = {x}");
                }
            }
        }
    }
    for word in out.split(|c: char| !c.is_alphanumeric()) {
        let lower = word.to_ascii_lowercase();
        prop_assert!(
            !matches!(lower.as_str(), "nan" | "inf" | "infinity"),
            "{word:?} in output"
        );
    }
    Ok(())
}

/// Inputs of one planning case: a workload and targets file.
fn planning_inputs() -> impl Strategy<Value = (String, String)> {
    (file_of(ranges::WORKLOAD), file_of(ranges::TARGETS))
}

/// Writes the files of a case; the flags that read them.
fn input_flags(case: &(String, String), name: &str) -> Vec<String> {
    let workload = temp_file(&format!("{name}-workload.toml"), &case.0);
    let targets = temp_file(&format!("{name}-targets.toml"), &case.1);
    vec!["--workload".into(), workload, "--targets".into(), targets]
}

/// Runs `args` in both formats: neither fails nor holds NaN or infinity.
fn planned(stats: &Stats, args: Vec<String>, case: &(String, String)) -> Result<(), TestCaseError> {
    for format in ["json", "table"] {
        let mut full = args.clone();
        full.extend(["--format".into(), format.into()]);
        let out = stats
            .time(|| format!("{}\n{}{}", full.join(" "), case.0, case.1), || run(&full))?
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}{}", case.0, case.1)))?;
        finite_output(&out, format == "json")?;
    }
    Ok(())
}

/// Slower than this, a single invocation fails the test (a loaded CI box
/// is slower than a laptop; the slowest seen is printed).
const BUDGET: Duration = Duration::from_secs(3);

fn args(words: &[&str]) -> Vec<String> {
    std::iter::once("scaleplan")
        .chain(words.iter().copied())
        .map(String::from)
        .collect()
}

#[test]
fn plan_outputs_are_finite_for_any_valid_workload_and_targets() {
    let stats = Stats::new("plan (stage and tier level, json and table)");
    check(40, planning_inputs(), |case| {
        let flags = input_flags(&case, "plan");
        planned(&stats, [args(&["plan"]), flags.clone()].concat(), &case)?;
        planned(&stats, [args(&["plan", "--level", "tier"]), flags].concat(), &case)
    });
    stats.report();
}

#[test]
fn ladder_outputs_are_finite_for_any_valid_workload_and_targets() {
    let stats = Stats::new("ladder (json and table)");
    check(20, planning_inputs(), |case| {
        planned(
            &stats,
            [args(&["ladder"]), input_flags(&case, "ladder")].concat(),
            &case,
        )
    });
    stats.report();
}

#[test]
fn sweep_outputs_are_finite_for_any_valid_workload_and_targets() {
    let stats = Stats::new("sweep of 5 points, all stages (json and table)");
    check(12, planning_inputs(), |case| {
        let sweep = args(&["sweep", "--users", "1..1T", "--points", "5", "--all-stages"]);
        planned(&stats, [sweep, input_flags(&case, "sweep")].concat(), &case)
    });
    stats.report();
}

/// A calculator's command line: each of `required` given, each of
/// `optional` given or not, every value drawn from the flag's range.
fn calculator(
    command: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
    fixed: &'static [&'static str],
) -> BoxedStrategy<Vec<String>> {
    let flag_value = |flag: &'static str| {
        let input = ranges::find(FLAGS, flag).expect("a flag with a range");
        let value = match input.or {
            Some(or) => prop_oneof![value_in(input.range), value_in(or)].boxed(),
            None => value_in(input.range).boxed(),
        };
        value.prop_map(move |v| vec![flag.to_string(), v])
    };
    let mut parts: Vec<BoxedStrategy<Vec<String>>> = required.iter().map(|f| flag_value(f).boxed()).collect();
    parts.extend(optional.iter().map(|f| {
        prop::option::weighted(0.4, flag_value(f))
            .prop_map(|v| v.unwrap_or_default())
            .boxed()
    }));
    parts
        .prop_map(move |parts| {
            let mut line = args(&[command]);
            line.extend(fixed.iter().map(|s| s.to_string()));
            line.extend(parts.concat());
            line
        })
        .boxed()
}

/// Runs a calculator line: an answer with finite numbers (and for `queue`
/// a p99 at least the mean, and a mean wherever the queue is stable), or a
/// one-line refusal of a combination.
fn calculated(stats: &Stats, line: Vec<String>, answered: &Mutex<u32>) -> Result<(), TestCaseError> {
    let mut json = line.clone();
    json.extend(["--format".into(), "json".into()]);
    match stats.time(|| json.join(" "), || run(&json))? {
        Ok(out) => {
            finite_output(&out, true)?;
            *answered.lock().unwrap() += 1;
            if line[1] == "queue" {
                queue_consistent(&out)?;
            }
            let mut table = line;
            table.extend(["--format".into(), "table".into()]);
            finite_output(&run(&table).map_err(TestCaseError::fail)?, false)
        }
        Err(e) => one_line(&e),
    }
}

fn queue_consistent(out: &str) -> Result<(), TestCaseError> {
    let rows: serde_json::Value = serde_json::from_str(out).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let row = &rows[0];
    if row["stable"] == serde_json::Value::Bool(true) {
        let mean = row["mean_response_s"].as_f64();
        prop_assert!(mean.is_some(), "a stable queue without a mean: {row}");
        if let (Some(mean), Some(p99)) = (mean, row["p99_response_s"].as_f64()) {
            prop_assert!(p99 >= mean * (1.0 - 1e-9), "p99 {p99} < mean {mean}: {row}");
        }
    }
    Ok(())
}

const QUEUE_REQUIRED: [&str; 2] = ["--arrival-rate", "--service-time"];
const QUEUE: [&str; 13] = [
    "--cores-per-server",
    "--ca",
    "--cs",
    "--servers",
    "--max-util",
    "--p50",
    "--p90",
    "--p95",
    "--p99",
    "--p999",
    "--mean-wait",
    "--min-servers",
    "--failover-util",
];
const CACHE_REQUIRED: [&str; 2] = ["--keys", "--zipf"];
const CACHE: [&str; 9] = [
    "--capacity",
    "--memory",
    "--object-size",
    "--key-overhead",
    "--usable-memory",
    "--target-hit",
    "--ttl",
    "--request-rate",
    "--read-rate",
];
const REPLICAS_REQUIRED: [&str; 5] = ["--read-rate", "--write-rate", "--read-time", "--write-time", "--cores"];
const REPLICAS: [&str; 6] = [
    "--primary-cores",
    "--apply-factor",
    "--max-util",
    "--failover-util",
    "--p99-read",
    "--max-replicas",
];
const SHARDS_REQUIRED: [&str; 1] = ["--keys"];
const SHARDS: [&str; 10] = [
    "--shards",
    "--size-to",
    "--zipf",
    "--vnodes",
    "--rate",
    "--stored",
    "--shard-storage",
    "--reshard-to",
    "--bandwidth",
    "--growth",
];

/// One calculator's property run: `(command, required, optional, fixed, cases)`.
type CalculatorCase = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    u32,
);

#[test]
fn calculator_outputs_are_finite_for_any_valid_flags() {
    let cases: [CalculatorCase; 9] = [
        ("queue", &QUEUE_REQUIRED, &QUEUE, &[], 60),
        ("queue", &QUEUE_REQUIRED, &QUEUE, &["--lb", "round-robin"], 60),
        ("queue", &QUEUE_REQUIRED, &QUEUE, &["--n-plus-one"], 30),
        ("cache", &CACHE_REQUIRED, &CACHE, &[], 200),
        ("cache", &CACHE_REQUIRED, &CACHE, &["--policy", "ttl-reset"], 100),
        ("cache", &CACHE_REQUIRED, &CACHE, &["--policy", "lfu"], 100),
        ("replicas", &REPLICAS_REQUIRED, &REPLICAS, &["--n-plus-one"], 200),
        ("shards", &SHARDS_REQUIRED, &SHARDS, &[], 200),
        ("shards", &SHARDS_REQUIRED, &SHARDS, &["--placement", "consistent"], 100),
    ];
    for (command, required, optional, fixed, count) in cases {
        let name: &'static str = Box::leak(format!("{command} {}", fixed.join(" ")).into_boxed_str());
        let stats = Stats::new(name);
        let answered = Mutex::new(0);
        check(count, calculator(command, required, optional, fixed), |line| {
            calculated(&stats, line, &answered)
        });
        stats.report();
        let answered = *answered.lock().unwrap();
        println!("  {answered} of the lines were answered, the rest refused on one line");
        assert!(answered > 0, "{name}: no line was answered");
    }
}
