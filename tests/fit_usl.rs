//! `scaleplan fit usl`: the SPEC SDM91 fit against the R `usl` package's
//! documented coefficients and against an independent least-squares
//! minimum (tests/reference/fit_reference.py), the plot, and one-line
//! errors for bad files.

mod common;

use common::{only_row, scaleplan, temp_file};
use roxmltree::Document;
use scaleplan::fit::plot::{CONCURRENCY_AXIS, THROUGHPUT_AXIS};
use scaleplan::fit::usl::{fit, Bound};

/// SPEC SDM91 (the R `usl` package's `specsdm91` data set).
const SDM91: [(f64, f64); 7] = [
    (1.0, 64.9),
    (18.0, 995.9),
    (36.0, 1652.4),
    (72.0, 1853.2),
    (108.0, 1828.9),
    (144.0, 1775.0),
    (216.0, 1702.2),
];

fn sdm91_csv() -> String {
    let rows: Vec<String> = SDM91.iter().map(|(n, x)| format!("{n},{x}")).collect();
    format!("concurrency,throughput_per_s\n{}\n", rows.join("\n"))
}

/// The least-squares minimum refined at 40 digits by mpmath (Newton on the
/// normal equations from scipy's MINPACK answer, checked to be a minimum):
/// `python3 tests/reference/fit_reference.py`, section "usl".
#[test]
fn sdm91_matches_the_independent_fit() {
    let f = fit(&SDM91).unwrap();
    let expected = [
        ("sigma", f.sigma, 0.027728475618634389, 1e-8),
        ("kappa", f.kappa, 0.00010436548384409088, 1e-8),
        ("lambda", f.lambda_per_s, 89.99523310433222, 1e-8),
        ("rss", f.rss, 27453.719584037402, 1e-10),
        ("sigma_se", f.sigma_se.unwrap(), 0.0091217318082153985, 1e-6),
        ("kappa_se", f.kappa_se.unwrap(), 1.9875270907268455e-5, 1e-6),
        ("lambda_se", f.lambda_se_per_s.unwrap(), 14.213489422585051, 1e-6),
        ("n_star", f.peak_concurrency.unwrap(), 96.519560966609425, 1e-8),
        ("x_star", f.peak_throughput_per_s.unwrap(), 1883.8989960099626, 1e-10),
    ];
    for (name, got, want, tolerance) in expected {
        assert!((got / want - 1.0).abs() < tolerance, "{name}: {got} vs {want}");
    }
    assert_eq!(f.bound, Bound::Coherency);
    assert!(!f.at_bound);
}

/// The R `usl` package documents σ = 0.02773, κ = 1.044e-4, λ = 89.995
/// for `usl(throughput ~ load, specsdm91)`: the CLI gives those digits.
#[test]
fn sdm91_through_the_cli_gives_the_r_package_digits() {
    let path = temp_file("sdm91.csv", &sdm91_csv());
    let row = only_row(&["fit", "usl", "--measurements", &path]);
    let value = |k: &str| row[k].as_f64().unwrap();
    assert_eq!(format!("{:.5}", value("sigma")), "0.02773");
    assert_eq!(format!("{:.3e}", value("kappa")), "1.044e-4");
    assert_eq!(format!("{:.3}", value("lambda_per_s")), "89.995");
    assert_eq!(row["bound"], "coherency");
    assert_eq!(row["distinct_concurrencies"], 7);
}

#[test]
fn the_plot_is_well_formed_svg_with_titled_axes() {
    let path = temp_file("sdm91-plot.csv", &sdm91_csv());
    let svg_path = temp_file("sdm91.svg", "");
    let (code, out, err) = scaleplan(&["fit", "usl", "--measurements", &path, "--plot", &svg_path]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("coherency"));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let doc = Document::parse(&svg).expect("well-formed XML");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect();
    for wanted in [
        CONCURRENCY_AXIS,
        THROUGHPUT_AXIS,
        "measured",
        "USL fit X(N)",
        "peak N* = 96.5, X = 1,884/s",
    ] {
        assert!(texts.iter().any(|t| t == wanted), "{wanted:?} missing from {texts:?}");
    }
    // One dot per measurement.
    assert!(doc.descendants().filter(|n| n.has_tag_name("circle")).count() >= SDM91.len());
}

#[test]
fn malformed_files_exit_2_with_file_line_and_column() {
    let cases = [
        (
            "no header",
            "1,64.9\n18,995.9\n36,1652.4\n72,1853.2\n",
            "line 1 column 1: no header row",
        ),
        (
            "three concurrencies",
            "concurrency,throughput_per_s\n1,10\n2,19\n4,35\n4,34\n",
            "line 5 column 1 (concurrency): only 3 distinct concurrencies",
        ),
        (
            "zero throughput",
            "concurrency,throughput_per_s\n1,10\n2,0\n4,35\n8,60\n",
            "line 3 column 2 (throughput_per_s): must be greater than 0",
        ),
        (
            "negative concurrency",
            "concurrency,throughput_per_s\n-1,10\n2,19\n4,35\n8,60\n",
            "line 2 column 1 (concurrency): must be greater than 0",
        ),
        (
            "NaN",
            "concurrency,throughput_per_s\n1,10\n2,NaN\n4,35\n8,60\n",
            "line 3 column 2 (throughput_per_s): \"NaN\" is not a finite number",
        ),
        (
            "missing column",
            "concurrency\n1\n2\n4\n8\n",
            "line 1 column 2: missing column `throughput_per_s`",
        ),
        ("empty", "", "line 1 column 1: the file is empty"),
        (
            "ragged",
            "concurrency,throughput_per_s\n1,10\n2\n4,35\n8,60\n",
            "line 3 column 2 (throughput_per_s): missing value",
        ),
    ];
    for (name, text, expected) in cases {
        let path = temp_file(&format!("usl-{}.csv", name.replace(' ', "-")), text);
        let (code, out, err) = scaleplan(&["fit", "usl", "--measurements", &path]);
        assert_eq!(code, 2, "{name}: {out}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with(&format!("error: {path} line ")), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
    }
}
