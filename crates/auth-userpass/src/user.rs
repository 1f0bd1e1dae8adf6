//! The user entry: `user/<lower-cased name>` holds the password hash and the token
//! settings.

use arca_sdk::{Error, Storage, StorageExt, tokenutil::TokenParams};
use serde::{Deserialize, Serialize};

use crate::UserpassError;

/// One user. `password_hash` is an Argon2id PHC string; it is never shown.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct UserEntry {
    #[serde(flatten)]
    pub token: TokenParams,
    pub password_hash: String,
}

/// Usernames are case-insensitive, as in Vault.
pub(crate) fn normalize(raw: &str) -> Result<String, Error> {
    if raw.is_empty() {
        return Err(UserpassError::MissingUsername.into());
    }
    Ok(raw.to_lowercase())
}

fn key(name: &str) -> String {
    format!("user/{name}")
}

impl UserEntry {
    /// The user `name` (normalised), if it exists.
    pub(crate) async fn load(storage: &dyn Storage, name: &str) -> Result<Option<Self>, Error> {
        storage.get_json(&key(name)).await
    }

    /// Stores the user.
    pub(crate) async fn save(&self, storage: &dyn Storage, name: &str) -> Result<(), Error> {
        storage.put_json(&key(name), self).await
    }
}

/// Deletes the user (missing is fine).
pub(crate) async fn delete(storage: &dyn Storage, name: &str) -> Result<(), Error> {
    storage.delete(&key(name)).await
}

/// Names of all users, sorted.
pub(crate) async fn list(storage: &dyn Storage) -> Result<Vec<String>, Error> {
    Ok(storage
        .list("user/")
        .await?
        .into_iter()
        .filter(|k| !k.ends_with('/'))
        .collect())
}
