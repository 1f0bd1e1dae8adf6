//! The key types transit offers and what each can do (Vault's capability table).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A transit key type, named as in Vault's API (`type` on key creation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyType {
    #[serde(rename = "aes128-gcm96")]
    Aes128Gcm96,
    #[serde(rename = "aes256-gcm96")]
    Aes256Gcm96,
    #[serde(rename = "chacha20-poly1305")]
    ChaCha20Poly1305,
    #[serde(rename = "ed25519")]
    Ed25519,
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    #[serde(rename = "ecdsa-p384")]
    EcdsaP384,
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    #[serde(rename = "rsa-3072")]
    Rsa3072,
    #[serde(rename = "rsa-4096")]
    Rsa4096,
    #[serde(rename = "hmac")]
    Hmac,
}

impl KeyType {
    /// Every type, for tests and help texts.
    pub const ALL: [KeyType; 10] = [
        KeyType::Aes128Gcm96,
        KeyType::Aes256Gcm96,
        KeyType::ChaCha20Poly1305,
        KeyType::Ed25519,
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::Rsa2048,
        KeyType::Rsa3072,
        KeyType::Rsa4096,
        KeyType::Hmac,
    ];

    /// Vault's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Aes128Gcm96 => "aes128-gcm96",
            KeyType::Aes256Gcm96 => "aes256-gcm96",
            KeyType::ChaCha20Poly1305 => "chacha20-poly1305",
            KeyType::Ed25519 => "ed25519",
            KeyType::EcdsaP256 => "ecdsa-p256",
            KeyType::EcdsaP384 => "ecdsa-p384",
            KeyType::Rsa2048 => "rsa-2048",
            KeyType::Rsa3072 => "rsa-3072",
            KeyType::Rsa4096 => "rsa-4096",
            KeyType::Hmac => "hmac",
        }
    }

    /// Parses Vault's name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        KeyType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// AES-GCM or ChaCha20-Poly1305: symmetric authenticated encryption.
    pub fn is_aead(self) -> bool {
        matches!(
            self,
            KeyType::Aes128Gcm96 | KeyType::Aes256Gcm96 | KeyType::ChaCha20Poly1305
        )
    }

    /// The RSA modulus size, for RSA types.
    pub fn rsa_bits(self) -> Option<usize> {
        match self {
            KeyType::Rsa2048 => Some(2048),
            KeyType::Rsa3072 => Some(3072),
            KeyType::Rsa4096 => Some(4096),
            _ => None,
        }
    }

    /// Length of the symmetric key, for AEAD types.
    pub fn aead_key_len(self) -> usize {
        match self {
            KeyType::Aes128Gcm96 => 16,
            _ => 32,
        }
    }

    /// `encrypt`, `rewrap` and `datakey` work (AEAD and RSA-OAEP keys).
    pub fn supports_encryption(self) -> bool {
        self.is_aead() || self.rsa_bits().is_some()
    }

    /// `decrypt` works (same set as encryption).
    pub fn supports_decryption(self) -> bool {
        self.supports_encryption()
    }

    /// `sign` and `verify` with a signature work.
    pub fn supports_signing(self) -> bool {
        matches!(
            self,
            KeyType::Ed25519 | KeyType::EcdsaP256 | KeyType::EcdsaP384
        ) || self.rsa_bits().is_some()
    }

    /// `derived` keys (a per-request key from `context`) are possible.
    pub fn supports_derivation(self) -> bool {
        self.is_aead() || self == KeyType::Ed25519
    }

    /// Signing hashes the input first (ECDSA and RSA; Ed25519 signs the message).
    pub fn hashes_signature_input(self) -> bool {
        self.supports_signing() && self != KeyType::Ed25519
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in KeyType::ALL {
            assert_eq!(KeyType::parse(t.as_str()), Some(t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.as_str())
            );
        }
        assert_eq!(KeyType::parse("aes-gcm"), None);
        assert_eq!(KeyType::parse("ecdsa-p521"), None);
    }

    #[test]
    fn capabilities_follow_vault() {
        assert!(KeyType::Rsa2048.supports_encryption());
        assert!(KeyType::Rsa2048.supports_signing());
        assert!(!KeyType::EcdsaP256.supports_encryption());
        assert!(!KeyType::Hmac.supports_encryption());
        assert!(!KeyType::Hmac.supports_signing());
        assert!(KeyType::Ed25519.supports_derivation());
        assert!(!KeyType::EcdsaP384.supports_derivation());
        assert!(!KeyType::Ed25519.hashes_signature_input());
        assert!(KeyType::EcdsaP384.hashes_signature_input());
        assert_eq!(KeyType::Aes128Gcm96.aead_key_len(), 16);
    }
}
