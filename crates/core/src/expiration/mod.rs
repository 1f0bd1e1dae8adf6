//! Leases and the expiration manager.
//!
//! Every token created through a creation or login path, and every secret a backend
//! hands out with a secret type, has a lease: a record in the barrier
//! (`sys/expire/id/<lease id>`, see [`entry`]) so that it survives restarts and leader
//! changes. The active node keeps an in-memory schedule of expiries ([`index`]), loaded
//! from the records when it becomes active and updated by requests once they commit
//! ([`hints`]); its worker ([`worker`]) revokes each lease when due. Revoking a token
//! lease revokes the token tree; revoking a secret lease calls the issuing backend's
//! revoke handler; revoking a token schedules the secret leases it owns. The
//! `sys/leases/*` routes are in `sys::leases`.

pub(crate) mod entry;
pub(crate) mod hints;
pub(crate) mod index;
mod revoke;
mod secrets;
pub(crate) mod tokens;
pub(crate) mod worker;

use std::sync::{
    Mutex,
    atomic::{AtomicBool, Ordering},
};

pub use entry::LeaseEntry;
use hints::Hint;
use index::LeaseIndex;

/// The core's expiration state: the schedule and the worker's wake-up call.
#[derive(Default)]
pub(crate) struct Expiration {
    index: Mutex<LeaseIndex>,
    wake: tokio::sync::Notify,
    /// True while the worker runs on this (active) node with the schedule loaded.
    started: AtomicBool,
}

impl Expiration {
    fn index(&self) -> std::sync::MutexGuard<'_, LeaseIndex> {
        // A panic while holding the lock cannot leave the index half-updated in a way
        // that matters: it is a hint, checked against the records.
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies the hints of a committed transaction; wakes the worker when something
    /// became due earlier than anything before.
    pub(crate) fn apply(&self, hints: Vec<Hint>) {
        if hints.is_empty() {
            return;
        }
        let mut ix = self.index();
        let before = ix.next_due();
        for hint in hints {
            match hint {
                Hint::Check(id, at) => ix.check(&id, at),
                Hint::Remove(id) => ix.remove(&id),
            }
        }
        let after = ix.next_due();
        drop(ix);
        if let Some(after) = after
            && before.is_none_or(|b| after < b)
        {
            self.wake.notify_one();
        }
    }

    fn check(&self, id: &str, at: i64) {
        self.index().check(id, at);
    }
    fn set(&self, id: &str, at: i64) {
        self.index().set(id, at);
    }
    fn remove(&self, id: &str) {
        self.index().remove(id);
    }
    fn pop_due(&self, now: i64, max: usize) -> Vec<std::sync::Arc<str>> {
        self.index().pop_due(now, max)
    }
    fn next_due(&self) -> Option<i64> {
        self.index().next_due()
    }
    fn len(&self) -> usize {
        self.index().len()
    }
    fn clear(&self) {
        self.index().clear();
    }
    fn set_started(&self, started: bool) {
        self.started.store(started, Ordering::SeqCst);
    }
}

impl crate::Core {
    /// Leases the expiration manager holds (`vault.expire.num_leases`): zero unless this
    /// node is the active one.
    pub fn num_leases(&self) -> usize {
        self.expiration.len()
    }

    /// True once this node's expiration manager has loaded the leases and runs (the
    /// node is unsealed and active).
    pub fn expiration_started(&self) -> bool {
        self.expiration.started.load(Ordering::SeqCst)
    }

    /// Revokes every lease that is due now, without waiting for the worker's next round
    /// (tests move the token clock and call this). Not for production use.
    #[doc(hidden)]
    pub async fn expire_due_now(&self) {
        worker::expire_due(self, &self.expiration).await;
    }
}
