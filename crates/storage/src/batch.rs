//! One request's writes: conditions on what it read, and the puts and deletes it made.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Put {
        key: String,
        #[serde(with = "crate::b64")]
        value: Vec<u8>,
    },
    Delete {
        key: String,
    },
}

impl Op {
    /// The key the op writes.
    pub fn key(&self) -> &str {
        match self {
            Op::Put { key, .. } | Op::Delete { key } => key,
        }
    }
}

/// "`key` still holds what I read": the fingerprint of the value read, or `None` when
/// the key was absent. Checked when the batch is applied (optimistic concurrency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub key: String,
    #[serde(with = "crate::b64::fingerprint")]
    pub fingerprint: Option<[u8; 32]>,
}

/// An atomic, conditional write: the unit of replication (one raft entry).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub conditions: Vec<Condition>,
    pub ops: Vec<Op>,
}

impl Batch {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// The fingerprint used in [`Condition`]: SHA-256 of the stored (ciphertext) bytes.
pub fn fingerprint(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}
