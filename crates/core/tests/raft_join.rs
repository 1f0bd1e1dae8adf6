//! The raft join protocol between two cores, with a fake raft layer: the joiner's "HTTP
//! client" calls the leader core directly and "replication" copies the leader's storage.
//! The real thing (processes, raft, HTTP) is tested in crates/cli/tests/cluster.rs.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use arca_core::cluster_tls::ClusterCaPem;
use arca_core::{
    ClusterInfo, Core, CoreOptions, CoreRequest, InitParams, LeaderInfo, LeaderTarget, PeerInfo,
    RaftConfiguration, RaftControl, RaftServer,
};
use arca_sdk::{Error, Operation};
use arca_storage::{Batch, MemoryPhysical, Op, Physical};
use async_trait::async_trait;
use serde_json::{Value, json};

struct FakeRaft {
    me: PeerInfo,
    active: bool,
    physical: Arc<MemoryPhysical>,
    has_state: AtomicBool,
    peers: Mutex<Vec<(PeerInfo, bool)>>,
    leader: Mutex<Option<(Arc<Core>, Arc<MemoryPhysical>)>>,
    calls: std::sync::atomic::AtomicUsize,
    /// The cluster CA the core handed over (None while sealed).
    ca: Mutex<Option<ClusterCaPem>>,
}

#[async_trait]
impl RaftControl for FakeRaft {
    fn local_peer(&self) -> PeerInfo {
        self.me.clone()
    }
    async fn has_state(&self) -> Result<bool, Error> {
        Ok(self.has_state.load(Ordering::SeqCst))
    }
    async fn bootstrap(&self) -> Result<(), Error> {
        if !self.has_state.swap(true, Ordering::SeqCst) {
            self.peers.lock().unwrap().push((self.me.clone(), true));
        }
        Ok(())
    }
    fn configuration(&self) -> RaftConfiguration {
        RaftConfiguration {
            index: 7,
            servers: self
                .peers
                .lock()
                .unwrap()
                .iter()
                .map(|(p, voter)| RaftServer {
                    node_id: p.node_id.clone(),
                    address: p.cluster_addr.clone(),
                    leader: p.node_id == self.me.node_id,
                    voter: *voter,
                })
                .collect(),
        }
    }
    async fn add_peer(&self, peer: PeerInfo, voter: bool) -> Result<u64, Error> {
        self.peers.lock().unwrap().push((peer, voter));
        Ok(42)
    }
    async fn remove_peer(&self, node_id: &str) -> Result<(), Error> {
        self.peers
            .lock()
            .unwrap()
            .retain(|(p, _)| p.node_id != node_id);
        Ok(())
    }
    fn new_cluster_ca(&self) -> Result<Option<ClusterCaPem>, Error> {
        Ok(Some(ClusterCaPem {
            cert: format!("CA of {}", self.me.node_id),
            key: format!("CA key of {}", self.me.node_id),
        }))
    }
    fn set_cluster_ca(&self, ca: Option<&ClusterCaPem>) -> Result<(), Error> {
        *self.ca.lock().unwrap() = ca.cloned();
        Ok(())
    }
    async fn wait_applied(&self, index: u64, _timeout: Duration) -> Result<(), Error> {
        assert_eq!(index, 42, "the joiner waits for the index the leader gave");
        let source = self.leader.lock().unwrap().as_ref().unwrap().1.clone();
        let ops = source
            .dump()
            .into_iter()
            .map(|(key, value)| Op::Put { key, value })
            .collect();
        self.physical
            .commit(Batch {
                conditions: vec![],
                ops,
            })
            .await
            .unwrap();
        self.has_state.store(true, Ordering::SeqCst);
        Ok(())
    }
    async fn call_leader(
        &self,
        leader: &LeaderTarget,
        path: &str,
        body: Value,
    ) -> Result<Value, Error> {
        assert_eq!(leader.api_addr, "http://leader:8200");
        self.calls.fetch_add(1, Ordering::SeqCst);
        let core = self.leader.lock().unwrap().as_ref().unwrap().0.clone();
        let resp = core
            .handle(CoreRequest::new(Operation::Update, path).data(body))
            .await?;
        Ok(match resp {
            Some(r) => match r.raw {
                Some(raw) => serde_json::from_slice(&raw.body).unwrap(),
                None => json!({ "data": r.data }),
            },
            None => json!({}),
        })
    }
}

