//! [`arca_core::ClusterInfo`] and [`arca_core::RaftControl`] over the raft node: the
//! leader is the active node; membership changes and joins go through raft, and the
//! joining node reaches the leader over HTTP ([`crate::join`]).

use std::{sync::Arc, time::Duration};

use arca_core::{
    ClusterInfo, LeaderInfo, LeaderTarget, PeerInfo, RaftConfiguration, RaftControl, RaftServer,
};
use arca_raft::{ArcaNode, RaftError, RaftNode};
use arca_sdk::Error;
use async_trait::async_trait;
use serde_json::Value;

/// How long a leader waits for a joining node to catch up before giving up on it.
const CATCH_UP: Duration = Duration::from_secs(60);
/// How long `sys/init` waits for the freshly bootstrapped node to become leader.
const BOOTSTRAP_LEADER_WAIT: Duration = Duration::from_secs(30);

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

    fn raft(&self) -> Option<&dyn RaftControl> {
        Some(self)
    }

    fn removed_from_cluster(&self) -> bool {
        self.node.is_removed()
    }
}

/// Raft errors as clients should see them (no internals of openraft).
fn raft_err(e: RaftError) -> Error {
    match e {
        RaftError::NotLeader { leader } => Error::Unavailable(match leader {
            Some(l) => format!(
                "this node is not the raft leader; the active node is {}",
                l.api_addr
            ),
            None => "this node is not the raft leader and no leader is known".into(),
        }),
        RaftError::Membership(m) => Error::bad_request(m),
        RaftError::Timeout(what) => Error::Unavailable(format!("timed out waiting for {what}")),
        other => Error::internal(other),
    }
}

#[async_trait]
impl RaftControl for RaftClusterInfo {
    fn local_peer(&self) -> PeerInfo {
        let me = self.node.node();
        PeerInfo {
            node_id: me.node_id.clone(),
            api_addr: me.api_addr.clone(),
            cluster_addr: me.cluster_addr.clone(),
        }
    }

    async fn has_state(&self) -> Result<bool, Error> {
        self.node.has_state().await.map_err(raft_err)
    }

    async fn bootstrap(&self) -> Result<(), Error> {
        if self.node.initialize_single().await.map_err(raft_err)? {
            tracing::info!("bootstrapped a one-node raft cluster");
        }
        self.node
            .wait_for_leader(BOOTSTRAP_LEADER_WAIT)
            .await
            .map(|_| ())
            .map_err(raft_err)
    }

    fn configuration(&self) -> RaftConfiguration {
        let m = self.node.membership();
        RaftConfiguration {
            index: m.index,
            servers: m
                .members
                .into_iter()
                .map(|x| RaftServer {
                    leader: m.leader == Some(x.node.raft_id()),
                    node_id: x.node.node_id,
                    address: x.node.cluster_addr,
                    voter: x.voter,
                })
                .collect(),
        }
    }

    async fn add_peer(&self, peer: PeerInfo, voter: bool) -> Result<u64, Error> {
        let node = ArcaNode {
            node_id: peer.node_id,
            api_addr: peer.api_addr,
            cluster_addr: peer.cluster_addr,
        };
        self.node
            .add_member(node, voter, CATCH_UP)
            .await
            .map_err(raft_err)
    }

    async fn remove_peer(&self, node_id: &str) -> Result<(), Error> {
        if !self.node.remove_member(node_id).await.map_err(raft_err)? {
            tracing::info!(node = %node_id, "remove-peer: no such raft member");
        }
        Ok(())
    }

    async fn wait_applied(&self, index: u64, timeout: Duration) -> Result<(), Error> {
        self.node
            .wait_applied(index, timeout)
            .await
            .map_err(raft_err)
    }

    async fn call_leader(
        &self,
        leader: &LeaderTarget,
        path: &str,
        body: Value,
    ) -> Result<Value, Error> {
        crate::join::put_to_leader(leader, path, &body).await
    }
}
