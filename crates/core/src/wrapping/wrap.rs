//! Turning a response into a wrapping token.

use std::sync::Arc;

use arca_policy::RESPONSE_WRAPPING_POLICY;
use arca_sdk::{Error, Map, Operation, Response, Storage, WrapInfo};
use serde_json::{Value, json};

use super::{RESPONSE_KEY, REWRAP_PATH, WRAPINFO_KEY, requested_ttl};
use crate::{
    Core,
    request::CoreRequest,
    token::{TokenEntry, TokenStore, rfc3339_ms},
};

/// What wrapping did to a response.
pub(crate) enum Wrapped {
    /// Nothing to wrap: the response goes out as it is.
    No,
    /// The response is in a wrapping token's cubbyhole; send this one instead.
    Yes(Box<Response>),
    /// A wrapped list with nothing in it: 404, as Vault does (no token to unwrap
    /// only to find nothing).
    NotFound,
}

impl Wrapped {
    /// The response to send in place of `resp`.
    pub(crate) fn apply(self, resp: Option<Response>) -> Option<Response> {
        match self {
            Wrapped::No => resp,
            Wrapped::Yes(wrapped) => Some(*wrapped),
            Wrapped::NotFound => None,
        }
    }
}

/// True when a list response has no keys (and nothing else worth returning).
fn empty_list(resp: &Response) -> bool {
    let data = resp.data.as_ref();
    match data.and_then(|d| d.get("keys")) {
        Some(Value::Array(keys)) => keys.is_empty(),
        Some(_) => true,
        None => data.is_none_or(Map::is_empty) && resp.warnings.is_empty(),
    }
}

/// The accessor of the credential inside the response: a token's, or the secret ID
/// accessor of an AppRole `secret-id` response.
fn wrapped_accessor(resp: &Response, mount_kind: &str) -> String {
    if let Some(auth) = &resp.auth {
        return auth.accessor.clone();
    }
    if mount_kind == "approle"
        && let Some(Value::String(a)) = resp.data.as_ref().and_then(|d| d.get("secret_id_accessor"))
    {
        return a.clone();
    }
    String::new()
}

impl Core {
    /// Wraps `resp` when the client asked for it (`X-Vault-Wrap-TTL`) or the handler did
    /// (a rewrap carries the original TTL); the shorter of the two TTLs wins. The wrapping
    /// token and its cubbyhole are written in the request's transaction `tx`, so they
    /// exist exactly when the request commits. `mount_kind` is the type of the mount
    /// that answered.
    pub(crate) async fn wrap_response(
        &self,
        tx: &Arc<dyn Storage>,
        req: &CoreRequest,
        op: Operation,
        mount_kind: &str,
        resp: Option<&Response>,
    ) -> Result<Wrapped, Error> {
        let Some(resp) = resp else {
            return Ok(Wrapped::No);
        };
        // Raw responses (unwrap's own answer, health, metrics) are sent as they are.
        if resp.raw.is_some() {
            return Ok(Wrapped::No);
        }
        let asked = requested_ttl(&req.headers)?.unwrap_or(0);
        let carried = resp.wrap_info.as_ref().map_or(0, |w| w.ttl);
        let ttl = match (asked, carried) {
            (0, t) | (t, 0) => t,
            (a, c) => a.min(c),
        };
        if ttl == 0 {
            return Ok(Wrapped::No);
        }
        if op == Operation::List && empty_list(resp) {
            return Ok(Wrapped::NotFound);
        }
        let rewrap = req.path.trim_end_matches('/') == REWRAP_PATH;
        let (stored, creation_path) = if rewrap {
            let stored = resp
                .data
                .as_ref()
                .and_then(|d| d.get(RESPONSE_KEY))
                .and_then(Value::as_str)
                .ok_or_else(|| Error::internal("no response found to rewrap"))?
                .to_string();
            let path = resp
                .wrap_info
                .as_ref()
                .map(|w| w.creation_path.clone())
                .unwrap_or_default();
            (stored, path)
        } else {
            let mut inner = resp.clone();
            inner.wrap_info = None;
            (inner.envelope(&req.id).to_string(), req.path.clone())
        };

        let now = self.now_ms();
        let mut entry = TokenEntry {
            policies: vec![RESPONSE_WRAPPING_POLICY.to_string()],
            path: req.path.clone(),
            ttl,
            explicit_max_ttl: ttl,
            num_uses: 1,
            ..Default::default()
        };
        let token = TokenStore::create(tx.as_ref(), &mut entry, None, now).await?;
        let creation_time = rfc3339_ms(now);
        let cubby = self.cubbyhole(tx.clone()).await?;
        cubby
            .put(
                &entry.id_hash,
                RESPONSE_KEY,
                object(json!({ "response": stored })),
            )
            .await?;
        cubby
            .put(
                &entry.id_hash,
                WRAPINFO_KEY,
                object(json!({
                    "creation_ttl": ttl,
                    "creation_time": creation_time,
                    "creation_path": creation_path,
                })),
            )
            .await?;
        tracing::debug!(path = %req.path, ttl, "response wrapped");
        Ok(Wrapped::Yes(Box::new(Response {
            wrap_info: Some(WrapInfo {
                token,
                accessor: entry.accessor,
                ttl,
                creation_time,
                creation_path,
                wrapped_accessor: wrapped_accessor(resp, mount_kind),
            }),
            ..Default::default()
        })))
    }
}

fn object(v: Value) -> Map {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
