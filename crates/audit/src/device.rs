//! The device contract and the factory that builds a device from its type and options.

use std::{collections::BTreeMap, sync::Arc};

use crate::{AuditError, FileDevice, LogInput, Salt};

/// One audit device. Writes are synchronous and small (one line each); the core calls
/// every enabled device for every entry and fails the request only when all of them
/// failed.
pub trait Device: Send + Sync {
    /// Writes the request entry (before the backend runs).
    fn log_request(&self, input: &LogInput) -> Result<(), AuditError>;
    /// Writes the response entry (before the response leaves).
    fn log_response(&self, input: &LogInput) -> Result<(), AuditError>;
    /// `hmac-sha256:<hex>` of `input` under this device's salt (`sys/audit-hash`).
    fn hash(&self, input: &str) -> String;
    /// Closes and reopens the destination (log rotation, on SIGHUP).
    fn reopen(&self) -> Result<(), AuditError>;
}

/// Builds a device of type `kind` (only `file` exists) from its options and salt. A
/// file destination is opened now, so a bad path is refused when the device is
/// enabled rather than when the first request is logged.
pub fn create(
    kind: &str,
    options: &BTreeMap<String, String>,
    salt: Salt,
) -> Result<Arc<dyn Device>, AuditError> {
    match kind {
        "file" => Ok(Arc::new(FileDevice::new(
            crate::FileOptions::parse(options)?,
            salt,
        )?)),
        other => Err(AuditError::UnknownType(other.to_string())),
    }
}
