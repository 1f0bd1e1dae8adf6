//! Autopilot's configuration (`sys/storage/raft/autopilot/configuration`) and the shapes
//! of `sys/storage/raft/autopilot/state` and `sys/ha-status`.
//!
//! The configuration lives in the barrier, so every node (and every future leader) sees
//! the same one. Like Vault, only the fields an operator set are stored; the effective
//! configuration is the defaults overlaid with them. The raft side (server crate)
//! computes the state and runs the promotion and cleanup worker on the active node.

use std::{collections::BTreeMap, time::Duration};

use arca_sdk::{Error, FieldData, Storage, StorageExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Core;

/// Barrier path of the operator's autopilot settings.
pub const AUTOPILOT_CONFIG_PATH: &str = "core/raft/autopilot/configuration";

/// The effective autopilot settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutopilotConfig {
    /// Remove servers out of contact for `dead_server_last_contact_threshold`.
    pub cleanup_dead_servers: bool,
    /// Longest time without leader contact before a server counts as unhealthy.
    pub last_contact_threshold: Duration,
    /// Longest time without leader contact before a server counts as dead.
    pub dead_server_last_contact_threshold: Duration,
    /// Most log entries a healthy server may trail the leader by.
    pub max_trailing_logs: u64,
    /// Voters that dead-server cleanup never goes below.
    pub min_quorum: u64,
    /// How long a non-voter must be healthy before it is promoted.
    pub server_stabilization_time: Duration,
    /// Vault Enterprise's upgrade migrations (no effect here; kept for the API).
    pub disable_upgrade_migration: bool,
}

impl Default for AutopilotConfig {
    /// Vault's defaults.
    fn default() -> Self {
        AutopilotConfig {
            cleanup_dead_servers: false,
            last_contact_threshold: Duration::from_secs(10),
            dead_server_last_contact_threshold: Duration::from_secs(24 * 3600),
            max_trailing_logs: 1000,
            min_quorum: 3,
            server_stabilization_time: Duration::from_secs(10),
            disable_upgrade_migration: false,
        }
    }
}

/// The fields an operator set (durations in seconds), as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAutopilotConfig {
    /// See [`AutopilotConfig`] for each field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup_dead_servers: Option<bool>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_contact_threshold: Option<u64>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_server_last_contact_threshold: Option<u64>,
    /// Log entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_trailing_logs: Option<u64>,
    /// Voters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_quorum: Option<u64>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_stabilization_time: Option<u64>,
    /// Enterprise only; refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_upgrade_migration: Option<bool>,
}

impl StoredAutopilotConfig {
    /// The defaults overlaid with what was set.
    pub fn effective(&self) -> AutopilotConfig {
        let d = AutopilotConfig::default();
        let secs =
            |v: Option<u64>, default: Duration| v.map(Duration::from_secs).unwrap_or(default);
        AutopilotConfig {
            cleanup_dead_servers: self.cleanup_dead_servers.unwrap_or(d.cleanup_dead_servers),
            last_contact_threshold: secs(self.last_contact_threshold, d.last_contact_threshold),
            dead_server_last_contact_threshold: secs(
                self.dead_server_last_contact_threshold,
                d.dead_server_last_contact_threshold,
            ),
            max_trailing_logs: self.max_trailing_logs.unwrap_or(d.max_trailing_logs),
            min_quorum: self.min_quorum.unwrap_or(d.min_quorum),
            server_stabilization_time: secs(
                self.server_stabilization_time,
                d.server_stabilization_time,
            ),
            disable_upgrade_migration: self
                .disable_upgrade_migration
                .unwrap_or(d.disable_upgrade_migration),
        }
    }

    /// Takes over the fields present in a `POST .../autopilot/configuration`.
    pub fn merge_request(&mut self, data: &FieldData) -> Result<(), Error> {
        let count = |name: &str| -> Result<Option<u64>, Error> {
            if !data.is_set(name) {
                return Ok(None);
            }
            match data.get_i64(name)? {
                Some(n) if n >= 0 => Ok(Some(n.unsigned_abs())),
                _ => Err(Error::bad_request(format!("{name} must not be negative"))),
            }
        };
        let secs = |name: &str| -> Result<Option<u64>, Error> {
            if !data.is_set(name) {
                return Ok(None);
            }
            Ok(data.get_duration(name)?.map(|d| d.as_secs()))
        };
        if data.is_set("cleanup_dead_servers") {
            self.cleanup_dead_servers = Some(data.get_bool("cleanup_dead_servers")?);
        }
        if let Some(v) = secs("last_contact_threshold")? {
            self.last_contact_threshold = Some(v);
        }
        if let Some(v) = secs("dead_server_last_contact_threshold")? {
            self.dead_server_last_contact_threshold = Some(v);
        }
        if let Some(v) = count("max_trailing_logs")? {
            self.max_trailing_logs = Some(v);
        }
        if let Some(v) = count("min_quorum")? {
            self.min_quorum = Some(v);
        }
        if let Some(v) = secs("server_stabilization_time")? {
            self.server_stabilization_time = Some(v);
        }
        if data.is_set("disable_upgrade_migration") {
            return Err(Error::bad_request(
                "disable_upgrade_migration is only available in Vault Enterprise",
            ));
        }
        Ok(())
    }
}

