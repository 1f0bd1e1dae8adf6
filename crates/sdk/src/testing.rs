//! In-memory storage for backend unit tests. Not used by the server: production storage
//! is always the barrier over raft.

use std::{collections::BTreeMap, sync::Mutex};

use async_trait::async_trait;

use crate::{Error, Storage, storage::children_of};

/// A `BTreeMap` behind a mutex.
#[derive(Default)]
pub struct MemoryStorage {
    map: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryStorage {
    /// Every key currently stored (for assertions).
    pub fn keys(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A poisoned lock only means a test panicked while holding it.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl Storage for MemoryStorage {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.lock().get(key).cloned())
    }
    async fn put(&self, key: &str, value: Vec<u8>) -> Result<(), Error> {
        self.lock().insert(key.to_string(), value);
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<(), Error> {
        self.lock().remove(key);
        Ok(())
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let map = self.lock();
        Ok(children_of(
            prefix,
            map.range(prefix.to_string()..).map(|(k, _)| k.as_str()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StorageView;
    use std::sync::Arc;

    #[tokio::test]
    async fn lists_children_once() {
        let s = MemoryStorage::default();
        for k in ["a/b", "a/c/d", "a/c/e", "b", "ab"] {
            s.put(k, vec![1]).await.unwrap();
        }
        assert_eq!(s.list("").await.unwrap(), vec!["a/", "ab", "b"]);
        assert_eq!(s.list("a/").await.unwrap(), vec!["b", "c/"]);
    }

    #[tokio::test]
    async fn view_is_scoped_and_rejects_dotdot() {
        let inner = Arc::new(MemoryStorage::default());
        let view = StorageView::new(inner.clone(), "logical/x/");
        view.put("k", vec![1]).await.unwrap();
        assert_eq!(inner.keys(), vec!["logical/x/k"]);
        assert!(view.get("../y/k").await.is_err());
    }
}
