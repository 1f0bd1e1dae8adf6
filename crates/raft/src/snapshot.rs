//! State-machine snapshots: the binary format, the on-disk copy under
//! `<data_dir>/snapshots/`, and the builder that reads a consistent RocksDB view.
//!
//! Format (all integers big-endian):
//! `"ARCASNP1"` | meta length `u32` | meta JSON (`SnapshotMeta`) |
//! pairs: key length `u32`, key, value length `u32`, value … |
//! end marker `u32::MAX` | pair count `u64` | SHA-256 of everything before it.
//! The trailer makes truncation or corruption detectable: a snapshot that decodes is whole.

use std::{
    fs,
    io::{Cursor, Write},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard},
    time::{SystemTime, UNIX_EPOCH},
};

use openraft::{
    ErrorSubject, ErrorVerb, LogId, RaftSnapshotBuilder, Snapshot, SnapshotMeta, StorageError,
    StoredMembership,
};
use rocksdb::IteratorMode;
use sha2::{Digest, Sha256};

use crate::{
    db::{CF_DATA, CF_SM_META, Db, KEY_LAST_APPLIED, KEY_LAST_MEMBERSHIP, encode_json},
    error::StoreError,
    types::{ArcaNode, NodeId, TypeConfig},
};

/// Snapshot metadata as openraft defines it for our types.
pub(crate) type Meta = SnapshotMeta<NodeId, ArcaNode>;

const MAGIC: &[u8; 8] = b"ARCASNP1";
const END_MARKER: u32 = u32::MAX;
const DIGEST_LEN: usize = 32;
const CURRENT: &str = "current.snap";
const TMP: &str = "current.snap.tmp";

/// Streams a snapshot into the binary format.
pub(crate) struct SnapshotWriter {
    buf: Vec<u8>,
    count: u64,
}

impl SnapshotWriter {
    /// Starts a snapshot with its metadata header.
    pub(crate) fn new(meta: &Meta) -> Result<Self, StoreError> {
        let meta = encode_json(meta, "snapshot meta")?;
        let mut buf = Vec::with_capacity(MAGIC.len() + 4 + meta.len());
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&len_u32(meta.len())?.to_be_bytes());
        buf.extend_from_slice(&meta);
        Ok(Self { buf, count: 0 })
    }

    /// Appends one key/value pair.
    pub(crate) fn push(&mut self, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.buf
            .extend_from_slice(&len_u32(key.len())?.to_be_bytes());
        self.buf.extend_from_slice(key);
        self.buf
            .extend_from_slice(&len_u32(value.len())?.to_be_bytes());
        self.buf.extend_from_slice(value);
        self.count += 1;
        Ok(())
    }

    /// Writes the trailer and returns the snapshot bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&END_MARKER.to_be_bytes());
        self.buf.extend_from_slice(&self.count.to_be_bytes());
        let digest = Sha256::digest(&self.buf);
        self.buf.extend_from_slice(&digest);
        self.buf
    }
}

/// A length as `u32`, below the end marker.
fn len_u32(len: usize) -> Result<u32, StoreError> {
    u32::try_from(len)
        .ok()
        .filter(|l| *l != END_MARKER)
        .ok_or_else(|| StoreError::Snapshot(format!("record of {len} bytes is too large")))
}

/// A validated snapshot, borrowing its pairs from the encoded bytes.
pub(crate) struct DecodedSnapshot<'a> {
    /// The metadata the snapshot was built with.
    pub(crate) meta: Meta,
    /// Every key/value pair, in key order.
    pub(crate) pairs: Vec<(&'a str, &'a [u8])>,
}

