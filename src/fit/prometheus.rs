//! `fit demand` from a Prometheus range-query export: the JSON body of
//! `/api/v1/query_range` (`{"status":"success","data":{"resultType":
//! "matrix","result":[{"metric":{…},"values":[[ts,"v"],…]},…]}}`), the
//! results of several queries concatenated into one `result` array.
//!
//! How series map to windows:
//! - the label `tier` names the tier (required on every series);
//! - the label `quantity`, or else the metric name `__name__`, says what
//!   the series measures: one of `throughput_per_s`, `utilization`,
//!   `cores`, `mean_response_s`, `p50_response_s`, `p99_response_s` (the
//!   CSV's column names, same units);
//! - cores come from a `cores` series or from a `cores` label on the
//!   tier's utilization (else throughput) series;
//! - one window is one timestamp of one tier. A timestamp without
//!   throughput, utilization and cores is left out and reported.
//!
//! Errors carry the line and column in the file (serde_json's position
//! where the offending value ends).

use super::demand::{Measurements, Window, DEMAND_OPTIONAL, DEMAND_REQUIRED};
use crate::error::InputError;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// Reads the export; every error is one line with file, line and column.
pub fn demand_windows(text: &str, source: &str) -> Result<Measurements, InputError> {
    let response: Response = serde_json::from_str(text).map_err(|e| located(source, &e))?;
    if response.status != "success" {
        let why = response.error.unwrap_or_default();
        return Err(InputError::new(format!(
            "{source} line 1 column 1: the query did not succeed (status \"{}\"): {why}",
            response.status
        )));
    }
    let data = response
        .data
        .ok_or_else(|| InputError::new(format!("{source} line 1 column 1: no `data` in a successful response")))?;
    Ok(assemble(data.result.0))
}

/// `file line L column C: message`, serde_json's position moved to the front.
fn located(source: &str, e: &serde_json::Error) -> InputError {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    InputError::new(format!("{source} line {} column {}: {message}", e.line(), e.column()))
}

#[derive(Deserialize)]
struct Response {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType", deserialize_with = "matrix")]
    _result_type: (),
    result: SeriesList,
}

fn matrix<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
    let kind = String::deserialize(d)?;
    if kind == "matrix" {
        Ok(())
    } else {
        Err(de::Error::custom(format!(
            "resultType is \"{kind}\"; a range query (query_range) gives \"matrix\""
        )))
    }
}

/// What one series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Quantity {
    Throughput,
    Utilization,
    Cores,
    Mean,
    P50,
    P99,
}

impl Quantity {
    fn parse(name: &str) -> Option<Quantity> {
        Some(match name {
            "throughput_per_s" => Quantity::Throughput,
            "utilization" => Quantity::Utilization,
            "cores" => Quantity::Cores,
            "mean_response_s" => Quantity::Mean,
            "p50_response_s" => Quantity::P50,
            "p99_response_s" => Quantity::P99,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Quantity::Throughput => "throughput_per_s",
            Quantity::Utilization => "utilization",
            Quantity::Cores => "cores",
            Quantity::Mean => "mean_response_s",
            Quantity::P50 => "p50_response_s",
            Quantity::P99 => "p99_response_s",
        }
    }

    /// Why `value` cannot be a sample of this quantity, if it cannot.
    fn reject(self, value: f64) -> Option<&'static str> {
        let ok = match self {
            Quantity::Throughput => value >= 0.0,
            Quantity::Utilization => (0.0..=1.0).contains(&value),
            Quantity::Cores => value >= 1.0 && value.fract() == 0.0 && value <= u32::MAX as f64,
            Quantity::Mean | Quantity::P50 | Quantity::P99 => value > 0.0,
        };
        (!ok).then_some(match self {
            Quantity::Throughput => "must be ≥ 0",
            Quantity::Utilization => "must be a fraction of capacity in 0..1 (50% is 0.5)",
            Quantity::Cores => "must be a whole number ≥ 1",
            _ => "must be greater than 0",
        })
    }
}

