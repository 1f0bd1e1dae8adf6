//! The node's RocksDB database (`<data_dir>/raft.db`), shared by the log store and the
//! state machine so that both live in one WAL: one fsync covers everything written before.

use std::{path::Path, sync::Arc};

use rocksdb::{ColumnFamily, ColumnFamilyDescriptor, DB, Options, WriteBatch, WriteOptions};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::StoreError;

/// Raft log entries: big-endian `u64` index → JSON entry (big-endian keeps index order).
pub(crate) const CF_LOGS: &str = "logs";
/// Log store metadata: vote, committed and last purged log ids.
pub(crate) const CF_META: &str = "meta";
/// The state machine's key space: storage key → ciphertext.
pub(crate) const CF_DATA: &str = "data";
/// State machine metadata: last applied log id and last membership.
pub(crate) const CF_SM_META: &str = "sm_meta";

/// `sm_meta` key of the last applied log id (JSON `Option<LogId>`).
pub(crate) const KEY_LAST_APPLIED: &[u8] = b"last_applied";
/// `sm_meta` key of the last applied membership (JSON `StoredMembership`).
pub(crate) const KEY_LAST_MEMBERSHIP: &[u8] = b"last_membership";

const ALL_CFS: [&str; 4] = [CF_LOGS, CF_META, CF_DATA, CF_SM_META];

/// A cheap, cloneable handle on the node's database. The database closes when the last
/// handle (including the ones owned by the raft core) is dropped.
#[derive(Clone)]
pub(crate) struct Db {
    inner: Arc<DB>,
}

impl Db {
    /// Opens (creating if needed) the database with all our column families.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let cfs = ALL_CFS
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
        let db = DB::open_cf_descriptors(&opts, path, cfs)?;
        Ok(Self {
            inner: Arc::new(db),
        })
    }

    /// The raw RocksDB handle.
    pub(crate) fn raw(&self) -> &DB {
        &self.inner
    }

    /// A column family handle; missing ones are a bug, reported rather than panicking.
    pub(crate) fn cf(&self, name: &'static str) -> Result<&ColumnFamily, StoreError> {
        self.inner
            .cf_handle(name)
            .ok_or(StoreError::MissingColumnFamily(name))
    }

    /// Reads and parses a JSON record.
    pub(crate) fn get_json<T: DeserializeOwned>(
        &self,
        cf: &'static str,
        key: &[u8],
        what: &'static str,
    ) -> Result<Option<T>, StoreError> {
        match self.inner.get_pinned_cf(self.cf(cf)?, key)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| StoreError::Decode { what, source }),
        }
    }

    /// Writes a batch atomically; with `sync` it is on disk (WAL fsynced) on return, and so
    /// is every write that preceded it.
    pub(crate) fn write(&self, batch: WriteBatch, sync: bool) -> Result<(), StoreError> {
        let mut wo = WriteOptions::default();
        wo.set_sync(sync);
        self.inner.write_opt(batch, &wo)?;
        Ok(())
    }

    /// Waits (bounded) until this is the only handle left, i.e. raft's background tasks
    /// (state-machine worker, replication streams, snapshot builds) have let go, so the
    /// database closes when the caller drops it and can be reopened at once.
    pub(crate) async fn wait_sole_owner(&self, limit: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while Arc::strong_count(&self.inner) > 1 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        true
    }

    /// Runs blocking RocksDB work off the async executor, so fsyncs and scans never stall
    /// the raft core or request handlers sharing its thread.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Db) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || f(&db)).await?
    }
}

/// Serialises a record as JSON.
pub(crate) fn encode_json<T: Serialize>(
    value: &T,
    what: &'static str,
) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|source| StoreError::Encode { what, source })
}

/// The key of log index `index`: big-endian so RocksDB's byte order is index order.
pub(crate) fn index_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

/// Parses a key written by [`index_key`].
pub(crate) fn index_from_key(key: &[u8]) -> Result<u64, StoreError> {
    let bytes: [u8; 8] = key
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("log key of {} bytes", key.len())))?;
    Ok(u64::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_sort_numerically_and_round_trip() {
        assert!(index_key(2) < index_key(10));
        assert!(index_key(255) < index_key(256));
        assert_eq!(index_from_key(&index_key(12345)).unwrap(), 12345);
        assert!(index_from_key(b"short").is_err());
    }
}
