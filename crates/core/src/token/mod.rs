//! Tokens: the token store (`auth/token/`), token creation for logins, and the request
//! path's token checks.
//!
//! Tokens are never stored: only HMAC-SHA256(salt, token) is, under `sys/token/id/`, with
//! an accessor index and a parent → children index for tree revocation (see [`store`]).
//! Batch tokens carry their own sealed entry and are not stored at all (see [`batch`]).

mod backend;
pub(crate) mod batch;
pub(crate) mod caller;
mod check;
mod count;
mod create;
mod entry;
pub(crate) mod login;
pub mod policies;
mod renew;
mod roles;
mod store;
pub mod ttl;

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicI64, Ordering},
};

pub(crate) use backend::backend;
pub use entry::{TokenEntry, TokenType, rfc3339_ms};
pub use store::{
    BATCH_TOKEN_PREFIX, Found, SERVICE_TOKEN_PREFIX, TokenStore, now_ms, now_unix, random_base62,
};

/// The core's token state: the token store backend and the clock tokens expire by.
#[derive(Default)]
pub(crate) struct TokenState {
    /// The `auth/token/` backend (built with the core, like `sys/`).
    pub(crate) backend: OnceLock<Arc<arca_sdk::Backend>>,
    /// Added to the system clock; only tests move it (see `Core::advance_token_clock`).
    clock_offset_ms: AtomicI64,
}

impl crate::Core {
    /// The time tokens are checked against (unix ms).
    pub(crate) fn now_ms(&self) -> i64 {
        now_ms().saturating_add(self.tokens.clock_offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this core's token clock forward by `secs` so tests can expire tokens without
    /// sleeping. Not for production use.
    #[doc(hidden)]
    pub fn advance_token_clock(&self, secs: i64) {
        self.tokens
            .clock_offset_ms
            .fetch_add(secs.saturating_mul(1000), Ordering::Relaxed);
    }
}
