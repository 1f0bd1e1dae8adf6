//! The server side of the cluster port: raft RPCs go to the local raft; forwarded client
//! requests and echoes go to a pluggable [`ForwardHandler`] supplied by the server crate.

use std::{
    future::Future,
    sync::{Arc, RwLock},
};

use openraft::raft::{AppendEntriesResponse, VoteRequest};
use serde::{Serialize, de::DeserializeOwned};
use tokio::net::TcpListener;
use tonic::{
    Request, Response, Status,
    transport::{Server, server::TcpIncoming},
};

use crate::{
    dead_leader::LeaderContact,
    error::NetworkError,
    network::MAX_MESSAGE_BYTES,
    proto::{
        EchoReply, EchoRequest, ForwardedRequest, ForwardedResponse, RaftRequest, RaftResponse,
        ReadIndexReply, ReadIndexRequest, TimeoutNowReply, TimeoutNowRequest,
        cluster_server::{Cluster, ClusterServer},
    },
    tls::ClusterTls,
    types::{NodeId, Raft},
};

/// Handles what standbys send the active node besides raft traffic. Implemented by the
/// server crate (which owns the HTTP stack); this crate only carries the bytes.
#[tonic::async_trait]
pub trait ForwardHandler: Send + Sync + 'static {
    /// Serves one client request forwarded whole from a standby.
    async fn forward(&self, req: ForwardedRequest) -> Result<ForwardedResponse, Status>;
    /// Answers a standby's heartbeat (who it is, how far it has applied).
    async fn echo(&self, req: EchoRequest) -> Result<EchoReply, Status>;
}

type HandlerSlot = Arc<RwLock<Option<Arc<dyn ForwardHandler>>>>;

/// How many streams a peer may open and reset before this node accepted them, per
/// connection, before h2 tears the connection down (GOAWAY `ENHANCE_YOUR_CALM`). Each
/// raft RPC that hits openraft's deadline (one heartbeat) is such a reset when this node
/// is slow to accept it: after a pause (SIGSTOP, a long GC-like stall) a node finds
/// hundreds of them queued, and h2's default of 20 made it drop every peer's connection
/// at once on resuming, so that all of them had to reconnect. Peers are authenticated
/// cluster members (mutual TLS), which is what the default guards against.
const MAX_PENDING_ACCEPT_RESETS: usize = 4096;

/// The tonic `Cluster` service of one node. Cheap to clone; clones share the handler
/// slot, so forwarding can be switched on (after unseal) while the server runs.
#[derive(Clone)]
pub struct ClusterService {
    raft: Raft,
    handler: HandlerSlot,
    /// Where AppendEntries from a current leader are recorded (see `dead_leader`).
    contact: LeaderContact,
}

impl ClusterService {
    /// A service answering raft RPCs with `raft`, with forwarding disabled.
    pub fn new(raft: Raft) -> Self {
        Self {
            raft,
            handler: Arc::default(),
            contact: LeaderContact::default(),
        }
    }

    /// Records leader contact in `contact` (the node's, for its dead-leader watch).
    pub(crate) fn with_contact(mut self, contact: LeaderContact) -> Self {
        self.contact = contact;
        self
    }

    /// Installs (or with `None` removes) the handler for Forward and Echo.
    pub fn set_forward_handler(&self, handler: Option<Arc<dyn ForwardHandler>>) {
        *self.handler.write().unwrap_or_else(|p| p.into_inner()) = handler;
    }

    fn handler(&self) -> Result<Arc<dyn ForwardHandler>, Status> {
        self.handler
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Status::unavailable("request forwarding is not enabled on this node"))
    }

    /// The tonic server wrapper, with the cluster's message limits.
    pub fn into_server(self) -> ClusterServer<ClusterService> {
        ClusterServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }
}

fn decode<T: DeserializeOwned>(req: Request<RaftRequest>) -> Result<T, Status> {
    serde_json::from_slice(&req.into_inner().payload)
        .map_err(|e| Status::invalid_argument(format!("malformed raft request: {e}")))
}

