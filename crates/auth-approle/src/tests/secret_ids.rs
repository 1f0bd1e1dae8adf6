//! Issuing, listing, looking up and destroying secret IDs.

use arca_sdk::{Error, Operation};
use serde_json::json;

use super::{AppRole, bad_request};

#[tokio::test]
async fn issue_with_no_body_and_never_store_the_secret() {
    let a = AppRole::new();
    a.write(
        "role/r",
        json!({"secret_id_ttl": "10m", "secret_id_num_uses": 3}),
    )
    .await;
    let v = a.write("role/r/secret-id", json!({})).await;
    let sid = v["secret_id"].as_str().unwrap();
    assert_eq!(sid.len(), 36);
    assert_eq!(v["secret_id_ttl"], 600);
    assert_eq!(v["secret_id_num_uses"], 3);
    let accessor = v["secret_id_accessor"].as_str().unwrap();
    assert_ne!(accessor, sid);
    let dump = a.dump().await;
    assert!(
        !dump.contains(sid),
        "the secret ID is stored only as an HMAC"
    );
    assert!(dump.contains(accessor));
}

#[tokio::test]
async fn lookup_list_and_destroy() {
    let a = AppRole::new();
    a.write("role/r", json!({})).await;
    let v = a
        .write(
            "role/r/secret-id",
            json!({"metadata": "{\"tag1\": \"production\"}", "cidr_list": "10.0.0.0/8",
                   "token_bound_cidrs": ["10.1.0.0/16"], "ttl": 120, "num_uses": 4}),
        )
        .await;
    let sid = v["secret_id"].as_str().unwrap().to_string();
    let accessor = v["secret_id_accessor"].as_str().unwrap().to_string();
    let other = a.write("role/r/secret-id", json!({})).await;

    let info = a
        .write("role/r/secret-id/lookup", json!({"secret_id": sid}))
        .await;
    assert_eq!(info["secret_id_accessor"], accessor.as_str());
    assert_eq!(info["metadata"], json!({"tag1": "production"}));
    assert_eq!(info["cidr_list"], json!(["10.0.0.0/8"]));
    assert_eq!(info["token_bound_cidrs"], json!(["10.1.0.0/16"]));
    assert_eq!(info["secret_id_num_uses"], 4);
    assert_eq!(info["secret_id_ttl"], 120);
    assert_eq!(info["creation_time"], "2024-01-02T03:04:05Z");
    assert_eq!(info["expiration_time"], "2024-01-02T03:06:05Z");
    assert_eq!(info["last_updated_time"], "2024-01-02T03:04:05Z");
    assert!(info.get("secret_id").is_none());
    let by_accessor = a
        .write(
            "role/r/secret-id-accessor/lookup",
            json!({"secret_id_accessor": accessor}),
        )
        .await;
    assert_eq!(by_accessor, info);

    let mut want = vec![
        accessor.clone(),
        other["secret_id_accessor"].as_str().unwrap().to_string(),
    ];
    want.sort();
    let listed = a.ok(Operation::List, "role/r/secret-id", json!({})).await;
    assert_eq!(listed["keys"], json!(want));

    // Unknown secret IDs: no data (404); unknown accessors: Vault's texts.
    assert!(
        a.read_none("role/r/secret-id/lookup", json!({"secret_id": "nope"}))
            .await
    );
    let e = a
        .err(
            Operation::Update,
            "role/r/secret-id-accessor/lookup",
            json!({"secret_id_accessor": "nope"}),
        )
        .await;
    assert_eq!(
        e,
        Error::Status {
            status: 404,
            message: "failed to find accessor entry for secret_id_accessor: \"nope\"".into()
        }
    );
    let e = a
        .err(
            Operation::Update,
            "role/r/secret-id-accessor/destroy",
            json!({"secret_id_accessor": "a/../b"}),
        )
        .await;
    assert!(bad_request(&e).starts_with("failed to find accessor entry"));
    let e = a
        .err(Operation::Update, "role/r/secret-id/lookup", json!({}))
        .await;
    assert_eq!(bad_request(&e), "missing secret_id");
    let e = a
        .err(
            Operation::Update,
            "role/nope/secret-id/lookup",
            json!({"secret_id": "x"}),
        )
        .await;
    assert_eq!(bad_request(&e), "role \"nope\" does not exist");

    // Destroy by secret ID, then by accessor.
    a.write("role/r/secret-id/destroy", json!({"secret_id": sid}))
        .await;
    assert!(a.login(&a.role_id("r").await, &sid).await.is_err());
    let other_sid = other["secret_id"].as_str().unwrap();
    a.ok(
        Operation::Delete,
        "role/r/secret-id-accessor/destroy",
        json!({"secret_id_accessor": other["secret_id_accessor"]}),
    )
    .await;
    assert!(a.login(&a.role_id("r").await, other_sid).await.is_err());
    assert!(
        a.call(Operation::List, "role/r/secret-id", json!({}))
            .await
            .unwrap()
            .is_none()
    );
    // Only the role, its role-ID index and the salt remain.
    assert_eq!(a.storage.keys().len(), 3, "{:?}", a.storage.keys());
}

