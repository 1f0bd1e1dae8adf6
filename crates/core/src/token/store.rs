//! Token storage inside the barrier: entries under the salted HMAC of the token, the
//! accessor index, the parent → children index, revocation and use counting.
//!
//! Layout (all under `sys/token/`, encrypted by the barrier):
//! - `salt`: the per-cluster HMAC key;
//! - `id/<hmac(token)>`: the [`TokenEntry`] (the token itself is never stored);
//! - `accessor/<hmac(accessor)>`: the `id` key of the accessor's token;
//! - `parent/<parent id>/<child id>`: one empty entry per child, for tree revocation;
//! - `roles/<name>`: token store roles; `batch-key`: the key batch tokens are sealed with.

use std::collections::HashSet;

use arca_sdk::{Error, Storage, StorageExt, storage::delete_prefix};
use rand::Rng;

use super::{TokenEntry, TokenType, batch};
use crate::mounts::MountTable;

const SALT_KEY: &str = "sys/token/salt";
pub(crate) const ID_PREFIX: &str = "sys/token/id/";
pub(crate) const ACCESSOR_PREFIX: &str = "sys/token/accessor/";
pub(crate) const PARENT_PREFIX: &str = "sys/token/parent/";

/// Prefix of service tokens (Vault 1.10+).
pub const SERVICE_TOKEN_PREFIX: &str = "hvs.";
/// Prefix of batch tokens (Vault 1.10+).
pub const BATCH_TOKEN_PREFIX: &str = "hvb.";
/// Random characters of a root token after the prefix (Vault: 24).
const ROOT_RANDOM_LEN: usize = 24;
/// Random characters of other service tokens: Vault 1.10+ issues 95-character tokens.
const SERVICE_RANDOM_LEN: usize = 91;
/// Length of accessors (Vault: 24 base62 characters).
const ACCESSOR_LEN: usize = 24;
/// Longest token accepted for a service-token lookup; batch tokens carry their entry.
const MAX_SERVICE_TOKEN_LEN: usize = 512;
const MAX_BATCH_TOKEN_LEN: usize = 16 * 1024;

/// Random string of base62 characters, the alphabet Vault uses in token ids.
pub fn random_base62(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    now_ms().div_euclid(1000)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// A usable token.
    Live(TokenEntry),
    /// A token past its TTL (or a batch token whose parent is gone), not yet revoked.
    Expired(TokenEntry),
    /// No such token.
    Missing,
}

impl Found {
    /// The live entry, if any.
    pub fn live(self) -> Option<TokenEntry> {
        match self {
            Found::Live(e) => Some(e),
            _ => None,
        }
    }
}

