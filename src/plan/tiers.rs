//! Sizing one tier of a stage: scale-out counts, scale-up instances, and
//! the per-data-center split with failover.

use super::demand::{combine, service_cv, Stream};
use crate::cost::Instance;
use crate::queueing::sizing::Constraints;
use crate::queueing::{size, Balancer, Farm, Mmc};
use crate::workload::Targets;

/// Share of a database server's memory its buffer pool may use: InnoDB's
/// usual 70–80 % of RAM (PostgreSQL's shared buffers plus page cache
/// likewise); the rest is the OS, connections and sort buffers.
pub const BUFFER_POOL_FRACTION: f64 = 0.75;

/// Whether `inst` holds `working_set_bytes` in its buffer pool:
/// `working set ≤ 0.75 · memory`.
pub fn fits_memory(inst: &Instance, working_set_bytes: f64) -> bool {
    working_set_bytes <= BUFFER_POOL_FRACTION * inst.memory_bytes()
}

/// A tier's load in one data center: normally, and when it inherits a
/// failed data center's share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DcLoad {
    /// Multiplier of the stage's total rate in normal operation (`w_d`).
    pub normal: f64,
    /// Multiplier when another data center has failed (1 for a single DC).
    pub failover: f64,
}

/// Normal and failover shares per data center: a failed DC's users move to
/// the others in proportion to their shares; the worst case counts.
///
/// ```text
/// failover_d = max_{j≠d} w_d / (1 − w_j)      (w_d for one DC)
/// ```
pub fn dc_loads(shares: &[f64]) -> Vec<DcLoad> {
    shares
        .iter()
        .enumerate()
        .map(|(d, &w)| {
            let failover = shares
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != d)
                .map(|(_, &wj)| w / (1.0 - wj))
                .fold(w, f64::max);
            DcLoad { normal: w, failover }
        })
        .collect()
}

/// The outcome of sizing one tier in one data center.
#[derive(Debug, Clone, PartialEq)]
pub struct DcSizing {
    pub servers: u64,
    /// The queue one request joins at normal peak load.
    pub queue: Mmc,
    pub feasible: bool,
    pub reason: String,
}

/// A scale-out tier of `instance` servers in one data center: the least
/// count meeting `u_max` (and N+1 when asked) at the normal rate, and
/// `u_failover` at the failover rate.
pub fn size_out(
    streams: &[Stream],
    load: DcLoad,
    instance: &Instance,
    balancer: Balancer,
    min: u64,
    n_plus_one: bool,
    targets: &Targets,
) -> Result<DcSizing, String> {
    let (rate, service) = combine(streams);
    let farm = |r: f64| Farm {
        arrival_rate_per_s: r,
        service_time_s: service,
        cores_per_server: instance.vcpu,
        balancer,
        ca: 1.0,
        cs: service_cv(streams),
    };
    let normal = Constraints {
        max_utilization: Some(targets.max_util),
        min_servers: min,
        n_plus_one,
        failover_utilization: targets.failover_util,
        ..Constraints::default()
    };
    let failover = Constraints {
        max_utilization: Some(targets.failover_util),
        min_servers: min,
        ..Constraints::default()
    };
    let at_normal = size(&farm(rate * load.normal), &normal).map_err(|e| e.to_string())?;
    let at_failover = size(&farm(rate * load.failover), &failover).map_err(|e| e.to_string())?;
    let servers = at_normal.servers.max(at_failover.servers);
    let queue = farm(rate * load.normal).queue(servers).map_err(|e| e.to_string())?;
    Ok(DcSizing {
        servers,
        queue,
        feasible: at_normal.feasible && at_failover.feasible,
        reason: [at_normal.reason, at_failover.reason].join(" ").trim().to_string(),
    })
}

/// A scale-up tier: the smallest instance of `family` (ascending) whose
/// cores keep utilization `≤ u_max` at the normal rate and `≤ u_failover`
/// at the failover rate, and whose buffer pool holds `working_set_bytes`
/// (0 for a tier without data). Past the largest, the largest with the
/// reasons.
pub fn size_up<'a>(
    streams: &[Stream],
    load: DcLoad,
    family: &[&'a Instance],
    targets: &Targets,
    working_set_bytes: f64,
) -> Result<(&'a Instance, DcSizing), String> {
    let (rate, service) = combine(streams);
    let cores_fit = |inst: &Instance| {
        let cores = inst.vcpu as f64;
        rate * load.normal * service <= targets.max_util * cores
            && rate * load.failover * service <= targets.failover_util * cores
    };
    let fits = |inst: &Instance| cores_fit(inst) && fits_memory(inst, working_set_bytes);
    let largest = *family.last().ok_or("empty instance family")?;
    let chosen = family.iter().copied().find(|inst| fits(inst)).unwrap_or(largest);
    let queue = Mmc::new(rate * load.normal, service, chosen.vcpu as u64)
        .and_then(|q| q.with_variability(1.0, service_cv(streams)))
        .map_err(|e| e.to_string())?;
    let mut reasons = Vec::new();
    if !cores_fit(chosen) {
        reasons.push(format!(
            "largest instance {} ({} vCPU) would run at {:.0}% utilization, above the {:.0}% ceiling",
            chosen.name,
            chosen.vcpu,
            100.0 * queue.utilization(),
            100.0 * targets.max_util
        ));
    }
    if !fits_memory(chosen, working_set_bytes) {
        reasons.push(format!(
            "its working set {} does not fit the largest instance {}'s buffer pool ({:.0}% of {})",
            crate::quantity::format_bytes(working_set_bytes),
            chosen.name,
            100.0 * BUFFER_POOL_FRACTION,
            crate::quantity::format_bytes(chosen.memory_bytes())
        ));
    }
    Ok((
        chosen,
        DcSizing {
            servers: 1,
            queue,
            feasible: reasons.is_empty(),
            reason: reasons.join("; "),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failover_shares() {
        let loads = dc_loads(&[0.6, 0.4]);
        // Either DC takes everything when the other fails.
        assert!((loads[0].failover - 1.0).abs() < 1e-12);
        assert!((loads[1].failover - 1.0).abs() < 1e-12);
        let three = dc_loads(&[0.5, 0.25, 0.25]);
        // DC 2 (0.25) inherits half of DC 1's users: 0.25/(1 − 0.5) = 0.5.
        assert!((three[1].failover - 0.5).abs() < 1e-12);
        assert!((three[0].failover - 0.5 / 0.75).abs() < 1e-12);
        let one = dc_loads(&[1.0]);
        assert_eq!(
            one[0],
            DcLoad {
                normal: 1.0,
                failover: 1.0
            }
        );
    }
}
