//! [`arca_core::ClusterInfo`] and [`arca_core::RaftControl`] over the raft node: the
//! leader is the active node; membership changes and joins go through raft, and the
//! joining node reaches the leader over HTTP ([`crate::join`]).

use std::{sync::Arc, time::Duration};

use arca_core::cluster_tls::ClusterCaPem;
use arca_core::{
    ClusterInfo, LeaderInfo, LeaderTarget, PeerInfo, RaftConfiguration, RaftControl, RaftServer,
    autopilot::{AutopilotConfig, AutopilotState, HaNode},
    version::VAULT_COMPAT_VERSION,
};
use arca_raft::{ArcaNode, ClusterCa, ClusterNetwork, ClusterTls, RaftError, RaftNode};
use arca_sdk::Error;
use async_trait::async_trait;
use serde_json::Value;

/// How long a leader waits for a joining node to catch up before giving up on it.
const CATCH_UP: Duration = Duration::from_secs(60);
/// How long `sys/init` waits for the freshly bootstrapped node to become leader.
const BOOTSTRAP_LEADER_WAIT: Duration = Duration::from_secs(30);
/// How long `sys/step-down` waits for another node to take over.
const STEP_DOWN_WAIT: Duration = Duration::from_secs(15);

/// Answers the core's cluster questions from raft metrics.
pub(crate) struct RaftClusterInfo {
    pub(crate) node: Arc<RaftNode>,
    /// The cluster port's client side (leadership transfer).
    pub(crate) network: ClusterNetwork,
    /// Standby heartbeats received while active (`sys/ha-status`).
    pub(crate) echoes: Arc<crate::heartbeat::EchoTable>,
    /// Autopilot's view of the cluster (`autopilot/state`).
    pub(crate) autopilot: Arc<crate::autopilot::Autopilot>,
    /// This machine's host name, reported in `sys/ha-status`.
    pub(crate) hostname: String,
    /// The cluster port's TLS settings, installed at unseal and cleared at seal.
    pub(crate) tls: ClusterTls,
    /// Whether this standby's heartbeats reach the active node (`sys/health` 474).
    pub(crate) heartbeat: Arc<crate::heartbeat::HeartbeatHealth>,
}

impl ClusterInfo for RaftClusterInfo {
    fn is_active(&self) -> bool {
        self.node.is_leader()
    }

    /// The raft leader, except this node itself when it lost its quorum: it is then no
    /// active node's address, and `sys/leader` reports none until another is known.
    fn leader(&self) -> Option<LeaderInfo> {
        let me = self.node.id();
        let lost = self.node.quorum_lost_for().is_some();
        self.node
            .leader()
            .filter(|(id, _)| !(lost && *id == me))
            .map(|(_, n)| LeaderInfo {
                api_addr: n.api_addr,
                cluster_addr: n.cluster_addr,
            })
    }

    fn raft_indexes(&self) -> (u64, u64) {
        let m = self.node.metrics().borrow().clone();
        let applied = m.last_applied.map(|l| l.index).unwrap_or(0);
        // openraft 0.9 does not publish the commit index; the leader's last log index is
        // committed once applied, and a follower's is at least its applied index.
        let committed = m.last_log_index.unwrap_or(0).max(applied);
        (committed, applied)
    }

    fn raft(&self) -> Option<&dyn RaftControl> {
        Some(self)
    }

    fn removed_from_cluster(&self) -> bool {
        self.node.is_removed()
    }

    /// A leader that lost its quorum cannot reach any active node: unhealthy (474) at
    /// once, with the time since the quorum last answered. Other standbys report their
    /// heartbeats.
    fn ha_connection(&self) -> Option<arca_core::HaConnection> {
        if let Some(silent) = self.node.quorum_lost_for() {
            return Some(arca_core::HaConnection {
                healthy: false,
                last_heartbeat_ms: u64::try_from(silent.as_millis()).unwrap_or(u64::MAX),
            });
        }
        self.heartbeat.connection()
    }
}

/// Raft errors as clients should see them (no internals of openraft).
fn raft_err(e: RaftError) -> Error {
    match e {
        RaftError::NotLeader { leader } => Error::Unavailable(match leader {
            Some(l) => format!(
                "this node is not the raft leader; the active node is {}",
                l.api_addr
            ),
            None => "this node is not the raft leader and no leader is known".into(),
        }),
        RaftError::Membership(m) => Error::bad_request(m),
        RaftError::Restore(m) => Error::bad_request(format!("restoring the snapshot: {m}")),
        RaftError::Timeout(what) => Error::Unavailable(format!("timed out waiting for {what}")),
        other => Error::internal(other),
    }
}

#[async_trait]
impl RaftControl for RaftClusterInfo {
    fn local_peer(&self) -> PeerInfo {
        let me = self.node.node();
        PeerInfo {
            node_id: me.node_id.clone(),
            api_addr: me.api_addr.clone(),
            cluster_addr: me.cluster_addr.clone(),
        }
    }

