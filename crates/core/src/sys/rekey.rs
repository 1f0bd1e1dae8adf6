//! `sys/rekey/*` and `sys/rekey-recovery-key/*`: answered without a token, like Vault's
//! (the key shares are the credential), with Vault's plain JSON bodies. The backup
//! routes are ordinary authenticated paths.

use std::sync::Weak;

use arca_sdk::{Error, Map, Operation, Path, Response};
use serde_json::{Value, json};

use super::with_core;
use crate::{
    Core, CoreRequest,
    rekey::{RekeyInitParams, RekeyStatus, RekeyUpdate, RekeyVerifyStatus, RekeyVerifyUpdate},
};

/// Handles `req` if it is a rekey route.
pub(crate) async fn handle(
    core: &Core,
    req: &CoreRequest,
) -> Option<Result<Option<Response>, Error>> {
    let path = req.path.trim_end_matches('/');
    let (recovery, rest) = if let Some(rest) = path.strip_prefix("sys/rekey/") {
        (false, rest)
    } else if let Some(rest) = path.strip_prefix("sys/rekey-recovery-key/") {
        (true, rest)
    } else {
        return None;
    };
    if !matches!(rest, "init" | "update" | "verify") {
        return None;
    }
    let op = req.op();
    let result = match (rest, op) {
        ("init", Operation::Read) => core.rekey_status(recovery).await.map(|s| status_json(&s)),
        ("init", Operation::Update | Operation::Create) => init(core, &req.data, recovery).await,
        ("init", Operation::Delete) => core.rekey_cancel(recovery).await.map(|_| Value::Null),
        ("update", Operation::Update | Operation::Create) => {
            update(core, &req.data, recovery).await
        }
        ("verify", Operation::Read) => core
            .rekey_verify_status(recovery)
            .await
            .map(|s| verify_status_json(&s)),
        ("verify", Operation::Delete) => core
            .rekey_verify_restart(recovery)
            .await
            .map(|s| verify_status_json(&s)),
        ("verify", Operation::Update | Operation::Create) => {
            verify(core, &req.data, recovery).await
        }
        _ => Err(Error::UnsupportedOperation),
    };
    Some(result.map(|v| match v {
        Value::Null => None,
        v => Some(Response::raw_json(200, &v)),
    }))
}

/// The authenticated backup routes. No backup is ever made (that needs PGP keys,
/// which rekey refuses), so reading finds none, as Vault answers then.
pub(super) fn paths(core: &Weak<Core>) -> Vec<Path> {
    ["rekey/backup", "rekey-recovery-key/backup"]
        .into_iter()
        .map(|p| {
            Path::new(p)
                .on(
                    Operation::Read,
                    with_core(core, |_core, _req, _data| async move {
                        Err(Error::bad_request("no backed-up keys found"))
                    }),
                )
                .on(
                    Operation::Delete,
                    with_core(core, |_core, _req, _data| async move { Ok(None) }),
                )
                .help(
                    "PGP-encrypted unseal keys backed up during a rekey.",
                    "Backups are made only for PGP-encrypted rekeys.",
                )
        })
        .collect()
}

fn status_json(s: &RekeyStatus) -> Value {
    let mut v = json!({
        "nonce": s.nonce,
        "started": s.started,
        "t": s.t,
        "n": s.n,
        "progress": s.progress,
        "required": s.required,
        "pgp_fingerprints": null,
        "backup": false,
        "verification_required": s.verification_required,
    });
    if !s.verification_nonce.is_empty() {
        v["verification_nonce"] = json!(s.verification_nonce);
    }
    v
}

fn verify_status_json(s: &RekeyVerifyStatus) -> Value {
    json!({
        "nonce": s.nonce,
        "started": s.started,
        "t": s.t,
        "n": s.n,
        "progress": s.progress,
    })
}

async fn init(core: &Core, data: &Map, recovery: bool) -> Result<Value, Error> {
    let params: RekeyInitParams = serde_json::from_value(Value::Object(data.clone()))
        .map_err(|e| Error::bad_request(format!("failed to parse rekey parameters: {e}")))?;
    core.rekey_init(params, recovery)
        .await
        .map(|s| status_json(&s))
}

/// The `key` and `nonce` of an update, the key decoded (hex or base64).
pub(super) fn key_and_nonce(data: &Map) -> Result<(zeroize::Zeroizing<Vec<u8>>, String), Error> {
    let key = match data.get("key") {
        Some(Value::String(k)) if !k.is_empty() => k,
        _ => {
            return Err(Error::bad_request(
                "'key' must be specified in request body as JSON",
            ));
        }
    };
    let key = arca_seal::decode_key(key).map_err(|e| Error::bad_request(e.to_string()))?;
    let nonce = data
        .get("nonce")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok((key, nonce))
}

async fn update(core: &Core, data: &Map, recovery: bool) -> Result<Value, Error> {
    let (key, nonce) = key_and_nonce(data)?;
    match core.rekey_update(&key, &nonce, recovery).await? {
        RekeyUpdate::Progress(s) => Ok(status_json(&s)),
        RekeyUpdate::Done(r) => {
            let hex: Vec<String> = r.keys.iter().map(|k| hex::encode(k.as_slice())).collect();
            let b64: Vec<String> = r
                .keys
                .iter()
                .map(|k| arca_seal::encode_key(k).to_string())
                .collect();
            let mut v = json!({
                "nonce": r.nonce,
                "complete": true,
                "keys": hex,
                "keys_base64": b64,
                "pgp_fingerprints": null,
                "backup": false,
                "verification_required": r.verification_required,
            });
            if !r.verification_nonce.is_empty() {
                v["verification_nonce"] = json!(r.verification_nonce);
            }
            Ok(v)
        }
    }
}

async fn verify(core: &Core, data: &Map, recovery: bool) -> Result<Value, Error> {
    let (key, nonce) = key_and_nonce(data)?;
    match core.rekey_verify_update(&key, &nonce, recovery).await? {
        RekeyVerifyUpdate::Progress(s) => Ok(verify_status_json(&s)),
        RekeyVerifyUpdate::Done(nonce) => Ok(json!({ "nonce": nonce, "complete": true })),
    }
}
