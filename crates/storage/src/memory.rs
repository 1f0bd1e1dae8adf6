//! In-memory [`Physical`] for unit tests of the barrier and core.

use std::{collections::BTreeMap, sync::Mutex};

use async_trait::async_trait;

use crate::{Batch, Op, Physical, StorageError, fingerprint};

/// A `BTreeMap` that applies batches under one lock.
#[derive(Default)]
pub struct MemoryPhysical {
    map: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryPhysical {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every stored value (for tests that look for plaintext).
    pub fn dump(&self) -> Vec<(String, Vec<u8>)> {
        self.lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Checks a batch's conditions against `current` and applies its ops; shared shape of
/// every implementation (the raft state machine follows the same rules).
pub fn check_conditions<F>(batch: &Batch, mut current: F) -> bool
where
    F: FnMut(&str) -> Option<[u8; 32]>,
{
    batch
        .conditions
        .iter()
        .all(|c| current(&c.key) == c.fingerprint)
}

#[async_trait]
impl Physical for MemoryPhysical {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.lock().get(key).cloned())
    }

    async fn list_keys(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        Ok(self
            .lock()
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect())
    }

    async fn commit(&self, batch: Batch) -> Result<(), StorageError> {
        let mut map = self.lock();
        if !check_conditions(&batch, |k| map.get(k).map(|v| fingerprint(v))) {
            return Err(StorageError::Conflict);
        }
        for op in batch.ops {
            match op {
                Op::Put { key, value } => {
                    map.insert(key, value);
                }
                Op::Delete { key } => {
                    map.remove(&key);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Condition;

    #[tokio::test]
    async fn conditional_batch_is_all_or_nothing() {
        let p = MemoryPhysical::default();
        p.commit(Batch {
            conditions: vec![],
            ops: vec![Op::Put {
                key: "a".into(),
                value: b"1".to_vec(),
            }],
        })
        .await
        .unwrap();
        // Stale condition: nothing applied.
        let stale = Batch {
            conditions: vec![Condition {
                key: "a".into(),
                fingerprint: None,
            }],
            ops: vec![Op::Put {
                key: "b".into(),
                value: b"2".to_vec(),
            }],
        };
        assert_eq!(p.commit(stale).await, Err(StorageError::Conflict));
        assert_eq!(p.get("b").await.unwrap(), None);
        // Fresh condition: applied.
        let fresh = Batch {
            conditions: vec![Condition {
                key: "a".into(),
                fingerprint: Some(fingerprint(b"1")),
            }],
            ops: vec![
                Op::Put {
                    key: "b".into(),
                    value: b"2".to_vec(),
                },
                Op::Delete { key: "a".into() },
            ],
        };
        p.commit(fresh).await.unwrap();
        assert_eq!(p.list_keys("").await.unwrap(), vec!["b"]);
    }
}
