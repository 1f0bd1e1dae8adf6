//! Role management.

use arca_sdk::{Error, Operation};
use serde_json::json;

use super::{AppRole, bad_request};

#[tokio::test]
async fn create_read_list_delete() {
    let a = AppRole::new();
    assert!(
        a.write(
            "role/My-Role",
            json!({
                "token_policies": "web, db", "token_ttl": "1h", "token_max_ttl": "2h",
                "secret_id_ttl": "10m", "secret_id_num_uses": 5, "token_num_uses": 3,
            })
        )
        .await
        .is_null()
    );
    // Names are case-insensitive.
    let r = a.read("role/my-role").await.unwrap();
    assert_eq!(r["bind_secret_id"], true);
    assert_eq!(r["token_policies"], json!(["db", "web"]));
    assert_eq!(r["token_ttl"], 3600);
    assert_eq!(r["token_max_ttl"], 7200);
    assert_eq!(r["secret_id_ttl"], 600);
    assert_eq!(r["secret_id_num_uses"], 5);
    assert_eq!(r["token_num_uses"], 3);
    assert_eq!(r["token_type"], "default");
    assert_eq!(r["local_secret_ids"], false);
    assert_eq!(r["secret_id_bound_cidrs"], json!([]));
    assert!(r.get("hmac_key").is_none() && r.get("role_id").is_none());
    assert!(r.get("policies").is_none(), "legacy name only when used");

    a.write("role/other", json!({})).await;
    let keys = a.ok(Operation::List, "role/", json!({})).await;
    assert_eq!(keys["keys"], json!(["my-role", "other"]));

    // Updates keep what they do not mention.
    a.write("role/my-role", json!({"token_ttl": 60})).await;
    let r = a.read("role/my-role").await.unwrap();
    assert_eq!(r["token_ttl"], 60);
    assert_eq!(r["token_policies"], json!(["db", "web"]));

    assert!(
        a.ok(Operation::Delete, "role/my-role", json!({}))
            .await
            .is_null()
    );
    assert!(a.read("role/my-role").await.is_none());
    assert!(a.read("role/my-role/role-id").await.is_none());
    a.ok(Operation::Delete, "role/other", json!({})).await;
    assert!(
        a.call(Operation::List, "role/", json!({}))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn existence_check_tells_create_from_update() {
    let a = AppRole::new();
    let req = |p: &str| {
        arca_sdk::Request::new(
            Operation::Update,
            p,
            a.storage.clone() as std::sync::Arc<dyn arca_sdk::Storage>,
        )
    };
    assert_eq!(a.backend.exists(&req("role/r")).await.unwrap(), Some(false));
    a.write("role/r", json!({})).await;
    assert_eq!(a.backend.exists(&req("role/R")).await.unwrap(), Some(true));
}

#[tokio::test]
async fn legacy_policies_and_period_are_echoed() {
    let a = AppRole::new();
    a.write("role/r", json!({"policies": ["b", "a"], "period": "1h"}))
        .await;
    let r = a.read("role/r").await.unwrap();
    assert_eq!(r["token_policies"], json!(["a", "b"]));
    assert_eq!(r["policies"], json!(["a", "b"]));
    assert_eq!(r["token_period"], 3600);
    assert_eq!(r["period"], 3600);
}

#[tokio::test]
async fn rejects_invalid_settings() {
    let a = AppRole::new();
    let e = a
        .err(
            Operation::Update,
            "role/r",
            json!({"bind_secret_id": false}),
        )
        .await;
    assert_eq!(
        bad_request(&e),
        "at least one constraint should be enabled on the role"
    );
    let e = a
        .err(
            Operation::Update,
            "role/r",
            json!({"secret_id_bound_cidrs": "10.0.0.0/99"}),
        )
        .await;
    assert_eq!(bad_request(&e), "invalid CIDR blocks");
    let e = a
        .err(
            Operation::Update,
            "role/r",
            json!({"secret_id_num_uses": -1}),
        )
        .await;
    assert_eq!(bad_request(&e), "secret_id_num_uses cannot be negative");
    let e = a
        .err(
            Operation::Update,
            "role/r",
            json!({"token_type": "batch", "token_period": 5}),
        )
        .await;
    assert!(bad_request(&e).starts_with("'token_type' cannot be 'batch'"));
    let e = a
        .err(
            Operation::Update,
            "role/r",
            json!({"token_ttl": 10, "token_max_ttl": 5}),
        )
        .await;
    assert_eq!(
        bad_request(&e),
        "'token_ttl' cannot be greater than 'token_max_ttl'"
    );
    assert!(
        a.read("role/r").await.is_none(),
        "failed writes create nothing"
    );

    a.write("role/r", json!({"local_secret_ids": true})).await;
    assert_eq!(a.read("role/r").await.unwrap()["local_secret_ids"], true);
    let e = a
        .err(
            Operation::Update,
            "role/r",
            json!({"local_secret_ids": false}),
        )
        .await;
    assert_eq!(
        bad_request(&e),
        "local_secret_ids can only be modified during role creation"
    );
    let long = "a".repeat(4097);
    let e = a
        .err(Operation::Update, &format!("role/{long}"), json!({}))
        .await;
    assert!(bad_request(&e).contains("longer than maximum of 4096 bytes"));
}

#[tokio::test]
async fn bind_secret_id_false_needs_a_cidr_binding() {
    let a = AppRole::new();
    a.write(
        "role/r",
        json!({"bind_secret_id": false, "secret_id_bound_cidrs": "10.0.0.0/8"}),
    )
    .await;
    let r = a.read("role/r").await.unwrap();
    assert_eq!(r["bind_secret_id"], false);
    assert_eq!(r["secret_id_bound_cidrs"], json!(["10.0.0.0/8"]));
    // Removing the last constraint is refused.
    let e = a
        .err(Operation::Delete, "role/r/secret-id-bound-cidrs", json!({}))
        .await;
    assert_eq!(
        bad_request(&e),
        "at least one constraint should be enabled on the role"
    );
}

#[tokio::test]
async fn role_id_read_and_custom() {
    let a = AppRole::new();
    a.write("role/r", json!({})).await;
    let id = a.role_id("r").await;
    assert_eq!(id.len(), 36);
    a.write("role/r/role-id", json!({"role_id": "custom-id"}))
        .await;
    assert_eq!(a.role_id("r").await, "custom-id");
    // The old ID no longer logs in; the new one does.
    let sid = a.secret_id("r").await;
    assert!(a.login(&id, &sid).await.is_err());
    assert!(a.login("custom-id", &sid).await.is_ok());

    a.write("role/s", json!({})).await;
    let e = a
        .err(
            Operation::Update,
            "role/s/role-id",
            json!({"role_id": "custom-id"}),
        )
        .await;
    assert_eq!(bad_request(&e), "role_id already in use");
    let e = a
        .err(Operation::Update, "role/s", json!({"role_id": "custom-id"}))
        .await;
    assert_eq!(bad_request(&e), "role_id already in use");
    let e = a.err(Operation::Update, "role/s/role-id", json!({})).await;
    assert_eq!(bad_request(&e), "missing role_id");
    let e = a
        .err(
            Operation::Update,
            "role/nope/role-id",
            json!({"role_id": "x"}),
        )
        .await;
    assert!(matches!(e, Error::UnsupportedPath(p) if p == "auth/approle/role/nope/role-id"));
}

#[tokio::test]
async fn property_endpoints() {
    let a = AppRole::new();
    a.write("role/r", json!({"token_policies": "a"})).await;

    a.write("role/r/policies", json!({"token_policies": "x,y"}))
        .await;
    assert_eq!(
        a.read("role/r/policies").await.unwrap(),
        json!({"token_policies": ["x", "y"]})
    );
    a.write("role/r/policies", json!({"policies": "z"})).await;
    assert_eq!(
        a.read("role/r/policies").await.unwrap(),
        json!({"token_policies": ["z"], "policies": ["z"]})
    );
    a.ok(Operation::Delete, "role/r/policies", json!({})).await;
    assert_eq!(
        a.read("role/r/policies").await.unwrap(),
        json!({"token_policies": []})
    );

    a.write("role/r/token-ttl", json!({"token_ttl": "5m"}))
        .await;
    assert_eq!(
        a.read("role/r/token-ttl").await.unwrap(),
        json!({"token_ttl": 300})
    );
    assert_eq!(a.read("role/r").await.unwrap()["token_ttl"], 300);
    let e = a
        .err(Operation::Update, "role/r/token-ttl", json!({}))
        .await;
    assert_eq!(bad_request(&e), "missing token_ttl");
    // Fields of other properties are ignored on a property endpoint.
    a.write(
        "role/r/token-ttl",
        json!({"token_ttl": 1, "token_num_uses": 9}),
    )
    .await;
    assert_eq!(a.read("role/r").await.unwrap()["token_num_uses"], 0);

    // secret_id_bound_cidrs is not a field of bind-secret-id: the role would be left
    // without any constraint.
    let e = a
        .err(
            Operation::Update,
            "role/r/bind-secret-id",
            json!({"bind_secret_id": false, "secret_id_bound_cidrs": "1.2.3.4"}),
        )
        .await;
    assert_eq!(
        bad_request(&e),
        "at least one constraint should be enabled on the role"
    );
    assert_eq!(
        a.read("role/r/bind-secret-id").await.unwrap(),
        json!({"bind_secret_id": true})
    );
    a.write(
        "role/r/secret-id-bound-cidrs",
        json!({"secret_id_bound_cidrs": "1.2.3.4"}),
    )
    .await;
    a.write("role/r/bind-secret-id", json!({"bind_secret_id": false}))
        .await;
    assert_eq!(
        a.read("role/r/bind-secret-id").await.unwrap(),
        json!({"bind_secret_id": false})
    );
    a.ok(Operation::Delete, "role/r/bind-secret-id", json!({}))
        .await;
    assert_eq!(
        a.read("role/r/bind-secret-id").await.unwrap(),
        json!({"bind_secret_id": true})
    );

    a.write("role/r/secret-id-ttl", json!({"secret_id_ttl": 90}))
        .await;
    assert_eq!(
        a.read("role/r/secret-id-ttl").await.unwrap(),
        json!({"secret_id_ttl": 90})
    );
    assert_eq!(
        a.read("role/r/local-secret-ids").await.unwrap(),
        json!({"local_secret_ids": false})
    );

    assert!(a.read("role/nope/token-ttl").await.is_none());
    let e = a
        .err(
            Operation::Update,
            "role/nope/token-ttl",
            json!({"token_ttl": 1}),
        )
        .await;
    assert!(matches!(e, Error::UnsupportedPath(_)));
}

#[tokio::test]
async fn deleting_a_role_removes_its_secret_ids() {
    let a = AppRole::new();
    a.write("role/r", json!({})).await;
    let role_id = a.role_id("r").await;
    let sid = a.secret_id("r").await;
    a.secret_id("r").await;
    a.ok(Operation::Delete, "role/r", json!({})).await;
    assert_eq!(
        a.storage.keys(),
        vec!["salt"],
        "only the mount salt is left"
    );
    // A role re-created under the same name does not revive the old credentials.
    a.write("role/r", json!({"role_id": role_id.clone()})).await;
    assert!(a.login(&role_id, &sid).await.is_err());
}
