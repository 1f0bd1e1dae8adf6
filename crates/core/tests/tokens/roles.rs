//! Token store roles and `create/:role`.

use arca_sdk::{Error, Operation};
use serde_json::json;

use crate::{call, create, data, lookup_self, policy, setup};

#[tokio::test]
async fn roles_shape_the_tokens_created_against_them() {
    let (core, root) = setup().await;
    policy(
        &core,
        &root,
        "creator",
        "path \"auth/token/create/*\" {\n  capabilities = [\"update\"]\n}\n",
    )
    .await;
    call(
        &core,
        &root,
        Operation::Update,
        "auth/token/roles/app",
        json!({"allowed_policies": ["app-a", "app-b"], "disallowed_policies": "secret-admin", "orphan": true, "path_suffix": "v10", "token_period": "1h", "token_num_uses": 7}),
    )
    .await
    .unwrap();
    let role = data(
        &core,
        &root,
        Operation::Read,
        "auth/token/roles/app",
        json!({}),
    )
    .await;
    assert_eq!(role["allowed_policies"], json!(["app-a", "app-b"]));
    assert_eq!(role["disallowed_policies"], json!(["secret-admin"]));
    assert_eq!(role["token_period"], 3600);
    assert_eq!(role["token_type"], "default-service");
    assert_eq!(role["renewable"], true);
    assert_eq!(role["token_num_uses"], 7);
    assert_eq!(role["name"], "app");
    let keys = data(&core, &root, Operation::List, "auth/token/roles", json!({})).await;
    assert_eq!(keys["keys"], json!(["app"]));

    // A caller without app-a may still create app-a tokens through the role.
    let (creator, _) = create(
        &core,
        &root,
        "auth/token/create",
        json!({"policies": ["creator"]}),
    )
    .await;
    let (t, a) = create(
        &core,
        &creator,
        "auth/token/create/app",
        json!({"policies": ["app-a"]}),
    )
    .await;
    assert_eq!(a["policies"], json!(["app-a", "default"]));
    assert_eq!(a["orphan"], true);
    assert_eq!(a["lease_duration"], 3600);
    assert_eq!(a["num_uses"], 7);
    let d = lookup_self(&core, &t).await.unwrap();
    assert_eq!(d["role"], "app");
    assert_eq!(d["path"], "auth/token/create/app/v10");
    assert_eq!(d["period"], 3600);
    // Without policies, the role's allowed set is used.
    let (_, a) = create(&core, &creator, "auth/token/create/app", json!({})).await;
    assert_eq!(a["policies"], json!(["app-a", "app-b", "default"]));

    let err = call(
        &core,
        &creator,
        Operation::Update,
        "auth/token/create/app",
        json!({"policies": ["other"]}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::BadRequest(m) if m.contains("must be subset of the role's allowed policies")),
        "{err}"
    );
    let err = call(
        &core,
        &creator,
        Operation::Update,
        "auth/token/create/nope",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::bad_request("unknown role nope"));

    // Disallowed policies, and batch-only roles' rules.
    call(
        &core,
        &root,
        Operation::Update,
        "auth/token/roles/deny",
        json!({"disallowed_policies": ["secret-admin"]}),
    )
    .await
    .unwrap();
    let err = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/create/deny",
        json!({"policies": ["secret-admin"]}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        Error::bad_request("token policy \"secret-admin\" is disallowed by this role")
    );
    let err = call(
        &core,
        &root,
        Operation::Update,
        "auth/token/roles/b",
        json!({"token_type": "batch"}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        Error::bad_request(
            "'token_type' cannot be 'batch' when role is set to generate non-orphan tokens"
        )
    );
    call(
        &core,
        &root,
        Operation::Update,
        "auth/token/roles/b",
        json!({"token_type": "batch", "orphan": true, "renewable": false}),
    )
    .await
    .unwrap();
    let (bt, _) = create(
        &core,
        &root,
        "auth/token/create/b",
        json!({"policies": ["x"]}),
    )
    .await;
    assert!(bt.starts_with("hvb."));

    call(
        &core,
        &root,
        Operation::Delete,
        "auth/token/roles/app",
        json!({}),
    )
    .await
    .unwrap();
    assert!(
        call(
            &core,
            &root,
            Operation::Read,
            "auth/token/roles/app",
            json!({})
        )
        .await
        .unwrap()
        .is_none()
    );
}
