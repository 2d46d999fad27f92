//! The tornado chart: well-formed SVG, a bar per input in rank order with
//! widths proportional to the swing, its edges (one bar, a zero swing, a
//! reversed input, all values equal) and its refusals (values not finite).

use roxmltree::Document;
use scaleplan::tornado_plot::{
    height_px, tornado_svg, Tornado, TornadoBar, BAR_PX, HIGH_COLOR, HIGH_LEGEND, LOW_COLOR, LOW_LEGEND, WIDTH_PX,
};

fn bar(input: &str, low: &str, high: &str, at_low: f64, at_high: f64) -> TornadoBar {
    TornadoBar {
        input: input.into(),
        low_label: low.into(),
        high_label: high.into(),
        at_low,
        at_high,
    }
}

fn cost_tornado(bars: Vec<TornadoBar>) -> Tornado {
    Tornado {
        title: "What moves the monthly cost".into(),
        value_label: "monthly cost (USD)".into(),
        base: 12_000.0,
        bars,
        left_out: Vec::new(),
    }
}

/// Five inputs, widest first; one lowers the cost at its high end.
fn five() -> Tornado {
    cost_tornado(vec![
        bar("requests per user", "50", "200", 7_500.0, 21_000.0),
        bar("peak factor", "1.5", "4", 9_800.0, 17_100.0),
        bar("cache hit ratio", "80%", "99%", 15_300.0, 10_100.0),
        bar("object size", "2KiB", "16KiB", 11_200.0, 13_900.0),
        bar("dau fraction", "30%", "60%", 11_900.0, 12_650.0),
    ])
}

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn texts(doc: &Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn attr(n: &roxmltree::Node, name: &str) -> i64 {
    n.attribute(name).and_then(|v| v.parse().ok()).unwrap_or(i64::MIN)
}

/// Each bar as (top y, left x, right x, fills), top to bottom: the bar's
/// rectangles (bar height, a bar color) grouped by their row.
fn bars(doc: &Document) -> Vec<(i64, i64, i64, Vec<String>)> {
    let colors = [hex(LOW_COLOR), hex(HIGH_COLOR)];
    let mut rows: Vec<(i64, i64, i64, Vec<String>)> = Vec::new();
    for n in doc.descendants().filter(|n| n.has_tag_name("rect")) {
        let fill = n.attribute("fill").unwrap_or("").to_string();
        if attr(&n, "height") != i64::from(BAR_PX) || !colors.contains(&fill) {
            continue;
        }
        let (y, x, w) = (attr(&n, "y"), attr(&n, "x"), attr(&n, "width"));
        match rows.iter_mut().find(|r| r.0 == y) {
            Some(r) => {
                r.1 = r.1.min(x);
                r.2 = r.2.max(x + w);
                r.3.push(fill);
            }
            None => rows.push((y, x, x + w, vec![fill])),
        }
    }
    rows.sort_by_key(|r| r.0);
    rows
}

#[test]
fn the_svg_parses_with_its_size_legend_and_axis() {
    let t = five();
    let svg = tornado_svg(&t).unwrap();
    let doc = Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.attribute("width"), Some(WIDTH_PX.to_string().as_str()));
    assert_eq!(root.attribute("height"), Some(height_px(5).to_string().as_str()));
    let texts = texts(&doc);
    for want in [
        LOW_LEGEND,
        HIGH_LEGEND,
        "monthly cost (USD)",
        "What moves the monthly cost",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want:?} missing from {texts:?}");
    }
    assert!(
        texts.iter().any(|t| t == "every input at its median: $12,000"),
        "{texts:?}"
    );
    // Dollar ticks as people write them.
    assert!(
        texts.iter().any(|t| t == "$10k") && texts.iter().any(|t| t == "$20k"),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t == "$21.0k") && texts.iter().any(|t| t == "$7.50k"),
        "{texts:?}"
    );
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
}

#[test]
fn one_bar_per_input_in_rank_order_with_labels_in_the_same_order() {
    let t = five();
    let svg = tornado_svg(&t).unwrap();
    let doc = Document::parse(&svg).unwrap();
    let found = bars(&doc);
    assert_eq!(found.len(), 5);
    let widths: Vec<i64> = found.iter().map(|b| b.2 - b.1).collect();
    assert!(widths.windows(2).all(|w| w[0] >= w[1]), "{widths:?}");
    let labels: Vec<String> = texts(&doc)
        .into_iter()
        .filter(|s| t.bars.iter().any(|b| s.starts_with(&b.input)))
        .collect();
    let want: Vec<String> = t
        .bars
        .iter()
        .map(|b| format!("{} {}..{}", b.input, b.low_label, b.high_label))
        .collect();
    assert_eq!(labels, want);
    // Labels sit on their bars' rows, top to bottom.
    let label_ys: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && want.iter().any(|w| n.text().unwrap_or("").trim() == w))
        .map(|n| n.attribute("y").and_then(|v| v.parse().ok()).unwrap_or(f64::NAN))
        .collect();
    for (bar, y) in found.iter().zip(&label_ys) {
        let centre = (bar.0 + i64::from(BAR_PX) / 2) as f64;
        assert!((y - centre).abs() <= 12.0, "label at {y}, bar centred at {centre}");
    }
}

