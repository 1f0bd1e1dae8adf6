//! Arca's integrated storage: openraft 0.9 (storage v2) on RocksDB, replicated over the
//! tonic cluster port.
//!
//! Every [`arca_storage::Batch`] committed through [`RaftNode`] (its
//! [`arca_storage::Physical`] impl) becomes one raft entry; the state machine checks the
//! batch's conditions when applying it, so optimistic concurrency holds cluster-wide.
//! Layout on disk: `<data_dir>/raft.db` (column families `logs`, `meta`, `data`,
//! `sm_meta`) and `<data_dir>/snapshots/current.snap`.

#![warn(missing_docs)]

mod db;
mod dead_leader;
mod error;
mod leadership;
mod log_store;
mod membership;
mod network;
mod node;
mod physical;
mod quorum;
mod removal;
mod restore;
mod service;
mod shared_rounds;
mod snapshot;
mod state_machine;
mod tls;
mod types;

#[cfg(test)]
mod tests;

/// Generated messages, client and server of `proto/cluster.proto`.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto {
    tonic::include_proto!("arca.cluster.v1");
}

pub use error::{NetworkError, RaftError, StoreError};
pub use membership::{Member, Membership, Progress};
pub use network::{ClusterNetwork, MAX_MESSAGE_BYTES, PeerConnection, never_sent};
pub use node::{DEFAULT_MULTIPLIER, RaftNode, RaftNodeConfig, RaftTiming};
pub use removal::{REMOVED_MARKER, removed_marker};
pub use service::{ClusterService, ForwardHandler, serve_cluster};
pub use shared_rounds::SharedRounds;
pub use tls::{CLUSTER_SERVER_NAME, ClusterCa, ClusterTls};
pub use types::{
    ApplyResult, ArcaNode, Command, Control, Entry, Metrics, NodeId, Raft, TypeConfig,
    node_id_from_name,
};