impl AutopilotConfig {
    /// Vault's checks of a configuration before it is stored.
    pub fn validate(&self) -> Result<(), Error> {
        if self.cleanup_dead_servers && self.min_quorum < 3 {
            return Err(Error::bad_request(format!(
                "min_quorum must be set when cleanup_dead_servers is set and it should at least be 3; cleanup_dead_servers: {}, min_quorum: {}",
                self.cleanup_dead_servers, self.min_quorum
            )));
        }
        if self.cleanup_dead_servers
            && self.dead_server_last_contact_threshold < Duration::from_secs(60)
        {
            return Err(Error::bad_request(format!(
                "dead_server_last_contact_threshold should not be set to less than 1m; received: {}",
                go_duration(self.dead_server_last_contact_threshold)
            )));
        }
        Ok(())
    }

    /// The body of `GET .../autopilot/configuration` (Go duration strings, as Vault).
    pub fn to_json(&self) -> Value {
        json!({
            "cleanup_dead_servers": self.cleanup_dead_servers,
            "last_contact_threshold": go_duration(self.last_contact_threshold),
            "dead_server_last_contact_threshold": go_duration(self.dead_server_last_contact_threshold),
            "max_trailing_logs": self.max_trailing_logs,
            "min_quorum": self.min_quorum,
            "server_stabilization_time": go_duration(self.server_stabilization_time),
            "disable_upgrade_migration": self.disable_upgrade_migration,
        })
    }
}

/// Reads the stored settings (none stored: all defaults).
pub async fn load_stored(storage: &dyn Storage) -> Result<StoredAutopilotConfig, Error> {
    Ok(storage
        .get_json(AUTOPILOT_CONFIG_PATH)
        .await?
        .unwrap_or_default())
}

impl Core {
    /// The effective autopilot configuration, read from the barrier (so it is the one
    /// the cluster agreed on). Fails while sealed.
    pub async fn autopilot_config(&self) -> Result<AutopilotConfig, Error> {
        let tx = self.barrier.begin();
        Ok(load_stored(&tx).await?.effective())
    }
}

/// One server of `sys/storage/raft/autopilot/state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AutopilotServer {
    /// Vault's node id.
    pub id: String,
    /// Its name (the node id, as in Vault).
    pub name: String,
    /// Cluster address as `host:port`.
    pub address: String,
    /// `alive`, or `left` once out of contact for the dead-server threshold.
    pub node_status: String,
    /// Time since the leader last heard from it, as a Go duration ("0s" for the leader).
    pub last_contact: String,
    /// Term of the last log entry replicated to it.
    pub last_term: u64,
    /// Index of the last log entry replicated to it.
    pub last_index: u64,
    /// In contact within `last_contact_threshold` and within `max_trailing_logs`.
    pub healthy: bool,
    /// When `healthy` last changed (RFC 3339).
    pub stable_since: String,
    /// `leader`, `voter` or `non-voter`.
    pub status: String,
    /// `voter` or `non-voter`.
    pub node_type: String,
    /// The version it reported in its heartbeat ("" if unknown).
    pub version: String,
}

/// `sys/storage/raft/autopilot/state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AutopilotState {
    /// Every server is healthy.
    pub healthy: bool,
    /// How many voters may fail without losing quorum.
    pub failure_tolerance: u64,
    /// The leader's node id.
    pub leader: String,
    /// Node ids of the voters, sorted.
    pub voters: Vec<String>,
    /// Node ids of the non-voters, sorted (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub non_voters: Vec<String>,
    /// Every server by node id.
    pub servers: BTreeMap<String, AutopilotServer>,
}

/// One node of `sys/ha-status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HaNode {
    /// The machine's host name.
    pub hostname: String,
    /// Its client API address.
    pub api_address: String,
    /// Its cluster address.
    pub cluster_address: String,
    /// Whether it is the active node.
    pub active_node: bool,
    /// When its last heartbeat arrived (RFC 3339); `null` for the active node.
    pub last_echo: Option<String>,
    /// Its version.
    pub version: String,
    /// The version it would upgrade to (Enterprise; its own version here).
    pub upgrade_version: String,
    /// Its redundancy zone (Enterprise; empty here).
    pub redundancy_zone: String,
    /// Round trip of its previous heartbeat.
    pub echo_duration_ms: i64,
    /// Its clock minus the active node's, as its previous heartbeat measured.
    pub clock_skew_ms: i64,
    /// Replication canary age (Enterprise; always 0 here).
    pub replication_primary_canary_age_ms: i64,
}