#[tokio::test]
async fn accessors_are_scoped_to_their_role() {
    let a = AppRole::new();
    a.write("role/r", json!({})).await;
    a.write("role/s", json!({})).await;
    let v = a.write("role/r/secret-id", json!({})).await;
    let e = a
        .err(
            Operation::Update,
            "role/s/secret-id-accessor/lookup",
            json!({"secret_id_accessor": v["secret_id_accessor"]}),
        )
        .await;
    assert!(matches!(e, Error::Status { status: 404, .. }));
    assert!(
        a.read_none(
            "role/s/secret-id/lookup",
            json!({"secret_id": v["secret_id"]})
        )
        .await
    );
}

#[tokio::test]
async fn custom_secret_ids() {
    let a = AppRole::new();
    a.write("role/r", json!({})).await;
    let v = a
        .write(
            "role/r/custom-secret-id",
            json!({"secret_id": "my-own-secret"}),
        )
        .await;
    assert_eq!(v["secret_id"], "my-own-secret");
    assert!(
        a.login(&a.role_id("r").await, "my-own-secret")
            .await
            .is_ok()
    );
    let e = a
        .err(
            Operation::Update,
            "role/r/custom-secret-id",
            json!({"secret_id": "my-own-secret"}),
        )
        .await;
    assert_eq!(
        bad_request(&e),
        "failed to store secret_id: SecretID is already registered"
    );
    let e = a
        .err(Operation::Update, "role/r/custom-secret-id", json!({}))
        .await;
    assert_eq!(bad_request(&e), "missing secret_id");
}

#[tokio::test]
async fn issue_limits_follow_the_role() {
    let a = AppRole::new();
    a.write("role/r", json!({"secret_id_num_uses": 5, "secret_id_ttl": 60, "secret_id_bound_cidrs": "10.0.0.0/8", "token_bound_cidrs": "10.0.0.0/16"}))
        .await;
    let cases = [
        (
            json!({"num_uses": 6}),
            "num_uses cannot be higher than the role's secret_id_num_uses",
        ),
        (
            json!({"num_uses": 0}),
            "num_uses cannot be higher than the role's secret_id_num_uses",
        ),
        (json!({"num_uses": -1}), "num_uses cannot be negative"),
        (
            json!({"ttl": 61}),
            "ttl cannot be longer than the role's secret_id_ttl",
        ),
        (
            json!({"ttl": 0}),
            "ttl cannot be longer than the role's secret_id_ttl",
        ),
        (
            json!({"cidr_list": "nope"}),
            "failed to validate CIDR blocks",
        ),
        (
            json!({"token_bound_cidrs": "nope"}),
            "failed to validate token CIDR blocks",
        ),
        (
            json!({"metadata": "not json"}),
            "failed to parse metadata: expected a JSON object or key=value pairs",
        ),
    ];
    for (body, want) in cases {
        let e = a
            .err(Operation::Update, "role/r/secret-id", body.clone())
            .await;
        assert_eq!(bad_request(&e), want, "{body}");
    }
    let e = a
        .err(
            Operation::Update,
            "role/r/secret-id",
            json!({"cidr_list": "192.168.0.0/16"}),
        )
        .await;
    assert_eq!(
        bad_request(&e),
        "failed to verify subset relationship between CIDR blocks on the role [\"10.0.0.0/8\"] \
and CIDR blocks on the secret ID [\"192.168.0.0/16\"]"
    );
    let e = a
        .err(
            Operation::Update,
            "role/r/secret-id",
            json!({"token_bound_cidrs": "10.0.0.0/8"}),
        )
        .await;
    assert!(bad_request(&e).starts_with("failed to verify subset relationship"));
    let v = a
        .write(
            "role/r/secret-id",
            json!({"num_uses": 2, "ttl": "30s", "cidr_list": "10.1.0.0/16"}),
        )
        .await;
    assert_eq!(
        (
            v["secret_id_num_uses"].as_u64(),
            v["secret_id_ttl"].as_u64()
        ),
        (Some(2), Some(30))
    );

    let e = a
        .err(Operation::Update, "role/nope/secret-id", json!({}))
        .await;
    assert_eq!(
        e,
        Error::Status {
            status: 404,
            message: "role \"nope\" does not exist".into()
        }
    );
    a.write(
        "role/open",
        json!({"bind_secret_id": false, "secret_id_bound_cidrs": "127.0.0.1"}),
    )
    .await;
    let e = a
        .err(Operation::Update, "role/open/secret-id", json!({}))
        .await;
    assert_eq!(bad_request(&e), "bind_secret_id is not set on the role");
}

#[tokio::test]
async fn tidy_removes_expired_and_dangling_entries() {
    let a = AppRole::new();
    a.write("role/r", json!({})).await;
    let keep = a.write("role/r/secret-id", json!({})).await;
    a.write("role/r/secret-id", json!({"ttl": 10})).await;
    let keys_before = a.storage.keys().len();
    a.clock.advance_secs(11);
    let resp = a
        .call(Operation::Update, "tidy/secret-id", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status, Some(202));
    assert_eq!(resp.warnings.len(), 1);
    assert_eq!(
        a.storage.keys().len(),
        keys_before - 2,
        "entry and accessor of the expired one"
    );
    let listed = a.ok(Operation::List, "role/r/secret-id", json!({})).await;
    assert_eq!(listed["keys"], json!([keep["secret_id_accessor"]]));
}

impl AppRole {
    /// True when a write answers with no response (Vault's 404 without data).
    async fn read_none(&self, path: &str, body: serde_json::Value) -> bool {
        self.call(Operation::Update, path, body)
            .await
            .unwrap()
            .is_none()
    }
}
