//! Vault's response envelope.

use arca_sdk::Response;
use serde_json::{Value, json};

/// The JSON body of an enveloped response.
pub(crate) fn envelope(request_id: &str, resp: &Response) -> Value {
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
