//! scaleplan: capacity planning for the zero-to-millions architecture ladder
//! by closed-form queueing math. The math modules are pure (no I/O); the
//! planner composes them; renderers turn records into table, CSV, TSV or JSON.

pub mod app;
pub mod availability;
pub mod cache;
pub mod ceiling;
pub mod cli;
pub mod commands;
pub mod cost;
pub mod error;
pub mod explain;
pub mod fit;
pub mod input;
pub mod latency;
pub mod memo;
pub mod model;
pub mod parallel;
pub mod plan;
pub mod plot;
pub mod progress;
pub mod quantity;
pub mod queueing;
pub mod ranges;
pub mod replication;
pub mod report;
pub mod sampling;
pub mod search;
pub mod sharding;
pub mod sweep;
pub mod tornado_plot;
pub mod uncertain;
pub mod workload;
pub mod zipf;
