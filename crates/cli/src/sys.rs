//! `sys/` endpoints the operator commands call, with the Go client's response models.
//!
//! `vault status -format=json` and friends print these structures re-encoded, so field names,
//! order and `omitempty` behaviour follow Go's `api` package.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::client::{Client, ClientError, Request};
use crate::secret::ZERO_TIME;

fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn empty_list(v: &Option<Vec<String>>) -> bool {
    v.as_ref().is_none_or(|v| v.is_empty())
}

/// Go's `api.SealStatusResponse`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SealStatus {
    /// Seal type (`shamir`, `transit`, ...).
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub seal_type: String,
    /// Whether the storage is initialised.
    #[serde(default, deserialize_with = "nullable")]
    pub initialized: bool,
    /// Whether the node is sealed.
    #[serde(default, deserialize_with = "nullable")]
    pub sealed: bool,
    /// Key threshold.
    #[serde(default, deserialize_with = "nullable")]
    pub t: i64,
    /// Key shares.
    #[serde(default, deserialize_with = "nullable")]
    pub n: i64,
    /// Unseal progress.
    #[serde(default, deserialize_with = "nullable")]
    pub progress: i64,
    /// Unseal nonce.
    #[serde(default, deserialize_with = "nullable")]
    pub nonce: String,
    /// Server version.
    #[serde(default, deserialize_with = "nullable")]
    pub version: String,
    /// Server build date.
    #[serde(default, deserialize_with = "nullable")]
    pub build_date: String,
    /// Seal migration in progress.
    #[serde(default, deserialize_with = "nullable")]
    pub migration: bool,
    /// Cluster name (empty while sealed).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub cluster_name: String,
    /// Cluster ID (empty while sealed).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub cluster_id: String,
    /// Whether the seal uses recovery keys (auto-unseal).
    #[serde(default, deserialize_with = "nullable")]
    pub recovery_seal: bool,
    /// Recovery seal type.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub recovery_seal_type: String,
    /// Storage backend type.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub storage_type: String,
    /// Whether the node was removed from its raft cluster (newer servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_from_cluster: Option<bool>,
    /// Warnings.
    #[serde(default, skip_serializing_if = "empty_list")]
    pub warnings: Option<Vec<String>>,
}

/// Go's `api.LeaderResponse`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Leader {
    /// HA enabled.
    #[serde(default, deserialize_with = "nullable")]
    pub ha_enabled: bool,
    /// This node is the active node.
    #[serde(default, deserialize_with = "nullable")]
    pub is_self: bool,
    /// When this node became active.
    #[serde(default, deserialize_with = "nullable")]
    pub active_time: String,
    /// API address of the active node.
    #[serde(default, deserialize_with = "nullable")]
    pub leader_address: String,
    /// Cluster address of the active node.
    #[serde(default, deserialize_with = "nullable")]
    pub leader_cluster_address: String,
    /// Performance standby (Enterprise).
    #[serde(default, deserialize_with = "nullable")]
    pub performance_standby: bool,
    /// Last remote WAL (Enterprise).
    #[serde(default, deserialize_with = "nullable")]
    pub performance_standby_last_remote_wal: u64,
    /// Last WAL (Enterprise).
    #[serde(default, deserialize_with = "nullable")]
    pub last_wal: u64,
    /// Raft committed index.
    #[serde(default, deserialize_with = "nullable")]
    pub raft_committed_index: u64,
    /// Raft applied index.
    #[serde(default, deserialize_with = "nullable")]
    pub raft_applied_index: u64,
}

/// What `vault status` and `vault operator unseal` print: seal status plus leader fields
/// (Go's `SealStatusOutput`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SealStatusOutput {
    /// Seal status fields (flattened first, as Go embeds them).
    #[serde(flatten)]
    pub seal: SealStatus,
    /// HA enabled.
    pub ha_enabled: bool,
    /// Active node.
    #[serde(skip_serializing_if = "is_false")]
    pub is_self: bool,
    /// Active since (Go's zero time when unknown; never omitted).
    pub active_time: String,
    /// Active node address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub leader_address: String,
    /// Active node cluster address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub leader_cluster_address: String,
    /// Performance standby.
    #[serde(skip_serializing_if = "is_false")]
    pub performance_standby: bool,
    /// Last remote WAL.
    #[serde(skip_serializing_if = "is_zero")]
    pub performance_standby_last_remote_wal: u64,
    /// Last WAL.
    #[serde(skip_serializing_if = "is_zero")]
    pub last_wal: u64,
    /// Raft committed index.
    #[serde(skip_serializing_if = "is_zero")]
    pub raft_committed_index: u64,
    /// Raft applied index.
    #[serde(skip_serializing_if = "is_zero")]
    pub raft_applied_index: u64,
}

