//! What a handler returns; the `http` crate turns it into Vault's JSON envelope.

use serde::{Deserialize, Serialize};

use crate::Map;

/// Lease attached to a response that carries a secret (`lease_id`, `lease_duration`).
///
/// A backend that hands out a secret the core must track (renew, revoke on expiry) sets
/// `secret_type` to one of its [`crate::framework::SecretType`]s; the core then registers
/// the lease and fills in `lease_id`. Without a `secret_type` the lease is only a TTL
/// hint (kv's `lease_duration`) and nothing is registered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeaseInfo {
    pub lease_id: String,
    /// Seconds. On a renewal request: the increment the client asked for (0: none).
    pub lease_duration: u64,
    pub renewable: bool,
    /// The backend's secret type; empty: not a tracked lease. Never sent to clients.
    #[serde(skip)]
    pub secret_type: String,
    /// What the backend needs later to renew or revoke the secret (e.g. the name of a
    /// generated user). Stored with the lease in the barrier, never sent to clients.
    #[serde(skip)]
    pub internal_data: crate::Map,
    /// Upper bound of the lease's life across renewals, from its issue (seconds; 0: the
    /// mount's maximum).
    #[serde(skip)]
    pub max_ttl: u64,
}

/// The `auth` block of a login or token-creation response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Auth {
    pub client_token: String,
    pub accessor: String,
    pub policies: Vec<String>,
    pub token_policies: Vec<String>,
    /// Omitted when empty, as Vault's HTTP layer does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity_policies: Vec<String>,
    pub metadata: Option<std::collections::BTreeMap<String, String>>,
    pub lease_duration: u64,
    pub renewable: bool,
    pub entity_id: String,
    pub token_type: String,
    pub orphan: bool,
    pub mfa_requirement: Option<serde_json::Value>,
    pub num_uses: u64,
    /// Token parameters a credential backend asks the core for on login (Vault's
    /// `TokenParams`). They shape the token the core creates and are never sent to the
    /// client, hence `serde(skip)`. `lease_duration` is the requested TTL.
    /// Appended to the token's display name as `<mount>-<display_name>`.
    #[serde(skip)]
    pub display_name: String,
    /// Upper bound of the token's TTL across renewals (seconds; 0: mount/system max).
    #[serde(skip)]
    pub max_ttl: u64,
    /// Periodic token: each renewal resets the TTL to this (seconds; 0: not periodic).
    #[serde(skip)]
    pub period: u64,
    /// Hard lifetime limit that renewals cannot pass (seconds; 0: none).
    #[serde(skip)]
    pub explicit_max_ttl: u64,
    /// Do not attach the `default` policy.
    #[serde(skip)]
    pub no_default_policy: bool,
    /// CIDR blocks the token may be used from (empty: anywhere).
    #[serde(skip)]
    pub bound_cidrs: Vec<String>,
}

/// The `wrap_info` block of a wrapped response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WrapInfo {
    pub token: String,
    pub accessor: String,
    pub ttl: u64,
    pub creation_time: String,
    pub creation_path: String,
    /// The accessor of the token (or AppRole secret ID) inside the wrapped response;
    /// omitted when empty, as Vault does.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub wrapped_accessor: String,
}

/// A response that bypasses the JSON envelope: its status, content type and body are
/// sent as they are (used by `sys/health`, `sys/metrics` and a few other routes).
#[derive(Debug, Clone, PartialEq)]
pub struct RawResponse {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// A successful result. An empty response (no data, auth, warnings) becomes 204.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    pub data: Option<Map>,
    pub lease: Option<LeaseInfo>,
    pub auth: Option<Auth>,
    pub warnings: Vec<String>,
    pub wrap_info: Option<WrapInfo>,
    pub raw: Option<RawResponse>,
    /// Overrides the status of an enveloped response (Vault uses e.g. 200 for some writes).
    pub status: Option<u16>,
}

impl Response {
    /// A response carrying `data`.
    pub fn with_data(data: Map) -> Self {
        Response {
            data: Some(data),
            ..Default::default()
        }
    }

    /// A response carrying `data` given as a JSON object value; other values give no data.
    pub fn from_json(value: serde_json::Value) -> Self {
        match value {
            serde_json::Value::Object(m) => Self::with_data(m),
            _ => Self::default(),
        }
    }

    /// A response of one JSON value sent as-is with the given status (no envelope).
    pub fn raw_json(status: u16, value: &serde_json::Value) -> Self {
        Response {
            raw: Some(RawResponse {
                status,
                content_type: "application/json".into(),
                body: serde_json::to_vec(value).unwrap_or_default(),
            }),
            ..Default::default()
        }
    }

    /// Adds a warning (builder style).
    pub fn warn(mut self, w: impl Into<String>) -> Self {
        self.warnings.push(w.into());
        self
    }

    /// The `{"keys": [...]}` response of a LIST.
    pub fn list(keys: Vec<String>) -> Self {
        let mut m = Map::new();
        m.insert("keys".into(), serde_json::json!(keys));
        Self::with_data(m)
    }

    /// Vault's JSON envelope of this response (`request_id`, `lease_id`, `renewable`,
    /// `lease_duration`, `data`, `wrap_info`, `warnings`, `auth`): what the HTTP layer
    /// sends, and what response wrapping stores for a later unwrap.
    pub fn envelope(&self, request_id: &str) -> serde_json::Value {
        let lease = self.lease.clone().unwrap_or_default();
        serde_json::json!({
            "request_id": request_id,
            "lease_id": lease.lease_id,
            "renewable": lease.renewable,
            "lease_duration": lease.lease_duration,
            "data": self.data,
            "wrap_info": self.wrap_info,
            "warnings": if self.warnings.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::json!(self.warnings)
            },
            "auth": self.auth,
        })
    }

    /// True when nothing would be sent in the envelope (HTTP 204).
    pub fn is_empty(&self) -> bool {
        self.data.is_none()
            && self.auth.is_none()
            && self.warnings.is_empty()
            && self.wrap_info.is_none()
            && self.raw.is_none()
            && self.lease.is_none()
    }
}
