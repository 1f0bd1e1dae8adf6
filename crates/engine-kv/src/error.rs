//! Client-facing failures of the kv engine, with the exact texts Vault sends (clients
//! and scripts match on several of them).

use arca_sdk::Error;

/// A request the client must fix. Every variant becomes a 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KvError {
    /// A write to the mount root.
    #[error("missing path")]
    MissingPath,
    /// A kv v1 write with an empty body.
    #[error("missing data fields")]
    MissingDataFields,
    /// A kv v2 write or patch without a `data` object.
    #[error("no data provided")]
    NoData,
    /// `options.cas` is not the key's current version.
    #[error("check-and-set parameter did not match the current version")]
    CasMismatch,
    /// `cas_required` is set (mount or key) and the write has no `options.cas`.
    #[error("check-and-set parameter required for this call")]
    CasRequired,
    /// `options.cas` is not a number.
    #[error("error parsing check-and-set parameter")]
    CasUnparsable,
    /// `delete/` or `undelete/` without `versions` (Vault capitalises this one).
    #[error("No version number provided")]
    NoVersions,
    /// `destroy/` without `versions` (lower case, as Vault).
    #[error("no version number provided")]
    NoVersionsToDestroy,
    /// A `..` segment: paths must not walk out of their place in storage.
    #[error("path cannot contain parent references")]
    ParentReference,
    /// The mount's `version` option is neither "1" nor "2".
    #[error("invalid kv version {0:?}: must be \"1\" or \"2\"")]
    InvalidVersion(String),
    /// A field whose value cannot be used (the text names the field, never a secret).
    #[error("{0}")]
    InvalidField(String),
    /// `custom_metadata` failed validation (text built like Vault's multierror list).
    #[error("{0}")]
    CustomMetadata(String),
}

impl From<KvError> for Error {
    fn from(e: KvError) -> Self {
        Error::BadRequest(e.to_string())
    }
}
