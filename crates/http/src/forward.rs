//! Standby request forwarding, seen from the HTTP layer.
//!
//! A standby hands a client's request whole to the active node (the server implements
//! [`Forwarder`] over the cluster port) and copies back status, headers and body. Routes
//! that describe this node itself are always answered locally; raft snapshots are
//! redirected instead, as Vault does, because they stream large bodies.

use async_trait::async_trait;
use bytes::Bytes;

/// A request as it crossed the wire, ready to be replayed on the active node.
#[derive(Debug, Clone)]
pub struct RawHttpRequest {
    pub method: String,
    /// Path and query, e.g. `/v1/secret/data/x?version=2`.
    pub uri: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Bytes,
    pub remote_addr: Option<String>,
}

/// The active node's answer.
#[derive(Debug, Clone)]
pub struct RawHttpResponse {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

/// Carries requests from a standby to the active node.
#[async_trait]
pub trait Forwarder: Send + Sync {
    /// The active node's API address, for 307 redirects; `None` when no leader is known.
    fn leader_api_addr(&self) -> Option<String>;
    /// Replays `req` on the active node.
    async fn forward(&self, req: RawHttpRequest) -> Result<RawHttpResponse, ForwardError>;
    /// Makes a local read on this standby linearizable: asks the active node for its read
    /// index (ReadIndex) and waits until this node's state machine applied it. An error
    /// means the read must be forwarded instead. The default (no ReadIndex support)
    /// always refuses, so such a forwarder keeps forwarding every request.
    async fn read_index(&self) -> Result<(), ForwardError> {
        Err(ForwardError::NotSent(
            "standby reads are not supported by this forwarder".into(),
        ))
    }
}

/// Why a request could not be forwarded. It decides what the client hears: a redirect is
/// only safe when the active node cannot have seen the request, otherwise a client that
/// follows it would run a write twice (or report a committed write as failed).
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// Nothing was sent (no leader known, this node became the leader, no channel).
    #[error("{0}")]
    NotSent(String),
    /// The request went out and no answer came back: it may have been applied.
    #[error("{0}")]
    Indeterminate(String),
}

/// Marks a request that already came through forwarding, so the active node never
/// forwards it again (a leadership change in between answers 503 instead of looping).
#[derive(Debug, Clone, Copy)]
pub struct ForwardedMarker;

/// Paths every node answers itself, whatever its HA state.
pub(crate) fn is_local_only(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    matches!(
        p,
        "sys/health"
            | "sys/seal-status"
            | "sys/leader"
            | "sys/init"
            | "sys/unseal"
            | "sys/metrics"
            | "sys/storage/raft/join"
    )
}

/// Vault's answer (500) when `sys/seal` reaches a standby: it has no token store to
/// check the caller against, so only a restart seals it.
pub(crate) const STANDBY_SEAL_REFUSED: &str =
    "vault cannot seal when in standby mode; please restart instead";

/// `sys/seal` is never forwarded: Vault seals the node the request reaches, and a standby
/// refuses.
pub(crate) fn is_standby_seal(path: &str) -> bool {
    path.trim_end_matches('/') == "sys/seal"
}

/// Paths a standby redirects to the active node instead of forwarding.
pub(crate) fn is_redirect_only(path: &str) -> bool {
    path.trim_end_matches('/')
        .starts_with("sys/storage/raft/snapshot")
}

/// Whether a standby may try to serve `req` itself (standby reads): reads and lists
/// outside `sys/`, without response wrapping, and not marked for no forwarding (those
/// keep their redirect). The core still hands over any such read that needs a write.
pub(crate) fn may_read_on_standby(req: &axum::extract::Request, path: &str) -> bool {
    let read = matches!(req.method().as_str(), "GET" | "HEAD" | "LIST");
    let headers = req.headers();
    read && !path.starts_with("sys/")
        && !headers.contains_key("x-vault-wrap-ttl")
        && !headers.contains_key("x-vault-no-request-forwarding")
}

/// Headers that describe one hop and must not be replayed.
pub(crate) fn is_hop_header(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "te"
            | "trailer"
            | "upgrade"
            | "proxy-connection"
            | "host"
            | "content-length"
    )
}
