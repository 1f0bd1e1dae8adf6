//! Seal errors. Texts follow Vault's where clients can see them; none carries a key.

use arca_crypto::CryptoError;

/// Errors from configuring the seal, unsealing and (un)wrapping the root key.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SealError {
    /// The seal configuration breaks a rule (Vault's message, e.g.
    /// "threshold cannot be larger than shares").
    #[error("{0}")]
    InvalidConfig(String),
    /// The combined key does not decrypt the stored root key: wrong or mixed shares.
    /// This is the text Vault answers `sys/unseal` with in that case.
    #[error("failed to decrypt encrypted stored keys: cipher: message authentication failed")]
    InvalidKey,
    /// This share was already submitted in the current attempt. Vault's `sys/unseal`
    /// silently ignores such a share (progress unchanged), while generate-root and
    /// rekey answer 400 with this text; the core picks the behaviour per endpoint.
    #[error("given key has already been provided during this generation operation")]
    DuplicateKey,
    /// A submitted key share has the wrong length (Vault's "invalid key: ..." texts).
    #[error("invalid key: {0}")]
    InvalidKeyLength(String),
    /// A submitted key is neither hex nor base64.
    #[error("'key' must be a valid hex or base64 string")]
    InvalidKeyEncoding,
    /// The shares could not be combined (lengths or x-coordinates inconsistent).
    #[error("failed to compute root key: {0}")]
    Combine(CryptoError),
    /// An auto-unseal seal could not do its job (its key store is unreachable, refused
    /// the request, or answered something unexpected). The text names the cause, never
    /// a key or token.
    #[error("{0}")]
    Backend(String),
    /// Another failure of the primitives (no secret material in the text).
    #[error("{0}")]
    Crypto(#[from] CryptoError),
}
