//! Failure what-ifs (what the architecture notes warn about): the stage as
//! sized for normal operation, with one part down, re-evaluated — where the
//! load goes, whether every tier stays within its failover ceiling, the p99
//! while it lasts, and what an hour of it costs.
//!
//! The same test decides the availability figure: a part whose loss the
//! stage does not survive counts in series there (see `verdict`).

use super::demand::{combine, service_cv, Stream};
use super::sticky::hottest_share;
use super::{StageContext, TierPlan};
use crate::cost;
use crate::latency;
use crate::model::TierKind;
use crate::quantity::{format_count, format_duration, format_percent};
use crate::queueing::{Balancer, Mmc};

/// Time to promote a replica after the primary fails: a managed database's
/// typical failover (RDS Multi-AZ one to two minutes, Aurora under 30 s).
pub const PROMOTION_S: f64 = 60.0;

/// The named parts `--fail` accepts (a custom model's tier names too).
pub const PARTS: [&str; 9] = [
    "cdn",
    "cache",
    "dc",
    "primary",
    "replica",
    "web-server",
    "session-store",
    "queue",
    "worker",
];

/// One failure of a planned stage.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    pub part: String,
    /// Every tier stays within its failover ceiling (and something serves
    /// the requests).
    pub survives: bool,
    /// Where the load goes, and what breaks, in words.
    pub detail: String,
    /// Server-side p99 of dynamic requests while it lasts (`None` when the
    /// stage does not survive, or when not asked for).
    pub p99_s: Option<f64>,
    /// The p99 users see while it lasts (their round trips included).
    pub user_p99_s: Option<f64>,
    /// Extra spend per hour of the failure (origin egress instead of the CDN).
    pub usd_per_hour: f64,
    /// Dynamic requests per hour at risk while it lasts: every one when
    /// the stage does not survive (an upper bound), the writes during a
    /// promotion when it does.
    pub requests_at_risk_per_hour: f64,
    /// Jobs queued per minute (the queue or the workers down).
    pub backlog_jobs_per_min: Option<f64>,
    /// Until the failure is over by itself: a cache's refill, a promotion.
    pub recovery_s: Option<f64>,
    /// The queues whose load moved (busiest data center), before and after.
    pub moved: Vec<Moved>,
}

/// One queue's load before and during a failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    pub tier: String,
    pub data_center: usize,
    pub before_per_s: f64,
    pub after_per_s: f64,
    pub utilization_after: f64,
}

impl WhatIf {
    fn new(part: &str, survives: bool, detail: String) -> WhatIf {
        WhatIf {
            part: part.to_string(),
            survives,
            detail,
            p99_s: None,
            user_p99_s: None,
            usd_per_hour: 0.0,
            requests_at_risk_per_hour: 0.0,
            backlog_jobs_per_min: None,
            recovery_s: None,
            moved: Vec::new(),
        }
    }
}

/// The tiers during a failure, and the round trips of its users.
struct During {
    tiers: Vec<TierPlan>,
    /// (share of users, round trip) when the failure moves users.
    rtts: Option<Vec<(f64, f64)>>,
}

