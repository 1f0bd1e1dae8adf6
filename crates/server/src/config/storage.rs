//! The `storage` stanza. Only integrated storage (`storage "raft"`) exists in Arca.

use std::time::Duration;

use super::decode::{Labeled, Section};
use super::error::{ConfigError, Origin};
use super::secret::SecretString;
use super::unsupported;

/// Raft's default number of log entries kept after a snapshot (Vault: 10000).
pub const DEFAULT_TRAILING_LOGS: u64 = 10_000;
/// Raft's default number of entries between snapshots (Vault: 8192).
pub const DEFAULT_SNAPSHOT_THRESHOLD: u64 = 8192;
/// Largest raft entry in bytes (Vault: 1 MiB).
pub const DEFAULT_MAX_ENTRY_SIZE: u64 = 1024 * 1024;
/// How often autopilot reconciles server state (Vault: 10s).
pub const DEFAULT_AUTOPILOT_RECONCILE_INTERVAL: Duration = Duration::from_secs(10);
/// Timing multiplier used when `performance_multiplier` is 0. Vault's is 5; Arca's is
/// 2 (200 ms heartbeats, 400–600 ms election timeouts), so that writes resume within
/// 2 s of a leader's death (see `arca_raft::RaftTiming::with_multiplier`).
pub const DEFAULT_PERFORMANCE_MULTIPLIER: u32 = arca_raft::DEFAULT_MULTIPLIER;

/// The storage backend. An enum so new backends are new variants.
#[derive(Debug, Clone, PartialEq)]
pub enum StorageConfig {
    /// `storage "raft" { .. }`: integrated storage.
    Raft(RaftConfig),
}

/// `storage "raft"` parameters, with Vault's defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct RaftConfig {
    /// Data directory; `VAULT_RAFT_PATH` overrides. Required.
    pub path: Option<String>,
    /// This node's raft id; `VAULT_RAFT_NODE_ID` overrides. Required by Arca.
    pub node_id: Option<String>,
    /// Raft timing multiplier; 0 means [`DEFAULT_PERFORMANCE_MULTIPLIER`].
    pub performance_multiplier: u32,
    /// Log entries kept after a snapshot.
    pub trailing_logs: u64,
    /// Entries between snapshots.
    pub snapshot_threshold: u64,
    /// Peers to try joining at startup, in order.
    pub retry_join: Vec<RetryJoin>,
    /// How often autopilot reconciles.
    pub autopilot_reconcile_interval: Duration,
    /// Largest raft entry in bytes.
    pub max_entry_size: u64,
    /// Where the stanza was written.
    pub origin: Origin,
}

impl RaftConfig {
    /// The multiplier in effect (0 means [`DEFAULT_PERFORMANCE_MULTIPLIER`]).
    pub fn effective_performance_multiplier(&self) -> u32 {
        if self.performance_multiplier == 0 {
            DEFAULT_PERFORMANCE_MULTIPLIER
        } else {
            self.performance_multiplier
        }
    }
}

/// One `retry_join { .. }` block: a leader to join, and how to trust it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetryJoin {
    /// API address of a possible leader, e.g. `https://vault-0.vault-internal:8200`.
    pub leader_api_addr: Option<String>,
    /// Cloud auto-join discovery string (go-discover syntax).
    pub auto_join: Option<String>,
    /// Scheme for auto-joined addresses (`http` or `https`).
    pub auto_join_scheme: Option<String>,
    /// Port for auto-joined addresses.
    pub auto_join_port: Option<u16>,
    /// TLS server name to expect from the leader.
    pub leader_tls_servername: Option<String>,
    /// File with the CA certificate for the leader.
    pub leader_ca_cert_file: Option<String>,
    /// File with the client certificate to present.
    pub leader_client_cert_file: Option<String>,
    /// File with the client key to present.
    pub leader_client_key_file: Option<String>,
    /// CA certificate PEM, inline.
    pub leader_ca_cert: Option<String>,
    /// Client certificate PEM, inline.
    pub leader_client_cert: Option<String>,
    /// Client private key PEM, inline (secret).
    pub leader_client_key: Option<SecretString>,
    /// Where the block was written.
    pub origin: Origin,
}

/// Decodes one `storage "<type>"` block.
pub(crate) fn decode(file: &str, block: &Labeled<'_>) -> Result<StorageConfig, ConfigError> {
    match block.label {
        "raft" => decode_raft(file, block).map(StorageConfig::Raft),
        other => Err(unsupported::refuse_label(
            file, block.line, "storage", other,
        )),
    }
}

fn decode_raft(file: &str, block: &Labeled<'_>) -> Result<RaftConfig, ConfigError> {
    let mut s = Section::new(file, "storage.raft", "storage \"raft\"", block.body)?;
    let performance_multiplier = s
        .unsigned_at_most("performance_multiplier", u64::from(u32::MAX))?
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0);
    let mut retry_join = Vec::new();
    for (node, line) in s.blocks("retry_join")? {
        retry_join.push(decode_retry_join(file, node, line)?);
    }
    let raft = RaftConfig {
        path: s.string("path")?,
        node_id: s.string("node_id")?,
        performance_multiplier,
        trailing_logs: s
            .unsigned("trailing_logs")?
            .unwrap_or(DEFAULT_TRAILING_LOGS),
        snapshot_threshold: s
            .unsigned("snapshot_threshold")?
            .unwrap_or(DEFAULT_SNAPSHOT_THRESHOLD),
        retry_join,
        autopilot_reconcile_interval: s
            .duration("autopilot_reconcile_interval")?
            .unwrap_or(DEFAULT_AUTOPILOT_RECONCILE_INTERVAL),
        max_entry_size: s
            .unsigned("max_entry_size")?
            .unwrap_or(DEFAULT_MAX_ENTRY_SIZE),
        origin: Origin {
            file: file.to_string(),
            line: block.line,
        },
    };
    s.finish()?;
    Ok(raft)
}

fn decode_retry_join(
    file: &str,
    node: &super::tree::Node,
    line: usize,
) -> Result<RetryJoin, ConfigError> {
    let mut s = Section::new(
        file,
        "storage.raft.retry_join",
        "storage \"raft\" retry_join",
        node,
    )?;
    let auto_join_port = s
        .unsigned_at_most("auto_join_port", u64::from(u16::MAX))?
        .and_then(|n| u16::try_from(n).ok());
    let join = RetryJoin {
        leader_api_addr: s.string("leader_api_addr")?,
        auto_join: s.string("auto_join")?,
        auto_join_scheme: s.string("auto_join_scheme")?,
        auto_join_port,
        leader_tls_servername: s.string("leader_tls_servername")?,
        leader_ca_cert_file: s.string("leader_ca_cert_file")?,
        leader_client_cert_file: s.string("leader_client_cert_file")?,
        leader_client_key_file: s.string("leader_client_key_file")?,
        leader_ca_cert: s.string("leader_ca_cert")?,
        leader_client_cert: s.string("leader_client_cert")?,
        leader_client_key: s.string("leader_client_key")?.map(SecretString::new),
        origin: Origin {
            file: file.to_string(),
            line,
        },
    };
    s.finish()?;
    Ok(join)
}
