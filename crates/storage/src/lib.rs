//! The physical storage contract: an ordered key space of ciphertext with atomic,
//! conditional batches.
//!
//! Everything above (barrier, core) talks to [`Physical`]; the raft crate implements it
//! so that every committed [`Batch`] is one replicated raft entry. The in-memory
//! implementation exists for unit tests only.

mod b64;
mod batch;
pub mod memory;

pub use batch::{Batch, Condition, Op, fingerprint};
pub use memory::MemoryPhysical;

use async_trait::async_trait;

/// Errors from the physical layer. Messages never contain stored values.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// A batch condition failed: something this request read changed meanwhile.
    #[error("conflict: a key read by this request was changed concurrently")]
    Conflict,
    /// This node cannot accept writes (not the leader); carries the leader hint if known.
    #[error("not the leader")]
    NotLeader { leader: Option<String> },
    /// Storage is not ready (no raft leader, shutting down).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// I/O or encoding failure.
    #[error("storage I/O error: {0}")]
    Io(String),
}

/// An ordered key-value store of opaque (encrypted) values.
#[async_trait]
pub trait Physical: Send + Sync {
    /// The value at `key`, from this node's applied state.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError>;
    /// Every key that starts with `prefix`, sorted.
    async fn list_keys(&self, prefix: &str) -> Result<Vec<String>, StorageError>;
    /// Applies all conditions and operations of `batch` atomically: either every
    /// condition holds and every op is applied, or nothing is and the result is
    /// [`StorageError::Conflict`]. Returns once the batch is durable and applied locally.
    async fn commit(&self, batch: Batch) -> Result<(), StorageError>;
    /// Waits until this node may serve linearizable reads (it is the leader and has
    /// applied everything committed before this call). Single-node stores return at once.
    async fn read_barrier(&self) -> Result<(), StorageError> {
        Ok(())
    }
}
