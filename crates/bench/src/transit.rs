//! [`Target`] for Vault's transit engine: a write encrypts the value with the key `bench`
//! of the `--mount` transit mount (`POST /v1/<mount>/encrypt/bench`) and keeps the
//! ciphertext per benchmark key; a read decrypts that ciphertext
//! (`POST /v1/<mount>/decrypt/bench`). So `write` measures encryption and `read`
//! decryption, on the same runner and report as kv-v2.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};

use crate::args::Token;
use crate::target::{OpError, Target};
use crate::vault::{SetupError, finish_with, transport, vault_client};

/// The transit key the benchmark uses (the caller creates it).
pub const KEY_NAME: &str = "bench";

/// A transit mount reached over HTTP.
#[derive(Debug)]
pub struct VaultTransit {
    http: reqwest::Client,
    encrypt_url: String,
    decrypt_url: String,
    /// Ciphertext of the last value written under each benchmark key.
    ciphertexts: Mutex<HashMap<String, String>>,
}

impl VaultTransit {
    /// Builds a pooled client sending `token` on every request.
    pub fn new(
        address: &str,
        token: &Token,
        mount: &str,
        timeout: Duration,
        connections: usize,
    ) -> Result<Self, SetupError> {
        let http = vault_client(address, Some(token), timeout, connections)?;
        let base = format!(
            "{}/v1/{}",
            address.trim_end_matches('/'),
            mount.trim_matches('/')
        );
        Ok(Self {
            http,
            encrypt_url: format!("{base}/encrypt/{KEY_NAME}"),
            decrypt_url: format!("{base}/decrypt/{KEY_NAME}"),
            ciphertexts: Mutex::new(HashMap::new()),
        })
    }

    fn errors(v: &Value) -> Option<String> {
        v.get("errors")?.get(0)?.as_str().map(str::to_string)
    }
}

impl Target for VaultTransit {
    fn kind(&self) -> &'static str {
        "vault-transit"
    }

    async fn write(&self, key: &str, value: &str) -> Result<(), OpError> {
        let resp = self
            .http
            .post(&self.encrypt_url)
            .json(&json!({ "plaintext": STANDARD.encode(value) }))
            .send()
            .await
            .map_err(transport)?;
        let body = finish_with(resp, |s| s == 200, Self::errors).await?;
        let ciphertext = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["data"]["ciphertext"].as_str().map(str::to_string))
            .ok_or_else(|| OpError::Transport("no ciphertext in the answer".into()))?;
        self.ciphertexts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_string(), ciphertext);
        Ok(())
    }

    async fn read(&self, key: &str) -> Result<(), OpError> {
        let ciphertext = self
            .ciphertexts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
            .ok_or(OpError::Status {
                status: 404,
                detail: Some("no ciphertext written for this key".into()),
            })?;
        let resp = self
            .http
            .post(&self.decrypt_url)
            .json(&json!({ "ciphertext": ciphertext }))
            .send()
            .await
            .map_err(transport)?;
        finish_with(resp, |s| s == 200, Self::errors)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn read_without_a_write_is_an_error_and_urls_are_built() {
        let t = VaultTransit::new(
            "http://127.0.0.1:1",
            &"hvs.x".parse().unwrap(),
            "/transit/",
            Duration::from_secs(1),
            1,
        )
        .unwrap();
        assert_eq!(t.encrypt_url, "http://127.0.0.1:1/v1/transit/encrypt/bench");
        assert_eq!(t.decrypt_url, "http://127.0.0.1:1/v1/transit/decrypt/bench");
        assert!(matches!(
            t.read("k").await,
            Err(OpError::Status { status: 404, .. })
        ));
        assert!(matches!(t.write("k", "v").await, Err(OpError::Connect(_))));
    }
}
