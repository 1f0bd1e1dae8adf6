//! Arca's cryptographic primitives, in one crate on purpose.
//!
//! AES-GCM is generic code that is optimised in the crate that *calls* it; this crate is
//! built at opt-level 3 even in dev builds (see the workspace `Cargo.toml`), so every
//! AES-GCM and Shamir call of the project lives here and other crates only call the
//! small, non-generic functions below. Nothing else in the workspace should depend on
//! `aes-gcm` or `blahaj` directly.
//!
//! - [`Key32`]: a 256-bit key that wipes itself and never prints.
//! - [`seal`] / [`open`] / [`Cipher`]: AES-256-GCM with a random 96-bit nonce.
//! - [`split`] / [`combine`]: Shamir secret sharing over GF(256), with Vault's rules.
//! - [`ct_eq`], [`hmac_sha256`], [`random_bytes`]: small helpers.

mod aead;
mod error;
mod key;
mod mac;
mod random;
mod shamir;

pub use aead::{Cipher, NONCE_LEN, OVERHEAD, TAG_LEN, open, seal};
pub use error::CryptoError;
pub use key::{KEY_LEN, Key32};
pub use mac::{ct_eq, hmac_sha256};
pub use random::{fill_random, random_bytes};
pub use shamir::{SHARE_OVERHEAD, Shares, combine, split, validate_split};
pub use zeroize::{Zeroize, Zeroizing};
