//! The HTTP client: Vault's request headers, URL rules, TLS options and error texts.
//!
//! Requests go to `<address>/v1/<path>` with the path cleaned the way Go's `path.Join` cleans
//! it, carry `X-Vault-Token`, `X-Vault-Request`, and optionally `X-Vault-Namespace` and
//! `X-Vault-Wrap-TTL`. Error responses become [`ApiError`], whose text is byte-for-byte the
//! "Error making API request" message scripts match on.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::kv::clean_path;
use crate::secret::Secret;

/// Everything needed to build a [`Client`], resolved from flags and environment.
#[derive(Clone)]
pub struct ClientConfig {
    /// Server address, e.g. `https://127.0.0.1:8200`.
    pub address: String,
    /// PEM file of CA certificates to trust instead of the system roots.
    pub ca_cert: Option<PathBuf>,
    /// Directory of PEM CA certificates to trust instead of the system roots.
    pub ca_path: Option<PathBuf>,
    /// PEM client certificate for TLS client authentication.
    pub client_cert: Option<PathBuf>,
    /// PEM private key matching `client_cert`.
    pub client_key: Option<PathBuf>,
    /// Disable server certificate verification.
    pub tls_skip_verify: bool,
    /// Token to authenticate with.
    pub token: Option<Zeroizing<String>>,
    /// Namespace header value (already canonicalised with a trailing slash).
    pub namespace: Option<String>,
    /// Response-wrapping TTL header value.
    pub wrap_ttl: Option<String>,
    /// Sends `X-Vault-Policy-Override: true`.
    pub policy_override: bool,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// `-output-curl-string`: record the first request as a `curl` line instead of sending.
    pub output_curl_string: bool,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("address", &self.address)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// An error response from the server, printed exactly like Go's `api.ResponseError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP method of the failed request.
    pub method: String,
    /// Full request URL.
    pub url: String,
    /// HTTP status code.
    pub status: u16,
    /// Messages from the `errors` array, or the raw body when it was not JSON.
    pub errors: Vec<String>,
    /// Whether `errors` holds an unparsable raw body.
    pub raw: bool,
    /// Namespace reported by the response, if any.
    pub namespace: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.raw { "Raw Message" } else { "Errors" };
        write!(f, "Error making API request.\n\n")?;
        if let Some(ns) = &self.namespace {
            writeln!(f, "Namespace: {ns}")?;
        }
        write!(
            f,
            "URL: {} {}\nCode: {}. {}:\n\n",
            self.method, self.url, self.status, kind
        )?;
        if self.raw && self.errors.len() == 1 {
            write!(f, "{}", self.errors[0])
        } else {
            for e in &self.errors {
                write!(f, "* {e}")?;
            }
            Ok(())
        }
    }
}

impl std::error::Error for ApiError {}

/// Any failure talking to the server.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The server answered with an error status.
    #[error("{0}")]
    Api(ApiError),
    /// The request never got an answer (connection refused, TLS failure, timeout).
    #[error("{0}")]
    Transport(String),
    /// The client could not be configured (bad address, unreadable CA file).
    #[error("{0}")]
    Setup(String),
    /// The server's answer could not be decoded.
    #[error("{0}")]
    Decode(String),
    /// `-output-curl-string`: the request was recorded, not sent (Vault's wording).
    #[error("output a string, please")]
    OutputCurl,
}

impl ClientError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(e) => Some(e.status),
            _ => None,
        }
    }
}

/// One request to `/v1/<path>`.
pub struct Request {
    /// HTTP method.
    pub method: Method,
    /// Path below `/v1/`.
    pub path: String,
    /// Query parameters (sent sorted by name, like Go's `url.Values`).
    pub query: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Value>,
    /// Content type of the body.
    pub content_type: &'static str,
    /// Whether the wrapping TTL header may be sent (the KV preflight never wraps).
    pub wrap: bool,
    /// Whether `-output-curl-string` applies (the KV preflight is always sent).
    pub curl: bool,
}

