//! Shared set-up of the core's tests over in-memory storage: a core with the kv and
//! cubbyhole engines, initialised with one key share and unsealed, and request helpers.
//!
//! Used by the integration tests (`mod support;`) and, through `#[path]` in `lib.rs`, by
//! the in-crate unit tests as `crate::test_support`, so the set-up lives in one file.
//! Paths go through `arca_core::`, which `lib.rs` aliases to the crate itself in tests.
#![allow(dead_code)]

use std::sync::Arc;

use arca_core::{Core, CoreOptions, CoreRequest, InitParams, SingleNode};
use arca_sdk::{BackendFactory, Error, Operation, Response};
use arca_storage::MemoryPhysical;
use serde_json::Value;

/// A sealed, uninitialised core over `physical` with the kv and cubbyhole engines.
pub fn new_core(physical: Arc<MemoryPhysical>) -> Arc<Core> {
    new_core_with(physical, Vec::new())
}

/// As [`new_core`], with `extra` engine or auth factories registered as well.
pub fn new_core_with(
    physical: Arc<MemoryPhysical>,
    extra: Vec<Arc<dyn BackendFactory>>,
) -> Arc<Core> {
    let mut factories: Vec<Arc<dyn BackendFactory>> = vec![
        Arc::new(arca_engine_kv::KvFactory),
        Arc::new(arca_engine_cubbyhole::CubbyholeFactory),
    ];
    factories.extend(extra);
    Core::new(CoreOptions {
        physical,
        cluster: Arc::new(SingleNode {
            api_addr: "http://127.0.0.1:8200".into(),
        }),
        factories,
        cluster_name: "test".into(),
    })
    .unwrap()
}

/// Initialises `core` with a single key share and unseals it: (root token, unseal key).
pub async fn init_unsealed(core: &Core) -> (String, Vec<u8>) {
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
    assert!(!core.is_sealed());
    (r.root_token, r.keys[0].to_vec())
}

/// A fresh in-memory core, initialised and unsealed: (core, root token).
pub async fn unsealed_core() -> (Arc<Core>, String) {
    let core = new_core(Arc::new(MemoryPhysical::default()));
    let (root, _) = init_unsealed(&core).await;
    (core, root)
}

/// Runs one request as `token`.
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

/// Runs one request that must succeed with a response and returns its `data` as a JSON
/// object (empty when the response has none).
pub async fn data(core: &Core, token: &str, op: Operation, path: &str, body: Value) -> Value {
    let resp = call(core, token, op, path, body).await.unwrap().unwrap();
    Value::Object(resp.data.unwrap_or_default())
}
