//! Whole-configuration checks, run after merging files, the environment and CLI flags.

use super::error::ConfigError;
use super::listener::split_host_port;
use super::{Config, RaftConfig, RetryJoin, StorageConfig};

impl Config {
    /// Checks that the server can start with this configuration; the first problem wins.
    ///
    /// - exactly one storage stanza (duplicates are refused while parsing), unless dev mode;
    /// - at least one listener, each with parseable addresses and, unless `tls_disable`,
    ///   `tls_cert_file` and `tls_key_file`;
    /// - for raft: `path` and `node_id` (after env overrides), `cluster_addr`, and sane
    ///   `retry_join` blocks;
    /// - `api_addr` / `cluster_addr` are `http(s)://host[:port]` URLs;
    /// - known `log_level` / `log_format`, and `default_lease_ttl <= max_lease_ttl`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.storage.is_none() && !self.dev {
            return Err(ConfigError::Validation(
                "A storage backend must be specified".into(),
            ));
        }
        if self.listeners.is_empty() {
            return Err(ConfigError::Validation(
                "at least one listener must be configured".into(),
            ));
        }
        for listener in &self.listeners {
            listener.validate()?;
        }
        if let Some(addr) = &self.api_addr {
            check_url(addr).map_err(|m| ConfigError::Validation(format!("api_addr: {m}")))?;
        }
        if let Some(addr) = &self.cluster_addr {
            check_url(addr).map_err(|m| ConfigError::Validation(format!("cluster_addr: {m}")))?;
        }
        match &self.storage {
            Some(StorageConfig::Raft(raft)) => self.validate_raft(raft)?,
            None => {}
        }
        if self.self_init.is_some() && self.seal.as_ref().is_none_or(|s| s.disabled) {
            return Err(ConfigError::Validation(
                "self_init needs an auto-unseal seal (seal \"static\" or seal \"transit\")".into(),
            ));
        }
        if let Some(level) = &self.log_level
            && !matches!(
                level.as_str(),
                "trace" | "debug" | "info" | "notice" | "warn" | "warning" | "err" | "error"
            )
        {
            return Err(ConfigError::Validation(format!(
                "unknown log level: {level}"
            )));
        }
        if let Some(format) = &self.log_format
            && !matches!(format.as_str(), "standard" | "json")
        {
            return Err(ConfigError::Validation(format!(
                "unknown log format: {format}"
            )));
        }
        if let (Some(default), Some(max)) = (self.default_lease_ttl, self.max_lease_ttl)
            && default > max
        {
            return Err(ConfigError::Validation(
                "cannot have default_lease_ttl larger than max_lease_ttl".into(),
            ));
        }
        Ok(())
    }

    fn validate_raft(&self, raft: &RaftConfig) -> Result<(), ConfigError> {
        if raft.path.as_deref().unwrap_or("").is_empty() {
            return Err(raft.origin.error(
                "storage \"raft\": 'path' must be set (in the stanza or with VAULT_RAFT_PATH)",
            ));
        }
        if raft.node_id.as_deref().unwrap_or("").is_empty() {
            return Err(raft.origin.error(
                "storage \"raft\": 'node_id' must be set (in the stanza or with VAULT_RAFT_NODE_ID)",
            ));
        }
        if self.cluster_addr.is_none() && !self.dev {
            return Err(ConfigError::Validation(
                "Cluster address must be set when using raft storage".into(),
            ));
        }
        for join in &raft.retry_join {
            validate_retry_join(join)?;
        }
        Ok(())
    }
}

fn validate_retry_join(join: &RetryJoin) -> Result<(), ConfigError> {
    let fail = |m: &str| {
        join.origin
            .error(format!("storage \"raft\" retry_join: {m}"))
    };
    match (&join.leader_api_addr, &join.auto_join) {
        (Some(_), Some(_)) => {
            return Err(fail("cannot provide both a leader_api_addr and auto_join"));
        }
        (None, None) => return Err(fail("one of leader_api_addr or auto_join must be set")),
        (Some(addr), None) => {
            check_url(addr).map_err(|m| fail(&format!("leader_api_addr: {m}")))?;
        }
        (None, Some(_)) => {}
    }
    if let Some(scheme) = &join.auto_join_scheme
        && scheme != "http"
        && scheme != "https"
    {
        return Err(fail(&format!(
            "invalid scheme {scheme:?}; must either be http or https"
        )));
    }
    Ok(())
}

/// Checks an `http(s)://host[:port][/path]` address.
fn check_url(addr: &str) -> Result<(), String> {
    let rest = addr
        .strip_prefix("https://")
        .or_else(|| addr.strip_prefix("http://"))
        .ok_or_else(|| format!("{addr:?} must start with http:// or https://"))?;
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() {
        return Err(format!("{addr:?} has no host"));
    }
    let has_port = match authority.rfind(':') {
        Some(i) => !authority[i..].contains(']'),
        None => false,
    };
    if has_port {
        let (host, _) = split_host_port(authority)?;
        if host.is_empty() {
            return Err(format!("{addr:?} has no host"));
        }
    } else {
        // Validate the host alone by giving it a dummy port.
        split_host_port(&format!("{authority}:0"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        check_url("https://vault.example.com").unwrap();
        check_url("http://10.0.0.1:8201").unwrap();
        check_url("https://[::1]:8200/").unwrap();
        check_url("https://[::1]").unwrap();
        assert!(check_url("vault:8200").is_err());
        assert!(check_url("https://").is_err());
        assert!(check_url("https://:8200").is_err());
        assert!(check_url("https://host:notaport").is_err());
    }
}
