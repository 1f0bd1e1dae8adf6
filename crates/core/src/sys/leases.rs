//! `sys/leases/*` (and the legacy `sys/renew`, `sys/revoke`, `sys/revoke-prefix`,
//! `sys/revoke-force`): look up, list, renew, revoke and tidy leases, with Vault's
//! fields, messages and status codes.

use std::sync::{Arc, Weak};

use arca_sdk::{
    Error, Field, FieldData, FieldType, Operation, Path, RawResponse, Request, Response,
};
use serde_json::{Value, json};

use super::with_core;
use crate::{
    Core,
    expiration::entry::{self, ID_PREFIX},
    token::rfc3339_ms,
};

fn lease_id_field() -> Field {
    Field::new("lease_id", FieldType::String, "The lease identifier.")
}
fn url_lease_id_field() -> Field {
    Field::new(
        "url_lease_id",
        FieldType::String,
        "The lease identifier (in the URL; the body's lease_id wins).",
    )
}
fn prefix_field() -> Field {
    Field::new("prefix", FieldType::String, "The lease path prefix.")
}
fn sync_field() -> Field {
    Field::new(
        "sync",
        FieldType::Bool,
        "Wait for the revocation to finish (true) or let the expiration manager do it (false).",
    )
    .default(json!(true))
}

pub(super) fn paths(core: &Weak<Core>) -> Vec<Path> {
    vec![
        Path::new("leases/lookup")
            .field(lease_id_field())
            .on(Operation::Update, with_core(core, lookup))
            .help("Retrieve lease metadata.", ""),
        Path::new("leases/lookup/(?P<prefix>.*)")
            .field(prefix_field())
            .on(Operation::List, with_core(core, |_c, req, d| list(req, d)))
            .help("List the leases under a prefix.", ""),
        Path::new("(?:leases/)?renew(?:/(?P<url_lease_id>.+))?")
            .field(lease_id_field())
            .field(url_lease_id_field())
            .field(
                Field::new(
                    "increment",
                    FieldType::DurationSecond,
                    "The desired increment in seconds to the lease.",
                )
                .default(json!(0)),
            )
            .on(Operation::Update, with_core(core, renew))
            .help("Renew a lease on a secret.", ""),
        Path::new("(?:leases/)?revoke(?:/(?P<url_lease_id>.+))?")
            .field(lease_id_field())
            .field(url_lease_id_field())
            .field(sync_field())
            .on(Operation::Update, with_core(core, revoke))
            .help("Revoke a lease immediately.", ""),
        Path::new("(?:leases/)?revoke-prefix/(?P<prefix>.+)")
            .field(prefix_field())
            .field(sync_field())
            .on(
                Operation::Update,
                with_core(core, |c, req, d| revoke_prefix(c, req, d, false)),
            )
            .help("Revoke all leases under a prefix (sudo).", ""),
        Path::new("(?:leases/)?revoke-force/(?P<prefix>.+)")
            .field(prefix_field())
            .on(
                Operation::Update,
                with_core(core, |c, req, d| revoke_prefix(c, req, d, true)),
            )
            .help(
                "Revoke all leases under a prefix, removing them even when their backend \
fails to revoke (sudo).",
                "",
            ),
        Path::new("leases/tidy")
            .on(Operation::Update, with_core(core, |c, _req, _d| tidy(c)))
            .help("Remove leases whose token no longer exists.", ""),
    ]
}

/// The lease id of a renew or revoke: the body's `lease_id`, else the URL's.
fn lease_id_of(d: &FieldData) -> Result<String, Error> {
    let mut id = d.get_str("lease_id")?;
    if id.is_empty() {
        id = d.get_str("url_lease_id")?;
    }
    if id.is_empty() {
        return Err(Error::bad_request("lease_id must be specified"));
    }
    Ok(id)
}

async fn lookup(core: Arc<Core>, req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let id = d.get_str("lease_id")?;
    if id.is_empty() {
        return Err(Error::bad_request("lease_id must be specified"));
    }
    let Some(lease) = entry::load(req.storage.as_ref(), &id).await? else {
        return Err(Error::bad_request("invalid lease"));
    };
    let now = core.now_ms();
    let expire = lease.expires_at_ms();
    let last_renewal = if lease.last_renewal_ms > 0 {
        Value::String(rfc3339_ms(lease.last_renewal_ms))
    } else {
        Value::Null
    };
    Ok(Some(Response::from_json(json!({
        "id": lease.lease_id,
        "issue_time": rfc3339_ms(lease.issue_time_ms),
        "expire_time": expire.map(rfc3339_ms).map(Value::String).unwrap_or(Value::Null),
        "last_renewal": last_renewal,
        "renewable": lease.renewable_at(now),
        "ttl": expire.map(|at| (at - now).max(0) / 1000).unwrap_or(0),
    }))))
}

async fn list(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let mut prefix = d.get_str("prefix")?;
    if !prefix.is_empty() && !prefix.ends_with('/') {
        prefix.push('/');
    }
    if !prefix.is_empty() && !entry::valid_lease_id(&prefix) {
        return Err(Error::bad_request("invalid lease prefix"));
    }
    let keys = req.storage.list(&format!("{ID_PREFIX}{prefix}")).await?;
    if keys.is_empty() {
        return Ok(None);
    }
    Ok(Some(Response::list(keys)))
}

async fn renew(core: Arc<Core>, req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let id = lease_id_of(&d)?;
    // hvac sends `"increment": null` when none is given.
    let increment = match d.raw().get("increment") {
        None | Some(Value::Null) => 0,
        Some(_) => d
            .get_duration("increment")?
            .map(|i| i.as_secs())
            .unwrap_or(0),
    };
    core.renew_lease(req.storage.clone(), &id, increment)
        .await
        .map(Some)
}

/// 202 with no body: the revocation was queued (`sync=false`).
fn accepted() -> Response {
    Response {
        raw: Some(RawResponse {
            status: 202,
            content_type: "application/json".into(),
            body: Vec::new(),
        }),
        ..Default::default()
    }
}

async fn revoke(core: Arc<Core>, req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let id = lease_id_of(&d)?;
    if d.get_bool("sync")? {
        core.revoke_lease(req.storage.clone(), &id, false).await?;
        Ok(None)
    } else {
        core.revoke_lease_later(req.storage.as_ref(), &id).await?;
        Ok(Some(accepted()))
    }
}

async fn revoke_prefix(
    core: Arc<Core>,
    req: Request,
    d: FieldData,
    force: bool,
) -> Result<Option<Response>, Error> {
    let prefix = d.get_str("prefix")?;
    let sync = force || d.get_bool("sync")?;
    let n = core
        .revoke_prefix(req.storage.clone(), &prefix, force, sync)
        .await?;
    tracing::info!(prefix = %prefix, revoked = n, force, "leases revoked by prefix");
    Ok(if sync { None } else { Some(accepted()) })
}

async fn tidy(core: Arc<Core>) -> Result<Option<Response>, Error> {
    tokio::spawn(async move {
        if let Err(e) = core.tidy_leases().await {
            tracing::warn!(error = %e, "lease tidy failed");
        }
    });
    Ok(Some(Response {
        status: Some(202),
        warnings: vec![
            "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.".into(),
        ],
        ..Default::default()
    }))
}
