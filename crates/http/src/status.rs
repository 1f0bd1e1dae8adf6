//! The one place where request errors become HTTP status codes.

use arca_sdk::Error;
use axum::http::StatusCode;

/// The status Vault uses for each kind of error.
pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::BadRequest(_) | Error::NotInitialized => StatusCode::BAD_REQUEST,
        Error::PermissionDenied => StatusCode::FORBIDDEN,
        Error::UnsupportedPath(_) => StatusCode::NOT_FOUND,
        Error::UnsupportedOperation => StatusCode::METHOD_NOT_ALLOWED,
        Error::Sealed | Error::Unavailable(_) | Error::Conflict => StatusCode::SERVICE_UNAVAILABLE,
        Error::Storage(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        Error::Status { status, .. } => {
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// The messages of the `errors` list; an empty message gives an empty list (Vault's
/// `{"errors":[]}` for plain 404s).
pub fn messages_of(e: &Error) -> Vec<String> {
    let m = e.to_string();
    if m.is_empty() { vec![] } else { vec![m] }
}
