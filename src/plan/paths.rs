//! Request classes and their paths through the tiers (DESIGN §4): the
//! server-side and user-side latency distributions of dynamic requests.
//!
//! Static requests are not in these numbers: they are served by the web
//! tier or a CDN and the SLO is about dynamic requests.
//!
//! Once the database is sharded, a share of reads (the workload's
//! `join_share`) gathers from `k = join_shards` shards: each of its
//! database visits is the slowest of `k` parallel shard visits
//! ([`Visit::max_of`]), and the user side adds the DNS lookup a request
//! makes when its host name is not cached (`dns.rs`).

use super::{StageContext, TierPlan};
use crate::latency::{self, Class, Visit};
use crate::model::TierKind;
use crate::queueing::Mmc;
use crate::sharding::distinct_shards;
use std::cell::RefCell;
use std::collections::HashMap;

/// A fan-out this unlikely (a join's keys on exactly `d` shards) is left
/// out of the latency mixture; its probability stays below rounding.
const FAN_OUT_NEGLIGIBLE: f64 = 1e-12;

/// Mean, p99 (server side) and user p99 of dynamic requests, or `None`
/// where a tier is unstable.
pub struct Latency {
    pub mean_s: Option<f64>,
    pub p99_s: Option<f64>,
    pub user_p99_s: Option<f64>,
}

/// Distinct paths whose p99 one thread remembers before starting afresh.
const P99_MEMO_LEN: usize = 256;

thread_local! {
    /// p99s already solved on this thread, by the exact bits of the path:
    /// the p99 search and the spares plan a stage many times, and when a
    /// step leaves every queue as it was, the path is the same one.
    static P99_MEMO: RefCell<HashMap<Vec<u64>, Option<f64>>> = RefCell::new(HashMap::new());
}

/// [`latency::quantile_s`] at 0.99, remembered by the path's exact bits
/// (a pure function of them, so remembering changes no answer).
fn p99_remembered(classes: &[Class]) -> Option<f64> {
    let mut key = Vec::with_capacity(2 + classes.iter().map(|c| 3 + 4 * c.visits.len()).sum::<usize>());
    for c in classes {
        key.extend([c.probability.to_bits(), c.fixed_s.to_bits(), c.visits.len() as u64]);
        for v in &c.visits {
            key.extend([
                v.p_wait.to_bits(),
                v.wait_rate_per_s.to_bits(),
                v.service_s.to_bits(),
                v.fan_out as u64,
            ]);
        }
    }
    if let Some(hit) = P99_MEMO.with(|m| m.borrow().get(&key).copied()) {
        return hit;
    }
    let p99 = latency::quantile_s(classes, 0.99).ok();
    P99_MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= P99_MEMO_LEN {
            m.clear();
        }
        m.insert(key, p99);
    });
    p99
}

/// The queue of `kind` in data center `dc` (the first one for global tiers).
fn queue_of(tiers: &[TierPlan], kind: TierKind, dc: usize) -> Option<&Mmc> {
    let tier = tiers.iter().find(|t| t.kind == kind)?;
    tier.queues.get(dc).or(tier.queues.first())
}

