//! The lease record kept in the barrier, one per lease, and the index of the secret
//! leases each token owns.
//!
//! Layout (under `sys/expire/`, encrypted by the barrier like everything else):
//! - `id/<lease id>`: the [`LeaseEntry`] (lease ids are paths, e.g.
//!   `auth/token/create/<token hmac>` or `secret/creds/<random>`);
//! - `token/<token hmac>/<last segment of the lease id>`: the lease id, for each secret
//!   lease the token owns, so revoking the token finds its leases without a scan.

use arca_sdk::{Error, LeaseInfo, Map, Storage, StorageExt, storage::validate_key};
use serde::{Deserialize, Serialize};

/// Prefix of the lease records.
pub(crate) const ID_PREFIX: &str = "sys/expire/id/";
/// Prefix of the token → secret leases index.
pub(crate) const TOKEN_PREFIX: &str = "sys/expire/token/";

/// One lease as the expiration manager keeps it. Times are unix milliseconds; zero means
/// "unset" (`expire_time_ms` 0: never expires, e.g. a root token).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeaseEntry {
    pub lease_id: String,
    /// The request path that issued the lease (the lease id without its last segment).
    pub path: String,
    /// HMAC of the owning token; for a token's own lease, that token. Empty: no owner.
    #[serde(default)]
    pub client_token_hash: String,
    /// True for a token's own lease (an "auth" lease in Vault's terms).
    #[serde(default)]
    pub auth: bool,
    pub issue_time_ms: i64,
    #[serde(default)]
    pub expire_time_ms: i64,
    #[serde(default)]
    pub last_renewal_ms: i64,
    #[serde(default)]
    pub renewable: bool,
    /// The TTL granted last (seconds).
    #[serde(default)]
    pub ttl: u64,
    /// The backend's bound on the lease's life since issue (seconds; 0: mount max).
    #[serde(default)]
    pub max_ttl: u64,
    /// Secret leases: the backend's secret type and its data for renew and revoke.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub secret_type: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub internal_data: Map,
}

impl LeaseEntry {
    /// When the lease expires (unix ms), `None` for leases that never do.
    pub fn expires_at_ms(&self) -> Option<i64> {
        (self.expire_time_ms > 0).then_some(self.expire_time_ms)
    }

    /// Vault's "renewable" of a lookup: renewable, expiring and not yet expired.
    pub fn renewable_at(&self, now_ms: i64) -> bool {
        self.renewable && self.expires_at_ms().is_some_and(|at| at > now_ms)
    }

    /// The lease as the backend that issued it sees it on renew and revoke.
    pub fn to_lease_info(&self, increment: u64) -> LeaseInfo {
        LeaseInfo {
            lease_id: self.lease_id.clone(),
            lease_duration: increment,
            renewable: self.renewable,
            secret_type: self.secret_type.clone(),
            internal_data: self.internal_data.clone(),
            max_ttl: self.max_ttl,
        }
    }
}

/// True when `lease_id` can name a record (no `..`, no control characters, not empty).
pub(crate) fn valid_lease_id(lease_id: &str) -> bool {
    !lease_id.is_empty()
        && !lease_id.starts_with('/')
        && !lease_id.chars().any(char::is_control)
        && validate_key(lease_id).is_ok()
}

/// The record of `lease_id`, if any.
pub(crate) async fn load(
    storage: &dyn Storage,
    lease_id: &str,
) -> Result<Option<LeaseEntry>, Error> {
    if !valid_lease_id(lease_id) || lease_id.ends_with('/') {
        return Ok(None);
    }
    storage.get_json(&format!("{ID_PREFIX}{lease_id}")).await
}

/// Writes the record (and, for a secret lease with an owner, the owner's index entry).
pub(crate) async fn save(storage: &dyn Storage, entry: &LeaseEntry) -> Result<(), Error> {
    storage
        .put_json(&format!("{ID_PREFIX}{}", entry.lease_id), entry)
        .await?;
    if let Some(key) = token_index_key(entry) {
        storage
            .put(&key, entry.lease_id.clone().into_bytes())
            .await?;
    }
    Ok(())
}

/// Deletes the record and its index entry.
pub(crate) async fn delete(storage: &dyn Storage, entry: &LeaseEntry) -> Result<(), Error> {
    if let Some(key) = token_index_key(entry) {
        storage.delete(&key).await?;
    }
    storage
        .delete(&format!("{ID_PREFIX}{}", entry.lease_id))
        .await
}

/// The owner index key of a secret lease; `None` for token leases and unowned leases.
fn token_index_key(entry: &LeaseEntry) -> Option<String> {
    if entry.auth || entry.client_token_hash.is_empty() {
        return None;
    }
    let last = entry.lease_id.rsplit('/').next().unwrap_or_default();
    Some(format!("{TOKEN_PREFIX}{}/{last}", entry.client_token_hash))
}

/// The secret leases owned by the token `id_hash`.
pub(crate) async fn leases_of_token(
    storage: &dyn Storage,
    id_hash: &str,
) -> Result<Vec<String>, Error> {
    if id_hash.is_empty() || id_hash.contains('/') {
        return Ok(Vec::new());
    }
    let prefix = format!("{TOKEN_PREFIX}{id_hash}/");
    let mut out = Vec::new();
    for key in storage.list(&prefix).await? {
        if key.ends_with('/') {
            continue;
        }
        if let Some(raw) = storage.get(&format!("{prefix}{key}")).await?
            && let Ok(id) = String::from_utf8(raw)
        {
            out.push(id);
        }
    }
    Ok(out)
}

/// Every lease id under `prefix` (a lease-id prefix ending in `/`, or empty).
pub(crate) async fn ids_under(storage: &dyn Storage, prefix: &str) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![prefix.to_string()];
    while let Some(dir) = stack.pop() {
        let children = storage.list(&format!("{ID_PREFIX}{dir}")).await?;
        for child in children {
            let full = format!("{dir}{child}");
            if child.ends_with('/') {
                stack.push(full);
            } else {
                out.push(full);
            }
        }
    }
    Ok(out)
}
