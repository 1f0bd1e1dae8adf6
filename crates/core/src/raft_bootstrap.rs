//! Joining a raft cluster, seen from the leader: `sys/storage/raft/bootstrap/challenge`
//! and `sys/storage/raft/bootstrap/answer` (unauthenticated, like Vault's).
//!
//! The challenge is random bytes encrypted under the root key. Only a node that combined
//! the cluster's unseal keys (which unwrap the root key it was given) can decrypt it, so
//! a correct answer proves the joining node holds the keys; only then is it added to raft
//! and sent the cluster's data.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use arca_crypto::{Zeroizing, ct_eq};
use arca_sdk::{Error, Map};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use serde_json::{Value, json};

use crate::{
    Core,
    raft_control::{PeerInfo, address_without_scheme},
    seal_state::ROOT_KEY_KEY,
};

/// How long an issued challenge can be answered.
const CHALLENGE_TTL: Duration = Duration::from_secs(300);
/// Most outstanding challenges kept (unauthenticated callers must not grow memory).
const MAX_CHALLENGES: usize = 1024;
/// Random bytes in a challenge.
const CHALLENGE_LEN: usize = 32;

/// Associated data binding a challenge to its purpose and to the node it was issued to.
pub(crate) fn challenge_aad(server_id: &str) -> Vec<u8> {
    format!("arca/raft-challenge/{server_id}").into_bytes()
}

struct Issued {
    answer: Zeroizing<Vec<u8>>,
    at: Instant,
}

/// Challenges handed out and not yet answered, by server id.
#[derive(Default)]
pub(crate) struct Challenges {
    issued: Mutex<HashMap<String, Issued>>,
}

impl Challenges {
    fn insert(&self, server_id: &str, answer: Zeroizing<Vec<u8>>) {
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        issued.retain(|_, c| c.at.elapsed() < CHALLENGE_TTL);
        if issued.len() >= MAX_CHALLENGES
            && let Some(oldest) = issued
                .iter()
                .min_by_key(|(_, c)| c.at)
                .map(|(k, _)| k.clone())
        {
            issued.remove(&oldest);
        }
        issued.insert(
            server_id.to_string(),
            Issued {
                answer,
                at: Instant::now(),
            },
        );
    }

    /// Takes the challenge of `server_id` (each is answered at most once).
    fn take(&self, server_id: &str) -> Option<Zeroizing<Vec<u8>>> {
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        issued
            .remove(server_id)
            .filter(|c| c.at.elapsed() < CHALLENGE_TTL)
            .map(|c| c.answer)
    }
}

fn string_field(data: &Map, name: &str) -> String {
    data.get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default()
        .to_string()
}

/// Reads a JSON boolean, also spelled as a string (form-encoded clients).
pub(crate) fn bool_field(data: &Map, name: &str) -> Result<bool, Error> {
    match data.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => match s.as_str() {
            "" | "false" | "0" | "f" | "F" | "FALSE" | "False" => Ok(false),
            "true" | "1" | "t" | "T" | "TRUE" | "True" => Ok(true),
            _ => Err(Error::bad_request(format!("invalid value for {name}"))),
        },
        Some(_) => Err(Error::bad_request(format!("invalid value for {name}"))),
    }
}

impl Core {
    /// Refuses bootstrap requests this node cannot serve: it must be the unsealed active
    /// node (a standby's HTTP layer forwards them to the active node).
    fn bootstrap_ready(&self) -> Result<(), Error> {
        self.raft_control()?;
        if self.is_sealed() {
            return Err(Error::Sealed);
        }
        if !self.cluster.is_active() {
            return Err(Error::Unavailable(
                "this node is not the active node; send the join to the active node".into(),
            ));
        }
        Ok(())
    }