/// Formats a duration like Go's `time.Duration.String()`: "0s", "678.62575ms",
/// "1m30s", "24h0m0s".
pub fn go_duration(d: Duration) -> String {
    fn frac(value: u128, unit: u128) -> String {
        let whole = value / unit;
        let rest = value % unit;
        if rest == 0 {
            return whole.to_string();
        }
        let width = unit.to_string().len() - 1;
        let digits = format!("{rest:0width$}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000_000_000 {
        let (unit, name) = match nanos {
            n if n < 1_000 => (1, "ns"),
            n if n < 1_000_000 => (1_000, "µs"),
            _ => (1_000_000, "ms"),
        };
        return format!("{}{name}", frac(nanos, unit));
    }
    let secs = nanos / 1_000_000_000;
    let (h, m) = (secs / 3600, secs % 3600 / 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    let sub = nanos - (secs - secs % 60) * 1_000_000_000;
    out.push_str(&format!("{}s", frac(sub, 1_000_000_000)));
    out
}

#[cfg(test)]
mod tests {
    use arca_sdk::{Field, FieldType};

    use super::*;

    fn fields() -> Vec<Field> {
        vec![
            Field::new("cleanup_dead_servers", FieldType::Bool, ""),
            Field::new("last_contact_threshold", FieldType::DurationSecond, ""),
            Field::new(
                "dead_server_last_contact_threshold",
                FieldType::DurationSecond,
                "",
            ),
            Field::new("max_trailing_logs", FieldType::Int, ""),
            Field::new("min_quorum", FieldType::Int, ""),
            Field::new("server_stabilization_time", FieldType::DurationSecond, ""),
            Field::new("disable_upgrade_migration", FieldType::Bool, ""),
        ]
    }

    fn data(v: Value) -> FieldData {
        let Value::Object(m) = v else {
            panic!("object expected")
        };
        FieldData::new(&fields(), &m, vec![], false).unwrap()
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::ZERO), "0s");
        assert_eq!(go_duration(Duration::from_secs(10)), "10s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(24 * 3600)), "24h0m0s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(
            go_duration(Duration::from_nanos(678_625_750)),
            "678.62575ms"
        );
        assert_eq!(go_duration(Duration::from_micros(3)), "3µs");
        assert_eq!(go_duration(Duration::from_nanos(7)), "7ns");
        assert_eq!(go_duration(Duration::from_millis(3_723_500)), "1h2m3.5s");
    }

    #[test]
    fn defaults_and_merge_follow_vault() {
        let d = StoredAutopilotConfig::default().effective();
        assert_eq!(
            d.to_json(),
            json!({
                "cleanup_dead_servers": false,
                "last_contact_threshold": "10s",
                "dead_server_last_contact_threshold": "24h0m0s",
                "max_trailing_logs": 1000,
                "min_quorum": 3,
                "server_stabilization_time": "10s",
                "disable_upgrade_migration": false,
            })
        );
        let mut s = StoredAutopilotConfig::default();
        s.merge_request(&data(json!({
            "server_stabilization_time": "2s",
            "max_trailing_logs": 50,
        })))
        .unwrap();
        s.merge_request(&data(
            json!({"cleanup_dead_servers": true, "min_quorum": "5"}),
        ))
        .unwrap();
        let e = s.effective();
        assert_eq!(e.server_stabilization_time, Duration::from_secs(2));
        assert_eq!(e.max_trailing_logs, 50);
        assert_eq!((e.cleanup_dead_servers, e.min_quorum), (true, 5));
        // Only what was set is stored.
        assert_eq!(s.last_contact_threshold, None);
        // Cleanup with the 24h default threshold is fine; below a minute it is not.
        assert!(e.validate().is_ok());
        s.merge_request(&data(json!({"dead_server_last_contact_threshold": 30})))
            .unwrap();
        let err = s.effective().validate().unwrap_err();
        assert!(err.to_string().contains("less than 1m"), "{err}");
        s.merge_request(&data(
            json!({"min_quorum": 2, "dead_server_last_contact_threshold": "1m"}),
        ))
        .unwrap();
        assert!(
            s.effective()
                .validate()
                .unwrap_err()
                .to_string()
                .contains("min_quorum")
        );
        assert!(
            s.merge_request(&data(json!({"disable_upgrade_migration": true})))
                .is_err()
        );
        assert!(s.merge_request(&data(json!({"min_quorum": -1}))).is_err());
    }
}
