//! The core end to end over in-memory storage: init, unseal, mounts, KV, seal, tokens,
//! conflicts. The same flows run against the real server in tests/compat.

mod support;

use std::sync::Arc;

use arca_core::{Core, CoreRequest, InitParams};
use arca_sdk::{Error, Operation};
use arca_storage::MemoryPhysical;
use serde_json::json;
use support::call;

fn new_core() -> (Arc<Core>, Arc<MemoryPhysical>) {
    let physical = Arc::new(MemoryPhysical::default());
    (support::new_core(physical.clone()), physical)
}

async fn init_unsealed(core: &Core) -> (String, Vec<Vec<u8>>) {
    let r = core
        .init(
            InitParams {
                secret_shares: 5,
                secret_threshold: 3,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let keys: Vec<Vec<u8>> = r.keys.iter().map(|k| k.to_vec()).collect();
    for k in &keys[..3] {
        core.unseal(k).await.unwrap();
    }
    assert!(!core.is_sealed());
    (r.root_token, keys)
}

#[tokio::test]
async fn init_unseal_and_kv_v2_round_trip() {
    let (core, physical) = new_core();
    assert!(core.is_sealed());
    let (root, keys) = init_unsealed(&core).await;

    call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/secret",
        json!({"type": "kv-v2"}),
    )
    .await
    .unwrap();
    call(
        &core,
        &root,
        Operation::Update,
        "secret/data/database/secret",
        json!({"data": {"username": "myusername", "password": "canary-pw-123"}}),
    )
    .await
    .unwrap();
    let got = call(
        &core,
        &root,
        Operation::Read,
        "secret/data/database/secret",
        json!({}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(got.data.unwrap()["data"]["password"], "canary-pw-123");

    // Nothing in physical storage holds the plaintext.
    for (_k, v) in physical.dump() {
        assert!(!v.windows(13).any(|w| w == b"canary-pw-123"));
    }

    // Seal: only status routes answer; unseal again with other keys.
    call(&core, &root, Operation::Update, "sys/seal", json!({}))
        .await
        .unwrap();
    let err = call(
        &core,
        &root,
        Operation::Read,
        "secret/data/database/secret",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::Sealed);
    for k in &keys[2..5] {
        core.unseal(k).await.unwrap();
    }
    let got = call(
        &core,
        &root,
        Operation::Read,
        "secret/data/database/secret",
        json!({}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(got.data.unwrap()["data"]["username"], "myusername");
}

#[tokio::test]
async fn tokens_and_routes_are_checked() {
    let (core, _) = new_core();
    let (root, _) = init_unsealed(&core).await;
    let err = core
        .handle(CoreRequest::new(Operation::Read, "sys/mounts"))
        .await
        .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    let err = call(&core, "hvs.bogus", Operation::Read, "sys/mounts", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    let err = call(&core, &root, Operation::Read, "nope/x", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedPath(_)));
    // Without a valid token an unknown path is 403, not 404: mounts cannot be probed.
    let err = core
        .handle(CoreRequest::new(Operation::Read, "nope/x"))
        .await
        .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    let err = call(&core, "hvs.bogus", Operation::Read, "nope/x", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    let err = call(
        &core,
        &root,
        Operation::Read,
        "secret/../sys/mounts",
        json!({}),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)));
}

#[tokio::test]
async fn mounts_enable_tune_disable() {
    let (core, _) = new_core();
    let (root, _) = init_unsealed(&core).await;
    call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/kv1",
        json!({"type": "kv"}),
    )
    .await
    .unwrap();
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/kv1",
        json!({"type": "kv"}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("path is already in use at kv1/"));
    let err = call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/x",
        json!({"type": "nosuch"}),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::BadRequest(m) if m.contains("plugin not found")));

    call(&core, &root, Operation::Update, "kv1/a", json!({"k": "v"}))
        .await
        .unwrap();
    call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/kv1/tune",
        json!({"default_lease_ttl": "1m"}),
    )
    .await
    .unwrap();
    let tune = call(
        &core,
        &root,
        Operation::Read,
        "sys/mounts/kv1/tune",
        json!({}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(tune.data.unwrap()["default_lease_ttl"], 60);
    let got = call(&core, &root, Operation::Read, "kv1/a", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.lease.unwrap().lease_duration, 60);

    let list = call(&core, &root, Operation::Read, "sys/mounts", json!({}))
        .await
        .unwrap()
        .unwrap();
    let data = list.data.unwrap();
    assert_eq!(data["kv1/"]["options"]["version"], "1");
    assert!(data.contains_key("sys/") && data.contains_key("cubbyhole/"));

    call(&core, &root, Operation::Delete, "sys/mounts/kv1", json!({}))
        .await
        .unwrap();
    let err = call(&core, &root, Operation::Read, "kv1/a", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedPath(_)));
    // Re-enabling gives an empty mount: the old data was deleted with the mount.
    call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/kv1",
        json!({"type": "kv"}),
    )
    .await
    .unwrap();
    assert!(
        call(&core, &root, Operation::Read, "kv1/a", json!({}))
            .await
            .unwrap()
            .is_none()
    );
    let err = call(&core, &root, Operation::Delete, "sys/mounts/sys", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)));
}

