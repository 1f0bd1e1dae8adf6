//! Client calls for integrated storage (`sys/storage/raft/*`) used by `operator raft`.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::client::{Client, ClientError, Request};
use crate::secret::Secret;

/// The body of `sys/storage/raft/join` (Vault's `RaftJoinRequest`).
#[derive(Default)]
pub struct JoinRequest {
    /// API address of the leader to join.
    pub leader_api_addr: String,
    /// PEM CA certificate that signed the leader's certificate.
    pub leader_ca_cert: String,
    /// PEM client certificate to present to the leader.
    pub leader_client_cert: String,
    /// PEM private key of the client certificate.
    pub leader_client_key: Zeroizing<String>,
    /// Keep retrying in the background until joined.
    pub retry: bool,
    /// Join as a non-voter.
    pub non_voter: bool,
}

/// The answer of `sys/storage/raft/join`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinResponse {
    /// Whether the node joined (or, with `retry`, started joining).
    #[serde(default)]
    pub joined: bool,
}

impl Client {
    /// `PUT sys/storage/raft/join` on the node to join.
    pub async fn raft_join(&self, req: &JoinRequest) -> Result<JoinResponse, ClientError> {
        let body = json!({
            "leader_api_addr": req.leader_api_addr,
            "leader_ca_cert": req.leader_ca_cert,
            "leader_client_cert": req.leader_client_cert,
            "leader_client_key": req.leader_client_key.as_str(),
            "retry": req.retry,
            "non_voter": req.non_voter,
        });
        self.send(Request::new(Method::PUT, "sys/storage/raft/join").json(body))
            .await?
            .ok()?
            .json()
    }

    /// `GET sys/storage/raft/configuration`.
    pub async fn raft_configuration(&self) -> Result<Option<Secret>, ClientError> {
        self.read("sys/storage/raft/configuration", Vec::new())
            .await
    }

    /// `PUT sys/storage/raft/remove-peer`.
    pub async fn raft_remove_peer(&self, server_id: &str) -> Result<(), ClientError> {
        self.write(
            "sys/storage/raft/remove-peer",
            json!({ "server_id": server_id }),
        )
        .await
        .map(|_| ())
    }
}

/// The `Node | Address | State | Voter` rows of `list-peers` from the configuration data.
pub fn peer_rows(data: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut out = vec!["Node | Address | State | Voter".to_string()];
    let servers = data
        .get("config")
        .and_then(|c| c.get("servers"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for s in servers {
        let text = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let flag = |k: &str| s.get(k).and_then(Value::as_bool).unwrap_or(false);
        let state = if flag("leader") { "leader" } else { "follower" };
        out.push(format!(
            "{} | {} | {state} | {}",
            text("node_id"),
            text("address"),
            flag("voter")
        ));
    }
    out
}

/// Vault's `parseFlagFile`: a value starting with `@` names a file to read.
pub fn flag_file(value: &str) -> Result<String, String> {
    match value.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("error reading file: {}", crate::client::io_text(&e))),
        None => Ok(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_table_rows() {
        let data = json!({"config": {"index": 3, "servers": [
            {"node_id": "node1", "address": "127.0.0.1:8201", "leader": true, "voter": true},
            {"node_id": "node2", "address": "127.0.0.1:8211", "leader": false, "voter": false},
        ]}});
        let rows = peer_rows(data.as_object().unwrap());
        assert_eq!(
            crate::format::columns::table(&rows, "|"),
            "Node     Address           State       Voter\n\
             ----     -------           -----       -----\n\
             node1    127.0.0.1:8201    leader      true\n\
             node2    127.0.0.1:8211    follower    false"
        );
    }

    #[test]
    fn flag_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("ca.pem");
        std::fs::write(&f, "PEM").unwrap();
        assert_eq!(flag_file(&format!("@{}", f.display())).unwrap(), "PEM");
        assert_eq!(flag_file("inline").unwrap(), "inline");
        assert!(flag_file("@/nonexistent/x").is_err());
    }
}
