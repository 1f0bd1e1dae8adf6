//! Error types of the raft crate. Messages name what failed, never stored values.

use openraft::{AnyError, ErrorSubject, ErrorVerb, StorageIOError};

use crate::types::NodeId;

/// A failure of the node-local raft storage (RocksDB, encodings, snapshot files).
/// Openraft treats any of these as fatal for the node, which is what we want: a node
/// that cannot persist must stop voting and replicating rather than lie.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// RocksDB reported an error.
    #[error("rocksdb: {0}")]
    Rocks(#[from] rocksdb::Error),
    /// The database was opened without one of our column families (a bug or foreign db).
    #[error("rocksdb column family `{0}` is missing")]
    MissingColumnFamily(&'static str),
    /// A record could not be serialised.
    #[error("encoding {what}: {source}")]
    Encode {
        /// What was being encoded (e.g. "log entry").
        what: &'static str,
        /// The serializer's error.
        source: serde_json::Error,
    },
    /// A stored record could not be parsed.
    #[error("decoding {what}: {source}")]
    Decode {
        /// What was being decoded (e.g. "vote").
        what: &'static str,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// Stored data violates an invariant of our own format.
    #[error("corrupt raft storage: {0}")]
    Corrupt(String),
    /// A snapshot file or stream is malformed.
    #[error("malformed snapshot: {0}")]
    Snapshot(String),
    /// File-system failure (snapshot files, directories).
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A blocking storage task panicked or was cancelled.
    #[error("storage task failed: {0}")]
    Task(String),
}

impl StoreError {
    /// Wraps this error in openraft's storage error, naming what was being done.
    pub(crate) fn into_raft(
        self,
        subject: ErrorSubject<NodeId>,
        verb: ErrorVerb,
    ) -> openraft::StorageError<NodeId> {
        StorageIOError::new(subject, verb, AnyError::new(&self)).into()
    }
}

impl From<tokio::task::JoinError> for StoreError {
    fn from(e: tokio::task::JoinError) -> Self {
        StoreError::Task(e.to_string())
    }
}

/// Errors of [`crate::RaftNode`]'s lifecycle API (open, bootstrap, shutdown).
#[derive(Debug, thiserror::Error)]
pub enum RaftError {
    /// The local raft storage could not be opened or read.
    #[error("raft storage: {0}")]
    Store(#[from] StoreError),
    /// The timing settings are inconsistent (e.g. election timeout not above heartbeat).
    #[error("invalid raft configuration: {0}")]
    Config(Box<openraft::ConfigError>),
    /// The raft core stopped (storage failure, panic or shutdown).
    #[error("raft is not running: {0}")]
    Fatal(Box<openraft::error::Fatal<NodeId>>),
    /// Bootstrapping the cluster was refused.
    #[error("initialising the raft cluster: {0}")]
    Initialize(String),
    /// Waiting for a cluster condition (e.g. a leader) ran out of time.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// The raft core task did not end cleanly.
    #[error("shutting down raft: {0}")]
    Shutdown(String),
    /// A membership change was asked of a node that is not the leader; `leader` is the
    /// leader it knows of, so callers can point the client there.
    #[error("this node is not the raft leader")]
    NotLeader {
        /// The current leader, if known.
        leader: Option<Box<crate::types::ArcaNode>>,
    },
    /// Openraft refused a membership change (another change in progress, the last voter
    /// removed, an unknown learner promoted).
    #[error("changing the raft membership: {0}")]
    Membership(String),
    /// A snapshot restore was refused or did not complete; the key space is unchanged.
    #[error("restoring the raft snapshot: {0}")]
    Restore(String),
    /// The node was removed from its cluster earlier (its data directory carries the
    /// marker): its old data must not be used to rejoin, or it could vote with a stale log.
    #[error(
        "this node was removed from its raft cluster (marker {}): it cannot rejoin with its old data; delete the data directory and join it as a new node",
        .marker.display()
    )]
    Removed {
        /// The marker file found in the data directory.
        marker: std::path::PathBuf,
    },
}

impl From<openraft::error::Fatal<NodeId>> for RaftError {
    fn from(f: openraft::error::Fatal<NodeId>) -> Self {
        RaftError::Fatal(Box::new(f))
    }
}

impl From<openraft::ConfigError> for RaftError {
    fn from(e: openraft::ConfigError) -> Self {
        RaftError::Config(Box::new(e))
    }
}

/// Failures talking to peers over the cluster port.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A peer's `cluster_addr` is not a usable URI.
    #[error("invalid cluster address {addr:?}: {source}")]
    InvalidAddress {
        /// The address as configured.
        addr: String,
        /// Why tonic rejected it.
        source: tonic::transport::Error,
    },
    /// Cluster TLS failed: certificates could not be made or used, there are none (the
    /// node is sealed), or a handshake with a peer failed.
    #[error("cluster TLS: {0}")]
    Tls(String),
    /// The RPC failed in transport or was refused by the peer.
    #[error("cluster RPC failed: {0}")]
    Status(Box<tonic::Status>),
    /// The peer answered with a transport-level error description.
    #[error("peer reported a failure: {0}")]
    Remote(String),
    /// A raft message could not be serialised.
    #[error("encoding raft message: {0}")]
    Encode(serde_json::Error),
    /// A raft message from the peer could not be parsed.
    #[error("decoding raft message: {0}")]
    Decode(serde_json::Error),
    /// A raft message is larger than the cluster port accepts.
    #[error("raft message of {0} bytes exceeds the cluster message limit")]
    TooLarge(usize),
    /// The cluster gRPC server failed.
    #[error("cluster server: {0}")]
    Serve(tonic::transport::Error),
}

impl From<tonic::Status> for NetworkError {
    fn from(s: tonic::Status) -> Self {
        NetworkError::Status(Box::new(s))
    }
}
