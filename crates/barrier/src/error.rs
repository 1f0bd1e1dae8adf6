//! Barrier errors and their mapping onto the SDK's client-facing errors.

use arca_crypto::CryptoError;
use arca_storage::StorageError;

/// Errors from the barrier. Texts name paths and terms at most, never values or keys.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum BarrierError {
    /// The barrier has no keyring in memory: every read and write is refused.
    #[error("Vault is sealed")]
    Sealed,
    /// There is no keyring in storage yet.
    #[error("Vault is not initialized")]
    NotInitialized,
    /// `initialize` found a keyring already.
    #[error("Vault is already initialized")]
    AlreadyInitialized,
    /// The root key given to `unseal` does not decrypt the keyring.
    #[error("Unseal failed, invalid key")]
    InvalidKey,
    /// Something this transaction read was changed before it committed.
    #[error("conflict: a key read by this request was changed concurrently")]
    Conflict,
    /// The path belongs to the barrier itself and cannot be used through a transaction.
    #[error("path {0:?} is reserved")]
    Reserved(String),
    /// The value at this path failed authentication (damaged, or moved from another path).
    #[error("failed to decrypt the entry at {0:?}")]
    Decrypt(String),
    /// The value at this path names a key term the keyring does not have.
    #[error("the entry at {key:?} is encrypted with unknown key term {term}")]
    UnknownTerm { key: String, term: u32 },
    /// The keyring decrypted but its contents are not a valid keyring.
    #[error("corrupt keyring: {0}")]
    CorruptKeyring(&'static str),
    /// The transaction was already committed (or its commit was attempted).
    #[error("transaction already finished")]
    Finished,
    /// The transaction was begun on another barrier.
    #[error("transaction does not belong to this barrier")]
    ForeignTransaction,
    /// The physical storage failed (not a conflict).
    #[error("{0}")]
    Storage(StorageError),
    /// A primitive failed (no secret material in the text).
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    /// An unexpected state.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StorageError> for BarrierError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict => BarrierError::Conflict,
            other => BarrierError::Storage(other),
        }
    }
}

/// How handlers see barrier failures: sealed and conflict keep their meaning (503 and
/// retry), storage trouble stays a storage error, everything else is internal.
impl From<BarrierError> for arca_sdk::Error {
    fn from(e: BarrierError) -> Self {
        use arca_sdk::Error;
        match e {
            BarrierError::Sealed => Error::Sealed,
            BarrierError::NotInitialized => Error::NotInitialized,
            BarrierError::Conflict => Error::Conflict,
            BarrierError::Reserved(_)
            | BarrierError::AlreadyInitialized
            | BarrierError::InvalidKey => Error::BadRequest(e.to_string()),
            BarrierError::Storage(StorageError::Unavailable(msg)) => Error::Unavailable(msg),
            BarrierError::Storage(s @ StorageError::NotLeader { .. }) => {
                Error::Unavailable(s.to_string())
            }
            BarrierError::Storage(s) => Error::Storage(s.to_string()),
            other => Error::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_sdk::Error;

    #[test]
    fn maps_onto_sdk_errors() {
        assert_eq!(Error::from(BarrierError::Sealed), Error::Sealed);
        assert_eq!(Error::from(BarrierError::Conflict), Error::Conflict);
        assert_eq!(
            Error::from(BarrierError::from(StorageError::Conflict)),
            Error::Conflict
        );
        assert!(matches!(
            Error::from(BarrierError::Reserved("core/keyring".into())),
            Error::BadRequest(_)
        ));
        assert!(matches!(
            Error::from(BarrierError::from(StorageError::Io("disk".into()))),
            Error::Storage(_)
        ));
        assert!(matches!(
            Error::from(BarrierError::from(StorageError::Unavailable(
                "no leader".into()
            ))),
            Error::Unavailable(_)
        ));
        assert!(matches!(
            Error::from(BarrierError::Decrypt("a".into())),
            Error::Internal(_)
        ));
    }
}
