//! Snapshot backups of the replicated key space (`sys/storage/raft/snapshot`) and their
//! restore into a running cluster.
//!
//! A restore must reach every node and be atomic, whatever its size. It therefore goes
//! through the raft log like any write, in two phases:
//!
//! 1. **Staging.** The leader commits the snapshot's pairs in ordinary batches (a few MiB
//!    each) under the reserved prefix `"\u{1}restore/<id>/"`. Storage paths cannot contain
//!    control characters, so nothing else ever reads or writes there, and staged pairs
//!    travel with raft snapshots like any data (a node catching up mid-restore gets them).
//! 2. **Commit.** One [`Control::CommitRestore`] entry names the restore, its pair count
//!    and a digest over the staged pairs. Applying it, every node checks the staged pairs
//!    against both and, if they match, replaces its whole key space with them in one
//!    RocksDB batch; otherwise it changes nothing. The check only depends on the log, so
//!    all nodes decide alike.
//!
//! A restore interrupted before its commit leaves staged pairs behind, invisible to
//! clients; the leader discards them ([`Control::DiscardRestore`]) when it can, and any
//! later commit deletes them with the rest of the old key space.
//! The raft membership is not part of a snapshot: restoring never changes who is in the
//! cluster, as in Vault.

use std::time::{SystemTime, UNIX_EPOCH};

use arca_storage::Op;
use rocksdb::{Direction, IteratorMode, WriteBatch};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::{
    db::{CF_DATA, Db},
    error::{RaftError, StoreError},
    membership::write_err,
    node::RaftNode,
    snapshot::{build_from_db, decode},
    types::{ApplyResult, Command, Control},
};

/// Prefix of staged restore pairs in the `data` column family.
pub(crate) const STAGING_PREFIX: &str = "\u{1}restore/";

/// Raw key+value bytes per staging entry. Values travel as JSON number arrays (about
/// 4× larger), so this keeps one entry near 8 MiB on the wire.
const CHUNK_BYTES: usize = 2 * 1024 * 1024;

fn staging_prefix(restore_id: &str) -> String {
    format!("{STAGING_PREFIX}{restore_id}/")
}

/// Digest of pairs in key order: lengths and bytes of each key and value.
#[derive(Default)]
struct PairDigest {
    hash: Sha256,
    count: u64,
}

impl PairDigest {
    fn push(&mut self, key: &[u8], value: &[u8]) {
        // Lengths fit u64 on every platform; the encoding only has to be unambiguous.
        self.hash.update((key.len() as u64).to_be_bytes());
        self.hash.update(key);
        self.hash.update((value.len() as u64).to_be_bytes());
        self.hash.update(value);
        self.count += 1;
    }

    fn finish(self) -> (u64, String) {
        let digest = self.hash.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        (self.count, hex)
    }
}

/// Applies a restore control entry to `wb`. Returns what the entry did and whether the
/// key space was replaced.
pub(crate) fn apply_control(
    db: &Db,
    wb: &mut WriteBatch,
    control: &Control,
) -> Result<(ApplyResult, bool), StoreError> {
    let data = db.cf(CF_DATA)?;
    match control {
        Control::DiscardRestore { restore_id } => {
            let prefix = staging_prefix(restore_id);
            for item in db.raw().iterator_cf(
                data,
                IteratorMode::From(prefix.as_bytes(), Direction::Forward),
            ) {
                let (key, _) = item?;
                if !key.starts_with(prefix.as_bytes()) {
                    break;
                }
                wb.delete_cf(data, key);
            }
            Ok((ApplyResult::Applied, false))
        }
        Control::CommitRestore {
            restore_id,
            pairs,
            digest,
        } => {
            let prefix = staging_prefix(restore_id);
            let mut staged = Vec::new();
            let mut check = PairDigest::default();
            for item in db.raw().iterator_cf(
                data,
                IteratorMode::From(prefix.as_bytes(), Direction::Forward),
            ) {
                let (key, value) = item?;
                let Some(live) = key.strip_prefix(prefix.as_bytes()) else {
                    break;
                };
                check.push(live, &value);
                staged.push((live.to_vec(), value));
            }
            if check.finish() != (*pairs, digest.clone()) {
                tracing::error!(
                    restore = %restore_id,
                    "the staged snapshot is incomplete; restore not applied"
                );
                return Ok((ApplyResult::Conflict, false));
            }
            // Later operations in a batch win: delete everything (staging included), then
            // put the snapshot's pairs under their real keys.
            for item in db.raw().iterator_cf(data, IteratorMode::Start) {
                let (key, _) = item?;
                wb.delete_cf(data, key);
            }
            for (key, value) in staged {
                wb.put_cf(data, key, value);
            }
            Ok((ApplyResult::Applied, true))
        }
    }
}

