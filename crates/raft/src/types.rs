//! The openraft type configuration: what a raft entry carries, what applying it returns,
//! and how cluster members are identified.

use std::fmt;
// `declare_raft_types!` names `Cursor` without a path, so it must be in scope here.
use std::io::Cursor;

use arca_storage::{Batch, Condition, Op};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

openraft::declare_raft_types!(
    /// Arca's raft types: every entry is one atomic conditional batch of ciphertext
    /// writes ([`Command`]), so replication and the storage contract share one unit.
    pub TypeConfig:
        D = Command,
        R = ApplyResult,
        NodeId = u64,
        Node = ArcaNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

/// Raft's numeric node id; derived from Vault's string node id by [`node_id_from_name`].
pub type NodeId = u64;

/// A raft log entry of this cluster.
pub type Entry = openraft::Entry<TypeConfig>;

/// The raft handle of this cluster.
pub type Raft = openraft::Raft<TypeConfig>;

/// The raft metrics of this cluster, as published on [`crate::RaftNode::metrics`].
pub type Metrics = openraft::RaftMetrics<NodeId, ArcaNode>;

/// What one raft entry asks the state machine to do: normally an atomic conditional
/// batch (an [`arca_storage::Batch`]); with `control`, one step of a snapshot restore.
/// Without `control` its JSON is exactly a `Batch`'s, so logs written before restores
/// existed still decode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// What the batch read, checked when it is applied.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// The batch's puts and deletes.
    #[serde(default)]
    pub ops: Vec<Op>,
    /// A restore step; a command carrying one has no conditions or ops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<Control>,
}

impl From<Batch> for Command {
    fn from(b: Batch) -> Self {
        Command {
            conditions: b.conditions,
            ops: b.ops,
            control: None,
        }
    }
}

/// Steps of a snapshot restore that cannot be expressed as a batch (see `restore`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// Replace the whole key space with the pairs staged under `restore_id`, provided
    /// exactly `pairs` pairs with this `digest` are staged (identically on every node,
    /// since staging went through the log); otherwise change nothing.
    CommitRestore {
        /// The restore's id (the staging prefix).
        restore_id: String,
        /// How many pairs were staged.
        pairs: u64,
        /// Hex SHA-256 over the staged pairs, in key order.
        digest: String,
    },
    /// Drop the pairs staged under `restore_id` (an abandoned restore).
    DiscardRestore {
        /// The restore's id.
        restore_id: String,
    },
}

/// What applying one entry did. A failed condition is not an error of the log: the entry
/// is committed and applied (as a no-op) on every node alike, and the writer is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplyResult {
    /// Every condition held and every op was written.
    Applied,
    /// A condition failed; nothing of the batch was written.
    Conflict,
}

/// A cluster member as raft stores it in the membership config. Vault identifies nodes by
/// string, raft by `u64`; keeping the string here lets `sys/storage/raft/configuration`
/// report the Vault node id, and the addresses let standbys redirect and forward.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArcaNode {
    /// Vault's string node id (`node_id` in the `storage "raft"` stanza).
    pub node_id: String,
    /// The client API address clients are redirected to, e.g. `https://10.0.0.1:8200`.
    pub api_addr: String,
    /// The cluster (gRPC) address peers dial, e.g. `http://10.0.0.1:8201`.
    pub cluster_addr: String,
    /// The node joined as a non-voter and stays one. Other non-voters are voters in the
    /// making: autopilot promotes them once they have been healthy long enough. Kept in
    /// the membership, so every future leader knows the node's wish.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub non_voter: bool,
}

impl ArcaNode {
    /// The raft id of this node, derived from its Vault node id.
    pub fn raft_id(&self) -> NodeId {
        node_id_from_name(&self.node_id)
    }
}

impl fmt::Display for ArcaNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (api {}, cluster {})",
            self.node_id, self.api_addr, self.cluster_addr
        )
    }
}

/// Maps Vault's string node id to raft's `u64`: the first 8 bytes (big-endian) of its
/// SHA-256. Stable across versions and machines, so every node computes the same id for a
/// peer from its name alone.
pub fn node_id_from_name(name: &str) -> NodeId {
    let digest = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_are_stable_and_distinct() {
        // Pinned value: changing the derivation would orphan every existing cluster.
        let digest = Sha256::digest(b"node-a");
        let expected = u64::from_be_bytes(digest[..8].try_into().unwrap());
        assert_eq!(node_id_from_name("node-a"), expected);
        assert_eq!(node_id_from_name("node-a"), node_id_from_name("node-a"));
        assert_ne!(node_id_from_name("node-a"), node_id_from_name("node-b"));
        let n = ArcaNode {
            node_id: "node-a".into(),
            ..Default::default()
        };
        assert_eq!(n.raft_id(), expected);
    }

    #[test]
    fn commands_read_batches_written_before_them() {
        let batch = Batch {
            conditions: vec![Condition {
                key: "a".into(),
                fingerprint: None,
            }],
            ops: vec![Op::Delete { key: "b".into() }],
        };
        let old = serde_json::to_vec(&batch).unwrap();
        let cmd: Command = serde_json::from_slice(&old).unwrap();
        assert_eq!(cmd, Command::from(batch));
        // And a plain command is still written in the batch's shape.
        assert_eq!(serde_json::to_vec(&cmd).unwrap(), old);
        let restore = Command {
            control: Some(Control::DiscardRestore {
                restore_id: "r".into(),
            }),
            ..Default::default()
        };
        let back: Command = serde_json::from_slice(&serde_json::to_vec(&restore).unwrap()).unwrap();
        assert_eq!(back, restore);
        // Nodes written before `non_voter` existed read as voters-to-be.
        let n: ArcaNode =
            serde_json::from_str(r#"{"node_id":"a","api_addr":"x","cluster_addr":"y"}"#).unwrap();
        assert!(!n.non_voter);
    }
}
