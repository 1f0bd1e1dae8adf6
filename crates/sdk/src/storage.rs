//! The storage a backend sees: a flat, ordered key space of byte values.
//!
//! Behind it is the barrier (every value encrypted, path as associated data) and a
//! per-request transaction: writes are buffered, visible to later reads of the same
//! request, and committed as one atomic raft entry when the handler succeeds.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Serialize, de::DeserializeOwned};

use crate::Error;

/// Key-value storage scoped to one backend. Keys are `/`-separated paths.
#[async_trait]
pub trait Storage: Send + Sync {
    /// The value at `key`, or `None`.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error>;
    /// Stores `value` at `key`.
    async fn put(&self, key: &str, value: Vec<u8>) -> Result<(), Error>;
    /// Removes `key`; removing a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), Error>;
    /// Immediate children of `prefix` (which ends in `/` or is empty), sorted: a leaf as
    /// its name, a sub-tree as `name/` (listed once).
    async fn list(&self, prefix: &str) -> Result<Vec<String>, Error>;
}

/// JSON helpers on any [`Storage`].
#[async_trait]
pub trait StorageExt: Storage {
    /// Reads and deserialises the JSON document at `key`.
    async fn get_json<T: DeserializeOwned + Send>(&self, key: &str) -> Result<Option<T>, Error> {
        match self.get(key).await? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(|e| {
                Error::Internal(format!("decoding stored entry {key:?}: {e}"))
            })?)),
            None => Ok(None),
        }
    }
    /// Serialises `value` as JSON and stores it at `key`.
    async fn put_json<T: Serialize + Sync>(&self, key: &str, value: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(value)?;
        self.put(key, bytes).await
    }
}

impl<S: Storage + ?Sized> StorageExt for S {}

/// A view of another storage under a fixed prefix, so a backend cannot reach keys
/// outside its own mount.
pub struct StorageView {
    inner: Arc<dyn Storage>,
    prefix: String,
}

impl StorageView {
    /// A view of `inner` where key `k` maps to `prefix + k`.
    pub fn new(inner: Arc<dyn Storage>, prefix: impl Into<String>) -> Self {
        StorageView {
            inner,
            prefix: prefix.into(),
        }
    }

    fn full(&self, key: &str) -> Result<String, Error> {
        validate_key(key)?;
        Ok(format!("{}{}", self.prefix, key))
    }
}

/// Rejects keys that could escape a view or confuse listing (`..` segments, NUL).
pub fn validate_key(key: &str) -> Result<(), Error> {
    if key.split('/').any(|seg| seg == "..") || key.contains('\0') {
        return Err(Error::bad_request(format!("invalid key {key:?}")));
    }
    Ok(())
}

#[async_trait]
impl Storage for StorageView {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.inner.get(&self.full(key)?).await
    }
    async fn put(&self, key: &str, value: Vec<u8>) -> Result<(), Error> {
        self.inner.put(&self.full(key)?, value).await
    }
    async fn delete(&self, key: &str) -> Result<(), Error> {
        self.inner.delete(&self.full(key)?).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>, Error> {
        self.inner.list(&self.full(prefix)?).await
    }
}

/// Collects the immediate children of `prefix` from a sorted iterator of full keys,
/// as [`Storage::list`] returns them. Shared by every storage implementation.
pub fn children_of<'a>(prefix: &str, keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in keys {
        let Some(rest) = key.strip_prefix(prefix) else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let child = match rest.find('/') {
            Some(i) => &rest[..=i],
            None => rest,
        };
        if out.last().map(String::as_str) != Some(child) {
            out.push(child.to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Deletes every key under `prefix` (recursively).
pub async fn delete_prefix(storage: &dyn Storage, prefix: &str) -> Result<(), Error> {
    let mut stack = vec![prefix.to_string()];
    while let Some(p) = stack.pop() {
        for child in storage.list(&p).await? {
            let full = format!("{p}{child}");
            if child.ends_with('/') {
                stack.push(full);
            } else {
                storage.delete(&full).await?;
            }
        }
    }
    Ok(())
}
