//! `sys/generate-root/attempt` and `sys/generate-root/update`: answered without a token,
//! like Vault's (the key shares are the credential), with Vault's plain JSON bodies.

use arca_sdk::{Error, Map, Operation, Response};
use serde_json::{Value, json};

use crate::{Core, CoreRequest, generate_root::GenerateRootStatus};

/// Handles `req` if it is a root generation route.
pub(crate) async fn handle(
    core: &Core,
    req: &CoreRequest,
) -> Option<Result<Option<Response>, Error>> {
    let path = req.path.trim_end_matches('/');
    let op = req.op();
    let result = match (path, op) {
        ("sys/generate-root/attempt", Operation::Read) => {
            core.generate_root_status().await.map(|s| Some(to_json(&s)))
        }
        ("sys/generate-root/attempt", Operation::Update | Operation::Create) => {
            attempt(core, &req.data).await.map(Some)
        }
        ("sys/generate-root/attempt", Operation::Delete) => {
            core.generate_root_cancel().await.map(|_| None)
        }
        ("sys/generate-root/update", Operation::Update | Operation::Create) => {
            update(core, &req.data).await.map(Some)
        }
        ("sys/generate-root/attempt" | "sys/generate-root/update", _) => {
            Err(Error::UnsupportedOperation)
        }
        _ => return None,
    };
    Some(result.map(|v| v.map(|v| Response::raw_json(200, &v))))
}

fn to_json(s: &GenerateRootStatus) -> Value {
    json!({
        "nonce": s.nonce,
        "started": s.started,
        "progress": s.progress,
        "required": s.required,
        "complete": s.complete,
        "encoded_token": s.encoded_token,
        "encoded_root_token": s.encoded_token,
        "pgp_fingerprint": "",
        "otp": s.otp,
        "otp_length": s.otp_length,
    })
}

async fn attempt(core: &Core, data: &Map) -> Result<Value, Error> {
    let text = |name: &str| match data.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(Error::bad_request(format!("'{name}' must be a string"))),
    };
    let otp = text("otp")?;
    let pgp_key = text("pgp_key")?;
    core.generate_root_init(otp, pgp_key)
        .await
        .map(|s| to_json(&s))
}

async fn update(core: &Core, data: &Map) -> Result<Value, Error> {
    let (key, nonce) = super::rekey::key_and_nonce(data)?;
    core.generate_root_update(&key, &nonce)
        .await
        .map(|s| to_json(&s))
}