fn encode<T: Serialize>(result: &T) -> Result<Response<RaftResponse>, Status> {
    let payload = serde_json::to_vec(result)
        .map_err(|e| Status::internal(format!("encoding raft response: {e}")))?;
    Ok(Response::new(RaftResponse {
        payload,
        error: String::new(),
    }))
}

#[tonic::async_trait]
impl Cluster for ClusterService {
    async fn append_entries(
        &self,
        request: Request<RaftRequest>,
    ) -> Result<Response<RaftResponse>, Status> {
        let rpc = decode(request)?;
        let result = self.raft.append_entries(rpc).await;
        if matches!(&result, Ok(r) if !matches!(r, AppendEntriesResponse::HigherVote(_))) {
            self.contact.heard();
        }
        encode(&result)
    }

    async fn vote(&self, request: Request<RaftRequest>) -> Result<Response<RaftResponse>, Status> {
        let rpc: VoteRequest<NodeId> = decode(request)?;
        if crate::removal::candidate_was_removed(&self.raft, &rpc) {
            return Err(Status::failed_precondition(
                crate::removal::REMOVED_STATUS_MESSAGE,
            ));
        }
        encode(&self.raft.vote(rpc).await)
    }

    async fn install_snapshot(
        &self,
        request: Request<RaftRequest>,
    ) -> Result<Response<RaftResponse>, Status> {
        let rpc = decode(request)?;
        encode(&self.raft.install_snapshot(rpc).await)
    }

    async fn forward(
        &self,
        request: Request<ForwardedRequest>,
    ) -> Result<Response<ForwardedResponse>, Status> {
        let handler = self.handler()?;
        handler
            .forward(request.into_inner())
            .await
            .map(Response::new)
    }

    async fn echo(&self, request: Request<EchoRequest>) -> Result<Response<EchoReply>, Status> {
        let handler = self.handler()?;
        handler.echo(request.into_inner()).await.map(Response::new)
    }

    async fn timeout_now(
        &self,
        request: Request<TimeoutNowRequest>,
    ) -> Result<Response<TimeoutNowReply>, Status> {
        let req = request.into_inner();
        Ok(Response::new(
            crate::leadership::timeout_now(&self.raft, &req).await,
        ))
    }

    /// ReadIndex for a standby's local read: only a leader that a quorum still follows
    /// answers (openraft sends a heartbeat round), with the index every read started
    /// after now must see. The standby waits for its own state machine to apply it.
    async fn read_index(
        &self,
        _request: Request<ReadIndexRequest>,
    ) -> Result<Response<ReadIndexReply>, Status> {
        let (read_log_id, _applied) = self
            .raft
            .get_read_log_id()
            .await
            .map_err(|e| Status::failed_precondition(format!("not the leader: {e}")))?;
        Ok(Response::new(ReadIndexReply {
            index: read_log_id.map(|l| l.index).unwrap_or(0),
        }))
    }
}

/// Serves the cluster port on `listener` until `shutdown` resolves. With `tls` (every
/// server), connections must complete a mutual TLS handshake with the settings it holds
/// at that moment (see [`crate::tls`]); without it (tests), the port is plain HTTP/2.
pub async fn serve_cluster<F>(
    listener: TcpListener,
    service: ClusterService,
    tls: Option<ClusterTls>,
    shutdown: F,
) -> Result<(), NetworkError>
where
    F: Future<Output = ()> + Send,
{
    let server = Server::builder()
        .http2_max_pending_accept_reset_streams(Some(MAX_PENDING_ACCEPT_RESETS))
        .add_service(service.into_server());
    match tls {
        None => {
            server
                .serve_with_incoming_shutdown(TcpIncoming::from(listener), shutdown)
                .await
        }
        Some(tls) => {
            server
                .serve_with_incoming_shutdown(crate::tls::accept(listener, tls), shutdown)
                .await
        }
    }
    .map_err(NetworkError::Serve)
}
