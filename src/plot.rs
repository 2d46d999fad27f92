//! The ladder picture, three panels against users (log axis): monthly
//! cost (log axis), the cost of each stage above the cheapest stage
//! meeting the targets at that count (linear, percent: stages whose costs
//! lie within a few percent of each other, one line on the cost panel,
//! come apart here), and server-side p99 (linear, ms). One line per
//! stage, the recommended path traced by a band, every change of
//! recommendation ringed and numbered, and (for `ladder`) each stage's
//! ceiling. SVG only, drawn by plotters' SVG backend into a string (text
//! is left to the viewer's sans-serif font). Pure: no I/O.

use crate::ceiling::{Limit, StageCeiling};
use crate::plan::StagePlan;
use crate::quantity::{format_duration, format_percent};
use crate::sweep::SweepPoint;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt;

/// What the picture shows.
#[derive(Debug, Clone, Copy)]
pub struct Picture<'a> {
    /// The sweep, in rising user order.
    pub points: &'a [SweepPoint],
    /// Ceilings to mark (empty: none).
    pub ceilings: &'a [StageCeiling],
    /// The p99 target, drawn as a line on the p99 panel.
    pub p99_target_s: f64,
    /// The availability target, named in the subtitle.
    pub availability_target: f64,
}

/// A picture that could not be drawn (no points, or a drawing failure).
#[derive(Debug, Clone, PartialEq)]
pub struct PlotError(pub String);

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot draw the plot: {}", self.0)
    }
}

impl std::error::Error for PlotError {}

fn drawing<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError(e.to_string())
}

/// Picture size in pixels (the SVG's width and height).
pub const WIDTH_PX: u32 = 1200;
pub const HEIGHT_PX: u32 = 1440;
const LEGEND_PX: u32 = 290;
const FONT: &str = "sans-serif";

/// Ten colors that stay apart on white and for most color vision (the
/// Tableau 10 palette, darkened where it is pale).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(90, 90, 90),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const TARGET_RED: RGBColor = RGBColor(178, 24, 43);
/// The recommended path: a wide translucent band in the stage's color.
const BAND_ALPHA: f64 = 0.3;
const BAND_PX: u32 = 11;
/// The relative-cost panel shows stages up to this many percent above the
/// cheapest; lines above it leave through the top.
const RELATIVE_TOP_PCT: f64 = 60.0;
/// Change labels: pixels per character (bold, 19 px) and the room between
/// two labels.
const LABEL_CHAR_PX: i32 = 12;
const LABEL_GAP_PX: i32 = 8;
/// The strip below the 0 % line that holds the numbers, and how far below
/// the ring a number's centre sits.
const LABEL_STRIP_PX: i32 = 64;
const LABEL_DROP_PX: i32 = 36;
/// Plot margins as `panel` sets them: outer margin, right margin, the
/// y label area, and the x label area without and with the users title.
const MARGIN_PX: i32 = 14;
const MARGIN_RIGHT_PX: i32 = 24;
const Y_LABELS_PX: i32 = 96;
const X_LABELS_PX: i32 = 30;
const X_TITLE_PX: i32 = 56;

/// The color of the `i`th stage (cycling after ten).
pub fn stage_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Axis titles, with units.
pub const USERS_AXIS: &str = "Users (monthly active, log scale)";
pub const COST_AXIS: &str = "Monthly cost (USD per month, log scale)";
pub const RELATIVE_AXIS: &str = "Cost above the cheapest (%)";
pub const P99_AXIS: &str = "p99 response time, server side (ms)";

