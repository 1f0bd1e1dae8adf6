//! Client-facing failures of the AppRole backend, with Vault's texts (clients and
//! scripts match on several of them). None of them ever contains a secret ID.

use arca_sdk::Error;

/// A failure with the status Vault answers it with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppRoleError {
    /// Unknown role ID, unknown/expired/used-up secret ID: one text for all, so a
    /// caller cannot tell which part was wrong (400).
    #[error("invalid role or secret ID")]
    InvalidCredentials,
    #[error("missing role_name")]
    MissingRoleName,
    #[error("missing role_id")]
    MissingRoleId,
    #[error("missing secret_id")]
    MissingSecretId,
    #[error("missing secret_id_accessor")]
    MissingAccessor,
    /// A role name or secret ID above the HMAC input limit (400).
    #[error("value is longer than maximum of 4096 bytes")]
    TooLong,
    /// An operation on a role that does not exist (400).
    #[error("role {0:?} does not exist")]
    NoRole(String),
    /// Generating a secret ID for a role that does not exist (404, as Vault).
    #[error("role {0:?} does not exist")]
    NoRoleNotFound(String),
    /// A role must be protected by a secret ID or a CIDR binding (400).
    #[error("at least one constraint should be enabled on the role")]
    NoConstraint,
    #[error("role_id already in use")]
    RoleIdInUse,
    #[error("bind_secret_id is not set on the role")]
    NotBound,
    /// The source address is outside a CIDR binding (400).
    #[error("source address {addr:?} unauthorized by CIDR restrictions on the {on}")]
    CidrDenied { addr: String, on: &'static str },
    /// An unknown accessor on lookup (404).
    #[error("failed to find accessor entry for secret_id_accessor: {0:?}")]
    AccessorNotFound(String),
    /// An accessor whose secret ID is gone (403).
    #[error("invalid secret id accessor")]
    InvalidAccessor,
    /// Any other input the client must fix (400).
    #[error("{0}")]
    Invalid(String),
}

impl From<AppRoleError> for Error {
    fn from(e: AppRoleError) -> Self {
        let status = match &e {
            AppRoleError::NoRoleNotFound(_) | AppRoleError::AccessorNotFound(_) => 404,
            AppRoleError::InvalidAccessor => 403,
            _ => return Error::BadRequest(e.to_string()),
        };
        Error::Status {
            status,
            message: e.to_string(),
        }
    }
}
