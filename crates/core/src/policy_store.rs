//! ACL policies in the barrier, under `sys/policy/<name>` (Vault's layout), and the
//! parsed-policy cache the request path uses.
//!
//! `root` is built in: never stored, not writable, not deletable. `default` is stored at
//! initialisation, editable, not deletable; if it is ever missing from storage the
//! shipped text is used, so tokens keep their self-service paths.
//!
//! Parsing a policy costs about a millisecond in debug builds (measured in the policy
//! crate's tests), too much for every request. Parsed policies are therefore cached by
//! name together with the fingerprint of the stored ciphertext: a policy changed on any
//! node (through raft) has a new ciphertext, so the cache never serves a stale policy
//! and needs no invalidation messages — the same idea as the router's mount table.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard},
};

use arca_policy::{
    Acl, DEFAULT_POLICY, DEFAULT_POLICY_TEXT, Policy, RESPONSE_WRAPPING_POLICY, ROOT_POLICY,
    normalize_name,
};
use arca_sdk::{Error, Storage, StorageExt};
use serde::{Deserialize, Serialize};

use crate::Core;

/// Storage prefix of ACL policies.
pub(crate) const POLICY_PREFIX: &str = "sys/policy/";

/// Policies that can never be written.
const IMMUTABLE: &[&str] = &[ROOT_POLICY, RESPONSE_WRAPPING_POLICY, "control-group"];

/// The stored form of a policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredPolicy {
    name: String,
    /// The policy text as submitted.
    policy: String,
}

/// Parsed policies by name: (fingerprint of the stored ciphertext, policy). One per
/// core; entries are keyed by name AND content fingerprint, so a changed policy is a
/// miss, never a stale hit.
type CacheMap = HashMap<String, ([u8; 32], Arc<Policy>)>;

/// The parsed-policy cache a core keeps (see the module comment for why it needs no
/// invalidation).
#[derive(Default)]
pub(crate) struct PolicyCache(RwLock<CacheMap>);

impl PolicyCache {
    fn read(&self) -> RwLockReadGuard<'_, CacheMap> {
        // A poisoned lock only means a panic elsewhere; the map is still consistent.
        self.0.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, CacheMap> {
        self.0.write().unwrap_or_else(|p| p.into_inner())
    }
}

fn key(name: &str) -> String {
    format!("{POLICY_PREFIX}{name}")
}

/// Why a policy name cannot be used (Vault's messages).
fn name_of(raw: &str) -> Result<String, Error> {
    normalize_name(raw).map_err(|_| Error::bad_request("policy name must be provided in the URL"))
}

/// Reads a policy. `root` reads as an empty policy named `root`, as in Vault.
pub(crate) async fn get(storage: &dyn Storage, name: &str) -> Result<Option<Policy>, Error> {
    let name = name_of(name)?;
    if name == ROOT_POLICY {
        return Ok(Some(Policy::root()));
    }
    if name == RESPONSE_WRAPPING_POLICY {
        return Ok(Some(response_wrapping_policy()?.as_ref().clone()));
    }
    let Some(stored) = storage.get_json::<StoredPolicy>(&key(&name)).await? else {
        return Ok(None);
    };
    Policy::parse(&name, &stored.policy)
        .map(Some)
        .map_err(|e| Error::internal(format!("stored policy {name:?} is invalid: {e}")))
}

/// Parses and stores a policy; `root` (and Vault's other immutable names) are refused.
/// Invalid text is a 400 naming the problem.
pub(crate) async fn put(storage: &dyn Storage, name: &str, text: &str) -> Result<(), Error> {
    let name = name_of(name)?;
    if IMMUTABLE.contains(&name.as_str()) {
        return Err(Error::bad_request(format!("cannot update {name:?} policy")));
    }
    Policy::parse(&name, text).map_err(|e| Error::bad_request(e.to_string()))?;
    storage
        .put_json(
            &key(&name),
            &StoredPolicy {
                name: name.clone(),
                policy: text.to_string(),
            },
        )
        .await
}

/// Deletes a policy; `root` and `default` cannot be deleted. Deleting a policy that
/// does not exist succeeds, as in Vault.
pub(crate) async fn delete(storage: &dyn Storage, name: &str) -> Result<(), Error> {
    let name = name_of(name)?;
    if IMMUTABLE.contains(&name.as_str()) {
        return Err(Error::bad_request(format!("cannot delete {name:?} policy")));
    }
    if name == DEFAULT_POLICY {
        return Err(Error::bad_request("cannot delete default policy"));
    }
    storage.delete(&key(&name)).await
}

