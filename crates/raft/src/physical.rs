//! [`Physical`] on raft: reads from the local state machine, writes as raft entries.

use arca_storage::{Batch, Physical, StorageError};
use async_trait::async_trait;
use openraft::error::{CheckIsLeaderError, ClientWriteError, Fatal, RaftError as OpenRaftError};
use rocksdb::{Direction, IteratorMode};

use crate::{
    db::CF_DATA,
    error::StoreError,
    node::RaftNode,
    types::{ApplyResult, ArcaNode, NodeId},
};

fn io(e: StoreError) -> StorageError {
    StorageError::Io(e.to_string())
}

fn fatal(f: Fatal<NodeId>) -> StorageError {
    match f {
        Fatal::StorageError(e) => StorageError::Io(e.to_string()),
        Fatal::Panicked => StorageError::Unavailable("raft core panicked".into()),
        Fatal::Stopped => StorageError::Unavailable("raft is stopped".into()),
    }
}

fn not_leader(leader: Option<ArcaNode>) -> StorageError {
    StorageError::NotLeader {
        leader: leader.map(|n| n.api_addr),
    }
}

/// The error of a request on a leader that lost contact with a quorum (Vault's raft
/// answers "leadership lost while committing log" in the same situation).
fn quorum_lost() -> StorageError {
    StorageError::Unavailable(
        "leadership lost while committing log: this node lost contact with a quorum of the cluster"
            .into(),
    )
}

#[async_trait]
impl Physical for RaftNode {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let key = key.to_string();
        self.db
            .run(move |db| Ok(db.raw().get_cf(db.cf(CF_DATA)?, key.as_bytes())?))
            .await
            .map_err(io)
    }

    async fn list_keys(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let prefix = prefix.to_string();
        self.db
            .run(move |db| {
                let mut keys = Vec::new();
                let mode = IteratorMode::From(prefix.as_bytes(), Direction::Forward);
                for item in db.raw().iterator_cf(db.cf(CF_DATA)?, mode) {
                    let (key, _) = item?;
                    if !key.starts_with(prefix.as_bytes()) {
                        break;
                    }
                    let key = String::from_utf8(key.into_vec())
                        .map_err(|_| StoreError::Corrupt("stored key is not UTF-8".into()))?;
                    keys.push(key);
                }
                Ok(keys)
            })
            .await
            .map_err(io)
    }

    async fn commit(&self, batch: Batch) -> Result<(), StorageError> {
        let start = std::time::Instant::now();
        arca_telemetry::emit::incr(arca_telemetry::names::RAFT_APPLY);
        // A leader cut off from its quorum would wait for the commit forever: give up
        // once it has lost contact (see `quorum`). The entry may still commit if the
        // same leader regains its quorum, so the outcome is unknown to the caller.
        let mut lost = self.quorum.lost();
        let written = tokio::select! {
            written = self.raft().client_write(batch.into()) => written,
            _ = lost.wait_for(|lost| *lost) => return Err(quorum_lost()),
        };
        if written.is_ok() {
            arca_telemetry::emit::measure_since(arca_telemetry::names::RAFT_COMMIT_TIME, start);
        }
        match written {
            Ok(resp) => match resp.data {
                ApplyResult::Applied => Ok(()),
                ApplyResult::Conflict => Err(StorageError::Conflict),
            },
            Err(OpenRaftError::APIError(ClientWriteError::ForwardToLeader(f))) => {
                Err(not_leader(f.leader_node))
            }
            Err(OpenRaftError::APIError(ClientWriteError::ChangeMembershipError(e))) => {
                Err(StorageError::Unavailable(e.to_string()))
            }
            Err(OpenRaftError::Fatal(f)) => Err(fatal(f)),
        }
    }

    async fn read_barrier(&self) -> Result<(), StorageError> {
        if self.quorum_lost_for().is_some() {
            return Err(quorum_lost());
        }
        // Concurrent readers share heartbeat rounds (see `shared_rounds`).
        self.read_rounds
            .next()
            .await
            .unwrap_or_else(|| Err(StorageError::Unavailable("raft is stopped".into())))
    }
}

/// One linearizable-read round of `raft`: a heartbeat round to a quorum, then waiting
/// until the local state machine has applied the read index.
pub(crate) async fn read_round(raft: &crate::types::Raft) -> Result<(), StorageError> {
    {
        match raft.ensure_linearizable().await {
            Ok(_) => Ok(()),
            Err(OpenRaftError::APIError(CheckIsLeaderError::ForwardToLeader(f))) => {
                Err(not_leader(f.leader_node))
            }
            Err(OpenRaftError::APIError(CheckIsLeaderError::QuorumNotEnough(e))) => {
                Err(StorageError::Unavailable(e.to_string()))
            }
            Err(OpenRaftError::Fatal(f)) => Err(fatal(f)),
        }
    }
}
