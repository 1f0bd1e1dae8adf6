//! The barrier: sealed/unsealed state, the keyring, and committing transactions.

use std::{
    collections::BTreeMap,
    fmt,
    sync::{
        Arc, RwLock, RwLockReadGuard, RwLockWriteGuard,
        atomic::{AtomicU64, Ordering},
    },
};

use arca_crypto::{Key32, Zeroizing};
use arca_storage::{Batch, Condition, Op, Physical, fingerprint};
use serde::Serialize;

use crate::{BarrierError, Transaction, format, keyring::Keyring};

/// Physical path of the encrypted keyring. Reserved: transactions cannot touch it.
pub const KEYRING_PATH: &str = "core/keyring";

/// True for paths that belong to the barrier itself and are refused (or hidden from
/// listings) in transactions.
pub fn is_reserved(key: &str) -> bool {
    key == KEYRING_PATH
}

/// What `sys/key-status` reports about the active key term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyStatus {
    /// The active term's number (1 after initialisation, +1 per rotation).
    pub term: u32,
    /// When the active term was installed (RFC 3339).
    pub install_time: String,
    /// Values this node has encrypted with the active term since it was unsealed or
    /// the term was installed.
    pub encryptions: u64,
}

/// Keys held while unsealed. Dropping this wipes them (every key type zeroises).
struct Unsealed {
    root_key: Key32,
    keyring: Keyring,
    /// Fingerprint of the stored keyring this state came from, so a rotation only
    /// replaces the keyring it has seen.
    fingerprint: [u8; 32],
}

/// State shared by the barrier and its transactions.
pub(crate) struct Inner {
    pub(crate) physical: Arc<dyn Physical>,
    state: RwLock<Option<Unsealed>>,
    encryptions: AtomicU64,
    /// Serialises rotations (and keyring reloads) on this node.
    keyring_update: tokio::sync::Mutex<()>,
}

/// The encrypted barrier over a [`Physical`] store. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Barrier {
    inner: Arc<Inner>,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("sealed", &self.is_sealed())
            .finish_non_exhaustive()
    }
}