impl Request {
    /// A request without a body.
    pub fn new(method: Method, path: &str) -> Self {
        Self {
            method,
            path: path.to_string(),
            query: Vec::new(),
            body: None,
            content_type: "application/json",
            wrap: true,
            curl: true,
        }
    }

    /// Adds a JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Adds query parameters.
    pub fn query(mut self, query: Vec<(String, String)>) -> Self {
        self.query = query;
        self
    }

    /// Disables response wrapping for this request.
    pub fn no_wrap(mut self) -> Self {
        self.wrap = false;
        self
    }

    /// Sends this request even under `-output-curl-string` (Vault's KV preflight).
    pub fn no_curl(mut self) -> Self {
        self.curl = false;
        self
    }
}

/// A server answer, kept whole so callers can apply Vault's per-operation 404 rules.
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Body bytes (zeroised on drop: bodies carry keys and tokens).
    pub body: Zeroizing<Vec<u8>>,
    method: String,
    url: String,
    path: String,
    namespace: Option<String>,
}

impl Response {
    /// The error this response represents, if any (2xx/3xx are fine, as is a standby's 429
    /// from `sys/health`).
    pub fn error(&self) -> Option<ApiError> {
        if (200..400).contains(&self.status)
            || (self.status == 429 && self.path == "/v1/sys/health")
        {
            return None;
        }
        #[derive(serde::Deserialize)]
        struct Errors {
            #[serde(default)]
            errors: Option<Vec<String>>,
        }
        let (errors, raw) = match serde_json::from_slice::<Errors>(&self.body) {
            Ok(e) => (e.errors.unwrap_or_default(), false),
            Err(_) => (vec![String::from_utf8_lossy(&self.body).into_owned()], true),
        };
        Some(ApiError {
            method: self.method.clone(),
            url: self.url.clone(),
            status: self.status,
            errors,
            raw,
            namespace: self.namespace.clone(),
        })
    }

    /// Fails on an error status, otherwise returns the response.
    pub fn ok(self) -> Result<Response, ClientError> {
        match self.error() {
            Some(e) => Err(ClientError::Api(e)),
            None => Ok(self),
        }
    }