/// The SVG text of the picture.
///
/// Each stage is drawn where it is feasible: solid where it also meets
/// the targets, dashed where it misses them. The recommended stage at
/// each point is traced by a wide band in its color under the lines. The
/// middle panel draws each stage that meets the targets at
///
/// ```text
/// 100 · (cost / cost_rec − 1)  %
/// ```
/// where `cost_rec` is the recommended (cheapest meeting the targets)
/// stage's cost at that count, so the recommended path is its 0 % line;
/// there a ring marks every change of recommendation, numbered with the
/// new stage, the numbers stacked in rows below the line where they would
/// overlap and kept inside the panel. A cross on the cost panel marks
/// each ceiling inside the users range.
///
/// Edges: fewer than two points is an error (no line to draw); points
/// where nothing is feasible leave gaps.
pub fn ladder_svg(picture: &Picture) -> Result<String, PlotError> {
    let points = picture.points;
    if points.len() < 2 {
        return Err(PlotError("a plot needs at least two user counts".into()));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH_PX, HEIGHT_PX)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let (from, to) = users_range(points);
        let title = format!(
            "Cost and p99 of each stage, {} to {} users",
            short_count(from),
            short_count(to)
        );
        let root = root
            .titled(&title, (FONT, 26).into_font().style(FontStyle::Bold))
            .map_err(drawing)?;
        let (subtitle, root) = root.split_vertically(34);
        subtitle
            .draw(&Text::new(
                format!(
                    "Targets: p99 ≤ {}, availability ≥ {}. A line ends where its stage stops being feasible.",
                    format_duration(picture.p99_target_s),
                    format_percent(picture.availability_target)
                ),
                ((WIDTH_PX / 2) as i32, 14),
                (FONT, 18)
                    .into_font()
                    .color(&RGBColor(70, 70, 70))
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(drawing)?;
        let (charts, legend) = root.split_horizontally(WIDTH_PX - LEGEND_PX);
        let (top, rest) = charts.split_vertically((HEIGHT_PX as f64 * 0.40) as i32);
        let (middle, bottom) = rest.split_vertically((HEIGHT_PX as f64 * 0.28) as i32);
        cost_panel(&top, picture, (from, to))?;
        relative_panel(&middle, picture, (from, to))?;
        p99_panel(&bottom, picture, (from, to))?;
        draw_legend(&legend, picture)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

fn users_range(points: &[SweepPoint]) -> (f64, f64) {
    let from = points.iter().map(|p| p.users).fold(f64::INFINITY, f64::min);
    let to = points.iter().map(|p| p.users).fold(0.0, f64::max);
    (from, to)
}

/// How a stage's line is drawn at one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    Meets,
    Misses,
    Hidden,
}

fn look(plan: &StagePlan) -> Look {
    if plan.meets_slo {
        Look::Meets
    } else if plan.feasible {
        Look::Misses
    } else {
        Look::Hidden
    }
}

/// A panel's y value of a stage at a sweep point, or `None` (not drawn).
type YValue<'a> = dyn Fn(&SweepPoint, &StagePlan) -> Option<f64> + 'a;

/// Runs of consecutive points with one look, each run starting at the
/// last point of the run before it (so the line has no gaps between a
/// solid and a dashed part). `value` gives the y value or `None` (a gap).
fn runs(points: &[SweepPoint], stage: usize, value: &YValue) -> Vec<(Look, Vec<(f64, f64)>)> {
    let mut out: Vec<(Look, Vec<(f64, f64)>)> = Vec::new();
    let mut previous: Option<(Look, (f64, f64))> = None;
    for point in points {
        let Some(plan) = point.plans.get(stage) else { continue };
        let here = match (look(plan), value(point, plan)) {
            (Look::Hidden, _) | (_, None) => None,
            (l, Some(y)) => Some((l, (point.users, y))),
        };
        match (here, previous) {
            (Some((l, xy)), Some((pl, pxy))) => {
                if out.last().is_some_and(|(last, _)| *last == l) && pl == l {
                    if let Some(run) = out.last_mut() {
                        run.1.push(xy);
                    }
                } else {
                    out.push((l, vec![pxy, xy]));
                }
            }
            (Some((l, xy)), None) => out.push((l, vec![xy])),
            (None, _) => {}
        }
        previous = here;
    }
    out
}

/// A piece of the recommended path: one stage's run (`Some(stage
/// index)`), or the step joining two runs of different stages (`None`).
type PathPiece = (Option<usize>, Vec<(f64, f64)>);

/// The recommended path in pieces; points without a recommendation (or a
/// value) leave a gap.
fn recommended_path(points: &[SweepPoint], value: &YValue) -> Vec<PathPiece> {
    let mut out: Vec<PathPiece> = Vec::new();
    let mut previous: Option<(usize, (f64, f64))> = None;
    for point in points {
        let here = point
            .plans
            .iter()
            .position(|p| p.recommended)
            .and_then(|i| value(point, &point.plans[i]).map(|y| (i, (point.users, y))));
        match (here, previous) {
            (Some((i, xy)), Some((pi, _))) if i == pi => {
                if let Some(run) = out.last_mut() {
                    run.1.push(xy);
                }
            }
            (Some((i, xy)), Some((_, pxy))) => {
                out.push((None, vec![pxy, xy]));
                out.push((Some(i), vec![xy]));
            }
            (Some((i, xy)), None) => out.push((Some(i), vec![xy])),
            (None, _) => {}
        }
        previous = here;
    }
    out
}

/// A change of recommendation: the users where the new stage takes over,
/// its index and its order (the number drawn).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Change {
    users: f64,
    stage: usize,
    order: u64,
}

/// Every point where the recommendation moves to another stage.
fn changes(points: &[SweepPoint]) -> Vec<Change> {
    let mut out = Vec::new();
    let mut last: Option<&str> = None;
    for point in points {
        let Some((stage, plan)) = point.plans.iter().enumerate().find(|(_, p)| p.recommended) else {
            continue;
        };
        if last.is_some_and(|id| id != plan.id) {
            out.push(Change {
                users: point.users,
                stage,
                order: plan.order,
            });
        }
        last = Some(&plan.id);
    }
    out
}

/// The pieces of a polyline inside `lo ≤ y ≤ hi`, cut where it crosses a
/// bound (at the crossing, interpolated in log users and linear y), so a
/// line leaves through the panel's edge instead of running past it.
fn clip(run: &[(f64, f64)], (lo, hi): (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let inside = |y: f64| (lo..=hi).contains(&y);
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for (i, &(x, y)) in run.iter().enumerate() {
        if let Some(&(px, py)) = i.checked_sub(1).and_then(|j| run.get(j)) {
            for bound in [lo, hi] {
                if (py - bound) * (y - bound) < 0.0 {
                    let t = (bound - py) / (y - py);
                    let cross = ((px.ln() + t * (x.ln() - px.ln())).exp(), bound);
                    current.push(cross);
                    if !inside(y) {
                        pieces.push(std::mem::take(&mut current));
                    }
                }
            }
        }
        if inside(y) {
            current.push((x, y));
        }
    }
    pieces.push(current);
    pieces.retain(|p| !p.is_empty());
    pieces
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64Log, RangedCoordf64Any>>;
type RangedCoordf64Log = plotters::coord::combinators::WithKeyPoints<LogCoord<f64>>;
type RangedCoordf64Any = plotters::coord::combinators::WithKeyPoints<AnyY>;

/// The y axis: a log axis (cost) or a linear one (p99).
enum AnyY {
    Log(LogCoord<f64>),
    Linear(RangedCoordf64),
}

impl Ranged for AnyY {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;
    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        match self {
            AnyY::Log(c) => c.map(value, limit),
            AnyY::Linear(c) => c.map(value, limit),
        }
    }
    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match self {
            AnyY::Log(c) => c.key_points(hint),
            AnyY::Linear(c) => c.key_points(hint),
        }
    }
    fn range(&self) -> std::ops::Range<f64> {
        match self {
            AnyY::Log(c) => c.range(),
            AnyY::Linear(c) => c.range(),
        }
    }
    fn axis_pixel_range(&self, limit: (i32, i32)) -> std::ops::Range<i32> {
        match self {
            AnyY::Log(c) => c.axis_pixel_range(limit),
            AnyY::Linear(c) => c.axis_pixel_range(limit),
        }
    }
}

/// Powers of ten from `from` to `to` (the major ticks), and 2× and 5× of
/// each (the minor grid).
fn decade_ticks(from: f64, to: f64) -> (Vec<f64>, Vec<f64>) {
    let (lo, hi) = (from.log10().floor() as i32, to.log10().ceil() as i32);
    let mut major = Vec::new();
    let mut minor = Vec::new();
    for k in lo..=hi {
        let base = 10f64.powi(k);
        let inside = |v: f64| v >= from * (1.0 - 1e-9) && v <= to * (1.0 + 1e-9);
        if inside(base) {
            major.push(base);
        }
        for m in [2.0, 5.0] {
            if inside(base * m) {
                minor.push(base * m);
            }
        }
    }
    (major, minor)
}

/// Ticks of a users axis: the decades labelled, and on a range with fewer
/// than three decades in it the 2× and 5× ticks labelled too.
fn users_ticks(from: f64, to: f64) -> (Vec<f64>, Vec<f64>) {
    let (mut major, minor) = decade_ticks(from, to);
    if major.len() >= 3 {
        return (major, minor);
    }
    major.extend(minor);
    major.sort_by(f64::total_cmp);
    (major, Vec::new())
}

fn users_axis(range: (f64, f64)) -> RangedCoordf64Log {
    let (major, minor) = users_ticks(range.0, range.1);
    let axis: LogCoord<f64> = (range.0..range.1).log_scale().into();
    axis.with_key_points(major).with_light_points(minor)
}

fn panel<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    x: (f64, f64),
    y: AnyY,
    y_ticks: (Vec<f64>, Vec<f64>),
    y_desc: &str,
    y_format: &dyn Fn(&f64) -> String,
    x_desc: Option<&str>,
) -> Result<Chart<'a, 'b>, PlotError> {
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN_PX)
        .margin_right(MARGIN_RIGHT_PX)
        .x_label_area_size(if x_desc.is_some() { X_TITLE_PX } else { X_LABELS_PX })
        .y_label_area_size(Y_LABELS_PX)
        .build_cartesian_2d(users_axis(x), y.with_key_points(y_ticks.0).with_light_points(y_ticks.1))
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .x_desc(x_desc.unwrap_or(""))
        .y_desc(y_desc)
        .axis_desc_style((FONT, 19))
        .label_style((FONT, 17))
        .x_label_formatter(&|v| short_count(*v))
        .y_label_formatter(y_format)
        .bold_line_style(RGBColor(200, 200, 200).stroke_width(1))
        .light_line_style(RGBColor(236, 236, 236).stroke_width(1))
        .axis_style(RGBColor(90, 90, 90).stroke_width(1))
        .draw()
        .map_err(drawing)?;
    Ok(chart)
}