impl SealStatusOutput {
    /// Combines seal status and leader information.
    pub fn new(seal: SealStatus, leader: Leader) -> Self {
        let active_time = if leader.active_time.is_empty() {
            ZERO_TIME.to_string()
        } else {
            leader.active_time
        };
        Self {
            seal,
            ha_enabled: leader.ha_enabled,
            is_self: leader.is_self,
            active_time,
            leader_address: leader.leader_address,
            leader_cluster_address: leader.leader_cluster_address,
            performance_standby: leader.performance_standby,
            performance_standby_last_remote_wal: leader.performance_standby_last_remote_wal,
            last_wal: leader.last_wal,
            raft_committed_index: leader.raft_committed_index,
            raft_applied_index: leader.raft_applied_index,
        }
    }

    /// The `Key | Value` rows `vault status` prints.
    pub fn table_rows(&self) -> Vec<String> {
        let s = &self.seal;
        let prefix = if s.recovery_seal { "Recovery " } else { "" };
        let mut out = vec![
            "Key | Value".to_string(),
            format!("{prefix}Seal Type | {}", s.seal_type),
            format!("Initialized | {}", s.initialized),
            format!("Sealed | {}", s.sealed),
            format!("Total {prefix}Shares | {}", s.n),
            format!("Threshold | {}", s.t),
        ];
        if s.sealed {
            out.push(format!("Unseal Progress | {}/{}", s.progress, s.t));
            out.push(format!("Unseal Nonce | {}", s.nonce));
        }
        if s.migration {
            out.push("Seal Migration in Progress | true".to_string());
        }
        out.push(format!("Version | {}", s.version));
        out.push(format!("Build Date | {}", s.build_date));
        out.push(format!("Storage Type | {}", s.storage_type));
        if !s.cluster_name.is_empty() && !s.cluster_id.is_empty() {
            out.push(format!("Cluster Name | {}", s.cluster_name));
            out.push(format!("Cluster ID | {}", s.cluster_id));
        }
        if let Some(removed) = s.removed_from_cluster {
            out.push(format!("Removed From Cluster | {removed}"));
        }
        out.push(format!("HA Enabled | {}", self.ha_enabled));
        if self.ha_enabled && !s.sealed {
            out.push(format!("HA Cluster | {}", self.leader_cluster_address));
            let mode = if self.is_self { "active" } else { "standby" };
            out.push(format!("HA Mode | {mode}"));
            if self.is_self && !self.active_time.is_empty() && self.active_time != ZERO_TIME {
                out.push(format!("Active Since | {}", self.active_time));
            }
            if !self.is_self {
                let addr = if self.leader_address.is_empty() {
                    "<none>"
                } else {
                    &self.leader_address
                };
                out.push(format!("Active Node Address | {addr}"));
            }
            if self.performance_standby {
                out.push("Performance Standby Node | true".to_string());
                out.push(format!(
                    "Performance Standby Last Remote WAL | {}",
                    self.performance_standby_last_remote_wal
                ));
            }
        }
        if self.raft_committed_index > 0 {
            out.push(format!(
                "Raft Committed Index | {}",
                self.raft_committed_index
            ));
        }
        if self.raft_applied_index > 0 {
            out.push(format!("Raft Applied Index | {}", self.raft_applied_index));
        }
        if self.last_wal != 0 {
            out.push(format!("Last WAL | {}", self.last_wal));
        }
        if let Some(w) = s.warnings.as_ref().filter(|w| !w.is_empty()) {
            out.push(format!("Warnings | [{}]", w.join(" ")));
        }
        out
    }
}

/// Go's `api.InitRequest`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InitRequest {
    /// Unseal key shares.
    pub secret_shares: i64,
    /// Unseal key threshold.
    pub secret_threshold: i64,
    /// Shares stored by an auto-unseal seal.
    pub stored_shares: i64,
    /// PGP keys for the shares (unsupported here; always empty).
    pub pgp_keys: Option<Vec<String>>,
    /// Recovery key shares.
    pub recovery_shares: i64,
    /// Recovery key threshold.
    pub recovery_threshold: i64,
    /// PGP keys for recovery shares (unsupported; always empty).
    pub recovery_pgp_keys: Option<Vec<String>>,
    /// PGP key for the root token (unsupported; always empty).
    pub root_token_pgp_key: String,
}

