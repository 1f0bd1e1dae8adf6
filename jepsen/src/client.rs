//! The HTTP client: Vault's public API on every node of the cluster, nothing else.
//!
//! Each call names the node it goes to, so workers can spread requests over all nodes
//! (standbys included: they must forward or answer correctly too). Transport outcomes are
//! classified for the history: a connection that was never established certainly did not
//! deliver the request; a timeout or a connection lost mid-request may or may not have.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde_json::Value;
use thiserror::Error;
use zeroize::Zeroizing;

/// A Vault token kept out of `Debug` output and wiped on drop.
#[derive(Clone)]
pub struct Token(Zeroizing<String>);

impl Token {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Token(Zeroizing::new(token.into()))
    }

    /// The token text, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Token {
    type Err = std::convert::Infallible;

    /// Lets clap parse `--token` straight into the redacting type.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Token::new(s))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

/// Why the client could not be built.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ClientError {
    /// No node address was given.
    #[error("at least one node address is needed")]
    NoNodes,
    /// An address is not an http(s) URL.
    #[error("invalid node address {0:?}: must be an http:// or https:// URL")]
    Address(String),
    /// reqwest refused the configuration.
    #[error("building the HTTP client: {0}")]
    Build(String),
}

/// A request that produced no HTTP response.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CallError {
    /// The connection could not be established: the request was not delivered.
    #[error("connect: {0}")]
    Connect(String),
    /// No answer in time: the request may or may not have taken effect.
    #[error("timeout")]
    Timeout,
    /// The connection failed after the request may have been sent.
    #[error("transport: {0}")]
    Transport(String),
    /// The token cannot be sent as a header.
    #[error("the token contains characters not allowed in an HTTP header")]
    BadToken,
}

/// An HTTP response: status and JSON body (`Null` when empty or not JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Parsed body.
    pub body: Value,
}

impl Reply {
    /// The server's first error message, if any (Vault's `{"errors": [...]}`).
    pub fn error_text(&self) -> Option<&str> {
        self.body.get("errors")?.get(0)?.as_str()
    }

