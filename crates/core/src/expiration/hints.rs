//! Changes to the schedule made by one request, applied only once its transaction has
//! committed (a request that fails or is retried leaves the schedule as it was).
//!
//! Code deep in the request (the token store creating or revoking a token) notes its
//! changes in a task-local list; the core collects them around each attempt with
//! [`track`]. Outside a tracked scope, notes are dropped: the schedule is only a hint of
//! what the barrier holds and is rebuilt from it when a node becomes active.

use std::{cell::RefCell, future::Future};

/// One change to the schedule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Hint {
    /// Look at the lease at this time (unix ms; `index::NEVER` for non-expiring).
    Check(String, i64),
    /// The lease is gone.
    Remove(String),
}

tokio::task_local! {
    static HINTS: RefCell<Vec<Hint>>;
}

/// Runs `f`, returning its output and the hints it noted.
pub(crate) async fn track<F: Future>(f: F) -> (F::Output, Vec<Hint>) {
    HINTS
        .scope(RefCell::new(Vec::new()), async {
            let out = f.await;
            let hints = HINTS.try_with(|h| h.take()).unwrap_or_default();
            (out, hints)
        })
        .await
}

/// Notes a change for the tracked request being handled, if any.
pub(crate) fn note(hint: Hint) {
    let _ = HINTS.try_with(|h| h.borrow_mut().push(hint));
}
