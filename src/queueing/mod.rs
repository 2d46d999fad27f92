//! Queueing math: the M/M/c queue, farms of multi-core servers behind a
//! balancer, and sizing a farm to a set of constraints.

pub mod farm;
pub mod mmc;
pub mod sizing;

pub use farm::{Balancer, Farm, FarmMetrics};
pub use mmc::{erlang_b, erlang_c, Mmc, QueueError};
pub use sizing::{size, Constraints, Sizing};
