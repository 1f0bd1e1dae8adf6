//! The `metadata` of a secret ID: string pairs copied onto every token it logs in.
//!
//! Like Vault's `ParseArbitraryKeyValues`, the field takes a JSON object encoded as a
//! string (what `vault write ... metadata='{"k":"v"}'` and hvac send), the same JSON
//! base64-encoded, or `k1=v1,k2=v2`; an object sent as JSON is accepted too.

use std::collections::BTreeMap;

use arca_sdk::Error;
use base64::Engine;
use serde_json::Value;

use crate::AppRoleError;

/// Parses the `metadata` field; `None` or an empty string gives no metadata.
pub(crate) fn parse(raw: Option<Value>) -> Result<BTreeMap<String, String>, Error> {
    let bad = |why: &str| AppRoleError::Invalid(format!("failed to parse metadata: {why}"));
    match raw {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => object(m).ok_or_else(|| bad("values must be strings").into()),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(BTreeMap::new());
            }
            if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(s) {
                return object(m).ok_or_else(|| bad("values must be strings").into());
            }
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s)
                && let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&bytes)
            {
                return object(m).ok_or_else(|| bad("values must be strings").into());
            }
            let mut out = BTreeMap::new();
            for pair in s.split(',') {
                let (k, v) = pair
                    .split_once('=')
                    .ok_or_else(|| bad("expected a JSON object or key=value pairs"))?;
                let k = k.trim();
                if k.is_empty() {
                    return Err(bad("empty key").into());
                }
                out.insert(k.to_string(), v.trim().to_string());
            }
            Ok(out)
        }
        Some(_) => Err(bad("expected a JSON object encoded as a string").into()),
    }
}

fn object(m: serde_json::Map<String, Value>) -> Option<BTreeMap<String, String>> {
    m.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_vault_forms() {
        let want: BTreeMap<String, String> =
            [("tag1".to_string(), "production".to_string())].into();
        assert_eq!(
            parse(Some(json!("{ \"tag1\": \"production\" }"))).unwrap(),
            want
        );
        assert_eq!(parse(Some(json!({"tag1": "production"}))).unwrap(), want);
        assert_eq!(parse(Some(json!("tag1=production"))).unwrap(), want);
        let b64 = base64::engine::general_purpose::STANDARD.encode("{\"tag1\":\"production\"}");
        assert_eq!(parse(Some(json!(b64))).unwrap(), want);
        assert!(parse(None).unwrap().is_empty());
        assert!(parse(Some(json!(""))).unwrap().is_empty());
    }

    #[test]
    fn rejects_other_shapes() {
        assert!(parse(Some(json!("nonsense"))).is_err());
        assert!(parse(Some(json!({"a": 1}))).is_err());
        assert!(parse(Some(json!(5))).is_err());
    }
}
