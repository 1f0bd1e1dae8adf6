//! ReadIndex on a standby, batched: the standby's linearizable reads ask the active node
//! for its read index, and concurrent reads share one round trip.
//!
//! A read may use the answer of any ReadIndex RPC *sent after the read began*: the
//! leader fixes the index when the RPC arrives, so every write acknowledged before the
//! read began is at or below it. Reads that arrive while an RPC is in flight therefore
//! wait for the next one, which starts as soon as the current one ends (group commit):
//! under load one RPC serves many reads, and a lone read pays one round trip.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use arca_http::ForwardError;
use arca_raft::{ClusterNetwork, RaftNode};
use tokio::sync::oneshot;

/// Longest a standby waits for the leader's read index, and then for its own state
/// machine to apply it, before it forwards the read instead.
const READ_INDEX_TIMEOUT: Duration = Duration::from_secs(2);

type Waiter = oneshot::Sender<Result<u64, String>>;

/// Reads waiting for the next ReadIndex round, and whether a round is running.
#[derive(Default)]
struct Pending {
    waiters: Vec<Waiter>,
    running: bool,
}

/// The standby's ReadIndex client, shared by all its listeners.
pub(crate) struct ReadIndex {
    node: Arc<RaftNode>,
    network: ClusterNetwork,
    pending: Mutex<Pending>,
}

impl ReadIndex {
    /// A batcher asking the current raft leader through `network`.
    pub(crate) fn new(node: Arc<RaftNode>, network: ClusterNetwork) -> Arc<Self> {
        Arc::new(ReadIndex {
            node,
            network,
            pending: Mutex::default(),
        })
    }

    /// Returns once this node's state machine applied a read index obtained after the
    /// call began: a read then sees every write acknowledged before it.
    pub(crate) async fn wait(self: &Arc<Self>) -> Result<(), ForwardError> {
        let (tx, rx) = oneshot::channel();
        let start = {
            let mut p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            p.waiters.push(tx);
            !std::mem::replace(&mut p.running, true)
        };
        if start {
            tokio::spawn(self.clone().rounds());
        }
        let index = rx
            .await
            .map_err(|_| ForwardError::NotSent("the read index round was dropped".into()))?
            .map_err(ForwardError::NotSent)?;
        self.node
            .raft()
            .wait(Some(READ_INDEX_TIMEOUT))
            .applied_index_at_least(Some(index), "standby read")
            .await
            .map_err(|e| ForwardError::NotSent(format!("catching up to the read index: {e}")))?;
        Ok(())
    }

    /// Runs rounds until no read waits: each takes the reads registered so far, sends
    /// one RPC, and hands every one of them its answer.
    async fn rounds(self: Arc<Self>) {
        loop {
            let batch = {
                let mut p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
                if p.waiters.is_empty() {
                    p.running = false;
                    return;
                }
                std::mem::take(&mut p.waiters)
            };
            let answer = self.fetch().await;
            for waiter in batch {
                // A read that gave up (client gone) no longer listens.
                let _ = waiter.send(answer.clone());
            }
        }
    }

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
