//! Cluster membership as Vault operators see it: who the peers are (`list-peers`), adding
//! a node that proved it holds the unseal keys (`raft join`), and removing one
//! (`remove-peer`). Only the leader changes membership; followers answer
//! [`RaftError::NotLeader`].

use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};

use openraft::{
    ChangeMembers,
    error::{ClientWriteError, RaftError as OpenRaftError},
};

use crate::{
    error::RaftError,
    node::RaftNode,
    types::{ArcaNode, NodeId, node_id_from_name},
};

/// One member of the raft configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The node and its addresses.
    pub node: ArcaNode,
    /// Whether it votes (false for a learner, Vault's "non-voter").
    pub voter: bool,
}

/// The raft configuration as this node knows it (`sys/storage/raft/configuration`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Membership {
    /// Log index of the entry that set this configuration (0 before any).
    pub index: u64,
    /// The members, ordered by node id string so listings are stable.
    pub members: Vec<Member>,
    /// The leader's raft id, if one is known.
    pub leader: Option<NodeId>,
}

/// Replication progress as the leader sees it (autopilot's view of its followers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// The leader's current term.
    pub term: u64,
    /// Index of the leader's last log entry.
    pub last_log_index: u64,
    /// Per follower (and learner): `(term, index)` of the last entry known to be
    /// replicated to it, `None` before the first successful append.
    pub matched: BTreeMap<NodeId, Option<(u64, u64)>>,
}

type WriteError = OpenRaftError<NodeId, ClientWriteError<NodeId, ArcaNode>>;

pub(crate) fn write_err(e: WriteError) -> RaftError {
    match e {
        OpenRaftError::APIError(ClientWriteError::ForwardToLeader(f)) => RaftError::NotLeader {
            leader: f.leader_node.map(Box::new),
        },
        OpenRaftError::APIError(ClientWriteError::ChangeMembershipError(e)) => {
            RaftError::Membership(e.to_string())
        }
        OpenRaftError::Fatal(f) => f.into(),
    }
}

impl RaftNode {
    /// Whether this node has raft state: it was bootstrapped, or a leader has replicated to
    /// it. A node without state may still be bootstrapped or join a cluster.
    pub async fn has_state(&self) -> Result<bool, RaftError> {
        Ok(self.raft().is_initialized().await?)
    }

    /// The current configuration: members with their voting status, and the leader.
    pub fn membership(&self) -> Membership {
        let metrics = self.metrics();
        let m = metrics.borrow();
        let stored = &m.membership_config;
        let config = stored.membership();
        let voters: BTreeSet<NodeId> = config.voter_ids().collect();
        let mut members: Vec<Member> = config
            .nodes()
            .map(|(id, node)| Member {
                node: node.clone(),
                voter: voters.contains(id),
            })
            .collect();
        members.sort_by(|a, b| a.node.node_id.cmp(&b.node.node_id));
        Membership {
            index: stored.log_id().map(|l| l.index).unwrap_or(0),
            members,
            leader: m.current_leader,
        }
    }

    /// On the leader, how far the log is replicated to each member; `None` elsewhere.
    pub fn progress(&self) -> Option<Progress> {
        let metrics = self.metrics();
        let m = metrics.borrow();
        let replication = m.replication.as_ref()?;
        Some(Progress {
            term: m.current_term,
            last_log_index: m.last_log_index.unwrap_or(0),
            matched: replication
                .iter()
                .map(|(id, l)| (*id, l.map(|l| (l.leader_id.term, l.index))))
                .collect(),
        })
    }

    /// Makes the non-voter named `node_id` a voter (autopilot, once it is stable).
    /// Returns whether it changed anything.
    pub async fn promote(&self, node_id: &str) -> Result<bool, RaftError> {
        let id = node_id_from_name(node_id);
        let (known, voter) = {
            let metrics = self.metrics();
            let m = metrics.borrow();
            let config = m.membership_config.membership();
            (
                config.get_node(&id).is_some(),
                config.voter_ids().any(|v| v == id),
            )
        };
        if !known || voter {
            return Ok(false);
        }
        self.raft()
            .change_membership(ChangeMembers::AddVoterIds([id].into()), false)
            .await
            .map_err(write_err)?;
        tracing::info!(node = %node_id, "raft non-voter promoted to voter");
        Ok(true)
    }

