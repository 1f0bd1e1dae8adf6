//! Joining a raft cluster, seen from the joining node.
//!
//! 1. `sys/storage/raft/join` (or a `retry_join` block) names leaders. The node asks one
//!    for a challenge (`sys/storage/raft/bootstrap/challenge`) and gets the cluster's seal
//!    configuration, its wrapped root key and a random challenge encrypted under the root
//!    key. From then on it reports itself initialised and sealed, with the cluster's
//!    share counts.
//! 2. The operator unseals it with the cluster's unseal keys. The combined key unwraps
//!    the root key, which decrypts the challenge; the answer goes to
//!    `sys/storage/raft/bootstrap/answer`, and the leader adds the node to raft.
//! 3. Raft replicates the cluster's data (keyring included) to the node, which then
//!    unseals its barrier with the root key it already holds.

use std::{
    sync::{
        Arc, Mutex, MutexGuard, OnceLock, Weak,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use arca_crypto::Key32;
use arca_sdk::Error;
use arca_seal::SealConfig;
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::{
    Core,
    raft_bootstrap::{Challenges, challenge_aad},
    raft_control::{LeaderTarget, RaftControl},
    seal_state::SealStatus,
};

/// Leader path that hands out a challenge.
pub const CHALLENGE_PATH: &str = "sys/storage/raft/bootstrap/challenge";
/// Leader path that checks an answer and adds the node.
pub const ANSWER_PATH: &str = "sys/storage/raft/bootstrap/answer";

/// First pause between join attempts with `retry`; it doubles up to [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_secs(1);
/// Longest pause between join attempts.
const RETRY_MAX: Duration = Duration::from_secs(5);
/// How long the final `sys/unseal` call waits for the cluster's data before answering
/// (the node keeps waiting in the background and unseals when the data is there).
const UNSEAL_INLINE_WAIT: Duration = Duration::from_secs(20);
/// How long the background wait for the cluster's data lasts before giving up (the
/// operator can then submit the keys again).
const REPLICATION_WAIT: Duration = Duration::from_secs(600);

/// The fields of `sys/storage/raft/join`.
#[derive(Debug, Clone, Default)]
pub struct JoinRequest {
    /// Leaders to try, in order.
    pub leaders: Vec<LeaderTarget>,
    /// Keep trying in the background until one answers.
    pub retry: bool,
    /// Join as a non-voter (a raft learner).
    pub non_voter: bool,
}

/// What a leader's challenge gave this node: everything needed to unseal with the
/// cluster's keys and prove it.
pub(crate) struct PendingJoin {
    /// All leaders of the request, to fetch a fresh challenge if the first expired.
    leaders: Vec<LeaderTarget>,
    /// The leader that issued `challenge`.
    leader: LeaderTarget,
    non_voter: bool,
    pub(crate) seal_config: SealConfig,
    /// The cluster's root key under its KEK (the physical `core/root-key`).
    wrapped_root_key: Vec<u8>,
    /// Random bytes under the root key.
    challenge: Vec<u8>,
    /// The cluster CA under the root key (see [`crate::cluster_tls`]).
    cluster_ca: Vec<u8>,
    /// Set once the leader accepted the answer; the barrier unseals when data arrives.
    answered: AtomicBool,
}

/// The join and bootstrap state of one core (both sides of the protocol).
#[derive(Default)]
pub(crate) struct MembershipState {
    /// The core itself, for background join tasks.
    pub(crate) me: OnceLock<Weak<Core>>,
    pending: Mutex<Option<Arc<PendingJoin>>>,
    task: Mutex<Option<JoinHandle<()>>>,
    unseal_lock: tokio::sync::Mutex<()>,
    /// Leader side: challenges handed out and not yet answered.
    pub(crate) challenges: Challenges,
    /// A copy of the root key while unsealed, to encrypt challenges for joining nodes.
    root_key: Mutex<Option<Key32>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MembershipState {
    pub(crate) fn set_root_key(&self, key: Option<&Key32>) {
        *lock(&self.root_key) = key.cloned();
    }

    pub(crate) fn root_key(&self) -> Option<Key32> {
        lock(&self.root_key).clone()
    }

    fn replace_task(&self, task: Option<JoinHandle<()>>) {
        if let Some(old) = std::mem::replace(&mut *lock(&self.task), task) {
            old.abort();
        }
    }
}

fn join_failed(e: impl std::fmt::Display) -> Error {
    Error::Status {
        status: 500,
        message: format!("failed to join raft cluster: {e}"),
    }
}

fn b64_field(data: &Value, name: &str) -> Result<Vec<u8>, Error> {
    data.get(name)
        .and_then(Value::as_str)
        .and_then(|s| B64.decode(s).ok())
        .ok_or_else(|| Error::internal(format!("the leader's challenge has no valid {name}")))
}

impl Core {
    /// The raft seam, or Vault's error when the storage is not raft.
    pub(crate) fn raft_control(&self) -> Result<&dyn RaftControl, Error> {
        self.cluster
            .raft()
            .ok_or_else(|| Error::bad_request("raft storage is not in use"))
    }

    /// The join waiting for unseal keys, if any.
    pub(crate) fn pending_join(&self) -> Option<Arc<PendingJoin>> {
        lock(&self.membership.pending).clone()
    }

    async fn set_pending(&self, pending: Option<PendingJoin>) {
        *lock(&self.membership.pending) = pending.map(Arc::new);
        *self.unseal_progress.lock().await = None;
    }

    /// Stops a background join (`sys/init` made this node a cluster of its own).
    pub(crate) fn stop_join_attempts(&self) {
        self.membership.replace_task(None);
    }

    /// `sys/storage/raft/join`: starts joining the cluster of `req.leaders`. Without
    /// `retry` the first reachable leader's challenge must be obtained now; with it, the
    /// node keeps trying in the background. Refused on a node that is initialised or
    /// already has raft state (it belongs to a cluster; a removed node must be wiped).
    pub async fn join_raft(&self, req: JoinRequest) -> Result<(), Error> {
        let raft = self.raft_control()?;
        if req.leaders.iter().all(|l| l.api_addr.trim().is_empty()) {
            return Err(Error::bad_request("no leader address provided"));
        }
        if self.read_seal_config().await?.is_some() {
            return Err(Error::bad_request(
                "join can't be invoked on an initialized cluster: Vault is already initialized",
            ));
        }
        if raft.has_state().await? {
            return Err(Error::bad_request(
                "raft storage is already initialized: this node already belongs to a cluster",
            ));
        }
        self.membership.replace_task(None);
        if req.retry {
            let me = self.membership.me.get().cloned().unwrap_or_default();
            let task = tokio::spawn(join_loop(me, req));
            self.membership.replace_task(Some(task));
            return Ok(());
        }
        let pending = self
            .fetch_challenge(&req.leaders, req.non_voter)
            .await
            .map_err(join_failed)?;
        self.set_pending(Some(pending)).await;
        Ok(())
    }

    /// Whether a background join attempt still makes sense.
    async fn join_still_needed(&self) -> bool {
        let Ok(raft) = self.raft_control() else {
            return false;
        };
        let initialized = self.read_seal_config().await.map(|c| c.is_some());
        let has_state = raft.has_state().await;
        self.pending_join().is_none()
            && matches!(initialized, Ok(false))
            && matches!(has_state, Ok(false))
    }

    /// Asks each leader in turn for a challenge; the first answer wins.
    async fn fetch_challenge(
        &self,
        leaders: &[LeaderTarget],
        non_voter: bool,
    ) -> Result<PendingJoin, Error> {
        let raft = self.raft_control()?;
        let me = raft.local_peer();
        let mut last = Error::bad_request("no leader address provided");
        for leader in leaders.iter().filter(|l| !l.api_addr.trim().is_empty()) {
            let body = json!({ "server_id": me.node_id });
            let answer = raft.call_leader(leader, CHALLENGE_PATH, body).await;
            match answer.and_then(|v| parse_challenge(&v)) {
                Ok((seal_config, wrapped_root_key, challenge, cluster_ca)) => {
                    tracing::info!(leader = %leader.api_addr, "received the raft join challenge; unseal this node with the cluster's keys");
                    return Ok(PendingJoin {
                        leaders: leaders.to_vec(),
                        leader: leader.clone(),
                        non_voter,
                        seal_config,
                        wrapped_root_key,
                        challenge,
                        cluster_ca,
                        answered: AtomicBool::new(false),
                    });
                }
                Err(e) => {
                    tracing::warn!(leader = %leader.api_addr, error = %e, "raft join attempt failed");
                    last = e;
                }
            }
        }
        Err(last)
    }

    /// Unseal with a join pending: the shares unlock the cluster's root key, which answers
    /// the challenge; once the leader added this node and the data replicated, the
    /// barrier unseals. A wrong key leaves the node sealed, as a normal unseal does.
    pub(crate) async fn unseal_joining(
        &self,
        pending: Arc<PendingJoin>,
        key: &[u8],
    ) -> Result<SealStatus, Error> {
        let _guard = self.membership.unseal_lock.lock().await;
        if pending.answered.load(Ordering::SeqCst) {
            return self.seal_status().await;
        }
        let Some(kek) = self.submit_unseal_share(&pending.seal_config, key).await? else {
            return self.seal_status().await;
        };
        let root_key = arca_seal::unwrap_root_key(&kek, &pending.wrapped_root_key)
            .map_err(|_| Error::bad_request("Unseal failed, invalid key"))?;
        let index = self.answer_challenge(&pending, &root_key).await?;
        pending.answered.store(true, Ordering::SeqCst);
        self.finish_join(pending, root_key, index).await?;
        self.seal_status().await
    }

    /// Unseal with a join pending and an auto-unseal seal of the cluster's type: the
    /// seal unwraps the cluster's root key (no operator), which answers the challenge.
    /// `Ok(true)` once unsealed here; `Ok(false)` while the data is still replicating.
    pub(crate) async fn unseal_joining_auto(
        &self,
        pending: Arc<PendingJoin>,
        seal: Arc<dyn arca_seal::Seal>,
    ) -> Result<bool, Error> {
        let _guard = self.membership.unseal_lock.lock().await;
        if pending.answered.load(Ordering::SeqCst) {
            return Ok(false);
        }
        let root_key = seal
            .unwrap_root_key(&pending.wrapped_root_key)
            .await
            .map_err(crate::auto_seal::seal_err)?;
        let index = self.answer_challenge(&pending, &root_key).await?;
        pending.answered.store(true, Ordering::SeqCst);
        self.finish_join(pending, root_key, index).await?;
        Ok(!self.is_sealed())
    }

    /// Readies the cluster port with the CA the challenge carried, then answers: the
    /// leader replicates to this node over mutual TLS as soon as it accepts the answer.
    /// Every way of joining goes through here. Returns the log index to apply.
    async fn answer_challenge(
        &self,
        pending: &PendingJoin,
        root_key: &Key32,
    ) -> Result<u64, Error> {
        let raft = self.raft_control()?;
        let ca = crate::cluster_tls::open_from_join(
            root_key,
            &raft.local_peer().node_id,
            &pending.cluster_ca,
        )?;
        raft.set_cluster_ca(Some(&ca))?;
        let answered = self.send_answer(pending, root_key).await;
        if answered.is_err() {
            self.stop_cluster_tls();
        }
        answered
    }

    /// Sends the answer to the leader that issued the challenge; if that fails (expired
    /// challenge, leader change), fetches a fresh challenge and answers it. Returns the
    /// log index this node must apply.
    async fn send_answer(&self, pending: &PendingJoin, root_key: &Key32) -> Result<u64, Error> {
        let raft = self.raft_control()?;
        let me = raft.local_peer();
        let body = |challenge: &[u8]| -> Result<Value, Error> {
            let plain = arca_crypto::open(root_key, challenge, &challenge_aad(&me.node_id))
                .map_err(|_| Error::bad_request("Unseal failed, invalid key"))?;
            Ok(json!({
                "server_id": me.node_id,
                "answer": B64.encode(plain.as_slice()),
                "cluster_addr": me.cluster_addr,
                "api_addr": me.api_addr,
                "non_voter": pending.non_voter,
            }))
        };
        let first = raft
            .call_leader(&pending.leader, ANSWER_PATH, body(&pending.challenge)?)
            .await;
        let reply = match first {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "the raft join answer was refused; trying a fresh challenge");
                let fresh = self
                    .fetch_challenge(&pending.leaders, pending.non_voter)
                    .await
                    .map_err(join_failed)?;
                raft.call_leader(&fresh.leader, ANSWER_PATH, body(&fresh.challenge)?)
                    .await
                    .map_err(join_failed)?
            }
        };
        let index = reply
            .get("data")
            .and_then(|d| d.get("index"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        tracing::info!(index, "joined the raft cluster; waiting for its data");
        Ok(index)
    }

    /// Waits (in a task, so the wait survives the request) until the cluster's data up to
    /// `index` is applied here, then unseals the barrier with `root_key`. The calling
    /// request waits a while for it; a slow replication finishes in the background.
    async fn finish_join(
        &self,
        pending: Arc<PendingJoin>,
        root_key: Key32,
        index: u64,
    ) -> Result<(), Error> {
        let me = self.membership.me.get().cloned().unwrap_or_default();
        let task = tokio::spawn(async move {
            let Some(core) = me.upgrade() else {
                return Ok(());
            };
            let result = async {
                core.raft_control()?
                    .wait_applied(index, REPLICATION_WAIT)
                    .await?;
                core.finish_unseal(&root_key).await
            }
            .await;
            match &result {
                Ok(()) => core.set_pending(None).await,
                Err(e) => {
                    tracing::error!(error = %e, "joined the raft cluster but could not unseal; submit the unseal keys again");
                    pending.answered.store(false, Ordering::SeqCst);
                }
            }
            result
        });
        match tokio::time::timeout(UNSEAL_INLINE_WAIT, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(Error::internal(format!("join task failed: {e}"))),
            Err(_) => Ok(()),
        }
    }
}

/// Background join for `retry`: tries every leader, pausing with backoff, until a
/// challenge is obtained or the node no longer needs to join.
async fn join_loop(me: Weak<Core>, req: JoinRequest) {
    let mut pause = RETRY_FIRST;
    loop {
        let Some(core) = me.upgrade() else {
            return;
        };
        if !core.join_still_needed().await {
            return;
        }
        match core.fetch_challenge(&req.leaders, req.non_voter).await {
            Ok(pending) => {
                // The node may have been initialised while the leader answered.
                if core.join_still_needed().await {
                    core.set_pending(Some(pending)).await;
                }
                return;
            }
            Err(e) => {
                tracing::info!(error = %e, retry_in = ?pause, "no leader answered the raft join; retrying")
            }
        }
        drop(core);
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(RETRY_MAX);
    }
}

/// What a challenge carries: seal config, wrapped root key, challenge, sealed cluster CA.
type Challenge = (SealConfig, Vec<u8>, Vec<u8>, Vec<u8>);

/// Reads `{"data": {"seal_config", "wrapped_root_key", "challenge", "cluster_ca"}}`.
fn parse_challenge(v: &Value) -> Result<Challenge, Error> {
    let data = v
        .get("data")
        .ok_or_else(|| Error::internal("the leader's challenge has no data"))?;
    let config: SealConfig = data
        .get("seal_config")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| Error::internal(format!("the leader's seal configuration: {e}")))?
        .ok_or_else(|| Error::internal("the leader's challenge has no seal configuration"))?;
    config
        .validate()
        .map_err(|e| Error::internal(format!("the leader's seal configuration: {e}")))?;
    Ok((
        config,
        b64_field(data, "wrapped_root_key")?,
        b64_field(data, "challenge")?,
        b64_field(data, "cluster_ca")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse_and_reject_garbage() {
        let good = json!({"data": {
            "seal_config": SealConfig::shamir(5, 3),
            "wrapped_root_key": B64.encode(b"wrapped"),
            "challenge": B64.encode(b"challenge"),
            "cluster_ca": B64.encode(b"ca"),
        }});
        let (c, w, ch, ca) = parse_challenge(&good).unwrap();
        assert_eq!(c.secret_threshold, 3);
        assert_eq!(w, b"wrapped");
        assert_eq!(ch, b"challenge");
        assert_eq!(ca, b"ca");
        assert!(parse_challenge(&json!({})).is_err());
        let mut bad = good.clone();
        bad["data"]["challenge"] = json!("not base64!");
        assert!(parse_challenge(&bad).is_err());
        let mut bad = good;
        bad["data"]["seal_config"] = json!(SealConfig::shamir(3, 5));
        assert!(parse_challenge(&bad).is_err());
    }
}
