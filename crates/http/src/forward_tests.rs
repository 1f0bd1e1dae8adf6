//! What a standby answers when forwarding fails: a redirect only when the active node
//! cannot have seen the request, or when the request was a read.

use std::sync::{Arc, Mutex};

use arca_core::{ClusterInfo, Core, CoreOptions, InitParams, LeaderInfo};
use arca_storage::MemoryPhysical;
use async_trait::async_trait;
use axum::body::Body;
use tower::ServiceExt;

use crate::{ForwardError, Forwarder, HttpConfig, RawHttpRequest, RawHttpResponse};

const ACTIVE: &str = "http://active.example:8200";

/// A node that is never the active one.
struct Standby;

impl ClusterInfo for Standby {
    fn is_active(&self) -> bool {
        false
    }
    fn leader(&self) -> Option<LeaderInfo> {
        Some(LeaderInfo {
            api_addr: ACTIVE.into(),
            cluster_addr: String::new(),
        })
    }
    fn raft_indexes(&self) -> (u64, u64) {
        (0, 0)
    }
}

/// Fails every forward the way it is told to, counting the attempts.
struct FailingForwarder {
    sent: bool,
    calls: Mutex<usize>,
}

#[async_trait]
impl Forwarder for FailingForwarder {
    fn leader_api_addr(&self) -> Option<String> {
        Some(ACTIVE.into())
    }
    async fn forward(&self, _req: RawHttpRequest) -> Result<RawHttpResponse, ForwardError> {
        *self.calls.lock().unwrap() += 1;
        Err(if self.sent {
            ForwardError::Indeterminate("connection reset after the request was sent".into())
        } else {
            ForwardError::NotSent("no connection".into())
        })
    }
}

async fn unsealed_standby() -> Arc<Core> {
    let core = Core::new(CoreOptions {
        physical: Arc::new(MemoryPhysical::default()),
        cluster: Arc::new(Standby),
        factories: vec![],
        cluster_name: "test".into(),
    })
    .unwrap();
    let init = core
        .init(
            InitParams {
                secret_shares: 1,
                secret_threshold: 1,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    core.unseal(&init.keys[0]).await.unwrap();
    core
}

async fn send(sent: bool, method: &str) -> (u16, Option<String>, String) {
    send_to(sent, method, "/v1/secret/data/x", 1).await
}

/// Sends one request to a standby whose forwards fail, checking how many forwards it
/// attempted.
async fn send_to(
    sent: bool,
    method: &str,
    uri: &str,
    forwards: usize,
) -> (u16, Option<String>, String) {
    let forwarder = Arc::new(FailingForwarder {
        sent,
        calls: Mutex::new(0),
    });
    let app = crate::router(
        unsealed_standby().await,
        HttpConfig::default(),
        Some(forwarder.clone()),
    );
    let req = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("x-vault-token", "hvs.anything")
        .body(Body::from(r#"{"data":{"a":"b"}}"#))
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    assert_eq!(
        *forwarder.calls.lock().unwrap(),
        forwards,
        "forward attempts"
    );
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[tokio::test]
async fn a_write_that_may_have_been_applied_is_not_redirected() {
    let (status, location, body) = send(true, "POST").await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(location, None);
    assert!(
        body.contains("error during forwarding RPC request"),
        "{body}"
    );
}

#[tokio::test]
async fn unsent_writes_and_any_read_are_redirected() {
    let expected = Some(format!("{ACTIVE}/v1/secret/data/x"));
    let (status, location, _) = send(false, "POST").await;
    assert_eq!((status, location), (307, expected.clone()));
    let (status, location, _) = send(true, "GET").await;
    assert_eq!((status, location), (307, expected));
}

#[tokio::test]
async fn a_standby_refuses_to_seal_instead_of_sealing_the_active_node() {
    for method in ["PUT", "POST"] {
        let (status, location, body) = send_to(true, method, "/v1/sys/seal", 0).await;
        assert_eq!((status, location), (500, None), "{body}");
        assert!(
            body.contains("vault cannot seal when in standby mode; please restart instead"),
            "{body}"
        );
    }
}