/// Go's `api.InitResponse`; wiped from memory when dropped.
#[derive(Default, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct InitResponse {
    /// Unseal keys, hex.
    #[serde(default, deserialize_with = "nullable")]
    pub keys: Vec<String>,
    /// Unseal keys, base64.
    #[serde(default, deserialize_with = "nullable")]
    pub keys_base64: Vec<String>,
    /// Recovery keys, hex.
    #[serde(default, deserialize_with = "nullable")]
    pub recovery_keys: Vec<String>,
    /// Recovery keys, base64.
    #[serde(default, deserialize_with = "nullable")]
    pub recovery_keys_base64: Vec<String>,
    /// Initial root token.
    #[serde(default, deserialize_with = "nullable")]
    pub root_token: String,
}

/// `vault operator init -format=json` output (Vault's `machineInit`); wiped when dropped.
#[derive(Serialize, Zeroize, ZeroizeOnDrop)]
pub struct MachineInit {
    /// Unseal keys, base64.
    pub unseal_keys_b64: Vec<String>,
    /// Unseal keys, hex.
    pub unseal_keys_hex: Vec<String>,
    /// Unseal shares.
    pub unseal_shares: i64,
    /// Unseal threshold.
    pub unseal_threshold: i64,
    /// Recovery keys, base64.
    pub recovery_keys_b64: Vec<String>,
    /// Recovery keys, hex.
    pub recovery_keys_hex: Vec<String>,
    /// Recovery shares.
    pub recovery_keys_shares: i64,
    /// Recovery threshold.
    pub recovery_keys_threshold: i64,
    /// Initial root token.
    pub root_token: String,
}

impl MachineInit {
    /// Vault's `newMachineInit`: shares/threshold come from the request, except that a
    /// response without unseal keys (stored shares) reports 1/1.
    pub fn new(req: &InitRequest, resp: &InitResponse) -> Self {
        let (unseal_shares, unseal_threshold) = if resp.keys.is_empty() {
            (1, 1)
        } else {
            (req.secret_shares, req.secret_threshold)
        };
        Self {
            unseal_keys_b64: resp.keys_base64.clone(),
            unseal_keys_hex: resp.keys.clone(),
            unseal_shares,
            unseal_threshold,
            recovery_keys_b64: resp.recovery_keys_base64.clone(),
            recovery_keys_hex: resp.recovery_keys.clone(),
            recovery_keys_shares: req.recovery_shares,
            recovery_keys_threshold: req.recovery_threshold,
            root_token: resp.root_token.clone(),
        }
    }
}

/// Go's `api.KeyStatus`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyStatus {
    /// Current key term.
    pub term: i64,
    /// When the term's key was installed (RFC 3339).
    pub install_time: String,
    /// Encryptions performed with this key.
    pub encryptions: i64,
}

/// Go's `api.MountConfigOutput` (the fields Arca reports).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MountConfig {
    /// Default lease TTL in seconds.
    #[serde(default, deserialize_with = "nullable")]
    pub default_lease_ttl: i64,
    /// Max lease TTL in seconds.
    #[serde(default, deserialize_with = "nullable")]
    pub max_lease_ttl: i64,
    /// Caching disabled.
    #[serde(default, deserialize_with = "nullable")]
    pub force_no_cache: bool,
    /// Request keys not HMAC'd in audit logs.
    #[serde(default, skip_serializing_if = "empty_list")]
    pub audit_non_hmac_request_keys: Option<Vec<String>>,
    /// Response keys not HMAC'd in audit logs.
    #[serde(default, skip_serializing_if = "empty_list")]
    pub audit_non_hmac_response_keys: Option<Vec<String>>,
    /// UI listing visibility.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub listing_visibility: String,
    /// Headers passed through to the plugin.
    #[serde(default, skip_serializing_if = "empty_list")]
    pub passthrough_request_headers: Option<Vec<String>>,
    /// Response headers the plugin may set.
    #[serde(default, skip_serializing_if = "empty_list")]
    pub allowed_response_headers: Option<Vec<String>>,
    /// Token type (auth mounts).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub token_type: String,
    /// Plugin name (older servers).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub plugin_name: String,
}

