//! Revoking leases: one lease (a token lease revokes its token tree, a secret lease
//! calls its backend's revoke handler), every lease under a prefix, and tidying leases
//! whose token is gone.

use std::sync::Arc;

use arca_sdk::{Error, Operation, Storage};

use super::{
    entry::{self, LeaseEntry},
    hints::{Hint, note},
};
use crate::{Core, token::TokenStore};

/// Leases revoked per transaction by a prefix revocation.
const PREFIX_CHUNK: usize = 256;
/// Attempts per chunk when its transaction conflicts with concurrent requests.
const CHUNK_CONFLICT_RETRIES: usize = 16;

impl Core {
    /// Revokes one lease whose record is `record`. A failing backend keeps the lease
    /// unless `force` (then only the record goes, as `revoke-force` does).
    pub(crate) async fn revoke_lease_entry(
        &self,
        storage: Arc<dyn Storage>,
        record: &LeaseEntry,
        force: bool,
    ) -> Result<(), Error> {
        if record.auth {
            TokenStore::revoke_tree(storage.as_ref(), &record.client_token_hash).await?;
        } else if let Some((_, backend, req)) = self
            .lease_backend(storage.clone(), &record.path, Operation::Delete)
            .await?
            && let Err(e) = backend.revoke_secret(req, record.to_lease_info(0)).await
        {
            if !force {
                return Err(Error::bad_request(format!("failed to revoke entry: {e}")));
            }
            tracing::warn!(lease_id = %record.lease_id, error = %e, "revocation failed; lease removed anyway (force)");
        }
        entry::delete(storage.as_ref(), record).await?;
        note(Hint::Remove(record.lease_id.clone()));
        tracing::debug!(lease_id = %record.lease_id, "lease revoked");
        Ok(())
    }

    /// Revokes `lease_id`; a lease that does not exist is already revoked.
    pub(crate) async fn revoke_lease(
        &self,
        storage: Arc<dyn Storage>,
        lease_id: &str,
        force: bool,
    ) -> Result<(), Error> {
        match entry::load(storage.as_ref(), lease_id).await? {
            Some(record) => self.revoke_lease_entry(storage, &record, force).await,
            None => Ok(()),
        }
    }

    /// Marks `lease_id` as expired now so the expiration worker revokes it shortly
    /// (`sync=false`).
    pub(crate) async fn revoke_lease_later(
        &self,
        storage: &dyn Storage,
        lease_id: &str,
    ) -> Result<(), Error> {
        if let Some(mut record) = entry::load(storage, lease_id).await? {
            let now = self.now_ms();
            record.expire_time_ms = now;
            entry::save(storage, &record).await?;
            note(Hint::Check(record.lease_id, now));
        }
        Ok(())
    }

    /// Revokes every lease whose id starts with `prefix` (a whole segment: `prefix`
    /// names a lease or a folder of leases). A single lease goes in the caller's
    /// transaction; a folder in chunks of [`PREFIX_CHUNK`] leases, each committed on its
    /// own (as Vault revokes them one by one). Returns how many were revoked.
    pub(crate) async fn revoke_prefix(
        &self,
        storage: Arc<dyn Storage>,
        prefix: &str,
        force: bool,
        sync: bool,
    ) -> Result<usize, Error> {
        if !prefix.ends_with('/')
            && let Some(record) = entry::load(storage.as_ref(), prefix).await?
        {
            if sync {
                self.revoke_lease_entry(storage, &record, force).await?;
            } else {
                self.revoke_lease_later(storage.as_ref(), prefix).await?;
            }
            return Ok(1);
        }
        let folder = format!("{}/", prefix.trim_end_matches('/'));
        if !entry::valid_lease_id(&folder) {
            return Err(Error::bad_request("invalid lease prefix"));
        }
        let ids = entry::ids_under(storage.as_ref(), &folder).await?;
        let total = ids.len();
        for (n, chunk) in ids.chunks(PREFIX_CHUNK).enumerate() {
            self.revoke_chunk(chunk, force, sync).await.map_err(|e| {
                Error::bad_request(format!(
                    "failed to revoke leases under {prefix:?} (after {} of {total}): {e}",
                    n * PREFIX_CHUNK
                ))
            })?;
        }
        Ok(total)
    }

    /// Revokes (or, without `sync`, schedules) `ids` in a transaction of their own, so a
    /// prefix of any size is revoked in bounded raft entries.
    async fn revoke_chunk(&self, ids: &[String], force: bool, sync: bool) -> Result<(), Error> {
        for _ in 0..CHUNK_CONFLICT_RETRIES {
            let (result, hints) = super::hints::track(async {
                let tx = self.barrier.begin();
                let storage: Arc<dyn Storage> = Arc::new(tx.clone());
                for id in ids {
                    if sync {
                        self.revoke_lease(storage.clone(), id, force).await?;
                    } else {
                        self.revoke_lease_later(storage.as_ref(), id).await?;
                    }
                }
                self.barrier
                    .commit(&tx)
                    .await
                    .map_err(crate::seal_state::barrier_err)
            })
            .await;
            match result {
                Ok(()) => {
                    self.expiration.apply(hints);
                    return Ok(());
                }
                Err(Error::Conflict) => tokio::task::yield_now().await,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Unavailable(
            "too many concurrent conflicting writes, please retry".into(),
        ))
    }

    /// `sys/leases/tidy`: revokes (forcibly) leases whose owning token no longer
    /// exists, and drops token leases left behind by their token. One transaction per
    /// lease; returns how many were removed.
    pub(crate) async fn tidy_leases(&self) -> Result<usize, Error> {
        let ids = {
            let tx = self.barrier.begin();
            entry::ids_under(&tx, "").await?
        };
        let mut removed = 0;
        for id in ids {
            match self.tidy_one(&id).await {
                Ok(true) => removed += 1,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(lease_id = %id, error = %e, "tidy: could not check a lease")
                }
            }
        }
        tracing::info!(removed, "lease tidy finished");
        Ok(removed)
    }

    async fn tidy_one(&self, lease_id: &str) -> Result<bool, Error> {
        let (result, hints) = super::hints::track(async {
            let tx = self.barrier.begin();
            let storage: Arc<dyn Storage> = Arc::new(tx.clone());
            let Some(record) = entry::load(storage.as_ref(), lease_id).await? else {
                return Ok(false);
            };
            // Unowned leases (issued to batch tokens) live until they expire.
            let keep = record.client_token_hash.is_empty()
                || TokenStore::get(storage.as_ref(), &record.client_token_hash)
                    .await?
                    .is_some();
            if keep {
                return Ok(false);
            }
            if record.auth {
                entry::delete(storage.as_ref(), &record).await?;
                note(Hint::Remove(record.lease_id.clone()));
            } else {
                self.revoke_lease_entry(storage, &record, true).await?;
            }
            self.barrier
                .commit(&tx)
                .await
                .map_err(crate::seal_state::barrier_err)?;
            Ok(true)
        })
        .await;
        if result.is_ok() {
            self.expiration.apply(hints);
        }
        result
    }
}
