//! The HTTP client a joining node uses to reach the leader's API
//! (`sys/storage/raft/bootstrap/*`), with the TLS settings of `sys/storage/raft/join` and
//! `retry_join`: a custom CA, a client certificate, and an expected server name.

use std::{sync::Once, time::Duration};

use arca_core::LeaderTarget;
use arca_sdk::Error;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::config::RetryJoin;

/// Whole-request deadline: the answer call waits while the leader brings the new node up
/// to date, which can take a while on a large cluster.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Installs rustls's ring provider for reqwest (built without a default provider).
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn unreachable(leader: &LeaderTarget, e: impl std::fmt::Display) -> Error {
    Error::Unavailable(format!("cannot reach the leader {}: {e}", leader.api_addr))
}

/// Builds a client for one leader and the URL of `path` on it.
async fn client_for(
    leader: &LeaderTarget,
    path: &str,
) -> Result<(reqwest::Client, reqwest::Url), Error> {
    install_crypto_provider();
    let base = leader.api_addr.trim().trim_end_matches('/');
    let mut url = reqwest::Url::parse(&format!("{base}/v1/{path}"))
        .map_err(|e| Error::bad_request(format!("invalid leader_api_addr {base:?}: {e}")))?;
    let mut builder = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT);
    if let Some(pem) = &leader.ca_cert {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| Error::bad_request(format!("invalid leader_ca_cert: {e}")))?;
        if certs.is_empty() {
            return Err(Error::bad_request(
                "invalid leader_ca_cert: no certificate in the PEM",
            ));
        }
        builder = builder.tls_certs_only(certs);
    }
    match (&leader.client_cert, &leader.client_key) {
        (Some(cert), Some(key)) => {
            let mut pem = Zeroizing::new(cert.clone().into_bytes());
            pem.push(b'\n');
            pem.extend_from_slice(key.as_bytes());
            let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
                Error::bad_request(format!("invalid leader client certificate or key: {e}"))
            })?;
            builder = builder.identity(identity);
        }
        (None, None) => {}
        _ => {
            return Err(Error::bad_request(
                "leader_client_cert and leader_client_key must be given together",
            ));
        }
    }
    if let Some(name) = leader.tls_servername.as_deref().filter(|n| !n.is_empty()) {
        // Dial the address's host, but verify (and send SNI for) the given name.
        let host = url.host_str().unwrap_or_default().to_string();
        let port = url.port_or_known_default().unwrap_or(443);
        let addr = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| unreachable(leader, e))?
            .next()
            .ok_or_else(|| unreachable(leader, "no address for the host"))?;
        builder = builder.resolve(name, addr);
        url.set_host(Some(name))
            .map_err(|e| Error::bad_request(format!("invalid leader_tls_servername: {e}")))?;
    }
    let client = builder
        .build()
        .map_err(|e| Error::internal(format!("building the HTTP client: {e}")))?;
    Ok((client, url))
}

/// `PUT <leader>/v1/<path>` with a JSON body; the JSON answer, or the leader's errors.
pub(crate) async fn put_to_leader(
    leader: &LeaderTarget,
    path: &str,
    body: &Value,
) -> Result<Value, Error> {
    let (client, url) = client_for(leader, path).await?;
    let resp = client
        .put(url)
        .header("X-Vault-Request", "true")
        .json(body)
        .send()
        .await
        .map_err(|e| unreachable(leader, error_chain(&e)))?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| unreachable(leader, e))?;
    let value: Value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    if status.is_success() {
        return Ok(value);
    }
    let errors: Vec<&str> = value
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    Err(Error::Unavailable(format!(
        "the leader {} answered {}: {}",
        leader.api_addr,
        status.as_u16(),
        if errors.is_empty() {
            "no error message".to_string()
        } else {
            errors.join("; ")
        }
    )))
}

/// The error and its causes, so "connection refused" is visible in the logs.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

fn read_pem(
    file: &Option<String>,
    inline: &Option<String>,
    what: &str,
) -> Result<Option<String>, String> {
    if let Some(text) = inline.as_ref().filter(|t| !t.trim().is_empty()) {
        return Ok(Some(text.clone()));
    }
    match file.as_ref().filter(|f| !f.trim().is_empty()) {
        Some(path) => std::fs::read_to_string(path)
            .map(Some)
            .map_err(|e| format!("storage \"raft\" retry_join: reading {what} {path}: {e}")),
        None => Ok(None),
    }
}

/// The leaders of the `retry_join` blocks, with their certificate files read. Blocks
/// using cloud auto-join are skipped with a warning (not supported).
pub(crate) fn retry_join_targets(blocks: &[RetryJoin]) -> Result<Vec<LeaderTarget>, String> {
    let mut out = Vec::new();
    for b in blocks {
        let Some(addr) = b.leader_api_addr.as_ref().filter(|a| !a.trim().is_empty()) else {
            if b.auto_join.is_some() {
                tracing::warn!(
                    "storage \"raft\" retry_join: auto_join is not supported; block ignored"
                );
            }
            continue;
        };
        let key_file = read_pem(&b.leader_client_key_file, &None, "leader_client_key_file")?;
        let key = b
            .leader_client_key
            .as_ref()
            .map(|k| k.expose().to_string())
            .or(key_file)
            .map(Zeroizing::new);
        out.push(LeaderTarget {
            api_addr: addr.trim().to_string(),
            ca_cert: read_pem(
                &b.leader_ca_cert_file,
                &b.leader_ca_cert,
                "leader_ca_cert_file",
            )?,
            client_cert: read_pem(
                &b.leader_client_cert_file,
                &b.leader_client_cert,
                "leader_client_cert_file",
            )?,
            client_key: key,
            tls_servername: b.leader_tls_servername.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refused_connections_and_bad_settings_are_reported() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let leader = LeaderTarget {
            api_addr: format!("http://127.0.0.1:{port}"),
            ..Default::default()
        };
        let err = put_to_leader(&leader, "sys/x", &serde_json::json!({}))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("cannot reach the leader"), "{err}");
        let bad_ca = LeaderTarget {
            ca_cert: Some("not a pem".into()),
            ..leader.clone()
        };
        let err = put_to_leader(&bad_ca, "sys/x", &serde_json::json!({}))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("leader_ca_cert"), "{err}");
        let half = LeaderTarget {
            client_cert: Some("x".into()),
            ..leader
        };
        assert!(
            put_to_leader(&half, "sys/x", &serde_json::json!({}))
                .await
                .is_err()
        );
    }

    #[test]
    fn retry_join_blocks_become_targets() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "CA PEM").unwrap();
        let blocks = vec![
            RetryJoin {
                leader_api_addr: Some("http://10.0.0.1:8200".into()),
                leader_ca_cert_file: Some(ca.display().to_string()),
                ..Default::default()
            },
            RetryJoin {
                auto_join: Some("provider=aws".into()),
                ..Default::default()
            },
            RetryJoin {
                leader_api_addr: Some("http://10.0.0.2:8200".into()),
                leader_ca_cert: Some("INLINE".into()),
                ..Default::default()
            },
        ];
        let t = retry_join_targets(&blocks).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].ca_cert.as_deref(), Some("CA PEM"));
        assert_eq!(t[1].ca_cert.as_deref(), Some("INLINE"));
        let missing = vec![RetryJoin {
            leader_api_addr: Some("http://x:8200".into()),
            leader_ca_cert_file: Some("/nonexistent/ca.pem".into()),
            ..Default::default()
        }];
        assert!(retry_join_targets(&missing).is_err());
    }
}