/// Go's `api.MountOutput`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Mount {
    /// Mount UUID.
    #[serde(default, deserialize_with = "nullable")]
    pub uuid: String,
    /// Engine type.
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub mount_type: String,
    /// Description.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// Accessor.
    #[serde(default, deserialize_with = "nullable")]
    pub accessor: String,
    /// Tunable configuration.
    #[serde(default, deserialize_with = "nullable")]
    pub config: MountConfig,
    /// Engine options (`version` for KV).
    #[serde(default)]
    pub options: Option<BTreeMap<String, String>>,
    /// Local (not replicated).
    #[serde(default, deserialize_with = "nullable")]
    pub local: bool,
    /// Seal wrapping.
    #[serde(default, deserialize_with = "nullable")]
    pub seal_wrap: bool,
    /// External entropy access.
    #[serde(default, deserialize_with = "nullable")]
    pub external_entropy_access: bool,
    /// Requested plugin version.
    #[serde(default, deserialize_with = "nullable")]
    pub plugin_version: String,
    /// Running plugin version.
    #[serde(default, deserialize_with = "nullable")]
    pub running_plugin_version: String,
    /// Running plugin checksum.
    #[serde(default, deserialize_with = "nullable")]
    pub running_sha256: String,
    /// Deprecation status of the plugin.
    #[serde(default, deserialize_with = "nullable")]
    pub deprecation_status: String,
}

/// Go's `api.Help`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Help {
    /// Help text.
    #[serde(default, deserialize_with = "nullable")]
    pub help: String,
    /// Related paths.
    #[serde(default)]
    pub see_also: Option<Vec<String>>,
    /// OpenAPI document.
    #[serde(default)]
    pub openapi: Option<Map<String, Value>>,
}

/// The `data` of a response, or the whole top-level object for endpoints that answer
/// without an envelope.
fn data_or_top(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(mut m) => match m.remove("data") {
            Some(Value::Object(d)) => d,
            _ => m,
        },
        _ => Map::new(),
    }
}

impl Client {
    /// `GET` of a table keyed by path (`sys/mounts`, `sys/auth`, `sys/audit`): every
    /// object-valued entry decoded as `T`. Older servers answer without the `data`
    /// envelope and mix in the same entries at the top level, so non-objects are skipped.
    pub(crate) async fn get_path_table<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<BTreeMap<String, T>, ClientError> {
        let v: Value = self
            .send(Request::new(Method::GET, path))
            .await?
            .ok()?
            .json()?;
        let mut out = BTreeMap::new();
        for (key, entry) in data_or_top(v) {
            if !entry.is_object() {
                continue;
            }
            let decoded: T =
                serde_json::from_value(entry).map_err(|e| ClientError::Decode(e.to_string()))?;
            out.insert(key, decoded);
        }
        Ok(out)
    }

