//! ReadIndex on a standby, batched: the standby's linearizable reads ask the active node
//! for its read index, and concurrent reads share one round trip.
//!
//! A read may use the answer of any ReadIndex RPC *sent after the read began*: the
//! leader fixes the index when the RPC arrives, so every write acknowledged before the
//! read began is at or below it. Reads that arrive while an RPC is in flight therefore
//! wait for the next one, which starts as soon as the current one ends (group commit):
//! under load one RPC serves many reads, and a lone read pays one round trip.

use std::{sync::Arc, time::Duration};

use arca_http::ForwardError;
use arca_raft::{ClusterNetwork, RaftNode, SharedRounds};

/// Longest a standby waits for the leader's read index, and then for its own state
/// machine to apply it, before it forwards the read instead.
const READ_INDEX_TIMEOUT: Duration = Duration::from_secs(2);

/// The standby's ReadIndex client, shared by all its listeners.
pub(crate) struct ReadIndex {
    node: Arc<RaftNode>,
    /// One RPC per batch of reads that began before it was sent.
    rounds: SharedRounds<Result<u64, String>>,
}

impl ReadIndex {
    /// A batcher asking the current raft leader through `network`.
    pub(crate) fn new(node: Arc<RaftNode>, network: ClusterNetwork) -> Arc<Self> {
        let asker = Arc::new(Asker {
            node: node.clone(),
            network,
        });
        let rounds = SharedRounds::spawn(move || {
            let asker = asker.clone();
            async move { asker.fetch().await }
        });
        Arc::new(ReadIndex { node, rounds })
    }

    /// Returns once this node's state machine applied a read index obtained after the
    /// call began: a read then sees every write acknowledged before it.
    pub(crate) async fn wait(self: &Arc<Self>) -> Result<(), ForwardError> {
        let index = self
            .rounds
            .next()
            .await
            .ok_or_else(|| ForwardError::NotSent("the read index round was dropped".into()))?
            .map_err(ForwardError::NotSent)?;
        self.node
            .raft()
            .wait(Some(READ_INDEX_TIMEOUT))
            .applied_index_at_least(Some(index), "standby read")
            .await
            .map_err(|e| ForwardError::NotSent(format!("catching up to the read index: {e}")))?;
        Ok(())
    }
}

/// What one ReadIndex round needs: this node (to find the leader) and the cluster
/// connections.
struct Asker {
    node: Arc<RaftNode>,
    network: ClusterNetwork,
}

impl Asker {
    /// One ReadIndex RPC to the current leader.
    async fn fetch(&self) -> Result<u64, String> {
        let (leader_id, leader) = self.node.leader().ok_or("no leader is known")?;
        if leader_id == self.node.id() {
            return Err("this node leads raft".into());
        }
        let mut client = self
            .network
            .client(leader_id, &leader)
            .map_err(|e| format!("connecting to the active node: {e}"))?;
        let reply = tokio::time::timeout(
            READ_INDEX_TIMEOUT,
            client.read_index(arca_raft::proto::ReadIndexRequest {}),
        )
        .await
        .map_err(|_| "the read index did not come in time".to_string())?
        .map_err(|s| format!("read index RPC failed: {}", s.message()))?;
        Ok(reply.into_inner().index)
    }
}
