//! Errors of audit devices; the core maps them to HTTP statuses (bad options: 400,
//! failed writes: the request fails closed with 500).

/// Why a device could not be created or could not record an entry.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The device type is not one Arca has (Vault's wording).
    #[error("unknown backend type: {0}")]
    UnknownType(String),
    /// An option is missing, unknown or malformed.
    #[error("{0}")]
    InvalidOption(String),
    /// The destination could not be opened (at enable time: Vault's sanity check).
    #[error("sanity check failed; unable to open {path:?} for writing: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Writing an entry failed.
    #[error("writing the audit entry to {path:?} failed: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// An entry could not be serialised.
    #[error("formatting the audit entry failed: {0}")]
    Format(String),
}
