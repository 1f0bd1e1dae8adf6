//! One raft member: opens the RocksDB-backed log and state machine, starts openraft, and
//! offers the small lifecycle API the server needs (bootstrap, leadership, shutdown).

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{Arc, atomic::AtomicBool},
    time::Duration,
};

use arca_storage::StorageError;
use openraft::{
    Config, RaftNetworkFactory, ServerState, SnapshotPolicy,
    error::{InitializeError, RaftError as OpenRaftError},
};
use tokio::sync::watch;

use crate::{
    db::Db,
    dead_leader::LeaderContact,
    error::{RaftError, StoreError},
    log_store::LogStore,
    quorum::QuorumCheck,
    service::ClusterService,
    shared_rounds::SharedRounds,
    snapshot::SnapshotStore,
    state_machine::StateMachineStore,
    types::{ArcaNode, Metrics, NodeId, Raft, node_id_from_name},
};

/// Raft timing and log-compaction settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftTiming {
    /// How often the leader heartbeats; also the deadline of one AppendEntries RPC.
    pub heartbeat_interval: Duration,
    /// Lower bound of the randomised election timeout (must exceed the heartbeat).
    pub election_timeout_min: Duration,
    /// Upper bound of the randomised election timeout.
    pub election_timeout_max: Duration,
    /// Build a snapshot after this many logs since the last one.
    pub snapshot_every_logs: u64,
    /// Logs kept behind the snapshot, so slightly lagging followers catch up from the log
    /// instead of needing a whole snapshot.
    pub logs_kept_after_snapshot: u64,
    /// Deadline for sending one snapshot chunk.
    pub install_snapshot_timeout: Duration,
}

impl Default for RaftTiming {
    /// Multiplier 2: 200 ms heartbeats and a 400–600 ms election timeout. Openraft 0.9
    /// lets a follower campaign only once the leader lease (the timeout's maximum) and
    /// its own timeout have both passed without a heartbeat, i.e. 1.0–1.5 s after a
    /// leader died (0.7–0.9 s when its port refuses connections, see `dead_leader`), so
    /// writes resume within 2 s. The heartbeat is also openraft's
    /// deadline for one AppendEntries RPC, which is why it is not shorter: a busy node
    /// must not miss it. Snapshots every 10 000 logs keep start-up replay and disk use
    /// bounded.
    fn default() -> Self {
        Self::with_multiplier(DEFAULT_MULTIPLIER)
    }
}

/// The multiplier of [`RaftTiming::default`] (Vault's `performance_multiplier`; Vault's
/// own default, 5, gives 500 ms heartbeats and 1–1.5 s election timeouts here).
pub const DEFAULT_MULTIPLIER: u32 = 2;

impl RaftTiming {
    /// Timing scaled by Vault's `performance_multiplier` (1 fastest, 10 slowest; 0
    /// means [`DEFAULT_MULTIPLIER`]): heartbeat 100 ms × m, election timeout between
    /// 200 and 300 ms × m. Larger values tolerate slower disks and networks at the cost
    /// of a longer failover (a follower campaigns 500–600 ms × m after a leader's
    /// death).
    pub fn with_multiplier(multiplier: u32) -> Self {
        let m = if multiplier == 0 {
            DEFAULT_MULTIPLIER
        } else {
            multiplier.min(10)
        };
        Self {
            heartbeat_interval: Duration::from_millis(100) * m,
            election_timeout_min: Duration::from_millis(200) * m,
            election_timeout_max: Duration::from_millis(300) * m,
            snapshot_every_logs: 10_000,
            logs_kept_after_snapshot: 1_000,
            install_snapshot_timeout: Duration::from_secs(10),
        }
    }

