//! Seals: how Arca protects its root key and how unsealing progresses.
//!
//! Every seal implements [`Seal`] (wrap and unwrap the root key). Besides the Shamir
//! seal described below there are two auto-unseal seals, [`StaticSeal`] (a 32-byte key
//! given to the server) and [`TransitSeal`] (a remote transit engine); they need no
//! operator at start and come with recovery keys, which are Shamir shares too.
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
mod otp;
mod progress;
mod seal;
mod shamir;
mod static_seal;
mod transit;

pub use config::{SEAL_TYPE_SHAMIR, SealConfig};
pub use error::SealError;
pub use keys::{MAX_KEY_LEN, MIN_KEY_LEN, decode_key, encode_key};
pub use otp::{OTP_LENGTH, decode_root_token, encode_root_token, generate_otp};
pub use progress::UnsealProgress;
pub use seal::{Seal, SealedBlob, ShamirSeal};
pub use shamir::{ROOT_KEY_AAD, generate_shamir, unwrap_root_key, wrap_root_key};
pub use static_seal::{SEAL_TYPE_STATIC, StaticSeal, StaticSealConfig, load_key};
pub use transit::{SEAL_TYPE_TRANSIT, TransitSeal, TransitSealConfig, parse_bool};
