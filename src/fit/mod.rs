//! Calibration from measurements (DESIGN §11): service demands from
//! production metrics (`fit demand`) and a machine's scaling from a load
//! test (`fit usl`). Reading the files is in `measurements` and
//! `prometheus` (text in, one-line errors out); the math in `regression`,
//! `demand` and `usl`; `emit` writes the workload fragment and `plot` the
//! USL picture. Nothing here does I/O.

pub mod demand;
pub mod emit;
pub mod measurements;
pub mod plot;
pub mod prometheus;
pub mod regression;
pub mod usl;