impl StageContext<'_> {
    /// The parts of this stage that can fail, in [`PARTS`] order.
    pub(super) fn parts(&self, tiers: &[TierPlan]) -> Vec<&'static str> {
        let has = |kind: TierKind| tiers.iter().any(|t| t.kind == kind);
        PARTS
            .iter()
            .copied()
            .filter(|part| match *part {
                "cdn" => self.stage.cdn,
                "cache" => has(TierKind::Cache),
                "dc" => self.loads.len() > 1,
                "primary" => has(TierKind::DbPrimary) || has(TierKind::DbShard),
                "replica" => has(TierKind::DbReplica),
                "web-server" => has(TierKind::Web) || has(TierKind::AllInOne),
                "session-store" => has(TierKind::Session),
                "queue" | "worker" => has(TierKind::Worker),
                _ => false,
            })
            .collect()
    }

    /// Every failure of the stage (latency during each when `detailed`).
    pub(super) fn what_ifs(&self, tiers: &[TierPlan], detailed: bool) -> Vec<WhatIf> {
        self.parts(tiers)
            .into_iter()
            // A ceiling probe needs only the failures the availability
            // figure reads (see `verdict`).
            .filter(|part| !self.shared.probe || matches!(*part, "cdn" | "cache"))
            .map(|part| self.what_if(tiers, part, detailed))
            .collect()
    }

    /// One part down. `part` is one of [`PARTS`] or a tier's name.
    pub(super) fn what_if(&self, tiers: &[TierPlan], part: &str, detailed: bool) -> WhatIf {
        let (mut what, during) = match part {
            "cdn" => self.cdn_down(tiers),
            "cache" => self.cache_down(tiers),
            "dc" => self.dc_down(tiers),
            "primary" => self.primary_down(tiers),
            "replica" => self.one_down(tiers, TierKind::DbReplica, part),
            "web-server" => self.one_down(tiers, self.front_kind(), part),
            "session-store" => self.one_down(tiers, TierKind::Session, part),
            "queue" | "worker" => (self.jobs_wait(part), None),
            name => self.named_tier_down(tiers, name),
        };
        if !what.survives && what.requests_at_risk_per_hour == 0.0 {
            what.requests_at_risk_per_hour = self.rates.dynamic_per_s * 3600.0;
        }
        if let Some(during) = &during {
            what.moved = moved(tiers, &during.tiers);
            if detailed && what.survives {
                self.fill_latency(&mut what, during);
            }
        }
        what
    }

    fn front_kind(&self) -> TierKind {
        match self.stage.has(TierKind::AllInOne) {
            true => TierKind::AllInOne,
            false => TierKind::Web,
        }
    }

    fn fill_latency(&self, what: &mut WhatIf, during: &During) {
        let Some(server) = self.classes(&during.tiers, false) else {
            return;
        };
        what.p99_s = latency::quantile_s(&server, 0.99).ok();
        let user = match &during.rtts {
            Some(rtts) => Some(with_rtts(&server, rtts)),
            None => self.classes(&during.tiers, true),
        };
        what.user_p99_s = user.and_then(|c| latency::quantile_s(&c, 0.99).ok());
    }

    /// The queue of data center `dc` of a tier sized by its streams
    /// (`sized`), carrying `streams` (tier totals) times `share` on
    /// `servers` servers: round-robin, pooled, or pinned (sticky).
    fn farm_queue(&self, t: &TierPlan, dc: usize, streams: &[Stream], share: f64, servers: u64) -> Option<Mmc> {
        let (rate, service) = combine(streams);
        let rate = rate * share;
        let cores = t.cores_per_server as u64;
        let queue = match (t.sticky, t.balancer) {
            (Some(_), _) => {
                let users = self.w().dau() * self.loads.get(dc)?.normal;
                Mmc::new(
                    rate * hottest_share(users, self.w().shard_key_zipf, servers),
                    service,
                    cores,
                )
            }
            (None, Balancer::RoundRobin) => Mmc::new(rate / servers.max(1) as f64, service, cores),
            (None, Balancer::Pooled) => Mmc::new(rate, service, servers.max(1) * cores),
        };
        queue.and_then(|q| q.with_variability(1.0, service_cv(streams))).ok()
    }

    /// Whether a queue stays within the failover ceiling.
    fn holds(&self, queue: Option<&Mmc>) -> bool {
        queue.is_some_and(|q| q.is_stable() && q.utilization() <= self.targets().failover_util + 1e-12)
    }

    /// The busiest data center of a tier (its largest normal share).
    fn busiest_dc(&self) -> usize {
        (0..self.loads.len())
            .max_by(|&a, &b| self.loads[a].normal.total_cmp(&self.loads[b].normal))
            .unwrap_or(0)
    }

    /// One server of a scale-out tier down in the busiest data center:
    /// the others take its share (a replica's reads spread over the rest;
    /// sticky users re-pinned, their sessions lost).
    fn one_down(&self, tiers: &[TierPlan], kind: TierKind, part: &str) -> (WhatIf, Option<During>) {
        let Some(t) = tiers.iter().find(|t| t.kind == kind) else {
            return (WhatIf::new(part, true, "no such tier".into()), None);
        };
        let dc = self.busiest_dc();
        let n = t.dc_servers.get(dc).copied().unwrap_or(t.servers);
        if n <= 1 {
            let detail = format!("{} has one server: its requests fail until it is replaced", t.name);
            return (WhatIf::new(part, false, detail), None);
        }
        let queue = match kind {
            TierKind::DbReplica => self.replica_at(t, n as f64 / (n - 1) as f64),
            _ => self.farm_queue(t, dc, &t.streams, self.loads[dc].normal, n - 1),
        };
        let survives = self.holds(queue.as_ref());
        let busy = queue.map_or("saturation".into(), |q| format_percent(q.utilization()));
        let mut detail = match n - 1 {
            1 => format!("one of 2 {} servers down: the other at {busy}", t.name),
            left => format!("one of {n} {} servers down: the other {left} at {busy}", t.name),
        };
        if let Some(s) = t.sticky {
            detail.push_str(&format!(
                "; its {} sessions are lost",
                format_count(s.sessions_per_server)
            ));
        }
        (
            WhatIf::new(part, survives, detail),
            Some(self.replace_queue(tiers, &t.name, dc, queue)),
        )
    }

    /// A copy of `tiers` with one queue of tier `name` replaced.
    fn replace_queue(&self, tiers: &[TierPlan], name: &str, dc: usize, queue: Option<Mmc>) -> During {
        let mut out = tiers.to_vec();
        if let (Some(t), Some(q)) = (out.iter_mut().find(|t| t.name == name), queue) {
            if let Some(slot) = t.queues.get_mut(dc) {
                *slot = q;
            }
        }
        During { tiers: out, rtts: None }
    }

    /// The CDN down: static requests back on the web tier (and its bytes
    /// through the load balancer, out of the origin at the internet price).
    fn cdn_down(&self, tiers: &[TierPlan]) -> (WhatIf, Option<During>) {
        let w = self.w();
        let Some(web) = tiers.iter().find(|t| t.kind == self.front_kind()) else {
            return (WhatIf::new("cdn", false, "no web tier to fall back to".into()), None);
        };
        let mut streams = web.streams.clone();
        streams.push(Stream {
            rate_per_s: self.rates.static_per_s,
            service_s: w.static_cpu_s,
        });
        let mut during = tiers.to_vec();
        let mut survives = true;
        let mut worst: f64 = 0.0;
        for (dc, load) in self.loads.iter().enumerate() {
            let n = web.dc_servers.get(dc).copied().unwrap_or(web.servers);
            let queue = self.farm_queue(web, dc, &streams, load.normal, n);
            survives &= self.holds(queue.as_ref());
            worst = worst.max(queue.map_or(f64::INFINITY, |q| q.utilization()));
            if let (Some(t), Some(q)) = (during.iter_mut().find(|t| t.name == web.name), queue) {
                t.queues[dc] = q;
            }
        }
        let prices = self.inputs.prices;
        let static_bytes_per_hour = w.peak_static_rate_per_s() * w.static_bytes * 3600.0;
        let month_of = |bytes_per_hour: f64| bytes_per_hour * 730.0;
        let extra_per_month = cost::object_egress_usd_per_month(prices, month_of(static_bytes_per_hour))
            - cost::cdn_egress_usd_per_month(prices, month_of(static_bytes_per_hour))
            + cost::lb_usd_per_month(prices, 0.0, month_of(static_bytes_per_hour));
        let busy = match worst.is_finite() {
            true => format_percent(worst),
            false => "saturation".into(),
        };
        let detail = format!(
            "{} static requests/s back on {}: {busy} busy at the peak hour",
            format_count(self.rates.static_per_s),
            web.name
        );
        let mut what = WhatIf::new("cdn", survives, detail);
        what.usd_per_hour = extra_per_month / 730.0;
        (
            what,
            Some(During {
                tiers: during,
                rtts: None,
            }),
        )
    }

    /// The cache lost: every read on the database until it refills (its
    /// characteristic time); the read tier takes `1/(1 − h)` times its reads.
    fn cache_down(&self, tiers: &[TierPlan]) -> (WhatIf, Option<During>) {
        let h = self.hit_ratio;
        let factor = if h < 1.0 { 1.0 / (1.0 - h) } else { f64::INFINITY };
        let read_s = self.w().db_read_s;
        let mut during: Vec<TierPlan> = tiers.iter().filter(|t| t.kind != TierKind::Cache).cloned().collect();
        let mut survives = true;
        let mut notes = Vec::new();
        let serves_reads = |t: &&mut TierPlan| reads_db(t.kind) && t.streams.iter().any(|s| s.service_s == read_s);
        for t in during.iter_mut().filter(serves_reads) {
            let streams: Vec<Stream> = t
                .streams
                .iter()
                .map(|s| match s.service_s == read_s {
                    true => Stream {
                        rate_per_s: s.rate_per_s * factor,
                        ..*s
                    },
                    false => *s,
                })
                .collect();
            let queue = one_queue(&streams, t.cores_per_server as u64);
            survives &= self.holds(queue.as_ref());
            notes.push(format!(
                "{} at {}",
                t.name,
                queue.map_or("saturation".into(), |q| format_percent(q.utilization()))
            ));
            if let (Some(q), Some(slot)) = (queue, t.queues.first_mut()) {
                *slot = q;
            }
        }
        let refill = self.cache_time_s;
        let detail = format!(
            "every read on the database ({}× the reads): {}; refills in about {}",
            if factor.is_finite() {
                format!("{factor:.1}")
            } else {
                "∞".into()
            },
            notes.join(", "),
            refill.map_or("no time (nothing is evicted)".into(), format_duration)
        );
        let mut what = WhatIf::new("cache", survives, detail);
        what.recovery_s = refill;
        (
            what,
            Some(During {
                tiers: during,
                rtts: None,
            }),
        )
    }

    /// A data center down: the others take its users (each at its
    /// failover share), and those users pay the long round trip.
    fn dc_down(&self, tiers: &[TierPlan]) -> (WhatIf, Option<During>) {
        let mut during = tiers.to_vec();
        let mut survives = true;
        let resized = |t: &&mut TierPlan| {
            t.queues.len() == self.loads.len() && !matches!(t.kind, TierKind::Lb | TierKind::Worker)
        };
        for t in during.iter_mut().filter(resized) {
            for (dc, load) in self.loads.iter().enumerate() {
                let n = t.dc_servers.get(dc).copied().unwrap_or(t.servers);
                let queue = match t.kind {
                    TierKind::DbReplica => self.replica_at(t, load.failover / load.normal),
                    _ => self.farm_queue(t, dc, &t.streams.clone(), load.failover, n),
                };
                survives &= self.holds(queue.as_ref());
                if let Some(q) = queue {
                    t.queues[dc] = q;
                }
            }
        }
        let w = self.w();
        let moved = 1.0 - self.loads.iter().map(|l| l.normal).fold(0.0, f64::max);
        let detail = format!(
            "the other data centers take its users ({} of all users move), who now pay a {} round trip",
            format_percent(moved),
            format_duration(w.client_rtt_far_s)
        );
        let rtts = vec![(1.0 - moved, w.client_rtt_near_s), (moved, w.client_rtt_far_s)];
        (
            WhatIf::new("dc", survives, detail),
            Some(During {
                tiers: during,
                rtts: Some(rtts),
            }),
        )
    }

    /// A replica queue (of the busiest DC's sizing) with its reads times
    /// `factor`: `n/(n − 1)` when one of `n` is down, the failover share
    /// over the normal one when a data center is.
    fn replica_at(&self, t: &TierPlan, factor: f64) -> Option<Mmc> {
        let (reads, writes) = (t.streams.first()?, t.streams.get(1)?);
        let streams = [
            Stream {
                rate_per_s: reads.rate_per_s * factor,
                service_s: reads.service_s,
            },
            *writes,
        ];
        one_queue(&streams, t.cores_per_server as u64)
    }

    /// The primary down: a replica (the primary's size) is promoted after
    /// [`PROMOTION_S`] and takes the writes; the others take its reads.
    /// Writes fail meanwhile. Without replicas the database is down.
    fn primary_down(&self, tiers: &[TierPlan]) -> (WhatIf, Option<During>) {
        let replicas = tiers.iter().find(|t| t.kind == TierKind::DbReplica);
        let primary = tiers
            .iter()
            .find(|t| matches!(t.kind, TierKind::DbPrimary | TierKind::DbShard));
        let (Some(replica), Some(primary)) = (replicas, primary) else {
            let detail = "no replica to promote: the database is down until it is restored".to_string();
            return (WhatIf::new("primary", false, detail), None);
        };
        let dc = self.busiest_dc();
        let n = replica.dc_servers.get(dc).copied().unwrap_or(replica.servers);
        let promoted = primary.busiest_queue().map(|q| q.utilization()).unwrap_or(0.0);
        let queue = (n > 1)
            .then(|| self.replica_at(replica, n as f64 / (n - 1) as f64))
            .flatten();
        let survives = promoted <= self.targets().failover_util && (n <= 1 || self.holds(queue.as_ref()));
        let others = match n.saturating_sub(1) {
            0 => "no replica is left for the reads".to_string(),
            1 => "the other replica takes the reads".to_string(),
            k => format!("the other {k} replicas take the reads"),
        };
        let detail = format!(
            "a replica is promoted after {} and takes the writes at {}; {others}{}",
            format_duration(PROMOTION_S),
            format_percent(promoted),
            queue.map_or(String::new(), |q| format!(" at {}", format_percent(q.utilization())))
        );
        let mut what = WhatIf::new("primary", survives && n > 1, detail);
        what.recovery_s = Some(PROMOTION_S);
        what.requests_at_risk_per_hour = self.rates.writes_per_s * PROMOTION_S;
        let during = match queue {
            Some(q) => self.replace_queue(tiers, &replica.name, dc, Some(q)),
            None => During {
                tiers: tiers.to_vec(),
                rtts: None,
            },
        };
        (what, Some(during))
    }

    /// The queue service or the worker pool down: requests go on (jobs wait
    /// in the queue, or in the web servers' outbox), the jobs pile up.
    fn jobs_wait(&self, part: &str) -> WhatIf {
        let per_min = self.rates.jobs_per_s * 60.0;
        let detail = format!(
            "requests are unaffected; {} jobs a minute wait (at the peak hour) until it is back",
            format_count(per_min)
        );
        let mut what = WhatIf::new(part, true, detail);
        what.backlog_jobs_per_min = Some(per_min);
        what
    }

    /// A custom model's tier by name: its kind's failure.
    fn named_tier_down(&self, tiers: &[TierPlan], name: &str) -> (WhatIf, Option<During>) {
        let Some(t) = tiers.iter().find(|t| t.name == name) else {
            return (WhatIf::new(name, true, "no such part in this stage".into()), None);
        };
        let (mut what, during) = match t.kind {
            TierKind::Cache => self.cache_down(tiers),
            TierKind::DbPrimary | TierKind::DbShard => self.primary_down(tiers),
            TierKind::Worker => (self.jobs_wait(name), None),
            TierKind::Lb => (
                WhatIf::new(
                    name,
                    self.loads.len() > 1,
                    "the managed load balancer down: its data center is unreachable".into(),
                ),
                None,
            ),
            kind => self.one_down(tiers, kind, name),
        };
        what.part = name.to_string();
        (what, during)
    }
}

