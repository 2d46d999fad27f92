//! `--explain`: the derivation of an answer in plain text, one formula a
//! step, each symbol named and the numbers filled in, ending in the same
//! figure the record carries (to the printed six significant digits).
//! Every step says whether it is exact (for the model) or an approximation,
//! with the error the tests measured where they measured one.
//!
//! A step reads `  label: formula = numbers = result unit  [exactness]`:
//! the figure after the last ` = ` is the result, so a reader (or a test)
//! can check it against the record.

pub mod cache;
pub mod plan;
pub mod queue;
pub mod replicas;
pub mod shards;

/// An explanation being written: a title, then steps and notes.
#[derive(Debug, Clone, Default)]
pub struct Explanation {
    lines: Vec<String>,
}

impl Explanation {
    pub fn new(title: impl Into<String>) -> Explanation {
        Explanation {
            lines: vec![title.into()],
        }
    }

    /// A heading inside the explanation (a stage, a tier).
    pub fn heading(&mut self, text: impl AsRef<str>) {
        self.lines.push(format!("{}:", text.as_ref()));
    }

    /// One step: `label: formula = result unit  [tag]`. `formula` carries
    /// the symbols and the numbers filled in.
    pub fn step(&mut self, label: &str, formula: impl AsRef<str>, result: f64, unit: &str, tag: Tag) {
        let unit = match unit {
            "" => String::new(),
            u => format!(" {u}"),
        };
        self.lines.push(format!(
            "  {label}: {} = {}{unit}{}",
            formula.as_ref(),
            num(result),
            tag.text()
        ));
    }

    /// `ρ = λ_q·S/c` of one queue, under `label`.
    pub fn utilization(&mut self, label: &str, q: &crate::queueing::Mmc) {
        self.step(
            label,
            format!(
                "ρ = λ_q·S/c = {} × {} / {}",
                num(q.arrival_rate_per_s()),
                num(q.service_time_s()),
                q.servers()
            ),
            q.utilization(),
            "",
            Tag::Exact,
        );
    }

    /// A step whose result does not exist (an unstable queue's wait).
    pub fn missing(&mut self, label: &str, why: &str) {
        self.lines.push(format!("  {label}: none ({why})"));
    }

    /// A line of plain text under the steps.
    pub fn note(&mut self, text: impl AsRef<str>) {
        self.lines.push(format!("  {}", text.as_ref()));
    }

    /// Another explanation's lines, indented under this one.
    pub fn extend(&mut self, other: Explanation) {
        self.lines.extend(other.lines);
    }

    /// The text, one line a step, ending with a newline.
    pub fn render(&self) -> String {
        let mut out = self.lines.join("\n");
        out.push('\n');
        out
    }
}

/// Whether a step is exact for the model or an approximation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// Arithmetic on inputs: nothing to say.
    None,
    /// A closed form (or a root found to full precision) of the model.
    Exact,
    /// An approximation; the note says which and how good.
    Approx(&'static str),
}

impl Tag {
    fn text(self) -> String {
        match self {
            Tag::None => String::new(),
            Tag::Exact => "  [exact]".to_string(),
            Tag::Approx(what) => format!("  [approximation: {what}]"),
        }
    }
}

/// A number to six significant digits, as the steps print it: plain
/// decimals from 1e-4 to 1e9, scientific outside.
pub fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    // Near 1 (availabilities, hit ratios) show three digits of 1 − x.
    if x > 0.999 && x < 1.0 {
        let decimals = (-(1.0 - x).log10()).ceil() as usize + 2;
        let text = format!("{x:.decimals$}");
        return text.trim_end_matches('0').to_string();
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..9).contains(&magnitude) {
        return format!("{x:.5e}");
    }
    if magnitude > 5 {
        let scale = 10f64.powi(magnitude - 5);
        return format!("{:.0}", (x / scale).round() * scale);
    }
    let decimals = (5 - magnitude) as usize;
    let text = format!("{x:.decimals$}");
    match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => text,
    }
}

/// What the tests measured about the approximations, quoted by the steps.
pub mod accuracy {
    /// Allen–Cunneen for a wait with `ca` or `cs` other than 1.
    pub const ALLEN_CUNNEEN: &str = "Allen–Cunneen wait, Wq·(ca²+cs²)/2; M/D/c against simulation: +3 % to +10 % typical, up to +20 % (tests/mmc_sim.rs)";
    /// A tier mixing streams of different service times.
    pub const MIXED_TIER: &str = "Allen–Cunneen wait of the mixed service; tier mean and p99 within 2 % of a seeded simulation, up to +10 % mean / −6 % p99 for 1 ms and 120 ms requests on 4 busy cores (tests/tier_sim.rs)";
    /// The path's latency: independent tiers.
    pub const INDEPENDENT_TIERS: &str = "tiers along a path assumed independent (not measured); the sum's distribution by numerical Laplace inversion, error ≤ 1 %";
    /// Che's approximation (and its FIFO/RANDOM counterpart).
    pub const CHE: &str = "Che's approximation; within 0.01 of a seeded simulation for ≥ 10⁴ keys and a cache ≥ 0.1 % of them, largest gap seen 0.0008 (tests/cache_sim.rs)";
    pub const FIFO_RANDOM: &str = "the FIFO/RANDOM counterpart of Che's approximation; within 0.01 of a seeded simulation, largest gap seen 0.0056 (tests/cache_sim.rs)";
    /// The replica read time: two exponential classes as one M/G/k.
    pub const REPLICA_READ: &str = "reads and applied writes as one M/G/k with Allen–Cunneen; mean and p99 within 3 % of a seeded simulation for applies up to 2.5× the read time, p99 12 % low at 20× on one core";
    /// The expected maximum shard load.
    pub const SHARD_SKEW: &str = "expected maximum by numerical integration of the shard-load model (normal for many keys a shard, Poisson for few)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_six_significant_digits() {
        assert_eq!(num(0.6666666666), "0.666667");
        assert_eq!(num(2000.0), "2000");
        assert_eq!(num(15.0), "15");
        assert_eq!(num(0.000102040816), "0.000102041");
        assert_eq!(num(1_234_567.891), "1234570");
        assert_eq!(num(3.2e-7), "3.20000e-7");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(0.99999958), "0.99999958");
        assert_eq!(num(0.999975), "0.999975");
        for x in [0.6666666666, 123.456789, 9.87654321e-6, 4.2e12, 0.9999996] {
            let back: f64 = num(x).parse().unwrap();
            assert!((back - x).abs() <= 5e-6 * x.abs(), "{x} → {}", num(x));
        }
    }

    #[test]
    fn a_step_ends_in_its_result() {
        let mut e = Explanation::new("t");
        e.step("utilization", "ρ = a/c = 10 / 15", 10.0 / 15.0, "", Tag::Exact);
        let text = e.render();
        assert!(
            text.contains("  utilization: ρ = a/c = 10 / 15 = 0.666667  [exact]"),
            "{text}"
        );
    }
}
