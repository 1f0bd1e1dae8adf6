//! The `arca server` process: configuration, wiring of raft + core + engines, the HTTP
//! listeners and the cluster port, logging, and dev mode.
//!
//! This is the only crate that names every engine; everything below it is unaware of
//! how it is assembled.

mod autopilot;
mod cluster_info;
pub mod config;
mod dev;
mod error;
mod forward;
mod heartbeat;
mod join;
mod logging;
mod read_index;
mod registration;
mod run;
mod seal;
mod self_init;
mod sighup;
mod telemetry;

pub use error::ServerError;
pub use run::{ServerArgs, run_server};
