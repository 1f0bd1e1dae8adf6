//! One version of a key: its secret, its HMAC key, its creation time and public key.

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{
    ecdsa, ed25519, error::TransitError, keytype::KeyType, rng::random_secret, rsa_key,
    secret::SecretBytes,
};

/// Length of the per-version key used by the `hmac` endpoint for non-HMAC key types.
pub const HMAC_KEY_LEN: usize = 32;

/// The stored form of one key version (inside the policy JSON, under the barrier).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyEntry {
    /// AEAD or HMAC key, Ed25519 seed, ECDSA scalar, or RSA PKCS#8 DER.
    pub key: SecretBytes,
    /// Key of the `hmac` endpoint (empty for `hmac` keys, which use `key`).
    #[serde(default)]
    pub hmac_key: SecretBytes,
    /// Creation time, RFC 3339 with nanoseconds (asymmetric key reads show it).
    pub time: String,
    /// Creation time in Unix seconds (symmetric key reads show it).
    pub creation_time: i64,
    /// The public key as Vault formats it (PEM, or base64 for Ed25519); empty otherwise.
    #[serde(default)]
    pub public_key: String,
}

impl KeyEntry {
    /// A fresh version of a `kind` key, created `now`. `key_size` applies to HMAC keys.
    pub fn generate(
        kind: KeyType,
        key_size: usize,
        now: OffsetDateTime,
    ) -> Result<Self, TransitError> {
        let (key, public_key) = match kind {
            KeyType::Aes128Gcm96 | KeyType::Aes256Gcm96 | KeyType::ChaCha20Poly1305 => (
                SecretBytes::new(random_secret(kind.aead_key_len())),
                String::new(),
            ),
            KeyType::Hmac => (SecretBytes::new(random_secret(key_size)), String::new()),
            KeyType::Ed25519 => {
                let seed = SecretBytes::new(random_secret(ed25519::SEED_LEN));
                let public = ed25519::public_key_b64(seed.as_slice())?;
                (seed, public)
            }
            KeyType::EcdsaP256 | KeyType::EcdsaP384 => {
                let secret = ecdsa::generate(kind)?;
                let public = ecdsa::public_pem(kind, secret.as_slice())?;
                (secret, public)
            }
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => {
                let bits = kind.rsa_bits().unwrap_or(2048);
                let secret = rsa_key::generate(bits)?;
                let public = rsa_key::public_pem(secret.as_slice())?;
                (secret, public)
            }
        };
        let hmac_key = if kind == KeyType::Hmac {
            SecretBytes::default()
        } else {
            SecretBytes::new(random_secret(HMAC_KEY_LEN))
        };
        Ok(KeyEntry {
            key,
            hmac_key,
            time: now
                .format(&Rfc3339)
                .map_err(|_| TransitError::internal("cannot format time"))?,
            creation_time: now.unix_timestamp(),
            public_key,
        })
    }

    /// The creation time, parsed back (falls back to the Unix seconds).
    pub fn created(&self) -> OffsetDateTime {
        OffsetDateTime::parse(&self.time, &Rfc3339).unwrap_or_else(|_| {
            OffsetDateTime::from_unix_timestamp(self.creation_time)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_have_the_right_shapes() {
        let now = OffsetDateTime::now_utc();
        let aes = KeyEntry::generate(KeyType::Aes128Gcm96, 0, now).unwrap();
        assert_eq!(aes.key.as_slice().len(), 16);
        assert_eq!(aes.hmac_key.as_slice().len(), HMAC_KEY_LEN);
        assert!(aes.public_key.is_empty());
        assert_eq!(aes.created().unix_timestamp(), now.unix_timestamp());
        let hmac = KeyEntry::generate(KeyType::Hmac, 64, now).unwrap();
        assert_eq!(hmac.key.as_slice().len(), 64);
        assert!(hmac.hmac_key.is_empty());
        let ed = KeyEntry::generate(KeyType::Ed25519, 0, now).unwrap();
        assert_eq!(ed.public_key.len(), 44);
        let ec = KeyEntry::generate(KeyType::EcdsaP384, 0, now).unwrap();
        assert!(ec.public_key.contains("PUBLIC KEY"));
        // Debug output never shows key bytes.
        let shown = format!("{aes:?}");
        assert!(shown.contains("redacted"));
    }
}
