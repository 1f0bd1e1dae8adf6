//! Why a policy was refused. Every message names what to fix (the line, the path, the
//! key) so an operator can correct the policy from the API error alone; no message ever
//! contains a parameter *value* from a request.

/// A policy that cannot be parsed or a name that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The text is not valid HCL (or JSON).
    #[error("failed to parse policy: syntax error on line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A key Vault does not know, at the top level or inside a `path` block.
    #[error("failed to parse policy: invalid key {key:?} on line {line}")]
    InvalidKey { key: String, line: usize },
    /// A value with the wrong shape (e.g. `capabilities` that is not a list).
    #[error("failed to parse policy: {location}: {message}")]
    InvalidValue { location: String, message: String },
    /// An unknown capability name.
    #[error("failed to parse policy: path {path:?}: invalid capability {capability:?}")]
    InvalidCapability { path: String, capability: String },
    /// An unknown legacy `policy = "..."` value.
    #[error("failed to parse policy: path {path:?}: invalid policy {policy:?}")]
    InvalidLegacyPolicy { path: String, policy: String },
    /// A path pattern with wildcards in places Vault does not support.
    #[error("failed to parse policy: path {path:?}: {reason}")]
    InvalidPath { path: String, reason: String },
    /// An empty (or blank) policy name.
    #[error("policy name must not be empty")]
    EmptyName,
}

impl PolicyError {
    /// A shape error at `location` (e.g. `path "x", line 3`).
    pub(crate) fn value(location: impl Into<String>, message: impl Into<String>) -> Self {
        PolicyError::InvalidValue {
            location: location.into(),
            message: message.into(),
        }
    }
}