/// One series: its tier, quantity, `cores` label and samples.
struct Series {
    tier: String,
    quantity: Quantity,
    cores_label: Option<u64>,
    samples: Vec<(f64, f64)>,
}

/// The labels' meaning, or why they have none.
fn read_labels(labels: &BTreeMap<String, String>) -> Result<(String, Quantity, Option<u64>), String> {
    let tier = labels.get("tier").filter(|t| !t.is_empty()).ok_or_else(|| {
        format!("a series has no `tier` label (labels: {labels:?}); add one, e.g. with sum by (tier)")
    })?;
    let name = labels
        .get("quantity")
        .or_else(|| labels.get("__name__"))
        .ok_or_else(|| format!("series of tier `{tier}` has neither a `quantity` label nor a metric name"))?;
    let quantity = Quantity::parse(name).ok_or_else(|| {
        format!(
            "series of tier `{tier}`: `{name}` is not a quantity scaleplan reads; name it (label `quantity` or the metric name) one of {}, {}",
            DEMAND_REQUIRED[1..].join(", "),
            DEMAND_OPTIONAL.join(", ")
        )
    })?;
    let cores = match labels.get("cores") {
        None => None,
        Some(text) => match text.parse::<f64>() {
            Ok(v) if Quantity::Cores.reject(v).is_none() => Some(v as u64),
            _ => {
                return Err(format!(
                    "series of tier `{tier}`: label cores=\"{text}\" must be a whole number ≥ 1"
                ))
            }
        },
    };
    Ok((tier.clone(), quantity, cores))
}

impl<'de> Deserialize<'de> for Series {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Series, D::Error> {
        d.deserialize_map(SeriesVisitor)
    }
}

struct SeriesVisitor;

impl<'de> Visitor<'de> for SeriesVisitor {
    type Value = Series;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a series {\"metric\": {…}, \"values\": [[ts, \"v\"], …]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Series, A::Error> {
        let mut meaning: Option<(String, Quantity, Option<u64>)> = None;
        let mut samples: Option<Vec<(f64, f64)>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "metric" => {
                    let labels: BTreeMap<String, String> = map.next_value()?;
                    meaning = Some(read_labels(&labels).map_err(de::Error::custom)?);
                }
                "values" => {
                    let quantity = meaning.as_ref().map(|m| m.1);
                    samples = Some(map.next_value_seed(SamplesSeed { quantity })?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let (tier, quantity, cores_label) = meaning.ok_or_else(|| de::Error::missing_field("metric"))?;
        let samples = samples.ok_or_else(|| de::Error::missing_field("values"))?;
        // Values read before the labels were only checked to be numbers.
        if let Some((ts, v, why)) = samples
            .iter()
            .find_map(|&(ts, v)| quantity.reject(v).map(|why| (ts, v, why)))
        {
            return Err(de::Error::custom(sample_message(quantity, ts, &v.to_string(), why)));
        }
        Ok(Series {
            tier,
            quantity,
            cores_label,
            samples,
        })
    }
}

fn sample_message(quantity: Quantity, ts: f64, text: &str, why: &str) -> String {
    format!("{} sample at t={ts} is {text}: {why}", quantity.name())
}

/// `[[ts, "v"], …]`, each value checked as it is read (so an error points
/// at it) against its quantity when the labels came first.
struct SamplesSeed {
    quantity: Option<Quantity>,
}

impl<'de> DeserializeSeed<'de> for SamplesSeed {
    type Value = Vec<(f64, f64)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SamplesSeed {
    type Value = Vec<(f64, f64)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of [timestamp, \"value\"] pairs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some((ts, text)) = seq.next_element::<(f64, String)>()? {
            let value: f64 = text
                .trim()
                .parse()
                .map_err(|_| de::Error::custom(format!("sample at t={ts}: \"{text}\" is not a number")))?;
            if !value.is_finite() {
                return Err(de::Error::custom(format!(
                    "sample at t={ts}: \"{text}\" is not a finite number (Prometheus writes NaN where a ratio has no requests; filter those out)"
                )));
            }
            if let Some(why) = self.quantity.and_then(|q| q.reject(value).map(|why| (q, why))) {
                return Err(de::Error::custom(sample_message(why.0, ts, &text, why.1)));
            }
            out.push((ts, value));
        }
        Ok(out)
    }
}

/// The `result` array; two series of one tier and quantity are an error
/// at the second (they would need summing first).
struct SeriesList(Vec<Series>);

impl<'de> Deserialize<'de> for SeriesList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SeriesList, D::Error> {
        d.deserialize_seq(SeriesListVisitor)
    }
}

struct SeriesListVisitor;

impl<'de> Visitor<'de> for SeriesListVisitor {
    type Value = SeriesList;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of series")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SeriesList, A::Error> {
        let mut out: Vec<Series> = Vec::new();
        while let Some(series) = seq.next_element::<Series>()? {
            if out
                .iter()
                .any(|s| s.tier == series.tier && s.quantity == series.quantity)
            {
                return Err(de::Error::custom(format!(
                    "a second {} series for tier `{}`: aggregate by tier first (e.g. sum by (tier) (…))",
                    series.quantity.name(),
                    series.tier
                )));
            }
            out.push(series);
        }
        if out.is_empty() {
            return Err(de::Error::custom("the result holds no series"));
        }
        Ok(SeriesList(out))
    }
}

