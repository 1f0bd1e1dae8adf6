//! Merging configurations from several files, with Vault's rules.

use super::Config;

impl Config {
    /// Merges `later` over `self` the way Vault does: later storage, telemetry and
    /// service registration replace earlier ones whole; listeners append; strings set later
    /// win; `ui`, `disable_mlock` (and dev mode) are OR-ed; lease TTLs and the default
    /// request duration take the larger value.
    pub fn merge(self, later: Config) -> Config {
        Config {
            seal: later.seal.or(self.seal),
            self_init: later.self_init.or(self.self_init),
            storage: later.storage.or(self.storage),
            listeners: self.listeners.into_iter().chain(later.listeners).collect(),
            service_registration: later.service_registration.or(self.service_registration),
            telemetry: later.telemetry.or(self.telemetry),
            api_addr: later.api_addr.or(self.api_addr),
            cluster_addr: later.cluster_addr.or(self.cluster_addr),
            cluster_name: later.cluster_name.or(self.cluster_name),
            disable_mlock: self.disable_mlock || later.disable_mlock,
            disable_standby_reads: later.disable_standby_reads.or(self.disable_standby_reads),
            ui: self.ui || later.ui,
            log_level: later.log_level.or(self.log_level),
            log_format: later.log_format.or(self.log_format),
            default_lease_ttl: self.default_lease_ttl.max(later.default_lease_ttl),
            max_lease_ttl: self.max_lease_ttl.max(later.max_lease_ttl),
            default_max_request_duration: self
                .default_max_request_duration
                .max(later.default_max_request_duration),
            pid_file: later.pid_file.or(self.pid_file),
            plugin_directory: later.plugin_directory.or(self.plugin_directory),
            dev: self.dev || later.dev,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::ListenerConfig;

    #[test]
    fn later_wins_bools_or_ttls_max_listeners_append() {
        let a = Config {
            api_addr: Some("http://a:8200".into()),
            log_level: Some("debug".into()),
            ui: true,
            max_lease_ttl: Some(Duration::from_secs(100)),
            listeners: vec![ListenerConfig::tcp("127.0.0.1:8200")],
            ..Config::default()
        };
        let b = Config {
            api_addr: Some("http://b:8200".into()),
            ui: false,
            max_lease_ttl: Some(Duration::from_secs(50)),
            default_lease_ttl: Some(Duration::from_secs(10)),
            listeners: vec![ListenerConfig::tcp("127.0.0.1:9200")],
            ..Config::default()
        };
        let m = a.merge(b);
        assert_eq!(m.api_addr.as_deref(), Some("http://b:8200"));
        assert_eq!(m.log_level.as_deref(), Some("debug"));
        assert!(m.ui);
        assert_eq!(m.max_lease_ttl, Some(Duration::from_secs(100)));
        assert_eq!(m.default_lease_ttl, Some(Duration::from_secs(10)));
        let addrs: Vec<_> = m.listeners.iter().map(|l| l.address.as_str()).collect();
        assert_eq!(addrs, ["127.0.0.1:8200", "127.0.0.1:9200"]);
    }
}