    async fn has_state(&self) -> Result<bool, Error> {
        self.node.has_state().await.map_err(raft_err)
    }

    async fn bootstrap(&self) -> Result<(), Error> {
        if self.node.initialize_single().await.map_err(raft_err)? {
            tracing::info!("bootstrapped a one-node raft cluster");
        }
        self.node
            .wait_for_leader(BOOTSTRAP_LEADER_WAIT)
            .await
            .map(|_| ())
            .map_err(raft_err)
    }

    fn configuration(&self) -> RaftConfiguration {
        let m = self.node.membership();
        RaftConfiguration {
            index: m.index,
            servers: m
                .members
                .into_iter()
                .map(|x| RaftServer {
                    leader: m.leader == Some(x.node.raft_id()),
                    node_id: x.node.node_id,
                    address: x.node.cluster_addr,
                    voter: x.voter,
                })
                .collect(),
        }
    }

    /// New nodes always start as non-voters; a node that asked to vote is promoted by
    /// autopilot once it has been healthy for `server_stabilization_time`, so a node
    /// that cannot keep up never weakens the quorum.
    async fn add_peer(&self, peer: PeerInfo, voter: bool) -> Result<u64, Error> {
        let node = ArcaNode {
            node_id: peer.node_id,
            api_addr: peer.api_addr,
            cluster_addr: peer.cluster_addr,
            non_voter: !voter,
        };
        self.node
            .add_member(node, false, CATCH_UP)
            .await
            .map_err(raft_err)
    }

    async fn remove_peer(&self, node_id: &str) -> Result<(), Error> {
        if !self.node.remove_member(node_id).await.map_err(raft_err)? {
            tracing::info!(node = %node_id, "remove-peer: no such raft member");
        }
        Ok(())
    }

    async fn wait_applied(&self, index: u64, timeout: Duration) -> Result<(), Error> {
        self.node
            .wait_applied(index, timeout)
            .await
            .map_err(raft_err)
    }

    async fn call_leader(
        &self,
        leader: &LeaderTarget,
        path: &str,
        body: Value,
    ) -> Result<Value, Error> {
        crate::join::put_to_leader(leader, path, &body).await
    }

    fn new_cluster_ca(&self) -> Result<Option<ClusterCaPem>, Error> {
        let ca = ClusterCa::generate().map_err(Error::internal)?;
        Ok(Some(ClusterCaPem {
            cert: ca.cert_pem().to_string(),
            key: ca.key_pem().to_string(),
        }))
    }

    fn set_cluster_ca(&self, ca: Option<&ClusterCaPem>) -> Result<(), Error> {
        match ca {
            Some(ca) => {
                let ca =
                    ClusterCa::from_pem(ca.cert.clone(), zeroize::Zeroizing::new(ca.key.clone()));
                self.tls
                    .install(&ca, &self.node.node().node_id)
                    .map_err(Error::internal)?;
                tracing::info!("cluster port: mutual TLS with a certificate from the cluster CA");
            }
            None => self.tls.clear(),
        }
        Ok(())
    }

    async fn step_down(&self) -> Result<(), Error> {
        match self
            .node
            .step_down(&self.network, STEP_DOWN_WAIT)
            .await
            .map_err(raft_err)?
        {
            Some(_) => tracing::info!("stepped down; another node is active now"),
            None => tracing::info!("step-down: no other voter; this node stays active"),
        }
        Ok(())
    }

    fn ha_nodes(&self) -> Vec<HaNode> {
        let me = self.node.node();
        let term = self.node.metrics().borrow().current_term;
        let mut nodes = vec![HaNode {
            hostname: self.hostname.clone(),
            api_address: me.api_addr.clone(),
            cluster_address: me.cluster_addr.clone(),
            active_node: true,
            last_echo: None,
            version: VAULT_COMPAT_VERSION.into(),
            upgrade_version: VAULT_COMPAT_VERSION.into(),
            redundancy_zone: String::new(),
            echo_duration_ms: 0,
            clock_skew_ms: 0,
            replication_primary_canary_age_ms: 0,
        }];
        nodes.extend(
            self.echoes
                .recent(term)
                .iter()
                .filter(|e| e.node_id != me.node_id)
                .map(|e| e.ha_node()),
        );
        nodes
    }

    fn autopilot_state(&self, config: &AutopilotConfig) -> Option<AutopilotState> {
        self.autopilot.evaluate(config).map(|(state, _)| state)
    }

    async fn export_snapshot(&self) -> Result<Vec<u8>, Error> {
        self.node.export_snapshot().await.map_err(raft_err)
    }

    fn verify_snapshot(&self, snapshot: &[u8]) -> Result<(), Error> {
        RaftNode::verify_snapshot(snapshot).map_err(|e| Error::bad_request(e.to_string()))
    }

    async fn restore_snapshot(&self, snapshot: Vec<u8>) -> Result<(), Error> {
        self.node
            .restore_snapshot(&snapshot)
            .await
            .map_err(raft_err)
    }
}
