//! The auth method table: which credential backend serves which `auth/<path>/`.
//!
//! Stored in the barrier at [`AUTH_TABLE_KEY`] with the same [`MountTable`] shape as
//! secrets engines (`core/mounts`); entry paths are relative to `auth/` (`token/`,
//! `userpass/`). Each method's data lives under `auth/<uuid>/`, except the built-in token
//! store, which keeps its data under `sys/token/`.

use arca_sdk::{Error, Storage, StorageExt};
use serde_json::{Value, json};

use crate::mounts::{MountEntry, MountTable, normalize_mount_path};

/// Barrier key of the auth method table.
pub const AUTH_TABLE_KEY: &str = "core/auth";
/// Path (inside `auth/`) of the built-in token store, which cannot be disabled.
pub const TOKEN_MOUNT: &str = "token/";
/// Type of the built-in token store.
pub const TOKEN_TYPE: &str = "token";
/// Prefix of every auth method's API path.
pub const AUTH_PREFIX: &str = "auth/";

/// A new auth mount with a fresh uuid and an accessor in Vault's form
/// (`auth_<type>_<8 hex>`).
pub fn new_auth_entry(path: &str, kind: &str, description: &str) -> MountEntry {
    let mut e = MountEntry::new(&normalize_mount_path(path), kind, description);
    e.accessor = format!("auth_{}_{}", kind, &e.uuid.replace('-', "")[..8]);
    e
}

/// The table a freshly initialised cluster starts with: the token store.
pub fn initial_auth_table() -> MountTable {
    MountTable {
        entries: vec![new_auth_entry(
            TOKEN_MOUNT,
            TOKEN_TYPE,
            "token based credentials",
        )],
    }
}

/// The stored table; clusters initialised before auth methods existed get the
/// initial table (saved on the first change).
pub async fn load_auth_table(storage: &dyn Storage) -> Result<MountTable, Error> {
    Ok(storage
        .get_json(AUTH_TABLE_KEY)
        .await?
        .unwrap_or_else(initial_auth_table))
}

/// Stores the table in the barrier.
pub async fn save_auth_table(storage: &dyn Storage, table: &MountTable) -> Result<(), Error> {
    storage.put_json(AUTH_TABLE_KEY, table).await
}

/// Prefix of an auth method's own storage inside the barrier.
pub fn auth_storage_prefix(entry: &MountEntry) -> String {
    format!("auth/{}/", entry.uuid)
}

/// The auth mount serving the API path `path` (`auth/userpass/login/x`).
pub fn auth_mount_for<'a>(table: &'a MountTable, path: &str) -> Option<&'a MountEntry> {
    table.find(path.strip_prefix(AUTH_PREFIX)?)
}

/// The token type a mount's `token_type` tune names, as Vault shows it.
pub fn shown_token_type(entry: &MountEntry) -> &str {
    if entry.config.token_type.is_empty() {
        "default-service"
    } else {
        &entry.config.token_type
    }
}

/// The JSON form used by `sys/auth` (the secrets-engine form plus `token_type`).
pub fn auth_entry_json(entry: &MountEntry) -> Value {
    let mut v = entry.to_json();
    if let Some(cfg) = v.get_mut("config").and_then(Value::as_object_mut) {
        cfg.insert("token_type".into(), json!(shown_token_type(entry)));
    }
    if let Some(obj) = v.as_object_mut()
        && entry.options.is_empty()
    {
        obj.insert("options".into(), Value::Null);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_table_and_lookup() {
        let mut t = initial_auth_table();
        let token = &t.entries[0];
        assert_eq!(token.path, "token/");
        assert!(token.accessor.starts_with("auth_token_"));
        assert_eq!(
            auth_entry_json(token)["config"]["token_type"],
            "default-service"
        );
        t.add(new_auth_entry("userpass", "userpass", "")).unwrap();
        assert_eq!(
            auth_mount_for(&t, "auth/userpass/login/bob").unwrap().kind,
            "userpass"
        );
        assert_eq!(
            auth_mount_for(&t, "auth/token/lookup").unwrap().kind,
            "token"
        );
        assert!(auth_mount_for(&t, "auth/nope/x").is_none());
        assert!(auth_mount_for(&t, "secret/x").is_none());
    }
}
