//! The core's standby read mode (`Core::handle_standby_read`) over in-memory storage: a
//! plain read is served, and a read that would write (a limited-use token, a wrapped
//! response, a write operation, a `sys/` path) is handed back for forwarding with
//! nothing committed.

mod support;

use arca_core::{CoreRequest, StandbyRead};
use arca_sdk::Operation;
use serde_json::json;
use support::{call, unsealed_core};

async fn with_secret(core: &arca_core::Core, root: &str) {
    call(
        core,
        root,
        Operation::Update,
        "sys/mounts/secret",
        json!({"type": "kv-v2"}),
    )
    .await
    .unwrap();
    call(
        core,
        root,
        Operation::Update,
        "secret/data/a",
        json!({"data": {"v": "1"}}),
    )
    .await
    .unwrap();
}

fn read(path: &str, token: &str) -> CoreRequest {
    CoreRequest::new(Operation::Read, path).token(token)
}

#[tokio::test]
async fn plain_read_is_served_and_missing_key_is_none() {
    let (core, root) = unsealed_core().await;
    with_secret(&core, &root).await;
    match core.handle_standby_read(read("secret/data/a", &root)).await {
        Ok(StandbyRead::Served(resp)) => {
            let data = resp.expect("a response").data.unwrap();
            assert_eq!(data["data"]["v"], "1");
        }
        other => panic!("expected a served read, got {other:?}"),
    }
    match core
        .handle_standby_read(read("secret/data/missing", &root))
        .await
    {
        Ok(StandbyRead::Served(resp)) => assert!(resp.is_none()),
        other => panic!("expected a served empty read, got {other:?}"),
    }
    // A bad token is refused locally, as on the active node.
    assert!(
        core.handle_standby_read(read("secret/data/a", "hvs.nope"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn limited_use_token_is_forwarded_and_its_use_not_counted() {
    let (core, root) = unsealed_core().await;
    with_secret(&core, &root).await;
    let created = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/create",
        json!({"num_uses": 2, "policies": ["root"]}),
    )
    .await
    .unwrap()
    .unwrap();
    let token = created.auth.unwrap().client_token;
    for _ in 0..3 {
        assert!(matches!(
            core.handle_standby_read(read("secret/data/a", &token))
                .await,
            Ok(StandbyRead::Forward)
        ));
    }
    // Nothing was committed: both uses remain.
    let looked = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/lookup",
        json!({"token": token}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(looked.data.unwrap()["num_uses"], 2);
}

#[tokio::test]
async fn wrapping_writes_and_sys_paths_are_forwarded() {
    let (core, root) = unsealed_core().await;
    with_secret(&core, &root).await;
    let mut wrapped = read("secret/data/a", &root);
    wrapped
        .headers
        .insert("x-vault-wrap-ttl".into(), "60s".into());
    assert!(matches!(
        core.handle_standby_read(wrapped).await,
        Ok(StandbyRead::Forward)
    ));
    let write = CoreRequest::new(Operation::Update, "secret/data/a")
        .token(&root)
        .data(json!({"data": {"v": "2"}}));
    assert!(matches!(
        core.handle_standby_read(write).await,
        Ok(StandbyRead::Forward)
    ));
    assert!(matches!(
        core.handle_standby_read(read("sys/mounts", &root)).await,
        Ok(StandbyRead::Forward)
    ));
    // The write above did not happen.
    let got = call(&core, &root, Operation::Read, "secret/data/a", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.data.unwrap()["data"]["v"], "1");
}
