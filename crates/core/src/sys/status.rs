//! Routes that answer without a token and while sealed: `sys/init`, `sys/unseal`,
//! `sys/seal-status`, `sys/health` and `sys/leader`. Their bodies are plain JSON (no
//! response envelope), exactly as Vault sends them, because probes and clients parse them.

use arca_sdk::{Error, Map, Operation, Response};
use base64::Engine;
use serde_json::{Value, json};

use crate::{
    Core, CoreRequest,
    seal_state::InitParams,
    version::{BUILD_DATE, VAULT_COMPAT_VERSION},
};

/// Handles `req` if it is a status route; `None` lets the normal path take it.
pub(crate) async fn handle(
    core: &Core,
    req: &CoreRequest,
) -> Option<Result<Option<Response>, Error>> {
    if let Some(result) = super::raft_status::handle(core, req).await {
        return Some(result);
    }
    if let Some(result) = super::rekey::handle(core, req).await {
        return Some(result);
    }
    if let Some(result) = super::generate_root::handle(core, req).await {
        return Some(result);
    }
    let path = req.path.trim_end_matches('/');
    let op = req.op();
    let result = match (path, op) {
        ("sys/seal-status", Operation::Read) => seal_status(core).await,
        ("sys/health", Operation::Read) => health(core, &req.data).await,
        ("sys/init", Operation::Read) => core
            .initialized()
            .await
            .map(|i| Response::raw_json(200, &json!({ "initialized": i }))),
        ("sys/init", Operation::Update | Operation::Create) => init(core, &req.data).await,
        ("sys/unseal", Operation::Update | Operation::Create) => unseal(core, &req.data).await,
        ("sys/leader", Operation::Read) => leader(core),
        ("sys/seal-status" | "sys/health" | "sys/init" | "sys/unseal" | "sys/leader", _) => {
            Err(Error::UnsupportedOperation)
        }
        _ => return None,
    };
    Some(result.map(Some))
}

async fn seal_status_json(core: &Core) -> Result<Value, Error> {
    let s = core.seal_status().await?;
    let mut v = json!({
        "type": s.kind,
        "initialized": s.initialized,
        "sealed": s.sealed,
        "t": s.t,
        "n": s.n,
        "progress": s.progress,
        "nonce": s.nonce,
        "version": VAULT_COMPAT_VERSION,
        "build_date": BUILD_DATE,
        "migration": s.migration,
        "recovery_seal": s.recovery_seal,
        "storage_type": core.cluster.storage_type(),
        "removed_from_cluster": core.cluster.removed_from_cluster(),
    });
    if let Some(id) = core.cluster_identity().filter(|_| !s.sealed) {
        v["cluster_name"] = json!(id.name);
        v["cluster_id"] = json!(id.id);
    }
    Ok(v)
}

async fn seal_status(core: &Core) -> Result<Response, Error> {
    Ok(Response::raw_json(200, &seal_status_json(core).await?))
}

async fn init(core: &Core, data: &Map) -> Result<Response, Error> {
    let params: InitParams = serde_json::from_value(Value::Object(data.clone()))
        .map_err(|e| Error::bad_request(format!("failed to parse init parameters: {e}")))?;
    let result = core.init(params, None).await?;
    let to_hex = |keys: &[zeroize::Zeroizing<Vec<u8>>]| -> Vec<String> {
        keys.iter().map(|k| hex::encode(k.as_slice())).collect()
    };
    let to_b64 = |keys: &[zeroize::Zeroizing<Vec<u8>>]| -> Vec<String> {
        keys.iter()
            .map(|k| base64::engine::general_purpose::STANDARD.encode(k.as_slice()))
            .collect()
    };
    let mut body = json!({
        "keys": to_hex(&result.keys),
        "keys_base64": to_b64(&result.keys),
        "root_token": result.root_token,
    });
    if !result.recovery_keys.is_empty() {
        body["recovery_keys"] = json!(to_hex(&result.recovery_keys));
        body["recovery_keys_base64"] = json!(to_b64(&result.recovery_keys));
    }
    Ok(Response::raw_json(200, &body))
}

async fn unseal(core: &Core, data: &Map) -> Result<Response, Error> {
    let migrate = data.get("migrate").and_then(Value::as_bool) == Some(true);
    if data.get("reset").and_then(Value::as_bool) == Some(true) {
        core.reset_unseal().await;
        return seal_status(core).await;
    }
    let key = match data.get("key") {
        Some(Value::String(k)) if !k.is_empty() => k,
        _ => {
            return Err(Error::bad_request(
                "'key' must be specified in request body as JSON, or 'reset' set to true",
            ));
        }
    };
    if !core.initialized().await? {
        return Err(Error::bad_request("Vault is not initialized"));
    }
    let bytes = hex::decode(key)
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(key))
        .map_err(|_| Error::bad_request("'key' must be a valid hex or base64 string"))?;
    let bytes = zeroize::Zeroizing::new(bytes);
    core.unseal_migrate(&bytes, migrate).await?;
    seal_status(core).await
}

