//! Engine-level tests: requests through the route table over `MemoryStorage`, as the
//! core would send them.

mod encrypt;
mod keys;
mod misc;
mod sign;

use std::sync::Arc;

use arca_sdk::{
    Backend, Error, Map, Operation, Request, Response, Storage, testing::MemoryStorage,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};

/// A transit mount with its own storage.
pub struct Env {
    pub backend: Backend,
    pub storage: Arc<MemoryStorage>,
}

impl Env {
    pub fn new() -> Self {
        Env {
            backend: crate::backend().unwrap(),
            storage: Arc::new(MemoryStorage::default()),
        }
    }

    pub async fn call(
        &self,
        op: Operation,
        path: &str,
        body: Value,
    ) -> Result<Option<Response>, Error> {
        let req = Request::new(op, path, self.storage.clone() as Arc<dyn Storage>).with_data(body);
        self.backend.handle(req).await
    }

    /// A successful write's response.
    pub async fn write_resp(&self, path: &str, body: Value) -> Response {
        match self.call(Operation::Update, path, body).await {
            Ok(Some(r)) => r,
            other => panic!("write {path}: {other:?}"),
        }
    }

    /// A successful write's data.
    pub async fn write(&self, path: &str, body: Value) -> Map {
        let r = self.write_resp(path, body).await;
        assert_eq!(r.status, None, "write {path} status");
        r.data.unwrap_or_default()
    }

    /// The 400 text of a failing write.
    pub async fn write_err(&self, path: &str, body: Value) -> String {
        match self.call(Operation::Update, path, body).await {
            Err(Error::BadRequest(m)) => m,
            other => panic!("write {path} should fail with 400: {other:?}"),
        }
    }

    pub async fn read(&self, path: &str) -> Option<Map> {
        self.call(Operation::Read, path, json!({}))
            .await
            .unwrap()
            .map(|r| r.data.unwrap_or_default())
    }

    pub async fn create_key(&self, name: &str, body: Value) -> Map {
        self.write(&format!("keys/{name}"), body).await
    }

    /// Encrypts `plaintext` with key `name`; returns the ciphertext.
    pub async fn encrypt(&self, name: &str, plaintext: &[u8], extra: Value) -> String {
        let mut body = json!({"plaintext": b64(plaintext)});
        merge(&mut body, extra);
        let d = self.write(&format!("encrypt/{name}"), body).await;
        d["ciphertext"].as_str().unwrap().to_string()
    }

    /// Decrypts with key `name`; returns the plaintext bytes.
    pub async fn decrypt(&self, name: &str, ciphertext: &str, extra: Value) -> Vec<u8> {
        let mut body = json!({"ciphertext": ciphertext});
        merge(&mut body, extra);
        let d = self.write(&format!("decrypt/{name}"), body).await;
        unb64(d["plaintext"].as_str().unwrap())
    }
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn unb64(s: &str) -> Vec<u8> {
    STANDARD.decode(s).unwrap()
}

fn merge(body: &mut Value, extra: Value) {
    if let (Value::Object(b), Value::Object(e)) = (body, extra) {
        b.extend(e);
    }
}

/// Rewrites the stored key document (to simulate time passing, etc.).
pub async fn edit_stored(env: &Env, name: &str, f: impl FnOnce(&mut Value)) {
    let key = format!("policy/{name}");
    let mut doc: Value =
        serde_json::from_slice(&env.storage.get(&key).await.unwrap().unwrap()).unwrap();
    f(&mut doc);
    env.storage
        .put(&key, serde_json::to_vec(&doc).unwrap())
        .await
        .unwrap();
}