    /// Adds `node` to the cluster: first as a learner, waits (up to `catch_up`) until the
    /// leader has replicated the log to it, then promotes it to voter unless `voter` is
    /// false. A node already present is updated in place (its addresses may have changed);
    /// if it was a voter it is first demoted to learner, because a node joins only with an
    /// empty log: it is a member whose data was lost (a replaced volume), and a voter that
    /// forgot its log and its votes could elect a leader missing committed entries. It is
    /// promoted again once it has caught up (here when `voter`, else by autopilot).
    /// Returns the log index of the last membership entry, which the new node must have
    /// applied before it has the cluster's data. A learner that does not catch up in time
    /// is removed again, so an unreachable node never becomes a voter.
    pub async fn add_member(
        &self,
        node: ArcaNode,
        voter: bool,
        catch_up: Duration,
    ) -> Result<u64, RaftError> {
        let id = node.raft_id();
        if id == self.id() {
            return Err(RaftError::Membership(format!(
                "node id {:?} is the leader's own id",
                node.node_id
            )));
        }
        let (known, was_voter) = {
            let metrics = self.metrics();
            let m = metrics.borrow();
            let config = m.membership_config.membership();
            (
                config.get_node(&id).cloned(),
                config.voter_ids().any(|v| v == id),
            )
        };
        if was_voter {
            tracing::warn!(node = %node.node_id, "a voter joins again with an empty log; demoting it to non-voter until it has caught up");
            self.raft()
                .change_membership(ChangeMembers::RemoveVoters([id].into()), true)
                .await
                .map_err(write_err)?;
        }
        let resp = match known {
            Some(existing) if existing != node => {
                let nodes = [(id, node.clone())].into_iter().collect();
                self.raft()
                    .change_membership(ChangeMembers::SetNodes(nodes), true)
                    .await
            }
            _ => self.raft().add_learner(id, node.clone(), false).await,
        }
        .map_err(write_err)?;
        let mut index = resp.log_id.index;
        if let Err(e) = self.wait_replicated(id, index, catch_up).await {
            tracing::warn!(node = %node.node_id, error = %e, "new raft member did not catch up; removing it");
            if !self
                .membership()
                .members
                .iter()
                .any(|m| m.voter && m.node.raft_id() == id)
            {
                let _ = self
                    .raft()
                    .change_membership(ChangeMembers::RemoveNodes([id].into()), false)
                    .await;
            }
            return Err(e);
        }
        if voter {
            let resp = self
                .raft()
                .change_membership(ChangeMembers::AddVoterIds([id].into()), false)
                .await
                .map_err(write_err)?;
            index = resp.log_id.index;
        }
        tracing::info!(node = %node.node_id, voter, "raft member added");
        Ok(index)
    }

    /// Removes the member named `node_id` (Vault's string id). Returns whether it was a
    /// member; removing an unknown node changes nothing, as in Vault.
    pub async fn remove_member(&self, node_id: &str) -> Result<bool, RaftError> {
        let id = node_id_from_name(node_id);
        let (known, voter) = {
            let metrics = self.metrics();
            let m = metrics.borrow();
            let config = m.membership_config.membership();
            (
                config.get_node(&id).is_some(),
                config.voter_ids().any(|v| v == id),
            )
        };
        if !known {
            return Ok(false);
        }
        let change: ChangeMembers<NodeId, ArcaNode> = if voter {
            ChangeMembers::RemoveVoters([id].into())
        } else {
            ChangeMembers::RemoveNodes([id].into())
        };
        self.raft()
            .change_membership(change, false)
            .await
            .map_err(write_err)?;
        tracing::info!(node = %node_id, "raft member removed");
        Ok(true)
    }

    /// Waits (up to `timeout`) until this node has applied the log up to `index`.
    pub async fn wait_applied(&self, index: u64, timeout: Duration) -> Result<(), RaftError> {
        self.raft()
            .wait(Some(timeout))
            .applied_index_at_least(Some(index), "apply the joined cluster's log")
            .await
            .map(|_| ())
            .map_err(|e| RaftError::Timeout(e.to_string()))
    }

    /// Leader side: waits until the log up to `index` is replicated to `target`.
    async fn wait_replicated(
        &self,
        target: NodeId,
        index: u64,
        timeout: Duration,
    ) -> Result<(), RaftError> {
        self.raft()
            .wait(Some(timeout))
            .metrics(
                |m| {
                    m.replication
                        .as_ref()
                        .and_then(|r| r.get(&target))
                        .and_then(|matched| matched.as_ref())
                        .is_some_and(|l| l.index >= index)
                },
                "the new member to catch up",
            )
            .await
            .map(|_| ())
            .map_err(|e| RaftError::Timeout(e.to_string()))
    }
}