struct FakeCluster(Arc<FakeRaft>);

impl ClusterInfo for FakeCluster {
    fn is_active(&self) -> bool {
        self.0.active
    }
    fn leader(&self) -> Option<LeaderInfo> {
        None
    }
    fn raft_indexes(&self) -> (u64, u64) {
        (0, 0)
    }
    fn raft(&self) -> Option<&dyn RaftControl> {
        Some(self.0.as_ref())
    }
}

fn node(name: &str, active: bool) -> (Arc<Core>, Arc<FakeRaft>, Arc<MemoryPhysical>) {
    let physical = Arc::new(MemoryPhysical::default());
    let raft = Arc::new(FakeRaft {
        me: PeerInfo {
            node_id: name.into(),
            api_addr: format!("http://{name}:8200"),
            cluster_addr: format!("http://{name}:8201"),
        },
        active,
        physical: physical.clone(),
        has_state: AtomicBool::new(false),
        peers: Mutex::default(),
        leader: Mutex::default(),
        calls: Default::default(),
        ca: Mutex::default(),
    });
    let core = Core::new(CoreOptions {
        physical: physical.clone(),
        cluster: Arc::new(FakeCluster(raft.clone())),
        factories: vec![Arc::new(arca_engine_kv::KvFactory)],
        cluster_name: String::new(),
    })
    .unwrap();
    (core, raft, physical)
}

