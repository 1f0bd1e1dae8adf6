//! The replicated state machine on RocksDB (openraft v2 `RaftStateMachine`): the key
//! space in the `data` column family, last applied log id and membership in `sm_meta`.
//!
//! Every entry's effects and its log id are written in one `WriteBatch`, so after a crash
//! the state machine is exactly "all entries up to last_applied": nothing is applied twice
//! and nothing half-way.

use std::{io::Cursor, sync::Arc};

use arca_storage::{Condition, Op, fingerprint};
use openraft::{
    EntryPayload, ErrorSubject, ErrorVerb, LogId, OptionalSend, Snapshot, StorageError,
    StoredMembership, storage::RaftStateMachine,
};
use rocksdb::{IteratorMode, WriteBatch};
use tokio::sync::watch;

use crate::{
    db::{CF_DATA, CF_SM_META, Db, KEY_LAST_APPLIED, KEY_LAST_MEMBERSHIP, encode_json},
    error::StoreError,
    restore::apply_control,
    snapshot::{DecodedSnapshot, Meta, SnapshotBuilder, SnapshotStore, decode},
    types::{ApplyResult, ArcaNode, Entry, NodeId, TypeConfig},
};

type Membership = StoredMembership<NodeId, ArcaNode>;

/// The state machine. Openraft owns it (through `&mut self`), which serialises apply and
/// snapshot install; reads for clients go to the database directly.
pub struct StateMachineStore {
    db: Db,
    snapshots: Arc<SnapshotStore>,
    last_applied: Option<LogId<NodeId>>,
    last_membership: Membership,
    /// Bumped whenever the key space is replaced wholesale (restore, snapshot install).
    restores: watch::Sender<u64>,
}

impl StateMachineStore {
    /// Loads the applied state. If a snapshot install was interrupted after the snapshot
    /// file was saved but before the database was rewritten, finishes it now, so the
    /// stored snapshot never runs ahead of the state machine.
    pub(crate) fn open(
        db: Db,
        snapshots: Arc<SnapshotStore>,
        restores: watch::Sender<u64>,
    ) -> Result<Self, StoreError> {
        let last_applied: Option<LogId<NodeId>> = db
            .get_json::<Option<LogId<NodeId>>>(CF_SM_META, KEY_LAST_APPLIED, "last applied log id")?
            .flatten();
        let last_membership: Membership = db
            .get_json(CF_SM_META, KEY_LAST_MEMBERSHIP, "last membership")?
            .unwrap_or_default();
        let mut sm = Self {
            db,
            snapshots,
            last_applied,
            last_membership,
            restores,
        };
        let snapshot_ahead = sm
            .snapshots
            .current_meta()
            .is_some_and(|m| m.last_log_id > sm.last_applied);
        if snapshot_ahead && let Some((meta, bytes)) = sm.snapshots.load()? {
            tracing::warn!(
                snapshot = %meta.snapshot_id,
                "finishing an interrupted snapshot install"
            );
            let decoded = decode(&bytes)?;
            write_snapshot_into_db(&sm.db, &decoded, &meta)?;
            sm.last_applied = meta.last_log_id;
            sm.last_membership = meta.last_membership;
        }
        Ok(sm)
    }
}

/// Checks a batch's conditions against the current `data` column family.
fn conditions_hold(db: &Db, conditions: &[Condition]) -> Result<bool, StoreError> {
    let cf = db.cf(CF_DATA)?;
    for c in conditions {
        let current = db
            .raw()
            .get_pinned_cf(cf, c.key.as_bytes())?
            .map(|v| fingerprint(&v));
        if current != c.fingerprint {
            return Ok(false);
        }
    }
    Ok(true)
}

/// What a run of `apply` changed, to mirror in memory.
struct Applied {
    results: Vec<ApplyResult>,
    last_applied: Option<LogId<NodeId>>,
    membership: Option<Membership>,
    /// A restore replaced the key space.
    restored: bool,
}

/// Applies entries in order, one atomic batch each (data and applied index together).
/// None is fsynced: every entry applied here is already durable in the log (appends are
/// synced before they are acknowledged), the log and the state machine share one RocksDB
/// WAL so the next synced write (append, vote, purge, snapshot) makes these durable too,
/// and a crash before that loses only a prefix-closed tail of applies, which raft
/// re-applies from the log at start-up. This halves the fsyncs of a write (measured in
/// docs/performance.md).
fn apply_entries(db: &Db, entries: Vec<Entry>) -> Result<Applied, StoreError> {
    let data = db.cf(CF_DATA)?;
    let meta = db.cf(CF_SM_META)?;
    let mut out = Applied {
        results: Vec::with_capacity(entries.len()),
        last_applied: None,
        membership: None,
        restored: false,
    };
    for entry in entries {
        let started = std::time::Instant::now();
        let mut wb = WriteBatch::default();
        let result = match entry.payload {
            EntryPayload::Blank => ApplyResult::Applied,
            EntryPayload::Normal(cmd) => match &cmd.control {
                Some(control) => {
                    let (result, restored) = apply_control(db, &mut wb, control)?;
                    out.restored |= restored;
                    result
                }
                None if conditions_hold(db, &cmd.conditions)? => {
                    for op in cmd.ops {
                        match op {
                            Op::Put { key, value } => wb.put_cf(data, key.as_bytes(), value),
                            Op::Delete { key } => wb.delete_cf(data, key.as_bytes()),
                        }
                    }
                    ApplyResult::Applied
                }
                None => ApplyResult::Conflict,
            },
            EntryPayload::Membership(m) => {
                let stored = StoredMembership::new(Some(entry.log_id), m);
                wb.put_cf(
                    meta,
                    KEY_LAST_MEMBERSHIP,
                    encode_json(&stored, "membership")?,
                );
                out.membership = Some(stored);
                ApplyResult::Applied
            }
        };
        let applied = Some(entry.log_id);
        wb.put_cf(
            meta,
            KEY_LAST_APPLIED,
            encode_json(&applied, "last applied log id")?,
        );
        db.write(wb, false)?;
        arca_telemetry::emit::measure_since(arca_telemetry::names::RAFT_FSM_APPLY, started);
        out.last_applied = applied;
        out.results.push(result);
    }
    Ok(out)
}

