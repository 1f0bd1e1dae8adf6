//! The error every backend returns. Each variant corresponds to one HTTP status, and the
//! mapping to status codes lives in one place (the `http` crate), so backends never
//! think in status codes.

/// Errors a request can end with. Messages are shown to clients: never put secret
/// values, tokens or keys in them.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// Input the client must fix (400).
    #[error("{0}")]
    BadRequest(String),
    /// Missing, invalid or insufficient token (403).
    #[error("permission denied")]
    PermissionDenied,
    /// No route matches the path (404, Vault's "unsupported path").
    #[error("no handler for route \"{0}\". route entry not found.")]
    UnsupportedPath(String),
    /// The path exists but does not implement this operation (405).
    #[error("unsupported operation")]
    UnsupportedOperation,
    /// The node is sealed (503, exact text matched by clients).
    #[error("Vault is sealed")]
    Sealed,
    /// The node has not been initialised yet (400 in Vault for most routes).
    #[error("Vault is not initialized")]
    NotInitialized,
    /// A concurrent request changed something this request read; the core retries.
    #[error("conflicting concurrent write, please retry")]
    Conflict,
    /// Storage failed (500). The text must not contain secrets.
    #[error("storage error: {0}")]
    Storage(String),
    /// A bug or an unexpected state (500).
    #[error("internal error: {0}")]
    Internal(String),
    /// The node cannot serve the request right now (e.g. no leader) (503).
    #[error("{0}")]
    Unavailable(String),
    /// Any other status Vault uses with a plain message list.
    #[error("{message}")]
    Status { status: u16, message: String },
}

impl Error {
    /// Shorthand for [`Error::BadRequest`].
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Error::BadRequest(msg.into())
    }
    /// Shorthand for [`Error::Internal`].
    pub fn internal(msg: impl std::fmt::Display) -> Self {
        Error::Internal(msg.to_string())
    }
    /// Shorthand for [`Error::Storage`].
    pub fn storage(msg: impl std::fmt::Display) -> Self {
        Error::Storage(msg.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(format!("json: {e}"))
    }
}
