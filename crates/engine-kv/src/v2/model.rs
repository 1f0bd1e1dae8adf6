//! What kv v2 keeps in storage, and the rules that act on it (version numbering,
//! `max_versions` trimming, `delete_version_after`).
//!
//! Layout under the mount's view:
//! * `config` – the mount-wide [`Config`].
//! * `metadata/<path>` – one [`KeyMetadata`] per secret; listing `metadata/` is how
//!   LIST works, so these keys carry the secret's path.
//! * `versions/<sha256(path)>/<n>` – the data of version `n`. Hashing the path keeps
//!   version keys fixed-shape (a secret `a` and a secret `a/1` can never collide) and
//!   avoids repeating the secret's name in storage keys, which the barrier does not
//!   encrypt.

use std::collections::BTreeMap;

use arca_sdk::{Error, Map, Storage, StorageExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::timefmt::rfc3339_opt;

const CONFIG_KEY: &str = "config";
const METADATA_PREFIX: &str = "metadata/";
const VERSIONS_PREFIX: &str = "versions/";

/// Versions kept per key when neither the mount nor the key sets `max_versions`.
pub(crate) const DEFAULT_MAX_VERSIONS: u32 = 10;

/// Mount-wide settings (`<mount>/config`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Config {
    /// 0 means "not set" (and then [`DEFAULT_MAX_VERSIONS`] applies).
    pub max_versions: u32,
    pub cas_required: bool,
    /// Seconds; 0 is unset and a negative value (stored as -1) disables the feature
    /// for every key of the mount, as in Vault.
    pub delete_version_after: i64,
}

impl Config {
    /// Reads the mount's config (defaults when never written).
    pub async fn load(storage: &dyn Storage) -> Result<Config, Error> {
        Ok(storage.get_json(CONFIG_KEY).await?.unwrap_or_default())
    }

    /// Stores the mount's config.
    pub async fn save(&self, storage: &dyn Storage) -> Result<(), Error> {
        storage.put_json(CONFIG_KEY, self).await
    }

    fn delete_version_after_disabled(&self) -> bool {
        self.delete_version_after < 0
    }
}

/// The bookkeeping of one version (its data lives under a separate key).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct VersionMeta {
    /// Unix nanoseconds.
    pub created_time: i64,
    /// Unix nanoseconds; a time in the past means the version is (soft) deleted, a
    /// time in the future is a scheduled deletion from `delete_version_after`.
    pub deletion_time: Option<i64>,
    pub destroyed: bool,
}

impl VersionMeta {
    /// True once the deletion time has passed.
    pub fn is_deleted(&self, now: i64) -> bool {
        self.deletion_time.is_some_and(|t| t < now)
    }

    /// True when the version's data cannot be read (deleted or destroyed).
    pub fn is_gone(&self, now: i64) -> bool {
        self.destroyed || self.is_deleted(now)
    }
}

/// Everything known about one secret except its data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct KeyMetadata {
    pub versions: BTreeMap<u64, VersionMeta>,
    pub current_version: u64,
    /// 0 until `max_versions` first trims a version, as in Vault.
    pub oldest_version: u64,
    pub created_time: Option<i64>,
    pub updated_time: Option<i64>,
    /// 0 means "use the mount's setting".
    pub max_versions: u32,
    pub cas_required: bool,
    /// Seconds; 0 means "use the mount's setting".
    pub delete_version_after: u64,
    /// `None` when empty: Vault reports an empty map as `null`.
    pub custom_metadata: Option<BTreeMap<String, String>>,
}

impl KeyMetadata {
    /// Loads the metadata of `path`, if the secret exists.
    pub async fn load(storage: &dyn Storage, path: &str) -> Result<Option<KeyMetadata>, Error> {
        if path.is_empty() {
            return Ok(None);
        }
        storage.get_json(&metadata_key(path)).await
    }

    /// Stores the metadata of `path`.
    pub async fn save(&self, storage: &dyn Storage, path: &str) -> Result<(), Error> {
        storage.put_json(&metadata_key(path), self).await
    }

    /// Removes the metadata of `path` (not its versions).
    pub async fn remove(storage: &dyn Storage, path: &str) -> Result<(), Error> {
        storage.delete(&metadata_key(path)).await
    }

    /// Records a new current version created at `created` and trims versions beyond
    /// the effective `max_versions` (the larger of the key's and the mount's setting,
    /// 10 when neither is set, as Vault). Returns the trimmed version numbers, whose
    /// data the caller deletes.
    pub fn add_version(&mut self, created: i64, deletion: Option<i64>, mount_max: u32) -> Vec<u64> {
        self.current_version += 1;
        self.versions.insert(
            self.current_version,
            VersionMeta {
                created_time: created,
                deletion_time: deletion,
                destroyed: false,
            },
        );
        self.updated_time = Some(created);
        if self.created_time.is_none() {
            self.created_time = Some(created);
        }
        let max = match self.max_versions.max(mount_max) {
            0 => DEFAULT_MAX_VERSIONS,
            n => n,
        };
        let max = u64::from(max);
        if self.current_version - self.oldest_version < max {
            return Vec::new();
        }
        let last_trimmed = self.current_version - max;
        self.oldest_version = last_trimmed + 1;
        let trimmed: Vec<u64> = self
            .versions
            .range(..=last_trimmed)
            .map(|(n, _)| *n)
            .collect();
        for n in &trimmed {
            self.versions.remove(n);
        }
        trimmed
    }