/// Reads an integer status-code override such as `standbycode=299`.
fn code_param(data: &Map, name: &str, default: u16) -> Result<u16, Error> {
    let Some(v) = data.get(name) else {
        return Ok(default);
    };
    let parsed = match v {
        Value::String(s) => s.trim().parse::<u16>().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        _ => None,
    };
    match parsed {
        Some(c) if (100..=599).contains(&c) => Ok(c),
        _ => Err(Error::bad_request(format!(
            "bad value for {name} parameter"
        ))),
    }
}

/// Reads a boolean override such as `standbyok=true` (a bare `standbyok` means true).
fn bool_param(data: &Map, name: &str) -> Result<bool, Error> {
    match data.get(name) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => match s.as_str() {
            "" | "true" | "1" | "t" | "T" | "TRUE" | "True" => Ok(true),
            "false" | "0" | "f" | "F" | "FALSE" | "False" => Ok(false),
            _ => Err(Error::bad_request(format!(
                "bad value for {name} parameter"
            ))),
        },
        Some(_) => Err(Error::bad_request(format!(
            "bad value for {name} parameter"
        ))),
    }
}

async fn health(core: &Core, data: &Map) -> Result<Response, Error> {
    let standby_ok = bool_param(data, "standbyok")?;
    let perf_standby_ok = bool_param(data, "perfstandbyok")?;
    let active = code_param(data, "activecode", 200)?;
    let standby = code_param(data, "standbycode", 429)?;
    let _dr = code_param(data, "drsecondarycode", 472)?;
    let _perf = code_param(data, "performancestandbycode", 473)?;
    let sealed_code = code_param(data, "sealedcode", 503)?;
    let uninit = code_param(data, "uninitcode", 501)?;
    let removed_code = code_param(data, "removedcode", 530)?;
    let ha_unhealthy = code_param(data, "haunhealthycode", 474)?;
    let _ = perf_standby_ok;

    let initialized = core.initialized().await?;
    let sealed = core.is_sealed();
    let is_standby = !sealed && !core.cluster.is_active();
    let removed = core.cluster.removed_from_cluster();
    // A standby that cannot reach the active node is unhealthy even with `standbyok`.
    let ha = if is_standby {
        core.cluster.ha_connection()
    } else {
        None
    };
    let ha_healthy = ha.is_none_or(|h| h.healthy);
    let status = if !initialized {
        uninit
    } else if removed {
        removed_code
    } else if sealed {
        sealed_code
    } else if is_standby && !ha_healthy {
        ha_unhealthy
    } else if is_standby && !standby_ok {
        standby
    } else {
        active
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut body = json!({
        "initialized": initialized,
        "sealed": sealed,
        "standby": if sealed { true } else { is_standby },
        "performance_standby": false,
        "replication_performance_mode": "disabled",
        "replication_dr_mode": "disabled",
        "server_time_utc": now,
        "version": VAULT_COMPAT_VERSION,
        "enterprise": false,
        "echo_duration_ms": 0,
        "clock_skew_ms": 0,
        "replication_primary_canary_age_ms": 0,
        "removed_from_cluster": removed,
        "ha_connection_healthy": ha_healthy,
    });
    if let Some(h) = ha {
        body["last_request_forwarding_heartbeat_ms"] = json!(h.last_heartbeat_ms);
    }
    if let Some(id) = core.cluster_identity().filter(|_| !sealed && initialized) {
        body["cluster_name"] = json!(id.name);
        body["cluster_id"] = json!(id.id);
    }
    Ok(Response::raw_json(status, &body))
}

fn leader(core: &Core) -> Result<Response, Error> {
    if core.is_sealed() {
        return Err(Error::Sealed);
    }
    let leader = core.cluster.leader();
    let (committed, applied) = core.cluster.raft_indexes();
    let is_self = core.cluster.is_active();
    Ok(Response::raw_json(
        200,
        &json!({
            "ha_enabled": core.cluster.ha_enabled(),
            "is_self": is_self,
            "active_time": "0001-01-01T00:00:00Z",
            "leader_address": leader.as_ref().map(|l| l.api_addr.clone()).unwrap_or_default(),
            "leader_cluster_address": leader.as_ref().map(|l| l.cluster_addr.clone()).unwrap_or_default(),
            "performance_standby": false,
            "performance_standby_last_remote_wal": 0,
            "raft_committed_index": committed,
            "raft_applied_index": applied,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_params_parse() {
        let mut m = Map::new();
        m.insert("standbycode".into(), json!("299"));
        m.insert("standbyok".into(), json!(""));
        assert_eq!(code_param(&m, "standbycode", 429).unwrap(), 299);
        assert_eq!(code_param(&m, "activecode", 200).unwrap(), 200);
        assert!(bool_param(&m, "standbyok").unwrap());
        m.insert("sealedcode".into(), json!("abc"));
        assert!(code_param(&m, "sealedcode", 503).is_err());
        m.insert("sealedcode".into(), json!("99"));
        assert!(code_param(&m, "sealedcode", 503).is_err());
    }
}
