//! The raft log on RocksDB (openraft v2 `RaftLogStorage`): entries in the `logs` column
//! family, vote / committed / last-purged in `meta`. Every write that raft relies on for
//! safety (entries, vote, purge) is fsynced before it is acknowledged.

use std::{
    fmt::Debug,
    io,
    ops::{Bound, RangeBounds},
};

use openraft::{
    ErrorSubject, ErrorVerb, LogId, LogState, OptionalSend, RaftLogReader, StorageError, Vote,
    storage::{LogFlushed, RaftLogStorage},
};
use rocksdb::{Direction, IteratorMode, WriteBatch};

use crate::{
    db::{CF_LOGS, CF_META, Db, encode_json, index_from_key, index_key},
    error::StoreError,
    types::{Entry, NodeId, TypeConfig},
};

const KEY_VOTE: &[u8] = b"vote";
const KEY_COMMITTED: &[u8] = b"committed";
const KEY_LAST_PURGED: &[u8] = b"last_purged";

type StorageResult<T> = Result<T, StorageError<NodeId>>;

/// The log store. Cloning is cheap; clones are the log readers used by replication tasks.
#[derive(Clone)]
pub struct LogStore {
    db: Db,
}

impl LogStore {
    /// A log store over the node's database.
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }
}

/// Reads entries with index in `[start, end)` (`end` `None` = unbounded).
fn read_range(db: &Db, start: u64, end: Option<u64>) -> Result<Vec<Entry>, StoreError> {
    let from = index_key(start);
    let mut out = Vec::new();
    for item in db.raw().iterator_cf(
        db.cf(CF_LOGS)?,
        IteratorMode::From(&from, Direction::Forward),
    ) {
        let (key, value) = item?;
        let index = index_from_key(&key)?;
        if end.is_some_and(|end| index >= end) {
            break;
        }
        let entry: Entry = serde_json::from_slice(&value).map_err(|source| StoreError::Decode {
            what: "log entry",
            source,
        })?;
        if entry.log_id.index != index {
            return Err(StoreError::Corrupt(format!(
                "log entry stored at index {index} has index {}",
                entry.log_id.index
            )));
        }
        out.push(entry);
    }
    Ok(out)
}

/// The id of the last stored entry, if any.
fn last_entry_id(db: &Db) -> Result<Option<LogId<NodeId>>, StoreError> {
    match db
        .raw()
        .iterator_cf(db.cf(CF_LOGS)?, IteratorMode::End)
        .next()
    {
        None => Ok(None),
        Some(item) => {
            let (_, value) = item?;
            let entry: Entry =
                serde_json::from_slice(&value).map_err(|source| StoreError::Decode {
                    what: "log entry",
                    source,
                })?;
            Ok(Some(entry.log_id))
        }
    }
}

