//! Sizing one tier of a stage: scale-out counts, scale-up instances, and
//! the per-data-center split with failover.

use super::demand::{combine, service_cv, Stream};
use crate::cost::Instance;
use crate::model::Tier;
use crate::quantity::{format_bytes, format_percent};
use crate::queueing::sizing::{Constraint, Constraints};
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

/// What pinning users to servers does to one data center's farm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sticky {
    /// Share of the data center's load on its hottest server, `E[max]`.
    pub hottest_share: f64,
    /// The hottest server's utilization at normal peak load.
    pub hottest_utilization: f64,
    /// Sessions one server holds (the day's active users over the servers):
    /// what a server failure loses.
    pub sessions_per_server: f64,
}

/// The outcome of sizing one tier in one data center.
#[derive(Debug, Clone, PartialEq)]
pub struct DcSizing {
    pub servers: u64,
    /// Sticky sessions: the hottest server's share and the sessions a
    /// server holds.
    pub sticky: Option<Sticky>,
    /// The queue one request joins at normal peak load.
    pub queue: Mmc,
    pub feasible: bool,
    pub reason: String,
    /// What set the count or the instance, each with its limit: every
    /// constraint one server fewer (or the next smaller instance) breaks.
    pub binding: Vec<String>,
}

/// A scale-out tier of `instance` servers in one data center: the least
/// count meeting `u_max` (and N+1 when asked) at the normal rate, and
/// `u_failover` at the failover rate when another data center can fail.
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
    // A failed data center's share exists only with more than one.
    let at_failover = match load.failover > load.normal {
        true => size(&farm(rate * load.failover), &failover).map_err(|e| e.to_string())?,
        false => at_normal.clone(),
    };
    let servers = at_normal.servers.max(at_failover.servers);
    let queue = farm(rate * load.normal).queue(servers).map_err(|e| e.to_string())?;
    let binding = out_binding(&at_normal, &at_failover, load, targets.failover_util);
    let reason = match load.failover > load.normal {
        true => [at_normal.reason, at_failover.reason].join(" ").trim().to_string(),
        false => at_normal.reason,
    };
    Ok(DcSizing {
        servers,
        sticky: None,
        queue,
        feasible: at_normal.feasible && at_failover.feasible,
        reason,
        binding,
    })
}

/// What set a scale-out count: the normal sizing's constraints when it
/// asks for at least as many servers as a failed data center's share, and
/// `dc-failover` when that share asks for at least as many (both on a tie).
fn out_binding(
    at_normal: &crate::queueing::Sizing,
    at_failover: &crate::queueing::Sizing,
    load: DcLoad,
    failover_util: f64,
) -> Vec<String> {
    let mut binding: Vec<String> = Vec::new();
    if at_normal.servers >= at_failover.servers {
        binding.extend(at_normal.bound_by.iter().map(Constraint::describe));
    }
    if at_failover.servers >= at_normal.servers && load.failover > load.normal {
        for c in &at_failover.bound_by {
            let text = match c {
                Constraint::MinServers(_) => c.describe(),
                _ => format!("dc-failover {}", format_percent(failover_util)),
            };
            if !binding.contains(&text) {
                binding.push(text);
            }
        }
    }
    binding
}