    /// Parses the body as a secret envelope (`None` for an empty body).
    pub fn secret(&self) -> Result<Option<Secret>, ClientError> {
        Secret::parse(&self.body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Parses the body as JSON into `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body).map_err(|e| ClientError::Decode(e.to_string()))
    }
}

/// A configured connection to one server.
pub struct Client {
    http: reqwest::Client,
    base: reqwest::Url,
    token: Option<Zeroizing<String>>,
    namespace: Option<String>,
    wrap_ttl: Option<String>,
    policy_override: bool,
    /// Set under `-output-curl-string`: the TLS options the `curl` line repeats.
    curl: Option<CurlTls>,
}

/// The TLS settings a `-output-curl-string` line carries.
#[derive(Clone)]
struct CurlTls {
    insecure: bool,
    files: Vec<(&'static str, String)>,
}

impl CurlTls {
    fn new(cfg: &ClientConfig) -> Self {
        let files = [
            ("cacert", &cfg.ca_cert),
            ("capath", &cfg.ca_path),
            ("cert", &cfg.client_cert),
            ("key", &cfg.client_key),
        ]
        .into_iter()
        .filter_map(|(opt, p)| p.as_ref().map(|p| (opt, p.display().to_string())))
        .collect();
        Self {
            insecure: cfg.tls_skip_verify,
            files,
        }
    }
}

fn read_file(path: &PathBuf, what: &str) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path).map_err(|e| {
        ClientError::Setup(format!(
            "failed to setup TLS config: Error loading {what}: open {}: {}",
            path.display(),
            io_text(&e)
        ))
    })
}

/// Go's wording for common OS errors (`no such file or directory`).
pub fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

/// Overwrites every string in a JSON value before it is dropped.
fn wipe(v: &mut Value) {
    use zeroize::Zeroize;
    match v {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(m) => m.values_mut().for_each(wipe),
        _ => {}
    }
}

fn title_method(m: &str) -> String {
    let lower = m.to_ascii_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn transport_detail(err: &reqwest::Error, url: &reqwest::Url) -> String {
    if err.is_timeout() {
        return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
            .to_string();
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    let mut parts = Vec::new();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            let host = url.host_str().unwrap_or("");
            let port = url.port_or_known_default().unwrap_or(0);
            return format!("dial tcp {host}:{port}: connect: connection refused");
        }
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        err.to_string()
    } else {
        parts.join(": ")
    }
}

impl Client {
    /// Builds a client; fails like Vault on a bad address or unreadable TLS files.
    pub fn new(cfg: &ClientConfig) -> Result<Self, ClientError> {
        // Idempotent; main() installs it too, but library users and tests may not.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = reqwest::Url::parse(&cfg.address).map_err(|e| {
            ClientError::Setup(format!(
                "failed to create client: parse \"{}\": {e}",
                cfg.address
            ))
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ClientError::Setup(format!(
                "failed to create client: unsupported protocol scheme \"{}\"",
                base.scheme()
            )));
        }
        let mut builder = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .tls_danger_accept_invalid_certs(cfg.tls_skip_verify);
        let mut roots = Vec::new();
        if let Some(path) = &cfg.ca_cert {
            let pem = read_file(path, "CA File")?;
            roots.extend(reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                ClientError::Setup(format!(
                    "failed to setup TLS config: Error loading CA File: {e}"
                ))
            })?);
        } else if let Some(dir) = &cfg.ca_path {
            let entries = std::fs::read_dir(dir).map_err(|e| {
                ClientError::Setup(format!(
                    "failed to setup TLS config: Error loading CA Path: open {}: {}",
                    dir.display(),
                    io_text(&e)
                ))
            })?;
            for entry in entries.flatten() {
                if let Ok(pem) = std::fs::read(entry.path())
                    && let Ok(certs) = reqwest::Certificate::from_pem_bundle(&pem)
                {
                    roots.extend(certs);
                }
            }
        }
        // Without a CA of its own, an `http://` client needs no trust roots; asking the
        // platform for them would fail on hosts (minimal images) that have none.
        if !roots.is_empty() || base.scheme() == "http" {
            builder = builder.tls_certs_only(roots);
        }
        match (&cfg.client_cert, &cfg.client_key) {
            (Some(cert), Some(key)) => {
                let mut pem = Zeroizing::new(read_file(cert, "client certificate")?);
                pem.push(b'\n');
                pem.extend_from_slice(&Zeroizing::new(read_file(key, "client key")?));
                let identity = reqwest::Identity::from_pem(&pem)
                    .map_err(|e| ClientError::Setup(format!("failed to setup TLS config: {e}")))?;
                builder = builder.identity(identity);
            }
            (None, None) => {}
            _ => {
                return Err(ClientError::Setup(
                    "failed to setup TLS config: both client cert and client key must be provided"
                        .to_string(),
                ));
            }
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Setup(format!("failed to create client: {e}")))?;
        Ok(Self {
            http,
            base,
            token: cfg.token.clone(),
            namespace: cfg.namespace.clone(),
            wrap_ttl: cfg.wrap_ttl.clone(),
            policy_override: cfg.policy_override,
            curl: cfg.output_curl_string.then(|| CurlTls::new(cfg)),
        })
    }

    /// Replaces the token (login verifies a candidate token before storing it).
    pub fn set_token(&mut self, token: Option<Zeroizing<String>>) {
        self.token = token;
    }

    /// Whether a token is configured.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The token requests carry (`vault print token`).
    pub fn token(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.as_str())
    }

