//! userpass driven end to end through `Backend::handle`, as the core would call it.

use std::sync::{Arc, atomic::Ordering};

use arca_sdk::{
    Auth, Error, Operation, Request, Response, Storage, framework::Backend, testing::MemoryStorage,
};
use serde_json::{Value, json};

use crate::{
    backend::backend_with,
    kdf::{Kdf, TEST_COST},
};

const INVALID: &str = "invalid username or password";

struct Userpass {
    backend: Arc<Backend>,
    storage: Arc<MemoryStorage>,
    kdf: Arc<Kdf>,
}

impl Userpass {
    async fn new() -> Self {
        let kdf = Kdf::new(TEST_COST).await.unwrap();
        Userpass {
            backend: Arc::new(backend_with(kdf.clone()).unwrap()),
            storage: Arc::new(MemoryStorage::default()),
            kdf,
        }
    }

    async fn call_from(
        &self,
        op: Operation,
        path: &str,
        body: Value,
        remote: Option<&str>,
    ) -> Result<Option<Response>, Error> {
        let mut req =
            Request::new(op, path, self.storage.clone() as Arc<dyn Storage>).with_data(body);
        req.remote_addr = remote.map(str::to_string);
        self.backend.handle(req).await
    }

    async fn write(&self, path: &str, body: Value) -> Result<Option<Response>, Error> {
        self.call_from(Operation::Update, path, body, Some("127.0.0.1"))
            .await
    }

    async fn read(&self, path: &str) -> Option<Value> {
        self.call_from(Operation::Read, path, json!({}), None)
            .await
            .unwrap()
            .map(|r| Value::Object(r.data.unwrap_or_default()))
    }

    async fn login_from(&self, user: &str, password: &str, remote: &str) -> Result<Auth, Error> {
        let resp = self
            .call_from(
                Operation::Update,
                &format!("login/{user}"),
                json!({ "password": password }),
                Some(remote),
            )
            .await?
            .expect("login returns a response");
        Ok(resp.auth.expect("login returns auth"))
    }

    async fn login(&self, user: &str, password: &str) -> Result<Auth, Error> {
        self.login_from(user, password, "127.0.0.1").await
    }
}

