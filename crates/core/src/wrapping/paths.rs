//! `sys/wrapping/wrap`, `unwrap`, `lookup` and `rewrap`.
//!
//! `unwrap`, `lookup` and `rewrap` find their (already validated) wrapping token with
//! [`super::target::current`]. A token given in the body is consumed here; the caller's
//! own wrapping token is consumed by the request path's use count (it has one use).

use std::sync::{Arc, Weak};

use arca_sdk::{
    Error, Field, FieldData, FieldType, Map, Operation, Path, RawResponse, Request, Response,
    Storage, WrapInfo,
};
use serde_json::{Value, json};

use super::{RESPONSE_KEY, WRAPINFO_KEY, requested_ttl, target};
use crate::{Core, sys::with_core, token::TokenStore};

/// The `sys/wrapping/*` paths (relative to `sys/`).
pub(crate) fn paths(core: &Weak<Core>) -> Vec<Path> {
    let token_field = || {
        Field::new(
            "token",
            FieldType::String,
            "The wrapping token; the client token is used when it is absent.",
        )
    };
    vec![
        Path::new("wrapping/wrap")
            .on(Operation::Update, arca_sdk::handler(wrap))
            .help(
                "Response-wraps an arbitrary JSON object.",
                "Round trips the given input data into a response-wrapped token; the \
X-Vault-Wrap-TTL header is required.",
            ),
        Path::new("wrapping/unwrap")
            .field(token_field())
            .on(Operation::Update, with_core(core, unwrap))
            .help(
                "Unwraps a response-wrapped token.",
                "Returns the original response inside the wrapping token, once.",
            ),
        Path::new("wrapping/lookup")
            .field(token_field())
            .on(Operation::Update, with_core(core, lookup))
            .on(Operation::Read, with_core(core, lookup))
            .help(
                "Looks up the properties of a response-wrapped token.",
                "Returns the creation TTL, time and path of a wrapping token without \
using it.",
            ),
        Path::new("wrapping/rewrap")
            .field(token_field())
            .on(Operation::Update, with_core(core, rewrap))
            .help(
                "Rotates a response-wrapped token.",
                "Moves the response of a wrapping token into a new wrapping token with the \
same TTL; the old token is revoked.",
            ),
    ]
}

/// Wraps the posted data: the request path wraps every response that asked for it, so
/// this only insists that the client did.
async fn wrap(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    if requested_ttl(&req.headers)?.unwrap_or(0) == 0 {
        return Err(Error::bad_request(
            "endpoint requires response wrapping to be used",
        ));
    }
    Ok(Some(Response::with_data(req.data)))
}

/// Reads `key` from the target's cubbyhole; missing data is an internal error (a
/// wrapping token always has both entries).
async fn read_cubbyhole(
    core: &Core,
    storage: &Arc<dyn Storage>,
    token_id: &str,
    key: &str,
) -> Result<Map, Error> {
    core.cubbyhole(storage.clone())
        .await?
        .get(token_id, key)
        .await?
        .ok_or_else(|| {
            Error::internal(format!(
                "no {key} information found for this wrapping token"
            ))
        })
}

/// The stored response (Vault's JSON envelope, as a string).
fn stored_response(map: &Map) -> Result<String, Error> {
    map.get(RESPONSE_KEY)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Error::internal("could not decode the response inside the cubbyhole"))
}

/// Revokes a wrapping token given in the body, in the request's transaction.
async fn consume(storage: &Arc<dyn Storage>, t: &target::Target) -> Result<(), Error> {
    if t.third_party {
        TokenStore::revoke_tree(storage.as_ref(), &t.entry.id_hash).await?;
    }
    Ok(())
}

/// Returns the wrapped response as it was first sent (a raw body, so numbers and nulls
/// come back exactly), and consumes the token.
async fn unwrap(core: Arc<Core>, req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let t = target::current()?;
    let stored = read_cubbyhole(&core, &req.storage, &t.entry.id_hash, RESPONSE_KEY).await?;
    let body = stored_response(&stored)?;
    consume(&req.storage, &t).await?;
    if body.is_empty() {
        return Ok(Some(Response {
            raw: Some(RawResponse {
                status: 204,
                content_type: "application/json".into(),
                body: Vec::new(),
            }),
            ..Default::default()
        }));
    }
    Ok(Some(Response {
        raw: Some(RawResponse {
            status: 200,
            content_type: "application/json".into(),
            body: body.into_bytes(),
        }),
        ..Default::default()
    }))
}

/// The creation TTL, time and path of a wrapping token; the token is not used.
async fn lookup(core: Arc<Core>, req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let t = target::current()?;
    let info = read_cubbyhole(&core, &req.storage, &t.entry.id_hash, WRAPINFO_KEY).await?;
    let mut data = Map::new();
    for key in ["creation_ttl", "creation_time", "creation_path"] {
        if let Some(v) = info.get(key) {
            data.insert(key.to_string(), v.clone());
        }
    }
    Ok(Some(Response::with_data(data)))
}

/// Moves the stored response into a new wrapping token with the original TTL and
/// creation path (the request path wraps it, seeing `wrap_info`), revoking the old one.
async fn rewrap(core: Arc<Core>, req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let t = target::current()?;
    let info = read_cubbyhole(&core, &req.storage, &t.entry.id_hash, WRAPINFO_KEY).await?;
    let stored = read_cubbyhole(&core, &req.storage, &t.entry.id_hash, RESPONSE_KEY).await?;
    let body = stored_response(&stored)?;
    let ttl = info
        .get("creation_ttl")
        .and_then(Value::as_u64)
        .filter(|t| *t > 0)
        .ok_or_else(|| Error::internal("the wrapping token's creation TTL is missing"))?;
    let creation_path = info
        .get("creation_path")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::internal("the wrapping token's creation path is missing"))?
        .to_string();
    consume(&req.storage, &t).await?;
    let mut resp = Response::from_json(json!({ "response": body }));
    resp.wrap_info = Some(WrapInfo {
        ttl,
        creation_path,
        ..Default::default()
    });
    Ok(Some(resp))
}