    /// The `metadata` object of data reads and the body of data writes.
    pub fn version_json(&self, version: u64, vm: &VersionMeta) -> Value {
        json!({
            "version": version,
            "created_time": rfc3339_opt(Some(vm.created_time)),
            "deletion_time": rfc3339_opt(vm.deletion_time),
            "destroyed": vm.destroyed,
            "custom_metadata": self.custom_metadata,
        })
    }
}

/// When a version created (or undeleted) at `start` is deleted automatically: the
/// smaller non-zero of the mount's and the key's `delete_version_after`, or never.
pub(crate) fn scheduled_deletion(start: i64, config: &Config, meta: &KeyMetadata) -> Option<i64> {
    if config.delete_version_after_disabled() {
        return None;
    }
    let secs = [
        config.delete_version_after,
        i64::try_from(meta.delete_version_after).unwrap_or(i64::MAX),
    ]
    .into_iter()
    .filter(|s| *s > 0)
    .min()?;
    Some(start.saturating_add(secs.saturating_mul(1_000_000_000)))
}

fn metadata_key(path: &str) -> String {
    format!("{METADATA_PREFIX}{path}")
}

/// The storage prefix under which LIST finds the secrets of folder `prefix`.
pub(crate) fn metadata_list_prefix(prefix: &str) -> String {
    metadata_key(prefix)
}

fn version_key(path: &str, version: u64) -> String {
    let digest = Sha256::digest(path.as_bytes());
    format!("{VERSIONS_PREFIX}{}/{version}", hex::encode(digest))
}

/// Reads the data of one version.
pub(crate) async fn load_version(
    storage: &dyn Storage,
    path: &str,
    version: u64,
) -> Result<Map, Error> {
    storage
        .get_json(&version_key(path, version))
        .await?
        .ok_or_else(|| Error::internal("could not find version data"))
}

/// Stores the data of one version.
pub(crate) async fn save_version(
    storage: &dyn Storage,
    path: &str,
    version: u64,
    data: &Map,
) -> Result<(), Error> {
    storage.put_json(&version_key(path, version), data).await
}

/// Removes the data of one version (missing data is not an error).
pub(crate) async fn remove_version(
    storage: &dyn Storage,
    path: &str,
    version: u64,
) -> Result<(), Error> {
    storage.delete(&version_key(path, version)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_version_trims_like_vault() {
        let mut m = KeyMetadata::default();
        for i in 1..=10 {
            assert!(m.add_version(i, None, 0).is_empty());
        }
        // Reaching max_versions only moves oldest_version off 0.
        assert_eq!(
            (m.current_version, m.oldest_version, m.versions.len()),
            (10, 1, 10)
        );
        assert_eq!(m.add_version(11, None, 0), vec![1]);
        assert_eq!((m.oldest_version, m.versions.len()), (2, 10));
        assert_eq!(m.created_time, Some(1));
        assert_eq!(m.updated_time, Some(11));
        // Lowering max_versions trims several at once; the larger setting wins.
        m.max_versions = 3;
        assert_eq!(m.add_version(12, None, 2), (2..=9).collect::<Vec<_>>());
        assert_eq!(
            m.versions.keys().copied().collect::<Vec<_>>(),
            vec![10, 11, 12]
        );
        assert_eq!(m.oldest_version, 10);
    }

    #[test]
    fn deletion_schedule_takes_smallest_nonzero() {
        let mut c = Config::default();
        let mut m = KeyMetadata::default();
        assert_eq!(scheduled_deletion(0, &c, &m), None);
        c.delete_version_after = 60;
        assert_eq!(scheduled_deletion(0, &c, &m), Some(60_000_000_000));
        m.delete_version_after = 30;
        assert_eq!(scheduled_deletion(0, &c, &m), Some(30_000_000_000));
        c.delete_version_after = 0;
        assert_eq!(scheduled_deletion(5, &c, &m), Some(30_000_000_005));
        c.delete_version_after = -1;
        assert_eq!(scheduled_deletion(0, &c, &m), None);
    }

    #[test]
    fn version_keys_do_not_collide_and_hide_the_path() {
        assert_ne!(version_key("a", 1), version_key("a/1", 1));
        assert!(!version_key("db/password", 1).contains("password"));
    }

    #[test]
    fn gone_versions() {
        let vm = VersionMeta {
            created_time: 0,
            deletion_time: Some(10),
            destroyed: false,
        };
        assert!(!vm.is_gone(10));
        assert!(vm.is_gone(11));
        let vm = VersionMeta {
            destroyed: true,
            ..Default::default()
        };
        assert!(vm.is_gone(0));
    }
}
