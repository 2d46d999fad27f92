//! Calibration from measurements (DESIGN §11): service demands from
//! production metrics (`fit demand`) and a machine's scaling from a load
//! test (`fit usl`). Reading the files is in `measurements` and
//! `prometheus` (text in, one-line errors out); the math in `regression`,
//! `demand` and `usl`; `emit` writes the workload fragment and `plot` the
//! USL picture. Nothing here does I/O.

pub mod demand;
pub mod emit;
pub mod measurements;
pub mod plot;
pub mod prometheus;
pub mod regression;
pub mod usl;

/// `v` with `digits` significant digits, trailing zeros kept off:
/// `89.995` (5 digits of 89.99523), `1884`, `0.027728`; outside 1e-4..1e9
/// in exponent form (`1.00e300`); `—` when not finite.
pub fn significant(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    if !(1e-4..1e9).contains(&v.abs()) {
        return format!("{v:.prec$e}", prec = digits.saturating_sub(1));
    }
    let before = v.abs().log10().floor() as i64 + 1;
    let decimals = (digits as i64 - before).max(0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A fixed level as people say it: `0.95` → `95%`, `0.995` → `99.5%`.
pub fn percent(fraction: f64) -> String {
    format!("{}%", significant(100.0 * fraction, 3))
}

#[cfg(test)]
mod tests {
    #[test]
    fn significant_digits() {
        assert_eq!(super::significant(89.99523310409911, 5), "89.995");
        assert_eq!(super::significant(1883.898996, 5), "1883.9");
        assert_eq!(super::significant(14.213489, 3), "14.2");
        assert_eq!(super::significant(250000.4, 3), "250000");
        assert_eq!(super::significant(0.5, 3), "0.5");
        assert_eq!(super::significant(1e300, 3), "1.00e300");
        assert_eq!(super::significant(f64::NAN, 3), "—");
        assert_eq!(super::percent(0.95), "95%");
        assert_eq!(super::percent(0.995), "99.5%");
    }
}
