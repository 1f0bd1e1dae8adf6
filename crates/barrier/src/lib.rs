//! The encrypted barrier between Arca's logic and its (replicated) physical storage.
//!
//! Every value that crosses the barrier is encrypted with AES-256-GCM under the active
//! key of a keyring of numbered *terms*, with the value's storage path as associated
//! data, so a ciphertext copied to another path does not decrypt. Stored values look
//! like `term (u32, big-endian) || version (1) || nonce (12) || ciphertext || tag`.
//! The keyring itself lives at [`KEYRING_PATH`], encrypted under the root key.
//!
//! Requests see the barrier through a [`Transaction`] (an [`arca_sdk::Storage`]):
//! writes are buffered and visible to later reads of the same request, reads record
//! what they saw, and [`Barrier::commit`] turns the whole request into one conditional
//! [`arca_storage::Batch`] — one raft entry, applied atomically or refused as a
//! conflict if anything read was changed meanwhile.

mod barrier;
mod error;
mod format;
mod keyring;
mod transaction;

#[cfg(test)]
mod tests;

pub use barrier::{Barrier, KEYRING_PATH, KeyStatus, is_reserved};
pub use error::BarrierError;
pub use transaction::Transaction;
