//! Vault-compatible server configuration (`arca server -config=PATH`).
//!
//! Reads the same HCL (or JSON) files a Vault server reads, so a Vault deployment's config,
//! Helm values and runbooks work unchanged. Differences from Vault are deliberate and
//! strict: an unknown key is an error (naming file, line and key) rather than a warning,
//! and Vault features Arca lacks are refused by name (see `unsupported.rs`) instead of being
//! silently ignored.
//!
//! Typical use: [`Config::load`], then [`Config::apply_env`], then CLI flags, then
//! [`Config::validate`].

mod decode;
mod dev;
mod env;
mod error;
mod hcl_reader;
mod json_reader;
mod listener;
mod load;
mod merge;
mod seal;
mod secret;
mod self_init;
mod service_registration;
mod storage;
mod telemetry;
mod top;
mod tree;
mod unsupported;
mod validate;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use error::{ConfigError, Origin};
pub use listener::{
    DEFAULT_ADDRESS, DEFAULT_MAX_REQUEST_SIZE, DEFAULT_TLS_MIN_VERSION, ListenerConfig,
    ListenerTelemetry,
};
pub use seal::{SealKind, SealStanza};
pub use secret::SecretString;
pub use self_init::SelfInitConfig;
pub use service_registration::{KubernetesRegistration, ServiceRegistrationConfig};
pub use storage::{
    DEFAULT_AUTOPILOT_RECONCILE_INTERVAL, DEFAULT_MAX_ENTRY_SIZE, DEFAULT_PERFORMANCE_MULTIPLIER,
    DEFAULT_SNAPSHOT_THRESHOLD, DEFAULT_TRAILING_LOGS, RaftConfig, RetryJoin, StorageConfig,
};
pub use telemetry::TelemetryConfig;

/// A server configuration: one file, or several merged the way Vault merges them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The `seal` stanza; `None` is the Shamir seal.
    pub seal: Option<SealStanza>,
    /// `self_init { .. }`: initialise a fresh cluster at first start (auto seals only).
    pub self_init: Option<SelfInitConfig>,
    /// The storage backend (`storage "raft"`); required unless in dev mode.
    pub storage: Option<StorageConfig>,
    /// API listeners in file order (later files append).
    pub listeners: Vec<ListenerConfig>,
    /// `service_registration "kubernetes"`.
    pub service_registration: Option<ServiceRegistrationConfig>,
    /// `telemetry { .. }`; `None` when absent (then Prometheus metrics are off, as in Vault).
    pub telemetry: Option<TelemetryConfig>,
    /// Address clients are redirected to (`VAULT_API_ADDR` overrides).
    pub api_addr: Option<String>,
    /// Address peers reach this node's cluster port on (`VAULT_CLUSTER_ADDR` overrides).
    pub cluster_addr: Option<String>,
    /// Cluster name reported by `sys/health`; generated when absent.
    pub cluster_name: Option<String>,
    /// Do not lock memory with mlock(2).
    pub disable_mlock: bool,
    /// `disable_standby_reads` (OpenBao's name): standbys forward reads to the active
    /// node instead of serving them after a ReadIndex round trip. `None`: not set, see
    /// [`Config::standby_reads`].
    pub disable_standby_reads: Option<bool>,
    /// Serve the web UI.
    pub ui: bool,
    /// Log level, lower-cased (`VAULT_LOG_LEVEL` overrides).
    pub log_level: Option<String>,
    /// `standard` or `json` (`VAULT_LOG_FORMAT` overrides).
    pub log_format: Option<String>,
    /// Default lease and token TTL (Vault's default is 768h when unset).
    pub default_lease_ttl: Option<Duration>,
    /// Largest lease and token TTL (Vault's default is 768h when unset).
    pub max_lease_ttl: Option<Duration>,
    /// Request time limit for listeners without their own (Vault: 90s when unset).
    pub default_max_request_duration: Option<Duration>,
    /// File to write the process id to.
    pub pid_file: Option<String>,
    /// Directory of external plugins.
    pub plugin_directory: Option<String>,
    /// Built by [`Config::dev`]: storage is not required.
    pub dev: bool,
}

impl Config {
    /// Whether standbys serve linearizable reads themselves (on unless
    /// `disable_standby_reads = true`).
    pub fn standby_reads(&self) -> bool {
        !self.disable_standby_reads.unwrap_or(false)
    }

    /// Parses one configuration text. `file_name` is used in error messages and decides the
    /// format: `.json`, or text starting with `{`, is JSON; anything else is HCL.
    pub fn from_str(text: &str, file_name: &str) -> Result<Config, ConfigError> {
        let is_json = file_name.ends_with(".json") || text.trim_start().starts_with('{');
        let root = if is_json {
            json_reader::read(text, file_name)?
        } else {
            hcl_reader::read(text, file_name)?
        };
        top::decode(file_name, &root)
    }

    /// The raft stanza, if storage is raft.
    pub fn raft(&self) -> Option<&RaftConfig> {
        match &self.storage {
            Some(StorageConfig::Raft(raft)) => Some(raft),
            None => None,
        }
    }
}
