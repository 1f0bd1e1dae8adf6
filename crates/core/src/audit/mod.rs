//! Audit devices in the core: the table of enabled devices (in the barrier, so every
//! node has it), the live devices built from it, and the request path's two calls.
//!
//! - [`table`]: `core/audit` (path, type, description, options, local, uuid) and each
//!   device's salt at `audit/<uuid>/salt`.
//! - [`broker`]: the devices of this node, rebuilt when the stored table's fingerprint
//!   changes (as the router does for mounts), reopened on SIGHUP, cleared on seal.
//! - [`record`]: what one request tells the devices; the request entry is written before
//!   the backend runs and the response entry before the transaction commits. When every
//!   enabled device fails to write, the request fails with 500 and nothing is committed.

pub(crate) mod broker;
pub(crate) mod record;
pub(crate) mod table;

pub(crate) use broker::AuditState;
pub(crate) use record::Record;

#[cfg(test)]
mod tests;