/// Converts a range of indexes to `[start, end)`; `None` when the range is empty by
/// construction (starts past `u64::MAX`).
fn bounds<RB: RangeBounds<u64>>(range: &RB) -> Option<(u64, Option<u64>)> {
    let start = match range.start_bound() {
        Bound::Included(x) => *x,
        Bound::Excluded(x) => x.checked_add(1)?,
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(x) => x.checked_add(1),
        Bound::Excluded(x) => Some(*x),
        Bound::Unbounded => None,
    };
    Some((start, end))
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> StorageResult<Vec<Entry>> {
        let Some((start, end)) = bounds(&range) else {
            return Ok(Vec::new());
        };
        self.db
            .run(move |db| read_range(db, start, end))
            .await
            .map_err(|e| e.into_raft(ErrorSubject::Logs, ErrorVerb::Read))
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> StorageResult<LogState<TypeConfig>> {
        let (last, last_purged) = self
            .db
            .run(|db| {
                let last = last_entry_id(db)?;
                let purged: Option<LogId<NodeId>> =
                    db.get_json(CF_META, KEY_LAST_PURGED, "last purged log id")?;
                Ok((last, purged))
            })
            .await
            .map_err(|e| e.into_raft(ErrorSubject::Logs, ErrorVerb::Read))?;
        Ok(LogState {
            last_purged_log_id: last_purged,
            last_log_id: last.or(last_purged),
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<NodeId>) -> StorageResult<()> {
        let bytes = encode_json(vote, "vote")
            .map_err(|e| e.into_raft(ErrorSubject::Vote, ErrorVerb::Write))?;
        self.db
            .run(move |db| {
                let mut batch = WriteBatch::default();
                batch.put_cf(db.cf(CF_META)?, KEY_VOTE, bytes);
                db.write(batch, true)
            })
            .await
            .map_err(|e| e.into_raft(ErrorSubject::Vote, ErrorVerb::Write))
    }

    async fn read_vote(&mut self) -> StorageResult<Option<Vote<NodeId>>> {
        self.db
            .run(|db| db.get_json(CF_META, KEY_VOTE, "vote"))
            .await
            .map_err(|e| e.into_raft(ErrorSubject::Vote, ErrorVerb::Read))
    }

    async fn save_committed(&mut self, committed: Option<LogId<NodeId>>) -> StorageResult<()> {
        let bytes = encode_json(&committed, "committed log id")
            .map_err(|e| e.into_raft(ErrorSubject::Store, ErrorVerb::Write))?;
        // Not fsynced: a lost update only means re-applying fewer entries at start-up;
        // the next synced write (vote, entries, apply) persists it anyway.
        self.db
            .run(move |db| {
                let mut batch = WriteBatch::default();
                batch.put_cf(db.cf(CF_META)?, KEY_COMMITTED, bytes);
                db.write(batch, false)
            })
            .await
            .map_err(|e| e.into_raft(ErrorSubject::Store, ErrorVerb::Write))
    }

    async fn read_committed(&mut self) -> StorageResult<Option<LogId<NodeId>>> {
        self.db
            .run(|db| {
                let c: Option<Option<LogId<NodeId>>> =
                    db.get_json(CF_META, KEY_COMMITTED, "committed log id")?;
                Ok(c.flatten())
            })
            .await
            .map_err(|e| e.into_raft(ErrorSubject::Store, ErrorVerb::Read))
    }

    async fn append<I>(&mut self, entries: I, callback: LogFlushed<TypeConfig>) -> StorageResult<()>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut encoded = Vec::new();
        for entry in entries {
            let bytes = encode_json(&entry, "log entry")
                .map_err(|e| e.into_raft(ErrorSubject::Logs, ErrorVerb::Write))?;
            encoded.push((entry.log_id.index, bytes));
        }
        let result = self
            .db
            .run(move |db| {
                let cf = db.cf(CF_LOGS)?;
                let mut batch = WriteBatch::default();
                for (index, bytes) in encoded {
                    batch.put_cf(cf, index_key(index), bytes);
                }
                db.write(batch, true)
            })
            .await;
        match result {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(e) => {
                callback.log_io_completed(Err(io::Error::other(e.to_string())));
                Err(e.into_raft(ErrorSubject::Logs, ErrorVerb::Write))
            }
        }
    }

    async fn truncate(&mut self, log_id: LogId<NodeId>) -> StorageResult<()> {
        self.db
            .run(move |db| {
                let cf = db.cf(CF_LOGS)?;
                let mut batch = WriteBatch::default();
                // delete_range's end is exclusive: delete the very last index explicitly.
                batch.delete_range_cf(cf, index_key(log_id.index), index_key(u64::MAX));
                batch.delete_cf(cf, index_key(u64::MAX));
                db.write(batch, true)
            })
            .await
            .map_err(|e| e.into_raft(ErrorSubject::Logs, ErrorVerb::Delete))
    }

    async fn purge(&mut self, log_id: LogId<NodeId>) -> StorageResult<()> {
        let purged = encode_json(&log_id, "last purged log id")
            .map_err(|e| e.into_raft(ErrorSubject::Logs, ErrorVerb::Delete))?;
        self.db
            .run(move |db| {
                let cf = db.cf(CF_LOGS)?;
                let mut batch = WriteBatch::default();
                // Record the purge point in the same batch, so the log never looks empty
                // without saying where it ended.
                batch.put_cf(db.cf(CF_META)?, KEY_LAST_PURGED, purged);
                match log_id.index.checked_add(1) {
                    Some(end) => batch.delete_range_cf(cf, index_key(0), index_key(end)),
                    None => {
                        batch.delete_range_cf(cf, index_key(0), index_key(u64::MAX));
                        batch.delete_cf(cf, index_key(u64::MAX));
                    }
                }
                db.write(batch, true)
            })
            .await
            .map_err(|e| e.into_raft(ErrorSubject::Logs, ErrorVerb::Delete))
    }
}

#[cfg(test)]
mod tests {
    use openraft::{CommittedLeaderId, EntryPayload, RaftLogReader};

    use super::*;

    fn log_id(term: u64, index: u64) -> LogId<NodeId> {
        LogId::new(CommittedLeaderId::new(term, 1), index)
    }

    fn blank(term: u64, index: u64) -> Entry {
        Entry {
            log_id: log_id(term, index),
            payload: EntryPayload::Blank,
        }
    }

    /// Writes entries directly (the `LogFlushed` callback cannot be built outside openraft).
    fn put_entries(store: &LogStore, entries: &[Entry]) {
        let cf = store.db.cf(CF_LOGS).unwrap();
        let mut batch = WriteBatch::default();
        for e in entries {
            batch.put_cf(cf, index_key(e.log_id.index), encode_json(e, "e").unwrap());
        }
        store.db.write(batch, true).unwrap();
    }

    #[tokio::test]
    async fn vote_range_truncate_purge_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("raft.db");
        {
            let mut store = LogStore::new(Db::open(&path).unwrap());
            assert_eq!(store.read_vote().await.unwrap(), None);
            let st = store.get_log_state().await.unwrap();
            assert_eq!((st.last_log_id, st.last_purged_log_id), (None, None));

            let vote = Vote::new(3, 7);
            store.save_vote(&vote).await.unwrap();
            store.save_committed(Some(log_id(1, 2))).await.unwrap();
            put_entries(&store, &(1..=5).map(|i| blank(1, i)).collect::<Vec<_>>());

            let got = store.try_get_log_entries(2..4).await.unwrap();
            assert_eq!(
                got.iter().map(|e| e.log_id.index).collect::<Vec<_>>(),
                vec![2, 3]
            );
            let got = store.try_get_log_entries(4..).await.unwrap();
            assert_eq!(got.len(), 2);

            store.truncate(log_id(1, 4)).await.unwrap();
            assert_eq!(
                store.get_log_state().await.unwrap().last_log_id,
                Some(log_id(1, 3))
            );

            store.purge(log_id(1, 2)).await.unwrap();
            let got = store.try_get_log_entries(0..10).await.unwrap();
            assert_eq!(
                got.iter().map(|e| e.log_id.index).collect::<Vec<_>>(),
                vec![3]
            );
        }
        // Everything above must be durable across a reopen.
        let mut store = LogStore::new(Db::open(&path).unwrap());
        assert_eq!(store.read_vote().await.unwrap(), Some(Vote::new(3, 7)));
        assert_eq!(store.read_committed().await.unwrap(), Some(log_id(1, 2)));
        let st = store.get_log_state().await.unwrap();
        assert_eq!(st.last_purged_log_id, Some(log_id(1, 2)));
        assert_eq!(st.last_log_id, Some(log_id(1, 3)));

        // Purging everything leaves the purge point as the last log id.
        store.purge(log_id(1, 3)).await.unwrap();
        let st = store.get_log_state().await.unwrap();
        assert_eq!(st.last_log_id, Some(log_id(1, 3)));
        assert!(store.try_get_log_entries(..).await.unwrap().is_empty());
    }
}
