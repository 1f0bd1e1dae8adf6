//! Request forwarding over the cluster port.
//!
//! [`ClusterForwarder`] runs on standbys: it sends the whole HTTP request to the raft
//! leader with the `Forward` RPC. [`ForwardServer`] runs on every node and answers that
//! RPC by replaying the request through this node's own router, so the active node
//! handles forwarded and direct requests identically.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use arca_http::{
    ClientAddr, ForwardError, ForwardedMarker, Forwarder, RawHttpRequest, RawHttpResponse,
};
use arca_raft::{
    ClusterNetwork, RaftNode,
    proto::{EchoReply, EchoRequest, ForwardedRequest, ForwardedResponse, Header},
};
use axum::{Router, body::Body, extract::ConnectInfo};
use tonic::Status;
use tower::ServiceExt;

/// Longest a forwarded request may take on the active node (Vault's default
/// `max_request_duration` is 90 s).
const FORWARD_TIMEOUT: Duration = Duration::from_secs(90);

/// The standby side: dials the current leader's cluster address.
pub(crate) struct ClusterForwarder {
    pub(crate) node: Arc<RaftNode>,
    pub(crate) network: ClusterNetwork,
    /// ReadIndex for standby reads (shared by every listener's forwarder).
    pub(crate) reads: Arc<crate::read_index::ReadIndex>,
}

#[async_trait::async_trait]
impl Forwarder for ClusterForwarder {
    fn leader_api_addr(&self) -> Option<String> {
        self.node
            .leader()
            .filter(|(id, _)| *id != self.node.id())
            .map(|(_, n)| n.api_addr)
    }

    async fn read_index(&self) -> Result<(), ForwardError> {
        self.reads.wait().await
    }

    async fn forward(&self, req: RawHttpRequest) -> Result<RawHttpResponse, ForwardError> {
        let (leader_id, leader) = self
            .node
            .leader()
            .ok_or_else(|| ForwardError::NotSent("no leader is known".into()))?;
        if leader_id == self.node.id() {
            let why = if self.node.quorum_lost_for().is_some() {
                "this node leads raft but lost contact with a quorum; no active node is known"
            } else {
                "this node became the leader while forwarding"
            };
            return Err(ForwardError::NotSent(why.into()));
        }
        let mut client = self
            .network
            .client(leader_id, &leader)
            .map_err(|e| ForwardError::NotSent(format!("connecting to the active node: {e}")))?;
        let message = ForwardedRequest {
            method: req.method,
            uri: req.uri,
            headers: req
                .headers
                .into_iter()
                .map(|(name, value)| Header { name, value })
                .collect(),
            body: req.body.to_vec(),
            remote_addr: req.remote_addr.unwrap_or_default(),
        };
        let reply = tokio::time::timeout(FORWARD_TIMEOUT, client.forward(message))
            .await
            .map_err(|_| {
                ForwardError::Indeterminate("the active node did not answer in time".into())
            })?
            .map_err(|s| {
                let why = format!("forward RPC failed: {}", s.message());
                // A request that never left this node may be redirected (Vault's 307);
                // one that may have reached the active node may not.
                if arca_raft::never_sent(&s) {
                    ForwardError::NotSent(why)
                } else {
                    ForwardError::Indeterminate(why)
                }
            })?
            .into_inner();
        let status = u16::try_from(reply.status)
            .map_err(|_| ForwardError::Indeterminate("bad status from the active node".into()))?;
        Ok(RawHttpResponse {
            status,
            headers: reply
                .headers
                .into_iter()
                .map(|h| (h.name, h.value))
                .collect(),
            body: reply.body,
        })
    }
}

/// The active side: replays forwarded requests through the local router and records
/// standby heartbeats.
pub(crate) struct ForwardServer {
    pub(crate) router: Router,
    pub(crate) node: Arc<RaftNode>,
    pub(crate) echoes: Arc<crate::heartbeat::EchoTable>,
}

#[tonic::async_trait]
impl arca_raft::ForwardHandler for ForwardServer {
    async fn forward(&self, req: ForwardedRequest) -> Result<ForwardedResponse, Status> {
        let mut builder = axum::http::Request::builder()
            .method(req.method.as_str())
            .uri(req.uri.as_str());
        for h in &req.headers {
            builder = builder.header(h.name.as_str(), h.value.as_slice());
        }
        let mut request = builder
            .body(Body::from(req.body))
            .map_err(|e| Status::invalid_argument(format!("malformed forwarded request: {e}")))?;
        request.extensions_mut().insert(ForwardedMarker);
        if let Ok(addr) = req.remote_addr.parse::<SocketAddr>() {
            request
                .extensions_mut()
                .insert(ConnectInfo(ClientAddr(addr)));
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| Status::internal(format!("serving a forwarded request: {e}")))?;
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|e| Status::internal(format!("reading a forwarded response: {e}")))?;
        Ok(ForwardedResponse {
            status: u32::from(parts.status.as_u16()),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| Header {
                    name: n.as_str().to_string(),
                    value: v.as_bytes().to_vec(),
                })
                .collect(),
            body: body.to_vec(),
        })
    }

    async fn echo(&self, req: EchoRequest) -> Result<EchoReply, Status> {
        let (leader, term) = {
            let metrics = self.node.metrics();
            let m = metrics.borrow();
            (m.current_leader, m.current_term)
        };
        if self.node.is_leader() {
            self.echoes.record(req, term);
        }
        Ok(EchoReply {
            leader_id: leader.map(|l| l.to_string()).unwrap_or_default(),
            term,
            now_unix_ms: crate::heartbeat::now_unix_ms(),
        })
    }
}
