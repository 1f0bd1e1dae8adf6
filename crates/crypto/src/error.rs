//! The crate's error type. Messages name what went wrong, never the data involved.

/// Errors from the primitives. No variant carries key material, plaintext or shares.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// A key was not exactly 32 bytes.
    #[error("invalid key length: expected {expected} bytes, got {actual}")]
    InvalidKeyLength { expected: usize, actual: usize },
    /// The data is shorter than a nonce plus a tag, so it cannot be a ciphertext.
    #[error("ciphertext too short")]
    CiphertextTooShort,
    /// Authentication failed: wrong key, wrong associated data, or tampered bytes.
    /// The text is Go's, which Vault shows to clients.
    #[error("cipher: message authentication failed")]
    Decrypt,
    /// Encryption refused the input (only possible for absurdly long messages).
    #[error("encryption failed")]
    Encrypt,
    /// Shamir split parameters break Vault's rules; the text is Vault's.
    #[error("{0}")]
    InvalidSplit(&'static str),
    /// The parts given to [`crate::combine`] cannot be combined; the text is Vault's.
    #[error("{0}")]
    InvalidParts(&'static str),
}
