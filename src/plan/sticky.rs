//! Sticky sessions (stages 3–6): without a shared session store the load
//! balancer pins each user to one web server, so a server's load is the sum
//! of its users' activity, not an even share. The farm is sized for its
//! hottest server, by the same expected-maximum math as shard skew
//! (DESIGN §6, `sharding::skew`), and a server that fails takes its users'
//! sessions with it.

use super::demand::{combine, service_cv, Stream};
use super::tiers::{DcLoad, DcSizing};
use crate::cost::Instance;
use crate::queueing::Mmc;
use crate::search::{least_count, Least};
use crate::sharding::{hottest_shard_share, Layout, Placement};
use crate::workload::Targets;

pub use super::tiers::Sticky;

/// Users pinned by hash to `servers` servers, activity Zipf(`zipf_s`) over
/// `users` users: the expected share of the load on the hottest server.
///
/// ```text
/// share(N) = E[max_j L_j] = skew(N)/N      (sharding::skew, hash placement)
/// ```
pub fn hottest_share(users: f64, zipf_s: f64, servers: u64) -> f64 {
    // Sizing asks for the same few counts again and again (each candidate
    // of the search, the k of k-of-n, the what-ifs): remember them. A pure
    // function of its inputs, so a per-thread memo changes no answer.
    thread_local! {
        static MEMO: crate::memo::Memo<ShareKey, f64> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let key = (users.to_bits(), zipf_s.to_bits(), servers);
    crate::memo::remembered(&MEMO, 256, &key, || compute_hottest_share(users, zipf_s, servers))
}

fn compute_hottest_share(users: f64, zipf_s: f64, servers: u64) -> f64 {
    let layout = Layout {
        keys: users.max(1.0) as u64,
        zipf_s,
        placement: Placement::Hash,
        vnodes: 1,
    };
    hottest_shard_share(&layout, servers.max(1)).unwrap_or(1.0)
}

/// (users, Zipf exponent, servers) as bits: one remembered share.
type ShareKey = (u64, u64, u64);

/// Inputs of a sticky farm in one data center.
pub struct StickyFarm<'a> {
    pub streams: &'a [Stream],
    pub load: DcLoad,
    pub instance: &'a Instance,
    pub min: u64,
    pub n_plus_one: bool,
    /// Users of the data center pinned to its servers (its daily actives).
    pub users: f64,
    pub zipf_s: f64,
}

/// Cap on the search (a farm this large is a modelling error elsewhere).
const MAX_SERVERS: u64 = 1_000_000_000;

/// The least server count whose hottest server stays `≤ u_max` at the
/// normal rate and `≤ u_failover` at the failover rate, and, with N+1, whose
/// hottest server of the `N − 1` left after a failure (its users re-pinned)
/// stays `≤ u_failover`; at least `start` (the even-split count).
pub fn size_sticky(farm: &StickyFarm, targets: &Targets, start: u64) -> Result<DcSizing, String> {
    let (rate, service) = combine(farm.streams);
    let cores = farm.instance.vcpu as f64;
    let load = rate * service;
    let share = |n: u64| hottest_share(farm.users, farm.zipf_s, n);
    let violation = |n: u64| -> Result<Option<&'static str>, String> {
        if n < farm.min.max(1) {
            return Ok(Some("min-servers"));
        }
        if share(n) * load * farm.load.normal > targets.max_util * cores {
            return Ok(Some("max-util"));
        }
        if share(n) * load * farm.load.failover > targets.failover_util * cores {
            return Ok(Some("failover"));
        }
        if farm.n_plus_one && (n < 2 || share(n - 1) * load * farm.load.normal > targets.failover_util * cores) {
            return Ok(Some("n+1"));
        }
        Ok(None)
    };
    let guess = skewed_guess(farm.users, farm.zipf_s, start.max(1));
    let (servers, reason) = match least_from_guess(start.max(1), guess, violation)? {
        Least::Found(n) => (n, String::new()),
        Least::Capped { at, violation } => (
            at,
            format!("sticky sessions: {violation} still broken at {at} servers (one user's activity exceeds a server)"),
        ),
    };
    let binding = sticky_binding(servers, farm.min, targets, |n| violation(n).ok().flatten());
    let hottest_rate = share(servers) * rate * farm.load.normal;
    let queue = Mmc::new(hottest_rate, service, farm.instance.vcpu as u64)
        .and_then(|q| q.with_variability(1.0, service_cv(farm.streams)))
        .map_err(|e| e.to_string())?;
    Ok(DcSizing {
        servers,
        sticky: Some(Sticky {
            hottest_share: share(servers),
            hottest_utilization: queue.utilization(),
            sessions_per_server: farm.users / servers as f64,
        }),
        queue,
        feasible: reason.is_empty(),
        reason,
        binding,
    })
}