impl RaftNode {
    /// A backup of the replicated key space as of this node's applied state, in the
    /// snapshot format (checksummed; see `snapshot`). Staged restore pairs are left out.
    /// Call it on the leader after a read barrier to include every acknowledged write.
    pub async fn export_snapshot(&self) -> Result<Vec<u8>, RaftError> {
        let bytes = self
            .db
            .run(|db| {
                let (_, bytes) = build_from_db(db, Some(STAGING_PREFIX))?;
                Ok(bytes)
            })
            .await?;
        Ok(bytes)
    }

    /// Checks that `bytes` is a whole, undamaged snapshot (magic, lengths, checksum).
    pub fn verify_snapshot(bytes: &[u8]) -> Result<(), RaftError> {
        decode(bytes)?;
        Ok(())
    }

    /// Counts the restores (and snapshot installs) applied on this node since it started:
    /// the key space was replaced underneath, so the server reloads what it caches from
    /// it (the barrier keyring).
    pub fn restore_events(&self) -> watch::Receiver<u64> {
        self.restores.subscribe()
    }

    /// Leader only: replaces the whole replicated key space with `snapshot` on every
    /// node (see the module documentation). The snapshot is validated first; a damaged
    /// one changes nothing. Writes committed while the restore runs are replaced too.
    pub async fn restore_snapshot(&self, snapshot: &[u8]) -> Result<(), RaftError> {
        let decoded = decode(snapshot)?;
        if decoded.pairs.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(RaftError::Restore(
                "the snapshot's keys are not in order or repeat".into(),
            ));
        }
        if !self.is_leader() {
            return Err(RaftError::NotLeader {
                leader: self.leader().map(|(_, n)| Box::new(n)),
            });
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let restore_id = format!("{:016x}-{nanos}", self.id());
        let prefix = staging_prefix(&restore_id);
        let mut digest = PairDigest::default();
        let mut chunk = Vec::new();
        let mut chunk_bytes = 0usize;
        let pairs = decoded
            .pairs
            .iter()
            .filter(|(k, _)| !k.starts_with(STAGING_PREFIX));
        tracing::info!(restore = %restore_id, pairs = decoded.pairs.len(), "restoring a raft snapshot");
        let staged = async {
            for (key, value) in pairs {
                digest.push(key.as_bytes(), value);
                chunk_bytes += key.len() + value.len();
                chunk.push(Op::Put {
                    key: format!("{prefix}{key}"),
                    value: value.to_vec(),
                });
                if chunk_bytes >= CHUNK_BYTES {
                    self.write_command(std::mem::take(&mut chunk).into())
                        .await?;
                    chunk_bytes = 0;
                }
            }
            if !chunk.is_empty() {
                self.write_command(chunk.into()).await?;
            }
            Ok::<_, RaftError>(())
        }
        .await;
        let (pairs, digest) = digest.finish();
        let committed = match staged {
            Ok(()) => {
                let commit = Control::CommitRestore {
                    restore_id: restore_id.clone(),
                    pairs,
                    digest,
                };
                self.write_command(commit.into()).await
            }
            Err(e) => Err(e),
        };
        match committed {
            Ok(ApplyResult::Applied) => {
                tracing::info!(restore = %restore_id, pairs, "raft snapshot restored");
                Ok(())
            }
            Ok(ApplyResult::Conflict) => Err(RaftError::Restore(
                "the staged snapshot did not match; nothing was changed".into(),
            )),
            Err(e) => {
                let discard = Control::DiscardRestore { restore_id };
                if let Err(d) = self.write_command(discard.into()).await {
                    tracing::warn!(error = %d, "could not discard an interrupted restore");
                }
                Err(e)
            }
        }
    }

