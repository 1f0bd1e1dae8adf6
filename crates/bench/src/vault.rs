//! [`Target`] for Vault's kv-v2 HTTP API: `POST /v1/<mount>/data/<key>` and
//! `GET /v1/<mount>/data/<key>`. Works against Arca or any Vault-compatible server.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;
use thiserror::Error;

use crate::args::Token;
use crate::target::{OpError, Target};

/// Why the client could not be built.
#[derive(Debug, Error)]
pub enum SetupError {
    /// The address is not an http(s) URL.
    #[error("invalid address {0:?}: must be an http:// or https:// URL")]
    Address(String),
    /// The vault target was given no token.
    #[error("the vault target needs a token: --token or VAULT_TOKEN")]
    MissingToken,
    /// The vault-approle target was given no secret id.
    #[error("the vault-approle target needs --secret-id (or ARCA_BENCH_SECRET_ID)")]
    MissingSecretId,
    /// The token cannot be sent as an HTTP header.
    #[error("the token contains characters not allowed in an HTTP header")]
    Token,
    /// reqwest refused the configuration.
    #[error("building the HTTP client: {0}")]
    Client(String),
}

/// Longest server error message kept in an [`OpError`].
const DETAIL_MAX: usize = 120;

/// A kv-v2 mount reached over HTTP.
#[derive(Debug, Clone)]
pub struct VaultKv2 {
    http: reqwest::Client,
    /// `<address>/v1/<mount>/data/`, to which the key is appended.
    data_url: String,
}

impl VaultKv2 {
    /// Builds a pooled client sending `token` on every request. `connections` sizes the idle
    /// pool so every worker keeps its connection between requests.
    pub fn new(
        address: &str,
        token: &Token,
        mount: &str,
        timeout: Duration,
        connections: usize,
    ) -> Result<Self, SetupError> {
        let http = vault_client(address, Some(token), timeout, connections)?;
        let base = address.trim_end_matches('/');
        let mount = mount.trim_matches('/');
        Ok(Self {
            http,
            data_url: format!("{base}/v1/{mount}/data/"),
        })
    }

    fn url(&self, key: &str) -> String {
        format!("{}{}", self.data_url, key)
    }
}

/// A pooled client for one Vault address; `token` (if any) goes on every request as
/// X-Vault-Token (marked sensitive). `connections` sizes the idle pool so every worker
/// keeps its connection between requests.
pub(crate) fn vault_client(
    address: &str,
    token: Option<&Token>,
    timeout: Duration,
    connections: usize,
) -> Result<reqwest::Client, SetupError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    check_address(address)?;
    let mut headers = HeaderMap::new();
    if let Some(token) = token {
        let mut tok = HeaderValue::from_str(token.expose()).map_err(|_| SetupError::Token)?;
        tok.set_sensitive(true);
        headers.insert("X-Vault-Token", tok);
    }
    headers.insert("X-Vault-Request", HeaderValue::from_static("true"));
    reqwest::Client::builder()
        .default_headers(headers)
        .timeout(timeout)
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| SetupError::Client(e.to_string()))
}

/// The first message of a Vault error body.
pub(crate) fn vault_detail(v: &serde_json::Value) -> Option<String> {
    v.get("errors")?.get(0)?.as_str().map(str::to_string)
}

/// Refuses anything but an http(s) URL.
pub(crate) fn check_address(address: &str) -> Result<(), SetupError> {
    let url = reqwest::Url::parse(address).map_err(|_| SetupError::Address(address.into()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(SetupError::Address(address.into()));
    }
    Ok(())
}

/// Maps a transport failure to an [`OpError`] without the URL, so identical failures on
/// different keys are counted together; the source chain is kept because reqwest's own text
/// ("error sending request") says little.
pub(crate) fn transport(err: reqwest::Error) -> OpError {
    if err.is_timeout() {
        return OpError::Timeout;
    }
    let connect = err.is_connect();
    let err = err.without_url();
    let mut parts = vec![err.to_string()];
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    let text = parts.join(": ");
    if connect {
        OpError::Connect(text)
    } else {
        OpError::Transport(text)
    }
}

/// Consumes the response body (so the measured latency covers the whole response) and turns
/// a status other than `expected` into an error carrying the server's first error message.
async fn finish(resp: reqwest::Response, ok: fn(u16) -> bool) -> Result<(), OpError> {
    finish_with(resp, ok, |v| {
        v.get("errors")?.get(0)?.as_str().map(str::to_string)
    })
    .await
    .map(|_| ())
}

/// [`finish`] for any server: `detail` picks the error message out of the JSON body.
/// Returns the body of a successful response.
pub(crate) async fn finish_with(
    resp: reqwest::Response,
    ok: fn(u16) -> bool,
    detail: fn(&serde_json::Value) -> Option<String>,
) -> Result<bytes::Bytes, OpError> {
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(transport)?;
    if ok(status) {
        return Ok(body);
    }
    let detail = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| detail(&v))
        .map(|d| d.chars().take(DETAIL_MAX).collect());
    Err(OpError::Status { status, detail })
}

