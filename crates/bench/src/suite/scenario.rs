//! What each test type sets up on the server and the one request it then repeats, the
//! way vault-benchmark does it: every test mounts its own engine or auth method (at
//! `<name>-<random>` unless `random_mounts = false`), creates what its requests need (keys,
//! a transit key, a role and secret id, a user), and is removed again with `cleanup`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::{Engine, engine::general_purpose::STANDARD};
use bytes::Bytes;
use rand::Rng;
use rand::distr::Alphanumeric;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::{Value, json};
use thiserror::Error;

use super::config::{TestConfig, TestKind, TestSpec};
use crate::args::Token;
use crate::target::OpError;
use crate::vault::{SetupError, check_address, finish_with, transport, vault_detail};

/// Why a test could not be set up (or cleaned up).
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] SetupError),
    /// A setup request failed.
    #[error("setting up test {test:?}: {step}: {error}")]
    Setup {
        /// Test name.
        test: String,
        /// What was being done, e.g. `mounting kv-v2 at w-1a2b3c4d`.
        step: String,
        /// The failure.
        error: OpError,
    },
}

/// The clients and address every test uses.
#[derive(Clone)]
pub struct Session {
    /// Sends the token (setup, kv, transit).
    authed: reqwest::Client,
    /// Sends no token (logins, as real clients do).
    anonymous: reqwest::Client,
    /// `<address>/v1/`.
    base: String,
}

fn client(token: Option<&Token>, connections: usize) -> Result<reqwest::Client, SetupError> {
    let mut headers = HeaderMap::new();
    if let Some(token) = token {
        let mut tok = HeaderValue::from_str(token.expose()).map_err(|_| SetupError::Token)?;
        tok.set_sensitive(true);
        headers.insert("X-Vault-Token", tok);
    }
    headers.insert("X-Vault-Request", HeaderValue::from_static("true"));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    reqwest::Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| SetupError::Client(e.to_string()))
}

impl Session {
    /// Clients for `address` (http or https) with `token`, pooled for `workers`.
    pub fn new(address: &str, token: &Token, workers: usize) -> Result<Self, SetupError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        check_address(address)?;
        Ok(Session {
            authed: client(Some(token), workers)?,
            anonymous: client(None, workers)?,
            base: format!("{}/v1/", address.trim_end_matches('/')),
        })
    }

    /// One request; the JSON answer (`Null` for an empty body) or the failure.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, OpError> {
        let mut req = self.authed.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.body(body.to_string());
        }
        let resp = req.send().await.map_err(transport)?;
        let body = finish_with(resp, |s| (200..300).contains(&s), vault_detail).await?;
        if body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&body)
            .map_err(|e| OpError::Transport(format!("answer is not JSON: {e}")))
    }
}

/// The request a test repeats.
#[derive(Debug, Clone)]
enum Request {
    /// POST one of `numkvs` keys (`<prefix>secret-N`) with a fixed body.
    KvWrite {
        prefix: String,
        numkvs: u64,
        body: Bytes,
        v2: bool,
    },
    /// GET one of `numkvs` keys.
    KvRead { prefix: String, numkvs: u64 },
    /// POST a fixed body to a fixed URL, with or without the token.
    Fixed {
        url: String,
        body: Bytes,
        anonymous: bool,
    },
}

/// One configured test, set up and ready to issue requests.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Test name from the config.
    pub name: String,
    /// Test type.
    pub kind: TestKind,
    /// Relative share of requests.
    pub weight: u32,
    /// `sys/mounts/<m>` or `sys/auth/<m>`, deleted by [`Scenario::cleanup`].
    mount: String,
    request: Request,
}

