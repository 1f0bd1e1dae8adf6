//! `sys/auth` and logins through a credential backend.

use arca_sdk::{Error, Operation};
use serde_json::json;

use crate::{call, data, is_dead, lookup_self, setup};

#[tokio::test]
async fn enable_list_tune_login_disable() {
    let (core, root) = setup().await;
    let listed = data(&core, &root, Operation::Read, "sys/auth", json!({})).await;
    let token = &listed["token/"];
    assert_eq!(token["type"], "token");
    assert_eq!(token["description"], "token based credentials");
    assert_eq!(token["config"]["token_type"], "default-service");
    assert!(
        token["accessor"]
            .as_str()
            .unwrap()
            .starts_with("auth_token_")
    );

    call(
        &core,
        &root,
        Operation::Update,
        "sys/auth/tp",
        json!({"type": "testpass", "description": "test logins", "config": {"default_lease_ttl": "1h", "max_lease_ttl": "2h"}}),
    )
    .await
    .unwrap();
    let listed = data(&core, &root, Operation::Read, "sys/auth", json!({})).await;
    assert_eq!(listed["tp/"]["type"], "testpass");
    assert_eq!(listed["tp/"]["config"]["default_lease_ttl"], 3600);
    let one = data(&core, &root, Operation::Read, "sys/auth/tp", json!({})).await;
    assert_eq!(one["description"], "test logins");

    // The login path needs no token; other paths of the method do.
    let resp = core
        .handle(
            arca_core::CoreRequest::new(Operation::Update, "auth/tp/login/alice")
                .data(json!({"password": "pw"})),
        )
        .await
        .unwrap()
        .unwrap();
    let auth = resp.auth.unwrap();
    assert!(auth.client_token.starts_with("hvs."));
    assert_eq!(auth.policies, ["default", "dev"]);
    assert_eq!(auth.token_policies, ["default", "dev"]);
    assert_eq!(auth.lease_duration, 3600, "the mount's tuned default");
    assert!(auth.orphan && auth.renewable);
    assert_eq!(auth.token_type, "service");
    let d = lookup_self(&core, &auth.client_token).await.unwrap();
    assert_eq!(d["display_name"], "tp-alice");
    assert_eq!(d["path"], "auth/tp/login/alice");
    assert_eq!(d["meta"], json!({"username": "alice"}));
    let err = core
        .handle(
            arca_core::CoreRequest::new(Operation::Update, "auth/tp/login/alice")
                .data(json!({"password": "wrong"})),
        )
        .await
        .unwrap_err();
    assert_eq!(err, Error::bad_request("invalid username or password"));
    let err = core
        .handle(arca_core::CoreRequest::new(
            Operation::Read,
            "auth/tp/config",
        ))
        .await
        .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    assert!(
        call(&core, &root, Operation::Read, "auth/tp/config", json!({}))
            .await
            .unwrap()
            .is_some()
    );

    // Backend TTLs are capped by the mount; tuning through either path.
    let login = |body: serde_json::Value| {
        let core = core.clone();
        async move {
            core.handle(
                arca_core::CoreRequest::new(Operation::Update, "auth/tp/login/bob").data(body),
            )
            .await
            .unwrap()
            .unwrap()
        }
    };
    let resp = login(json!({"password": "pw", "ttl": 86400})).await;
    assert_eq!(resp.auth.unwrap().lease_duration, 7200);
    assert_eq!(resp.warnings.len(), 1);
    call(
        &core,
        &root,
        Operation::Update,
        "sys/mounts/auth/tp/tune",
        json!({"max_lease_ttl": "30m", "default_lease_ttl": "10m"}),
    )
    .await
    .unwrap();
    let tune = data(&core, &root, Operation::Read, "sys/auth/tp/tune", json!({})).await;
    assert_eq!(tune["max_lease_ttl"], 1800);
    assert_eq!(tune["token_type"], "default-service");
    let resp = login(json!({"password": "pw"})).await;
    assert_eq!(resp.auth.unwrap().lease_duration, 600);

    // A mount tuned to batch issues batch tokens.
    call(
        &core,
        &root,
        Operation::Update,
        "sys/auth/tp/tune",
        json!({"token_type": "batch"}),
    )
    .await
    .unwrap();
    let batch = login(json!({"password": "pw"})).await.auth.unwrap();
    assert!(batch.client_token.starts_with("hvb."));
    call(
        &core,
        &root,
        Operation::Update,
        "sys/auth/tp/tune",
        json!({"token_type": "default-service"}),
    )
    .await
    .unwrap();
    let limited = login(json!({"password": "pw", "num_uses": 1}))
        .await
        .auth
        .unwrap();
    assert_eq!(limited.num_uses, 1);

    // Disabling the method revokes its tokens.
    let service = login(json!({"password": "pw"})).await.auth.unwrap();
    call(&core, &root, Operation::Delete, "sys/auth/tp", json!({}))
        .await
        .unwrap();
    assert!(is_dead(&core, &service.client_token).await);
    assert!(is_dead(&core, &auth.client_token).await);
    let err = core
        .handle(
            arca_core::CoreRequest::new(Operation::Update, "auth/tp/login/alice")
                .data(json!({"password": "pw"})),
        )
        .await
        .unwrap_err();
    // With the mount gone the path is no longer a login path, so (as in Vault) a caller
    // without a token gets 403 rather than learning that nothing is mounted there.
    assert_eq!(err, Error::PermissionDenied);
    // Disabling it again is a no-op.
    call(&core, &root, Operation::Delete, "sys/auth/tp", json!({}))
        .await
        .unwrap();
}

#[tokio::test]
async fn auth_table_rules() {
    let (core, root) = setup().await;
    let cases = [
        (
            Operation::Delete,
            "sys/auth/token",
            json!({}),
            "token credential backend cannot be disabled",
        ),
        (
            Operation::Update,
            "sys/auth/t2",
            json!({"type": "token"}),
            "token credential backend cannot be instantiated",
        ),
        (
            Operation::Update,
            "sys/auth/kv",
            json!({"type": "kv"}),
            "cannot enable \"kv\" as an auth method: it is a secrets engine",
        ),
        (
            Operation::Update,
            "sys/auth/x",
            json!({"type": "nope"}),
            "plugin not found in the catalog: nope",
        ),
        (
            Operation::Update,
            "sys/mounts/tp",
            json!({"type": "testpass"}),
            "cannot mount \"testpass\" as a secrets engine: it is an auth method",
        ),
        (
            Operation::Update,
            "sys/auth/token/sub",
            json!({"type": "testpass"}),
            "path is already in use at auth/token/",
        ),
    ];
    for (op, path, body, msg) in cases {
        let err = call(&core, &root, op, path, body).await.unwrap_err();
        assert_eq!(err, Error::bad_request(msg), "{path}");
    }
    let listed = data(&core, &root, Operation::Read, "sys/auth", json!({})).await;
    assert_eq!(listed.as_object().unwrap().len(), 1);
    // Enabling needs sudo on sys/auth/*.
    let (t, _) = crate::create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["x"]}),
    )
    .await;
    let err = call(
        &core,
        &t,
        Operation::Update,
        "sys/auth/tp",
        json!({"type": "testpass"}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::PermissionDenied);
    // Unknown auth paths are 404s.
    let err = call(&core, &root, Operation::Read, "auth/nope/x", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedPath(_)));
}