    /// Commits one command through raft and returns what applying it did.
    async fn write_command(&self, cmd: Command) -> Result<ApplyResult, RaftError> {
        self.raft()
            .client_write(cmd)
            .await
            .map(|r| r.data)
            .map_err(write_err)
    }
}

impl From<Vec<Op>> for Command {
    fn from(ops: Vec<Op>) -> Self {
        Command {
            ops,
            ..Default::default()
        }
    }
}

impl From<Control> for Command {
    fn from(control: Control) -> Self {
        Command {
            control: Some(control),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(db: &Db, key: &str, value: &[u8]) {
        let mut wb = WriteBatch::default();
        wb.put_cf(db.cf(CF_DATA).unwrap(), key, value);
        db.write(wb, false).unwrap();
    }

    fn all(db: &Db) -> Vec<(String, Vec<u8>)> {
        db.raw()
            .iterator_cf(db.cf(CF_DATA).unwrap(), IteratorMode::Start)
            .map(|i| {
                let (k, v) = i.unwrap();
                (String::from_utf8(k.to_vec()).unwrap(), v.to_vec())
            })
            .collect()
    }

    fn digest_of(pairs: &[(&str, &[u8])]) -> (u64, String) {
        let mut d = PairDigest::default();
        for (k, v) in pairs {
            d.push(k.as_bytes(), v);
        }
        d.finish()
    }

    #[test]
    fn commit_replaces_everything_only_when_staging_matches() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("raft.db")).unwrap();
        put(&db, "old", b"1");
        put(&db, "keep-not", b"2");
        put(&db, "\u{1}restore/r1/a", b"A");
        put(&db, "\u{1}restore/r1/b/c", b"BC");
        put(&db, "\u{1}restore/r0/zombie", b"Z");

        // A commit announcing more pairs than staged changes nothing.
        let (n, digest) = digest_of(&[("a", b"A"), ("b/c", b"BC"), ("d", b"D")]);
        let wrong = Control::CommitRestore {
            restore_id: "r1".into(),
            pairs: n,
            digest,
        };
        let mut wb = WriteBatch::default();
        assert_eq!(
            apply_control(&db, &mut wb, &wrong).unwrap(),
            (ApplyResult::Conflict, false)
        );
        assert!(wb.is_empty());

        let (n, digest) = digest_of(&[("a", b"A"), ("b/c", b"BC")]);
        let right = Control::CommitRestore {
            restore_id: "r1".into(),
            pairs: n,
            digest,
        };
        let mut wb = WriteBatch::default();
        assert_eq!(
            apply_control(&db, &mut wb, &right).unwrap(),
            (ApplyResult::Applied, true)
        );
        db.write(wb, true).unwrap();
        assert_eq!(
            all(&db),
            vec![("a".into(), b"A".to_vec()), ("b/c".into(), b"BC".to_vec())]
        );
    }

    #[test]
    fn discard_drops_only_its_own_staging() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("raft.db")).unwrap();
        put(&db, "live", b"1");
        put(&db, "\u{1}restore/r1/a", b"A");
        put(&db, "\u{1}restore/r2/a", b"A");
        let mut wb = WriteBatch::default();
        let discard = Control::DiscardRestore {
            restore_id: "r1".into(),
        };
        apply_control(&db, &mut wb, &discard).unwrap();
        db.write(wb, true).unwrap();
        let keys: Vec<String> = all(&db).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec!["\u{1}restore/r2/a".to_string(), "live".into()]);
    }
}
