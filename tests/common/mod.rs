//! Helpers shared by the simulation tests: a small seeded generator so that
//! every simulation is reproducible without depending on a crate's stream.
#![allow(dead_code)]

pub mod des;

/// xoshiro256** seeded by SplitMix64: fast, good statistical quality, and
/// fully determined by the seed.
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in (0, 1): never exactly 0, so `ln` is always finite.
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Exponential with the given rate.
    pub fn exponential(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }

    /// Uniform integer in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

/// Runs the built binary: (exit code, stdout, stderr).
pub fn scaleplan(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scaleplan"))
        .args(args)
        .output()
        .expect("the scaleplan binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub type Row = serde_json::Map<String, serde_json::Value>;

/// The rows of a JSON output: an array of flat objects.
pub fn json_rows(stdout: &str) -> Vec<Row> {
    let parsed: serde_json::Value = serde_json::from_str(stdout).expect("valid JSON");
    let rows = parsed.as_array().expect("a JSON array");
    rows.iter().map(|r| r.as_object().expect("an object").clone()).collect()
}

/// `args` with `--format json` appended; asserts exit 0 and exactly one row.
pub fn only_row(args: &[&str]) -> Row {
    let mut full = args.to_vec();
    full.extend_from_slice(&["--format", "json"]);
    let (code, out, err) = scaleplan(&full);
    assert_eq!(code, 0, "{full:?}: {err}");
    let mut rows = json_rows(&out);
    assert_eq!(rows.len(), 1, "{full:?}");
    rows.remove(0)
}

/// A numeric field, or a panic naming it.
pub fn number(row: &Row, field: &str) -> f64 {
    row[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is {:?}", row[field]))
}

/// Writes `text` to a file in a per-process temporary folder; its path.
pub fn temp_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("scaleplan-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temp file");
    path.to_string_lossy().into_owned()
}

/// `args` with `--format json` appended; asserts exit 0; the rows.
pub fn rows_of(args: &[&str]) -> Vec<Row> {
    let mut full = args.to_vec();
    full.extend_from_slice(&["--format", "json"]);
    let (code, out, err) = scaleplan(&full);
    assert_eq!(code, 0, "{full:?}: {err}");
    json_rows(&out)
}

/// Every built-in stage planned for `workload` with the built-in targets,
/// catalog and prices.
pub fn plan_builtin(workload: &scaleplan::workload::Workload) -> Vec<scaleplan::plan::StagePlan> {
    let targets = scaleplan::workload::Targets::builtin();
    let (catalog, prices) = (scaleplan::cost::Catalog::builtin(), scaleplan::cost::Prices::builtin());
    let inputs = scaleplan::plan::Inputs {
        workload,
        targets: &targets,
        catalog: &catalog,
        prices: &prices,
    };
    scaleplan::plan::plan(&inputs, &scaleplan::model::Stage::builtin()).expect("the built-in ladder plans")
}
