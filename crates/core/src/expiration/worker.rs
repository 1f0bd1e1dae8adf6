//! The expiration worker: on the active node it loads the schedule from the barrier,
//! then revokes each lease when it is due. It stops (and forgets the schedule) while the
//! node is sealed or a standby, and loads it again when the node becomes active, so
//! leases survive restarts and leader changes.

use std::{
    sync::{Arc, Weak},
    time::Duration,
};

use arca_sdk::{Error, Storage};

use super::{
    Expiration,
    entry::{self, LeaseEntry},
    hints::track,
    index::NEVER,
};
use crate::{Core, token::TokenStore};

/// Longest sleep between two looks at the node's state and the schedule.
const TICK: Duration = Duration::from_secs(1);
/// Leases taken from the schedule per round.
const BATCH: usize = 256;
/// Delay before a failed revocation is tried again (ms).
const RETRY_MS: i64 = 10_000;
/// Attempts per lease when its transaction conflicts with a request.
const CONFLICT_RETRIES: usize = 8;

/// Starts the worker of `core` on the current tokio runtime (none outside a runtime).
/// It ends once the core is dropped.
pub(crate) fn spawn(core: &Arc<Core>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(run(Arc::downgrade(core), core.expiration.clone()));
}

async fn run(core: Weak<Core>, state: Arc<Expiration>) {
    let mut active = false;
    loop {
        let wait = {
            let Some(core) = core.upgrade() else {
                return;
            };
            let now_active = !core.is_sealed() && core.cluster.is_active();
            if now_active && !active {
                state.clear();
                match load(&core, &state).await {
                    Ok(n) => {
                        active = true;
                        state.set_started(true);
                        tracing::info!(leases = n, "expiration manager started");
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot load leases; will retry"),
                }
            } else if !now_active && active {
                state.set_started(false);
                state.clear();
                active = false;
                tracing::debug!("expiration manager stopped");
            }
            if active {
                expire_due(&core, &state).await;
            }
            let until_due = state
                .next_due()
                .map(|at| Duration::from_millis(at.saturating_sub(core.now_ms()).max(0) as u64));
            until_due.map_or(TICK, |d| d.min(TICK))
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.wake.notified() => {}
        }
    }
}

/// Rebuilds the schedule from the lease records. Returns how many leases it holds.
async fn load(core: &Core, state: &Expiration) -> Result<usize, Error> {
    core.physical.read_barrier().await.map_err(Error::storage)?;
    let tx = core.barrier.begin();
    for id in entry::ids_under(&tx, "").await? {
        if let Some(record) = entry::load(&tx, &id).await? {
            state.check(&id, record.expires_at_ms().unwrap_or(NEVER));
        }
    }
    Ok(state.len())
}

/// Handles every lease that is due now.
pub(crate) async fn expire_due(core: &Core, state: &Expiration) {
    if state.next_due().is_none_or(|at| at > core.now_ms()) {
        return;
    }
    if let Err(e) = core.physical.read_barrier().await {
        tracing::debug!(error = %e, "expiration: storage not readable yet");
        return;
    }
    loop {
        let due = state.pop_due(core.now_ms(), BATCH);
        if due.is_empty() {
            return;
        }
        for id in due {
            expire_one(core, state, &id).await;
        }
    }
}

/// What the worker did with a due lease.
enum Outcome {
    /// The lease is gone (revoked now or earlier).
    Gone,
    /// Not due after all (renewed): look again then.
    Later(i64),
}

async fn expire_one(core: &Core, state: &Expiration, lease_id: &str) {
    for _ in 0..CONFLICT_RETRIES {
        let (result, hints) = track(async {
            let tx = core.barrier.begin();
            let storage: Arc<dyn Storage> = Arc::new(tx.clone());
            let outcome = settle(core, storage, lease_id).await?;
            core.barrier
                .commit(&tx)
                .await
                .map_err(crate::seal_state::barrier_err)?;
            Ok::<_, Error>(outcome)
        })
        .await;
        match result {
            Ok(outcome) => {
                state.apply(hints);
                match outcome {
                    Outcome::Gone => state.remove(lease_id),
                    Outcome::Later(at) => state.set(lease_id, at),
                }
                return;
            }
            Err(Error::Conflict) => tokio::task::yield_now().await,
            Err(e) => {
                tracing::warn!(lease_id, error = %e, "failed to revoke a lease; will retry");
                state.set(lease_id, core.now_ms().saturating_add(RETRY_MS));
                return;
            }
        }
    }
    state.set(lease_id, core.now_ms().saturating_add(RETRY_MS));
}

/// Reads the lease and revokes it if it is due (or its token is gone).
async fn settle(core: &Core, storage: Arc<dyn Storage>, lease_id: &str) -> Result<Outcome, Error> {
    let Some(record) = entry::load(storage.as_ref(), lease_id).await? else {
        return Ok(Outcome::Gone);
    };
    let now = core.now_ms();
    let owner = if record.client_token_hash.is_empty() {
        None
    } else {
        TokenStore::get(storage.as_ref(), &record.client_token_hash).await?
    };
    if record.auth {
        let Some(token) = owner else {
            // The token went without its lease record (e.g. revoked while a standby
            // handled nothing): only the record is left.
            entry::delete(storage.as_ref(), &record).await?;
            return Ok(Outcome::Gone);
        };
        // The token entry is the truth about its expiry (renewals update both).
        match token.expires_at_ms() {
            None => return Ok(Outcome::Later(NEVER)),
            Some(at) if at > now => {
                sync_expiry(storage.as_ref(), record, at).await?;
                return Ok(Outcome::Later(at));
            }
            Some(_) => {}
        }
        tracing::debug!(lease_id, "token expired");
    } else {
        let owner_gone = !record.client_token_hash.is_empty() && owner.is_none();
        if !owner_gone {
            match record.expires_at_ms() {
                None => return Ok(Outcome::Later(NEVER)),
                Some(at) if at > now => return Ok(Outcome::Later(at)),
                Some(_) => {}
            }
        }
    }
    core.revoke_lease_entry(storage, &record, false).await?;
    Ok(Outcome::Gone)
}

/// Brings a token lease's expiry in line with its token.
async fn sync_expiry(storage: &dyn Storage, mut record: LeaseEntry, at: i64) -> Result<(), Error> {
    if record.expire_time_ms != at {
        record.expire_time_ms = at;
        entry::save(storage, &record).await?;
    }
    Ok(())
}
