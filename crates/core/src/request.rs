//! A request as the transport hands it to the core: the full path (without `/v1/`), the
//! operation, the body, and the raw token. The core authenticates, routes and turns it
//! into an `arca_sdk::Request` for one backend.

use std::collections::HashMap;

use arca_sdk::{Map, Operation};

/// A transport-neutral request.
#[derive(Clone, Default)]
pub struct CoreRequest {
    /// Unique id echoed as `request_id`.
    pub id: String,
    pub operation: Option<Operation>,
    /// Path without the `/v1/` prefix, e.g. `secret/data/foo`.
    pub path: String,
    pub data: Map,
    /// The client token from `X-Vault-Token` or `Authorization: Bearer`.
    pub token: Option<String>,
    /// Lower-cased header names to values (only the ones the core may use).
    pub headers: HashMap<String, String>,
    pub remote_addr: Option<String>,
}

impl CoreRequest {
    /// A request for `op` on `path` (builder for tests and internal calls).
    pub fn new(op: Operation, path: impl Into<String>) -> Self {
        CoreRequest {
            operation: Some(op),
            path: path.into(),
            ..Default::default()
        }
    }
    /// Sets the token (builder style).
    pub fn token(mut self, t: impl Into<String>) -> Self {
        self.token = Some(t.into());
        self
    }
    /// Sets the body (builder style).
    pub fn data(mut self, v: serde_json::Value) -> Self {
        if let serde_json::Value::Object(m) = v {
            self.data = m;
        }
        self
    }
    /// The operation, Read when unset.
    pub fn op(&self) -> Operation {
        self.operation.unwrap_or(Operation::Read)
    }
}

impl std::fmt::Debug for CoreRequest {
    // Never print the token or the body.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreRequest")
            .field("id", &self.id)
            .field("operation", &self.operation)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
