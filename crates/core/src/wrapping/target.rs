//! The wrapping token a `sys/wrapping/{lookup,unwrap,rewrap}` request is about.
//!
//! As in Vault's HTTP layer, it is checked before the request is authenticated: the
//! body's `token` if given ("third party"), else the caller's own token must be a live
//! token whose only policy is `response-wrapping`; anything else is a 400 "wrapping
//! token is not valid or does not exist" (a reused, expired or revoked one included).
//! The validated entry reaches the handler through a task-local, like the caller.

use std::future::Future;

use arca_policy::RESPONSE_WRAPPING_POLICY;
use arca_sdk::{Error, Operation, Storage};
use serde_json::Value;

use crate::{
    Core,
    request::CoreRequest,
    token::{Found, TokenEntry, TokenStore},
};

/// Vault's message for a wrapping token that cannot be used.
pub(crate) const INVALID_TOKEN: &str = "wrapping token is not valid or does not exist";

/// The validated wrapping token of the request being handled.
#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) entry: TokenEntry,
    /// The token came in the body: the handler itself consumes (revokes) it. Otherwise
    /// it is the caller's token and the request path's use count revokes it.
    pub(crate) third_party: bool,
}

tokio::task_local! {
    static TARGET: Target;
}

/// Runs `f` with `target` as the current wrapping token (or none).
pub(crate) async fn scope<F: Future>(target: Option<Target>, f: F) -> F::Output {
    match target {
        Some(t) => TARGET.scope(t, f).await,
        None => f.await,
    }
}

/// The wrapping token of the request being handled; set for the checked paths only.
pub(super) fn current() -> Result<Target, Error> {
    TARGET
        .try_with(Clone::clone)
        .map_err(|_| Error::internal("no wrapping token was validated for this request"))
}

/// True for the endpoints whose wrapping token is validated before authentication.
fn is_checked_path(path: &str) -> bool {
    matches!(
        path.trim_end_matches('/'),
        "sys/wrapping/lookup" | "sys/wrapping/unwrap" | "sys/wrapping/rewrap"
    )
}

/// `sys/wrapping/lookup` is served without a token, as in Vault: whoever holds a
/// wrapping token may see its creation time, TTL and path without using it.
pub(crate) fn is_unauthenticated(path: &str) -> bool {
    path.trim_end_matches('/') == "sys/wrapping/lookup"
}

impl Core {
    /// Validates the wrapping token of a `sys/wrapping/{lookup,unwrap,rewrap}` request;
    /// `Ok(None)` for every other path.
    pub(crate) async fn check_wrapping_token(
        &self,
        storage: &dyn Storage,
        req: &CoreRequest,
    ) -> Result<Option<Target>, Error> {
        // Help on these paths is served like any other path's help.
        if req.op() == Operation::Help || !is_checked_path(&req.path) {
            return Ok(None);
        }
        // A read (`GET sys/wrapping/lookup`) is about the requester's own token; a token
        // in the query string is never used, so wrapping tokens stay out of URLs.
        let given = match req.op() {
            Operation::Read => None,
            _ => req.data.get("token"),
        };
        let (token, third_party) = match given {
            None | Some(Value::Null) => (req.token.clone().unwrap_or_default(), false),
            Some(Value::String(t)) if t.is_empty() => {
                return Err(Error::bad_request(
                    "error validating wrapping token: empty token in request body",
                ));
            }
            Some(Value::String(t)) => (t.clone(), true),
            Some(_) => {
                return Err(Error::bad_request(
                    "error validating wrapping token: could not decode token in request body",
                ));
            }
        };
        let token = zeroize::Zeroizing::new(token);
        let entry = match TokenStore::find(storage, token.trim(), self.now_ms()).await? {
            Found::Live(entry) => entry,
            Found::Expired(_) | Found::Missing => return Err(Error::bad_request(INVALID_TOKEN)),
        };
        if entry.policies.len() != 1 || entry.policies[0] != RESPONSE_WRAPPING_POLICY {
            return Err(Error::bad_request(INVALID_TOKEN));
        }
        Ok(Some(Target { entry, third_party }))
    }
}
