//! The USL picture for `fit usl --plot`: the measured throughputs, the
//! fitted curve, linear scaling `λN` for comparison and the peak `N*`.
//! SVG by plotters' SVG backend into a string (the ladder picture's
//! fonts and colors, src/plot.rs). Pure: no I/O.

use super::significant;
use super::usl::UslFit;
use crate::plot::{stage_color, PlotError};
use crate::quantity::{format_rate, format_thousands};
use plotters::prelude::*;

pub const WIDTH_PX: u32 = 1000;
pub const HEIGHT_PX: u32 = 640;
const FONT: &str = "sans-serif";
const CURVE_POINTS: usize = 400;

/// Axis titles, with units.
pub const CONCURRENCY_AXIS: &str = "Concurrency N (clients or threads in the load test)";
pub const THROUGHPUT_AXIS: &str = "Throughput (per second)";

fn drawing<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError(e.to_string())
}

/// The SVG text: data as dots, the fit as a line, `λN` dashed, and a
/// dashed vertical line at `N*` when the peak lies within the drawn range
/// (up to 1.5 × the largest measured concurrency).
pub fn usl_svg(points: &[(f64, f64)], fit: &UslFit) -> Result<String, PlotError> {
    if points.is_empty() {
        return Err(PlotError("no measurements to draw".into()));
    }
    let peak = fit
        .peak_concurrency
        .filter(|n| *n <= 1.5 * fit.max_concurrency)
        .zip(fit.peak_throughput_per_s);
    let x_max = 1.05 * peak.map_or(fit.max_concurrency, |(n, _)| n.max(fit.max_concurrency));
    let measured_max = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let y_max = 1.15 * peak.map_or(measured_max, |(_, x)| x.max(measured_max));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH_PX, HEIGHT_PX)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let title = format!(
            "Universal Scalability Law: σ = {:.5}, κ = {:.4e}, λ = {}/s, {}-bound",
            fit.sigma,
            fit.kappa,
            significant(fit.lambda_per_s, 5),
            fit.bound.as_str()
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 22).into_font().style(FontStyle::Bold))
            .margin(16)
            .margin_right(30)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .x_desc(CONCURRENCY_AXIS)
            .y_desc(THROUGHPUT_AXIS)
            .axis_desc_style((FONT, 19))
            .label_style((FONT, 17))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format_thousands(*v))
            .bold_line_style(RGBColor(220, 220, 220).stroke_width(1))
            .light_line_style(RGBColor(240, 240, 240).stroke_width(1))
            .axis_style(RGBColor(90, 90, 90).stroke_width(1))
            .draw()
            .map_err(drawing)?;
        draw_series(&mut chart, points, fit, (x_max, y_max), peak)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font((FONT, 17))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(180, 180, 180))
            .draw()
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn draw_series(
    chart: &mut Chart,
    points: &[(f64, f64)],
    fit: &UslFit,
    (x_max, y_max): (f64, f64),
    peak: Option<(f64, f64)>,
) -> Result<(), PlotError> {
    let (data, curve, linear) = (stage_color(0), stage_color(3), RGBColor(120, 120, 120));
    let linear_end = x_max.min(y_max / fit.lambda_per_s);
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, 0.0), (linear_end, fit.lambda_per_s * linear_end)],
            6,
            5,
            linear.stroke_width(1),
        ))
        .map_err(drawing)?
        .label("linear scaling λN")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], linear.stroke_width(1)));
    let steps = CURVE_POINTS as f64;
    let fitted = (0..=CURVE_POINTS).map(|i| {
        let n = x_max * i as f64 / steps;
        (n, fit.throughput(n))
    });
    chart
        .draw_series(LineSeries::new(fitted, curve.stroke_width(3)))
        .map_err(drawing)?
        .label("USL fit X(N)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], curve.stroke_width(3)));
    chart
        .draw_series(points.iter().map(|&(n, x)| Circle::new((n, x), 5, data.filled())))
        .map_err(drawing)?
        .label("measured")
        .legend(move |(x, y)| Circle::new((x + 10, y), 5, data.filled()));
    if let Some((n, x)) = peak {
        chart
            .draw_series(DashedLineSeries::new([(n, 0.0), (n, x)], 4, 4, curve.stroke_width(1)))
            .map_err(drawing)?;
        let label = EmptyElement::at((n, x))
            + Text::new(
                format!("peak N* = {n:.1}, X = {}", format_rate(x)),
                (8, -26),
                (FONT, 17).into_font().color(&RGBColor(30, 30, 30)),
            );
        chart.draw_series(std::iter::once(label)).map_err(drawing)?;
    }
    Ok(())
}
