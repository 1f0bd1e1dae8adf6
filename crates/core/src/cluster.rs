//! The seam between the core and the cluster layer: who is active, where the leader is,
//! and the raft indexes `sys/leader` reports. The server crate implements it over raft;
//! tests use [`SingleNode`].

/// Where the active node can be reached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaderInfo {
    pub api_addr: String,
    pub cluster_addr: String,
}

/// How a standby's heartbeats to the active node are going (`sys/health`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HaConnection {
    /// False when no heartbeat reached the active node for a while (health code 474).
    pub healthy: bool,
    /// Milliseconds since the last successful heartbeat (since the node became a
    /// standby, if none succeeded yet).
    pub last_heartbeat_ms: u64,
}

/// What the core needs to know about the cluster.
pub trait ClusterInfo: Send + Sync {
    /// True when this node is the active node (raft leader) and may serve requests.
    fn is_active(&self) -> bool;
    /// The active node, if one is known.
    fn leader(&self) -> Option<LeaderInfo>;
    /// (committed index, applied index) of this node's raft log.
    fn raft_indexes(&self) -> (u64, u64);
    /// The storage type reported by `sys/seal-status` ("raft").
    fn storage_type(&self) -> &'static str {
        "raft"
    }
    /// True when HA is enabled (always for raft storage).
    fn ha_enabled(&self) -> bool {
        true
    }
    /// Raft membership control (join, peers, remove-peer). `None` when the storage is not
    /// raft: the raft routes then answer "raft storage is not in use", as Vault does.
    fn raft(&self) -> Option<&dyn crate::raft_control::RaftControl> {
        None
    }
    /// True once this node was removed from its raft cluster (`removed_from_cluster` in
    /// `sys/health` and `sys/seal-status`, and health code 530).
    fn removed_from_cluster(&self) -> bool {
        false
    }
    /// On an unsealed standby, whether it reaches the active node; `None` elsewhere.
    fn ha_connection(&self) -> Option<HaConnection> {
        None
    }
}

/// A node that is always active: unit tests over in-memory storage.
pub struct SingleNode {
    pub api_addr: String,
}

impl ClusterInfo for SingleNode {
    fn is_active(&self) -> bool {
        true
    }
    fn leader(&self) -> Option<LeaderInfo> {
        Some(LeaderInfo {
            api_addr: self.api_addr.clone(),
            cluster_addr: String::new(),
        })
    }
    fn raft_indexes(&self) -> (u64, u64) {
        (0, 0)
    }
    fn storage_type(&self) -> &'static str {
        "inmem"
    }
    fn ha_enabled(&self) -> bool {
        false
    }
}
