//! The transit seal: the root key is encrypted by a key of a remote Vault (or Arca)
//! transit engine, so a node unseals itself as long as that server answers. Field names
//! and environment variables are Vault's `seal "transit"`.

use std::{
    sync::{Arc, RwLock},
    time::Duration,
};

use arca_crypto::{Key32, Zeroizing};
use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};

use crate::{Seal, SealError, SealedBlob};

/// Vault's seal type name for this seal.
pub const SEAL_TYPE_TRANSIT: &str = "transit";

/// How long one call to the transit server may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The `seal "transit"` stanza after environment overrides.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TransitSealConfig {
    pub address: String,
    pub token: String,
    pub key_name: String,
    pub mount_path: String,
    pub namespace: String,
    pub disable_renewal: bool,
    pub tls_ca_cert: String,
    pub tls_client_cert: String,
    pub tls_client_key: String,
    pub tls_server_name: String,
    pub tls_skip_verify: bool,
}

impl std::fmt::Debug for TransitSealConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransitSealConfig")
            .field("address", &self.address)
            .field("key_name", &self.key_name)
            .field("mount_path", &self.mount_path)
            .field("namespace", &self.namespace)
            .field("disable_renewal", &self.disable_renewal)
            .finish_non_exhaustive()
    }
}

impl TransitSealConfig {
    /// Applies Vault's environment variables: `VAULT_TRANSIT_SEAL_KEY_NAME`,
    /// `VAULT_TRANSIT_SEAL_MOUNT_PATH` and `VAULT_TRANSIT_SEAL_DISABLE_RENEWAL` override
    /// the stanza; `VAULT_ADDR`, `VAULT_TOKEN`, `VAULT_NAMESPACE`, `VAULT_CACERT`,
    /// `VAULT_CLIENT_CERT`, `VAULT_CLIENT_KEY`, `VAULT_TLS_SERVER_NAME` and
    /// `VAULT_SKIP_VERIFY` fill fields the stanza leaves empty (a server's own
    /// `VAULT_ADDR` usually points at itself, so it never overrides a configured
    /// address).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        let get = |n: &str| get(n).filter(|v| !v.is_empty());
        if let Some(v) = get("VAULT_TRANSIT_SEAL_KEY_NAME") {
            self.key_name = v;
        }
        if let Some(v) = get("VAULT_TRANSIT_SEAL_MOUNT_PATH") {
            self.mount_path = v;
        }
        if let Some(v) = get("VAULT_TRANSIT_SEAL_DISABLE_RENEWAL") {
            self.disable_renewal = parse_bool(&v);
        }
        let fill = |field: &mut String, name: &str| {
            if field.is_empty()
                && let Some(v) = get(name)
            {
                *field = v;
            }
        };
        fill(&mut self.address, "VAULT_ADDR");
        fill(&mut self.token, "VAULT_TOKEN");
        fill(&mut self.namespace, "VAULT_NAMESPACE");
        fill(&mut self.tls_ca_cert, "VAULT_CACERT");
        fill(&mut self.tls_client_cert, "VAULT_CLIENT_CERT");
        fill(&mut self.tls_client_key, "VAULT_CLIENT_KEY");
        fill(&mut self.tls_server_name, "VAULT_TLS_SERVER_NAME");
        if !self.tls_skip_verify
            && let Some(v) = get("VAULT_SKIP_VERIFY")
        {
            self.tls_skip_verify = parse_bool(&v);
        }
    }
}

/// Go's `strconv.ParseBool` truths (what Vault accepts in these variables).
pub fn parse_bool(v: &str) -> bool {
    matches!(v.trim(), "1" | "t" | "T" | "true" | "TRUE" | "True")
}

/// The transit seal: an HTTP client for the remote transit engine.
pub struct TransitSeal {
    http: reqwest::Client,
    base: reqwest::Url,
    token: RwLock<Zeroizing<String>>,
    key_name: String,
    mount_path: String,
    namespace: String,
    disable_renewal: bool,
}

impl std::fmt::Debug for TransitSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransitSeal")
            .field("address", &self.base.as_str())
            .field("key_name", &self.key_name)
            .field("mount_path", &self.mount_path)
            .finish_non_exhaustive()
    }
}

fn invalid(m: impl Into<String>) -> SealError {
    SealError::InvalidConfig(format!("transit seal: {}", m.into()))
}

fn read_file(path: &str, what: &str) -> Result<Vec<u8>, SealError> {
    std::fs::read(path).map_err(|e| invalid(format!("reading {what} {path}: {e}")))
}

