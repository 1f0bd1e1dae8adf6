//! The `kv` secrets engine, in both of Vault's flavours.
//!
//! * Version 1 ([`v1`]) stores one JSON object per path and keeps no history.
//! * Version 2 ([`v2`]) keeps numbered versions of every secret with soft delete,
//!   undelete, destroy, check-and-set and per-key metadata.
//!
//! The mount option `version` selects the flavour, as in Vault; [`KvFactory`] reads it.
//! Both backends keep all their state in the request's storage view, so every request
//! is one atomic transaction and the engine itself holds no mutable state.

mod error;
mod factory;
mod merge_patch;
mod path_check;
mod timefmt;
pub mod v1;
pub mod v2;

pub use error::KvError;
pub use factory::KvFactory;
