//! Environment variable overrides, with Vault's precedence: a set (non-empty) variable
//! beats the configuration file; CLI flags, applied by the caller afterwards, beat both.

use super::{Config, ServiceRegistrationConfig, StorageConfig};

impl Config {
    /// Applies Vault's environment overrides, reading variables through `env` (pass
    /// `&|k| std::env::var(k).ok()` in production, a map in tests):
    ///
    /// - `VAULT_API_ADDR`, else `VAULT_REDIRECT_ADDR`, else `VAULT_ADVERTISE_ADDR` → `api_addr`
    /// - `VAULT_CLUSTER_ADDR` → `cluster_addr`
    /// - `VAULT_RAFT_NODE_ID`, `VAULT_RAFT_PATH` → `storage "raft"` `node_id`, `path`
    /// - `VAULT_LOG_LEVEL`, `VAULT_LOG_FORMAT` → `log_level`, `log_format`
    /// - `VAULT_K8S_NAMESPACE`, `VAULT_K8S_POD_NAME` → `service_registration "kubernetes"`
    /// - `VAULT_SEAL_TYPE`, `VAULT_TRANSIT_SEAL_*` and the client variables → `seal`
    ///
    /// Empty variables are ignored, as in Vault.
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        let get = |key: &str| env(key).filter(|v| !v.trim().is_empty());
        if let Some(addr) = get("VAULT_API_ADDR")
            .or_else(|| get("VAULT_REDIRECT_ADDR"))
            .or_else(|| get("VAULT_ADVERTISE_ADDR"))
        {
            self.api_addr = Some(addr);
        }
        if let Some(addr) = get("VAULT_CLUSTER_ADDR") {
            self.cluster_addr = Some(addr);
        }
        if let Some(StorageConfig::Raft(raft)) = &mut self.storage {
            if let Some(id) = get("VAULT_RAFT_NODE_ID") {
                raft.node_id = Some(id);
            }
            if let Some(path) = get("VAULT_RAFT_PATH") {
                raft.path = Some(path);
            }
        }
        super::seal::SealStanza::apply_env(&mut self.seal, &|k| get(k));
        if let Some(level) = get("VAULT_LOG_LEVEL") {
            self.log_level = Some(level.trim().to_lowercase());
        }
        if let Some(format) = get("VAULT_LOG_FORMAT") {
            self.log_format = Some(format.trim().to_lowercase());
        }
        if let Some(ServiceRegistrationConfig::Kubernetes(k8s)) = &mut self.service_registration {
            if let Some(ns) = get("VAULT_K8S_NAMESPACE") {
                k8s.namespace = Some(ns);
            }
            if let Some(pod) = get("VAULT_K8S_POD_NAME") {
                k8s.pod_name = Some(pod);
            }
        }
    }
}
