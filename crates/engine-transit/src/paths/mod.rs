//! The routes of the transit engine, one module per group of endpoints, and the
//! helpers they share.

mod backup;
mod config;
mod datakey;
mod decrypt;
mod encrypt;
mod export;
mod hash;
mod hmac;
mod keys;
mod random;
mod rewrap;
mod rotate;
mod sign;
mod verify;

use arca_crypto::Zeroizing;
use arca_sdk::{
    Error, FieldData, Path, Request,
    field::{Field, FieldType},
};
use time::OffsetDateTime;

use crate::{b64, error::TransitError, policy::Policy};

/// Key names: Vault's `GenericNameRegex` (word characters, with `-` and `.` inside).
pub(crate) const NAME: &str = r"\w(?:[\w.-]*\w)?";

/// Every route, in matching order.
pub fn all() -> Vec<Path> {
    vec![
        keys::list_path(),
        keys::path(),
        config::path(),
        rotate::rotate_path(),
        rotate::trim_path(),
        encrypt::path(),
        decrypt::path(),
        rewrap::path(),
        datakey::path(),
        sign::path(),
        verify::path(),
        hmac::path(),
        random::path(),
        hash::path(),
        export::path(),
        backup::backup_path(),
        backup::restore_path(),
    ]
}

/// The `name` capture.
pub(crate) fn name_field() -> Field {
    Field::new("name", FieldType::String, "Name of the key.")
}

/// The current time (one place, so every handler agrees on the clock).
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Loads the key named in the request or fails with "encryption key not found".
pub(crate) async fn load(req: &Request, name: &str) -> Result<Policy, Error> {
    Policy::load(req.storage.as_ref(), name)
        .await?
        .ok_or_else(|| TransitError::KeyNotFound.into())
}

/// Loads a key that is about to be used with its latest version, first rotating it
/// when its `auto_rotate_period` has passed.
pub(crate) async fn load_for_use(req: &Request, name: &str) -> Result<Policy, Error> {
    let mut p = load(req, name).await?;
    if p.rotate_if_due(now())? {
        p.save(req.storage.as_ref()).await?;
    }
    Ok(p)
}

/// Decodes an optional base64 field; errors carry Go's text.
pub(crate) fn decode_opt(value: Option<&str>) -> Result<Zeroizing<Vec<u8>>, TransitError> {
    match value {
        None | Some("") => Ok(Zeroizing::new(Vec::new())),
        Some(s) => b64::decode(s).map_err(TransitError::Invalid),
    }
}

/// A field that is either absent or a string, as `FieldData` gives it.
pub(crate) fn opt_str(d: &FieldData, name: &str) -> Result<Option<String>, Error> {
    Ok(if d.is_set(name) {
        Some(d.get_str(name)?)
    } else {
        None
    })
}

/// An integer field the client sent (`None` when absent, unlike a default).
pub(crate) fn opt_i64(d: &FieldData, name: &str) -> Result<Option<i64>, Error> {
    if d.is_set(name) {
        d.get_i64(name)
    } else {
        Ok(None)
    }
}

/// The hash algorithm of `sign`, `verify` and `hmac`: URL segment first, then
/// `hash_algorithm`, then the deprecated `algorithm`, else `sha2-256`.
pub(crate) fn algorithm_name(d: &FieldData) -> Result<String, Error> {
    for f in ["urlalgorithm", "hash_algorithm", "algorithm"] {
        if let Some(s) = opt_str(d, f)?.filter(|s| !s.is_empty()) {
            return Ok(s);
        }
    }
    Ok("sha2-256".into())
}
