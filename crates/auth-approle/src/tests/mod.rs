//! AppRole driven end to end through `Backend::handle`, as the core would call it.

mod login;
mod roles;
mod secret_ids;

use std::sync::Arc;

use arca_sdk::{
    Auth, Error, Operation, Request, Response, Storage, framework::Backend, testing::MemoryStorage,
};
use serde_json::{Value, json};

use crate::backend::backend_with_clock;
use arca_sdk::clock::ManualClock;

/// 2024-01-02T03:04:05Z
const START: i64 = 1_704_164_645_000_000_000;

pub(super) struct AppRole {
    backend: Backend,
    storage: Arc<MemoryStorage>,
    clock: Arc<ManualClock>,
}

impl AppRole {
    pub(super) fn new() -> Self {
        let clock = Arc::new(ManualClock::new(START));
        AppRole {
            backend: backend_with_clock(clock.clone()).unwrap(),
            storage: Arc::new(MemoryStorage::default()),
            clock,
        }
    }

    pub(super) async fn call_from(
        &self,
        op: Operation,
        path: &str,
        body: Value,
        remote: Option<&str>,
    ) -> Result<Option<Response>, Error> {
        let mut req =
            Request::new(op, path, self.storage.clone() as Arc<dyn Storage>).with_data(body);
        req.mount_point = "auth/approle/".into();
        req.remote_addr = remote.map(str::to_string);
        self.backend.handle(req).await
    }

    pub(super) async fn call(
        &self,
        op: Operation,
        path: &str,
        body: Value,
    ) -> Result<Option<Response>, Error> {
        self.call_from(op, path, body, Some("127.0.0.1")).await
    }

    /// A call that must succeed; returns its data (or `null` for an empty response).
    pub(super) async fn ok(&self, op: Operation, path: &str, body: Value) -> Value {
        match self.call(op, path, body).await {
            Ok(Some(r)) => r.data.map(Value::Object).unwrap_or(Value::Null),
            Ok(None) => Value::Null,
            Err(e) => panic!("{path}: {e}"),
        }
    }

    /// A call that must fail; returns the error.
    pub(super) async fn err(&self, op: Operation, path: &str, body: Value) -> Error {
        match self.call(op, path, body).await {
            Err(e) => e,
            Ok(r) => panic!("{path}: expected an error, got {r:?}"),
        }
    }

    pub(super) async fn write(&self, path: &str, body: Value) -> Value {
        self.ok(Operation::Update, path, body).await
    }

    pub(super) async fn read(&self, path: &str) -> Option<Value> {
        self.call(Operation::Read, path, json!({}))
            .await
            .unwrap()
            .map(|r| Value::Object(r.data.unwrap_or_default()))
    }

    pub(super) async fn role_id(&self, role: &str) -> String {
        let v = self.read(&format!("role/{role}/role-id")).await.unwrap();
        v["role_id"].as_str().unwrap().to_string()
    }

    /// Issues a secret ID (no body, as `vault write -f`) and returns it.
    pub(super) async fn secret_id(&self, role: &str) -> String {
        let v = self
            .write(&format!("role/{role}/secret-id"), json!({}))
            .await;
        v["secret_id"].as_str().unwrap().to_string()
    }

    pub(super) async fn login_from(
        &self,
        body: Value,
        remote: Option<&str>,
    ) -> Result<Auth, Error> {
        let resp = self
            .call_from(Operation::Update, "login", body, remote)
            .await?
            .expect("login returns a response");
        Ok(resp.auth.expect("login returns auth"))
    }

    pub(super) async fn login(&self, role_id: &str, secret_id: &str) -> Result<Auth, Error> {
        self.login_from(
            json!({"role_id": role_id, "secret_id": secret_id}),
            Some("127.0.0.1"),
        )
        .await
    }

    /// Every stored key and value, for "the secret is never stored" checks.
    pub(super) async fn dump(&self) -> String {
        let mut out = String::new();
        for k in self.storage.keys() {
            let v = self.storage.get(&k).await.unwrap().unwrap();
            out.push_str(&k);
            out.push('=');
            out.push_str(&String::from_utf8_lossy(&v));
            out.push('\n');
        }
        out
    }
}

/// The client-visible text and status of an error.
pub(super) fn bad_request(e: &Error) -> &str {
    match e {
        Error::BadRequest(m) => m,
        other => panic!("expected a 400, got {other:?}"),
    }
}
