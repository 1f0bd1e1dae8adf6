//! [`Target`] for etcd v3 through its HTTP/JSON gateway: `POST /v3/kv/put` and
//! `POST /v3/kv/range` with base64 keys and values, so the same runner puts Arca next
//! to the reference Raft key-value store without a gRPC client. Reads are etcd's
//! default, linearizable (`serializable: false`).

use std::time::Duration;

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use serde_json::json;

use crate::target::{OpError, Target};
use crate::vault::{SetupError, check_address, finish_with, transport};

/// An etcd server reached over its JSON gateway.
#[derive(Debug, Clone)]
pub struct Etcd {
    http: reqwest::Client,
    put_url: String,
    range_url: String,
}

/// etcd's error text: `{"error": "...", "code": N, "message": "..."}`.
fn etcd_detail(body: &serde_json::Value) -> Option<String> {
    body.get("message")
        .or_else(|| body.get("error"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
}

impl Etcd {
    /// A pooled client for the etcd at `address` (`http://host:2379`).
    pub fn new(address: &str, timeout: Duration, connections: usize) -> Result<Self, SetupError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        check_address(address)?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .pool_max_idle_per_host(connections)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| SetupError::Client(e.to_string()))?;
        let base = address.trim_end_matches('/');
        Ok(Self {
            http,
            put_url: format!("{base}/v3/kv/put"),
            range_url: format!("{base}/v3/kv/range"),
        })
    }
}

impl Target for Etcd {
    fn kind(&self) -> &'static str {
        "etcd-v3"
    }

    async fn write(&self, key: &str, value: &str) -> Result<(), OpError> {
        let resp = self
            .http
            .post(&self.put_url)
            .json(&json!({ "key": B64.encode(key), "value": B64.encode(value) }))
            .send()
            .await
            .map_err(transport)?;
        finish_with(resp, |s| s == 200, etcd_detail)
            .await
            .map(|_| ())
    }

    async fn read(&self, key: &str) -> Result<(), OpError> {
        let resp = self
            .http
            .post(&self.range_url)
            .json(&json!({ "key": B64.encode(key) }))
            .send()
            .await
            .map_err(transport)?;
        let body = finish_with(resp, |s| s == 200, etcd_detail).await?;
        // A missing key is a 200 without `kvs`: the runner only reads existing keys.
        let found = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("kvs")?.as_array().map(|a| !a.is_empty()))
            .unwrap_or(false);
        if found {
            Ok(())
        } else {
            Err(OpError::Status {
                status: 404,
                detail: Some("key not found".into()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::tests::serve_once;

    #[test]
    fn rejects_bad_addresses() {
        let d = Duration::from_secs(1);
        assert!(matches!(
            Etcd::new("127.0.0.1:2379", d, 1),
            Err(SetupError::Address(_))
        ));
        assert!(Etcd::new("http://127.0.0.1:2379/", d, 1).is_ok());
    }

    #[tokio::test]
    async fn put_sends_base64_key_and_value() {
        let (addr, server) = serve_once(200, r#"{"header":{"revision":"2"}}"#).await;
        let t = Etcd::new(&addr, Duration::from_secs(5), 1).unwrap();
        t.write("arca-bench/7", "xyz").await.unwrap();
        let req = server.await.unwrap();
        assert!(req.starts_with("POST /v3/kv/put HTTP/1.1"), "{req}");
        // "arca-bench/7" and "xyz" in base64.
        assert!(
            req.ends_with(r#"{"key":"YXJjYS1iZW5jaC83","value":"eHl6"}"#),
            "{req}"
        );
        assert!(!req.to_ascii_lowercase().contains("x-vault-token"), "{req}");
    }

    #[tokio::test]
    async fn range_needs_a_value() {
        let (addr, server) = serve_once(
            200,
            r#"{"header":{},"kvs":[{"key":"YQ==","value":"Yg=="}],"count":"1"}"#,
        )
        .await;
        let t = Etcd::new(&addr, Duration::from_secs(5), 1).unwrap();
        t.read("a").await.unwrap();
        let req = server.await.unwrap();
        assert!(req.starts_with("POST /v3/kv/range HTTP/1.1"), "{req}");
        assert!(req.ends_with(r#"{"key":"YQ=="}"#), "{req}");

        let (addr, _server) = serve_once(200, r#"{"header":{}}"#).await;
        let t = Etcd::new(&addr, Duration::from_secs(5), 1).unwrap();
        let err = t.read("missing").await.unwrap_err();
        assert_eq!(err.to_string(), "HTTP 404: key not found");
    }

    #[tokio::test]
    async fn gateway_errors_keep_etcds_message() {
        let (addr, _server) = serve_once(
            400,
            r#"{"error":"etcdserver: request is too large","code":3,"message":"etcdserver: request is too large"}"#,
        )
        .await;
        let t = Etcd::new(&addr, Duration::from_secs(5), 1).unwrap();
        let err = t.write("k", "v").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "HTTP 400: etcdserver: request is too large"
        );
    }
}
