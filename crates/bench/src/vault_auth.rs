//! [`Target`]s for Vault's authentication paths, so token and login throughput are
//! measured by the same runner and report as kv: the token store ([`VaultToken`]: a write
//! creates a token with `--token-ttl`, a read looks one up) and AppRole ([`VaultApprole`]:
//! every operation is a login).

use std::{collections::HashMap, sync::Mutex, time::Duration};

use serde_json::json;

use crate::args::Token;
use crate::target::{OpError, Target};
use crate::vault::{SetupError, finish_with, transport, vault_client, vault_detail};

/// The token store: `POST auth/token/create` (write) and `POST auth/token/lookup` (read of
/// the token last created for that key).
pub struct VaultToken {
    http: reqwest::Client,
    create_url: String,
    lookup_url: String,
    ttl: String,
    /// Key → the token created for it (never printed).
    tokens: Mutex<HashMap<String, String>>,
}

impl VaultToken {
    /// Creates tokens as `token` (a parent allowed to create them) with TTL `ttl`.
    pub fn new(
        address: &str,
        token: &Token,
        ttl: &str,
        timeout: Duration,
        connections: usize,
    ) -> Result<Self, SetupError> {
        let http = vault_client(address, Some(token), timeout, connections)?;
        let base = address.trim_end_matches('/');
        Ok(Self {
            http,
            create_url: format!("{base}/v1/auth/token/create"),
            lookup_url: format!("{base}/v1/auth/token/lookup"),
            ttl: ttl.to_string(),
            tokens: Mutex::new(HashMap::new()),
        })
    }

    fn remembered(&self, key: &str) -> Option<String> {
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }
}

impl Target for VaultToken {
    fn kind(&self) -> &'static str {
        "vault-token"
    }

    async fn write(&self, key: &str, _value: &str) -> Result<(), OpError> {
        let resp = self
            .http
            .post(&self.create_url)
            .json(
                &json!({ "ttl": self.ttl, "policies": ["default"], "meta": { "bench_key": key } }),
            )
            .send()
            .await
            .map_err(transport)?;
        let body = finish_with(resp, |s| s == 200, vault_detail).await?;
        let token = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["auth"]["client_token"].as_str().map(str::to_string))
            .ok_or(OpError::Status {
                status: 200,
                detail: Some("no auth.client_token in the response".into()),
            })?;
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_string(), token);
        Ok(())
    }

    async fn read(&self, key: &str) -> Result<(), OpError> {
        let token = self.remembered(key).ok_or(OpError::Status {
            status: 404,
            detail: Some("no token was created for this key".into()),
        })?;
        let resp = self
            .http
            .post(&self.lookup_url)
            .json(&json!({ "token": token }))
            .send()
            .await
            .map_err(transport)?;
        finish_with(resp, |s| s == 200, vault_detail)
            .await
            .map(|_| ())
    }
}

/// AppRole logins: `POST auth/<mount>/login` with one role id and secret id, no token.
pub struct VaultApprole {
    http: reqwest::Client,
    login_url: String,
    role_id: String,
    secret_id: Token,
}

impl VaultApprole {
    /// Logs in at the AppRole mount `mount` with `role_id` and `secret_id`.
    pub fn new(
        address: &str,
        mount: &str,
        role_id: &str,
        secret_id: Token,
        timeout: Duration,
        connections: usize,
    ) -> Result<Self, SetupError> {
        let http = vault_client(address, None, timeout, connections)?;
        let base = address.trim_end_matches('/');
        Ok(Self {
            http,
            login_url: format!("{base}/v1/auth/{}/login", mount.trim_matches('/')),
            role_id: role_id.to_string(),
            secret_id,
        })
    }

    async fn login(&self) -> Result<(), OpError> {
        let resp = self
            .http
            .post(&self.login_url)
            .json(&json!({ "role_id": self.role_id, "secret_id": self.secret_id.expose() }))
            .send()
            .await
            .map_err(transport)?;
        finish_with(resp, |s| s == 200, vault_detail)
            .await
            .map(|_| ())
    }
}

impl Target for VaultApprole {
    fn kind(&self) -> &'static str {
        "vault-approle"
    }

    /// A login (the key and value are not used).
    async fn write(&self, _key: &str, _value: &str) -> Result<(), OpError> {
        self.login().await
    }

    /// Also a login: AppRole has nothing to read back; run it with `--workload write`.
    async fn read(&self, _key: &str) -> Result<(), OpError> {
        self.login().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::tests::serve_once;

    fn token() -> Token {
        "s.abc".parse().unwrap()
    }

    #[tokio::test]
    async fn token_create_remembers_the_token_for_lookups() {
        let (addr, server) = serve_once(200, r#"{"auth":{"client_token":"hvs.child"}}"#).await;
        let t = VaultToken::new(&addr, &token(), "1h", Duration::from_secs(5), 1).unwrap();
        t.write("7", "unused").await.unwrap();
        let req = server.await.unwrap();
        assert!(
            req.starts_with("POST /v1/auth/token/create HTTP/1.1"),
            "{req}"
        );
        assert!(req.contains(r#""ttl":"1h""#), "{req}");
        assert_eq!(t.remembered("7").as_deref(), Some("hvs.child"));
        let err = t.read("8").await.unwrap_err();
        assert!(
            matches!(err, OpError::Status { status: 404, .. }),
            "{err:?}"
        );

        let (addr, server) = serve_once(200, r#"{"data":{"ttl":3599}}"#).await;
        let t2 = VaultToken {
            lookup_url: format!("{addr}/v1/auth/token/lookup"),
            ..t
        };
        t2.read("7").await.unwrap();
        let req = server.await.unwrap();
        assert!(
            req.starts_with("POST /v1/auth/token/lookup HTTP/1.1"),
            "{req}"
        );
        assert!(req.ends_with(r#"{"token":"hvs.child"}"#), "{req}");
    }

    #[tokio::test]
    async fn approle_logs_in_without_a_token() {
        let (addr, server) = serve_once(400, r#"{"errors":["invalid role or secret ID"]}"#).await;
        let t = VaultApprole::new(
            &addr,
            "/approle/",
            "rid",
            "sid".parse().unwrap(),
            Duration::from_secs(5),
            1,
        )
        .unwrap();
        let err = t.write("k", "v").await.unwrap_err();
        assert_eq!(err.to_string(), "HTTP 400: invalid role or secret ID");
        let req = server.await.unwrap();
        assert!(
            req.starts_with("POST /v1/auth/approle/login HTTP/1.1"),
            "{req}"
        );
        assert!(!req.to_ascii_lowercase().contains("x-vault-token"), "{req}");
        assert!(
            req.ends_with(r#"{"role_id":"rid","secret_id":"sid"}"#),
            "{req}"
        );
    }
}