/// The queues whose arrival rate or capacity changed between `before` and
/// `during`.
fn moved(before: &[TierPlan], during: &[TierPlan]) -> Vec<Moved> {
    let mut out = Vec::new();
    for t in during {
        let Some(b) = before.iter().find(|b| b.name == t.name) else {
            continue;
        };
        for (dc, (q0, q1)) in b.queues.iter().zip(&t.queues).enumerate() {
            if q0 != q1 {
                out.push(Moved {
                    tier: t.name.clone(),
                    data_center: dc,
                    before_per_s: q0.arrival_rate_per_s(),
                    after_per_s: q1.arrival_rate_per_s(),
                    utilization_after: q1.utilization(),
                });
            }
        }
    }
    out
}

/// One server of `cores` cores taking `streams`: the mixed mean service,
/// with the mixture's variability on the wait (Allen–Cunneen).
fn one_queue(streams: &[Stream], cores: u64) -> Option<Mmc> {
    let (rate, service) = combine(streams);
    Mmc::new(rate, service, cores)
        .and_then(|q| q.with_variability(1.0, service_cv(streams)))
        .ok()
}

/// Tiers that serve database reads.
fn reads_db(kind: TierKind) -> bool {
    matches!(
        kind,
        TierKind::DbReplica | TierKind::Db | TierKind::DbPrimary | TierKind::DbShard | TierKind::AllInOne
    )
}

/// Server-side classes with the users' round trips mixed in.
fn with_rtts(server: &[latency::Class], rtts: &[(f64, f64)]) -> Vec<latency::Class> {
    server
        .iter()
        .flat_map(|c| {
            rtts.iter()
                .filter(|(share, _)| *share > 0.0)
                .map(move |(share, rtt)| latency::Class {
                    probability: c.probability * share,
                    fixed_s: c.fixed_s + rtt,
                    visits: c.visits.clone(),
                })
        })
        .collect()
}