/// What set a pinned farm's count, in the planner's binding words: the
/// constraint one server fewer breaks (for the hottest server).
fn sticky_binding(
    servers: u64,
    min: u64,
    targets: &Targets,
    violation: impl Fn(u64) -> Option<&'static str>,
) -> Vec<String> {
    let pct = crate::quantity::format_percent;
    let fewer = match servers {
        0 | 1 => None,
        n => violation(n - 1),
    };
    let label = match fewer {
        Some("max-util") => format!("max-util {} (hottest server)", pct(targets.max_util)),
        Some("failover") => format!("dc-failover {} (hottest server)", pct(targets.failover_util)),
        Some("n+1") => format!("failover {} (hottest server)", pct(targets.failover_util)),
        _ => format!("min-servers {}", min.max(1)),
    };
    vec![label]
}

/// The least count of pinned servers whose hottest one carries
/// `load_cores` at `ceiling` utilization: the `k` of the farm's k-of-n.
pub fn needed_servers(users: f64, zipf_s: f64, load_cores: f64, cores_per_server: f64, ceiling: f64, n: u64) -> u64 {
    let violation =
        |m: u64| Ok::<_, ()>((hottest_share(users, zipf_s, m) * load_cores > ceiling * cores_per_server).then_some(()));
    // An even split needs at least this many; pinning needs more.
    let even = ((load_cores / (ceiling * cores_per_server)).ceil() as u64).clamp(1, n.max(1));
    match least_from_guess(even, skewed_guess(users, zipf_s, even), violation) {
        Ok(Least::Found(m)) => m.min(n.max(1)),
        _ => n.max(1),
    }
}

/// Where the least pinned count probably is: the even-split count `even`
/// times the skew at it (`N·E[max share]`, slowly varying in `N`).
fn skewed_guess(users: f64, zipf_s: f64, even: u64) -> u64 {
    let skew = even as f64 * hottest_share(users, zipf_s, even);
    ((even as f64 * skew).ceil() as u64).max(even)
}

/// The least count `≥ floor` with no violation (monotone), searched from
/// `guess`: down one at a time while the count below still passes, or up
/// by galloping from the first failure. A good guess costs a few
/// evaluations of the (costly) hottest share instead of a search from
/// `floor`.
fn least_from_guess<V, E>(
    floor: u64,
    guess: u64,
    mut violation: impl FnMut(u64) -> Result<Option<V>, E>,
) -> Result<Least<V>, E> {
    let mut n = guess.max(floor).min(MAX_SERVERS.max(floor));
    if violation(n)?.is_some() {
        return least_count(n + 1, MAX_SERVERS, violation);
    }
    while n > floor && violation(n - 1)?.is_none() {
        n -= 1;
    }
    Ok(Least::Found(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_activity_over_many_users_is_nearly_even() {
        // 1M users with uniform activity on 10 servers: the max of 10
        // near-normal shares of mean 0.1 and sd √(0.1·0.9/1e6) = 3e-4 is
        // 0.1 + 1.5388·3e-4 (E[max of 10 std normals] = 1.538753): the
        // excess over an even 1/10 is 4.6e-4. sharding::skew is within
        // 2.9 % of simulation (tests/shard_sim.rs); here within 6 % of the
        // excess (it gives 4.87e-4).
        let share = hottest_share(1e6, 0.0, 10);
        let expected = 0.1 + 1.538_753 * (0.1f64 * 0.9 / 1e6).sqrt();
        assert!(
            (share - expected).abs() < 0.06 * (expected - 0.1),
            "{share} vs {expected}"
        );
    }

    #[test]
    fn one_server_takes_everything() {
        assert!((hottest_share(1e5, 0.5, 1) - 1.0).abs() < 1e-12);
    }
}