    /// How long a leader may go without a quorum's acknowledgement before it stops
    /// being the active node (see `quorum`): the election timeout's minimum plus its
    /// maximum, the soonest a follower that stopped hearing from the leader campaigns
    /// (openraft waits out the leader lease, the maximum, then its own timeout). By then
    /// the rest of the cluster may have moved on; heartbeats, one per openraft tick
    /// (1.5 heartbeat intervals), are acknowledged several times within it on a healthy
    /// cluster. 1 s at the default multiplier, 2.5 s at Vault's default of 5.
    pub fn quorum_timeout(&self) -> Duration {
        self.election_timeout_min + self.election_timeout_max
    }

    fn to_openraft(&self) -> Result<Config, RaftError> {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let cfg = Config {
            cluster_name: "arca".into(),
            heartbeat_interval: ms(self.heartbeat_interval),
            election_timeout_min: ms(self.election_timeout_min),
            election_timeout_max: ms(self.election_timeout_max),
            install_snapshot_timeout: ms(self.install_snapshot_timeout),
            snapshot_policy: SnapshotPolicy::LogsSinceLast(self.snapshot_every_logs),
            max_in_snapshot_log_to_keep: self.logs_kept_after_snapshot,
            // JSON spells bytes as number arrays: keep chunks well under the message limit.
            snapshot_max_chunk_size: 1024 * 1024,
            // One AppendEntries must finish within the heartbeat interval (openraft's
            // deadline for it), or a follower catching up retries the same batch
            // forever: small batches keep each call short even on a busy node.
            max_payload_entries: 32,
            ..Config::default()
        };
        Ok(cfg.validate()?)
    }
}

/// Everything needed to open a node.
#[derive(Debug, Clone)]
pub struct RaftNodeConfig {
    /// Vault's string node id; the raft id is derived from it ([`node_id_from_name`]).
    pub node_name: String,
    /// Directory holding `raft.db` and `snapshots/`.
    pub data_dir: PathBuf,
    /// This node's client API address (advertised to standbys for redirects).
    pub api_addr: String,
    /// This node's cluster address (where peers dial raft and forwarding RPCs).
    pub cluster_addr: String,
    /// Raft timing and compaction.
    pub timing: RaftTiming,
}

impl RaftNodeConfig {
    /// A config with default timing.
    pub fn new(
        node_name: impl Into<String>,
        data_dir: impl Into<PathBuf>,
        api_addr: impl Into<String>,
        cluster_addr: impl Into<String>,
    ) -> Self {
        Self {
            node_name: node_name.into(),
            data_dir: data_dir.into(),
            api_addr: api_addr.into(),
            cluster_addr: cluster_addr.into(),
            timing: RaftTiming::default(),
        }
    }
}

/// A running raft member with its RocksDB storage. Implements
/// [`arca_storage::Physical`], so the barrier can sit directly on top of it.
pub struct RaftNode {
    id: NodeId,
    me: ArcaNode,
    raft: Raft,
    pub(crate) db: Db,
    pub(crate) data_dir: PathBuf,
    /// Set once this node saw itself removed from the membership (see `removal`).
    pub(crate) removed: watch::Sender<bool>,
    /// Counts wholesale replacements of the key space (see `restore`).
    pub(crate) restores: watch::Sender<u64>,
    /// Set while this leader hands over leadership (see `leadership`): it no longer
    /// counts as the active node, so no new writes start on it.
    pub(crate) stepping_down: AtomicBool,
    /// Set while this node cannot reach its peers (no cluster TLS: sealed); it then
    /// does not campaign (see [`RaftNode::set_peers_reachable`]).
    isolated: Arc<AtomicBool>,
    /// When this node last heard from a leader (see `dead_leader`).
    contact: LeaderContact,
    /// Whether this leader still hears from a quorum (see `quorum`).
    pub(crate) quorum: Arc<QuorumCheck>,
    /// Linearizable read barriers, one heartbeat round per batch of readers.
    pub(crate) read_rounds: SharedRounds<Result<(), StorageError>>,
}

