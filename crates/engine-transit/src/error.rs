//! Client-facing failures of the transit engine, with Vault's texts (clients, scripts and
//! the transit seal match on several of them). No variant ever carries key material,
//! plaintext or a derived value.

use arca_sdk::Error;

use crate::keytype::KeyType;

/// A transit failure. Everything but [`TransitError::Internal`] is the client's to fix
/// and becomes a 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitError {
    /// The named key does not exist (Vault answers 400, not 404, on operations).
    #[error("encryption key not found")]
    KeyNotFound,
    /// A ciphertext, signature or HMAC without the `vault:v` prefix.
    #[error("invalid {0}: no prefix")]
    NoPrefix(&'static str),
    /// The prefix is there but the `:` after the version is not.
    #[error("invalid {0}: wrong number of fields")]
    WrongFields(&'static str),
    /// The version between `vault:v` and `:` is not a number.
    #[error("invalid {0}: version number could not be decoded")]
    BadVersion(&'static str),
    /// The version is newer than the key's latest version.
    #[error("invalid {0}: version is too new")]
    TooNew(&'static str),
    /// The version is below `min_decryption_version`.
    #[error("ciphertext or signature version is disallowed by policy (too old)")]
    TooOld,
    /// The base64 after the prefix does not decode.
    #[error("invalid ciphertext: could not decode base64")]
    CiphertextBase64,
    /// Shorter than a nonce: cannot be one of ours.
    #[error("invalid ciphertext length")]
    CiphertextLength,
    /// AEAD authentication failed: wrong key or context, or tampered bytes.
    #[error("cipher: message authentication failed")]
    Authentication,
    /// A derived key was used without a context.
    #[error(
        "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key"
    )]
    MissingContext,
    /// The key type cannot do what was asked (`encryption`, `decryption`, ...).
    #[error("message {op} not supported for key type {key_type}")]
    NotSupported { op: &'static str, key_type: KeyType },
    /// Any other message Vault sends as a 400.
    #[error("{0}")]
    Invalid(String),
    /// A bug or a broken stored key (500). The text names the step, never data.
    #[error("{0}")]
    Internal(String),
}

impl TransitError {
    /// Shorthand for [`TransitError::Invalid`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        TransitError::Invalid(msg.into())
    }

    /// Shorthand for [`TransitError::Internal`].
    pub fn internal(msg: impl Into<String>) -> Self {
        TransitError::Internal(msg.into())
    }

    /// True for errors the client caused (reported per item in batches).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, TransitError::Internal(_))
    }
}

impl From<TransitError> for Error {
    fn from(e: TransitError) -> Self {
        match e {
            TransitError::Internal(m) => Error::Internal(m),
            other => Error::BadRequest(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_statuses_match_vault() {
        assert_eq!(
            Error::from(TransitError::NoPrefix("ciphertext")),
            Error::BadRequest("invalid ciphertext: no prefix".into())
        );
        assert_eq!(
            TransitError::NotSupported {
                op: "signing",
                key_type: KeyType::Aes256Gcm96
            }
            .to_string(),
            "message signing not supported for key type aes256-gcm96"
        );
        assert!(matches!(
            Error::from(TransitError::internal("x")),
            Error::Internal(_)
        ));
        assert!(!TransitError::internal("x").is_user_error());
        assert!(TransitError::TooOld.is_user_error());
    }
}
