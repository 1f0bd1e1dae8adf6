//! The `cubbyhole` secrets engine: private storage for each token.
//!
//! Every key is stored under the calling token's opaque id, so one token can never
//! read, list or overwrite another token's entries, not even with a root policy.
//! When a token is revoked the core calls [`clear_token`] to drop its cubbyhole.
//! Reads carry no lease (Vault reports `lease_duration` 0 for cubbyhole).

mod backend;

pub use backend::{CubbyholeFactory, backend, clear_token};
