//! Logging in: the checks on role ID, secret ID, use counts, expiry and CIDRs, and the
//! `Auth` handed to the core.

use arca_sdk::Operation;
use serde_json::json;

use super::{AppRole, bad_request};

const INVALID: &str = "invalid role or secret ID";

#[tokio::test]
async fn login_returns_the_role_token_settings() {
    let a = AppRole::new();
    a.write(
        "role/k8s-vault-op",
        json!({"token_policies": "vault-op", "token_ttl": "1h", "token_max_ttl": "4h",
               "token_num_uses": 10, "token_period": 0, "token_explicit_max_ttl": "8h",
               "token_no_default_policy": true, "token_bound_cidrs": "10.0.0.0/8"}),
    )
    .await;
    let role_id = a.role_id("k8s-vault-op").await;
    let v = a
        .write(
            "role/k8s-vault-op/secret-id",
            json!({"metadata": "{\"cluster\": \"prod\"}"}),
        )
        .await;
    let auth = a
        .login(&role_id, v["secret_id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(auth.policies, vec!["vault-op"]);
    assert_eq!(auth.token_policies, vec!["vault-op"]);
    assert_eq!(auth.lease_duration, 3600);
    assert_eq!(auth.max_ttl, 4 * 3600);
    assert_eq!(auth.explicit_max_ttl, 8 * 3600);
    assert_eq!(auth.num_uses, 10);
    assert!(auth.no_default_policy && auth.renewable);
    assert_eq!(auth.token_type, "default", "the mount's token_type decides");
    assert_eq!(auth.bound_cidrs, vec!["10.0.0.0/8"]);
    let md = auth.metadata.unwrap();
    assert_eq!(md["role_name"], "k8s-vault-op");
    assert_eq!(md["cluster"], "prod");
    assert!(auth.client_token.is_empty(), "the core makes the token");
}

#[tokio::test]
async fn wrong_credentials_all_look_alike() {
    let a = AppRole::new();
    a.write("role/r", json!({})).await;
    let role_id = a.role_id("r").await;
    let sid = a.secret_id("r").await;
    for (rid, s) in [
        (role_id.as_str(), "wrong"),
        ("wrong", sid.as_str()),
        (role_id.as_str(), &"x".repeat(5000)),
    ] {
        let e = a.login(rid, s).await.unwrap_err();
        assert_eq!(bad_request(&e), INVALID);
    }
    let e = a
        .login_from(json!({"secret_id": sid}), None)
        .await
        .unwrap_err();
    assert_eq!(bad_request(&e), "missing role_id");
    let e = a
        .login_from(json!({"role_id": role_id}), None)
        .await
        .unwrap_err();
    assert_eq!(bad_request(&e), "missing secret_id");
    // Surrounding whitespace is ignored, as in Vault.
    assert!(
        a.login(&format!(" {role_id} "), &format!("{sid}\n"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn login_before_any_role_is_invalid() {
    let a = AppRole::new();
    let e = a.login("a", "b").await.unwrap_err();
    assert_eq!(bad_request(&e), INVALID);
}

#[tokio::test]
async fn use_count_is_consumed_and_exhausted() {
    let a = AppRole::new();
    a.write("role/r", json!({"secret_id_num_uses": 2})).await;
    let role_id = a.role_id("r").await;
    let sid = a.secret_id("r").await;
    a.login(&role_id, &sid).await.unwrap();
    let info = a
        .write("role/r/secret-id/lookup", json!({"secret_id": sid}))
        .await;
    assert_eq!(info["secret_id_num_uses"], 1);
    a.login(&role_id, &sid).await.unwrap();
    let e = a.login(&role_id, &sid).await.unwrap_err();
    assert_eq!(bad_request(&e), INVALID);
    // The used-up secret ID and its accessor are gone.
    assert!(
        a.call(Operation::List, "role/r/secret-id", json!({}))
            .await
            .unwrap()
            .is_none()
    );
    // Unlimited secret IDs stay.
    a.write("role/u", json!({})).await;
    let (rid, s) = (a.role_id("u").await, a.secret_id("u").await);
    for _ in 0..5 {
        a.login(&rid, &s).await.unwrap();
    }
}

#[tokio::test]
async fn expired_secret_ids_are_refused() {
    let a = AppRole::new();
    a.write("role/r", json!({"secret_id_ttl": "1m"})).await;
    let role_id = a.role_id("r").await;
    let sid = a.secret_id("r").await;
    a.clock.advance_secs(59);
    a.login(&role_id, &sid).await.unwrap();
    a.clock.advance_secs(1);
    let e = a.login(&role_id, &sid).await.unwrap_err();
    assert_eq!(bad_request(&e), INVALID);
}

#[tokio::test]
async fn secret_id_cidrs_bind_the_source_address() {
    let a = AppRole::new();
    a.write("role/r", json!({"secret_id_num_uses": 1})).await;
    let role_id = a.role_id("r").await;
    let v = a
        .write(
            "role/r/secret-id",
            json!({"cidr_list": ["10.0.0.0/8"], "token_bound_cidrs": "10.2.0.0/16"}),
        )
        .await;
    let body = json!({"role_id": role_id, "secret_id": v["secret_id"]});
    let e = a
        .login_from(body.clone(), Some("192.168.1.1"))
        .await
        .unwrap_err();
    assert_eq!(
        bad_request(&e),
        "source address \"192.168.1.1\" unauthorized by CIDR restrictions on the secret ID"
    );
    let e = a.login_from(body.clone(), None).await.unwrap_err();
    assert!(bad_request(&e).contains("unauthorized by CIDR restrictions"));
    // The refused logins did not use up the single use.
    let auth = a.login_from(body, Some("10.9.8.7")).await.unwrap();
    assert_eq!(
        auth.bound_cidrs,
        vec!["10.2.0.0/16"],
        "the secret ID's token CIDRs win"
    );
}

#[tokio::test]
async fn role_cidrs_bind_the_source_address() {
    let a = AppRole::new();
    a.write("role/r", json!({"secret_id_bound_cidrs": "172.16.0.0/12"}))
        .await;
    let role_id = a.role_id("r").await;
    let sid = a.secret_id("r").await;
    let body = json!({"role_id": role_id, "secret_id": sid});
    let e = a
        .login_from(body.clone(), Some("10.0.0.1"))
        .await
        .unwrap_err();
    assert_eq!(
        bad_request(&e),
        "source address \"10.0.0.1\" unauthorized by CIDR restrictions on the role"
    );
    a.login_from(body, Some("172.20.0.1")).await.unwrap();
}

#[tokio::test]
async fn bind_secret_id_false_logs_in_with_role_id_only() {
    let a = AppRole::new();
    a.write(
        "role/open",
        json!({"bind_secret_id": false, "secret_id_bound_cidrs": "127.0.0.1/32", "token_policies": "p"}),
    )
    .await;
    let role_id = a.role_id("open").await;
    let auth = a
        .login_from(json!({"role_id": role_id}), Some("127.0.0.1"))
        .await
        .unwrap();
    assert_eq!(auth.policies, vec!["p"]);
    assert_eq!(auth.metadata.unwrap()["role_name"], "open");
    assert!(
        a.login_from(json!({"role_id": role_id}), Some("127.0.0.2"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn batch_token_type_is_passed_on() {
    let a = AppRole::new();
    a.write("role/r", json!({"token_type": "batch"})).await;
    let auth = a
        .login(&a.role_id("r").await, &a.secret_id("r").await)
        .await
        .unwrap();
    assert_eq!(auth.token_type, "batch");
}
