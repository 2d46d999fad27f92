//! Placeholder: replaced by the tornado chart.

#[derive(Debug)]
pub struct PlotError(pub String);
impl std::fmt::Display for PlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
pub struct TornadoBar {
    pub input: String,
    pub low_label: String,
    pub high_label: String,
    pub at_low: f64,
    pub at_high: f64,
}
pub struct Tornado {
    pub title: String,
    pub value_label: String,
    pub base: f64,
    pub bars: Vec<TornadoBar>,
}
pub fn tornado_svg(_t: &Tornado) -> Result<String, PlotError> {
    Err(PlotError("not yet".into()))
}
