//! The tornado chart of a sensitivity run: one horizontal bar per input,
//! widest swing on top, each spanning the value with that input at its
//! low end and at its high end (every other input at its median), around
//! a vertical line at the base value. SVG only, drawn by plotters' SVG
//! backend into a string, as the ladder picture is. Pure: no I/O.

use crate::plot::{nice_step, PlotError};
use crate::quantity::{format_count, format_usd};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One input's swing.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    /// The input's name: `requests per user`.
    pub input: String,
    /// Its low and high ends as the reader gave them: `50`, `200`.
    pub low_label: String,
    pub high_label: String,
    /// The value with this input at its low end, and at its high end.
    pub at_low: f64,
    pub at_high: f64,
}

/// What the chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    pub title: String,
    /// The value and its unit: `monthly cost (USD)`, `users served`.
    pub value_label: String,
    /// The value with every input at its median.
    pub base: f64,
    /// Already ranked, widest swing first.
    pub bars: Vec<TornadoBar>,
    /// Inputs with no bar, each with why (an end with no value), written
    /// one a line under the axis so that the picture never hides them.
    pub left_out: Vec<String>,
}

/// Picture width in pixels; the height grows by a row per bar.
pub const WIDTH_PX: u32 = 900;
/// Height of one bar's row, and of the bar drawn in it.
pub const ROW_PX: u32 = 36;
pub const BAR_PX: i32 = 22;
/// Above the bars: title, legend, the base value's label.
const TOP_PX: u32 = 100;
/// Below the bars: tick labels and the axis title.
const AXIS_PX: u32 = 62;
const MARGIN_PX: u32 = 10;
const FONT: &str = "sans-serif";
/// A 16 px sans-serif character, wide on average: sizes the label column.
const CHAR_PX: f64 = 8.6;
const LABEL_PX: (f64, f64) = (160.0, 420.0);
/// Room beside the widest bar for its end values, as a share of the span.
const PAD_SHARE: f64 = 0.14;

/// The low end's side of a bar, and the high end's: blue and orange stay
/// apart for most color vision.
pub const LOW_COLOR: RGBColor = RGBColor(31, 119, 180);
pub const HIGH_COLOR: RGBColor = RGBColor(255, 127, 14);
const INK: RGBColor = RGBColor(30, 30, 30);
const BASE_INK: RGBColor = RGBColor(60, 60, 60);

pub const LOW_LEGEND: &str = "input at its low end";
pub const HIGH_LEGEND: &str = "at its high end";

/// Picture height for `bars` bars (and no inputs left out).
pub fn height_px(bars: usize) -> u32 {
    TOP_PX + ROW_PX * bars as u32 + AXIS_PX
}

/// One line under the axis per input left out.
pub const NOTE_PX: u32 = 22;

/// Picture height for `t`: its bars, and a line per input left out.
fn picture_height_px(t: &Tornado) -> u32 {
    height_px(t.bars.len()) + NOTE_PX * t.left_out.len() as u32
}

/// The SVG text of the chart.
///
/// Bar `i` (0 = top) spans `[min(at_low, at_high), max(at_low, at_high)]`,
/// so its width is `|at_high − at_low|` times the pixels per unit,
/// rounded to whole pixels. It is split where the base line crosses it:
/// the part toward `at_low` in the low color, toward `at_high` in the high
/// color (a bar lying wholly on one side of the base takes the color of
/// its end farther from it). Each bar is labelled on the left
/// `input low_label..high_label`, and its end values are written beside
/// it.
///
/// Inputs in `left_out` are written one a line under the axis.
///
/// Edges: a bar with `at_low == at_high` is a thin mark at its value;
/// all values equal widen the axis around them. No bars, or a value that
/// is not finite, is an error (naming the input).
pub fn tornado_svg(t: &Tornado) -> Result<String, PlotError> {
    check(t)?;
    let units = Units::of(&t.value_label);
    let (lo, hi) = value_range(t);
    let label_px = label_column_px(&t.bars);
    let height = picture_height_px(t);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH_PX, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        draw_header(&root, t)?;
        let chart = axes(&root, t, (lo, hi), label_px, units)?;
        let px = |v: f64, row: f64| chart.backend_coord(&(v, row));
        let rows = t.bars.len() as f64;
        for (i, bar) in t.bars.iter().enumerate() {
            let row = rows - i as f64 - 0.5;
            draw_bar(&root, bar, t.base, &|v| px(v, row))?;
            draw_bar_label(&root, bar, px(lo, row), label_px)?;
            draw_end_values(&root, bar, &|v| px(v, row), units)?;
        }
        draw_base(&root, t, px(t.base, rows), px(t.base, 0.0), units)?;
        draw_left_out(&root, t)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

fn drawing<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError(e.to_string())
}