impl TransitSeal {
    /// Builds the client (no request is made yet).
    pub fn new(config: &TransitSealConfig) -> Result<Self, SealError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        for (v, name) in [
            (&config.address, "address"),
            (&config.token, "token"),
            (&config.key_name, "key_name"),
            (&config.mount_path, "mount_path"),
        ] {
            if v.is_empty() {
                return Err(invalid(format!("{name} is required")));
            }
        }
        let mut base = reqwest::Url::parse(&config.address)
            .map_err(|e| invalid(format!("address {:?}: {e}", config.address)))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid(format!(
                "address {:?}: unsupported scheme",
                config.address
            )));
        }
        let mut builder = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .tls_danger_accept_invalid_certs(config.tls_skip_verify);
        if !config.tls_ca_cert.is_empty() {
            let pem = read_file(&config.tls_ca_cert, "tls_ca_cert")?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| invalid(format!("tls_ca_cert: {e}")))?;
            builder = builder.tls_certs_only(certs);
        }
        match (
            config.tls_client_cert.is_empty(),
            config.tls_client_key.is_empty(),
        ) {
            (true, true) => {}
            (false, false) => {
                let mut pem =
                    Zeroizing::new(read_file(&config.tls_client_cert, "tls_client_cert")?);
                pem.push(b'\n');
                pem.extend_from_slice(&Zeroizing::new(read_file(
                    &config.tls_client_key,
                    "tls_client_key",
                )?));
                let identity = reqwest::Identity::from_pem(&pem)
                    .map_err(|e| invalid(format!("client certificate: {e}")))?;
                builder = builder.identity(identity);
            }
            _ => {
                return Err(invalid(
                    "tls_client_cert and tls_client_key must be given together",
                ));
            }
        }
        // tls_server_name: connect to the configured address but verify (and send SNI
        // for) the given name, by resolving that name to the address's host.
        if !config.tls_server_name.is_empty()
            && base.host_str() != Some(config.tls_server_name.as_str())
        {
            let host = base.host_str().unwrap_or_default().to_string();
            let port = base.port_or_known_default().unwrap_or(443);
            let addrs: Vec<std::net::SocketAddr> =
                std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                    .map_err(|e| invalid(format!("resolving {host}: {e}")))?
                    .collect();
            builder = builder.resolve_to_addrs(&config.tls_server_name, &addrs);
            base.set_host(Some(&config.tls_server_name))
                .map_err(|e| invalid(format!("tls_server_name: {e}")))?;
        }
        let http = builder
            .build()
            .map_err(|e| invalid(format!("building the client: {e}")))?;
        Ok(TransitSeal {
            http,
            base,
            token: RwLock::new(Zeroizing::new(config.token.clone())),
            key_name: config.key_name.clone(),
            mount_path: config.mount_path.trim_matches('/').to_string(),
            namespace: config.namespace.trim_matches('/').to_string(),
            disable_renewal: config.disable_renewal,
        })
    }

    fn token(&self) -> Zeroizing<String> {
        self.token.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// One call to the transit server; `data` of the answer.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, SealError> {
        let url = self
            .base
            .join(&format!("v1/{path}"))
            .map_err(|e| SealError::Backend(format!("transit seal: bad path: {e}")))?;
        let mut req = self
            .http
            .request(method, url)
            .header("X-Vault-Token", self.token().as_str());
        if !self.namespace.is_empty() {
            req = req.header("X-Vault-Namespace", &self.namespace);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.map_err(|e| {
            SealError::Backend(format!(
                "transit seal: {} unreachable: {}",
                self.base,
                error_chain(&e)
            ))
        })?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let errors = body
                .get("errors")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            return Err(SealError::Backend(format!(
                "transit seal: {path}: HTTP {}: {errors}",
                status.as_u16()
            )));
        }
        Ok(body)
    }

    /// Renews the token until the process ends (unless `disable_renewal`): at half its
    /// TTL, or every minute while it cannot be read. A token with no TTL (root, or a
    /// non-expiring one) is left alone.
    pub fn spawn_renewal(self: &Arc<Self>) {
        if self.disable_renewal {
            return;
        }
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let Some(seal) = me.upgrade() else { return };
                let wait = match seal.renew_once().await {
                    Ok(Some(ttl)) => Duration::from_secs((ttl / 2).max(1)),
                    Ok(None) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "transit seal: token renewal failed; retrying in 60s");
                        Duration::from_secs(60)
                    }
                };
                drop(seal);
                tokio::time::sleep(wait).await;
            }
        });
    }

    /// Looks the token up and renews it if it expires; the new TTL in seconds, or
    /// `None` when it needs no renewal.
    async fn renew_once(&self) -> Result<Option<u64>, SealError> {
        let info = self
            .call(reqwest::Method::GET, "auth/token/lookup-self", None)
            .await?;
        let data = &info["data"];
        let ttl = data["ttl"].as_u64().unwrap_or(0);
        if ttl == 0 || data["renewable"].as_bool() == Some(false) {
            return Ok(None);
        }
        let renewed = self
            .call(
                reqwest::Method::POST,
                "auth/token/renew-self",
                Some(json!({})),
            )
            .await?;
        let ttl = renewed["auth"]["lease_duration"].as_u64().unwrap_or(ttl);
        tracing::debug!(ttl, "transit seal: token renewed");
        Ok(Some(ttl))
    }
}