    /// A call whose success is all the caller needs (enable, disable, tune): an error
    /// status becomes the error, any body is dropped.
    pub(crate) async fn call_ignoring_answer(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(), ClientError> {
        let mut req = Request::new(method, path);
        if let Some(body) = body {
            req = req.json(body);
        }
        self.send(req).await?.ok().map(|_| ())
    }

    /// `GET sys/seal-status`.
    pub async fn seal_status(&self) -> Result<SealStatus, ClientError> {
        self.send(Request::new(Method::GET, "sys/seal-status"))
            .await?
            .ok()?
            .json()
    }

    /// `GET sys/leader`.
    pub async fn leader(&self) -> Result<Leader, ClientError> {
        self.send(Request::new(Method::GET, "sys/leader"))
            .await?
            .ok()?
            .json()
    }

    /// `GET sys/init`: whether the server is initialised.
    pub async fn init_status(&self) -> Result<bool, ClientError> {
        let v: Value = self
            .send(Request::new(Method::GET, "sys/init"))
            .await?
            .ok()?
            .json()?;
        Ok(v.get("initialized")
            .and_then(Value::as_bool)
            .unwrap_or(false))
    }

    /// `PUT sys/init`.
    pub async fn init(&self, req: &InitRequest) -> Result<InitResponse, ClientError> {
        let body = serde_json::to_value(req).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.send(Request::new(Method::PUT, "sys/init").json(body))
            .await?
            .ok()?
            .json()
    }

    /// `PUT sys/unseal` with a key share (or `reset`).
    pub async fn unseal(&self, body: Value) -> Result<SealStatus, ClientError> {
        self.send(Request::new(Method::PUT, "sys/unseal").json(body))
            .await?
            .ok()?
            .json()
    }

    /// `PUT sys/seal`.
    pub async fn seal(&self) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::PUT, "sys/seal", None)
            .await
    }

    /// `GET sys/key-status`.
    pub async fn key_status(&self) -> Result<KeyStatus, ClientError> {
        let v: Value = self
            .send(Request::new(Method::GET, "sys/key-status"))
            .await?
            .ok()?
            .json()?;
        let d = data_or_top(v);
        if d.is_empty() {
            return Err(ClientError::Decode(
                "data from server response is empty".to_string(),
            ));
        }
        Ok(KeyStatus {
            term: d.get("term").and_then(Value::as_i64).unwrap_or(0),
            install_time: d
                .get("install_time")
                .and_then(Value::as_str)
                .unwrap_or(ZERO_TIME)
                .to_string(),
            encryptions: d.get("encryptions").and_then(Value::as_i64).unwrap_or(0),
        })
    }

    /// `PUT sys/rotate`.
    pub async fn rotate(&self) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::PUT, "sys/rotate", None)
            .await
    }

    /// `GET sys/mounts`.
    pub async fn list_mounts(&self) -> Result<BTreeMap<String, Mount>, ClientError> {
        self.get_path_table("sys/mounts").await
    }

    /// `POST sys/mounts/<path>`.
    pub async fn mount(&self, path: &str, body: Value) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::POST, &format!("sys/mounts/{path}"), Some(body))
            .await
    }

    /// `DELETE sys/mounts/<path>`.
    pub async fn unmount(&self, path: &str) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::DELETE, &format!("sys/mounts/{path}"), None)
            .await
    }

    /// `POST sys/mounts/<path>/tune`.
    pub async fn tune_mount(&self, path: &str, body: Value) -> Result<(), ClientError> {
        self.call_ignoring_answer(Method::POST, &format!("sys/mounts/{path}/tune"), Some(body))
            .await
    }

    /// `GET <path>?help=1`.
    pub async fn help(&self, path: &str) -> Result<Help, ClientError> {
        self.send(Request::new(Method::GET, path).query(vec![("help".into(), "1".into())]))
            .await?
            .ok()?
            .json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::columns;
    use crate::format::gojson;
    use serde_json::json;

    fn seal(v: Value) -> SealStatus {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn unsealed_ha_active_table() {
        let s = seal(json!({
            "type": "shamir", "initialized": true, "sealed": false, "t": 3, "n": 5,
            "progress": 0, "nonce": "", "version": "1.15.6", "build_date": "2026-11-28T00:00:00Z",
            "migration": false, "cluster_name": "arca-cluster", "cluster_id": "cid",
            "recovery_seal": false, "storage_type": "raft"
        }));
        let l: Leader = serde_json::from_value(json!({
            "ha_enabled": true, "is_self": true, "active_time": "2026-11-28T10:00:00Z",
            "leader_address": "https://10.0.0.1:8200", "leader_cluster_address": "https://10.0.0.1:8201",
            "raft_committed_index": 42, "raft_applied_index": 41
        }))
        .unwrap();
        let out = SealStatusOutput::new(s, l);
        assert_eq!(
            columns::table(&out.table_rows(), "|"),
            "Key                     Value\n\
             ---                     -----\n\
             Seal Type               shamir\n\
             Initialized             true\n\
             Sealed                  false\n\
             Total Shares            5\n\
             Threshold               3\n\
             Version                 1.15.6\n\
             Build Date              2026-11-28T00:00:00Z\n\
             Storage Type            raft\n\
             Cluster Name            arca-cluster\n\
             Cluster ID              cid\n\
             HA Enabled              true\n\
             HA Cluster              https://10.0.0.1:8201\n\
             HA Mode                 active\n\
             Active Since            2026-11-28T10:00:00Z\n\
             Raft Committed Index    42\n\
             Raft Applied Index      41"
        );
    }

    #[test]
    fn sealed_and_standby_tables() {
        let s = seal(
            json!({"type": "shamir", "initialized": true, "sealed": true, "t": 3, "n": 5,
            "progress": 1, "nonce": "", "version": "1.15.6", "build_date": "d", "storage_type": "raft"}),
        );
        let out = SealStatusOutput::new(
            s,
            Leader {
                ha_enabled: true,
                ..Default::default()
            },
        );
        assert_eq!(
            columns::table(&out.table_rows(), "|"),
            "Key                Value\n\
             ---                -----\n\
             Seal Type          shamir\n\
             Initialized        true\n\
             Sealed             true\n\
             Total Shares       5\n\
             Threshold          3\n\
             Unseal Progress    1/3\n\
             Unseal Nonce       n/a\n\
             Version            1.15.6\n\
             Build Date         d\n\
             Storage Type       raft\n\
             HA Enabled         true"
        );
        let s =
            seal(json!({"type": "shamir", "initialized": true, "sealed": false, "t": 1, "n": 1}));
        let out = SealStatusOutput::new(
            s,
            Leader {
                ha_enabled: true,
                ..Default::default()
            },
        );
        let rows = out.table_rows();
        assert!(rows.contains(&"HA Mode | standby".to_string()));
        assert!(rows.contains(&"Active Node Address | <none>".to_string()));
        assert!(rows.contains(&"HA Cluster | ".to_string()));
    }

    #[test]
    fn status_json_matches_go_shape() {
        let s = seal(
            json!({"type": "shamir", "initialized": true, "sealed": false, "t": 1, "n": 1,
            "progress": 0, "nonce": "", "version": "1.15.6", "build_date": "d", "migration": false,
            "cluster_name": "c", "cluster_id": "i", "recovery_seal": false, "storage_type": "raft"}),
        );
        let out = SealStatusOutput::new(s, Leader::default());
        assert_eq!(
            gojson::to_string(&out).unwrap(),
            "{\n  \"type\": \"shamir\",\n  \"initialized\": true,\n  \"sealed\": false,\n  \
             \"t\": 1,\n  \"n\": 1,\n  \"progress\": 0,\n  \"nonce\": \"\",\n  \
             \"version\": \"1.15.6\",\n  \"build_date\": \"d\",\n  \"migration\": false,\n  \
             \"cluster_name\": \"c\",\n  \"cluster_id\": \"i\",\n  \"recovery_seal\": false,\n  \
             \"storage_type\": \"raft\",\n  \"ha_enabled\": false,\n  \
             \"active_time\": \"0001-01-01T00:00:00Z\"\n}"
        );
    }

    #[test]
    fn recovery_seal_prefixes_rows() {
        let s = seal(
            json!({"type": "transit", "recovery_seal": true, "initialized": true, "n": 5, "t": 3}),
        );
        let rows = SealStatusOutput::new(s, Leader::default()).table_rows();
        assert_eq!(rows[1], "Recovery Seal Type | transit");
        assert_eq!(rows[4], "Total Recovery Shares | 5");
    }

    #[test]
    fn machine_init_json_order() {
        let req = InitRequest {
            secret_shares: 1,
            secret_threshold: 1,
            ..Default::default()
        };
        let resp = InitResponse {
            keys: vec!["aa".into()],
            keys_base64: vec!["qg==".into()],
            recovery_keys: Vec::new(),
            recovery_keys_base64: Vec::new(),
            root_token: "hvs.root".into(),
        };
        let out = gojson::to_string(&MachineInit::new(&req, &resp)).unwrap();
        assert_eq!(
            out,
            "{\n  \"unseal_keys_b64\": [\n    \"qg==\"\n  ],\n  \"unseal_keys_hex\": [\n    \"aa\"\n  ],\n  \
             \"unseal_shares\": 1,\n  \"unseal_threshold\": 1,\n  \"recovery_keys_b64\": [],\n  \
             \"recovery_keys_hex\": [],\n  \"recovery_keys_shares\": 0,\n  \
             \"recovery_keys_threshold\": 0,\n  \"root_token\": \"hvs.root\"\n}"
        );
    }

    #[test]
    fn mount_json_shape() {
        let m: Mount = serde_json::from_value(json!({
            "type": "kv", "accessor": "kv_1", "description": "", "uuid": "u",
            "config": {"default_lease_ttl": 0, "max_lease_ttl": 0, "force_no_cache": false},
            "options": {"version": "2"}, "local": false, "seal_wrap": false
        }))
        .unwrap();
        let s = gojson::to_string(&m).unwrap();
        assert!(s.starts_with("{\n  \"uuid\": \"u\",\n  \"type\": \"kv\","));
        assert!(s.contains("\"options\": {\n    \"version\": \"2\"\n  },"));
        assert!(!s.contains("listing_visibility"));
    }

    #[test]
    fn data_or_top_level() {
        assert_eq!(
            data_or_top(json!({"data": {"a": 1}, "a": 2}))["a"],
            json!(1)
        );
        assert_eq!(data_or_top(json!({"term": 3}))["term"], json!(3));
    }
}