/// Every value finite, at least one bar.
fn check(t: &Tornado) -> Result<(), PlotError> {
    if t.bars.is_empty() {
        return Err(PlotError("a tornado chart needs at least one input".into()));
    }
    if !t.base.is_finite() {
        return Err(PlotError(format!("the base value is {}", t.base)));
    }
    for bar in &t.bars {
        for (end, v) in [("low", bar.at_low), ("high", bar.at_high)] {
            if !v.is_finite() {
                return Err(PlotError(format!("{}: the value at its {end} end is {v}", bar.input)));
            }
        }
    }
    Ok(())
}

/// How tick labels and end values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Units {
    Dollars,
    Count,
}

impl Units {
    fn of(value_label: &str) -> Units {
        let l = value_label.to_lowercase();
        if l.contains("users") {
            Units::Count
        } else if l.contains("usd") || l.contains('$') || l.contains("cost") || l.contains("dollar") {
            Units::Dollars
        } else {
            Units::Count
        }
    }

    /// `$12.5k`, `-$300`, `10M`: three significant digits.
    fn value(self, v: f64) -> String {
        let text = format_count(v.abs());
        signed(v, self, &text)
    }
}

fn signed(v: f64, units: Units, magnitude: &str) -> String {
    let sign = if v < 0.0 { "-" } else { "" };
    match units {
        Units::Dollars => format!("{sign}${magnitude}"),
        Units::Count => format!("{sign}{magnitude}"),
    }
}

/// The x axis: every value, the base and some room for end values.
/// All equal widens by a tenth of the value (or by 1 around zero).
fn value_range(t: &Tornado) -> (f64, f64) {
    let values = t.bars.iter().flat_map(|b| [b.at_low, b.at_high]).chain([t.base]);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * PAD_SHARE
    } else if lo != 0.0 {
        lo.abs() / 10.0
    } else {
        1.0
    };
    (lo - pad, hi + pad)
}

fn bar_label(bar: &TornadoBar) -> String {
    format!("{} {}..{}", bar.input, bar.low_label, bar.high_label)
}

/// Wide enough for the longest label, within bounds.
fn label_column_px(bars: &[TornadoBar]) -> u32 {
    let chars = bars.iter().map(|b| bar_label(b).chars().count()).max().unwrap_or(0);
    (chars as f64 * CHAR_PX + 16.0).ceil().clamp(LABEL_PX.0, LABEL_PX.1) as u32
}

