//! What the core tells the devices about one request: plain values (the token in
//! clear, the request body as the client sent it); the devices hash what must not be
//! written before anything leaves the process.

use std::collections::BTreeMap;

use arca_sdk::{Map, Operation, Response};
use zeroize::Zeroizing;

/// The mount a request was routed to (omitted when the path has no mount).
#[derive(Debug, Clone, Default)]
pub struct MountInfo {
    /// `kv`, `system`, `token`, `approle`, ...
    pub mount_type: String,
    /// With a trailing slash, the full API prefix (`secret/`, `auth/approle/`).
    pub mount_point: String,
    pub mount_accessor: String,
    /// `secret` or `auth`, as Vault's `mount_class`.
    pub mount_class: String,
}

/// The authenticated caller (the `auth` object of an entry).
#[derive(Clone, Default)]
pub struct AuthInfo {
    /// The token itself; hashed in every entry unless `log_raw`.
    pub client_token: Zeroizing<String>,
    /// The token's accessor; hashed unless `hmac_accessor=false` or `log_raw`.
    pub accessor: String,
    pub display_name: String,
    pub policies: Vec<String>,
    pub token_policies: Vec<String>,
    pub metadata: BTreeMap<String, String>,
    pub entity_id: String,
    /// `service` or `batch`.
    pub token_type: String,
    /// Seconds the token was issued for (0: none).
    pub token_ttl: u64,
    /// RFC 3339 issue time; empty when unknown.
    pub token_issue_time: String,
    /// Uses left (0: unlimited).
    pub num_uses: u64,
}

impl std::fmt::Debug for AuthInfo {
    // Never print the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthInfo")
            .field("display_name", &self.display_name)
            .finish_non_exhaustive()
    }
}

/// The request part of an entry.
#[derive(Clone)]
pub struct RequestInfo {
    pub id: String,
    pub operation: Operation,
    /// Full API path without `/v1/`.
    pub path: String,
    pub mount: Option<MountInfo>,
    /// The body (or query of reads and lists), as the client sent it.
    pub data: Map,
    pub remote_address: Option<String>,
    /// Seconds asked for with `X-Vault-Wrap-TTL` (0: none).
    pub wrap_ttl: u64,
    /// Request headers chosen for auditing (lower-case names); none by default, as Vault.
    pub headers: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for RequestInfo {
    // Never print the body.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestInfo")
            .field("id", &self.id)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// One request and what is known about it when an entry is written.
#[derive(Debug, Clone)]
pub struct LogInput {
    pub request: RequestInfo,
    /// The caller; `None` for unauthenticated requests (logins) or when authentication
    /// failed.
    pub auth: Option<AuthInfo>,
    /// The backend's response (response entries only).
    pub response: Option<Response>,
    /// The error the request failed with, if any.
    pub error: Option<String>,
}