#[test]
fn bar_widths_are_proportional_to_the_swing_within_a_pixel() {
    let t = five();
    let doc_text = tornado_svg(&t).unwrap();
    let doc = Document::parse(&doc_text).unwrap();
    let found = bars(&doc);
    let swings: Vec<f64> = t.bars.iter().map(|b| (b.at_high - b.at_low).abs()).collect();
    let widths: Vec<f64> = found.iter().map(|b| (b.2 - b.1) as f64).collect();
    // Pixels per dollar, fitted through the origin over every bar.
    let k = widths.iter().zip(&swings).map(|(w, s)| w * s).sum::<f64>() / swings.iter().map(|s| s * s).sum::<f64>();
    for (i, (w, s)) in widths.iter().zip(&swings).enumerate() {
        assert!(
            (w - k * s).abs() <= 1.0,
            "bar {i}: {w} px for a swing of {s} ({} px expected)",
            k * s
        );
    }
    // And the left edges sit where the values are: leftmost at the lowest.
    let lefts: Vec<i64> = found.iter().map(|b| b.1).collect();
    assert_eq!(lefts.iter().min(), Some(&found[0].1));
}

#[test]
fn each_end_has_its_color_on_its_side_of_the_base() {
    let svg = tornado_svg(&five()).unwrap();
    let doc = Document::parse(&svg).unwrap();
    let rects: Vec<(i64, i64, String)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && attr(n, "height") == i64::from(BAR_PX))
        .map(|n| {
            (
                attr(&n, "y"),
                attr(&n, "x"),
                n.attribute("fill").unwrap_or("").to_string(),
            )
        })
        .collect();
    let row = |r: usize| -> Vec<&(i64, i64, String)> {
        let ys: Vec<i64> = bars(&doc).iter().map(|b| b.0).collect();
        rects.iter().filter(|x| x.0 == ys[r]).collect()
    };
    // Requests per user: low end left of the base (low color left).
    let first = row(0);
    let low = first.iter().find(|x| x.2 == hex(LOW_COLOR)).unwrap();
    let high = first.iter().find(|x| x.2 == hex(HIGH_COLOR)).unwrap();
    assert!(low.1 < high.1);
    // Cache hit ratio lowers the cost at its high end: colors swap sides.
    let third = row(2);
    let low = third.iter().find(|x| x.2 == hex(LOW_COLOR)).unwrap();
    let high = third.iter().find(|x| x.2 == hex(HIGH_COLOR)).unwrap();
    assert!(low.1 > high.1);
}

#[test]
fn edges_one_bar_a_zero_swing_and_all_values_equal() {
    let one = cost_tornado(vec![bar("peak factor", "1.5", "4", 9_000.0, 16_000.0)]);
    let svg = tornado_svg(&one).unwrap();
    let doc = Document::parse(&svg).unwrap();
    assert_eq!(bars(&doc).len(), 1);
    assert_eq!(
        doc.root_element().attribute("height"),
        Some(height_px(1).to_string().as_str())
    );

    let zero = cost_tornado(vec![
        bar("peak factor", "1.5", "4", 9_000.0, 16_000.0),
        bar("session size", "1KiB", "4KiB", 12_000.0, 12_000.0),
    ]);
    let svg = tornado_svg(&zero).unwrap();
    let doc = Document::parse(&svg).unwrap();
    assert_eq!(bars(&doc).len(), 1, "the zero swing is a mark, not a bar");
    assert!(texts(&doc).iter().any(|t| t == "session size 1KiB..4KiB"));

    let flat = Tornado {
        title: "flat".into(),
        value_label: "users served".into(),
        base: 1e7,
        bars: vec![bar("a", "1", "2", 1e7, 1e7), bar("b", "1", "2", 1e7, 1e7)],
        left_out: Vec::new(),
    };
    let svg = tornado_svg(&flat).unwrap();
    let doc = Document::parse(&svg).unwrap();
    assert!(!svg.contains("NaN"));
    assert!(texts(&doc).iter().any(|t| t == "10M"), "{:?}", texts(&doc));

    let zeros = Tornado {
        base: 0.0,
        bars: vec![bar("a", "1", "2", 0.0, 0.0)],
        ..flat
    };
    let svg = tornado_svg(&zeros).unwrap();
    assert!(Document::parse(&svg).is_ok() && !svg.contains("NaN"));
}

#[test]
fn values_not_finite_are_refused_naming_the_input() {
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let t = cost_tornado(vec![
            bar("peak factor", "1.5", "4", 9_000.0, 16_000.0),
            bar("cache hit ratio", "80%", "99%", v, 10_000.0),
        ]);
        let e = tornado_svg(&t).unwrap_err();
        assert!(e.to_string().contains("cache hit ratio"), "{e}");
    }
    let mut t = five();
    t.base = f64::NAN;
    assert!(tornado_svg(&t).is_err());
    t.bars.clear();
    t.base = 1.0;
    assert!(tornado_svg(&t).is_err());
}

/// An input with no bar (an end where the stage cannot carry the load) is
/// written under the axis, and the picture grows a line for it.
#[test]
fn inputs_left_out_are_written_under_the_axis() {
    let mut t = five();
    let note = "not drawn: users 1M..30M (cannot carry the load at its high end)";
    t.left_out = vec![note.to_string()];
    let svg = tornado_svg(&t).unwrap();
    let doc = Document::parse(&svg).unwrap();
    assert!(texts(&doc).iter().any(|x| x == note), "{:?}", texts(&doc));
    let height: u32 = doc.root_element().attribute("height").unwrap().parse().unwrap();
    assert_eq!(height, height_px(5) + scaleplan::tornado_plot::NOTE_PX);
    assert_eq!(bars(&doc).len(), 5);
}
