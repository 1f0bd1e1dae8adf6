//! A request as a backend sees it: already authenticated and routed, with the path made
//! relative to the mount and the storage view scoped to the mount's own prefix.

use std::{collections::HashMap, sync::Arc};

use crate::{Map, Storage};

/// What the client asked to do. HTTP methods map onto these in the `http` crate:
/// GET → Read, PUT/POST → Update (Create when an existence check says the target is new),
/// PATCH → Patch, DELETE → Delete, LIST or `GET ?list=true` → List.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Read,
    Create,
    Update,
    Patch,
    Delete,
    List,
    Help,
}

impl Operation {
    /// The lower-case name Vault uses in audit logs and policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Patch => "patch",
            Operation::Delete => "delete",
            Operation::List => "list",
            Operation::Help => "help",
        }
    }

    /// True when the operation may change state, so its storage writes must be committed.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Operation::Create | Operation::Update | Operation::Patch | Operation::Delete
        )
    }
}

/// One request, routed to one backend.
#[derive(Clone)]
pub struct Request {
    /// Unique id, echoed as `request_id` in the response envelope.
    pub id: String,
    pub operation: Operation,
    /// Path relative to the mount point (e.g. `data/foo` for `secret/data/foo`).
    pub path: String,
    /// Mount point with a trailing slash (e.g. `secret/`).
    pub mount_point: String,
    /// Body fields (JSON object) merged with query parameters for reads and lists.
    pub data: Map,
    /// An opaque, stable identifier of the calling token (never the token itself):
    /// backends that keep per-token state, such as cubbyhole, key their storage by it.
    pub client_token_id: Option<String>,
    /// Selected request headers, lower-cased names.
    pub headers: HashMap<String, String>,
    /// The client's address, when known (for CIDR bindings).
    pub remote_addr: Option<String>,
    /// The mount's default lease TTL in seconds (tunable with `sys/mounts/<path>/tune`),
    /// which engines report as `lease_duration` for secrets without their own TTL.
    pub mount_default_lease_ttl: u64,
    /// Storage scoped to this backend's mount. Writes become visible to later reads of
    /// the same request and are committed atomically when the request succeeds.
    pub storage: Arc<dyn Storage>,
}

impl Request {
    /// Builds a request with empty data for tests and internal calls.
    pub fn new(operation: Operation, path: impl Into<String>, storage: Arc<dyn Storage>) -> Self {
        Request {
            id: String::new(),
            operation,
            path: path.into(),
            mount_point: String::new(),
            data: Map::new(),
            client_token_id: None,
            headers: HashMap::new(),
            remote_addr: None,
            mount_default_lease_ttl: 0,
            storage,
        }
    }

    /// Sets the body (builder style, for tests).
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        if let serde_json::Value::Object(m) = data {
            self.data = m;
        }
        self
    }
}

impl std::fmt::Debug for Request {
    // Data may hold secrets: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("id", &self.id)
            .field("operation", &self.operation)
            .field("path", &self.path)
            .field("mount_point", &self.mount_point)
            .finish_non_exhaustive()
    }
}