/// The causes of a reqwest error, joined (the top level alone says little).
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let t = s.to_string();
        if !parts.contains(&t) {
            parts.push(t);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[async_trait]
impl Seal for TransitSeal {
    fn seal_type(&self) -> &'static str {
        SEAL_TYPE_TRANSIT
    }

    async fn wrap_root_key(&self, root_key: &Key32) -> Result<Vec<u8>, SealError> {
        let path = format!("{}/encrypt/{}", self.mount_path, self.key_name);
        let plaintext = Zeroizing::new(STANDARD.encode(root_key.as_bytes()));
        let resp = self
            .call(
                reqwest::Method::POST,
                &path,
                Some(json!({ "plaintext": plaintext.as_str() })),
            )
            .await?;
        let ciphertext = resp["data"]["ciphertext"].as_str().ok_or_else(|| {
            SealError::Backend("transit seal: no ciphertext in the answer".into())
        })?;
        SealedBlob {
            seal_type: SEAL_TYPE_TRANSIT.into(),
            key_id: self.key_name.clone(),
            ciphertext: ciphertext.to_string(),
        }
        .to_bytes()
    }

    async fn unwrap_root_key(&self, stored: &[u8]) -> Result<Key32, SealError> {
        let blob = SealedBlob::from_bytes(stored)?;
        let path = format!("{}/decrypt/{}", self.mount_path, self.key_name);
        let resp = self
            .call(
                reqwest::Method::POST,
                &path,
                Some(json!({ "ciphertext": blob.ciphertext })),
            )
            .await?;
        let plain = resp["data"]["plaintext"]
            .as_str()
            .ok_or_else(|| SealError::Backend("transit seal: no plaintext in the answer".into()))?;
        let bytes = Zeroizing::new(STANDARD.decode(plain).map_err(|_| SealError::InvalidKey)?);
        Key32::from_slice(&bytes).map_err(|_| SealError::InvalidKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_follow_vault() {
        let mut c = TransitSealConfig {
            address: "http://a:8200".into(),
            key_name: "from-file".into(),
            mount_path: "transit/".into(),
            ..Default::default()
        };
        let env = |n: &str| match n {
            "VAULT_TRANSIT_SEAL_KEY_NAME" => Some("autounseal".to_string()),
            "VAULT_TRANSIT_SEAL_DISABLE_RENEWAL" => Some("true".to_string()),
            "VAULT_ADDR" => Some("http://self:8200".to_string()),
            "VAULT_TOKEN" => Some("hvs.x".to_string()),
            _ => None,
        };
        c.apply_env(env);
        assert_eq!(c.key_name, "autounseal");
        assert!(c.disable_renewal);
        assert_eq!(c.address, "http://a:8200", "a configured address stays");
        assert_eq!(c.token, "hvs.x");
        assert!(!format!("{c:?}").contains("hvs.x"));
    }

    #[test]
    fn required_fields_are_checked() {
        let err = TransitSeal::new(&TransitSealConfig::default()).unwrap_err();
        assert_eq!(err.to_string(), "transit seal: address is required");
        let err = TransitSeal::new(&TransitSealConfig {
            address: "ftp://x".into(),
            token: "t".into(),
            key_name: "k".into(),
            mount_path: "transit".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("unsupported scheme"));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_clear_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let seal = TransitSeal::new(&TransitSealConfig {
            address: format!("http://127.0.0.1:{port}"),
            token: "hvs.secret-token".into(),
            key_name: "autounseal".into(),
            mount_path: "transit/".into(),
            ..Default::default()
        })
        .unwrap();
        let err = seal.wrap_root_key(&Key32::generate()).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("transit seal: http://127.0.0.1:"),
            "{text}"
        );
        assert!(!text.contains("secret-token"));
    }
}
