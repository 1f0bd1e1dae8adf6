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

use std::sync::Arc;

use arca_core::{Core, CoreOptions, CoreRequest, InitParams, SingleNode};
use arca_sdk::{Error, Operation, Response};
use arca_storage::MemoryPhysical;
use serde_json::{Value, json};

/// An initialised, unsealed core with kv-v2 at `secret/`, and its root token.
pub async fn setup() -> (Arc<Core>, String) {
    let core = Core::new(CoreOptions {
        physical: Arc::new(MemoryPhysical::default()),
        cluster: Arc::new(SingleNode {
            api_addr: "http://127.0.0.1:8200".into(),
        }),
        factories: vec![
            Arc::new(arca_engine_kv::KvFactory),
            Arc::new(arca_engine_cubbyhole::CubbyholeFactory),
            Arc::new(testpass::TestpassFactory),
        ],
        cluster_name: "test".into(),
    })
    .unwrap();
    let r = core
        .init(
            InitParams {
                secret_shares: 1,
                secret_threshold: 1,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    core.unseal(&r.keys[0]).await.unwrap();
    let root = r.root_token;
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

/// Runs one request.
pub async fn call(
    core: &Core,
    token: &str,
    op: Operation,
    path: &str,
    body: Value,
) -> Result<Option<Response>, Error> {
    core.handle(CoreRequest::new(op, path).token(token).data(body))
        .await
}

/// Runs a request that must succeed and return data.
pub async fn data(core: &Core, token: &str, op: Operation, path: &str, body: Value) -> Value {
    let resp = call(core, token, op, path, body).await.unwrap().unwrap();
    Value::Object(resp.data.unwrap_or_default())
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