/// Lines and the recommended band for one panel, cut to `y_range`.
fn draw_stages(chart: &mut Chart, picture: &Picture, value: &YValue, y_range: (f64, f64)) -> Result<(), PlotError> {
    let points = picture.points;
    for (stage, run) in recommended_path(points, value) {
        let band = match stage {
            Some(i) => stage_color(i).mix(BAND_ALPHA).stroke_width(BAND_PX),
            None => RGBColor(0, 0, 0).mix(BAND_ALPHA).stroke_width(BAND_PX),
        };
        for piece in clip(&run, y_range) {
            chart.draw_series(LineSeries::new(piece, band)).map_err(drawing)?;
        }
    }
    let stages = points.first().map_or(0, |p| p.plans.len());
    for i in 0..stages {
        let color = stage_color(i);
        for (l, run) in runs(points, i, value) {
            for piece in clip(&run, y_range) {
                match l {
                    Look::Meets => chart
                        .draw_series(LineSeries::new(piece, color.stroke_width(2)))
                        .map(|_| ()),
                    _ => chart
                        .draw_series(DashedLineSeries::new(piece, 6, 5, color.stroke_width(2)))
                        .map(|_| ()),
                }
                .map_err(drawing)?;
            }
        }
    }
    Ok(())
}

fn cost_panel(area: &DrawingArea<SVGBackend, Shift>, picture: &Picture, x: (f64, f64)) -> Result<(), PlotError> {
    let cost = |_: &SweepPoint, p: &StagePlan| (p.usd_per_month > 0.0).then_some(p.usd_per_month);
    let drawn: Vec<f64> = picture
        .points
        .iter()
        .flat_map(|pt| pt.plans.iter().filter(|p| p.feasible).filter_map(|p| cost(pt, p)))
        .collect();
    let lo = drawn.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = drawn.iter().copied().fold(0.0, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (
            10f64.powf((lo.log10() - 0.05).floor()),
            10f64.powf((hi.log10() + 0.05).ceil()),
        )
    } else {
        (1.0, 10.0)
    };
    let y: LogCoord<f64> = (lo..hi).log_scale().into();
    let dollars = |v: &f64| format!("${}", short_count(*v));
    let mut chart = panel(area, x, AnyY::Log(y), decade_ticks(lo, hi), COST_AXIS, &dollars, None)?;
    draw_stages(&mut chart, picture, &cost, (lo, hi))?;
    draw_ceilings(&mut chart, picture.ceilings, x)
}