fn bad_request(e: &Error) -> &str {
    match e {
        Error::BadRequest(m) => m,
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[tokio::test]
async fn create_read_list_delete() {
    let u = Userpass::new().await;
    assert!(
        u.write(
            "users/Bob",
            json!({"password": "hunter22", "token_policies": "dev,ops", "token_ttl": "1h"})
        )
        .await
        .unwrap()
        .is_none()
    );
    let r = u.read("users/bob").await.unwrap();
    assert_eq!(r["token_policies"], json!(["dev", "ops"]));
    assert_eq!(r["token_ttl"], 3600);
    assert_eq!(r["token_type"], "default");
    assert!(r.get("password").is_none() && r.get("password_hash").is_none());
    u.write("users/alice", json!({"password": "x"}))
        .await
        .unwrap();
    let list = u
        .call_from(Operation::List, "users/", json!({}), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(list.data.unwrap()["keys"], json!(["alice", "bob"]));
    u.call_from(Operation::Delete, "users/bob", json!({}), None)
        .await
        .unwrap();
    assert!(u.read("users/bob").await.is_none());
    assert_eq!(
        bad_request(&u.login("bob", "hunter22").await.unwrap_err()),
        INVALID
    );
}

#[tokio::test]
async fn existence_check_and_missing_password() {
    let u = Userpass::new().await;
    let req = Request::new(
        Operation::Update,
        "users/bob",
        u.storage.clone() as Arc<dyn Storage>,
    );
    assert_eq!(u.backend.exists(&req).await.unwrap(), Some(false));
    let e = u
        .write("users/bob", json!({"token_policies": "a"}))
        .await
        .unwrap_err();
    assert_eq!(bad_request(&e), "missing password");
    u.write("users/bob", json!({"password": "pw"}))
        .await
        .unwrap();
    assert_eq!(u.backend.exists(&req).await.unwrap(), Some(true));
    // Updates need no password and keep the old one.
    u.write("users/bob", json!({"token_policies": "a"}))
        .await
        .unwrap();
    u.login("bob", "pw").await.unwrap();
}

#[tokio::test]
async fn login_returns_the_user_token_settings() {
    let u = Userpass::new().await;
    u.write(
        "users/bob",
        json!({"password": "pw", "token_policies": ["db-policy"], "token_ttl": 60,
               "token_max_ttl": 120, "token_num_uses": 4, "token_bound_cidrs": "127.0.0.0/8"}),
    )
    .await
    .unwrap();
    let auth = u.login("BOB", "pw").await.unwrap();
    assert_eq!(auth.policies, vec!["db-policy"]);
    assert_eq!(auth.token_policies, vec!["db-policy"]);
    assert_eq!(
        (auth.lease_duration, auth.max_ttl, auth.num_uses),
        (60, 120, 4)
    );
    assert!(auth.renewable);
    assert_eq!(auth.metadata.unwrap()["username"], "bob");
    assert_eq!(auth.display_name, "bob");
    assert_eq!(auth.bound_cidrs, vec!["127.0.0.0/8"]);
    // Outside the token's CIDRs the login itself is refused.
    let e = u.login_from("bob", "pw", "10.0.0.1").await.unwrap_err();
    assert_eq!(e, Error::PermissionDenied);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_alike() {
    let u = Userpass::new().await;
    u.write("users/bob", json!({"password": "pw"}))
        .await
        .unwrap();
    let before = u.kdf.verifications.load(Ordering::SeqCst);
    let wrong = u.login("bob", "nope").await.unwrap_err();
    let unknown = u.login("mallory", "nope").await.unwrap_err();
    assert_eq!(wrong, unknown);
    assert_eq!(bad_request(&wrong), INVALID);
    // The unknown user cost one full hash verification too (against the dummy hash).
    assert_eq!(u.kdf.verifications.load(Ordering::SeqCst), before + 2);
    let e = u.login("bob", "").await.unwrap_err();
    assert_eq!(bad_request(&e), "missing password");
}

#[tokio::test]
async fn passwords_are_stored_only_as_argon2id_hashes() {
    let u = Userpass::new().await;
    u.write("users/bob", json!({"password": "correct horse battery"}))
        .await
        .unwrap();
    for k in u.storage.keys() {
        let v = String::from_utf8(u.storage.get(&k).await.unwrap().unwrap()).unwrap();
        assert!(!v.contains("correct horse"), "{k}");
        assert!(v.contains("$argon2id$"), "{k}");
    }
}

#[tokio::test]
async fn password_change() {
    let u = Userpass::new().await;
    u.write("users/bob", json!({"password": "old"}))
        .await
        .unwrap();
    u.write("users/bob/password", json!({"password": "new"}))
        .await
        .unwrap();
    assert_eq!(
        bad_request(&u.login("bob", "old").await.unwrap_err()),
        INVALID
    );
    u.login("bob", "new").await.unwrap();
    // Writing the user with a password changes it too.
    u.write("users/bob", json!({"password": "newer"}))
        .await
        .unwrap();
    u.login("bob", "newer").await.unwrap();
    let e = u.write("users/bob/password", json!({})).await.unwrap_err();
    assert_eq!(bad_request(&e), "missing password");
    let e = u
        .write("users/nobody/password", json!({"password": "x"}))
        .await
        .unwrap_err();
    assert_eq!(bad_request(&e), "username does not exist");
}

#[tokio::test]
async fn policies_endpoint_and_legacy_names() {
    let u = Userpass::new().await;
    // hvac's create_or_update_user sends the legacy `policies`.
    u.write(
        "users/bob",
        json!({"password": "pw", "policies": ["a", "b"], "ttl": "5m", "max_ttl": "10m"}),
    )
    .await
    .unwrap();
    let r = u.read("users/bob").await.unwrap();
    assert_eq!(r["token_policies"], json!(["a", "b"]));
    assert_eq!(r["policies"], json!(["a", "b"]));
    assert_eq!(
        (r["token_ttl"].as_u64(), r["ttl"].as_u64()),
        (Some(300), Some(300))
    );
    assert_eq!(r["max_ttl"], 600);
    u.write("users/bob/policies", json!({"token_policies": "c"}))
        .await
        .unwrap();
    let r = u.read("users/bob").await.unwrap();
    assert_eq!(r["token_policies"], json!(["c"]));
    assert!(r.get("policies").is_none());
    assert_eq!(u.login("bob", "pw").await.unwrap().policies, vec!["c"]);
    u.write("users/bob/policies", json!({"policies": "d"}))
        .await
        .unwrap();
    assert_eq!(u.read("users/bob").await.unwrap()["policies"], json!(["d"]));
    let e = u
        .write("users/nobody/policies", json!({"policies": "x"}))
        .await
        .unwrap_err();
    assert_eq!(bad_request(&e), "username does not exist");
}

#[tokio::test]
async fn many_concurrent_failed_logins_all_complete() {
    let u = Arc::new(Userpass::new().await);
    u.write("users/bob", json!({"password": "pw"}))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..64 {
        let u = u.clone();
        tasks.push(tokio::spawn(async move {
            let name = if i % 2 == 0 { "bob" } else { "ghost" };
            u.login(name, "wrong").await
        }));
    }
    for t in tasks {
        let e = t.await.unwrap().unwrap_err();
        assert_eq!(bad_request(&e), INVALID);
    }
    // The server still answers a good login afterwards.
    u.login("bob", "pw").await.unwrap();
}

#[tokio::test]
async fn rejects_invalid_token_settings() {
    let u = Userpass::new().await;
    let e = u
        .write(
            "users/bob",
            json!({"password": "pw", "token_bound_cidrs": "nope"}),
        )
        .await
        .unwrap_err();
    assert!(bad_request(&e).contains("token_bound_cidrs"));
    assert!(u.read("users/bob").await.is_none());
}
