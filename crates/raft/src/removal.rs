//! Noticing that this node was removed from its cluster, and remembering it.
//!
//! A removed node still has the cluster's log and data. If it came back with them it
//! could campaign with a stale log or serve stale reads, so (as Vault does) it marks its
//! data directory as removed, reports `removed_from_cluster`, and refuses to start from
//! that directory again: it must be wiped and joined as a new node.

use std::path::{Path, PathBuf};

use openraft::raft::VoteRequest;
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    error::RaftError,
    node::RaftNode,
    types::{NodeId, Raft},
};

/// File written into the data directory once the node saw itself removed.
pub const REMOVED_MARKER: &str = "removed";

/// The gRPC status message a member answers a removed node's vote request with; the
/// removed node's network recognises it and learns that it was removed.
pub(crate) const REMOVED_STATUS_MESSAGE: &str =
    "arca: the candidate was removed from the raft cluster";

/// Whether a vote request comes from a node this member knows was removed: it is not in
/// the applied membership, and its log ends before the entry that set that membership
/// (so it cannot be a newly added member whose addition this node has not seen yet).
/// Openraft stops replicating to a removed node as soon as the removal is proposed, so
/// the removed node often never sees the entry removing it; this answer tells it.
pub(crate) fn candidate_was_removed(raft: &Raft, rpc: &VoteRequest<NodeId>) -> bool {
    let Some(candidate) = rpc.vote.leader_id().voted_for() else {
        return false;
    };
    let metrics = raft.metrics();
    let m = metrics.borrow();
    let stored = &m.membership_config;
    let Some(set_at) = *stored.log_id() else {
        return false;
    };
    let applied = m.last_applied.is_some_and(|a| a.index >= set_at.index);
    applied
        && stored.membership().get_node(&candidate).is_none()
        && rpc.last_log_id.is_none_or(|l| l < set_at)
}

/// The marker path for a data directory.
pub fn removed_marker(data_dir: &Path) -> PathBuf {
    data_dir.join(REMOVED_MARKER)
}

/// Refuses a data directory that carries the removal marker.
pub(crate) fn refuse_if_removed(data_dir: &Path) -> Result<(), RaftError> {
    let marker = removed_marker(data_dir);
    if marker.exists() {
        return Err(RaftError::Removed { marker });
    }
    Ok(())
}

impl RaftNode {
    /// Whether this node saw itself removed from the cluster's membership.
    pub fn is_removed(&self) -> bool {
        *self.removed.borrow()
    }

    /// Notifies (`true`) when this node is removed, for the server to seal and report it.
    pub fn removed_events(&self) -> watch::Receiver<bool> {
        self.removed.subscribe()
    }

    /// Watches for removal: once this node has been a member, a configuration without it
    /// means it was removed; so does a peer refusing its vote request because it was
    /// removed (`told`, from [`crate::ClusterNetwork::removed_signal`]). Then the marker is
    /// written (so a restart refuses the old data), [`RaftNode::is_removed`] turns true and
    /// raft stops on this node.
    /// A node still catching up after a join sees configurations without itself first;
    /// those do not count, because it has not yet seen itself as a member.
    pub fn spawn_removal_watch(&self, mut told: watch::Receiver<bool>) -> JoinHandle<()> {
        let mut metrics = self.metrics();
        let id = self.id();
        let removed = self.removed.clone();
        let marker = removed_marker(&self.data_dir);
        let name = self.node().node_id.clone();
        let raft = self.raft().clone();
        tokio::spawn(async move {
            let mut was_member = false;
            let mut listening = true;
            loop {
                let gone = {
                    let m = metrics.borrow_and_update();
                    let present = m.membership_config.membership().get_node(&id).is_some();
                    was_member |= present;
                    (was_member && !present) || *told.borrow_and_update()
                };
                if gone {
                    tracing::warn!(node = %name, "this node was removed from the raft cluster");
                    let text = format!("node {name} was removed from its raft cluster\n");
                    if let Err(e) = std::fs::write(&marker, text) {
                        tracing::error!(error = %e, marker = %marker.display(), "cannot write the removal marker");
                    }
                    removed.send_replace(true);
                    // Stop campaigning: a removed node must not disturb the cluster.
                    if let Err(e) = raft.shutdown().await {
                        tracing::warn!(error = %e, "stopping raft on the removed node");
                    }
                    return;
                }
                if listening {
                    tokio::select! {
                        changed = metrics.changed() => if changed.is_err() { return },
                        // The network is gone: keep watching the membership alone.
                        changed = told.changed() => listening = changed.is_ok(),
                    }
                } else if metrics.changed().await.is_err() {
                    return;
                }
            }
        })
    }
}