/// A stage's cost above the recommended stage's at the same count, in
/// percent; only stages that meet the targets (the recommended one is 0).
fn relative_cost(point: &SweepPoint, plan: &StagePlan) -> Option<f64> {
    let cheapest = point.recommended()?.usd_per_month;
    (plan.meets_slo && cheapest > 0.0).then(|| 100.0 * (plan.usd_per_month / cheapest - 1.0))
}

/// The middle panel: cost above the cheapest stage meeting the targets,
/// with every change of recommendation ringed on its 0 % line and
/// numbered below it.
fn relative_panel(area: &DrawingArea<SVGBackend, Shift>, picture: &Picture, x: (f64, f64)) -> Result<(), PlotError> {
    let (width_px, height_px) = area.dim_in_pixel();
    let plot_w = width_px as i32 - MARGIN_PX - MARGIN_RIGHT_PX - Y_LABELS_PX;
    let plot_h = height_px as i32 - 2 * MARGIN_PX - X_LABELS_PX;
    let labels = place_labels(&changes(picture.points), x, plot_w);
    // Below 0 %: a strip for the numbers under the rings.
    let strip_px = f64::from(LABEL_STRIP_PX.min(plot_h / 2));
    let bottom = -strip_px * RELATIVE_TOP_PCT / (plot_h as f64 - strip_px);
    let major: Vec<f64> = (0..=6).map(|k| k as f64 * 10.0).collect();
    let minor: Vec<f64> = major
        .iter()
        .map(|v| v + 5.0)
        .filter(|v| *v < RELATIVE_TOP_PCT)
        .collect();
    let y = AnyY::Linear((bottom..RELATIVE_TOP_PCT).into());
    let percent = |v: &f64| {
        if *v == 0.0 {
            "0%".to_string()
        } else {
            format!("+{v:.0}%")
        }
    };
    let mut chart = panel(area, x, y, (major, minor), RELATIVE_AXIS, &percent, None)?;
    draw_stages(&mut chart, picture, &relative_cost, (bottom, RELATIVE_TOP_PCT))?;
    draw_changes(&mut chart, &labels)
}