/// Token creation, lookup and revocation over the barrier.
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

    /// The storage id of `token` (HMAC with the cluster salt). Also used for accessors.
    pub async fn hash(storage: &dyn Storage, token: &str) -> Result<String, Error> {
        let salt = Self::salt(storage).await?;
        Ok(hex::encode(arca_crypto::hmac_sha256(
            &salt,
            token.as_bytes(),
        )))
    }

    /// Creates a root token; `id` chooses its value (dev mode's `-dev-root-token-id`).
    pub async fn create_root(storage: &dyn Storage, id: Option<String>) -> Result<String, Error> {
        let token = id
            .unwrap_or_else(|| format!("{SERVICE_TOKEN_PREFIX}{}", random_base62(ROOT_RANDOM_LEN)));
        let now = now_ms();
        let entry = TokenEntry {
            id_hash: Self::hash(storage, &token).await?,
            accessor: random_base62(ACCESSOR_LEN),
            policies: vec!["root".into()],
            path: "auth/token/root".into(),
            display_name: "root".into(),
            creation_time: now.div_euclid(1000),
            issue_time_ms: now,
            ..Default::default()
        };
        Self::store(storage, &entry).await?;
        Ok(token)
    }

    /// Persists an entry and its accessor index.
    pub async fn store(storage: &dyn Storage, entry: &TokenEntry) -> Result<(), Error> {
        Self::update(storage, entry).await?;
        if !entry.accessor.is_empty() {
            let acc = Self::hash(storage, &entry.accessor).await?;
            storage
                .put(
                    &format!("{ACCESSOR_PREFIX}{acc}"),
                    entry.id_hash.clone().into_bytes(),
                )
                .await?;
        }
        Ok(())
    }

    /// Rewrites an existing entry (renewal, use count) without touching its indexes.
    pub async fn update(storage: &dyn Storage, entry: &TokenEntry) -> Result<(), Error> {
        storage
            .put_json(&format!("{ID_PREFIX}{}", entry.id_hash), entry)
            .await
    }

    /// Creates a token from a prepared entry and returns the token. Service tokens get a
    /// fresh id (or `custom_id`), an accessor and the parent index; batch tokens are
    /// sealed into the token itself and nothing is stored. The caller has set policies,
    /// TTLs, path and parent; this sets ids, issue and expiry times.
    pub async fn create(
        storage: &dyn Storage,
        entry: &mut TokenEntry,
        custom_id: Option<String>,
        now_ms: i64,
    ) -> Result<String, Error> {
        entry.creation_time = now_ms.div_euclid(1000);
        entry.issue_time_ms = now_ms;
        entry.expire_time_ms = if entry.ttl > 0 {
            now_ms.saturating_add((entry.ttl as i64).saturating_mul(1000))
        } else {
            0
        };
        if entry.token_type == TokenType::Batch {
            entry.accessor.clear();
            entry.renewable = false;
            let token = batch::seal(storage, entry).await?;
            entry.id_hash = Self::hash(storage, &token).await?;
            return Ok(token);
        }
        let token = match custom_id {
            Some(id) => {
                let hash = Self::hash(storage, &id).await?;
                if storage.get(&format!("{ID_PREFIX}{hash}")).await?.is_some() {
                    return Err(Error::bad_request(
                        "cannot create a token with a duplicate ID",
                    ));
                }
                id
            }
            None => format!(
                "{SERVICE_TOKEN_PREFIX}{}",
                random_base62(if entry.is_root() {
                    ROOT_RANDOM_LEN
                } else {
                    SERVICE_RANDOM_LEN
                })
            ),
        };
        entry.id_hash = Self::hash(storage, &token).await?;
        entry.accessor = random_base62(ACCESSOR_LEN);
        if !entry.parent_hash.is_empty() {
            // The child index goes first, as in Vault: a dangling index is harmless, a
            // child missing from it would escape its parent's revocation.
            storage
                .put(
                    &format!("{PARENT_PREFIX}{}/{}", entry.parent_hash, entry.id_hash),
                    Vec::new(),
                )
                .await?;
        }
        Self::store(storage, entry).await?;
        crate::expiration::tokens::token_stored(storage, entry).await?;
        Ok(token)
    }

    /// The stored entry with storage id `id_hash`, expired or not.
    pub async fn get(storage: &dyn Storage, id_hash: &str) -> Result<Option<TokenEntry>, Error> {
        if id_hash.is_empty() || id_hash.contains('/') {
            return Ok(None);
        }
        let entry: Option<TokenEntry> = storage.get_json(&format!("{ID_PREFIX}{id_hash}")).await?;
        // The key is derived from the token, so a hit already proves equality; the
        // constant-time compare guards against a corrupted or substituted entry.
        Ok(entry.filter(|e| arca_crypto::ct_eq(e.id_hash.as_bytes(), id_hash.as_bytes())))
    }

    /// The live entry of `token`, or `None` when unknown or expired.
    pub async fn lookup(storage: &dyn Storage, token: &str) -> Result<Option<TokenEntry>, Error> {
        Ok(Self::find(storage, token, now_ms()).await?.live())
    }

    /// Finds `token` (service, legacy `s.`/custom, or batch) as of `now_ms`.
    pub async fn find(storage: &dyn Storage, token: &str, now_ms: i64) -> Result<Found, Error> {
        if token.is_empty() {
            return Ok(Found::Missing);
        }
        if batch::is_batch_token(token) {
            if token.len() > MAX_BATCH_TOKEN_LEN {
                return Ok(Found::Missing);
            }
            let Some(mut entry) = batch::open(storage, token).await? else {
                return Ok(Found::Missing);
            };
            entry.id_hash = Self::hash(storage, token).await?;
            let parent_gone = !entry.parent_hash.is_empty()
                && !matches!(
                    Self::get(storage, &entry.parent_hash).await?,
                    Some(p) if !p.expired_at_ms(now_ms)
                );
            return Ok(if entry.expired_at_ms(now_ms) || parent_gone {
                Found::Expired(entry)
            } else {
                Found::Live(entry)
            });
        }
        if token.len() > MAX_SERVICE_TOKEN_LEN {
            return Ok(Found::Missing);
        }
        let hash = Self::hash(storage, token).await?;
        Ok(match Self::get(storage, &hash).await? {
            Some(e) if e.expired_at_ms(now_ms) => Found::Expired(e),
            Some(e) => Found::Live(e),
            None => Found::Missing,
        })
    }

    /// The storage id of the token with `accessor`, if the index has it.
    pub async fn id_by_accessor(
        storage: &dyn Storage,
        accessor: &str,
    ) -> Result<Option<String>, Error> {
        if accessor.is_empty() || accessor.len() > MAX_SERVICE_TOKEN_LEN {
            return Ok(None);
        }
        let acc = Self::hash(storage, accessor).await?;
        match storage.get(&format!("{ACCESSOR_PREFIX}{acc}")).await? {
            Some(raw) => String::from_utf8(raw)
                .map(Some)
                .map_err(|_| Error::internal("corrupt token accessor index")),
            None => Ok(None),
        }
    }

    /// Counts one use of a use-limited token. Returns true when this was the last use:
    /// the request goes ahead and the caller revokes the token afterwards, in the same
    /// transaction (Vault's "revocation pending").
    pub async fn use_once(storage: &dyn Storage, entry: &TokenEntry) -> Result<bool, Error> {
        if entry.num_uses == 0 || entry.is_batch() {
            return Ok(false);
        }
        let Some(mut fresh) = Self::get(storage, &entry.id_hash).await? else {
            return Err(Error::PermissionDenied);
        };
        if fresh.num_uses <= 1 {
            return Ok(true);
        }
        fresh.num_uses -= 1;
        Self::update(storage, &fresh).await?;
        Ok(false)
    }

    /// Revokes the token `id_hash` and, recursively, all its children (depth first,
    /// children before parents). Revoking a missing token does nothing.
    pub async fn revoke_tree(storage: &dyn Storage, id_hash: &str) -> Result<(), Error> {
        let cubby = cubbyhole_prefix(storage).await?;
        let mut stack = vec![id_hash.to_string()];
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(current) = stack.last().cloned() {
            seen.insert(current.clone());
            let prefix = format!("{PARENT_PREFIX}{current}/");
            let mut children = Vec::new();
            for child in storage.list(&prefix).await? {
                let child = child.trim_end_matches('/').to_string();
                if seen.contains(&child) {
                    // A cycle can only come from corrupt data: cut it.
                    tracing::warn!("token parent index contains a cycle; removing the link");
                    storage.delete(&format!("{prefix}{child}")).await?;
                } else {
                    children.push(child);
                }
            }
            if children.is_empty() {
                revoke_one(storage, &current, cubby.as_deref(), true).await?;
                stack.pop();
            } else {
                stack.extend(children);
            }
        }
        Ok(())
    }

    /// Revokes only `id_hash`; its children become orphans.
    pub async fn revoke_orphan(storage: &dyn Storage, id_hash: &str) -> Result<(), Error> {
        let cubby = cubbyhole_prefix(storage).await?;
        revoke_one(storage, id_hash, cubby.as_deref(), false).await
    }

    /// Revokes every stored token whose entry matches `pred`, with its children
    /// (used when an auth method is disabled). Returns how many were revoked.
    pub async fn revoke_where(
        storage: &dyn Storage,
        pred: impl Fn(&TokenEntry) -> bool + Send + Sync,
    ) -> Result<usize, Error> {
        let mut count = 0;
        for key in storage.list(ID_PREFIX).await? {
            if key.ends_with('/') {
                continue;
            }
            if let Some(entry) = Self::get(storage, &key).await?
                && pred(&entry)
            {
                Self::revoke_tree(storage, &entry.id_hash).await?;
                count += 1;
            }
        }
        Ok(count)
    }
}