    /// `sys/storage/raft/bootstrap/challenge`: the seal configuration, the wrapped root
    /// key and a fresh challenge for `server_id`.
    pub(crate) async fn raft_bootstrap_challenge(&self, data: &Map) -> Result<Value, Error> {
        let server_id = string_field(data, "server_id");
        if server_id.is_empty() {
            return Err(Error::bad_request("no server id provided"));
        }
        self.bootstrap_ready()?;
        let root_key = self.membership.root_key().ok_or(Error::Sealed)?;
        let config = self
            .read_seal_config()
            .await?
            .ok_or(Error::NotInitialized)?;
        let wrapped = self
            .physical
            .get(ROOT_KEY_KEY)
            .await
            .map_err(Error::storage)?
            .ok_or_else(|| Error::internal("wrapped root key is missing"))?;
        let answer = Zeroizing::new(arca_crypto::random_bytes(CHALLENGE_LEN));
        let challenge = arca_crypto::seal(&root_key, answer.as_slice(), &challenge_aad(&server_id))
            .map_err(Error::internal)?;
        let tls_ca = match self.cluster_ca().await? {
            Some(ca) => crate::cluster_tls::seal_for_join(&root_key, &server_id, &ca)?,
            None => return Err(Error::internal("the cluster CA is missing")),
        };
        self.membership.challenges.insert(&server_id, answer);
        tracing::info!(server_id = %server_id, "issued a raft join challenge");
        Ok(json!({
            "challenge": B64.encode(challenge),
            "seal_config": config,
            "wrapped_root_key": B64.encode(wrapped),
            "cluster_ca": B64.encode(tls_ca),
        }))
    }

    /// `sys/storage/raft/bootstrap/answer`: checks the answer in constant time and adds
    /// the node to raft (as a voter unless `non_voter`). Answers with the peers and the
    /// log index the new node must apply.
    pub(crate) async fn raft_bootstrap_answer(&self, data: &Map) -> Result<Value, Error> {
        let server_id = string_field(data, "server_id");
        if server_id.is_empty() {
            return Err(Error::bad_request("no server id provided"));
        }
        let answer_b64 = string_field(data, "answer");
        if answer_b64.is_empty() {
            return Err(Error::bad_request("no answer provided"));
        }
        let answer = Zeroizing::new(
            B64.decode(&answer_b64)
                .map_err(|_| Error::bad_request("could not base64 decode answer"))?,
        );
        let cluster_addr = string_field(data, "cluster_addr");
        if cluster_addr.is_empty() {
            return Err(Error::bad_request("no cluster_addr provided"));
        }
        let non_voter = bool_field(data, "non_voter")?;
        self.bootstrap_ready()?;
        let expected =
            self.membership.challenges.take(&server_id).ok_or_else(|| {
                Error::bad_request("no expected answer for the server id provided")
            })?;
        if !ct_eq(expected.as_slice(), answer.as_slice()) {
            tracing::warn!(server_id = %server_id, "refused a raft join: wrong challenge answer");
            return Err(Error::bad_request("invalid answer given"));
        }
        let raft = self.raft_control()?;
        let peer = PeerInfo {
            node_id: server_id.clone(),
            api_addr: string_field(data, "api_addr"),
            cluster_addr,
        };
        let index = raft.add_peer(peer, !non_voter).await?;
        let peers: Vec<Value> = raft
            .configuration()
            .servers
            .into_iter()
            .map(|s| json!({ "server_id": s.node_id, "address": address_without_scheme(&s.address) }))
            .collect();
        tracing::info!(server_id = %server_id, non_voter, "added a node to the raft cluster");
        Ok(json!({ "peers": peers, "index": index }))
    }
}

/// `sys/storage/raft/configuration` data: `{"config": {"index", "servers"}}`.
pub(crate) fn configuration_json(core: &Core) -> Result<Value, Error> {
    let config = core.raft_control()?.configuration();
    let servers: Vec<Value> = config
        .servers
        .iter()
        .map(|s| {
            json!({
                "node_id": s.node_id,
                "address": address_without_scheme(&s.address),
                "leader": s.leader,
                "voter": s.voter,
                "protocol_version": "3",
            })
        })
        .collect();
    Ok(json!({ "config": { "index": config.index, "servers": servers } }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_single_use_and_bounded() {
        let c = Challenges::default();
        c.insert("a", Zeroizing::new(vec![1, 2, 3]));
        assert_eq!(c.take("a").unwrap().as_slice(), &[1, 2, 3]);
        assert!(c.take("a").is_none());
        for i in 0..MAX_CHALLENGES + 10 {
            c.insert(&format!("n{i}"), Zeroizing::new(vec![0]));
        }
        assert!(c.issued.lock().unwrap().len() <= MAX_CHALLENGES);
        assert!(c.take(&format!("n{}", MAX_CHALLENGES + 9)).is_some());
    }

    #[test]
    fn booleans_accept_strings() {
        let mut m = Map::new();
        assert!(!bool_field(&m, "x").unwrap());
        m.insert("x".into(), json!("true"));
        assert!(bool_field(&m, "x").unwrap());
        m.insert("x".into(), json!(false));
        assert!(!bool_field(&m, "x").unwrap());
        m.insert("x".into(), json!("maybe"));
        assert!(bool_field(&m, "x").is_err());
    }
}
