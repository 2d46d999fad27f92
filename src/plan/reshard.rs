//! The sharded stage's future (DESIGN §6): months until the fullest shard
//! reaches its byte limit at the workload's growth, the shard count it
//! needs then, and what that reshard moves and how long the copy takes,
//! for `id mod S` placement and for a consistent-hash ring. One
//! implementation with `scaleplan shards`: the months come from
//! [`crate::sharding::estimate`], the new count from
//! [`crate::sharding::size_to`], the moves from [`crate::sharding::reshard`].

use super::data::{ReshardMove, ReshardOutlook};
use super::StageContext;
use crate::error::InputError;
use crate::model::DEFAULT_RESHARD_BANDWIDTH_BYTES_PER_S;
use crate::sharding::{estimate, reshard, size_to, Growth, Layout, Placement, ShardInput, SizeTarget, Sizing};

/// How full the fullest shard may be right after the reshard: half, so
/// the shard count roughly doubles and the next reshard is
/// `ln 2 / ln(1 + g)` months away (23 months at 3 % a month) — the usual
/// practice of splitting every shard in two.
pub const RESHARD_TARGET_FILL: f64 = 0.5;

impl StageContext<'_> {
    /// The outlook of `shards` shards sized for `target` on `layout`:
    ///
    /// ```text
    /// t        = ln(C / b) / ln(1 + g)          (sharding::months_to_full)
    /// B_t      = B·(1 + g)^t
    /// S′       = least S whose fullest shard holds B_t within C·0.5 and carries today's load
    /// moved    = f(placement, K, S, S′)·B_t,   time = moved / (S·w)
    /// ```
    /// where `b` is the fullest shard's bytes today (`B/S` times the
    /// key-count skew), `C` one shard's limit (volume or buffer pool), `g`
    /// the workload's `growth_per_month`, `B` the stored bytes, `K` the
    /// keys (users), and `w` the model's `reshard_bandwidth` per shard
    /// (every shard copies out at once). Without growth nothing fills:
    /// the months and the reshard are `None`.
    pub(super) fn reshard_outlook(
        &self,
        layout: &Layout,
        target: &SizeTarget,
        shards: u64,
        volume_bytes: f64,
    ) -> Result<ReshardOutlook, InputError> {
        let err = |e: crate::sharding::ShardError| InputError::new(format!("reshard outlook: {e}"));
        let g = self.w().growth_per_month;
        let limit_bytes = target.shard_storage_bytes.unwrap_or(volume_bytes);
        let today = estimate(&ShardInput {
            layout: *layout,
            shards,
            total_rate_per_s: None,
            shard_capacity_rate_per_s: None,
            stored_bytes: Some(target.stored_bytes),
            shard_storage_bytes: Some(limit_bytes),
            reshard_to: None,
            bandwidth_bytes_per_s: None,
            growth: Some(Growth::FractionPerMonth(g)),
        })
        .map_err(err)?;
        let per_shard = self
            .stage
            .reshard_bandwidth
            .unwrap_or(DEFAULT_RESHARD_BANDWIDTH_BYTES_PER_S);
        let mut outlook = ReshardOutlook {
            shards,
            limit_bytes,
            limited_by: if volume_bytes <= limit_bytes {
                "storage"
            } else {
                "memory"
            },
            fullest_shard_bytes: today.hottest_shard_bytes.unwrap_or(0.0),
            months_to_full: today.months_to_full,
            stored_then_bytes: None,
            shards_then: None,
            modulo: None,
            consistent: None,
            bandwidth_bytes_per_s: per_shard * shards as f64,
        };
        let Some(months) = today.months_to_full else {
            return Ok(outlook);
        };
        let stored_then = target.stored_bytes * (months * g.ln_1p()).exp();
        outlook.stored_then_bytes = Some(stored_then);
        let then = SizeTarget {
            stored_bytes: stored_then,
            shard_storage_bytes: Some(RESHARD_TARGET_FILL * limit_bytes),
            ..*target
        };
        let Sizing::Fits(fit) = size_to(layout, &then).map_err(err)? else {
            return Ok(outlook);
        };
        outlook.shards_then = Some(fit.shards);
        let moved = |placement: Placement| -> Result<ReshardMove, InputError> {
            let step = reshard(
                placement,
                layout.keys,
                shards,
                fit.shards,
                stored_then,
                outlook.bandwidth_bytes_per_s,
            )
            .map_err(err)?;
            Ok(ReshardMove {
                moved_keys: step.moved_fraction * layout.keys as f64,
                reshard: step,
            })
        };
        outlook.modulo = Some(moved(Placement::Modulo)?);
        outlook.consistent = Some(moved(Placement::Consistent)?);
        Ok(outlook)
    }
}