fn random_text(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn random_b64(len: usize) -> String {
    let bytes: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
    STANDARD.encode(bytes)
}

impl Scenario {
    /// Mounts and prepares `spec` on the server; `workers` requests at a time when
    /// writing keys for reads.
    pub async fn setup(
        session: &Session,
        spec: &TestSpec,
        random_mounts: bool,
        workers: usize,
    ) -> Result<Scenario, ScenarioError> {
        let mount = if random_mounts {
            format!("{}-{:08x}", spec.name, rand::random::<u32>())
        } else {
            spec.name.clone()
        };
        let fail = |step: String| {
            let test = spec.name.clone();
            move |error| ScenarioError::Setup { test, step, error }
        };
        let (mount_path, mount_body) = match spec.kind {
            TestKind::Kvv2Write | TestKind::Kvv2Read => (
                format!("sys/mounts/{mount}"),
                json!({"type": "kv", "options": {"version": "2"}}),
            ),
            TestKind::Kvv1Write | TestKind::Kvv1Read => (
                format!("sys/mounts/{mount}"),
                json!({"type": "kv", "options": {"version": "1"}}),
            ),
            TestKind::TransitEncrypt | TestKind::TransitDecrypt => {
                (format!("sys/mounts/{mount}"), json!({"type": "transit"}))
            }
            TestKind::ApproleAuth => (format!("sys/auth/{mount}"), json!({"type": "approle"})),
            TestKind::UserpassAuth => (format!("sys/auth/{mount}"), json!({"type": "userpass"})),
        };
        session
            .call(Method::POST, &mount_path, Some(&mount_body))
            .await
            .map_err(fail(format!("mounting {} at {mount}", spec.kind.name())))?;

        let request = match &spec.config {
            TestConfig::Kv { numkvs, kvsize } => {
                let v2 = matches!(spec.kind, TestKind::Kvv2Write | TestKind::Kvv2Read);
                let prefix = if v2 {
                    format!("{}{mount}/data/", session.base)
                } else {
                    format!("{}{mount}/", session.base)
                };
                let data = json!({ "foo": random_text(*kvsize) });
                let body = Bytes::from(if v2 { json!({ "data": data }) } else { data }.to_string());
                if matches!(spec.kind, TestKind::Kvv2Read | TestKind::Kvv1Read) {
                    populate(session, &prefix, *numkvs, &body, workers)
                        .await
                        .map_err(fail(format!("writing {numkvs} keys")))?;
                    Request::KvRead {
                        prefix,
                        numkvs: *numkvs,
                    }
                } else {
                    Request::KvWrite {
                        prefix,
                        numkvs: *numkvs,
                        body,
                        v2,
                    }
                }
            }
            TestConfig::Transit {
                key_name,
                key,
                payload_len,
                context_len,
            } => {
                session
                    .call(
                        Method::POST,
                        &format!("{mount}/keys/{key_name}"),
                        Some(&Value::Object(key.clone())),
                    )
                    .await
                    .map_err(fail(format!("creating transit key {key_name}")))?;
                let mut body = json!({ "plaintext": random_b64(*payload_len) });
                if key.get("derived") == Some(&Value::Bool(true)) {
                    body["context"] = Value::from(random_b64(*context_len));
                }
                if spec.kind == TestKind::TransitEncrypt {
                    Request::Fixed {
                        url: format!("{}{mount}/encrypt/{key_name}", session.base),
                        body: Bytes::from(body.to_string()),
                        anonymous: false,
                    }
                } else {
                    let answer = session
                        .call(
                            Method::POST,
                            &format!("{mount}/encrypt/{key_name}"),
                            Some(&body),
                        )
                        .await
                        .map_err(fail("encrypting the payload".into()))?;
                    let ciphertext = answer["data"]["ciphertext"].as_str().ok_or_else(|| {
                        fail("encrypting the payload".into())(OpError::Transport(
                            "no data.ciphertext in the answer".into(),
                        ))
                    })?;
                    let mut decrypt = json!({ "ciphertext": ciphertext });
                    if let Some(context) = body.get("context") {
                        decrypt["context"] = context.clone();
                    }
                    Request::Fixed {
                        url: format!("{}{mount}/decrypt/{key_name}", session.base),
                        body: Bytes::from(decrypt.to_string()),
                        anonymous: false,
                    }
                }
            }
            TestConfig::Approle {
                role_name,
                role,
                secret_id,
            } => {
                let role_path = format!("auth/{mount}/role/{role_name}");
                session
                    .call(Method::POST, &role_path, Some(&Value::Object(role.clone())))
                    .await
                    .map_err(fail(format!("creating role {role_name}")))?;
                let answer = session
                    .call(Method::GET, &format!("{role_path}/role-id"), None)
                    .await
                    .map_err(fail("reading the role id".into()))?;
                let role_id = answer["data"]["role_id"].as_str().unwrap_or("").to_string();
                let answer = session
                    .call(
                        Method::POST,
                        &format!("{role_path}/secret-id"),
                        Some(&Value::Object(secret_id.clone())),
                    )
                    .await
                    .map_err(fail("creating a secret id".into()))?;
                let secret = answer["data"]["secret_id"].as_str().unwrap_or("");
                if role_id.is_empty() || secret.is_empty() {
                    return Err(fail("reading the role id and secret id".into())(
                        OpError::Transport("the answers carried no role_id or secret_id".into()),
                    ));
                }
                Request::Fixed {
                    url: format!("{}auth/{mount}/login", session.base),
                    body: Bytes::from(
                        json!({ "role_id": role_id, "secret_id": secret }).to_string(),
                    ),
                    anonymous: true,
                }
            }
            TestConfig::Userpass {
                username,
                password,
                user,
            } => {
                let password = password
                    .as_ref()
                    .map_or_else(|| random_text(24), |p| p.expose().to_string());
                let mut body = user.clone();
                body.insert("password".into(), Value::from(password.clone()));
                session
                    .call(
                        Method::POST,
                        &format!("auth/{mount}/users/{username}"),
                        Some(&Value::Object(body)),
                    )
                    .await
                    .map_err(fail(format!("creating user {username}")))?;
                Request::Fixed {
                    url: format!("{}auth/{mount}/login/{username}", session.base),
                    body: Bytes::from(json!({ "password": password }).to_string()),
                    anonymous: true,
                }
            }
        };
        Ok(Scenario {
            name: spec.name.clone(),
            kind: spec.kind,
            weight: spec.weight,
            mount: mount_path,
            request,
        })
    }

    /// Issues the test's request once and reads the whole answer.
    pub async fn once(&self, session: &Session, rng: &mut impl Rng) -> Result<(), OpError> {
        let (req, ok): (reqwest::RequestBuilder, fn(u16) -> bool) = match &self.request {
            Request::KvWrite {
                prefix,
                numkvs,
                body,
                v2,
            } => {
                let n = rng.random_range(0..*numkvs);
                let ok: fn(u16) -> bool = if *v2 {
                    |s| s == 200 || s == 204
                } else {
                    |s| s == 204 || s == 200
                };
                (
                    session
                        .authed
                        .post(format!("{prefix}secret-{n}"))
                        .body(body.clone()),
                    ok,
                )
            }
            Request::KvRead { prefix, numkvs } => {
                let n = rng.random_range(0..*numkvs);
                (session.authed.get(format!("{prefix}secret-{n}")), |s| {
                    s == 200
                })
            }
            Request::Fixed {
                url,
                body,
                anonymous,
            } => {
                let c = if *anonymous {
                    &session.anonymous
                } else {
                    &session.authed
                };
                (c.post(url).body(body.clone()), |s| s == 200)
            }
        };
        let resp = req.send().await.map_err(transport)?;
        finish_with(resp, ok, vault_detail).await.map(|_| ())
    }

    /// Removes the mount or auth method the test made.
    pub async fn cleanup(&self, session: &Session) -> Result<(), ScenarioError> {
        session
            .call(Method::DELETE, &self.mount, None)
            .await
            .map(|_| ())
            .map_err(|error| ScenarioError::Setup {
                test: self.name.clone(),
                step: format!("removing {}", self.mount),
                error,
            })
    }
}

/// Writes keys `secret-0..numkvs` under `prefix` (a full URL prefix), `workers` at a time.
async fn populate(
    session: &Session,
    prefix: &str,
    numkvs: u64,
    body: &Bytes,
    workers: usize,
) -> Result<(), OpError> {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..workers.clamp(1, 64) {
        let (next, http, prefix, body) = (
            next.clone(),
            session.authed.clone(),
            prefix.to_string(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= numkvs {
                    return Ok(());
                }
                let resp = http
                    .post(format!("{prefix}secret-{n}"))
                    .body(body.clone())
                    .send()
                    .await
                    .map_err(transport)?;
                finish_with(resp, |s| s == 200 || s == 204, vault_detail).await?;
            }
        }));
    }
    for t in tasks {
        t.await
            .map_err(|e| OpError::Transport(format!("writer task failed: {e}")))??;
    }
    Ok(())
}
