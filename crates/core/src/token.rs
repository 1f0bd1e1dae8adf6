//! Tokens: creation, salted storage and lookup.
//!
//! Tokens are never stored: only HMAC-SHA256(salt, token) is, under `sys/token/id/`. The
//! salt is random per cluster and lives inside the barrier. This module is the seam the
//! full token store (roles, children, renewals, revocation) grows from.

use arca_sdk::{Error, Storage, StorageExt};
use rand::Rng;
use serde::{Deserialize, Serialize};

const SALT_KEY: &str = "sys/token/salt";
const ID_PREFIX: &str = "sys/token/id/";
const ACCESSOR_PREFIX: &str = "sys/token/accessor/";

/// Prefix of service tokens (Vault 1.10+).
pub const SERVICE_TOKEN_PREFIX: &str = "hvs.";

/// What a token grants and who it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenEntry {
    /// HMAC of the token: the storage id, and the opaque id engines see.
    pub id_hash: String,
    pub accessor: String,
    pub policies: Vec<String>,
    #[serde(default)]
    pub parent_hash: String,
    pub path: String,
    pub display_name: String,
    /// Unix seconds.
    pub creation_time: i64,
    /// Seconds; 0 means no expiry (root tokens).
    pub ttl: u64,
    #[serde(default)]
    pub num_uses: u64,
    #[serde(default)]
    pub meta: std::collections::BTreeMap<String, String>,
}

impl TokenEntry {
    /// True for tokens holding the `root` policy.
    pub fn is_root(&self) -> bool {
        self.policies.iter().any(|p| p == "root")
    }

    /// True when the token has a TTL that has passed at `now` (unix seconds).
    pub fn expired(&self, now: i64) -> bool {
        self.ttl > 0 && now >= self.creation_time.saturating_add(self.ttl as i64)
    }
}

/// Random string of base62 characters, the alphabet Vault uses in token ids.
pub fn random_base62(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Token creation and lookup over the barrier.
pub struct TokenStore;

impl TokenStore {
    /// Creates the per-cluster salt (done once, at initialisation).
    pub async fn create_salt(storage: &dyn Storage) -> Result<(), Error> {
        let salt = hex::encode(arca_crypto::random_bytes(32));
        storage.put(SALT_KEY, salt.into_bytes()).await
    }

    async fn salt(storage: &dyn Storage) -> Result<Vec<u8>, Error> {
        storage
            .get(SALT_KEY)
            .await?
            .ok_or_else(|| Error::internal("token salt is missing"))
    }

    /// The storage id of `token` (HMAC with the cluster salt).
    pub async fn hash(storage: &dyn Storage, token: &str) -> Result<String, Error> {
        let salt = Self::salt(storage).await?;
        Ok(hex::encode(arca_crypto::hmac_sha256(
            &salt,
            token.as_bytes(),
        )))
    }

    /// Creates a root token; `id` chooses its value (dev mode's `-dev-root-token-id`).
    pub async fn create_root(storage: &dyn Storage, id: Option<String>) -> Result<String, Error> {
        let token = id.unwrap_or_else(|| format!("{SERVICE_TOKEN_PREFIX}{}", random_base62(24)));
        let entry = TokenEntry {
            id_hash: Self::hash(storage, &token).await?,
            accessor: random_base62(24),
            policies: vec!["root".into()],
            parent_hash: String::new(),
            path: "auth/token/root".into(),
            display_name: "root".into(),
            creation_time: now_unix(),
            ttl: 0,
            num_uses: 0,
            meta: Default::default(),
        };
        Self::store(storage, &entry).await?;
        Ok(token)
    }

    /// Persists an entry and its accessor index.
    pub async fn store(storage: &dyn Storage, entry: &TokenEntry) -> Result<(), Error> {
        storage
            .put_json(&format!("{ID_PREFIX}{}", entry.id_hash), entry)
            .await?;
        let salt = Self::salt(storage).await?;
        let acc = hex::encode(arca_crypto::hmac_sha256(&salt, entry.accessor.as_bytes()));
        storage
            .put(
                &format!("{ACCESSOR_PREFIX}{acc}"),
                entry.id_hash.clone().into_bytes(),
            )
            .await
    }

    /// The live entry of `token`, or `None` when unknown or expired.
    pub async fn lookup(storage: &dyn Storage, token: &str) -> Result<Option<TokenEntry>, Error> {
        if token.is_empty() || token.len() > 512 {
            return Ok(None);
        }
        let hash = Self::hash(storage, token).await?;
        let entry: Option<TokenEntry> = storage.get_json(&format!("{ID_PREFIX}{hash}")).await?;
        // The storage key is derived from the token, so a hit already proves equality;
        // the constant-time compare guards against a corrupted or substituted entry.
        Ok(entry.filter(|e| {
            arca_crypto::ct_eq(e.id_hash.as_bytes(), hash.as_bytes()) && !e.expired(now_unix())
        }))
    }
}

/// Seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_sdk::testing::MemoryStorage;

    #[tokio::test]
    async fn root_token_is_stored_hashed_and_found() {
        let s = MemoryStorage::default();
        TokenStore::create_salt(&s).await.unwrap();
        let t = TokenStore::create_root(&s, None).await.unwrap();
        assert!(t.starts_with("hvs.") && t.len() == 28);
        assert!(s.keys().iter().all(|k| !k.contains(&t)));
        let e = TokenStore::lookup(&s, &t).await.unwrap().unwrap();
        assert!(e.is_root());
        assert!(TokenStore::lookup(&s, "hvs.wrong").await.unwrap().is_none());
        let dev = TokenStore::create_root(&s, Some("root".into()))
            .await
            .unwrap();
        assert_eq!(dev, "root");
        assert!(TokenStore::lookup(&s, "root").await.unwrap().is_some());
    }
}