#[tokio::test]
async fn concurrent_cas_writes_have_one_winner() {
    let (core, _) = new_core();
    let (root, _) = init_unsealed(&core).await;
    call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/secret",
        json!({"type": "kv-v2"}),
    )
    .await
    .unwrap();
    let mut handles = Vec::new();
    for i in 0..16 {
        let core = core.clone();
        let root = root.clone();
        handles.push(tokio::spawn(async move {
            call(
                &core,
                &root,
                Operation::Update,
                "secret/data/race",
                json!({"data": {"writer": i}, "options": {"cas": 0}}),
            )
            .await
        }));
    }
    let mut ok = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::BadRequest(m)) => assert!(m.contains("check-and-set"), "{m}"),
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
    assert_eq!(ok, 1, "exactly one cas=0 write may succeed");
    let meta = call(
        &core,
        &root,
        Operation::Read,
        "secret/metadata/race",
        json!({}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(meta.data.unwrap()["current_version"], 1);
}

#[tokio::test]
async fn cubbyhole_is_per_token() {
    let (core, _) = new_core();
    let (root, _) = init_unsealed(&core).await;
    call(
        &core,
        &root,
        Operation::Update,
        "cubbyhole/mine",
        json!({"a": "b"}),
    )
    .await
    .unwrap();
    let got = call(&core, &root, Operation::Read, "cubbyhole/mine", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.data.unwrap()["a"], "b");
}

#[tokio::test]
async fn status_routes_work_sealed_and_unseal_errors() {
    let (core, _) = new_core();
    let h = core
        .handle(CoreRequest::new(Operation::Read, "sys/health"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.raw.unwrap().status, 501);
    let (_root, keys) = init_unsealed(&core).await;
    core.seal().await;
    let h = core
        .handle(CoreRequest::new(Operation::Read, "sys/health"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.raw.unwrap().status, 503);
    let h = core
        .handle(CoreRequest::new(Operation::Read, "sys/health").data(json!({"sealedcode": "299"})))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.raw.unwrap().status, 299);
    // Wrong shares of the right length: refused, still sealed, progress reset.
    let mut wrong = keys[0].clone();
    wrong[5] ^= 0xff;
    core.unseal(&wrong).await.unwrap();
    core.unseal(&keys[1]).await.unwrap();
    assert!(core.unseal(&keys[2]).await.is_err());
    assert!(core.is_sealed());
    assert_eq!(core.seal_status().await.unwrap().progress, 0);
    for k in &keys[..3] {
        core.unseal(k).await.unwrap();
    }
    assert!(!core.is_sealed());
}
