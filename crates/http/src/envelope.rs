//! Vault's response envelope.

use arca_sdk::Response;
use serde_json::Value;

/// The JSON body of an enveloped response. For `sys/` paths the data keys are repeated
/// at the top level, as Vault does for its older clients (`client.sys.read_policy(..)
/// ["rules"]`, `list_mounted_secrets_engines()["secret/"]`); envelope keys win on clashes.
pub(crate) fn envelope(request_id: &str, path: &str, resp: &Response) -> Value {
    let mut body = resp.envelope(request_id);
    if path.starts_with("sys/")
        && let (Some(data), Value::Object(top)) = (&resp.data, &mut body)
    {
        for (k, v) in data {
            top.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
