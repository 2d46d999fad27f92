//! A unit price by volume bands, as providers publish transfer prices
//! ("first 10 TB / month at 0.09, next 40 TB at 0.085, …").

/// One volume band: from `from` units a month on, each unit costs `usd`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Units per month at which this band starts (0 for the first band).
    pub from: f64,
    /// USD per unit inside the band.
    pub usd: f64,
}

/// A unit price: one band (a flat price) or several, ascending by `from`,
/// the first starting at 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    pub bands: Vec<Band>,
}

/// What one band charges for a monthly quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Charge {
    /// Where the band starts and ends (`None`: no upper end), in units.
    pub from: f64,
    pub to: Option<f64>,
    /// Units that fall in the band.
    pub units: f64,
    pub usd_per_unit: f64,
    /// `units · usd_per_unit`.
    pub usd: f64,
}

impl Rate {
    /// One price for every unit.
    pub fn flat(usd: f64) -> Rate {
        Rate {
            bands: vec![Band { from: 0.0, usd }],
        }
    }

    /// The first band's price (the whole price of a flat rate).
    pub fn first_usd(&self) -> f64 {
        self.bands.first().map_or(0.0, |b| b.usd)
    }

    /// The charge of every band a monthly `quantity` reaches, in order. A
    /// quantity of 0 (or below) gives the first band with no units, so a
    /// bill line still shows the price.
    ///
    /// ```text
    /// units_b = max(0, min(Q, t_{b+1}) − t_b),   cost_b = units_b · p_b
    /// ```
    /// where `t_b` is band `b`'s start, `t_{b+1}` the next band's (∞ for
    /// the last) and `p_b` its price.
    pub fn charges(&self, quantity: f64) -> Vec<Charge> {
        let q = quantity.max(0.0);
        let mut out = Vec::new();
        for (i, band) in self.bands.iter().enumerate() {
            let to = self.bands.get(i + 1).map(|next| next.from);
            let units = (to.map_or(q, |t| q.min(t)) - band.from).max(0.0);
            if units > 0.0 || i == 0 {
                out.push(Charge {
                    from: band.from,
                    to,
                    units,
                    usd_per_unit: band.usd,
                    usd: units * band.usd,
                });
            }
        }
        out
    }

    /// The monthly cost of `quantity` units: the sum over bands,
    /// `C(Q) = Σ_b p_b · max(0, min(Q, t_{b+1}) − t_b)`.
    pub fn usd(&self, quantity: f64) -> f64 {
        self.charges(quantity).iter().map(|c| c.usd).sum()
    }
}

/// AWS internet egress as a test price: 0.09 for the first 10 TB (10,240 GB),
/// then 0.085, 0.07 and 0.05 a GB.
#[cfg(test)]
pub fn sample_egress() -> Rate {
    Rate {
        bands: vec![
            Band { from: 0.0, usd: 0.09 },
            Band {
                from: 10_240.0,
                usd: 0.085,
            },
            Band {
                from: 51_200.0,
                usd: 0.07,
            },
            Band {
                from: 153_600.0,
                usd: 0.05,
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::sample_egress as egress;

    #[test]
    fn a_flat_rate_is_one_band() {
        let rate = Rate::flat(0.02);
        assert!((rate.usd(1000.0) - 20.0).abs() < 1e-12);
        assert_eq!(rate.charges(0.0).len(), 1);
        assert_eq!(rate.charges(0.0)[0].units, 0.0);
    }

    #[test]
    fn a_volume_spanning_two_bands_by_hand() {
        // 30 000 GB: 10 240 GB at 0.09 = 921.60, 19 760 GB at 0.085 = 1 679.60.
        let charges = egress().charges(30_000.0);
        assert_eq!(charges.len(), 2);
        assert!((charges[0].units - 10_240.0).abs() < 1e-9);
        assert!((charges[0].usd - 921.6).abs() < 1e-9);
        assert!((charges[1].units - 19_760.0).abs() < 1e-9);
        assert!((charges[1].usd - 1679.6).abs() < 1e-9);
        assert!((egress().usd(30_000.0) - 2601.2).abs() < 1e-9);
    }

    #[test]
    fn every_band_up_to_the_last() {
        // 200 000 GB: 921.6 + 40 960·0.085 + 102 400·0.07 + 46 400·0.05.
        let expected = 921.6 + 3481.6 + 7168.0 + 2320.0;
        assert!((egress().usd(200_000.0) - expected).abs() < 1e-9);
        assert_eq!(egress().charges(200_000.0).len(), 4);
        assert_eq!(egress().charges(200_000.0)[3].to, None);
    }

    #[test]
    fn cost_is_continuous_and_increasing_across_a_band_edge() {
        let rate = egress();
        let below = rate.usd(10_240.0 - 1e-6);
        let above = rate.usd(10_240.0 + 1e-6);
        assert!(above > below && above - below < 1e-6);
        assert!((rate.usd(10_240.0) - 921.6).abs() < 1e-9);
    }
}
