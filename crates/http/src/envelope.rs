//! Vault's response envelope.

use arca_sdk::Response;
use serde_json::{Value, json};

/// The JSON body of an enveloped response. For `sys/` paths the data keys are repeated
/// at the top level, as Vault does for its older clients (`client.sys.read_policy(..)
/// ["rules"]`, `list_mounted_secrets_engines()["secret/"]`); envelope keys win on clashes.
pub(crate) fn envelope(request_id: &str, path: &str, resp: &Response) -> Value {
    let mut body = base_envelope(request_id, resp);
    if path.starts_with("sys/")
        && let (Some(data), Value::Object(top)) = (&resp.data, &mut body)
    {
        for (k, v) in data {
            top.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    body
}

fn base_envelope(request_id: &str, resp: &Response) -> Value {
    let lease = resp.lease.clone().unwrap_or_default();
    json!({
        "request_id": request_id,
        "lease_id": lease.lease_id,
        "renewable": lease.renewable,
        "lease_duration": lease.lease_duration,
        "data": resp.data,
        "wrap_info": resp.wrap_info,
        "warnings": if resp.warnings.is_empty() { Value::Null } else { json!(resp.warnings) },
        "auth": resp.auth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sys_data_is_repeated_at_top_level() {
        let resp = Response::from_json(json!({"rules": "path", "request_id": "clash"}));
        let v = envelope("id-1", "sys/policy/x", &resp);
        assert_eq!(v["rules"], "path");
        assert_eq!(v["data"]["rules"], "path");
        assert_eq!(v["request_id"], "id-1");
        let v = envelope("id-2", "secret/data/x", &resp);
        assert!(v.get("rules").is_none());
    }
}
