//! Client-facing failures of the userpass backend, with Vault's texts. None of them
//! says whether a user exists, and none ever contains a password.

use arca_sdk::Error;

/// A request the client must fix; every variant is a 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserpassError {
    /// Wrong password or unknown user: one text for both.
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("missing password")]
    MissingPassword,
    #[error("missing username")]
    MissingUsername,
    /// Changing the password or policies of a user that does not exist.
    #[error("username does not exist")]
    NoSuchUser,
}

impl From<UserpassError> for Error {
    fn from(e: UserpassError) -> Self {
        Error::BadRequest(e.to_string())
    }
}
