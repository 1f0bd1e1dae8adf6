//! The calling token of the request being handled, for the token store's handlers.
//!
//! Backends only see an opaque `client_token_id`; the token store needs more (the
//! caller's entry as a parent, the token itself for `lookup-self`, batch tokens that are
//! not stored). The core sets it for the duration of one backend call with a task-local,
//! so it never travels through request headers or data (where audit or logs could see
//! it).

use std::future::Future;

use zeroize::Zeroizing;

use super::TokenEntry;

/// The authenticated caller.
#[derive(Clone)]
pub(crate) struct Caller {
    /// The token as the client sent it.
    pub(crate) token: Zeroizing<String>,
    /// Its entry as loaded when the request was authenticated.
    pub(crate) entry: TokenEntry,
}

impl std::fmt::Debug for Caller {
    // Never print the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("accessor", &self.entry.accessor)
            .finish_non_exhaustive()
    }
}

tokio::task_local! {
    static CALLER: Caller;
}

/// Runs `f` with `caller` as the current caller (or none).
pub(crate) async fn scope<F: Future>(caller: Option<Caller>, f: F) -> F::Output {
    match caller {
        Some(c) => CALLER.scope(c, f).await,
        None => f.await,
    }
}

/// The caller of the request being handled, if it was authenticated.
pub(crate) fn current() -> Option<Caller> {
    CALLER.try_with(Clone::clone).ok()
}
