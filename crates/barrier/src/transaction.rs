//! A request's view of the barrier: buffered writes, recorded reads.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    sync::{Arc, Mutex, MutexGuard},
};

use arca_crypto::Zeroizing;
use arca_sdk::{Error, Storage, storage::children_of};
use arca_storage::fingerprint;
use async_trait::async_trait;

use crate::{BarrierError, barrier::Inner, is_reserved};

/// Reads recorded (first read of each key: fingerprint of the ciphertext, or `None`
/// when absent) and writes buffered (`None` = delete; latest wins).
type Reads = BTreeMap<String, Option<[u8; 32]>>;
type Writes = BTreeMap<String, Option<Zeroizing<Vec<u8>>>>;

#[derive(Default)]
struct TxState {
    reads: Reads,
    writes: Writes,
    finished: bool,
}

/// The storage one request works on, committed by [`crate::Barrier::commit`].
///
/// Why a handle: a handler receives it as `Arc<dyn Storage>` (often through a
/// `StorageView`), while the core keeps a clone to commit afterwards, so all clones
/// share one state behind a mutex (never held across an await). Buffered plaintext is
/// wiped when dropped.
#[derive(Clone)]
pub struct Transaction {
    barrier: Arc<Inner>,
    state: Arc<Mutex<TxState>>,
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.lock();
        f.debug_struct("Transaction")
            .field("reads", &st.reads.len())
            .field("writes", &st.writes.len())
            .field("finished", &st.finished)
            .finish()
    }
}

impl Transaction {
    pub(crate) fn new(barrier: Arc<Inner>) -> Self {
        Transaction {
            barrier,
            state: Arc::new(Mutex::new(TxState::default())),
        }
    }

    fn lock(&self) -> MutexGuard<'_, TxState> {
        // A poisoned lock only means a panic elsewhere while it was held; the maps are
        // still consistent (every update is a single insert).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn belongs_to(&self, barrier: &Arc<Inner>) -> bool {
        Arc::ptr_eq(&self.barrier, barrier)
    }

    /// Whether anything was written or deleted (whether a commit would write).
    pub fn has_writes(&self) -> bool {
        !self.lock().writes.is_empty()
    }

    /// Whether the transaction was committed (successfully or not).
    pub fn is_finished(&self) -> bool {
        self.lock().finished
    }

    /// Marks the transaction finished and hands over its reads and writes.
    pub(crate) fn finish(&self) -> Result<(Reads, Writes), BarrierError> {
        let mut st = self.lock();
        if st.finished {
            return Err(BarrierError::Finished);
        }
        st.finished = true;
        Ok((
            std::mem::take(&mut st.reads),
            std::mem::take(&mut st.writes),
        ))
    }

    /// Refuses reserved paths, sealed barriers and finished transactions.
    fn check(&self, key: &str) -> Result<(), BarrierError> {
        if is_reserved(key) {
            return Err(BarrierError::Reserved(key.to_string()));
        }
        self.barrier.check_unsealed()?;
        if self.lock().finished {
            return Err(BarrierError::Finished);
        }
        Ok(())
    }

    /// A buffered write of `key`: `Some(None)` when deleted here, `None` when untouched.
    fn buffered(&self, key: &str) -> Option<Option<Vec<u8>>> {
        self.lock()
            .writes
            .get(key)
            .map(|v| v.as_ref().map(|b| b.to_vec()))
    }

    /// Reads `key`: this transaction's own write if any, else the stored value
    /// (decrypted), recording what was read for the commit's conditions.
    pub async fn get_value(&self, key: &str) -> Result<Option<Vec<u8>>, BarrierError> {
        self.check(key)?;
        if let Some(own) = self.buffered(key) {
            return Ok(own);
        }
        let start = std::time::Instant::now();
        let result = self.read_stored(key).await;
        arca_telemetry::emit::measure_since(arca_telemetry::names::BARRIER_GET, start);
        result
    }

    /// The stored value of `key` (decrypted), recorded for the commit's conditions.
    async fn read_stored(&self, key: &str) -> Result<Option<Vec<u8>>, BarrierError> {
        let stored = self.barrier.physical.get(key).await?;
        {
            let mut st = self.lock();
            if let Some(own) = st.writes.get(key) {
                // Written by this transaction while the read was under way.
                return Ok(own.as_ref().map(|b| b.to_vec()));
            }
            st.reads
                .entry(key.to_string())
                .or_insert_with(|| stored.as_deref().map(fingerprint));
        }
        match stored {
            None => Ok(None),
            Some(ciphertext) => Ok(Some(self.barrier.decrypt(key, &ciphertext).await?)),
        }
    }

    /// Buffers `value` for `key` (encrypted at commit).
    pub fn put_value(&self, key: &str, value: Vec<u8>) -> Result<(), BarrierError> {
        self.check(key)?;
        self.lock()
            .writes
            .insert(key.to_string(), Some(Zeroizing::new(value)));
        Ok(())
    }

    /// Buffers the deletion of `key`.
    pub fn delete_value(&self, key: &str) -> Result<(), BarrierError> {
        self.check(key)?;
        self.lock().writes.insert(key.to_string(), None);
        Ok(())
    }

    /// Immediate children of `prefix`: stored keys plus this transaction's puts, minus
    /// its deletes, without reserved paths.
    pub async fn list_keys(&self, prefix: &str) -> Result<Vec<String>, BarrierError> {
        let start = std::time::Instant::now();
        let result = self.list_merged(prefix).await;
        arca_telemetry::emit::measure_since(arca_telemetry::names::BARRIER_LIST, start);
        result
    }

    /// [`Transaction::list_keys`] without the timing.
    async fn list_merged(&self, prefix: &str) -> Result<Vec<String>, BarrierError> {
        self.barrier.check_unsealed()?;
        if self.lock().finished {
            return Err(BarrierError::Finished);
        }
        let stored = self.barrier.physical.list_keys(prefix).await?;
        let mut keys: BTreeSet<String> = stored.into_iter().collect();
        {
            let st = self.lock();
            for (key, value) in st
                .writes
                .range(prefix.to_string()..)
                .take_while(|(k, _)| k.starts_with(prefix))
            {
                if value.is_some() {
                    keys.insert(key.clone());
                } else {
                    keys.remove(key);
                }
            }
        }
        Ok(children_of(
            prefix,
            keys.iter().map(String::as_str).filter(|k| !is_reserved(k)),
        ))
    }
}

#[async_trait]
impl Storage for Transaction {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.get_value(key).await?)
    }
    async fn put(&self, key: &str, value: Vec<u8>) -> Result<(), Error> {
        Ok(self.put_value(key, value)?)
    }
    async fn delete(&self, key: &str) -> Result<(), Error> {
        Ok(self.delete_value(key)?)
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>, Error> {
        Ok(self.list_keys(prefix).await?)
    }
}