/// Where a change's number goes: its change and the pixel offset of the
/// number's centre from the ring, sideways (kept inside the plot).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Label {
    change: Change,
    dx: i32,
}

/// Numbers that would overlap, side by side in one row.
struct Cluster {
    /// The labels it holds, `first..=last`.
    first: usize,
    last: usize,
    /// Its left edge and width, in pixels from the plot's left.
    left: i32,
    width: i32,
}

/// Lays the numbers out in one row below the rings, in the order of the
/// changes: each under its ring where there is room; numbers that would
/// overlap form a cluster spread side by side around the mean of their
/// rings (a leader line joins each to its ring, and none cross), and no
/// cluster runs past the plot's left or right edge.
fn place_labels(changes: &[Change], x: (f64, f64), plot_w: i32) -> Vec<Label> {
    let span = (x.1 / x.0).ln();
    let ring_px: Vec<i32> = changes
        .iter()
        .map(|c| (plot_w as f64 * (c.users / x.0).ln() / span).round() as i32)
        .collect();
    let widths: Vec<i32> = changes
        .iter()
        .map(|c| LABEL_CHAR_PX * c.order.to_string().len() as i32)
        .collect();
    let mut clusters: Vec<Cluster> = Vec::new();
    for i in 0..changes.len() {
        clusters.push(Cluster {
            first: i,
            last: i,
            left: ring_px[i] - widths[i] / 2,
            width: widths[i],
        });
        settle(&mut clusters, &ring_px, plot_w);
    }
    let mut out = Vec::new();
    for cluster in &clusters {
        let mut left = cluster.left;
        for i in cluster.first..=cluster.last {
            out.push(Label {
                change: changes[i],
                dx: left + widths[i] / 2 - ring_px[i],
            });
            left += widths[i] + LABEL_GAP_PX;
        }
    }
    out
}

/// Merges the last cluster into the one before while they overlap, each
/// merged cluster centred on the mean of its rings and kept in the plot.
fn settle(clusters: &mut Vec<Cluster>, ring_px: &[i32], plot_w: i32) {
    loop {
        if let Some(last) = clusters.last_mut() {
            last.left = last.left.clamp(0, (plot_w - last.width).max(0));
        }
        let n = clusters.len();
        if n < 2 || clusters[n - 1].left >= clusters[n - 2].left + clusters[n - 2].width + LABEL_GAP_PX {
            return;
        }
        let Some(last) = clusters.pop() else { return };
        let Some(merged) = clusters.last_mut() else { return };
        merged.last = last.last;
        merged.width += LABEL_GAP_PX + last.width;
        let rings = &ring_px[merged.first..=merged.last];
        let mean = rings.iter().sum::<i32>() / rings.len() as i32;
        merged.left = mean - merged.width / 2;
    }
}