/// Names of the stored policies, sorted (without `root`).
pub(crate) async fn list(storage: &dyn Storage) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(dir) = stack.pop() {
        for child in storage.list(&format!("{POLICY_PREFIX}{dir}")).await? {
            let full = format!("{dir}{child}");
            if child.ends_with('/') {
                stack.push(full);
            } else {
                names.push(full);
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Stores the shipped `default` policy unless one exists (initialisation).
pub(crate) async fn ensure_default(storage: &dyn Storage) -> Result<(), Error> {
    if storage.get(&key(DEFAULT_POLICY)).await?.is_none() {
        put(storage, DEFAULT_POLICY, DEFAULT_POLICY_TEXT).await?;
    }
    Ok(())
}

impl Core {
    /// The ACL of a set of policy names, read through `storage` (the request's
    /// transaction) with the parsed-policy cache. Unknown names are skipped, as Vault
    /// does; `root` among them gives the root ACL.
    pub(crate) async fn acl_for(
        &self,
        storage: &dyn Storage,
        names: &[String],
    ) -> Result<Acl, Error> {
        if names.iter().any(|n| n == ROOT_POLICY) {
            return Ok(Acl::root());
        }
        let mut policies: Vec<Arc<Policy>> = Vec::with_capacity(names.len());
        for name in names {
            if let Some(p) = self.cached_policy(storage, name).await? {
                policies.push(p);
            }
        }
        Ok(Acl::from_policies(policies.iter().map(|p| p.as_ref())))
    }

    async fn cached_policy(
        &self,
        storage: &dyn Storage,
        name: &str,
    ) -> Result<Option<Arc<Policy>>, Error> {
        let Ok(name) = normalize_name(name) else {
            return Ok(None);
        };
        if name == RESPONSE_WRAPPING_POLICY {
            return Ok(Some(response_wrapping_policy()?));
        }
        // The ciphertext as stored: linearizable, the request ran the read barrier.
        let stored = self
            .physical
            .get(&key(&name))
            .await
            .map_err(Error::storage)?;
        let Some(ciphertext) = stored else {
            return Ok((name == DEFAULT_POLICY)
                .then(arca_policy::default_policy)
                .transpose()
                .map_err(Error::internal)?
                .map(Arc::new));
        };
        let fingerprint = arca_storage::fingerprint(&ciphertext);
        if let Some((fp, policy)) = self.policy_cache.read().get(&name)
            && *fp == fingerprint
        {
            return Ok(Some(policy.clone()));
        }
        // A miss: decrypt through the transaction and parse. Should the policy change
        // between the two reads, the entry is filed under the older fingerprint, which
        // storage never returns again, so it is simply never hit.
        let Some(policy) = get(storage, &name).await? else {
            return Ok(None);
        };
        let policy = Arc::new(policy);
        self.policy_cache
            .write()
            .insert(name, (fingerprint, policy.clone()));
        Ok(Some(policy))
    }
}

/// The built-in `response-wrapping` policy, parsed once (it is never stored).
fn response_wrapping_policy() -> Result<Arc<Policy>, Error> {
    static PARSED_ONCE: OnceLock<Arc<Policy>> = OnceLock::new();
    if let Some(p) = PARSED_ONCE.get() {
        return Ok(p.clone());
    }
    let p = Arc::new(arca_policy::response_wrapping_policy().map_err(Error::internal)?);
    Ok(PARSED_ONCE.get_or_init(|| p).clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_sdk::testing::MemoryStorage;

    #[tokio::test]
    async fn store_read_list_delete() {
        let s = MemoryStorage::default();
        ensure_default(&s).await.unwrap();
        put(
            &s,
            "DB-Policy",
            "path \"secret/data/database/*\" {\n  capabilities = [\"read\"]\n}\n",
        )
        .await
        .unwrap();
        put(&s, "team/a", "").await.unwrap();
        assert_eq!(list(&s).await.unwrap(), ["db-policy", "default", "team/a"]);
        let p = get(&s, "db-policy").await.unwrap().unwrap();
        assert_eq!(p.rules.len(), 1);
        assert_eq!(get(&s, "root").await.unwrap().unwrap().raw, "");
        let wrapping = get(&s, "response-wrapping").await.unwrap().unwrap();
        assert!(wrapping.raw.contains("sys/wrapping/unwrap"));
        assert!(put(&s, "response-wrapping", "").await.is_err());
        assert!(get(&s, "nope").await.unwrap().is_none());

        let e = put(&s, "x", "path \"a\" {\n  capabilities = [\"reed\"]\n}\n")
            .await
            .unwrap_err();
        assert!(matches!(e, Error::BadRequest(m) if m.contains("invalid capability \"reed\"")));
        assert_eq!(
            put(&s, "root", "").await.unwrap_err(),
            Error::bad_request("cannot update \"root\" policy")
        );
        assert_eq!(
            delete(&s, "root").await.unwrap_err(),
            Error::bad_request("cannot delete \"root\" policy")
        );
        assert_eq!(
            delete(&s, "Default").await.unwrap_err(),
            Error::bad_request("cannot delete default policy")
        );
        delete(&s, "db-policy").await.unwrap();
        delete(&s, "never-existed").await.unwrap();
        assert_eq!(list(&s).await.unwrap(), ["default", "team/a"]);
        assert!(put(&s, " ", "").await.is_err());
    }
}
