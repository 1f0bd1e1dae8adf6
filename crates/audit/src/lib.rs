//! Audit devices, as Vault has them: every request and every response is written as one
//! JSON line to each enabled device, with secrets replaced by salted HMACs.
//!
//! This crate is the device side only (layer 1, `sdk` and `crypto` below it): the entry
//! shapes ([`entry`]), the hashing of secrets under a per-device [`Salt`], the
//! [`Device`] trait and the `file` device (a file, `stdout` or `discard`). The core owns
//! the table of enabled devices, their salts (in the barrier) and the fail-closed rule.
//!
//! - [`LogInput`]: what the core knows about one request (and its response or error).
//! - [`create`]: builds a device of a type from its options.
//! - [`Device::log_request`] / [`Device::log_response`]: format, hash and write one entry.

mod device;
pub mod entry;
mod error;
mod file;
mod input;
mod options;
mod salt;

pub use device::{Device, create};
pub use error::AuditError;
pub use file::FileDevice;
pub use input::{AuthInfo, LogInput, MountInfo, RequestInfo};
pub use options::{FileOptions, Format, parse_bool};
pub use salt::{HASH_PREFIX, Salt};