fn draw_changes(chart: &mut Chart, labels: &[Label]) -> Result<(), PlotError> {
    for label in labels {
        let Change { users, stage, order } = label.change;
        let color = stage_color(stage);
        let ring = EmptyElement::at((users, 0.0))
            + Circle::new((0, 0), 6, WHITE.filled())
            + Circle::new((0, 0), 6, color.stroke_width(3));
        chart.draw_series(std::iter::once(ring)).map_err(drawing)?;
        let y = LABEL_DROP_PX;
        if label.dx != 0 {
            let leader = EmptyElement::at((users, 0.0))
                + PathElement::new(vec![(0, 7), (label.dx, y - 12)], color.stroke_width(1));
            chart.draw_series(std::iter::once(leader)).map_err(drawing)?;
        }
        let text = EmptyElement::at((users, 0.0))
            + Text::new(
                order.to_string(),
                (label.dx, y),
                (FONT, 19)
                    .into_font()
                    .style(FontStyle::Bold)
                    .color(&color)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            );
        chart.draw_series(std::iter::once(text)).map_err(drawing)?;
    }
    Ok(())
}

/// A cross at each targets ceiling inside the users range, on the stage's
/// cost line; stages sharing a ceiling get one label (`ceiling 4–9`).
fn draw_ceilings(chart: &mut Chart, ceilings: &[StageCeiling], x: (f64, f64)) -> Result<(), PlotError> {
    let mut groups: Vec<(f64, f64, Vec<u64>)> = Vec::new();
    for (i, c) in ceilings.iter().enumerate() {
        let Limit::Found { users, at, .. } = &c.targets else {
            continue;
        };
        if *users < x.0 || *users > x.1 {
            continue;
        }
        let cross = EmptyElement::at((*users, at.usd_per_month))
            + Cross::new((0, 0), 7, RGBColor(0, 0, 0).stroke_width(5))
            + Cross::new((0, 0), 7, stage_color(i).stroke_width(3));
        chart.draw_series(std::iter::once(cross)).map_err(drawing)?;
        match groups.iter_mut().find(|g| (g.0 / users - 1.0).abs() < 0.01) {
            Some(g) => {
                g.1 = g.1.min(at.usd_per_month);
                g.2.push(c.order);
            }
            None => groups.push((*users, at.usd_per_month, vec![c.order])),
        }
    }
    for (users, usd, orders) in groups {
        let stages = match (orders.first(), orders.last()) {
            (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
            (Some(a), _) => a.to_string(),
            _ => continue,
        };
        let label = EmptyElement::at((users, usd))
            + Text::new(
                format!("ceiling of {stages}: {} users", short_count(users)),
                (12, 10),
                (FONT, 17).into_font().color(&RGBColor(30, 30, 30)),
            );
        chart.draw_series(std::iter::once(label)).map_err(drawing)?;
    }
    Ok(())
}

fn p99_panel(area: &DrawingArea<SVGBackend, Shift>, picture: &Picture, x: (f64, f64)) -> Result<(), PlotError> {
    let target_ms = picture.p99_target_s * 1e3;
    // Up to a quarter above the target, or higher to show lines that miss
    // it (but no higher than 3 × the target: a spike should not flatten
    // the rest).
    let highest_ms = picture
        .points
        .iter()
        .flat_map(|pt| pt.plans.iter().filter(|p| p.feasible))
        .filter_map(|p| p.p99_response_s)
        .fold(0.0, f64::max)
        * 1e3;
    let top_ms = (target_ms * 1.25)
        .max((highest_ms * 1.05).min(target_ms * 3.0))
        .max(1.0);
    let p99 = |_: &SweepPoint, p: &StagePlan| p.p99_response_s.map(|s| s * 1e3);
    // The axis starts a step below the lowest p99 drawn: the lines differ
    // by tens of milliseconds, which a zero-based axis would flatten.
    let lowest_ms = picture
        .points
        .iter()
        .flat_map(|pt| pt.plans.iter().filter(|p| p.feasible).filter_map(|p| p99(pt, p)))
        .fold(target_ms, f64::min);
    let step = nice_step((top_ms - lowest_ms * 0.9) / 6.0);
    let bottom_ms = ((lowest_ms * 0.9 / step).floor() * step).max(0.0);
    let major: Vec<f64> = (0..)
        .map(|k| bottom_ms + k as f64 * step)
        .take_while(|v| *v <= top_ms)
        .collect();
    let minor: Vec<f64> = major.iter().map(|v| v + step / 2.0).filter(|v| *v <= top_ms).collect();
    let y = AnyY::Linear((bottom_ms..top_ms).into());
    let ms = |v: &f64| format!("{v:.0}");
    let mut chart = panel(area, x, y, (major, minor), P99_AXIS, &ms, Some(USERS_AXIS))?;
    chart
        .draw_series(DashedLineSeries::new(
            vec![(x.0, target_ms), (x.1, target_ms)],
            10,
            6,
            TARGET_RED.stroke_width(2),
        ))
        .map_err(drawing)?;
    chart
        .draw_series(std::iter::once(Text::new(
            format!("p99 target {}", format_duration(picture.p99_target_s)),
            (x.0 * 1.15, target_ms),
            (FONT, 17)
                .into_font()
                .color(&TARGET_RED)
                .pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))
        .map_err(drawing)?;
    draw_stages(&mut chart, picture, &p99, (bottom_ms, top_ms))
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    let base = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * base)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * base)
}