/// One tier's samples by timestamp.
#[derive(Default)]
struct Slot {
    values: BTreeMap<Quantity, f64>,
}

/// Windows per tier (tiers in order of first appearance, timestamps
/// ascending); timestamps missing a required quantity become a note.
fn assemble(series: Vec<Series>) -> Measurements {
    let mut tiers: Vec<String> = Vec::new();
    for s in &series {
        if !tiers.contains(&s.tier) {
            tiers.push(s.tier.clone());
        }
    }
    let mut out = Measurements::default();
    for tier in tiers {
        let own: Vec<&Series> = series.iter().filter(|s| s.tier == tier).collect();
        let (windows, incomplete) = tier_windows(&tier, &own);
        out.windows.extend(windows);
        if !incomplete.is_empty() {
            out.notes.push((tier.clone(), incomplete_note(&incomplete)));
        }
    }
    out
}

fn tier_windows(tier: &str, own: &[&Series]) -> (Vec<Window>, Vec<f64>) {
    let mut slots: BTreeMap<u64, (f64, Slot)> = BTreeMap::new();
    for s in own {
        for &(ts, v) in &s.samples {
            let slot = slots.entry(ts.to_bits()).or_insert((ts, Slot::default()));
            slot.1.values.insert(s.quantity, v);
        }
    }
    let label_cores = [Quantity::Utilization, Quantity::Throughput, Quantity::Cores]
        .iter()
        .find_map(|q| own.iter().find(|s| s.quantity == *q).and_then(|s| s.cores_label))
        .or_else(|| own.iter().find_map(|s| s.cores_label));
    let mut ordered: Vec<(f64, Slot)> = slots.into_values().collect();
    ordered.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut windows = Vec::new();
    let mut incomplete = Vec::new();
    for (ts, slot) in ordered {
        let get = |q: Quantity| slot.values.get(&q).copied();
        let cores = get(Quantity::Cores).map(|c| c as u64).or(label_cores);
        match (cores, get(Quantity::Throughput), get(Quantity::Utilization)) {
            (Some(cores), Some(x), Some(u)) => windows.push(Window {
                tier: tier.to_string(),
                cores,
                throughput_per_s: x,
                utilization: u,
                mean_response_s: get(Quantity::Mean),
                p50_response_s: get(Quantity::P50),
                p99_response_s: get(Quantity::P99),
                origin: format!("t={ts}"),
            }),
            _ => incomplete.push(ts),
        }
    }
    (windows, incomplete)
}

