//! DNS on the user's path and in a data-center failover (DESIGN §4, §7).
//!
//! - A request whose host name the client has not resolved yet waits for
//!   its resolver first: with probability `1 − h_dns` the user-perceived
//!   latency gains `t_dns` (a constant), so `user_p99` is of the mixture.
//! - Geo routing fails a data center over by DNS: when one fails, its users
//!   are still sent to it until the health checks notice (`t_detect`) and
//!   the DNS answers they hold expire (`TTL`). Every failure of data center
//!   `d` (`f` a second) costs its share `w_d` of users `t_detect + TTL`;
//!   over all data centers that is `Σ_d f·w_d·(t_detect + TTL) =
//!   f·(t_detect + TTL)` of all users' time, which multiplies the stage's
//!   availability as one more element in series:
//!   `A′ = A·(1 − f·(t_detect + TTL))`.

use super::data::DcFailover;
use super::StageContext;
use crate::model::{DEFAULT_DC_FAILURES_PER_YEAR, DEFAULT_DNS_TTL_S, DEFAULT_HEALTH_CHECK_DETECTION_S};

/// Seconds in a year of 365.25 days.
const SECONDS_PER_YEAR: f64 = 365.25 * 86_400.0;

impl StageContext<'_> {
    /// `(share of requests, seconds added)`: the requests that find the
    /// name resolved, and those that wait `t_dns` for the resolver.
    pub(super) fn dns_lookups(&self) -> Vec<(f64, f64)> {
        let w = self.w();
        [(w.dns_hit_share, 0.0), (1.0 - w.dns_hit_share, w.dns_resolver_time_s)]
            .into_iter()
            .filter(|(share, _)| *share > 0.0)
            .collect()
    }

    /// What one data-center failure costs through DNS failover (module
    /// docs); `None` with one data center, which has nothing to fail over
    /// to (its own outage is in its availability already).
    pub(super) fn dc_failover(&self) -> Option<DcFailover> {
        if self.loads.len() < 2 {
            return None;
        }
        let stage = self.stage;
        let downtime_s = stage.health_check_detection.unwrap_or(DEFAULT_HEALTH_CHECK_DETECTION_S)
            + stage.dns_ttl.unwrap_or(DEFAULT_DNS_TTL_S);
        let failures_per_s = stage.dc_failures_per_year.unwrap_or(DEFAULT_DC_FAILURES_PER_YEAR) / SECONDS_PER_YEAR;
        Some(DcFailover {
            downtime_s,
            unavailability: (failures_per_s * downtime_s).min(1.0),
        })
    }
}

/// `A·(1 − U_f)`: the availability with the failover transitions in series.
pub fn with_failover(availability: f64, failover: Option<&DcFailover>) -> f64 {
    availability * (1.0 - failover.map_or(0.0, |f| f.unavailability))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failover_transitions_multiply_the_availability() {
        // 2 failures a year of 30 s + 60 s: 180 s a year, 5.704e-6 of the
        // time; 99.99 % becomes 99.99 %·(1 − 5.704e-6).
        let failover = DcFailover {
            downtime_s: 90.0,
            unavailability: 2.0 * 90.0 / (365.25 * 86_400.0),
        };
        assert!((failover.unavailability - 5.703_856e-6).abs() < 1e-11);
        let a = with_failover(0.9999, Some(&failover));
        assert!((a - 0.9999 * (1.0 - 5.703_856e-6)).abs() < 1e-12);
        assert_eq!(with_failover(0.9999, None), 0.9999);
    }
}
