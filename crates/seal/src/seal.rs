//! The seal abstraction: what protects the root key at rest.
//!
//! Every seal turns the root key into bytes the core stores outside the barrier
//! (`core/root-key`) and back. The Shamir seal needs operators: its key-encryption key
//! exists only once enough unseal-key shares were combined ([`ShamirSeal`] is built from
//! that KEK). Auto-unseal seals ([`crate::StaticSeal`], [`crate::TransitSeal`]) hold or
//! reach their key themselves, so a node unseals without anyone typing keys; they
//! come with recovery keys instead of unseal keys.

use arca_crypto::Key32;
use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};

use crate::{SealError, unwrap_root_key, wrap_root_key};

/// Wraps and unwraps the root key.
#[async_trait]
pub trait Seal: Send + Sync + std::fmt::Debug {
    /// Vault's name of the seal type (`shamir`, `static`, `transit`), as reported by
    /// `sys/seal-status` and stored in the seal configuration.
    fn seal_type(&self) -> &'static str;

    /// Encrypts the root key for storage.
    async fn wrap_root_key(&self, root_key: &Key32) -> Result<Vec<u8>, SealError>;

    /// Decrypts what [`Seal::wrap_root_key`] (of this seal, or of an earlier key of
    /// it) produced.
    async fn unwrap_root_key(&self, stored: &[u8]) -> Result<Key32, SealError>;
}

/// The Shamir seal once its KEK is known (combined from unseal-key shares).
pub struct ShamirSeal {
    kek: Key32,
}

impl ShamirSeal {
    /// The seal for a combined (or freshly generated) KEK.
    pub fn new(kek: Key32) -> Self {
        ShamirSeal { kek }
    }
}

impl std::fmt::Debug for ShamirSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShamirSeal")
    }
}

#[async_trait]
impl Seal for ShamirSeal {
    fn seal_type(&self) -> &'static str {
        crate::SEAL_TYPE_SHAMIR
    }

    async fn wrap_root_key(&self, root_key: &Key32) -> Result<Vec<u8>, SealError> {
        wrap_root_key(&self.kek, root_key)
    }

    async fn unwrap_root_key(&self, stored: &[u8]) -> Result<Key32, SealError> {
        unwrap_root_key(&self.kek, stored)
    }
}

/// How an auto-unseal seal stores the root key: which seal and key made the ciphertext,
/// so a rotated key (or a seal being migrated away from) can still be told apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedBlob {
    /// The seal type that made it.
    #[serde(rename = "type")]
    pub seal_type: String,
    /// The seal's key identifier (static: `current_key_id`; transit: the key name).
    pub key_id: String,
    /// The ciphertext: base64 of AES-GCM output (static) or the transit
    /// `vault:vN:...` text (transit).
    pub ciphertext: String,
}

impl SealedBlob {
    /// The stored bytes (JSON).
    pub fn to_bytes(&self) -> Result<Vec<u8>, SealError> {
        serde_json::to_vec(self).map_err(|e| SealError::Backend(format!("encoding: {e}")))
    }

    /// Parses stored bytes; a Shamir-wrapped key (not JSON) is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        serde_json::from_slice(bytes).map_err(|_| SealError::InvalidKey)
    }

    /// The ciphertext as bytes, for seals that store base64.
    pub fn ciphertext_bytes(&self) -> Result<Vec<u8>, SealError> {
        STANDARD
            .decode(&self.ciphertext)
            .map_err(|_| SealError::InvalidKey)
    }
}
