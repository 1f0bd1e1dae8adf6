//! The audit table: which devices are enabled, stored in the barrier at
//! [`AUDIT_TABLE_KEY`] (replicated like the mount table), and each device's salt.

use std::collections::BTreeMap;

use arca_audit::Salt;
use arca_sdk::{Error, Storage, StorageExt};
use serde::{Deserialize, Serialize};

/// Barrier key of the audit table.
pub(crate) const AUDIT_TABLE_KEY: &str = "core/audit";

/// Barrier key of a device's salt (random bytes; the HMAC key of its hashes).
pub(crate) fn salt_key(uuid: &str) -> String {
    format!("audit/{uuid}/salt")
}

/// One enabled device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AuditEntry {
    /// With a trailing slash (`file/`).
    pub(crate) path: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) options: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) local: bool,
    pub(crate) uuid: String,
}

impl AuditEntry {
    /// The entry as `sys/audit` lists it.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "type": self.kind,
            "description": self.description,
            "options": self.options,
            "local": self.local,
            "path": self.path,
        })
    }
}

/// The whole table, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct AuditTable {
    pub(crate) entries: Vec<AuditEntry>,
}

impl AuditTable {
    /// The stored table (empty when none was ever stored).
    pub(crate) async fn load(storage: &dyn Storage) -> Result<Self, Error> {
        Ok(storage.get_json(AUDIT_TABLE_KEY).await?.unwrap_or_default())
    }

    /// Stores the table.
    pub(crate) async fn save(&self, storage: &dyn Storage) -> Result<(), Error> {
        storage.put_json(AUDIT_TABLE_KEY, self).await
    }
}

/// A device's salt, as stored.
pub(crate) async fn load_salt(storage: &dyn Storage, uuid: &str) -> Result<Salt, Error> {
    storage
        .get(&salt_key(uuid))
        .await?
        .map(Salt::from_bytes)
        .ok_or_else(|| Error::internal(format!("the salt of audit device {uuid} is missing")))
}

/// Stores a new device's salt.
pub(crate) async fn save_salt(storage: &dyn Storage, uuid: &str, salt: &Salt) -> Result<(), Error> {
    storage.put(&salt_key(uuid), salt.as_bytes().to_vec()).await
}

/// `file`, `/file/` and `file/` all become `file/`.
pub(crate) fn normalize_path(path: &str) -> String {
    format!("{}/", path.trim_matches('/'))
}
