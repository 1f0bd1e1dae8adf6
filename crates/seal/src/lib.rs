//! The Shamir seal: how Arca protects its root key and how unsealing progresses.
//!
//! At initialisation a random key-encryption key (KEK) is split into unseal-key shares
//! ([`generate_shamir`]) and the root key is stored encrypted under the KEK
//! ([`wrap_root_key`]). To unseal, operators submit shares one by one
//! ([`UnsealProgress`]); once the threshold is reached the shares are combined into a
//! candidate KEK, and [`unwrap_root_key`] tells whether it is the right one.
//!
//! The crate holds no storage: the core keeps the [`SealConfig`] and the wrapped root
//! key outside the barrier (they are needed while sealed).

mod config;
mod error;
mod keys;
mod progress;
mod shamir;

pub use config::{SEAL_TYPE_SHAMIR, SealConfig};
pub use error::SealError;
pub use keys::{MAX_KEY_LEN, MIN_KEY_LEN, decode_key, encode_key};
pub use progress::UnsealProgress;
pub use shamir::{ROOT_KEY_AAD, generate_shamir, unwrap_root_key, wrap_root_key};
