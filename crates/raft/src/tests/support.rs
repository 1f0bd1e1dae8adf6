//! Helpers shared by the tests: quick timing, node start-up with a served cluster port.

use std::{path::Path, time::Duration};

use arca_storage::{Batch, Condition, Op};
use openraft::ServerState;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use crate::{
    ArcaNode, ClusterCa, ClusterNetwork, ClusterTls, RaftNode, RaftNodeConfig, RaftTiming,
    serve_cluster,
};

/// One CA for every served test cluster: the tests' clusters run over mutual TLS, as
/// servers do.
pub fn test_ca() -> &'static ClusterCa {
    static CA: std::sync::OnceLock<ClusterCa> = std::sync::OnceLock::new();
    CA.get_or_init(|| ClusterCa::generate().unwrap())
}

/// TLS settings with a certificate from `ca` for `name`.
pub fn tls_from(ca: &ClusterCa, name: &str) -> ClusterTls {
    let tls = ClusterTls::default();
    tls.install(ca, name).unwrap();
    tls
}

/// Upper bound for any wait; a bound, not an assertion about speed.
pub const WAIT: Duration = Duration::from_secs(30);

pub fn timing() -> RaftTiming {
    RaftTiming {
        heartbeat_interval: Duration::from_millis(150),
        election_timeout_min: Duration::from_millis(700),
        election_timeout_max: Duration::from_millis(1400),
        ..RaftTiming::default()
    }
}

pub fn config(dir: &Path, name: &str, cluster_addr: &str) -> RaftNodeConfig {
    RaftNodeConfig {
        timing: timing(),
        ..RaftNodeConfig::new(
            name,
            dir.join(name),
            format!("https://{name}.example:8200"),
            cluster_addr,
        )
    }
}

pub async fn open(cfg: RaftNodeConfig) -> RaftNode {
    let id = crate::node_id_from_name(&cfg.node_name);
    RaftNode::open(cfg, ClusterNetwork::new(id)).await.unwrap()
}

/// Opens a node and makes it the leader of its own one-node cluster.
pub async fn single(dir: &Path, name: &str) -> RaftNode {
    let node = open(config(dir, name, "http://127.0.0.1:1")).await;
    node.initialize_single().await.unwrap();
    wait_leader_self(&node).await;
    node
}

pub async fn wait_leader_self(node: &RaftNode) {
    node.raft()
        .wait(Some(WAIT))
        .state(ServerState::Leader, "become leader")
        .await
        .unwrap();
}

/// Waits until `node` has applied at least `index`.
pub async fn wait_applied(node: &RaftNode, index: u64) {
    node.raft()
        .wait(Some(WAIT))
        .applied_index_at_least(Some(index), "apply")
        .await
        .unwrap();
}

/// The leader's commit point, once its metrics show it applied: metrics are published
/// asynchronously, so reading them right after a write can lag behind it.
pub async fn applied_now(leader: &RaftNode) -> openraft::LogId<crate::NodeId> {
    let read = leader.raft().ensure_linearizable().await.unwrap().unwrap();
    wait_applied(leader, read.index).await;
    leader.metrics().borrow().last_applied.unwrap()
}

pub async fn last_applied(leader: &RaftNode) -> u64 {
    applied_now(leader).await.index
}

pub fn put(key: &str, value: &[u8]) -> Batch {
    Batch {
        conditions: vec![],
        ops: vec![Op::Put {
            key: key.into(),
            value: value.to_vec(),
        }],
    }
}

pub fn cond(key: &str, value: Option<&[u8]>) -> Condition {
    Condition {
        key: key.into(),
        fingerprint: value.map(arca_storage::fingerprint),
    }
}

/// A node serving its cluster port; dropping `stop` ends the server.
pub struct Served {
    pub node: RaftNode,
    pub network: ClusterNetwork,
    pub stop: Option<oneshot::Sender<()>>,
    pub server: JoinHandle<()>,
}

impl Served {
    pub async fn stop(&mut self) {
        self.node.shutdown().await.unwrap();
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
            (&mut self.server).await.unwrap();
        }
    }
}

/// Binds a listener on a random local port and returns it with this node's description.
pub async fn bind(name: &str) -> (TcpListener, ArcaNode) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let node = ArcaNode {
        node_id: name.into(),
        api_addr: format!("https://{name}.example:8200"),
        cluster_addr: format!("http://{addr}"),
        non_voter: false,
    };
    (listener, node)
}

/// Opens a node and serves its cluster port on `listener`.
pub async fn serve(dir: &Path, listener: TcpListener, me: &ArcaNode, timing: RaftTiming) -> Served {
    let cfg = RaftNodeConfig {
        timing,
        ..config(dir, &me.node_id, &me.cluster_addr)
    };
    let tls = tls_from(test_ca(), &cfg.node_name);
    let network = ClusterNetwork::with_tls(crate::node_id_from_name(&cfg.node_name), tls.clone());
    let node = RaftNode::open(cfg, network.clone()).await.unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let service = node.cluster_service();
    let server = tokio::spawn(async move {
        serve_cluster(listener, service, Some(tls), async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Served {
        node,
        network,
        stop: Some(tx),
        server,
    }
}
