//! [`arca_core::ClusterInfo`] over the raft node: the leader is the active node.

use std::sync::Arc;

use arca_core::{ClusterInfo, LeaderInfo};
use arca_raft::RaftNode;

/// Answers the core's cluster questions from raft metrics.
pub(crate) struct RaftClusterInfo {
    pub(crate) node: Arc<RaftNode>,
}

impl ClusterInfo for RaftClusterInfo {
    fn is_active(&self) -> bool {
        self.node.is_leader()
    }

    fn leader(&self) -> Option<LeaderInfo> {
        self.node.leader().map(|(_, n)| LeaderInfo {
            api_addr: n.api_addr,
            cluster_addr: n.cluster_addr,
        })
    }

    fn raft_indexes(&self) -> (u64, u64) {
        let m = self.node.metrics().borrow().clone();
        let applied = m.last_applied.map(|l| l.index).unwrap_or(0);
        // openraft 0.9 does not publish the commit index; the leader's last log index is
        // committed once applied, and a follower's is at least its applied index.
        let committed = m.last_log_index.unwrap_or(0).max(applied);
        (committed, applied)
    }
}
