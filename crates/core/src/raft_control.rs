//! The seam between the core's join logic and the raft cluster (implemented by the
//! server crate over `arca_raft::RaftNode` and an HTTP client).
//!
//! The core decides *what* happens when a node joins (the challenge, unsealing with the
//! cluster's keys, when to unseal the barrier); the server does the raft membership
//! operations and talks HTTP to the leader. That keeps raft, RocksDB and reqwest out of
//! the core.

use std::{fmt, time::Duration};

use arca_sdk::Error;
use async_trait::async_trait;
use serde_json::Value;
use zeroize::Zeroizing;

/// A node as it appears in the raft configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerInfo {
    /// Vault's string node id (`node_id` in `storage "raft"`).
    pub node_id: String,
    /// Client API address, e.g. `http://10.0.0.2:8200`.
    pub api_addr: String,
    /// Cluster address peers dial, e.g. `http://10.0.0.2:8201`.
    pub cluster_addr: String,
}

/// One server of `sys/storage/raft/configuration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftServer {
    /// Vault's node id.
    pub node_id: String,
    /// Cluster address as `host:port` (Vault reports no scheme).
    pub address: String,
    /// Whether it is the current leader.
    pub leader: bool,
    /// Whether it votes.
    pub voter: bool,
}

/// The raft configuration as this node knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RaftConfiguration {
    /// Log index of the configuration entry.
    pub index: u64,
    /// The servers, in a stable order.
    pub servers: Vec<RaftServer>,
}

/// A leader to join and how to trust it (the fields of `sys/storage/raft/join` and of a
/// `retry_join` block). Certificates are PEM text.
#[derive(Clone, Default)]
pub struct LeaderTarget {
    /// The leader's API address, e.g. `https://10.0.0.1:8200`.
    pub api_addr: String,
    /// CA certificate(s) to verify the leader's API certificate with.
    pub ca_cert: Option<String>,
    /// Client certificate to present.
    pub client_cert: Option<String>,
    /// Private key of the client certificate.
    pub client_key: Option<Zeroizing<String>>,
    /// Server name expected in the leader's certificate (SNI), if not the address's host.
    pub tls_servername: Option<String>,
}

impl fmt::Debug for LeaderTarget {
    // The client key never prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaderTarget")
            .field("api_addr", &self.api_addr)
            .field("ca_cert", &self.ca_cert.is_some())
            .field("client_cert", &self.client_cert.is_some())
            .field("tls_servername", &self.tls_servername)
            .finish_non_exhaustive()
    }
}

/// What the core needs from the raft layer to join, bootstrap and manage peers.
#[async_trait]
pub trait RaftControl: Send + Sync {
    /// This node as it appears (or will appear) in the configuration.
    fn local_peer(&self) -> PeerInfo;
    /// Whether this node has raft state (bootstrapped, or joined and replicated to).
    async fn has_state(&self) -> Result<bool, Error>;
    /// Bootstraps a one-node cluster of this node if it has no raft state, then waits for
    /// a leader. Called by `sys/init`, so a node that will join never bootstraps itself.
    async fn bootstrap(&self) -> Result<(), Error>;
    /// The current configuration.
    fn configuration(&self) -> RaftConfiguration;
    /// Leader only: adds `peer` (as a voter unless `voter` is false) once it has caught up;
    /// returns the log index the new node must apply to have the cluster's data.
    async fn add_peer(&self, peer: PeerInfo, voter: bool) -> Result<u64, Error>;
    /// Leader only: removes the peer named `node_id` (unknown ids change nothing).
    async fn remove_peer(&self, node_id: &str) -> Result<(), Error>;
    /// Waits until this node applied the log up to `index`.
    async fn wait_applied(&self, index: u64, timeout: Duration) -> Result<(), Error>;
    /// Sends `PUT <leader>/v1/<path>` with a JSON body and returns the JSON answer. An
    /// error status becomes an [`Error`] carrying the leader's messages.
    async fn call_leader(
        &self,
        leader: &LeaderTarget,
        path: &str,
        body: Value,
    ) -> Result<Value, Error>;

    /// A new certificate authority for the cluster port, made at initialisation and kept
    /// in the barrier. `None` when this storage has no cluster port.
    fn new_cluster_ca(&self) -> Result<Option<crate::cluster_tls::ClusterCaPem>, Error> {
        Ok(None)
    }
    /// From now on, serve and dial the cluster port with a certificate issued by `ca`
    /// (at unseal, or on a joining node once it holds the root key); `None` forgets it
    /// (at seal): the node then neither accepts nor makes cluster connections.
    fn set_cluster_ca(&self, _ca: Option<&crate::cluster_tls::ClusterCaPem>) -> Result<(), Error> {
        Ok(())
    }

    /// Leader only (`sys/step-down`): hands leadership to another voter and returns once
    /// another node leads (a lone voter stays the leader).
    async fn step_down(&self) -> Result<(), Error> {
        Err(Error::bad_request(
            "step-down is not supported by this storage",
        ))
    }
    /// Active node only (`sys/ha-status`): itself and the standbys it heard from.
    fn ha_nodes(&self) -> Vec<crate::autopilot::HaNode> {
        Vec::new()
    }
    /// Active node only: the cluster as autopilot sees it, judged by `config`.
    fn autopilot_state(
        &self,
        _config: &crate::autopilot::AutopilotConfig,
    ) -> Option<crate::autopilot::AutopilotState> {
        None
    }
    /// A checksummed snapshot of the replicated key space (all ciphertext, plus the
    /// plaintext seal metadata). Call after a read barrier.
    async fn export_snapshot(&self) -> Result<Vec<u8>, Error> {
        Err(Error::bad_request(
            "snapshots are not supported by this storage",
        ))
    }
    /// Checks that `snapshot` (as made by `export_snapshot`) is whole and undamaged.
    fn verify_snapshot(&self, _snapshot: &[u8]) -> Result<(), Error> {
        Err(Error::bad_request(
            "snapshots are not supported by this storage",
        ))
    }
    /// Leader only: replaces the replicated key space with `snapshot` on every node.
    async fn restore_snapshot(&self, _snapshot: Vec<u8>) -> Result<(), Error> {
        Err(Error::bad_request(
            "snapshots are not supported by this storage",
        ))
    }
}

/// The `host:port` of a cluster address, as Vault reports it in the configuration.
pub fn address_without_scheme(addr: &str) -> String {
    addr.strip_prefix("https://")
        .or_else(|| addr.strip_prefix("http://"))
        .unwrap_or(addr)
        .trim_end_matches('/')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_lose_their_scheme_and_keys_never_print() {
        assert_eq!(
            address_without_scheme("http://10.0.0.1:8201"),
            "10.0.0.1:8201"
        );
        assert_eq!(address_without_scheme("https://a:8201/"), "a:8201");
        assert_eq!(address_without_scheme("a:8201"), "a:8201");
        let t = LeaderTarget {
            api_addr: "https://x:8200".into(),
            client_key: Some(Zeroizing::new("SECRET-KEY".into())),
            ..Default::default()
        };
        assert!(!format!("{t:?}").contains("SECRET"));
    }
}