impl RaftNode {
    /// Opens (creating if needed) the node's storage under `cfg.data_dir` and starts raft.
    /// The node does nothing until it is initialised or contacted by a leader. Refuses
    /// ([`RaftError::Removed`]) a data directory whose node was removed from its cluster.
    pub async fn open<N>(cfg: RaftNodeConfig, network: N) -> Result<RaftNode, RaftError>
    where
        N: RaftNetworkFactory<crate::types::TypeConfig>,
    {
        let config = cfg.timing.to_openraft()?;
        let quorum = QuorumCheck::new(cfg.timing.quorum_timeout());
        let id = node_id_from_name(&cfg.node_name);
        let me = ArcaNode {
            node_id: cfg.node_name,
            api_addr: cfg.api_addr,
            cluster_addr: cfg.cluster_addr,
            non_voter: false,
        };
        let data_dir = cfg.data_dir;
        crate::removal::refuse_if_removed(&data_dir)?;
        let dir = data_dir.clone();
        let (restores, _) = watch::channel(0);
        let sm_restores = restores.clone();
        let (db, sm) = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            let data_dir = dir;
            std::fs::create_dir_all(&data_dir)?;
            let db = Db::open(&data_dir.join("raft.db"))?;
            let snapshots = Arc::new(SnapshotStore::open(&data_dir.join("snapshots"))?);
            let sm = StateMachineStore::open(db.clone(), snapshots, sm_restores)?;
            Ok((db, sm))
        })
        .await
        .map_err(StoreError::from)??;
        let log_store = LogStore::new(db.clone());
        let raft = Raft::new(id, Arc::new(config), network, log_store, sm).await?;
        let (removed, _) = watch::channel(false);
        quorum.spawn_watch(id, raft.metrics());
        let isolated = Arc::new(AtomicBool::new(false));
        let contact = LeaderContact::default();
        crate::dead_leader::spawn(
            raft.clone(),
            id,
            cfg.timing.clone(),
            contact.clone(),
            isolated.clone(),
        );
        let round_raft = raft.clone();
        let read_rounds = SharedRounds::spawn(move || {
            let raft = round_raft.clone();
            async move { crate::physical::read_round(&raft).await }
        });
        Ok(RaftNode {
            id,
            me,
            raft,
            db,
            data_dir,
            removed,
            restores,
            stepping_down: AtomicBool::new(false),
            isolated,
            contact,
            quorum,
            read_rounds,
        })
    }

    /// Bootstraps a one-voter cluster of this node, if it has never been initialised.
    /// Returns whether this call did it; on restarts (or a node that joined a cluster) it
    /// returns `false` and changes nothing.
    pub async fn initialize_single(&self) -> Result<bool, RaftError> {
        self.initialize([self.me.clone()]).await
    }

    /// Bootstraps a cluster with exactly `members` as voters (must include this node), if
    /// this node has never been initialised. Returns whether this call did it.
    pub async fn initialize(
        &self,
        members: impl IntoIterator<Item = ArcaNode>,
    ) -> Result<bool, RaftError> {
        if self.raft.is_initialized().await? {
            return Ok(false);
        }
        let members: BTreeMap<NodeId, ArcaNode> =
            members.into_iter().map(|n| (n.raft_id(), n)).collect();
        match self.raft.initialize(members).await {
            Ok(()) => Ok(true),
            // Lost a race with a leader's first append: initialised all the same.
            Err(OpenRaftError::APIError(InitializeError::NotAllowed(_))) => Ok(false),
            Err(OpenRaftError::APIError(e)) => Err(RaftError::Initialize(e.to_string())),
            Err(OpenRaftError::Fatal(f)) => Err(f.into()),
        }
    }

    /// Tells raft whether this node can reach its peers. An unreachable node does not
    /// campaign: its elections could not succeed, and each would raise its term, which
    /// would depose the healthy leader when the node comes back. When it can reach them
    /// again and it is the only voter, it elects itself at once.
    pub async fn set_peers_reachable(&self, reachable: bool) {
        use std::sync::atomic::Ordering::SeqCst;
        self.isolated.store(!reachable, SeqCst);
        self.raft
            .runtime_config()
            .elect(reachable && !self.stepping_down.load(SeqCst));
        let sole_voter_without_leader = {
            let m = self.raft.metrics();
            let m = m.borrow();
            let mut voters = m.membership_config.membership().voter_ids();
            voters.next() == Some(self.id)
                && voters.next().is_none()
                && m.current_leader != Some(self.id)
        };
        if reachable
            && sole_voter_without_leader
            && let Err(e) = self.raft.trigger().elect().await
        {
            tracing::warn!(error = %e, "cannot start an election");
        }
    }

    /// Whether the election timer may run (peers reachable).
    pub(crate) fn elections_allowed(&self) -> bool {
        !self.isolated.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// This node's raft id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// This node as it appears in the membership.
    pub fn node(&self) -> &ArcaNode {
        &self.me
    }

    /// The openraft handle, for membership changes and anything not wrapped here.
    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    /// The cluster gRPC service answering peers with this node's raft.
    pub fn cluster_service(&self) -> ClusterService {
        ClusterService::new(self.raft.clone()).with_contact(self.contact.clone())
    }

    /// Live raft metrics (state, term, leader, applied index, membership).
    pub fn metrics(&self) -> watch::Receiver<Metrics> {
        self.raft.metrics()
    }

    /// Whether this node currently believes it is the leader, is not handing over
    /// leadership, and has heard from a quorum within [`RaftTiming::quorum_timeout`]
    /// (the active node). A local, non-linearizable view: use
    /// [`arca_storage::Physical::read_barrier`] before serving reads as leader.
    pub fn is_leader(&self) -> bool {
        if self.stepping_down.load(std::sync::atomic::Ordering::SeqCst) {
            return false;
        }
        let leading = {
            let m = self.raft.metrics();
            let m = m.borrow();
            m.state == ServerState::Leader && m.current_leader == Some(self.id)
        };
        leading && self.quorum_lost_for().is_none()
    }

    /// How long this node has been the raft leader without hearing from a quorum, once
    /// that exceeds [`RaftTiming::quorum_timeout`]; `None` otherwise. Such a node is not
    /// active: it answers as a standby that cannot reach the active node.
    pub fn quorum_lost_for(&self) -> Option<Duration> {
        self.quorum.lost_for(tokio::time::Instant::now())
    }

    /// The current leader as known locally, with its addresses (for redirects/forwarding).
    pub fn leader(&self) -> Option<(NodeId, ArcaNode)> {
        let m = self.raft.metrics();
        let m = m.borrow();
        let id = m.current_leader?;
        let node = m.membership_config.membership().get_node(&id)?.clone();
        Some((id, node))
    }

    /// Waits until some leader is known, up to `timeout`; returns its id.
    pub async fn wait_for_leader(&self, timeout: Duration) -> Result<NodeId, RaftError> {
        let m = self
            .raft
            .wait(Some(timeout))
            .metrics(|m| m.current_leader.is_some(), "a leader")
            .await
            .map_err(|e| RaftError::Timeout(e.to_string()))?;
        m.current_leader
            .ok_or_else(|| RaftError::Timeout("a leader".into()))
    }

    /// Stops raft and waits (up to 10 s) for its background tasks to release the
    /// database, which then closes when this node is dropped, so the same directory can be
    /// reopened right away (a restart in-process, or tests).
    pub async fn shutdown(&self) -> Result<(), RaftError> {
        self.raft
            .shutdown()
            .await
            .map_err(|e| RaftError::Shutdown(e.to_string()))?;
        if !self.db.wait_sole_owner(Duration::from_secs(10)).await {
            tracing::warn!("raft tasks still hold the database after shutdown");
        }
        Ok(())
    }
}