impl Barrier {
    /// A sealed barrier over `physical`.
    pub fn new(physical: Arc<dyn Physical>) -> Self {
        Barrier {
            inner: Arc::new(Inner {
                physical,
                state: RwLock::new(None),
                encryptions: AtomicU64::new(0),
                keyring_update: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Whether a keyring exists in storage (the barrier was initialised, here or on
    /// another node of the cluster).
    pub async fn initialized(&self) -> Result<bool, BarrierError> {
        Ok(self.inner.physical.get(KEYRING_PATH).await?.is_some())
    }

    /// Creates the keyring (term 1) encrypted under `root_key`. Refuses if a keyring
    /// exists, also when another node creates one at the same moment. The barrier stays
    /// sealed; call [`Barrier::unseal`] next.
    pub async fn initialize(&self, root_key: &Key32) -> Result<(), BarrierError> {
        if self.initialized().await? {
            return Err(BarrierError::AlreadyInitialized);
        }
        let blob = Keyring::first()?.encrypt(root_key)?;
        let batch = Batch {
            conditions: vec![Condition {
                key: KEYRING_PATH.into(),
                fingerprint: None,
            }],
            ops: vec![Op::Put {
                key: KEYRING_PATH.into(),
                value: blob,
            }],
        };
        match self
            .inner
            .physical
            .commit(batch)
            .await
            .map_err(BarrierError::from)
        {
            Err(BarrierError::Conflict) => Err(BarrierError::AlreadyInitialized),
            other => other,
        }
    }

    /// Loads the keyring with `root_key`. A key that does not decrypt it gives
    /// [`BarrierError::InvalidKey`]; an already unsealed barrier stays as it is.
    pub async fn unseal(&self, root_key: &Key32) -> Result<(), BarrierError> {
        if !self.is_sealed() {
            return Ok(());
        }
        let blob = self
            .inner
            .physical
            .get(KEYRING_PATH)
            .await?
            .ok_or(BarrierError::NotInitialized)?;
        let keyring = Keyring::decrypt(root_key, &blob)?;
        let mut state = self.inner.write();
        if state.is_none() {
            *state = Some(Unsealed {
                root_key: root_key.clone(),
                keyring,
                fingerprint: fingerprint(&blob),
            });
            self.inner.encryptions.store(0, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Forgets the root key and keyring (they are wiped); everything is refused with
    /// [`BarrierError::Sealed`] until the next unseal.
    pub fn seal(&self) {
        *self.inner.write() = None;
    }

    /// Whether the barrier is sealed.
    pub fn is_sealed(&self) -> bool {
        self.inner.read().is_none()
    }

    /// Installs a new key term for all further writes; older terms stay for reading.
    /// The new keyring is written in one conditional batch: if another node rotated
    /// meanwhile, this returns [`BarrierError::Conflict`] after loading that keyring.
    pub async fn rotate(&self) -> Result<KeyStatus, BarrierError> {
        let _guard = self.inner.keyring_update.lock().await;
        let (ring, blob, seen) = {
            let state = self.inner.read();
            let u = state.as_ref().ok_or(BarrierError::Sealed)?;
            let ring = u.keyring.rotated()?;
            let blob = ring.encrypt(&u.root_key)?;
            (ring, blob, u.fingerprint)
        };
        let stored = fingerprint(&blob);
        self.replace_keyring(seen, blob, vec![]).await?;
        let status = KeyStatus {
            term: ring.active_term(),
            install_time: ring.active()?.install_time.clone(),
            encryptions: 0,
        };
        if let Some(u) = self.inner.write().as_mut() {
            u.keyring = ring;
            u.fingerprint = stored;
            self.inner.encryptions.store(0, Ordering::Relaxed);
        }
        Ok(status)
    }

    /// Writes a new keyring `blob` (and `extra` ops bound to it) in one batch that applies
    /// only if the stored keyring is still the one this node read (`seen`). Another node's
    /// change in between gives [`BarrierError::Conflict`] after loading its keyring, so the
    /// caller can retry on fresh state. Callers hold `keyring_update`.
    async fn replace_keyring(
        &self,
        seen: [u8; 32],
        blob: Vec<u8>,
        extra: Vec<Op>,
    ) -> Result<(), BarrierError> {
        let mut ops = vec![Op::Put {
            key: KEYRING_PATH.into(),
            value: blob,
        }];
        ops.extend(extra);
        let batch = Batch {
            conditions: vec![Condition {
                key: KEYRING_PATH.into(),
                fingerprint: Some(seen),
            }],
            ops,
        };
        match self
            .inner
            .physical
            .commit(batch)
            .await
            .map_err(BarrierError::from)
        {
            Err(BarrierError::Conflict) => {
                self.inner.reload_locked().await?;
                Err(BarrierError::Conflict)
            }
            other => other,
        }
    }

    /// Changes the root key (a barrier rekey under an auto seal): the keyring, terms
    /// unchanged, is encrypted under `new_root` and written with `extra` (the wrapped
    /// new root key and what else is bound to it) in one batch, on condition that the
    /// stored keyring is still the one this node holds. Data needs no rewriting: it is
    /// encrypted by the terms, not by the root key.
    pub async fn rekey_root(&self, new_root: &Key32, extra: Vec<Op>) -> Result<(), BarrierError> {
        let _guard = self.inner.keyring_update.lock().await;
        let (blob, seen) = {
            let state = self.inner.read();
            let u = state.as_ref().ok_or(BarrierError::Sealed)?;
            (u.keyring.encrypt(new_root)?, u.fingerprint)
        };
        let stored = fingerprint(&blob);
        self.replace_keyring(seen, blob, extra).await?;
        if let Some(u) = self.inner.write().as_mut() {
            u.root_key = new_root.clone();
            u.fingerprint = stored;
        }
        Ok(())
    }

    /// Adopts a root key another node installed ([`Barrier::rekey_root`] there): it
    /// must decrypt the stored keyring, which is loaded with it. `Ok(false)` when the
    /// barrier already holds that key.
    pub async fn adopt_root_key(&self, root_key: &Key32) -> Result<bool, BarrierError> {
        let _guard = self.inner.keyring_update.lock().await;
        {
            let state = self.inner.read();
            let u = state.as_ref().ok_or(BarrierError::Sealed)?;
            if u.root_key == *root_key {
                return Ok(false);
            }
        }
        let blob = self
            .inner
            .physical
            .get(KEYRING_PATH)
            .await?
            .ok_or(BarrierError::NotInitialized)?;
        let keyring = Keyring::decrypt(root_key, &blob)?;
        if let Some(u) = self.inner.write().as_mut() {
            if keyring.active_term() != u.keyring.active_term() {
                self.inner.encryptions.store(0, Ordering::Relaxed);
            }
            u.root_key = root_key.clone();
            u.keyring = keyring;
            u.fingerprint = fingerprint(&blob);
        }
        Ok(true)
    }

    /// Re-reads the keyring from storage with the root key held in memory, e.g. after
    /// another node rotated. Reads of values with an unknown term do this by themselves.
    pub async fn reload_keyring(&self) -> Result<(), BarrierError> {
        self.inner.reload().await
    }

    /// The active term, its install time and this node's encryption count.
    pub fn key_status(&self) -> Result<KeyStatus, BarrierError> {
        let state = self.inner.read();
        let u = state.as_ref().ok_or(BarrierError::Sealed)?;
        Ok(KeyStatus {
            term: u.keyring.active_term(),
            install_time: u.keyring.active()?.install_time.clone(),
            encryptions: self.inner.encryptions.load(Ordering::Relaxed),
        })
    }

    /// A new transaction: the storage one request sees. Works while sealed too, but
    /// every operation on it then fails with [`BarrierError::Sealed`].
    pub fn begin(&self) -> Transaction {
        Transaction::new(self.inner.clone())
    }

    /// Encrypts the transaction's writes with the active term and applies them, with a
    /// condition for every key it read, as one atomic batch. A transaction without
    /// writes commits nothing. The transaction is finished afterwards, whatever the
    /// outcome; on [`BarrierError::Conflict`] nothing of it was applied and the request
    /// can be retried from the start with a new transaction.
    pub async fn commit(&self, tx: &Transaction) -> Result<(), BarrierError> {
        if !tx.belongs_to(&self.inner) {
            return Err(BarrierError::ForeignTransaction);
        }
        let (reads, writes) = tx.finish()?;
        if writes.is_empty() {
            return Ok(());
        }
        // Vault times each put/delete; here one batch makes them all durable, so every
        // written key gets one sample of the whole commit (encryption + replication).
        let puts = writes.values().filter(|v| v.is_some()).count();
        let deletes = writes.len() - puts;
        let start = std::time::Instant::now();
        let result = match self.inner.seal_batch(reads, writes) {
            Ok(batch) => self.inner.physical.commit(batch).await.map_err(Into::into),
            Err(e) => Err(e),
        };
        arca_telemetry::emit::measure_since_n(arca_telemetry::names::BARRIER_PUT, start, puts);
        arca_telemetry::emit::measure_since_n(
            arca_telemetry::names::BARRIER_DELETE,
            start,
            deletes,
        );
        result
    }
}

impl Inner {
    fn read(&self) -> RwLockReadGuard<'_, Option<Unsealed>> {
        // A poisoned lock only means a panic elsewhere; the state itself is consistent
        // (it is replaced whole).
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Option<Unsealed>> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Fails with [`BarrierError::Sealed`] when sealed.
    pub(crate) fn check_unsealed(&self) -> Result<(), BarrierError> {
        if self.read().is_none() {
            return Err(BarrierError::Sealed);
        }
        Ok(())
    }

    /// Builds the batch for a transaction: conditions from its reads, its writes
    /// encrypted under the active term with each path as associated data.
    fn seal_batch(
        &self,
        reads: BTreeMap<String, Option<[u8; 32]>>,
        writes: BTreeMap<String, Option<Zeroizing<Vec<u8>>>>,
    ) -> Result<Batch, BarrierError> {
        let state = self.read();
        let u = state.as_ref().ok_or(BarrierError::Sealed)?;
        let term = u.keyring.active_term();
        let cipher = &u.keyring.active()?.cipher;
        let mut ops = Vec::with_capacity(writes.len());
        let mut puts = 0u64;
        for (key, value) in writes {
            match value {
                Some(plaintext) => {
                    let mut out = Vec::with_capacity(
                        format::HEADER_LEN + arca_crypto::OVERHEAD + plaintext.len(),
                    );
                    out.extend_from_slice(&format::header(term));
                    cipher.seal_into(&plaintext, key.as_bytes(), &mut out)?;
                    ops.push(Op::Put { key, value: out });
                    puts += 1;
                }
                None => ops.push(Op::Delete { key }),
            }
        }
        self.encryptions.fetch_add(puts, Ordering::Relaxed);
        let conditions = reads
            .into_iter()
            .map(|(key, fingerprint)| Condition { key, fingerprint })
            .collect();
        Ok(Batch { conditions, ops })
    }

    /// Decrypts the value stored at `key`. A term this node does not know (another
    /// node rotated) triggers one keyring reload before giving up.
    pub(crate) async fn decrypt(&self, key: &str, value: &[u8]) -> Result<Vec<u8>, BarrierError> {
        let (term, body) =
            format::parse(value).ok_or_else(|| BarrierError::Decrypt(key.to_string()))?;
        if let Some(plain) = self.try_decrypt(key, term, body)? {
            return Ok(plain);
        }
        self.reload().await?;
        self.try_decrypt(key, term, body)?
            .ok_or_else(|| BarrierError::UnknownTerm {
                key: key.to_string(),
                term,
            })
    }

    /// `Ok(None)` when the term is unknown.
    fn try_decrypt(
        &self,
        key: &str,
        term: u32,
        body: &[u8],
    ) -> Result<Option<Vec<u8>>, BarrierError> {
        let state = self.read();
        let u = state.as_ref().ok_or(BarrierError::Sealed)?;
        let Some(term_key) = u.keyring.term(term) else {
            return Ok(None);
        };
        let mut plain = term_key
            .cipher
            .open(body, key.as_bytes())
            .map_err(|_| BarrierError::Decrypt(key.to_string()))?;
        // The Storage contract hands out plain vectors; move the bytes out, no copy.
        Ok(Some(std::mem::take(&mut *plain)))
    }

    /// Reloads the keyring from storage (see [`Barrier::reload_keyring`]).
    async fn reload(&self) -> Result<(), BarrierError> {
        let _guard = self.keyring_update.lock().await;
        self.reload_locked().await
    }

    /// [`Inner::reload`] for callers already holding `keyring_update`.
    async fn reload_locked(&self) -> Result<(), BarrierError> {
        let blob = self
            .physical
            .get(KEYRING_PATH)
            .await?
            .ok_or(BarrierError::NotInitialized)?;
        let stored = fingerprint(&blob);
        let root_key = {
            let state = self.read();
            let u = state.as_ref().ok_or(BarrierError::Sealed)?;
            if u.fingerprint == stored {
                return Ok(());
            }
            u.root_key.clone()
        };
        let keyring = Keyring::decrypt(&root_key, &blob)?;
        if let Some(u) = self.write().as_mut() {
            // Never step back to an older keyring (a lagging replica's copy).
            if keyring.active_term() < u.keyring.active_term() {
                return Ok(());
            }
            if u.keyring.active_term() != keyring.active_term() {
                self.encryptions.store(0, Ordering::Relaxed);
            }
            u.keyring = keyring;
            u.fingerprint = stored;
        }
        Ok(())
    }
}
