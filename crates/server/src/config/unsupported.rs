//! The one list of Vault configuration that Arca reads but refuses, because the feature
//! behind it does not exist yet.
//!
//! Refusing (instead of ignoring) keeps an operator from believing that, say, an auto-unseal
//! or a TLS option is in effect when it is not. When a feature lands, delete its line here
//! and teach the decoder the stanza or key.

use super::error::ConfigError;

/// `(place, name)` pairs. `place` is the stanza kind (`seal`, `storage`, `listener`,
/// `ha_storage`, `service_registration`) for a block label, or a section path (`""` for the
/// top level, `listener.tcp`, `storage.raft`, `telemetry`, ...) for a key. A `name` ending in
/// `*` matches every name with that prefix.
const NOT_YET: &[(&str, &str)] = &[
    // Seals: Shamir (no stanza), static and transit exist.
    ("seal", "shamir"),
    ("seal", "awskms"),
    ("seal", "azurekeyvault"),
    ("seal", "gcpckms"),
    ("seal", "alicloudkms"),
    ("seal", "ocikms"),
    ("seal", "pkcs11"),
    ("seal", "kmip"),
    // Storage backends other than raft.
    ("storage", "file"),
    ("storage", "inmem"),
    ("storage", "inmem_ha"),
    ("storage", "inmem_transactional"),
    ("storage", "inmem_transactional_ha"),
    ("storage", "consul"),
    ("storage", "etcd"),
    ("storage", "zookeeper"),
    ("storage", "postgresql"),
    ("storage", "mysql"),
    ("storage", "mssql"),
    ("storage", "cockroachdb"),
    ("storage", "cassandra"),
    ("storage", "couchdb"),
    ("storage", "couchdb_transactional"),
    ("storage", "dynamodb"),
    ("storage", "s3"),
    ("storage", "gcs"),
    ("storage", "spanner"),
    ("storage", "azure"),
    ("storage", "swift"),
    ("storage", "oci"),
    ("storage", "alicloudoss"),
    ("storage", "manta"),
    ("storage", "foundationdb"),
    ("storage", "aerospike"),
    // A separate HA backend of any type.
    ("ha_storage", "*"),
    // Listener and service-registration types.
    ("listener", "unix"),
    ("service_registration", "consul"),
    // Top-level keys.
    ("", "backend"),
    ("", "ha_backend"),
    ("", "cache_size"),
    ("", "disable_cache"),
    ("", "disable_printable_check"),
    ("", "raw_storage_endpoint"),
    ("", "enable_raw_endpoint"),
    ("", "introspection_endpoint"),
    ("", "disable_clustering"),
    ("", "disable_performance_standby"),
    ("", "disable_sealwrap"),
    ("", "disable_indexing"),
    ("", "disable_sentinel_trace"),
    ("", "cluster_cipher_suites"),
    ("", "plugin_file_uid"),
    ("", "plugin_file_permissions"),
    ("", "plugin_tmpdir"),
    ("", "license_path"),
    ("", "log_file"),
    ("", "log_rotate_*"),
    ("", "log_requests_level"),
    ("", "enable_response_header_hostname"),
    ("", "enable_response_header_raft_node_id"),
    ("", "entropy"),
    ("", "user_lockout"),
    ("", "hcp_link"),
    ("", "imprecise_lease_role_tracking"),
    ("", "experiments"),
    ("", "administrative_namespace_path"),
    ("", "detect_deadlocks"),
    ("", "enable_post_unseal_trace"),
    ("", "post_unseal_trace_directory"),
    ("", "kms_library"),
    ("", "reporting"),
    ("", "replication"),
    ("", "enable_multiseal"),
    // tcp listener keys.
    ("listener.tcp", "tls_max_version"),
    ("listener.tcp", "tls_cipher_suites"),
    ("listener.tcp", "tls_prefer_server_cipher_suites"),
    ("listener.tcp", "tls_require_and_verify_client_cert"),
    ("listener.tcp", "tls_disable_client_certs"),
    ("listener.tcp", "proxy_protocol_*"),
    ("listener.tcp", "x_forwarded_for_hop_skips"),
    ("listener.tcp", "x_forwarded_for_reject_not_authorized"),
    ("listener.tcp", "x_forwarded_for_reject_not_present"),
    ("listener.tcp", "x_forwarded_for_client_cert_header*"),
    ("listener.tcp", "http_idle_timeout"),
    ("listener.tcp", "http_read_header_timeout"),
    ("listener.tcp", "http_read_timeout"),
    ("listener.tcp", "http_write_timeout"),
    ("listener.tcp", "profiling"),
    ("listener.tcp", "inflight_requests_logging"),
    ("listener.tcp", "custom_response_headers"),
    ("listener.tcp", "chroot_namespace"),
    ("listener.tcp", "redact_*"),
    ("listener.tcp", "disable_replication_status_endpoints"),
    ("listener.tcp", "disable_request_limiter"),
    // raft keys.
    ("storage.raft", "redirect_addr"),
    ("storage.raft", "cluster_addr"),
    ("storage.raft", "disable_clustering"),
    ("storage.raft", "autopilot_upgrade_version"),
    ("storage.raft", "autopilot_redundancy_zone"),
    ("storage.raft", "retry_join_as_non_voter"),
    ("storage.raft", "max_mount_and_namespace_table_entry_size"),
    ("storage.raft", "raft_wal"),
    ("storage.raft", "raft_log_verifier_enabled"),
    ("storage.raft", "raft_log_verification_interval"),
    ("storage.raft", "snapshot_interval"),
    // telemetry sinks other than Prometheus.
    ("telemetry", "statsite_address"),
    ("telemetry", "statsd_address"),
    ("telemetry", "circonus_*"),
    ("telemetry", "dogstatsd_*"),
    ("telemetry", "stackdriver_*"),
    ("telemetry", "add_mount_point_rollback_metrics"),
];

/// Whether `name` at `place` is Vault configuration that Arca does not implement yet.
pub(crate) fn is_not_yet(place: &str, name: &str) -> bool {
    NOT_YET.iter().any(|(p, pattern)| {
        *p == place
            && match pattern.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => *pattern == name,
            }
    })
}

/// The error for a block label (`seal "transit"`, `storage "file"`) no decoder handles:
/// "not supported yet" for Vault's types, "unknown type" for anything else.
pub(crate) fn refuse_label(file: &str, line: usize, stanza: &str, label: &str) -> ConfigError {
    if is_not_yet(stanza, label) {
        ConfigError::Unsupported {
            file: file.to_string(),
            line,
            what: format!("{stanza} \"{label}\""),
        }
    } else {
        ConfigError::Invalid {
            file: file.to_string(),
            line,
            message: format!("unknown {stanza} type \"{label}\""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_prefix_patterns() {
        assert!(is_not_yet("seal", "awskms"));
        assert!(!is_not_yet("seal", "transit"));
        assert!(!is_not_yet("seal", "raft"));
        assert!(is_not_yet("telemetry", "circonus_api_token"));
        assert!(is_not_yet("ha_storage", "consul"));
        assert!(!is_not_yet("listener.tcp", "address"));
        assert!(!is_not_yet("", "ui"));
    }

    #[test]
    fn refusal_texts() {
        assert_eq!(
            refuse_label("c.hcl", 3, "seal", "awskms").to_string(),
            "c.hcl:3: seal \"awskms\" is not supported yet"
        );
        assert_eq!(
            refuse_label("c.hcl", 3, "storage", "bogus").to_string(),
            "c.hcl:3: unknown storage type \"bogus\""
        );
    }
}
