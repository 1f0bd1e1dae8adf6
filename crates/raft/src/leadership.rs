//! Handing over leadership (`sys/step-down`).
//!
//! Openraft 0.9 has no leadership transfer, so it is built from what it has, in the way
//! Raft's thesis describes ("TimeoutNow"):
//!
//! 1. The leader stops counting as the active node (no new requests start on it) and
//!    disables its own election timer, so it cannot win the next election.
//! 2. It waits (briefly) until the most up-to-date other voter has its whole log.
//! 3. It asks that voter over the cluster port to start an election at once
//!    (`TimeoutNow`); the voter checks that the request comes from the leader of its
//!    current term and calls `trigger().elect()`.
//! 4. The voter's higher term makes the old leader step down; it votes for the
//!    candidate, whose log is complete, and the candidate wins. Followers that still
//!    hear from the old leader refuse the vote (leader lease), but the old leader's vote
//!    plus the candidate's own are a majority of three; in larger clusters the candidate
//!    wins its next round once the leases expired. Either way the old leader cannot win,
//!    because its election timer is off until another leader is known or time runs out.

use std::time::Duration;

use openraft::ServerState;
use tokio::time::Instant;

use crate::{
    error::RaftError,
    network::ClusterNetwork,
    node::RaftNode,
    proto::{TimeoutNowReply, TimeoutNowRequest},
    types::{ArcaNode, NodeId, Raft},
};

/// How long the leader waits for its successor to have the whole log.
const CATCH_UP: Duration = Duration::from_secs(3);
/// Deadline of one TimeoutNow call.
const ASK_TIMEOUT: Duration = Duration::from_secs(2);

/// Voter side of TimeoutNow: starts an election if the request comes from the leader
/// this voter follows in the current term (stale or foreign requests are ignored).
pub(crate) async fn timeout_now(raft: &Raft, req: &TimeoutNowRequest) -> TimeoutNowReply {
    let allowed = {
        let metrics = raft.metrics();
        let m = metrics.borrow();
        let voter = m
            .membership_config
            .membership()
            .voter_ids()
            .any(|v| v == m.id);
        voter
            && m.state == ServerState::Follower
            && m.current_term == req.term
            && m.current_leader == Some(req.leader_id)
    };
    if !allowed {
        return TimeoutNowReply { started: false };
    }
    tracing::info!(
        term = req.term,
        "the leader hands over leadership: starting an election"
    );
    match raft.trigger().elect().await {
        Ok(()) => TimeoutNowReply { started: true },
        Err(e) => {
            tracing::warn!(error = %e, "cannot start an election");
            TimeoutNowReply { started: false }
        }
    }
}

impl RaftNode {
    /// Leader only: hands leadership to another voter (see the module documentation) and
    /// waits up to `timeout` for a new leader. Returns its id, or `None` when this node
    /// is the only voter (nobody can take over; it stays the leader, as a lone Vault node
    /// re-acquires the lock after stepping down).
    pub async fn step_down(
        &self,
        network: &ClusterNetwork,
        timeout: Duration,
    ) -> Result<Option<NodeId>, RaftError> {
        if !self.is_leader() {
            return Err(RaftError::NotLeader {
                leader: self.leader().map(|(_, n)| Box::new(n)),
            });
        }
        let candidates: Vec<(NodeId, ArcaNode)> = {
            let metrics = self.metrics();
            let m = metrics.borrow();
            let config = m.membership_config.membership();
            config
                .voter_ids()
                .filter(|id| *id != self.id())
                .filter_map(|id| config.get_node(&id).map(|n| (id, n.clone())))
                .collect()
        };
        if candidates.is_empty() {
            tracing::info!("step-down: this node is the only voter; it stays the leader");
            return Ok(None);
        }
        use std::sync::atomic::Ordering::SeqCst;
        self.stepping_down.store(true, SeqCst);
        self.raft().runtime_config().elect(false);
        let result = self.hand_over(network, candidates, timeout).await;
        self.raft().runtime_config().elect(self.elections_allowed());
        self.stepping_down.store(false, SeqCst);
        result.map(Some)
    }

    async fn hand_over(
        &self,
        network: &ClusterNetwork,
        mut candidates: Vec<(NodeId, ArcaNode)>,
        timeout: Duration,
    ) -> Result<NodeId, RaftError> {
        let deadline = Instant::now() + timeout;
        let term = self.wait_for_successor(&mut candidates).await;
        let mut asked = false;
        for (id, node) in &candidates {
            let mut client = match network.client(*id, node) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(peer = %node.node_id, error = %e, "step-down: cannot dial");
                    continue;
                }
            };
            let req = TimeoutNowRequest {
                term,
                leader_id: self.id(),
            };
            match tokio::time::timeout(ASK_TIMEOUT, client.timeout_now(req)).await {
                Ok(Ok(reply)) if reply.get_ref().started => {
                    tracing::info!(peer = %node.node_id, "step-down: handing leadership over");
                    asked = true;
                    break;
                }
                Ok(Ok(_)) => tracing::info!(peer = %node.node_id, "step-down: peer declined"),
                Ok(Err(status)) => {
                    tracing::warn!(peer = %node.node_id, error = %status.message(), "step-down: peer failed")
                }
                Err(_) => tracing::warn!(peer = %node.node_id, "step-down: peer did not answer"),
            }
        }
        if !asked {
            return Err(RaftError::Timeout(
                "a voter willing to take over leadership".into(),
            ));
        }
        let me = self.id();
        let left = deadline.saturating_duration_since(Instant::now());
        let m = self
            .raft()
            .wait(Some(left))
            .metrics(
                |m| m.current_leader.is_some_and(|l| l != me),
                "another node to become the leader",
            )
            .await
            .map_err(|e| RaftError::Timeout(e.to_string()))?;
        m.current_leader
            .ok_or_else(|| RaftError::Timeout("another leader".into()))
    }

    /// Orders `candidates` by how much of the log they have (most first) and waits,
    /// bounded, until the first has all of it. Returns the current term.
    async fn wait_for_successor(&self, candidates: &mut [(NodeId, ArcaNode)]) -> u64 {
        let until = Instant::now() + CATCH_UP;
        loop {
            let m = self.metrics().borrow().clone();
            let matched = |id: &NodeId| {
                m.replication
                    .as_ref()
                    .and_then(|r| r.get(id).cloned().flatten())
                    .map(|l| l.index)
            };
            candidates.sort_by_key(|(id, _)| std::cmp::Reverse(matched(id)));
            let best = candidates.first().and_then(|(id, _)| matched(id));
            if best >= m.last_log_index || Instant::now() >= until {
                return m.current_term;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
