//! The configuration `arca server -dev` runs with.

use std::time::Duration;

use super::{Config, ListenerConfig, TelemetryConfig};

impl Config {
    /// Vault's dev-mode defaults for a server listening on `listen_addr` (Vault's
    /// `-dev-listen-address`, normally `127.0.0.1:8200`): plain HTTP, UI on, mlock off,
    /// Prometheus metrics kept 24h without host names, and `api_addr` pointing at the
    /// listener. No storage stanza: dev mode picks its own in-memory storage.
    pub fn dev(listen_addr: &str) -> Config {
        let mut listener = ListenerConfig::tcp(listen_addr);
        listener.tls_disable = true;
        Config {
            listeners: vec![listener],
            telemetry: Some(TelemetryConfig {
                prometheus_retention_time: Duration::from_secs(24 * 3600),
                disable_hostname: true,
                ..TelemetryConfig::default()
            }),
            api_addr: Some(format!("http://{listen_addr}")),
            disable_mlock: true,
            ui: true,
            dev: true,
            ..Config::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_config_is_valid_without_storage() {
        let c = Config::dev("127.0.0.1:8200");
        c.validate().unwrap();
        assert!(c.listeners[0].tls_disable);
        assert_eq!(c.api_addr.as_deref(), Some("http://127.0.0.1:8200"));
        assert_eq!(c.listeners[0].cluster_address().unwrap(), "127.0.0.1:8201");
        assert!(c.storage.is_none());
    }
}
