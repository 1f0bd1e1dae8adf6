//! The client side of the cluster port: openraft's `RaftNetworkFactory`/`RaftNetwork`
//! over the tonic `Cluster` service. Openraft's messages travel as serde_json inside the
//! proto's `bytes payload`, so the proto does not follow openraft's type changes.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use openraft::{
    RPCTypes, RaftNetwork, RaftNetworkFactory,
    error::{
        Infallible, InstallSnapshotError, NetworkError as RaftNetworkError, PayloadTooLarge,
        RPCError, RaftError, RemoteError, Timeout, Unreachable,
    },
    network::RPCOption,
    raft::{
        AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest,
        InstallSnapshotResponse, VoteRequest, VoteResponse,
    },
};
use serde::{Serialize, de::DeserializeOwned};
use tokio::sync::watch;
use tonic::{
    Code,
    transport::{Channel, Endpoint},
};

use crate::{
    error::NetworkError,
    proto::{RaftRequest, cluster_client::ClusterClient},
    tls::ClusterTls,
    types::{ArcaNode, NodeId, TypeConfig},
};

/// Largest gRPC message on the cluster port, both directions. Openraft's JSON spells
/// bytes as number arrays (up to 4× the ciphertext), so this is generous; larger
/// append batches are split via `PayloadTooLarge`.
pub const MAX_MESSAGE_BYTES: usize = 128 * 1024 * 1024;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How the failures of the TLS connector ([`ClusterTls::connect`]: dialing, handshake, no
/// settings) begin once tonic reports them (`NetworkError::Tls`'s display).
const CONNECT_FAILURE_PREFIX: &str = "cluster TLS: ";

/// Whether a failed call on a TLS cluster channel never reached the peer: the channel
/// could not connect (the dial or the handshake failed, or this node has no TLS
/// settings), so no byte of the request was sent and it is safe to retry it elsewhere or
/// redirect the client. Other failures may have happened after the peer acted on it.
pub fn never_sent(status: &tonic::Status) -> bool {
    status.code() == Code::Unavailable && status.message().starts_with(CONNECT_FAILURE_PREFIX)
}
/// HTTP/2 PING interval on every peer connection, busy or idle.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(2);
/// A connection whose PING is not answered within this is closed, and the channel
/// dials a fresh one at its next call. A stalled connection (a peer paused or cut off
/// mid-stream, a half-open socket) is thus replaced within about 5 s; with hyper's
/// default (20 s after a 10 s interval) every RPC to the peer timed out for up to 30 s.
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(3);

struct Peer {
    addr: String,
    channel: Channel,
}

/// When each peer last answered a raft RPC (autopilot's "last contact").
type Contacts = Arc<Mutex<HashMap<NodeId, Instant>>>;

/// Dials peers by their `cluster_addr`, keeping ONE long-lived, lazily connected channel
/// per peer: openraft recreates clients after every error, and reconnecting a fresh
/// HTTP/2 connection each time would churn sockets. Cheap to clone; clones share channels,
/// so request forwarding can reuse them via [`ClusterNetwork::client`].
#[derive(Clone)]
pub struct ClusterNetwork {
    local: NodeId,
    tls: Option<ClusterTls>,
    peers: Arc<Mutex<HashMap<NodeId, Peer>>>,
    /// Turns true when a peer refuses our vote because we were removed from the cluster.
    removed: watch::Sender<bool>,
    contacts: Contacts,
}

impl ClusterNetwork {
    /// A plaintext network for the node with raft id `local` (used in timeout reports).
    /// Only for tests and tools: servers use [`ClusterNetwork::with_tls`].
    pub fn new(local: NodeId) -> Self {
        Self {
            local,
            tls: None,
            peers: Arc::default(),
            removed: watch::channel(false).0,
            contacts: Arc::default(),
        }
    }

    /// When `target` last answered a raft RPC from this node (appends, heartbeats and
    /// votes), or `None` if it never did. On a leader this is how recently each follower
    /// was in contact, which autopilot's health checks and dead-server cleanup use.
    pub fn last_contact(&self, target: NodeId) -> Option<Instant> {
        self.contacts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&target)
            .copied()
    }

    /// Turns true when a peer tells this node it was removed from the cluster (it refused
    /// our vote request for that reason); feed it to [`crate::RaftNode::spawn_removal_watch`].
    pub fn removed_signal(&self) -> watch::Receiver<bool> {
        self.removed.subscribe()
    }

    /// A network that dials peers over mutual TLS with the settings `tls` holds at the
    /// time of each connection (none while sealed: dialing then fails as unreachable).
    pub fn with_tls(local: NodeId, tls: ClusterTls) -> Self {
        Self {
            tls: Some(tls),
            ..Self::new(local)
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<NodeId, Peer>> {
        self.peers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The shared channel to `target`, created (unconnected) on first use or when the
    /// peer's address changed. Must be called inside a tokio runtime.
    pub fn channel(&self, target: NodeId, node: &ArcaNode) -> Result<Channel, NetworkError> {
        let addr = self.normalise(&node.cluster_addr);
        let mut peers = self.lock();
        if let Some(p) = peers.get(&target)
            && p.addr == addr
        {
            return Ok(p.channel.clone());
        }
        let endpoint = self.endpoint(&addr)?;
        let channel = match &self.tls {
            None => endpoint.connect_lazy(),
            Some(tls) => {
                let tls = tls.clone();
                endpoint.connect_with_connector_lazy(tower::service_fn(move |uri| {
                    let tls = tls.clone();
                    async move { tls.connect(uri).await }
                }))
            }
        };
        peers.insert(
            target,
            Peer {
                addr,
                channel: channel.clone(),
            },
        );
        Ok(channel)
    }

    /// A gRPC client for `target` with the cluster's message limits.
    pub fn client(
        &self,
        target: NodeId,
        node: &ArcaNode,
    ) -> Result<ClusterClient<Channel>, NetworkError> {
        Ok(ClusterClient::new(self.channel(target, node)?)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES))
    }

    /// `http://host:port` whatever scheme the configured address has: TLS, when used, is
    /// run by our own connector ([`ClusterTls`]), below tonic's HTTP/2.
    fn normalise(&self, addr: &str) -> String {
        let host = addr
            .strip_prefix("https://")
            .or_else(|| addr.strip_prefix("http://"))
            .unwrap_or(addr)
            .trim_end_matches('/');
        format!("http://{host}")
    }

    fn endpoint(&self, addr: &str) -> Result<Endpoint, NetworkError> {
        Ok(Endpoint::from_shared(addr.to_string())
            .map_err(|source| NetworkError::InvalidAddress {
                addr: addr.to_string(),
                source,
            })?
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(KEEPALIVE_INTERVAL)
            .keep_alive_timeout(KEEPALIVE_TIMEOUT)
            .keep_alive_while_idle(true))
    }
}

impl RaftNetworkFactory<TypeConfig> for ClusterNetwork {
    type Network = PeerConnection;

    async fn new_client(&mut self, target: NodeId, node: &ArcaNode) -> PeerConnection {
        let client = self.client(target, node).map_err(|e| {
            tracing::warn!(target, error = %e, "cannot dial raft peer");
            Arc::new(e)
        });
        PeerConnection {
            local: self.local,
            target,
            client,
            removed: self.removed.clone(),
            contacts: self.contacts.clone(),
        }
    }
}

/// Openraft's connection to one peer (a thin handle on the shared channel).
pub struct PeerConnection {
    local: NodeId,
    target: NodeId,
    client: Result<ClusterClient<Channel>, Arc<NetworkError>>,
    removed: watch::Sender<bool>,
    contacts: Contacts,
}

type RpcResult<T, E> = Result<T, RPCError<NodeId, ArcaNode, RaftError<NodeId, E>>>;

impl PeerConnection {
    /// Sends one raft RPC: encode, size-check, call with the hard deadline, decode the
    /// peer's `Result` and turn its error into a remote error.
    async fn call<Req, Resp, E>(
        &mut self,
        kind: RPCTypes,
        req: &Req,
        entries: usize,
        option: &RPCOption,
    ) -> RpcResult<Resp, E>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    {
        let mut client = match &self.client {
            Ok(c) => c.clone(),
            Err(e) => return Err(RPCError::Unreachable(Unreachable::new(&**e))),
        };
        let payload = serde_json::to_vec(req)
            .map_err(|e| RPCError::Network(RaftNetworkError::new(&NetworkError::Encode(e))))?;
        if payload.len() > MAX_MESSAGE_BYTES {
            return Err(too_large(kind, entries, payload.len()));
        }
        let request = RaftRequest { payload };
        let timeout = option.hard_ttl();
        let send = async {
            match kind {
                RPCTypes::AppendEntries => client.append_entries(request).await,
                RPCTypes::Vote => client.vote(request).await,
                RPCTypes::InstallSnapshot => client.install_snapshot(request).await,
            }
        };
        let response = match tokio::time::timeout(timeout, send).await {
            Err(_) => {
                return Err(RPCError::Timeout(Timeout {
                    action: kind,
                    id: self.local,
                    target: self.target,
                    timeout,
                }));
            }
            Ok(Err(status)) => {
                if status.code() == Code::FailedPrecondition
                    && status.message() == crate::removal::REMOVED_STATUS_MESSAGE
                {
                    tracing::warn!(
                        peer = self.target,
                        "a peer reports this node was removed from the cluster"
                    );
                    self.removed.send_replace(true);
                }
                return Err(status_error(status, kind, entries));
            }
            Ok(Ok(r)) => r.into_inner(),
        };
        self.contacts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(self.target, Instant::now());
        if !response.error.is_empty() {
            return Err(RPCError::Network(RaftNetworkError::new(
                &NetworkError::Remote(response.error),
            )));
        }
        let result: Result<Resp, RaftError<NodeId, E>> = serde_json::from_slice(&response.payload)
            .map_err(|e| RPCError::Network(RaftNetworkError::new(&NetworkError::Decode(e))))?;
        result.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

/// Oversized append batches are split by openraft when told how many entries to try.
fn too_large<E: std::error::Error>(
    kind: RPCTypes,
    entries: usize,
    len: usize,
) -> RPCError<NodeId, ArcaNode, E> {
    if kind == RPCTypes::AppendEntries && entries > 1 {
        let fit = (entries as u128 * MAX_MESSAGE_BYTES as u128 / len as u128) as u64;
        let hint = fit.clamp(1, entries as u64 - 1);
        return RPCError::PayloadTooLarge(PayloadTooLarge::new_entries_hint(hint));
    }
    RPCError::Network(RaftNetworkError::new(&NetworkError::TooLarge(len)))
}

/// Maps a gRPC failure: "cannot connect" means back off (Unreachable); a message-size
/// refusal means split the batch; anything else is retried as a network error.
fn status_error<E: std::error::Error>(
    status: tonic::Status,
    kind: RPCTypes,
    entries: usize,
) -> RPCError<NodeId, ArcaNode, E> {
    match status.code() {
        Code::Unavailable => RPCError::Unreachable(Unreachable::new(&NetworkError::from(status))),
        Code::OutOfRange | Code::ResourceExhausted
            if kind == RPCTypes::AppendEntries && entries > 1 =>
        {
            RPCError::PayloadTooLarge(PayloadTooLarge::new_entries_hint(entries as u64 / 2))
        }
        _ => RPCError::Network(RaftNetworkError::new(&NetworkError::from(status))),
    }
}

impl RaftNetwork<TypeConfig> for PeerConnection {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> RpcResult<AppendEntriesResponse<NodeId>, Infallible> {
        let entries = rpc.entries.len();
        self.call(RPCTypes::AppendEntries, &rpc, entries, &option)
            .await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> RpcResult<InstallSnapshotResponse<NodeId>, InstallSnapshotError> {
        self.call(RPCTypes::InstallSnapshot, &rpc, 0, &option).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> RpcResult<VoteResponse<NodeId>, Infallible> {
        self.call(RPCTypes::Vote, &rpc, 0, &option).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_channel_per_peer_and_scheme_follows_transport() {
        let net = ClusterNetwork::new(1);
        let node = ArcaNode {
            node_id: "b".into(),
            api_addr: "https://10.0.0.2:8200".into(),
            cluster_addr: "https://10.0.0.2:8201".into(),
            non_voter: false,
        };
        assert_eq!(net.normalise(&node.cluster_addr), "http://10.0.0.2:8201");
        assert_eq!(net.normalise("10.0.0.2:8201"), "http://10.0.0.2:8201");
        net.channel(2, &node).unwrap();
        net.channel(2, &node).unwrap();
        assert_eq!(net.lock().len(), 1);
        let moved = ArcaNode {
            cluster_addr: "http://10.0.0.9:8201".into(),
            ..node
        };
        net.channel(2, &moved).unwrap();
        assert_eq!(net.lock()[&2].addr, "http://10.0.0.9:8201");
    }

    #[tokio::test]
    async fn unreachable_peer_is_reported_as_unreachable() {
        // Bind then drop a listener to get a port nobody listens on.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut net = ClusterNetwork::new(1);
        let node = ArcaNode {
            node_id: "b".into(),
            api_addr: String::new(),
            cluster_addr: format!("http://127.0.0.1:{port}"),
            non_voter: false,
        };
        let mut conn = net.new_client(2, &node).await;
        let req = VoteRequest::new(openraft::Vote::new(1, 1), None);
        let err = conn
            .vote(req, RPCOption::new(Duration::from_secs(5)))
            .await
            .unwrap_err();
        assert!(matches!(err, RPCError::Unreachable(_)), "{err:?}");
        assert_eq!(net.last_contact(2), None);
    }

    #[test]
    fn only_connection_failures_mean_never_sent() {
        let dial = NetworkError::Tls("dialing a peer: Connection refused (os error 111)".into());
        assert!(never_sent(&tonic::Status::unavailable(dial.to_string())));
        assert!(!never_sent(&tonic::Status::unavailable("connection reset")));
        assert!(!never_sent(&tonic::Status::unknown(dial.to_string())));
    }

    #[test]
    fn oversized_batches_get_a_smaller_hint() {
        let e: RPCError<NodeId, ArcaNode, Infallible> =
            too_large(RPCTypes::AppendEntries, 10, MAX_MESSAGE_BYTES * 4);
        match e {
            RPCError::PayloadTooLarge(p) => assert!(p.to_string().contains("entries:2")),
            other => panic!("{other:?}"),
        }
        let e: RPCError<NodeId, ArcaNode, Infallible> =
            too_large(RPCTypes::AppendEntries, 1, MAX_MESSAGE_BYTES * 4);
        assert!(matches!(e, RPCError::Network(_)));
    }
}