/// The storage prefix of the cubbyhole mount, where each token's data lives under
/// `<token id hash>/` (the id engines see as `client_token_id`).
async fn cubbyhole_prefix(storage: &dyn Storage) -> Result<Option<String>, Error> {
    Ok(MountTable::load(storage).await?.and_then(|t| {
        t.entries
            .iter()
            .find(|m| m.kind == "cubbyhole")
            .map(|m| m.storage_prefix())
    }))
}

/// Deletes one token: its cubbyhole first (security-sensitive), then the parent link,
/// the accessor index and the entry. Unless `tree`, children are made orphans.
async fn revoke_one(
    storage: &dyn Storage,
    id_hash: &str,
    cubby: Option<&str>,
    tree: bool,
) -> Result<(), Error> {
    let Some(entry) = TokenStore::get(storage, id_hash).await? else {
        return Ok(());
    };
    crate::expiration::tokens::token_revoked(storage, &entry).await?;
    if let Some(prefix) = cubby {
        delete_prefix(storage, &format!("{prefix}{id_hash}/")).await?;
    }
    if !entry.parent_hash.is_empty() {
        storage
            .delete(&format!("{PARENT_PREFIX}{}/{id_hash}", entry.parent_hash))
            .await?;
    }
    if !entry.accessor.is_empty() {
        let acc = TokenStore::hash(storage, &entry.accessor).await?;
        storage.delete(&format!("{ACCESSOR_PREFIX}{acc}")).await?;
    }
    if !tree {
        let prefix = format!("{PARENT_PREFIX}{id_hash}/");
        for child in storage.list(&prefix).await? {
            let child = child.trim_end_matches('/');
            if let Some(mut c) = TokenStore::get(storage, child).await? {
                c.parent_hash.clear();
                TokenStore::update(storage, &c).await?;
            }
            storage.delete(&format!("{prefix}{child}")).await?;
        }
    }
    storage.delete(&format!("{ID_PREFIX}{id_hash}")).await?;
    tracing::debug!(path = %entry.path, "token revoked");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_sdk::testing::MemoryStorage;

    async fn store() -> MemoryStorage {
        let s = MemoryStorage::default();
        TokenStore::create_salt(&s).await.unwrap();
        s
    }

    async fn child(s: &MemoryStorage, parent: &str, now: i64) -> (String, TokenEntry) {
        let mut e = TokenEntry {
            policies: vec!["default".into()],
            parent_hash: parent.into(),
            path: "auth/token/create".into(),
            ttl: 60,
            ..Default::default()
        };
        let t = TokenStore::create(s, &mut e, None, now).await.unwrap();
        (t, e)
    }

    #[tokio::test]
    async fn root_token_is_stored_hashed_and_found() {
        let s = store().await;
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

    #[tokio::test]
    async fn service_tokens_expire_and_index_accessors() {
        let s = store().await;
        let now = 1_700_000_000_000;
        let (t, e) = child(&s, "", now).await;
        assert_eq!(t.len(), 95);
        assert!(matches!(
            TokenStore::find(&s, &t, now + 59_999).await.unwrap(),
            Found::Live(_)
        ));
        assert!(matches!(
            TokenStore::find(&s, &t, now + 60_000).await.unwrap(),
            Found::Expired(_)
        ));
        assert_eq!(
            TokenStore::id_by_accessor(&s, &e.accessor).await.unwrap(),
            Some(e.id_hash.clone())
        );
        assert!(
            s.keys()
                .iter()
                .all(|k| !k.contains(&t) && !k.contains(&e.accessor))
        );
    }

    #[tokio::test]
    async fn revoking_a_tree_or_an_orphan() {
        let s = store().await;
        let now = 1_700_000_000_000;
        let (p, pe) = child(&s, "", now).await;
        let (c1, c1e) = child(&s, &pe.id_hash, now).await;
        let (g, _) = child(&s, &c1e.id_hash, now).await;
        let (c2, c2e) = child(&s, &pe.id_hash, now).await;
        TokenStore::revoke_orphan(&s, &c1e.id_hash).await.unwrap();
        let live = |t: String| {
            let s = &s;
            async move { TokenStore::find(s, &t, now).await.unwrap().live() }
        };
        assert!(live(c1.clone()).await.is_none());
        let orphan = live(g.clone()).await.unwrap();
        assert!(orphan.is_orphan());
        TokenStore::revoke_tree(&s, &pe.id_hash).await.unwrap();
        assert!(live(p).await.is_none());
        assert!(live(c2).await.is_none());
        assert!(live(g).await.is_some(), "orphans survive their old parent");
        assert!(
            TokenStore::id_by_accessor(&s, &c2e.accessor)
                .await
                .unwrap()
                .is_none()
        );
        assert!(s.keys().iter().all(|k| !k.starts_with(PARENT_PREFIX)));
    }

    #[tokio::test]
    async fn revocation_clears_the_cubbyhole() {
        let s = store().await;
        let table = MountTable::initial();
        table.save(&s).await.unwrap();
        let cubby = table
            .entries
            .iter()
            .find(|m| m.kind == "cubbyhole")
            .unwrap()
            .storage_prefix();
        let (_, a) = child(&s, "", 0).await;
        let (_, b) = child(&s, "", 0).await;
        for e in [&a, &b] {
            s.put(&format!("{cubby}{}/k", e.id_hash), b"v".to_vec())
                .await
                .unwrap();
        }
        TokenStore::revoke_tree(&s, &a.id_hash).await.unwrap();
        let keys = s.keys();
        assert!(!keys.iter().any(|k| k.contains(&a.id_hash)));
        assert!(keys.contains(&format!("{cubby}{}/k", b.id_hash)));
    }

    #[tokio::test]
    async fn use_counting() {
        let s = store().await;
        let mut e = TokenEntry {
            policies: vec!["default".into()],
            ttl: 60,
            num_uses: 2,
            ..Default::default()
        };
        TokenStore::create(&s, &mut e, None, now_ms())
            .await
            .unwrap();
        assert!(!TokenStore::use_once(&s, &e).await.unwrap());
        let e = TokenStore::get(&s, &e.id_hash).await.unwrap().unwrap();
        assert_eq!(e.num_uses, 1);
        assert!(TokenStore::use_once(&s, &e).await.unwrap());
    }
}