/// A scale-up tier: the smallest instance of `family` (ascending) whose
/// cores keep utilization `≤ u_max` at the normal rate and `≤ u_failover`
/// at the failover rate (with more than one data center), and whose
/// buffer pool holds `working_set_bytes`
/// (0 for a tier without data). Past the largest, the largest with the
/// reasons. An instance's cores are `tier`'s effective cores (its USL, if
/// any).
pub fn size_up<'a>(
    streams: &[Stream],
    load: DcLoad,
    family: &[&'a Instance],
    targets: &Targets,
    working_set_bytes: f64,
    tier: &Tier,
) -> Result<(&'a Instance, DcSizing), String> {
    let (rate, service) = combine(streams);
    let cores_fit = |inst: &Instance| {
        let cores = tier.effective_cores(inst.vcpu);
        rate * load.normal * service <= targets.max_util * cores
            && (load.failover <= load.normal || rate * load.failover * service <= targets.failover_util * cores)
    };
    let fits = |inst: &Instance| cores_fit(inst) && fits_memory(inst, working_set_bytes);
    let largest = *family.last().ok_or("empty instance family")?;
    let index = family.iter().position(|inst| fits(inst));
    let chosen = index.map_or(largest, |i| family[i]);
    let smaller_breaks = |inst: &Instance| {
        let cores = tier.effective_cores(inst.vcpu);
        // No ceiling can make an instance carry more than its cores.
        if rate * load.normal * service >= cores {
            return vec!["stability".to_string()];
        }
        let mut broken = Vec::new();
        let normal_breaks = rate * load.normal * service > targets.max_util * cores;
        if normal_breaks {
            broken.push(format!("max-util {}", format_percent(targets.max_util)));
        }
        let failover_breaks = rate * load.failover * service > targets.failover_util * cores;
        if failover_breaks && load.failover > load.normal {
            broken.push(format!("dc-failover {}", format_percent(targets.failover_util)));
        }
        if !fits_memory(inst, working_set_bytes) {
            broken.push(format!("memory {}", format_bytes(working_set_bytes)));
        }
        broken
    };
    let binding = match index {
        Some(0) => vec![format!("smallest-instance {}", chosen.name)],
        Some(i) => smaller_breaks(family[i - 1]),
        None => vec![format!("largest-instance {}", chosen.name)],
    };
    let held_s = tier.service_on(service, chosen.vcpu);
    let queue = Mmc::new(rate * load.normal, held_s, chosen.vcpu as u64)
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
            sticky: None,
            queue,
            feasible: reasons.is_empty(),
            reason: reasons.join("; "),
            binding,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::Catalog;
    use proptest::prelude::*;

    /// The keys a binding names: the first word of each ` + ` part.
    fn keys(binding: &[String]) -> Vec<String> {
        binding
            .iter()
            .map(|b| b.split(' ').next().unwrap_or("").to_string())
            .collect()
    }

    #[derive(Debug, Clone)]
    struct Case {
        streams: Vec<Stream>,
        load: DcLoad,
        targets: Targets,
        working_set: f64,
        min: u64,
        n_plus_one: bool,
        balancer: Balancer,
        instance: usize,
    }

    /// `case` with the constraint `key` relaxed.
    fn relaxed(case: &Case, key: &str) -> Case {
        let mut c = case.clone();
        match key {
            "max-util" => c.targets.max_util = 1.0,
            "failover" => c.n_plus_one = false,
            "dc-failover" => c.load.failover = c.load.normal,
            "memory" => c.working_set = 0.0,
            "min-servers" => c.min = 1,
            other => panic!("unexpected binding {other}"),
        }
        c
    }

    fn case_strategy() -> impl Strategy<Value = Case> {
        (
            prop::collection::vec((0.1f64..2e4, 1e-4f64..0.05), 1..3),
            0.2f64..1.0,
            0.0f64..1.0,
            0.3f64..0.9,
            0.0f64..0.3,
            0.0f64..3e12,
            1u64..4,
            prop::bool::ANY,
            prop::bool::ANY,
            0usize..9,
        )
            .prop_map(|(streams, normal, extra, u, fo_extra, ws, min, n1, pooled, instance)| {
                let mut targets = Targets::builtin();
                targets.max_util = u;
                targets.failover_util = (u + fo_extra).min(1.0);
                Case {
                    streams: streams
                        .into_iter()
                        .map(|(rate_per_s, service_s)| Stream { rate_per_s, service_s })
                        .collect(),
                    load: DcLoad {
                        normal,
                        failover: normal + extra * (1.0 - normal),
                    },
                    targets,
                    working_set: ws,
                    min,
                    n_plus_one: n1,
                    balancer: if pooled { Balancer::Pooled } else { Balancer::RoundRobin },
                    instance,
                }
            })
    }

    /// A scale-up database tier without a USL (plain vCPU cores).
    fn plain_tier() -> Tier {
        Tier {
            name: "db".into(),
            kind: crate::model::TierKind::Db,
            scale: crate::model::Scale::Up,
            family: Some("r7i".into()),
            instance: None,
            min: 1,
            n_plus_one: false,
            balancer: None,
            max_replicas: None,
            usl: None,
            policy: None,
            ttl: None,
            spares: 0,
        }
    }

    fn chosen(case: &Case, family: &[&Instance]) -> (usize, DcSizing) {
        let tier = plain_tier();
        let (inst, sizing) = size_up(&case.streams, case.load, family, &case.targets, case.working_set, &tier).unwrap();
        (family.iter().position(|i| i.name == inst.name).unwrap(), sizing)
    }

    fn count(case: &Case, instance: &Instance) -> DcSizing {
        size_out(
            &case.streams,
            case.load,
            instance,
            case.balancer,
            case.min,
            case.n_plus_one,
            &case.targets,
        )
        .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Scale-up: relaxing the constraint the next smaller instance breaks
        /// lets it (or a smaller one) be chosen; relaxing any other does not.
        #[test]
        fn scale_up_binding_names_what_the_smaller_instance_breaks(case in case_strategy()) {
            let catalog = Catalog::builtin();
            let family = catalog.family("r7i");
            let (index, sizing) = chosen(&case, &family);
            let named = keys(&sizing.binding);
            prop_assert!(!named.is_empty());
            match named[0].as_str() {
                "smallest-instance" => prop_assert_eq!(index, 0),
                "largest-instance" => prop_assert!(!sizing.feasible),
                "stability" => {
                    let (rate, service) = combine(&case.streams);
                    prop_assert!(rate * case.load.normal * service >= family[index - 1].vcpu as f64);
                }
                _ => {
                    let all = named.iter().fold(case.clone(), |c, k| relaxed(&c, k));
                    prop_assert!(chosen(&all, &family).0 < index, "relaxing {:?}", named);
                    for key in &named {
                        let smaller = chosen(&relaxed(&case, key), &family).0 < index;
                        prop_assert_eq!(smaller, named.len() == 1, "{} alone of {:?}", key, named);
                    }
                    for other in ["max-util", "dc-failover", "memory"].iter().filter(|k| !named.contains(&k.to_string())) {
                        prop_assert_eq!(chosen(&relaxed(&case, other), &family).0, index, "relaxing {}", other);
                    }
                }
            }
        }

        /// Scale-out: relaxing the named constraint alone allows fewer
        /// servers; relaxing any other alone does not.
        #[test]
        fn scale_out_binding_names_what_one_server_fewer_breaks(case in case_strategy()) {
            let catalog = Catalog::builtin();
            let instance = catalog.family("c7i")[case.instance];
            let sizing = count(&case, instance);
            prop_assume!(sizing.feasible);
            let n = sizing.servers;
            let named = keys(&sizing.binding);
            prop_assert!(!named.is_empty());
            if named.contains(&"stability".to_string()) {
                // Unstable one server fewer at the normal load: no target helps.
                let (rate, service) = combine(&case.streams);
                let cores = (n - 1) as f64 * instance.vcpu as f64;
                prop_assert!(rate * case.load.normal * service >= cores);
                return Ok(());
            }
            if n == 1 {
                return Ok(());
            }
            let all = named.iter().fold(case.clone(), |c, k| relaxed(&c, k));
            prop_assert!(count(&all, instance).servers < n, "relaxing {:?}", named);
            for key in &named {
                let fewer = count(&relaxed(&case, key), instance).servers < n;
                prop_assert_eq!(fewer, named.len() == 1, "{} alone of {:?}", key, named);
            }
            let others = ["max-util", "failover", "dc-failover", "min-servers"];
            for other in others.iter().filter(|k| !named.contains(&k.to_string())) {
                prop_assert_eq!(count(&relaxed(&case, other), instance).servers, n, "relaxing {}", other);
            }
        }
    }

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