/// Replaces the whole state machine with a snapshot's content in one synced batch.
pub(crate) fn write_snapshot_into_db(
    db: &Db,
    snap: &DecodedSnapshot<'_>,
    meta: &Meta,
) -> Result<(), StoreError> {
    let data = db.cf(CF_DATA)?;
    let sm_meta = db.cf(CF_SM_META)?;
    let mut wb = WriteBatch::default();
    // Later operations in a batch win, so deleting every old key first and then putting
    // the snapshot's pairs leaves exactly the snapshot's content.
    for item in db.raw().iterator_cf(data, IteratorMode::Start) {
        let (key, _) = item?;
        wb.delete_cf(data, key);
    }
    for (key, value) in &snap.pairs {
        wb.put_cf(data, key.as_bytes(), value);
    }
    wb.put_cf(
        sm_meta,
        KEY_LAST_APPLIED,
        encode_json(&meta.last_log_id, "last applied log id")?,
    );
    wb.put_cf(
        sm_meta,
        KEY_LAST_MEMBERSHIP,
        encode_json(&meta.last_membership, "membership")?,
    );
    db.write(wb, true)
}

impl RaftStateMachine<TypeConfig> for StateMachineStore {
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId<NodeId>>, Membership), StorageError<NodeId>> {
        Ok((self.last_applied, self.last_membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<ApplyResult>, StorageError<NodeId>>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let entries: Vec<Entry> = entries.into_iter().collect();
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let applied = self
            .db
            .run(move |db| apply_entries(db, entries))
            .await
            .map_err(|e| e.into_raft(ErrorSubject::StateMachine, ErrorVerb::Write))?;
        if applied.last_applied.is_some() {
            self.last_applied = applied.last_applied;
        }
        if let Some(m) = applied.membership {
            self.last_membership = m;
        }
        if applied.restored {
            self.restores.send_modify(|n| *n += 1);
        }
        Ok(applied.results)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        SnapshotBuilder::new(self.db.clone(), self.snapshots.clone())
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<Cursor<Vec<u8>>>, StorageError<NodeId>> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &Meta,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError<NodeId>> {
        let subject = ErrorSubject::Snapshot(Some(meta.signature()));
        let bytes = snapshot.into_inner();
        let snapshots = self.snapshots.clone();
        let meta_owned = meta.clone();
        self.db
            .run(move |db| {
                let decoded = decode(&bytes)?;
                if decoded.meta.last_log_id != meta_owned.last_log_id {
                    return Err(StoreError::Snapshot(
                        "content does not match the announced last log id".into(),
                    ));
                }
                // File first: if we crash before the database is rewritten, `open`
                // finishes the install from the file.
                snapshots.save(&meta_owned, &bytes, false)?;
                write_snapshot_into_db(db, &decoded, &meta_owned)
            })
            .await
            .map_err(|e| e.into_raft(subject, ErrorVerb::Write))?;
        self.last_applied = meta.last_log_id;
        self.last_membership = meta.last_membership.clone();
        self.restores.send_modify(|n| *n += 1);
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<TypeConfig>>, StorageError<NodeId>> {
        let snapshots = self.snapshots.clone();
        let loaded = self
            .db
            .run(move |_| snapshots.load())
            .await
            .map_err(|e| e.into_raft(ErrorSubject::Snapshot(None), ErrorVerb::Read))?;
        Ok(loaded.map(|(meta, bytes)| Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(bytes)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use openraft::CommittedLeaderId;

    use super::*;
    use crate::snapshot::SnapshotWriter;

    #[tokio::test]
    async fn open_finishes_an_interrupted_snapshot_install() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("raft.db")).unwrap();
        let snapshots = Arc::new(SnapshotStore::open(&dir.path().join("snapshots")).unwrap());
        // Old state that the snapshot must replace entirely.
        let mut wb = WriteBatch::default();
        wb.put_cf(db.cf(CF_DATA).unwrap(), b"stale", b"x");
        db.write(wb, true).unwrap();

        // Crash point: the snapshot file is saved, the database not yet rewritten.
        let log_id = LogId::new(CommittedLeaderId::new(2, 1), 7);
        let meta = Meta {
            last_log_id: Some(log_id),
            last_membership: StoredMembership::default(),
            snapshot_id: "s".into(),
        };
        let mut w = SnapshotWriter::new(&meta).unwrap();
        w.push(b"fresh", b"y").unwrap();
        snapshots.save(&meta, &w.finish(), false).unwrap();

        let mut sm = StateMachineStore::open(db.clone(), snapshots, watch::channel(0).0).unwrap();
        assert_eq!(sm.applied_state().await.unwrap().0, Some(log_id));
        let data = db.cf(CF_DATA).unwrap();
        assert_eq!(
            db.raw().get_cf(data, b"fresh").unwrap(),
            Some(b"y".to_vec())
        );
        assert_eq!(db.raw().get_cf(data, b"stale").unwrap(), None);
        // And it is durable state now, not just in memory.
        drop(sm);
        let stored: Option<LogId<NodeId>> = db
            .get_json::<Option<LogId<NodeId>>>(CF_SM_META, KEY_LAST_APPLIED, "t")
            .unwrap()
            .flatten();
        assert_eq!(stored, Some(log_id));
    }
}