/// Bounds-checked reading of the encoded bytes.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        if self.rest.len() < n {
            return Err(StoreError::Snapshot("truncated".into()));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, StoreError> {
        let b: [u8; 4] = self
            .take(4)?
            .try_into()
            .map_err(|_| StoreError::Snapshot("truncated".into()))?;
        Ok(u32::from_be_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, StoreError> {
        let b: [u8; 8] = self
            .take(8)?
            .try_into()
            .map_err(|_| StoreError::Snapshot("truncated".into()))?;
        Ok(u64::from_be_bytes(b))
    }

    fn len(&mut self) -> Result<usize, StoreError> {
        usize::try_from(self.u32()?).map_err(|_| StoreError::Snapshot("length overflow".into()))
    }
}

/// Validates and parses a snapshot.
pub(crate) fn decode(bytes: &[u8]) -> Result<DecodedSnapshot<'_>, StoreError> {
    if bytes.len() < MAGIC.len() + DIGEST_LEN || !bytes.starts_with(MAGIC) {
        return Err(StoreError::Snapshot("not an arca snapshot".into()));
    }
    let (body, digest) = bytes.split_at(bytes.len() - DIGEST_LEN);
    if Sha256::digest(body).as_slice() != digest {
        return Err(StoreError::Snapshot("checksum mismatch".into()));
    }
    let mut r = Reader {
        rest: &body[MAGIC.len()..],
    };
    let meta_len = r.len()?;
    let meta: Meta =
        serde_json::from_slice(r.take(meta_len)?).map_err(|source| StoreError::Decode {
            what: "snapshot meta",
            source,
        })?;
    let mut pairs = Vec::new();
    loop {
        let key_len = r.u32()?;
        if key_len == END_MARKER {
            break;
        }
        let key_len =
            usize::try_from(key_len).map_err(|_| StoreError::Snapshot("length overflow".into()))?;
        let key = std::str::from_utf8(r.take(key_len)?)
            .map_err(|_| StoreError::Snapshot("key is not UTF-8".into()))?;
        let value_len = r.len()?;
        let value = r.take(value_len)?;
        pairs.push((key, value));
    }
    let count = r.u64()?;
    if !r.rest.is_empty() || u64::try_from(pairs.len()).ok() != Some(count) {
        return Err(StoreError::Snapshot(
            "trailer does not match content".into(),
        ));
    }
    Ok(DecodedSnapshot { meta, pairs })
}

/// The node's current snapshot file. One file, replaced atomically (write, fsync, rename,
/// fsync the directory), so a crash leaves either the old or the new snapshot.
pub(crate) struct SnapshotStore {
    dir: PathBuf,
    /// Metadata of the stored snapshot; the lock also serialises file replacement.
    current: Mutex<Option<Meta>>,
}

