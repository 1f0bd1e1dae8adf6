//! The server core: seal state, init/unseal, the mount table and router, tokens, and the
//! `sys/` backend.
//!
//! The core knows nothing of raft, RocksDB, HTTP or gRPC. It talks to storage through
//! [`arca_storage::Physical`] (plaintext seal metadata) and the [`arca_barrier::Barrier`]
//! (everything else), to engines through `arca_sdk`, and to the cluster through the
//! [`cluster::ClusterInfo`] trait that the server crate implements.

mod access;
mod audit;
pub mod auth_mounts;
pub mod auto_seal;
pub mod autopilot;
pub mod cluster;
pub mod cluster_identity;
pub mod cluster_tls;
mod core;
pub mod expiration;
mod generate_root;
mod metrics_access;
pub mod mounts;
mod policy_store;
mod raft_bootstrap;
pub mod raft_control;
mod raft_join;
mod raft_snapshot;
pub mod rekey;
pub mod request;
mod request_metrics;
mod router;
mod seal_migration;
mod seal_state;
mod seal_worker;
mod sys;
pub mod token;
pub mod version;
mod wrapping;

// The unit tests share the integration tests' set-up file, which names this crate
// `arca_core` as the integration tests must.
#[cfg(test)]
extern crate self as arca_core;
#[cfg(test)]
#[path = "../tests/support/mod.rs"]
pub(crate) mod test_support;

pub use crate::core::{Core, CoreOptions, StandbyRead};
pub use cluster::{ClusterInfo, HaConnection, LeaderInfo, SingleNode};
pub use generate_root::GenerateRootStatus;
pub use raft_control::{LeaderTarget, PeerInfo, RaftConfiguration, RaftControl, RaftServer};
pub use raft_join::JoinRequest;
pub use request::CoreRequest;
pub use seal_state::{InitParams, InitResult, SealStatus};