/// A label cut with `…` to fit the column.
fn fitted(label: &str, column_px: u32) -> String {
    let max = ((f64::from(column_px) - 16.0) / CHAR_PX) as usize;
    if label.chars().count() <= max {
        return label.to_string();
    }
    let cut: String = label.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn draw_header(root: &DrawingArea<SVGBackend, Shift>, t: &Tornado) -> Result<(), PlotError> {
    let centre = (WIDTH_PX / 2) as i32;
    root.draw(&Text::new(
        t.title.clone(),
        (centre, 20),
        (FONT, 22)
            .into_font()
            .style(FontStyle::Bold)
            .color(&INK)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(drawing)?;
    let y = 50;
    let text = (FONT, 16)
        .into_font()
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let swatch = |x: i32, color: RGBColor| {
        root.draw(&Rectangle::new([(x, y - 7), (x + 14, y + 7)], color.filled()))
            .map_err(drawing)
    };
    let x0 = centre - 170;
    swatch(x0, LOW_COLOR)?;
    root.draw(&Text::new(LOW_LEGEND, (x0 + 20, y), text.clone()))
        .map_err(drawing)?;
    let x1 = centre + 40;
    swatch(x1, HIGH_COLOR)?;
    root.draw(&Text::new(HIGH_LEGEND, (x1 + 20, y), text)).map_err(drawing)
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<ValueAxis, RangedCoordf64>>;

/// A linear axis with our ticks (plotters' key-point wrapper drops the
/// label formatter a linear f64 axis needs).
struct ValueAxis {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for ValueAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;
    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }
    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, _: Hint) -> Vec<f64> {
        self.ticks.clone()
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.linear.range()
    }
}

/// The plotting area: one row per bar (row 0 at the bottom), the x axis
/// in the value's units with its own ticks.
fn axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    t: &Tornado,
    (lo, hi): (f64, f64),
    label_px: u32,
    units: Units,
) -> Result<Chart<'a, 'b>, PlotError> {
    let ticks = ticks(lo, hi);
    let step = ticks.get(1).zip(ticks.first()).map_or(hi - lo, |(b, a)| b - a);
    let x = ValueAxis {
        linear: (lo..hi).into(),
        ticks,
    };
    let mut chart = ChartBuilder::on(root)
        .margin_top(TOP_PX)
        .margin_bottom(MARGIN_PX + NOTE_PX * t.left_out.len() as u32)
        .margin_left(MARGIN_PX)
        .margin_right(MARGIN_PX * 3)
        .x_label_area_size(AXIS_PX - MARGIN_PX)
        .y_label_area_size(label_px)
        .build_cartesian_2d(x, 0.0..t.bars.len() as f64)
        .map_err(drawing)?;
    let format = |v: &f64| tick_label(*v, step, units);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(t.value_label.as_str())
        .axis_desc_style((FONT, 17))
        .label_style((FONT, 15))
        .x_label_formatter(&format)
        .bold_line_style(RGBColor(225, 225, 225).stroke_width(1))
        .axis_style(RGBColor(90, 90, 90).stroke_width(1))
        .draw()
        .map_err(drawing)?;
    Ok(chart)
}

/// Ticks at whole multiples of a 1-2-5 step, about six across.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let step = nice_step((hi - lo) / 6.0);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A tick as people write it (`$12k`, `$12.5k`, `10M`), with the decimals
/// the step needs so neighbouring ticks never read alike, trailing zeros
/// dropped.
fn tick_label(v: f64, step: f64, units: Units) -> String {
    if v.abs() < step * 1e-9 {
        return signed(0.0, units, "0");
    }
    let (scale, suffix) = scale_of(v.abs());
    let decimals = (scale / step).log10().ceil().clamp(0.0, 6.0) as usize;
    let text = format!("{:.decimals$}", v.abs() / scale);
    // `10M` beside `9.5M`, as the ladder picture writes its ticks.
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    signed(v, units, &format!("{text}{suffix}"))
}

fn scale_of(a: f64) -> (f64, &'static str) {
    match a {
        a if a >= 1e12 => (1e12, "T"),
        a if a >= 1e9 => (1e9, "B"),
        a if a >= 1e6 => (1e6, "M"),
        a if a >= 1e3 => (1e3, "k"),
        _ => (1.0, ""),
    }
}

/// A bar, split at the base line; a zero-width bar is a thin dark mark.
fn draw_bar(
    root: &DrawingArea<SVGBackend, Shift>,
    bar: &TornadoBar,
    base: f64,
    px: &dyn Fn(f64) -> (i32, i32),
) -> Result<(), PlotError> {
    let (low, high) = (px(bar.at_low), px(bar.at_high));
    let y = low.1;
    if low.0 == high.0 {
        let mark = [(low.0, y - BAR_PX / 2), (low.0, y + BAR_PX / 2)];
        return root.draw(&PathElement::new(mark, INK.stroke_width(2))).map_err(drawing);
    }
    let split = px(base).0.clamp(low.0.min(high.0), low.0.max(high.0));
    for (end, color) in [(low.0, LOW_COLOR), (high.0, HIGH_COLOR)] {
        if end != split {
            let corners = [(end.min(split), y - BAR_PX / 2), (end.max(split), y + BAR_PX / 2)];
            root.draw(&Rectangle::new(corners, color.filled())).map_err(drawing)?;
        }
    }
    Ok(())
}

/// `requests per user 50..200`, right-aligned left of the plot.
fn draw_bar_label(
    root: &DrawingArea<SVGBackend, Shift>,
    bar: &TornadoBar,
    plot_left: (i32, i32),
    label_px: u32,
) -> Result<(), PlotError> {
    root.draw(&Text::new(
        fitted(&bar_label(bar), label_px),
        (plot_left.0 - 8, plot_left.1),
        (FONT, 16)
            .into_font()
            .color(&INK)
            .pos(Pos::new(HPos::Right, VPos::Center)),
    ))
    .map_err(drawing)
}

/// The value at each end, just outside the bar (one value when they meet).
fn draw_end_values(
    root: &DrawingArea<SVGBackend, Shift>,
    bar: &TornadoBar,
    px: &dyn Fn(f64) -> (i32, i32),
    units: Units,
) -> Result<(), PlotError> {
    let small = (FONT, 13).into_font().color(&BASE_INK);
    let (left, right) = if bar.at_low <= bar.at_high {
        (bar.at_low, bar.at_high)
    } else {
        (bar.at_high, bar.at_low)
    };
    let at = |v: f64, dx: i32, h: HPos| {
        let (x, y) = px(v);
        root.draw(&Text::new(
            units.value(v),
            (x + dx, y),
            small.clone().pos(Pos::new(h, VPos::Center)),
        ))
        .map_err(drawing)
    };
    if left != right {
        at(left, -5, HPos::Right)?;
    }
    at(right, 5, HPos::Left)
}

/// The inputs with no bar, one a line under the axis title.
fn draw_left_out(root: &DrawingArea<SVGBackend, Shift>, t: &Tornado) -> Result<(), PlotError> {
    // Below the axis title, which ends a margin above `height_px`.
    let top = (height_px(t.bars.len()) - MARGIN_PX) as i32;
    for (i, line) in t.left_out.iter().enumerate() {
        root.draw(&Text::new(
            line.clone(),
            (MARGIN_PX as i32, top + NOTE_PX as i32 * i as i32 + NOTE_PX as i32 / 2),
            (FONT, 14)
                .into_font()
                .color(&INK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(drawing)?;
    }
    Ok(())
}

/// The vertical line at the base value, labelled above the bars.
fn draw_base(
    root: &DrawingArea<SVGBackend, Shift>,
    t: &Tornado,
    top: (i32, i32),
    bottom: (i32, i32),
    units: Units,
) -> Result<(), PlotError> {
    root.draw(&PathElement::new(
        [(top.0, top.1 - 6), bottom],
        BASE_INK.stroke_width(2),
    ))
    .map_err(drawing)?;
    let value = match units {
        Units::Dollars => format_usd(t.base),
        Units::Count => format_count(t.base),
    };
    root.draw(&Text::new(
        format!("every input at its median: {value}"),
        (top.0, top.1 - 16),
        (FONT, 15)
            .into_font()
            .color(&BASE_INK)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(drawing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_like_people_write_them() {
        for (v, step, units, want) in [
            (12_000.0, 2_000.0, Units::Dollars, "$12k"),
            (12_500.0, 500.0, Units::Dollars, "$12.5k"),
            (-3_000.0, 1_000.0, Units::Dollars, "-$3k"),
            (0.0, 1_000.0, Units::Dollars, "$0"),
            (1e7, 5e6, Units::Count, "10M"),
            (2.5, 0.5, Units::Count, "2.5"),
            (1e7, 5e5, Units::Count, "10M"),
            (9.5e6, 5e5, Units::Count, "9.5M"),
            (120.0, 20.0, Units::Count, "120"),
            (12_346.0, 2.0, Units::Dollars, "$12.346k"),
        ] {
            assert_eq!(tick_label(v, step, units), want, "{v} by {step}");
        }
    }

    #[test]
    fn units_come_from_the_value_label() {
        assert_eq!(Units::of("monthly cost (USD)"), Units::Dollars);
        assert_eq!(Units::of("users served"), Units::Count);
        assert_eq!(Units::of("p99 (ms)"), Units::Count);
        assert_eq!(Units::value(Units::Dollars, 12_345.0), "$12.3k");
    }

    #[test]
    fn ticks_are_whole_multiples_inside_the_range() {
        let t = ticks(3.0, 97.0);
        assert_eq!(t, vec![20.0, 40.0, 60.0, 80.0]);
        assert!(ticks(-0.3, 0.3).contains(&0.0));
    }

    #[test]
    fn equal_values_still_give_a_range() {
        let bar = TornadoBar {
            input: "x".into(),
            low_label: "1".into(),
            high_label: "2".into(),
            at_low: 0.0,
            at_high: 0.0,
        };
        let t = Tornado {
            title: "t".into(),
            value_label: "v".into(),
            base: 0.0,
            bars: vec![bar],
            left_out: Vec::new(),
        };
        let (lo, hi) = value_range(&t);
        assert!(lo < 0.0 && hi > 0.0);
    }

    #[test]
    fn long_labels_are_cut_to_the_column() {
        let cut = fitted(&"x".repeat(100), 160);
        assert!(cut.ends_with('…') && cut.chars().count() <= 17);
        assert_eq!(fitted("short", 160), "short");
        // The longest label decides the column and is never cut itself.
        for n in 1..60 {
            let b = TornadoBar {
                input: "i".repeat(n),
                low_label: "1".into(),
                high_label: "2".into(),
                at_low: 0.0,
                at_high: 1.0,
            };
            let column = label_column_px(std::slice::from_ref(&b));
            if column < LABEL_PX.1 as u32 {
                assert_eq!(fitted(&bar_label(&b), column), bar_label(&b));
            }
        }
    }
}