impl SnapshotStore {
    /// Opens the snapshot directory, creating it and discarding interrupted writes.
    pub(crate) fn open(dir: &Path) -> Result<Self, StoreError> {
        fs::create_dir_all(dir)?;
        let tmp = dir.join(TMP);
        if tmp.exists() {
            fs::remove_file(&tmp)?;
        }
        let path = dir.join(CURRENT);
        let current = match read_if_exists(&path)? {
            None => None,
            Some(bytes) => match decode(&bytes) {
                Ok(d) => Some(d.meta),
                Err(e) => {
                    // The state machine in RocksDB is authoritative and openraft rebuilds a
                    // missing snapshot, so a damaged file is set aside rather than fatal.
                    tracing::error!(error = %e, "setting aside a damaged raft snapshot");
                    fs::rename(&path, dir.join("current.snap.damaged"))?;
                    None
                }
            },
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            current: Mutex::new(current),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Option<Meta>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Metadata of the stored snapshot, if any.
    pub(crate) fn current_meta(&self) -> Option<Meta> {
        self.lock().clone()
    }

    /// The stored snapshot, validated.
    pub(crate) fn load(&self) -> Result<Option<(Meta, Vec<u8>)>, StoreError> {
        let _guard = self.lock();
        match read_if_exists(&self.dir.join(CURRENT))? {
            None => Ok(None),
            Some(bytes) => {
                let meta = decode(&bytes)?.meta;
                Ok(Some((meta, bytes)))
            }
        }
    }

    /// Stores `bytes` as the current snapshot. With `only_if_newer`, a snapshot covering
    /// fewer logs than the stored one is dropped (a slow build racing an install) and
    /// `false` is returned.
    pub(crate) fn save(
        &self,
        meta: &Meta,
        bytes: &[u8],
        only_if_newer: bool,
    ) -> Result<bool, StoreError> {
        let mut current = self.lock();
        if only_if_newer
            && current
                .as_ref()
                .is_some_and(|c| c.last_log_id > meta.last_log_id)
        {
            return Ok(false);
        }
        let tmp = self.dir.join(TMP);
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, self.dir.join(CURRENT))?;
        fs::File::open(&self.dir)?.sync_all()?;
        *current = Some(meta.clone());
        Ok(true)
    }
}

/// Parses an optional JSON record.
pub(crate) fn decode_opt<T: serde::de::DeserializeOwned>(
    bytes: Option<Vec<u8>>,
    what: &'static str,
) -> Result<Option<T>, StoreError> {
    bytes
        .map(|b| serde_json::from_slice(&b).map_err(|source| StoreError::Decode { what, source }))
        .transpose()
}

fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Encodes the state machine as of one RocksDB snapshot: `data` and `sm_meta` are
/// written in the same batches, so the pairs and the applied log id always agree. Keys
/// starting with `skip` are left out (backups omit staged restore pairs).
pub(crate) fn build_from_db(db: &Db, skip: Option<&str>) -> Result<(Meta, Vec<u8>), StoreError> {
    let view = db.raw().snapshot();
    let sm_meta = db.cf(CF_SM_META)?;
    let last_log_id: Option<LogId<NodeId>> = decode_opt(
        view.get_cf(sm_meta, KEY_LAST_APPLIED)?,
        "last applied log id",
    )?
    .flatten();
    let last_membership: StoredMembership<NodeId, ArcaNode> = decode_opt(
        view.get_cf(sm_meta, KEY_LAST_MEMBERSHIP)?,
        "last membership",
    )?
    .unwrap_or_default();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let snapshot_id = match &last_log_id {
        Some(l) => format!("{l}-{nanos}"),
        None => format!("none-{nanos}"),
    };
    let meta = Meta {
        last_log_id,
        last_membership,
        snapshot_id,
    };
    let mut w = SnapshotWriter::new(&meta)?;
    for item in view.iterator_cf(db.cf(CF_DATA)?, IteratorMode::Start) {
        let (k, v) = item?;
        if skip.is_some_and(|p| k.starts_with(p.as_bytes())) {
            continue;
        }
        w.push(&k, &v)?;
    }
    Ok((meta, w.finish()))
}

/// Builds snapshots for openraft from the live database.
pub struct SnapshotBuilder {
    db: Db,
    snapshots: Arc<SnapshotStore>,
}

impl SnapshotBuilder {
    pub(crate) fn new(db: Db, snapshots: Arc<SnapshotStore>) -> Self {
        Self { db, snapshots }
    }
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError<NodeId>> {
        let snapshots = self.snapshots.clone();
        let (meta, bytes) = self
            .db
            .run(move |db| {
                let (meta, bytes) = build_from_db(db, None)?;
                snapshots.save(&meta, &bytes, true)?;
                Ok((meta, bytes))
            })
            .await
            .map_err(|e| e.into_raft(ErrorSubject::Snapshot(None), ErrorVerb::Write))?;
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(bytes)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(index: Option<u64>) -> Meta {
        Meta {
            last_log_id: index.map(|i| LogId::new(openraft::CommittedLeaderId::new(1, 1), i)),
            last_membership: StoredMembership::default(),
            snapshot_id: "s".into(),
        }
    }

    #[test]
    fn format_round_trips_and_detects_damage() {
        let mut w = SnapshotWriter::new(&meta(Some(4))).unwrap();
        w.push(b"a", b"1").unwrap();
        w.push(b"b/c", b"").unwrap();
        let bytes = w.finish();
        let d = decode(&bytes).unwrap();
        assert_eq!(d.meta, meta(Some(4)));
        assert_eq!(d.pairs, vec![("a", &b"1"[..]), ("b/c", &b""[..])]);

        // Truncation at any point, or a flipped byte, is rejected.
        for cut in [0, 8, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[12] ^= 1;
        assert!(decode(&flipped).is_err());
    }

    #[test]
    fn store_keeps_newest_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let s = SnapshotStore::open(dir.path()).unwrap();
        assert!(s.load().unwrap().is_none());
        let new = SnapshotWriter::new(&meta(Some(9))).unwrap().finish();
        let old = SnapshotWriter::new(&meta(Some(3))).unwrap().finish();
        assert!(s.save(&meta(Some(9)), &new, true).unwrap());
        assert!(!s.save(&meta(Some(3)), &old, true).unwrap());
        drop(s);
        let s = SnapshotStore::open(dir.path()).unwrap();
        assert_eq!(s.current_meta(), Some(meta(Some(9))));
        let (m, b) = s.load().unwrap().unwrap();
        assert_eq!((m, b), (meta(Some(9)), new));
        // An install replaces even a newer one.
        assert!(s.save(&meta(Some(3)), &old, false).unwrap());
        assert_eq!(s.current_meta(), Some(meta(Some(3))));
        drop(s);

        // A damaged file is set aside, not trusted.
        fs::write(
            dir.path().join(CURRENT),
            b"ARCASNP1 garbage that is long enough to parse",
        )
        .unwrap();
        let s = SnapshotStore::open(dir.path()).unwrap();
        assert_eq!(s.current_meta(), None);
        assert!(s.load().unwrap().is_none());
        assert!(dir.path().join("current.snap.damaged").exists());
    }
}