    /// "HTTP 400: message" for the history's `error` field.
    pub fn describe(&self) -> String {
        match self.error_text() {
            Some(m) => format!("HTTP {}: {}", self.status, truncate(m, 160)),
            None => format!("HTTP {}", self.status),
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Every node of the cluster, reached over HTTP with one shared connection pool.
#[derive(Debug, Clone)]
pub struct Cluster {
    http: reqwest::Client,
    nodes: Vec<Url>,
    token: Token,
}

impl Cluster {
    /// A client for `nodes` (base URLs such as `http://127.0.0.1:8200`) authenticating with
    /// `token`; every request gives up after `timeout`.
    pub fn new(nodes: &[String], token: Token, timeout: Duration) -> Result<Self, ClientError> {
        // reqwest is built with `rustls-no-provider`; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        if nodes.is_empty() {
            return Err(ClientError::NoNodes);
        }
        let nodes = nodes
            .iter()
            .map(|n| {
                let url = Url::parse(n.trim_end_matches('/'))
                    .map_err(|_| ClientError::Address(n.clone()))?;
                if matches!(url.scheme(), "http" | "https") {
                    Ok(url)
                } else {
                    Err(ClientError::Address(n.clone()))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut headers = HeaderMap::new();
        headers.insert("X-Vault-Request", HeaderValue::from_static("true"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(timeout)
            .connect_timeout(timeout)
            .tcp_nodelay(true)
            // Never follow a standby's 307: it may come after the standby forwarded the
            // request (a failed forward may have been applied), and a refused connection
            // to the redirect target would turn that uncertain outcome into a `fail`.
            // The 307 itself is recorded (as `info`).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(Cluster { http, nodes, token })
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false: a cluster has at least one node (kept for API symmetry with `len`).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The base URL of node `i` (modulo the node count).
    pub fn node_url(&self, i: usize) -> &Url {
        &self.nodes[i % self.nodes.len()]
    }

    /// Sends `method /v1/<path>` to node `node` with the cluster token, or with `token`
    /// when given (to act as another client).
    pub async fn call(
        &self,
        node: usize,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: Option<&Token>,
    ) -> Result<Reply, CallError> {
        let base = self.node_url(node).as_str().trim_end_matches('/');
        let url = format!("{base}/v1/{}", path.trim_start_matches('/'));
        let token = token.unwrap_or(&self.token);
        let mut tok = HeaderValue::from_str(token.expose()).map_err(|_| CallError::BadToken)?;
        tok.set_sensitive(true);
        let mut req = self.http.request(method, url).header("X-Vault-Token", tok);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(classify)?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply { status, body })
    }

    /// Sends a request without a token (health and seal endpoints).
    pub async fn call_anonymous(&self, node: usize, path: &str) -> Result<Reply, CallError> {
        let base = self.node_url(node).as_str().trim_end_matches('/');
        let url = format!("{base}/v1/{}", path.trim_start_matches('/'));
        let resp = self.http.get(url).send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(classify)?;
        Ok(Reply {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }
}

/// Maps a reqwest failure (without its URL) to what it means for the operation.
fn classify(err: reqwest::Error) -> CallError {
    if err.is_timeout() {
        return CallError::Timeout;
    }
    let connect = err.is_connect();
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text = format!("{text}: {part}");
        }
        source = s.source();
    }
    if connect {
        CallError::Connect(text)
    } else {
        CallError::Transport(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server answering every request with a 307 to a port nothing listens on.
    fn redirecting_server() -> (String, std::thread::JoinHandle<()>) {
        use std::io::{Read, Write};
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dead = closed.local_addr().unwrap();
        drop(closed);
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", l.local_addr().unwrap());
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{dead}/v1/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        });
        (addr, h)
    }

    #[tokio::test]
    async fn a_redirect_is_returned_not_followed() {
        let (addr, h) = redirecting_server();
        let c = Cluster::new(&[addr], Token::new("t"), Duration::from_secs(5)).unwrap();
        let body = serde_json::json!({"data": {"value": 1}});
        let r = c
            .call(0, Method::POST, "secret/data/x", Some(&body), None)
            .await
            .expect("the 307 itself, not a refused connection to its target");
        assert_eq!(r.status, 307);
        h.join().unwrap();
    }

    #[test]
    fn token_debug_hides_the_secret() {
        let t = Token::new("hvs.secret");
        assert_eq!(format!("{t:?}"), "Token(..)");
        assert_eq!(t.expose(), "hvs.secret");
    }

    #[test]
    fn addresses_are_validated() {
        let t = Token::new("x");
        let d = Duration::from_secs(1);
        assert_eq!(
            Cluster::new(&[], t.clone(), d).unwrap_err(),
            ClientError::NoNodes
        );
        assert!(matches!(
            Cluster::new(&["127.0.0.1:1".into()], t.clone(), d),
            Err(ClientError::Address(_))
        ));
        let c = Cluster::new(&["http://a:1/".into(), "https://b:2".into()], t, d).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.node_url(3).as_str(), "https://b:2/");
    }

    #[test]
    fn reply_describes_vault_errors() {
        let r = Reply {
            status: 400,
            body: serde_json::json!({"errors": ["check-and-set parameter did not match"]}),
        };
        assert_eq!(
            r.describe(),
            "HTTP 400: check-and-set parameter did not match"
        );
        let r = Reply {
            status: 503,
            body: Value::Null,
        };
        assert_eq!(r.describe(), "HTTP 503");
    }

    #[tokio::test]
    async fn refused_connection_is_a_connect_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let c = Cluster::new(&[addr], Token::new("t"), Duration::from_secs(2)).unwrap();
        let err = c
            .call(0, Method::GET, "sys/health", None, None)
            .await
            .unwrap_err();
        assert!(matches!(err, CallError::Connect(_)), "{err:?}");
    }

    #[tokio::test]
    async fn silent_server_is_a_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        // Accept connections but never answer.
        let hold = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = listener.accept().await {
                held.push(s);
            }
        });
        let c = Cluster::new(&[addr], Token::new("t"), Duration::from_millis(200)).unwrap();
        let err = c
            .call(0, Method::GET, "sys/health", None, None)
            .await
            .unwrap_err();
        assert_eq!(err, CallError::Timeout);
        hold.abort();
    }
}