    /// Under `-output-curl-string`, records the request and returns the error that stops
    /// the command; otherwise does nothing.
    fn record_curl(
        &self,
        method: &str,
        url: &reqwest::Url,
        body: Option<String>,
        wrap: bool,
    ) -> Result<(), ClientError> {
        let Some(tls) = &self.curl else {
            return Ok(());
        };
        let mut headers = vec![("X-Vault-Request", "true".to_string())];
        if let Some(t) = &self.token {
            headers.push(("X-Vault-Token", t.to_string()));
        }
        if let Some(ns) = &self.namespace {
            headers.push(("X-Vault-Namespace", ns.clone()));
        }
        if wrap && let Some(ttl) = &self.wrap_ttl {
            headers.push(("X-Vault-Wrap-TTL", ttl.clone()));
        }
        if self.policy_override {
            headers.push(("X-Vault-Policy-Override", "true".to_string()));
        }
        crate::curl::record(crate::curl::curl_string(&crate::curl::CurlRequest {
            method,
            url: url.as_str(),
            headers,
            body,
            insecure: tls.insecure,
            tls_files: tls.files.clone(),
        }));
        Err(ClientError::OutputCurl)
    }

    /// Whether the configured token is `token` (constant-time; `unwrap` decides between
    /// sending a wrapping token as the client token or in the body).
    pub fn token_is(&self, token: &str) -> bool {
        self.token.as_ref().is_some_and(|t| {
            t.len() == token.len()
                && t.bytes()
                    .zip(token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
    }

    /// Stops wrapping responses (login unwraps nothing it did not ask for).
    pub fn clear_wrap_ttl(&mut self) {
        self.wrap_ttl = None;
    }

    /// The full URL for a `/v1/` path, cleaned like Go's `path.Join`.
    pub fn url_for(&self, path: &str, query: &[(String, String)]) -> reqwest::Url {
        let mut url = self.base.clone();
        let joined = format!("{}/v1/{}", self.base.path(), path);
        let cleaned = clean_path(&joined);
        url.set_path(&cleaned);
        url.set_query(None);
        if !query.is_empty() {
            let mut q = query.to_vec();
            q.sort_by(|a, b| a.0.cmp(&b.0));
            url.query_pairs_mut().extend_pairs(q);
        }
        url
    }

    /// Sends requests to the root namespace from now on (`vault status` always does).
    pub fn clear_namespace(&mut self) {
        self.namespace = None;
    }

    /// Sends a request and returns the answer whatever its status.
    pub async fn send(&self, mut req: Request) -> Result<Response, ClientError> {
        let result = self.send_inner(&req).await;
        // Request bodies carry unseal keys, tokens and secret values.
        if let Some(body) = req.body.as_mut() {
            wipe(body);
        }
        result
    }

    /// The wrap TTL header of `req`: the configured one, else Vault's default of five
    /// minutes for writes to `sys/wrapping/wrap` (which refuses unwrapped requests).
    fn wrap_ttl_for(&self, req: &Request) -> Option<&str> {
        if let Some(ttl) = &self.wrap_ttl {
            return Some(ttl);
        }
        let writes = req.method == Method::PUT || req.method == Method::POST;
        (writes && clean_path(&req.path).trim_matches('/') == "sys/wrapping/wrap").then_some("5m")
    }

    async fn send_inner(&self, req: &Request) -> Result<Response, ClientError> {
        let url = self.url_for(&req.path, &req.query);
        if req.curl {
            let body = req.body.as_ref().map(Value::to_string);
            self.record_curl(req.method.as_str(), &url, body, req.wrap)?;
        }
        let mut rb = self
            .http
            .request(req.method.clone(), url.clone())
            .header("X-Vault-Request", "true");
        if let Some(t) = &self.token {
            rb = rb.header("X-Vault-Token", t.as_str());
        }
        if let Some(ns) = &self.namespace {
            rb = rb.header("X-Vault-Namespace", ns);
        }
        if req.wrap
            && let Some(ttl) = self.wrap_ttl_for(req)
        {
            rb = rb.header("X-Vault-Wrap-TTL", ttl);
        }
        if self.policy_override {
            rb = rb.header("X-Vault-Policy-Override", "true");
        }
        if let Some(body) = &req.body {
            let bytes = Zeroizing::new(
                serde_json::to_vec(body).map_err(|e| ClientError::Decode(e.to_string()))?,
            );
            rb = rb
                .header("Content-Type", req.content_type)
                .body(bytes.to_vec());
        }
        let method = req.method.as_str().to_string();
        let resp = rb.send().await.map_err(|e| {
            ClientError::Transport(format!(
                "{} \"{}\": {}",
                title_method(&method),
                url,
                transport_detail(&e, &url)
            ))
        })?;
        let status = resp.status().as_u16();
        let namespace = resp
            .headers()
            .get("X-Vault-Namespace")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        let final_url = resp.url().clone();
        let body = resp.bytes().await.map_err(|e| {
            ClientError::Transport(format!(
                "{} \"{}\": {}",
                title_method(&method),
                url,
                transport_detail(&e, &url)
            ))
        })?;
        Ok(Response {
            status,
            body: Zeroizing::new(body.to_vec()),
            method,
            path: final_url.path().to_string(),
            url: final_url.to_string(),
            namespace,
        })
    }

    /// The server address (Vault's `client.Address()`).
    pub fn address(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// Sends a request whose bodies are not JSON (raft snapshots), with its own
    /// deadline, and returns the live response to stream from on success; an error
    /// status becomes [`ClientError::Api`] as with [`Client::send`]. Redirects (a
    /// standby points at the active node) are followed.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<reqwest::Response, ClientError> {
        let url = self.url_for(path, &[]);
        self.record_curl(method.as_str(), &url, None, false)?;
        let mut rb = self
            .http
            .request(method.clone(), url.clone())
            .timeout(timeout)
            .header("X-Vault-Request", "true");
        if let Some(t) = &self.token {
            rb = rb.header("X-Vault-Token", t.as_str());
        }
        if let Some(ns) = &self.namespace {
            rb = rb.header("X-Vault-Namespace", ns);
        }
        if let Some(body) = body {
            rb = rb
                .header("Content-Type", "application/octet-stream")
                .body(body);
        }
        let fail = |e: reqwest::Error| {
            ClientError::Transport(format!(
                "{} \"{}\": {}",
                title_method(method.as_str()),
                url,
                transport_detail(&e, &url)
            ))
        };
        let resp = rb.send().await.map_err(fail)?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let final_url = resp.url().clone();
        let body = resp.bytes().await.map_err(fail)?;
        let answer = Response {
            status,
            body: Zeroizing::new(body.to_vec()),
            method: method.as_str().to_string(),
            path: final_url.path().to_string(),
            url: final_url.to_string(),
            namespace: None,
        };
        Err(answer.ok().err().unwrap_or_else(|| {
            ClientError::Decode(format!("unexpected status {status} from {final_url}"))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(addr: &str) -> ClientConfig {
        ClientConfig {
            address: addr.to_string(),
            ca_cert: None,
            ca_path: None,
            client_cert: None,
            client_key: None,
            tls_skip_verify: false,
            token: Some(Zeroizing::new("hvs.secret".into())),
            namespace: None,
            wrap_ttl: None,
            policy_override: false,
            timeout: Duration::from_secs(5),
            output_curl_string: false,
        }
    }

    #[test]
    fn wrap_ttl_header_and_the_wrap_endpoint_default() {
        let c = Client::new(&cfg("http://127.0.0.1:8200")).unwrap();
        let wrap = Request::new(Method::PUT, "sys/wrapping/wrap");
        assert_eq!(c.wrap_ttl_for(&wrap), Some("5m"));
        assert_eq!(
            c.wrap_ttl_for(&Request::new(Method::GET, "sys/wrapping/wrap")),
            None
        );
        assert_eq!(c.wrap_ttl_for(&Request::new(Method::PUT, "secret/x")), None);
        assert!(c.token_is("hvs.secret") && !c.token_is("hvs.other") && !c.token_is(""));
        let mut with = cfg("http://127.0.0.1:8200");
        with.wrap_ttl = Some("2m0s".into());
        let c = Client::new(&with).unwrap();
        assert_eq!(c.wrap_ttl_for(&wrap), Some("2m0s"));
        assert_eq!(
            c.wrap_ttl_for(&Request::new(Method::GET, "secret/x")),
            Some("2m0s")
        );
    }

    #[test]
    fn urls_are_cleaned_like_go_path_join() {
        let c = Client::new(&cfg("http://127.0.0.1:8200")).unwrap();
        assert_eq!(
            c.url_for("secret/", &[("list".into(), "true".into())])
                .as_str(),
            "http://127.0.0.1:8200/v1/secret?list=true"
        );
        assert_eq!(
            c.url_for("secret//data/foo", &[]).as_str(),
            "http://127.0.0.1:8200/v1/secret/data/foo"
        );
        let c = Client::new(&cfg("https://vault.example:8200/prefix/")).unwrap();
        assert_eq!(
            c.url_for(
                "sys/seal-status",
                &[("b".into(), "2".into()), ("a".into(), "1 x".into())]
            )
            .as_str(),
            "https://vault.example:8200/prefix/v1/sys/seal-status?a=1+x&b=2"
        );
    }

    #[test]
    fn bad_addresses_and_missing_ca_files_fail_setup() {
        assert!(matches!(
            Client::new(&cfg("127.0.0.1:8200")),
            Err(ClientError::Setup(_))
        ));
        let mut c = cfg("https://x");
        c.ca_cert = Some("/nonexistent/ca.pem".into());
        let err = Client::new(&c).err().unwrap().to_string();
        assert_eq!(
            err,
            "failed to setup TLS config: Error loading CA File: open /nonexistent/ca.pem: no such file or directory"
        );
    }

    #[test]
    fn api_error_text_matches_vault() {
        let e = ApiError {
            method: "GET".into(),
            url: "http://127.0.0.1:8200/v1/secret/foo".into(),
            status: 403,
            errors: vec!["permission denied".into()],
            raw: false,
            namespace: None,
        };
        assert_eq!(
            e.to_string(),
            "Error making API request.\n\nURL: GET http://127.0.0.1:8200/v1/secret/foo\nCode: 403. Errors:\n\n* permission denied"
        );
        let raw = ApiError {
            raw: true,
            errors: vec!["<html>bad gateway</html>".into()],
            status: 502,
            ..e
        };
        assert!(
            raw.to_string()
                .ends_with("Code: 502. Raw Message:\n\n<html>bad gateway</html>")
        );
    }

    #[test]
    fn response_error_rules() {
        let mk = |status: u16, path: &str, body: &str| Response {
            status,
            body: Zeroizing::new(body.as_bytes().to_vec()),
            method: "GET".into(),
            url: format!("http://x{path}"),
            path: path.into(),
            namespace: None,
        };
        assert!(mk(204, "/v1/x", "").error().is_none());
        assert!(mk(429, "/v1/sys/health", "{}").error().is_none());
        let e = mk(429, "/v1/x", "{\"errors\":[\"rate\"]}").error().unwrap();
        assert_eq!(e.errors, vec!["rate".to_string()]);
        let e = mk(500, "/v1/x", "oops").error().unwrap();
        assert!(e.raw);
        let e = mk(404, "/v1/x", "{\"errors\":[]}").error().unwrap();
        assert!(e.errors.is_empty() && !e.raw);
    }

    #[test]
    fn debug_redacts_token() {
        assert!(!format!("{:?}", cfg("http://x")).contains("hvs.secret"));
    }

    #[test]
    fn go_io_wording() {
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(io_text(&e), "no such file or directory");
        assert_eq!(title_method("PUT"), "Put");
    }
}
