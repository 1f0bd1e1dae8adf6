//! Batch tokens: self-contained, not renewable, not revocable, no children, no cubbyhole;
//! they expire, and die with their parent.

use arca_sdk::{Error, Operation};
use serde_json::json;

use crate::{call, create, is_dead, lookup_self, policy, setup};

#[tokio::test]
async fn batch_tokens() {
    let (core, root) = setup().await;
    policy(
        &core,
        &root,
        "reader",
        "path \"secret/data/*\" {\n  capabilities = [\"read\"]\n}\npath \"auth/token/create\" {\n  capabilities = [\"update\"]\n}\n",
    )
    .await;
    call(
        &core,
        &root,
        Operation::Update,
        "secret/data/a",
        json!({"data": {"v": 1}}),
    )
    .await
    .unwrap();
    let (p, _) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["reader"]}),
    )
    .await;
    let (b, auth) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"type": "batch", "policies": ["reader"], "ttl": "10m"}),
    )
    .await;
    assert!(b.starts_with("hvb."), "{b}");
    assert_eq!(auth["token_type"], "batch");
    assert_eq!(auth["accessor"], "");
    assert_eq!(auth["renewable"], false);
    assert_eq!(auth["lease_duration"], 600);

    let d = lookup_self(&core, &b).await.unwrap();
    assert_eq!(d["type"], "batch");
    assert_eq!(d["policies"], json!(["default", "reader"]));
    assert!(
        call(&core, &b, Operation::Read, "secret/data/a", json!({}))
            .await
            .unwrap()
            .is_some()
    );

    for (path, body, msg) in [
        (
            "auth/token/create",
            json!({}),
            "batch tokens cannot create more tokens",
        ),
        (
            "auth/token/renew-self",
            json!({}),
            "batch tokens cannot be renewed",
        ),
        (
            "auth/token/revoke-self",
            json!({}),
            "batch tokens cannot be revoked",
        ),
    ] {
        let err = call(&core, &b, Operation::Update, path, body)
            .await
            .unwrap_err();
        assert_eq!(err, Error::bad_request(msg), "{path}");
    }
    let err = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/revoke",
        json!({"token": b}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("batch tokens cannot be revoked"));
    let err = call(&core, &b, Operation::Update, "cubbyhole/x", json!({"a": 1}))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::bad_request("cubbyhole operations are only supported by \"service\" type tokens")
    );
    for (body, msg) in [
        (
            json!({"type": "batch", "num_uses": 2}),
            "batch tokens cannot have \"num_uses\" set",
        ),
        (
            json!({"type": "batch", "period": "1h"}),
            "batch tokens cannot have \"period\" set",
        ),
        (
            json!({"type": "batch"}),
            "batch tokens cannot be root tokens",
        ),
        (json!({"type": "nope"}), "invalid 'token_type' value"),
    ] {
        let err = call(&core, &root, Operation::Update, "auth/token/create", body)
            .await
            .unwrap_err();
        assert_eq!(err, Error::bad_request(msg));
    }

    // A batch child dies with its parent.
    let (child, _) = create(&core, &p, "auth/token/create", json!({"type": "batch"})).await;
    assert!(!is_dead(&core, &child).await);
    call(
        &core,
        &root,
        Operation::Update,
        "auth/token/revoke",
        json!({"token": p}),
    )
    .await
    .unwrap();
    assert!(is_dead(&core, &child).await);

    // And a batch token expires.
    core.advance_token_clock(601);
    assert!(is_dead(&core, &b).await);
    // A tampered token is simply unknown.
    let mut bad = b.clone();
    bad.push('A');
    assert!(is_dead(&core, &bad).await);
}
