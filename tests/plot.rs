//! The ladder picture: well-formed SVG with titled axes (units named),
//! a line per stage in its color, the recommended band, the legend, and
//! readable tick labels; written by `sweep --plot` and `ladder --plot`.

mod common;

use common::scaleplan;

use roxmltree::Document;
use scaleplan::ceiling::ceilings;
use scaleplan::commands::plan::Loaded;
use scaleplan::model::Stage;
use scaleplan::plot::{ladder_svg, stage_color, Picture, COST_AXIS, P99_AXIS, RELATIVE_AXIS, USERS_AXIS};
use scaleplan::sweep::{log_spaced, sweep};

fn picture_svg(with_ceilings: bool) -> String {
    let loaded = Loaded::builtin();
    let inputs = loaded.inputs();
    let stages = Stage::builtin();
    let points = sweep(&inputs, &stages, &log_spaced(1e3, 1e9, 80), &|_| {}).unwrap();
    let found = if with_ceilings {
        ceilings(&inputs, &stages).unwrap()
    } else {
        Vec::new()
    };
    ladder_svg(&Picture {
        points: &points,
        ceilings: &found,
        p99_target_s: loaded.targets.p99_s,
        availability_target: loaded.targets.availability,
    })
    .unwrap()
}

fn texts(doc: &Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn hex(i: usize) -> String {
    let c = stage_color(i);
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

#[test]
fn the_svg_parses_and_names_its_axes_with_units() {
    let svg = picture_svg(true);
    let doc = Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert!(root.has_tag_name("svg"));
    assert_eq!(root.attribute("width"), Some("1200"));
    let texts = texts(&doc);
    for title in [USERS_AXIS, COST_AXIS, RELATIVE_AXIS, P99_AXIS] {
        assert!(texts.iter().any(|t| t == title), "axis title {title:?} missing");
    }
    assert!(COST_AXIS.contains("USD per month") && P99_AXIS.contains("(ms)") && USERS_AXIS.contains("Users"));
    // Tick labels as people write them.
    for tick in ["1k", "10k", "1M", "1B", "$1k", "$1M", "250"] {
        assert!(texts.iter().any(|t| t == tick), "tick {tick:?} missing");
    }
    assert!(texts.iter().any(|t| t == "p99 target 250 ms"));
    assert!(texts.iter().any(|t| t.starts_with("ceiling of")), "ceiling label");
    assert!(!svg.contains("NaN"));
}

#[test]
fn every_stage_has_a_line_in_its_color_and_a_legend_entry() {
    let svg = picture_svg(false);
    let doc = Document::parse(&svg).unwrap();
    let lines: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") || n.has_tag_name("line"))
        .map(|n| {
            (
                n.attribute("stroke").unwrap_or("").to_string(),
                n.attribute("stroke-width").unwrap_or("").to_string(),
            )
        })
        .collect();
    let texts = texts(&doc);
    for (i, stage) in Stage::builtin().iter().enumerate() {
        // The stage's own line is 2 px wide; the legend sample is 3 px.
        let color = hex(i);
        assert!(
            lines.iter().any(|(c, w)| *c == color && w == "2"),
            "no line for {} ({color})",
            stage.id
        );
        assert!(
            lines.iter().any(|(c, w)| *c == color && w == "3"),
            "no legend sample for {}",
            stage.id
        );
        let label = format!("{}  {}", stage.order, stage.id);
        assert!(texts.contains(&label), "legend label {label:?} missing");
    }
    // The recommended path: a wide band.
    assert!(lines.iter().any(|(_, w)| w == "11"), "no recommended band");
    // Stage changes are numbered: sharding takes over at the top.
    assert!(texts.iter().any(|t| t == "10"), "no change marker for sharding");
    assert!(texts.iter().any(|t| t == "Stages"));
}

#[test]
fn sweep_and_ladder_write_the_plot_and_keep_stdout_as_it_was() {
    let dir = std::env::temp_dir().join(format!("scaleplan-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for command in ["sweep", "ladder"] {
        let path = dir.join(format!("{command}.svg"));
        let path = path.to_string_lossy().into_owned();
        let (code, out, err) = scaleplan(&[command, "--plot", &path, "--format", "csv"]);
        assert_eq!(code, 0, "{command}: {err}");
        let (_, plain, _) = scaleplan(&[command, "--format", "csv"]);
        assert_eq!(out, plain, "{command}: --plot changes stdout");
        let svg = std::fs::read_to_string(&path).unwrap();
        let doc = Document::parse(&svg).expect("well-formed XML");
        assert!(texts(&doc).iter().any(|t| t == USERS_AXIS));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn too_few_points_is_an_error_not_a_picture() {
    let (code, _, err) = scaleplan(&["sweep", "--users", "1M", "--plot", "/tmp/never-written.svg"]);
    assert_eq!(code, 2);
    assert!(err.contains("--plot") && err.contains("two user counts"), "{err}");
}

/// Issue 13: the picture is SVG; `--plot out.png` is refused with exit 2,
/// one line naming the flag and the way to a PNG, and writes nothing.
#[test]
fn a_plot_path_that_is_not_svg_is_refused() {
    let path = std::env::temp_dir().join(format!("scaleplan-plot-{}.png", std::process::id()));
    let path = path.to_string_lossy().into_owned();
    for command in [
        &["sweep", "--users", "1k..1M", "--plot", &path][..],
        &["ladder", "--plot", &path],
    ] {
        let (code, out, err) = scaleplan(command);
        assert_eq!(code, 2, "{command:?}");
        assert!(out.is_empty(), "{out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: --plot: ") && err.contains(".svg") && err.contains("PNG"),
            "{err}"
        );
        assert!(!std::path::Path::new(&path).exists());
    }
    for fine in ["picture.SVG", "picture.svg"] {
        assert!(scaleplan::commands::sweep::check_plot_path(fine).is_ok(), "{fine}");
    }
    for refused in ["picture", "picture.svg.png", "picture.pdf"] {
        assert!(
            scaleplan::commands::sweep::check_plot_path(refused).is_err(),
            "{refused}"
        );
    }
}

/// Issue 13: every change of recommendation has its ring and its number
/// (the default ladder picture had five rings and one number), and no
/// number lies outside the picture.
#[test]
fn every_change_of_recommendation_is_ringed_and_numbered() {
    let loaded = Loaded::builtin();
    let points = sweep(&loaded.inputs(), &Stage::builtin(), &log_spaced(1e3, 1e9, 241), &|_| {}).unwrap();
    let mut changes = Vec::new();
    for pair in points.windows(2) {
        let (a, b) = (pair[0].recommended(), pair[1].recommended());
        if let (Some(a), Some(b)) = (a, b) {
            if a.id != b.id {
                changes.push(b.order.to_string());
            }
        }
    }
    // Spare web servers for the availability target took away the narrow
    // bands where a stage flickered out of the recommendation: the default
    // ladder now changes twice (stateless-web at 10M, sharding at 26.6M).
    assert!(changes.len() >= 2, "the default ladder changes: {changes:?}");
    let svg = ladder_svg(&Picture {
        points: &points,
        ceilings: &[],
        p99_target_s: loaded.targets.p99_s,
        availability_target: loaded.targets.availability,
    })
    .unwrap();
    let doc = Document::parse(&svg).unwrap();
    let numbers: Vec<(String, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("font-weight") == Some("bold"))
        .filter_map(|n| {
            let text = n.text()?.trim().to_string();
            text.parse::<u64>().ok()?;
            Some((text, n.attribute("x")?.parse().ok()?))
        })
        .collect();
    let drawn: Vec<String> = numbers.iter().map(|(t, _)| t.clone()).collect();
    assert_eq!(drawn, changes, "one number per change, in order");
    let rings = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle") && n.attribute("stroke-width") == Some("3"))
        .count();
    // One ring per change, plus the legend's sample ring.
    assert_eq!(rings, changes.len() + 1);
    for (text, x) in &numbers {
        assert!(
            *x > 100.0 && *x < f64::from(scaleplan::plot::WIDTH_PX) - 290.0,
            "{text} at x = {x}"
        );
    }
    // In order left to right, apart.
    assert!(numbers.windows(2).all(|w| w[1].1 - w[0].1 >= 12.0), "{numbers:?}");
}
