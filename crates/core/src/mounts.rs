//! The mount table: which engine serves which path prefix.
//!
//! Stored inside the barrier at [`MOUNT_TABLE_KEY`]; each mount's own data lives under
//! `logical/<uuid>/`, so disabling a mount deletes one prefix and renaming one would not
//! move data.

use std::collections::BTreeMap;

use arca_sdk::{Error, Storage, StorageExt};
use serde::{Deserialize, Serialize};

/// Barrier key of the mount table.
pub const MOUNT_TABLE_KEY: &str = "core/mounts";

/// Vault's system-wide default and maximum lease TTL (768h).
pub const SYSTEM_MAX_TTL: u64 = 768 * 3600;

/// Mount-level tunables (`sys/mounts/<path>/tune`). Zero means "use the system default".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MountConfig {
    #[serde(default)]
    pub default_lease_ttl: u64,
    #[serde(default)]
    pub max_lease_ttl: u64,
    #[serde(default)]
    pub force_no_cache: bool,
    #[serde(default)]
    pub listing_visibility: String,
    /// Auth mounts only: the token type logins issue (`default-service`,
    /// `default-batch`, `service`, `batch`); empty means `default-service`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token_type: String,
}

/// One mounted engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MountEntry {
    /// Mount point with a trailing slash, e.g. `secret/`.
    pub path: String,
    /// Engine type, e.g. `kv`, `cubbyhole`, `system`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub uuid: String,
    pub accessor: String,
    #[serde(default)]
    pub config: MountConfig,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub local: bool,
    #[serde(default)]
    pub seal_wrap: bool,
}

impl MountEntry {
    /// A new mount with fresh uuid and accessor.
    pub fn new(path: &str, kind: &str, description: &str) -> Self {
        let uuid = uuid::Uuid::new_v4().to_string();
        let accessor = format!("{}_{}", kind, &uuid.replace('-', "")[..8]);
        MountEntry {
            path: path.to_string(),
            kind: kind.to_string(),
            description: description.to_string(),
            uuid,
            accessor,
            config: MountConfig::default(),
            options: BTreeMap::new(),
            local: false,
            seal_wrap: false,
        }
    }

    /// Prefix of the mount's own storage inside the barrier.
    pub fn storage_prefix(&self) -> String {
        format!("logical/{}/", self.uuid)
    }

    /// The default lease TTL in effect (mount value or the system default).
    pub fn effective_default_ttl(&self) -> u64 {
        if self.config.default_lease_ttl > 0 {
            self.config.default_lease_ttl
        } else {
            SYSTEM_MAX_TTL
        }
    }

    /// The max lease TTL in effect (mount value or the system default).
    pub fn effective_max_ttl(&self) -> u64 {
        if self.config.max_lease_ttl > 0 {
            self.config.max_lease_ttl
        } else {
            SYSTEM_MAX_TTL
        }
    }

    /// The JSON form used by `sys/mounts` and `sys/internal/ui/mounts`.
    pub fn to_json(&self) -> serde_json::Value {
        let options = if self.options.is_empty() && self.kind != "kv" {
            serde_json::Value::Null
        } else {
            serde_json::json!(self.options)
        };
        serde_json::json!({
            "type": self.kind,
            "description": self.description,
            "accessor": self.accessor,
            "uuid": self.uuid,
            "config": {
                "default_lease_ttl": self.config.default_lease_ttl,
                "max_lease_ttl": self.config.max_lease_ttl,
                "force_no_cache": self.config.force_no_cache,
            },
            "options": options,
            "local": self.local,
            "seal_wrap": self.seal_wrap,
            "external_entropy_access": false,
            "plugin_version": "",
            "running_plugin_version": format!("v{}+builtin.arca", crate::version::VAULT_COMPAT_VERSION),
            "running_sha256": "",
        })
    }
}

/// The whole table, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MountTable {
    pub entries: Vec<MountEntry>,
}

/// Mount points that cannot be used for new mounts or disabled.
pub const PROTECTED_MOUNTS: &[&str] = &["sys/", "cubbyhole/", "identity/", "auth/"];

impl MountTable {
    /// The table a freshly initialised node starts with (as Vault: sys, cubbyhole).
    pub fn initial() -> Self {
        MountTable {
            entries: vec![
                MountEntry::new(
                    "cubbyhole/",
                    "cubbyhole",
                    "per-token private secret storage",
                ),
                MountEntry::new(
                    "sys/",
                    "system",
                    "system endpoints used for control, policy and debugging",
                ),
            ],
        }
    }

    /// Loads the table from the barrier.
    pub async fn load(storage: &dyn Storage) -> Result<Option<Self>, Error> {
        storage.get_json(MOUNT_TABLE_KEY).await
    }

    /// Stores the table in the barrier.
    pub async fn save(&self, storage: &dyn Storage) -> Result<(), Error> {
        storage.put_json(MOUNT_TABLE_KEY, self).await
    }

    /// The mount serving `path` (longest prefix match).
    pub fn find(&self, path: &str) -> Option<&MountEntry> {
        self.entries
            .iter()
            .filter(|m| path.starts_with(&m.path) || format!("{path}/") == m.path)
            .max_by_key(|m| m.path.len())
    }

    /// The mount exactly at `path` (with or without trailing slash).
    pub fn get(&self, path: &str) -> Option<&MountEntry> {
        let p = normalize_mount_path(path);
        self.entries.iter().find(|m| m.path == p)
    }

    /// Adds a mount, refusing overlaps with existing mounts as Vault does.
    pub fn add(&mut self, entry: MountEntry) -> Result<(), Error> {
        if let Some(existing) = self
            .entries
            .iter()
            .find(|m| entry.path.starts_with(&m.path) || m.path.starts_with(&entry.path))
        {
            return Err(Error::bad_request(format!(
                "path is already in use at {}",
                existing.path
            )));
        }
        self.entries.push(entry);
        self.entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(())
    }

    /// Removes the mount at `path`, returning it.
    pub fn remove(&mut self, path: &str) -> Option<MountEntry> {
        let p = normalize_mount_path(path);
        let i = self.entries.iter().position(|m| m.path == p)?;
        Some(self.entries.remove(i))
    }

    /// Mutable access to the mount at `path`.
    pub fn get_mut(&mut self, path: &str) -> Option<&mut MountEntry> {
        let p = normalize_mount_path(path);
        self.entries.iter_mut().find(|m| m.path == p)
    }
}

/// `secret` and `/secret/` both become `secret/`.
pub fn normalize_mount_path(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    format!("{trimmed}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_and_overlap() {
        let mut t = MountTable::initial();
        t.add(MountEntry::new("secret/", "kv", "")).unwrap();
        t.add(MountEntry::new("team/a/", "kv", "")).unwrap();
        assert_eq!(t.find("secret/data/x").unwrap().path, "secret/");
        assert_eq!(t.find("team/a/x").unwrap().path, "team/a/");
        assert_eq!(t.find("secret").unwrap().path, "secret/");
        assert!(t.find("nope/x").is_none());
        let e = t.add(MountEntry::new("secret/sub/", "kv", "")).unwrap_err();
        assert_eq!(e, Error::bad_request("path is already in use at secret/"));
        assert!(t.add(MountEntry::new("team/", "kv", "")).is_err());
        assert!(t.remove("/secret").is_some());
        assert!(t.find("secret/data/x").is_none());
    }
}