fn incomplete_note(timestamps: &[f64]) -> String {
    let first: Vec<String> = timestamps.iter().take(5).map(|t| format!("t={t}")).collect();
    let more = if timestamps.len() > 5 { ", …" } else { "" };
    format!(
        "{} timestamp{} without throughput, utilization and cores together left out ({}{more})",
        timestamps.len(),
        if timestamps.len() == 1 { "" } else { "s" },
        first.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(result: &str) -> String {
        format!("{{\"status\":\"success\",\"data\":{{\"resultType\":\"matrix\",\"result\":[{result}]}}}}")
    }

    const WEB: &str = r#"
{"metric":{"__name__":"throughput_per_s","tier":"web","cores":"8"},"values":[[1700000000,"100"],[1700000060,"200"],[1700000120,"300"]]},
{"metric":{"quantity":"utilization","tier":"web"},"values":[[1700000000,"0.30"],[1700000060,"0.55"],[1700000120,"0.80"],[1700000180,"0.2"]]},
{"metric":{"quantity":"p99_response_s","tier":"web"},"values":[[1700000060,"0.09"]]}"#;

    #[test]
    fn series_join_into_windows_by_tier_and_timestamp() {
        let d = demand_windows(&export(WEB), "p.json").unwrap();
        assert_eq!(d.windows.len(), 3);
        let w = &d.windows[1];
        assert_eq!((w.tier.as_str(), w.cores), ("web", 8));
        assert_eq!((w.throughput_per_s, w.utilization), (200.0, 0.55));
        assert_eq!(w.p99_response_s, Some(0.09));
        assert_eq!(w.origin, "t=1700000060");
        assert_eq!(d.windows[0].p99_response_s, None);
        assert_eq!(d.notes.len(), 1);
        assert!(d.notes[0].1.starts_with("1 timestamp without"), "{:?}", d.notes);
    }

    #[test]
    fn bad_exports_name_line_and_column() {
        let cases = [
            (
                export(&WEB.replace("\"0.55\"", "\"1.5\"")),
                "utilization sample at t=1700000060 is 1.5",
            ),
            (
                export(&WEB.replace("\"0.09\"", "\"NaN\"")),
                "\"NaN\" is not a finite number",
            ),
            (
                export(&WEB.replace("\"tier\":\"web\",\"cores\"", "\"cores\"")),
                "no `tier` label",
            ),
            (
                export(&WEB.replace("throughput_per_s", "http_requests")),
                "`http_requests` is not a quantity",
            ),
            (
                export(&format!("{WEB},{WEB}")),
                "a second throughput_per_s series for tier `web`",
            ),
            (export(""), "the result holds no series"),
            (export(WEB).replace("matrix", "vector"), "resultType is \"vector\""),
            ("{\"status\":".to_string(), "EOF while parsing"),
        ];
        for (text, expected) in cases {
            let err = demand_windows(&text, "p.json").unwrap_err().to_string();
            assert!(err.starts_with("p.json line "), "{err}");
            assert!(err.contains(" column "), "{err}");
            assert!(err.contains(expected), "{expected}: {err}");
            assert!(!err.contains('\n'));
        }
        // Values before the labels are checked once the labels are read.
        let reordered = r#"{"values":[[1700000000,"1.5"]],"metric":{"quantity":"utilization","tier":"web"}}"#;
        let err = demand_windows(&export(reordered), "p.json").unwrap_err().to_string();
        assert!(err.starts_with("p.json line 1 column "), "{err}");
        assert!(err.contains("utilization sample at t=1700000000 is 1.5"), "{err}");
        let failed = r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        let err = demand_windows(failed, "p.json").unwrap_err().to_string();
        assert!(err.contains("did not succeed") && err.contains("parse error"), "{err}");
    }
}
