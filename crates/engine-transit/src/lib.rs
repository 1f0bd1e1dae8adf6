//! The `transit` secrets engine: cryptography as a service, with Vault's API.
//!
//! Named keys (`keys/:name`) of ten types encrypt and decrypt (`aes128-gcm96`,
//! `aes256-gcm96`, `chacha20-poly1305`, RSA-OAEP), sign and verify (`ed25519`,
//! `ecdsa-p256`, `ecdsa-p384`, `rsa-2048|3072|4096`) and make HMACs (every type, and
//! `hmac` keys). Keys rotate; ciphertexts carry their key version (`vault:v<N>:`), so
//! old data still decrypts until `min_decryption_version` says otherwise. Derived keys
//! take a per-request `context` (HKDF-SHA256) and may be convergent.
//!
//! Every key is one JSON document under `policy/<name>` in the mount's storage (the
//! barrier encrypts it); in memory, key bytes live in zeroising buffers and never reach
//! `Debug` output or error texts. Vault's periodic auto-rotation runs lazily, when a key
//! is used for encryption, signing or HMAC after its `auto_rotate_period`.
//!
//! Not offered: SHA-1 and SHA-3 hashes, `ecdsa-p521`, managed keys, BYOK import, CMAC,
//! and byte compatibility with Vault's convergent ciphertexts and backups.

mod aead;
mod b64;
mod batch;
mod ciphertext;
mod crypt;
mod ecdsa;
mod ed25519;
mod error;
mod factory;
mod hashing;
mod kdf;
mod keytype;
mod material;
mod paths;
mod policy;
mod rng;
mod rsa_key;
mod secret;
mod signing;

#[cfg(test)]
mod tests;

pub use error::TransitError;
pub use factory::{TransitFactory, backend};
pub use keytype::KeyType;