fn draw_legend(area: &DrawingArea<SVGBackend, Shift>, picture: &Picture) -> Result<(), PlotError> {
    let text = (FONT, 18).into_font().color(&RGBColor(30, 30, 30));
    let small = (FONT, 16).into_font().color(&RGBColor(60, 60, 60));
    let x0 = 8;
    let mut y = 70;
    area.draw(&Text::new(
        "Stages",
        (x0, y - 34),
        (FONT, 20).into_font().style(FontStyle::Bold),
    ))
    .map_err(drawing)?;
    let stages: Vec<(u64, String)> = picture
        .points
        .first()
        .map(|p| p.plans.iter().map(|s| (s.order, s.id.clone())).collect())
        .unwrap_or_default();
    for (i, (order, id)) in stages.iter().enumerate() {
        let color = stage_color(i);
        area.draw(&PathElement::new(vec![(x0, y), (x0 + 36, y)], color.stroke_width(3)))
            .map_err(drawing)?;
        area.draw(&Text::new(
            format!("{order}  {id}"),
            (x0 + 46, y),
            text.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(drawing)?;
        y += 30;
    }
    y += 24;
    area.draw(&Text::new(
        "Reading it",
        (x0, y - 10),
        (FONT, 20).into_font().style(FontStyle::Bold),
    ))
    .map_err(drawing)?;
    y += 24;
    let grey = RGBColor(70, 70, 70);
    let entry = |y: i32, label: &str| -> Result<(), PlotError> {
        area.draw(&Text::new(
            label.to_string(),
            (x0 + 46, y),
            small.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(drawing)
    };
    area.draw(&PathElement::new(vec![(x0, y), (x0 + 36, y)], grey.stroke_width(2)))
        .map_err(drawing)?;
    entry(y, "meets the targets")?;
    y += 30;
    for piece in [(x0, x0 + 10), (x0 + 15, x0 + 25), (x0 + 30, x0 + 36)] {
        area.draw(&PathElement::new(
            vec![(piece.0, y), (piece.1, y)],
            grey.stroke_width(2),
        ))
        .map_err(drawing)?;
    }
    entry(y, "feasible, misses a target")?;
    y += 30;
    area.draw(&PathElement::new(
        vec![(x0, y), (x0 + 36, y)],
        RGBColor(0, 0, 0).mix(BAND_ALPHA).stroke_width(BAND_PX),
    ))
    .map_err(drawing)?;
    entry(y, "recommended: the cheapest")?;
    y += 22;
    entry(y, "stage meeting the targets,")?;
    y += 22;
    entry(y, "in that stage's color")?;
    y += 30;
    area.draw(&Circle::new((x0 + 18, y), 6, WHITE.filled()))
        .map_err(drawing)?;
    area.draw(&Circle::new((x0 + 18, y), 6, grey.stroke_width(3)))
        .map_err(drawing)?;
    entry(y, "recommendation changes")?;
    y += 22;
    entry(y, "to the stage numbered")?;
    y += 30;
    if picture
        .ceilings
        .iter()
        .any(|c| matches!(c.targets, Limit::Found { .. }))
    {
        area.draw(&Cross::new((x0 + 18, y), 7, grey.stroke_width(3)))
            .map_err(drawing)?;
        entry(y, "stage ceiling: the most")?;
        y += 22;
        entry(y, "users within the targets")?;
        y += 30;
    }
    for piece in [(x0, x0 + 14), (x0 + 22, x0 + 36)] {
        area.draw(&PathElement::new(
            vec![(piece.0, y), (piece.1, y)],
            TARGET_RED.stroke_width(2),
        ))
        .map_err(drawing)?;
    }
    entry(y, "p99 target")?;
    Ok(())
}

/// A tick label: `1`, `500`, `1k`, `20k`, `1M`, `2.5M`, `1B`, `1T`.
pub fn short_count(value: f64) -> String {
    let (scaled, suffix) = match value.abs() {
        a if a >= 1e12 => (value / 1e12, "T"),
        a if a >= 1e9 => (value / 1e9, "B"),
        a if a >= 1e6 => (value / 1e6, "M"),
        a if a >= 1e3 => (value / 1e3, "k"),
        _ => (value, ""),
    };
    let text = format!("{scaled:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_read_like_people_write_them() {
        for (value, want) in [
            (1.0, "1"),
            (500.0, "500"),
            (1e3, "1k"),
            (2e4, "20k"),
            (1e6, "1M"),
            (2.5e6, "2.5M"),
            (1e9, "1B"),
            (1e12, "1T"),
        ] {
            assert_eq!(short_count(value), want);
        }
    }

    #[test]
    fn decade_ticks_cover_the_range() {
        let (major, minor) = decade_ticks(1e3, 1e9);
        assert_eq!(major.len(), 7);
        assert!((major[0] - 1e3).abs() < 1e-9 && (major[6] - 1e9).abs() < 1e-3);
        assert_eq!(minor.len(), 12);
    }

    #[test]
    fn a_short_users_range_labels_its_2x_and_5x_ticks() {
        assert_eq!(users_ticks(2e5, 1e6).0, vec![2e5, 5e5, 1e6]);
        assert_eq!(users_ticks(1e3, 1e9).0.len(), 7);
    }

    #[test]
    fn numbers_that_would_overlap_spread_in_order_inside_the_plot() {
        let change = |users: f64, order: u64| Change { users, stage: 0, order };
        let changes = [
            change(1e3, 4),
            change(2.37e5, 6),
            change(2.51e5, 4),
            change(2.82e5, 6),
            change(1e9, 10),
        ];
        let labels = place_labels(&changes, (1e3, 1e9), 600);
        let centres: Vec<i32> = labels
            .iter()
            .map(|l| (600.0 * (l.change.users / 1e3).ln() / 1e6f64.ln()).round() as i32 + l.dx)
            .collect();
        // In order, apart by a label and a gap, and inside 0..600.
        for (pair, widths) in centres.windows(2).zip(labels.windows(2)) {
            let room = LABEL_CHAR_PX
                * (widths[0].change.order.to_string().len() as i32 + widths[1].change.order.to_string().len() as i32)
                / 2
                + LABEL_GAP_PX;
            assert!(pair[1] - pair[0] >= room - 1, "{centres:?}");
        }
        assert!(
            centres[0] - LABEL_CHAR_PX / 2 >= 0 && centres[4] + LABEL_CHAR_PX <= 600,
            "{centres:?}"
        );
        // The first, at the left edge, moves right by half a number; the
        // last, at the right edge, left by half of its two digits.
        assert_eq!(labels[0].dx, LABEL_CHAR_PX / 2);
        assert_eq!(labels[4].dx, -LABEL_CHAR_PX);
    }

    #[test]
    fn a_line_leaving_the_panel_is_cut_at_its_edge() {
        let run = [(1.0, 0.0), (10.0, 100.0), (100.0, 0.0)];
        let pieces = clip(&run, (-10.0, 50.0));
        assert_eq!(pieces.len(), 2);
        assert!((pieces[0].last().unwrap().1 - 50.0).abs() < 1e-12);
        assert!((pieces[1][0].1 - 50.0).abs() < 1e-12);
        assert!((pieces[0].last().unwrap().0 - 10f64.sqrt()).abs() < 1e-9, "{pieces:?}");
        assert_eq!(
            clip(&[(1.0, 5.0), (2.0, 6.0)], (0.0, 10.0)),
            vec![vec![(1.0, 5.0), (2.0, 6.0)]]
        );
    }

    #[test]
    fn nice_steps_are_1_2_5() {
        for (raw, want) in [(0.7, 1.0), (1.5, 2.0), (33.0, 50.0), (66.7, 100.0), (100.0, 100.0)] {
            assert!((nice_step(raw) - want).abs() < 1e-9, "{raw}");
        }
    }
}