impl StageContext<'_> {
    pub(super) fn latency(&self, tiers: &[TierPlan]) -> Latency {
        if self.shared.p99_pass_fail {
            let target_s = self.inputs.targets.p99_s;
            let p99_s = self
                .meets_p99_target(tiers)
                .map(|meets| if meets { target_s } else { 2.0 * target_s });
            return Latency {
                mean_s: None,
                p99_s,
                user_p99_s: None,
            };
        }
        let server = self.classes(tiers, false);
        // A ceiling probe reads the server-side p99 only: skip the users'.
        if self.shared.probe {
            let p99_s = server.as_ref().and_then(|c| p99_remembered(c));
            return Latency {
                mean_s: server.as_ref().and_then(|c| latency::mean_s(c).ok()),
                p99_s,
                user_p99_s: None,
            };
        }
        let user = self.classes(tiers, true);
        match (server, user) {
            (Some(server), Some(user)) => Latency {
                mean_s: latency::mean_s(&server).ok(),
                p99_s: p99_remembered(&server),
                user_p99_s: p99_remembered(&user),
            },
            _ => Latency {
                mean_s: None,
                p99_s: None,
                user_p99_s: None,
            },
        }
    }

    /// Whether the server-side p99 meets its target, read at the target
    /// alone: p99 ≤ target exactly when `P(T > target) ≤ 1 %` (one
    /// evaluation of the distribution instead of a quantile solve). `None`
    /// where a queue on the path is unstable.
    pub(super) fn meets_p99_target(&self, tiers: &[TierPlan]) -> Option<bool> {
        let classes = self.classes(tiers, false)?;
        let tail = latency::survival(&classes, self.inputs.targets.p99_s).ok()?;
        Some(tail <= 0.01)
    }

    /// Every dynamic request class in every data center, weighted by the
    /// DC's share; with `with_client` the client's round trip and DNS
    /// lookup are added.
    pub(super) fn classes(&self, tiers: &[TierPlan], with_client: bool) -> Option<Vec<Class>> {
        let mut out = Vec::new();
        for (dc, load) in self.loads.iter().enumerate() {
            for class in self.dc_classes(tiers, dc)? {
                let base = Class {
                    probability: class.probability * load.normal,
                    ..class
                };
                if with_client {
                    out.extend(self.client_delays().into_iter().map(|(share, delay)| Class {
                        probability: base.probability * share,
                        fixed_s: base.fixed_s + delay,
                        visits: base.visits.clone(),
                    }));
                } else {
                    out.push(base);
                }
            }
        }
        Some(out)
    }

    /// (share of requests, round trip plus DNS lookup): every client round
    /// trip with and without a lookup.
    fn client_delays(&self) -> Vec<(f64, f64)> {
        let lookups = self.dns_lookups();
        self.client_rtts()
            .into_iter()
            .flat_map(|(share, rtt)| lookups.iter().map(move |(p, dns)| (share * p, rtt + dns)))
            .collect()
    }

    /// (share of users, round trip): geo routing puts everyone near a DC;
    /// with one DC the far users pay the long round trip.
    fn client_rtts(&self) -> Vec<(f64, f64)> {
        let w = self.w();
        if self.loads.len() > 1 {
            vec![(1.0, w.client_rtt_near_s)]
        } else {
            vec![
                (1.0 - w.far_user_fraction, w.client_rtt_near_s),
                (w.far_user_fraction, w.client_rtt_far_s),
            ]
        }
    }

    /// Read classes (by number of cache misses) and the write class of one
    /// DC, each split by the number of jobs the request runs inline.
    fn dc_classes(&self, tiers: &[TierPlan], dc: usize) -> Option<Vec<Class>> {
        let mut out = Vec::new();
        for (share, front) in self.front_visits(tiers, dc)? {
            for class in self.data_classes(tiers, dc, &front)? {
                out.push(Class {
                    probability: class.probability * share,
                    ..class
                });
            }
        }
        Some(out)
    }

    /// The classes behind one front (web visit and session lookups).
    fn data_classes(&self, tiers: &[TierPlan], dc: usize, front: &[Visit]) -> Option<Vec<Class>> {
        let w = self.w();
        let queries_per_read = w.db_queries_per_read.round().max(0.0) as u64;
        let queries_per_write = w.db_queries_per_write.round().max(0.0) as u64;
        // A model without a data tier (a bare web farm) has front visits only.
        let (db_read, db_write) = match self.db_queues(tiers, dc) {
            Some((r, w)) => (Some(r), Some(w)),
            None => (None, None),
        };
        let cache = queue_of(tiers, TierKind::Cache, dc);
        let mut classes = Vec::new();
        for misses in 0..=queries_per_read {
            let p = match cache {
                Some(_) => binomial(queries_per_read, misses, 1.0 - self.hit_ratio),
                None if misses == queries_per_read => 1.0,
                None => 0.0,
            };
            if p <= 0.0 {
                continue;
            }
            for (share, fan_out) in self.read_fan_outs(misses) {
                let mut visits = front.to_vec();
                if let Some(c) = cache {
                    visits.extend(repeat(c, w.cache_op_s, queries_per_read + misses)?);
                }
                if let Some(db) = db_read {
                    let visit = Visit::from_mmc(db, w.db_read_s).ok()?.max_of(fan_out);
                    visits.extend(vec![visit; misses as usize]);
                }
                let remote = self.remote_read_share(tiers, dc);
                let p = w.read_fraction * p * share;
                classes.push(self.class(p * (1.0 - remote), visits.clone(), false));
                if remote > 0.0 {
                    classes.push(self.class(p * remote, visits, true));
                }
            }
        }
        let mut visits = front.to_vec();
        if let Some(db) = db_write {
            visits.extend(repeat(db, w.db_write_s, queries_per_write)?);
        }
        if let Some(c) = cache {
            visits.extend(repeat(c, w.cache_op_s, queries_per_write)?);
        }
        let remote = self.remote_write_share(dc);
        classes.push(self.class((1.0 - w.read_fraction) * (1.0 - remote), visits.clone(), false));
        if remote > 0.0 {
            classes.push(self.class((1.0 - w.read_fraction) * remote, visits, true));
        }
        Some(classes.into_iter().filter(|c| c.probability > 0.0).collect())
    }

    /// The visits every dynamic request makes before the data tiers, one
    /// alternative per inline-job class (share, visits): the web (or
    /// all-in-one) server with that class's own service, and the session
    /// store once there is one.
    fn front_visits(&self, tiers: &[TierPlan], dc: usize) -> Option<Vec<(f64, Vec<Visit>)>> {
        let w = self.w();
        let web_kind = if self.stage.has(TierKind::AllInOne) {
            TierKind::AllInOne
        } else {
            TierKind::Web
        };
        let web = queue_of(tiers, web_kind, dc)?;
        let mut session = Vec::new();
        if let Some(store) = queue_of(tiers, TierKind::Session, dc) {
            let lookups = w.session_lookups_per_request.round().max(0.0) as u64;
            session = repeat(store, w.session_op_s, lookups)?;
        }
        super::demand::dynamic_classes(w, self.stage)
            .into_iter()
            .map(|(share, service_s)| {
                let mut visits = vec![Visit::from_mmc(web, service_s).ok()?];
                visits.extend(session.iter().copied());
                Some((share, visits))
            })
            .collect()
    }

    /// (share of reads, shards each database visit goes to): on `S` shards
    /// `join_share` of the reads gather from the distinct shards their
    /// `join_shards` keys hash to, `d` of them with probability `P(D = d)`
    /// (`sharding::distinct_shards`); every other read visits one.
    fn read_fan_outs(&self, misses: u64) -> Vec<(f64, u32)> {
        let w = self.w();
        let Some(shards) = self.shards.filter(|_| misses > 0 && w.join_share > 0.0) else {
            return vec![(1.0, 1)];
        };
        let spread = distinct_shards(w.join_shards as u32, shards);
        let mut out = vec![(1.0 - w.join_share + w.join_share * spread[1], 1)];
        out.extend(
            spread
                .iter()
                .enumerate()
                .skip(2)
                .filter(|(_, p)| **p > FAN_OUT_NEGLIGIBLE)
                .map(|(d, p)| (w.join_share * p, d as u32)),
        );
        out.retain(|(share, _)| *share > 0.0);
        out
    }

    /// Where reads and writes go: replicas and the primary, the shards, the
    /// one database, or the all-in-one box.
    fn db_queues<'t>(&self, tiers: &'t [TierPlan], dc: usize) -> Option<(&'t Mmc, &'t Mmc)> {
        for (read_kind, write_kind) in [
            (TierKind::DbReplica, TierKind::DbPrimary),
            (TierKind::DbReplica, TierKind::DbShard),
            (TierKind::DbShard, TierKind::DbShard),
            (TierKind::DbPrimary, TierKind::DbPrimary),
            (TierKind::Db, TierKind::Db),
            (TierKind::AllInOne, TierKind::AllInOne),
        ] {
            if let (Some(r), Some(w)) = (queue_of(tiers, read_kind, dc), queue_of(tiers, write_kind, dc)) {
                return Some((r, w));
            }
        }
        None
    }

    /// Share of a DC's reads that cross to the primary's DC (DC 0): all of
    /// them away from it when the one global database serves the reads
    /// (no replicas in the DC).
    fn remote_read_share(&self, tiers: &[TierPlan], dc: usize) -> f64 {
        let global_reads = !tiers.iter().any(|t| t.kind == TierKind::DbReplica)
            && tiers
                .iter()
                .any(|t| matches!(t.kind, TierKind::DbPrimary | TierKind::DbShard));
        if dc == 0 || !global_reads {
            0.0
        } else {
            1.0
        }
    }

    /// Share of a DC's writes that cross to the primary's DC (DC 0).
    fn remote_write_share(&self, dc: usize) -> f64 {
        if dc == 0 {
            0.0
        } else {
            1.0
        }
    }

    /// A class with its hops: one in-DC round trip per tier visit after the
    /// first, one more behind a load balancer, and the inter-DC round trip
    /// for a write that crosses to the primary.
    fn class(&self, probability: f64, visits: Vec<Visit>, remote_write: bool) -> Class {
        let w = self.w();
        let lb_hop = if self.stage.has(TierKind::Lb) { 1.0 } else { 0.0 };
        let hops = visits.len().saturating_sub(1) as f64 + lb_hop;
        let inter_dc = if remote_write { w.inter_dc_rtt_s } else { 0.0 };
        Class {
            probability,
            visits,
            fixed_s: hops * w.hop_latency_s + inter_dc,
        }
    }
}

fn repeat(queue: &Mmc, service_s: f64, times: u64) -> Option<Vec<Visit>> {
    let visit = Visit::from_mmc(queue, service_s).ok()?;
    Some(vec![visit; times as usize])
}

/// `C(n, k)·p^k·(1 − p)^{n−k}`.
fn binomial(n: u64, k: u64, p: f64) -> f64 {
    let choose: f64 = (0..k).map(|i| (n - i) as f64 / (i + 1) as f64).product();
    choose * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32)
}