impl Target for VaultKv2 {
    fn kind(&self) -> &'static str {
        "vault-kv-v2"
    }

    async fn write(&self, key: &str, value: &str) -> Result<(), OpError> {
        let resp = self
            .http
            .post(self.url(key))
            .json(&json!({ "data": { "value": value } }))
            .send()
            .await
            .map_err(transport)?;
        // kv-v2 answers 200 with the version metadata; 204 is accepted for servers that don't.
        finish(resp, |s| s == 200 || s == 204).await
    }

    async fn read(&self, key: &str) -> Result<(), OpError> {
        let resp = self
            .http
            .get(self.url(key))
            .send()
            .await
            .map_err(transport)?;
        finish(resp, |s| s == 200).await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn token() -> Token {
        "s.abc".parse().unwrap()
    }

    #[test]
    fn builds_data_urls() {
        let t = VaultKv2::new(
            "http://127.0.0.1:8200/",
            &token(),
            "/secret/",
            Duration::from_secs(1),
            4,
        )
        .unwrap();
        assert_eq!(t.url("a/1"), "http://127.0.0.1:8200/v1/secret/data/a/1");
    }

    #[test]
    fn rejects_bad_address_and_token() {
        let d = Duration::from_secs(1);
        assert!(matches!(
            VaultKv2::new("127.0.0.1:8200", &token(), "secret", d, 1),
            Err(SetupError::Address(_))
        ));
        assert!(matches!(
            VaultKv2::new("ftp://h", &token(), "secret", d, 1),
            Err(SetupError::Address(_))
        ));
        let bad: Token = "a\nb".parse().unwrap();
        assert!(matches!(
            VaultKv2::new("http://h", &bad, "secret", d, 1),
            Err(SetupError::Token)
        ));
    }

    #[test]
    fn status_error_text() {
        let e = OpError::Status {
            status: 503,
            detail: Some("Vault is sealed".into()),
        };
        assert_eq!(e.to_string(), "HTTP 503: Vault is sealed");
        let e = OpError::Status {
            status: 404,
            detail: None,
        };
        assert_eq!(e.to_string(), "HTTP 404");
    }

    /// Serves one HTTP request on a local port with `status` and `body`, returning the raw
    /// request text it received.
    pub(crate) async fn serve_once(
        status: u16,
        body: &'static str,
    ) -> (String, tokio::task::JoinHandle<String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let handle = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = sock.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len || n == 0 {
                        break;
                    }
                }
            }
            let resp = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(resp.as_bytes()).await.unwrap();
            String::from_utf8_lossy(&buf).to_string()
        });
        (addr, handle)
    }

    #[tokio::test]
    async fn write_posts_kv2_data_with_token() {
        let (addr, server) = serve_once(200, r#"{"data":{"version":1}}"#).await;
        let t = VaultKv2::new(&addr, &token(), "secret", Duration::from_secs(5), 1).unwrap();
        t.write("bench/7", "xyz").await.unwrap();
        let req = server.await.unwrap();
        assert!(
            req.starts_with("POST /v1/secret/data/bench/7 HTTP/1.1"),
            "{req}"
        );
        let lower = req.to_ascii_lowercase();
        assert!(lower.contains("x-vault-token: s.abc"), "{req}");
        assert!(req.ends_with(r#"{"data":{"value":"xyz"}}"#), "{req}");
    }

    #[tokio::test]
    async fn read_maps_error_status_and_message() {
        let (addr, server) = serve_once(503, r#"{"errors":["Vault is sealed"]}"#).await;
        let t = VaultKv2::new(&addr, &token(), "secret", Duration::from_secs(5), 1).unwrap();
        let err = t.read("k").await.unwrap_err();
        assert_eq!(
            err,
            OpError::Status {
                status: 503,
                detail: Some("Vault is sealed".into())
            }
        );
        let req = server.await.unwrap();
        assert!(req.starts_with("GET /v1/secret/data/k HTTP/1.1"), "{req}");
    }

    #[tokio::test]
    async fn connection_refused_is_a_connect_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let t = VaultKv2::new(&addr, &token(), "secret", Duration::from_secs(5), 1).unwrap();
        let err = t.read("k").await.unwrap_err();
        assert!(matches!(err, OpError::Connect(_)), "{err:?}");
        assert!(!err.to_string().contains("s.abc"));
    }
}
