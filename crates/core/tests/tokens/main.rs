//! Tokens and auth methods end to end through the core over in-memory storage: the
//! token tree, revocation cascades, use counts, expiry (with the core's token clock
//! moved forward instead of sleeping), renewals, batch tokens, roles, `sys/auth` and
//! logins through a credential backend.

mod auth_methods;
mod batch;
mod lifecycle;
mod roles;
mod testpass;
mod wrapping;

#[path = "../support/mod.rs"]
mod support;

use std::sync::Arc;

use arca_core::Core;
use arca_sdk::{Error, Operation};
use arca_storage::MemoryPhysical;
use serde_json::{Value, json};
pub use support::{call, data};

/// An initialised, unsealed core with kv-v2 at `secret/`, and its root token.
pub async fn setup() -> (Arc<Core>, String) {
    let core = support::new_core_with(
        Arc::new(MemoryPhysical::default()),
        vec![Arc::new(testpass::TestpassFactory)],
    );
    let (root, _) = support::init_unsealed(&core).await;
    call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/secret",
        json!({"type": "kv-v2"}),
    )
    .await
    .unwrap();
    (core, root)
}

/// Creates a token through `path` (`auth/token/create...`) and returns (token, auth).
pub async fn create(core: &Core, parent: &str, path: &str, body: Value) -> (String, Value) {
    let resp = call(core, parent, Operation::Update, path, body)
        .await
        .unwrap()
        .unwrap();
    let auth = resp.auth.unwrap();
    (
        auth.client_token.clone(),
        serde_json::to_value(&auth).unwrap(),
    )
}

/// Writes a policy.
pub async fn policy(core: &Core, root: &str, name: &str, text: &str) {
    call(
        core,
        root,
        Operation::Update,
        &format!("sys/policies/acl/{name}"),
        json!({ "policy": text }),
    )
    .await
    .unwrap();
}

/// `auth/token/lookup-self` with `token`.
pub async fn lookup_self(core: &Core, token: &str) -> Result<Value, Error> {
    call(
        core,
        token,
        Operation::Read,
        "auth/token/lookup-self",
        json!({}),
    )
    .await
    .map(|r| Value::Object(r.and_then(|r| r.data).unwrap_or_default()))
}

/// True when `token` is refused as unknown.
pub async fn is_dead(core: &Core, token: &str) -> bool {
    matches!(lookup_self(core, token).await, Err(Error::PermissionDenied))
}