async fn init(core: &Core) -> (String, Vec<Vec<u8>>) {
    let r = core
        .init(
            InitParams {
                secret_shares: 5,
                secret_threshold: 3,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    (r.root_token, r.keys.iter().map(|k| k.to_vec()).collect())
}

async fn status(core: &Core, path: &str) -> (u16, Value) {
    let r = core
        .handle(CoreRequest::new(Operation::Read, path))
        .await
        .unwrap()
        .unwrap();
    let raw = r.raw.unwrap();
    (raw.status, serde_json::from_slice(&raw.body).unwrap())
}

async fn put(core: &Core, path: &str, body: Value) -> Result<Option<arca_sdk::Response>, Error> {
    core.handle(CoreRequest::new(Operation::Update, path).data(body))
        .await
}

#[tokio::test]
async fn a_node_joins_with_the_clusters_keys() {
    let (leader, leader_raft, leader_physical) = node("node1", true);
    let (root, keys) = init(&leader).await;
    assert!(
        leader_raft.has_state.load(Ordering::SeqCst),
        "init bootstraps raft"
    );
    assert!(
        leader_raft.ca.lock().unwrap().is_none(),
        "sealed: no cluster TLS"
    );
    for k in &keys[..3] {
        leader.unseal(k).await.unwrap();
    }
    let cluster_ca = leader_raft.ca.lock().unwrap().clone().unwrap();
    assert_eq!(
        cluster_ca.cert, "CA of node1",
        "the CA made at init, from the barrier"
    );

    let (joiner, joiner_raft, _) = node("node2", false);
    *joiner_raft.leader.lock().unwrap() = Some((leader.clone(), leader_physical.clone()));
    assert_eq!(status(&joiner, "sys/health").await.0, 501);
    assert_eq!(
        status(&joiner, "sys/seal-status").await.1["initialized"],
        false
    );

    let resp = put(
        &joiner,
        "sys/storage/raft/join",
        json!({"leader_api_addr": "http://leader:8200"}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(resp.raw.unwrap().body, br#"{"joined":true}"#);
    let (code, s) = status(&joiner, "sys/seal-status").await;
    assert_eq!(code, 200);
    assert_eq!(
        (s["initialized"].clone(), s["sealed"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!((s["t"].clone(), s["n"].clone()), (json!(3), json!(5)));
    assert_eq!(status(&joiner, "sys/health").await.0, 503);
    // A joining node is initialised as far as `sys/init` is concerned.
    assert!(
        put(
            &joiner,
            "sys/init",
            json!({"secret_shares": 1, "secret_threshold": 1})
        )
        .await
        .is_err()
    );

    // Another cluster's keys unwrap nothing: the node stays sealed and nothing is added.
    let (other, _, _) = node("other", true);
    let (_, wrong) = init(&other).await;
    joiner.unseal(&wrong[0]).await.unwrap();
    joiner.unseal(&wrong[1]).await.unwrap();
    let err = joiner.unseal(&wrong[2]).await.unwrap_err();
    assert_eq!(err.to_string(), "Unseal failed, invalid key");
    assert!(joiner.is_sealed());
    assert_eq!(leader_raft.peers.lock().unwrap().len(), 1);
    assert!(
        joiner_raft.ca.lock().unwrap().is_none(),
        "no CA for wrong keys"
    );

    // The cluster's keys: the answer is accepted, the data "replicates", the node unseals.
    joiner.unseal(&keys[2]).await.unwrap();
    joiner.unseal(&keys[4]).await.unwrap();
    let s = joiner.unseal(&keys[0]).await.unwrap();
    assert!(!s.sealed, "unsealed after the join");
    assert!(!joiner.is_sealed());
    assert_eq!(s.t, 3);
    let peers = leader_raft.peers.lock().unwrap().clone();
    assert_eq!(peers.len(), 2);
    assert_eq!(peers[1].0.node_id, "node2");
    assert_eq!(peers[1].0.cluster_addr, "http://node2:8201");
    assert!(peers[1].1, "joined as a voter");
    // The joiner serves the cluster port with the leader's CA (from the challenge, then
    // from its replicated barrier); sealing takes it back.
    assert_eq!(joiner_raft.ca.lock().unwrap().as_ref(), Some(&cluster_ca));
    joiner.seal().await;
    assert!(joiner_raft.ca.lock().unwrap().is_none());
    // Joined: a second join is refused.
    let err = put(
        &joiner,
        "sys/storage/raft/join",
        json!({"leader_api_addr": "http://leader:8200"}),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("already initialized"), "{err}");

    // The configuration and remove-peer need a token.
    let configuration = CoreRequest::new(Operation::Read, "sys/storage/raft/configuration");
    assert_eq!(
        leader.handle(configuration.clone()).await.unwrap_err(),
        Error::PermissionDenied
    );
    let r = leader
        .handle(configuration.clone().token(root.clone()))
        .await
        .unwrap()
        .unwrap();
    let config = &r.data.unwrap()["config"];
    assert_eq!(config["index"], 7);
    assert_eq!(
        config["servers"][1],
        json!({"node_id": "node2", "address": "node2:8201", "leader": false, "voter": true, "protocol_version": "3"})
    );
    leader
        .handle(
            CoreRequest::new(Operation::Update, "sys/storage/raft/remove-peer")
                .token(root.clone())
                .data(json!({"server_id": "node2"})),
        )
        .await
        .unwrap();
    assert_eq!(leader_raft.peers.lock().unwrap().len(), 1);
    let err = leader
        .handle(
            CoreRequest::new(Operation::Update, "sys/storage/raft/remove-peer")
                .token(root)
                .data(json!({})),
        )
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "no server id provided");
}

#[tokio::test]
async fn the_leader_checks_answers() {
    let (leader, _, _) = node("node1", true);
    let answer = json!({"server_id": "n9", "answer": "AAAA", "cluster_addr": "http://n9:8201"});
    // Sealed: no challenge, no answer.
    let (_, keys) = init(&leader).await;
    let challenge = json!({"server_id": "n9"});
    assert_eq!(
        put(
            &leader,
            "sys/storage/raft/bootstrap/challenge",
            challenge.clone()
        )
        .await
        .unwrap_err(),
        Error::Sealed
    );
    for k in &keys[..3] {
        leader.unseal(k).await.unwrap();
    }
    let err = put(&leader, "sys/storage/raft/bootstrap/challenge", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "no server id provided");
    let r = put(
        &leader,
        "sys/storage/raft/bootstrap/challenge",
        challenge.clone(),
    )
    .await
    .unwrap()
    .unwrap();
    let data = r.data.unwrap();
    assert_eq!(data["seal_config"]["secret_shares"], 5);
    assert!(data["challenge"].as_str().is_some_and(|c| !c.is_empty()));

    // A wrong answer is refused, and the challenge is used up by the attempt.
    let err = put(&leader, "sys/storage/raft/bootstrap/answer", answer.clone())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "invalid answer given");
    let err = put(&leader, "sys/storage/raft/bootstrap/answer", answer.clone())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no expected answer for the server id provided"
    );
    let mut bad = answer.clone();
    bad["answer"] = json!("%%%");
    let err = put(&leader, "sys/storage/raft/bootstrap/answer", bad)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "could not base64 decode answer");
    // Reads of these routes are not allowed.
    let err = leader
        .handle(CoreRequest::new(Operation::Read, "sys/storage/raft/join"))
        .await
        .unwrap_err();
    assert_eq!(err, Error::UnsupportedOperation);
    // The leader itself is initialised: it cannot join another cluster.
    let err = put(
        &leader,
        "sys/storage/raft/join",
        json!({"leader_api_addr": "http://x:8200"}),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("join can't be invoked on an initialized cluster")
    );
}

#[tokio::test]
async fn without_raft_the_routes_say_so() {
    let core = Core::new(CoreOptions {
        physical: Arc::new(MemoryPhysical::default()),
        cluster: Arc::new(arca_core::SingleNode {
            api_addr: "http://127.0.0.1:8200".into(),
        }),
        factories: vec![],
        cluster_name: String::new(),
    })
    .unwrap();
    let err = put(
        &core,
        "sys/storage/raft/join",
        json!({"leader_api_addr": "http://x:8200"}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "raft storage is not in use");
}

#[tokio::test]
async fn retry_keeps_asking_until_the_leader_answers() {
    let (leader, _, leader_physical) = node("node1", true);
    let (_, keys) = init(&leader).await;
    let (joiner, joiner_raft, _) = node("node2", false);
    *joiner_raft.leader.lock().unwrap() = Some((leader.clone(), leader_physical));
    // The leader is sealed: it cannot hand out a challenge yet, but `retry` accepts.
    let resp = put(
        &joiner,
        "sys/storage/raft/join",
        json!({"leader_api_addr": "http://leader:8200", "retry": true}),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(resp.raw.unwrap().body, br#"{"joined":true}"#);
    assert_eq!(status(&joiner, "sys/health").await.0, 501);
    // Let a first attempt fail against the sealed leader.
    while joiner_raft.calls.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status(&joiner, "sys/health").await.0, 501);
    for k in &keys[..3] {
        leader.unseal(k).await.unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while status(&joiner, "sys/health").await.0 != 503 {
        assert!(
            std::time::Instant::now() < deadline,
            "the retry loop never joined"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for k in &keys[1..4] {
        joiner.unseal(k).await.unwrap();
    }
    assert!(!joiner.is_sealed());
}

#[tokio::test]
async fn init_stops_a_background_join() {
    let (joiner, joiner_raft, _) = node("node2", false);
    let (leader, _, leader_physical) = node("node1", true);
    *joiner_raft.leader.lock().unwrap() = Some((leader.clone(), leader_physical));
    put(
        &joiner,
        "sys/storage/raft/join",
        json!({"leader_api_addr": "http://leader:8200", "retry": true}),
    )
    .await
    .unwrap();
    // Nobody answers (the "leader" is not even initialised); the operator initialises
    // this node instead, which becomes a cluster of its own.
    let (_, keys) = init(&joiner).await;
    assert!(joiner_raft.has_state.load(Ordering::SeqCst));
    for k in &keys[..3] {
        joiner.unseal(k).await.unwrap();
    }
    assert!(!joiner.is_sealed());
}
