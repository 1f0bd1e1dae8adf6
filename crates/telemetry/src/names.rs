//! Every metric Arca emits, named as Vault names it (without the `metrics_prefix`,
//! `vault` by default, which the recorder adds). One list for all layers, so a
//! dashboard built for Vault finds the same series here.
//!
//! Kinds follow Vault's documentation: a *summary* is a `metrics` histogram in
//! milliseconds (rendered as a Prometheus summary with quantiles 0.5, 0.9, 0.99), a
//! *counter* counts events, a *gauge* is a current value.

/// The kind of a metric, for the catalogue in [`ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Monotonic count of events.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Timings in milliseconds (Prometheus summary).
    Summary,
}

/// Gauge, 1 when this node is unsealed (refreshed every second on every node).
pub const CORE_UNSEALED: &str = "core.unsealed";
/// Gauge, 1 on the active node, 0 on standbys and sealed nodes.
pub const CORE_ACTIVE: &str = "core.active";
/// Summary (ms) of non-login requests through the core.
pub const CORE_HANDLE_REQUEST: &str = "core.handle_request";
/// Summary (ms) of login requests (`auth/<mount>/login...`).
pub const CORE_HANDLE_LOGIN_REQUEST: &str = "core.handle_login_request";
/// Summary (ms) of token checks: lookup, existence check and ACL evaluation.
pub const CORE_CHECK_TOKEN: &str = "core.check_token";
/// Gauge, requests being handled by the core right now.
pub const CORE_IN_FLIGHT_REQUESTS: &str = "core.in_flight_requests";

/// Summary (ms) of barrier reads (storage read + decryption).
pub const BARRIER_GET: &str = "barrier.get";
/// Summary (ms) of barrier writes: one sample per written key, timed over the commit
/// (encryption + raft) that made it durable.
pub const BARRIER_PUT: &str = "barrier.put";
/// Summary (ms) of barrier deletes, timed like [`BARRIER_PUT`].
pub const BARRIER_DELETE: &str = "barrier.delete";
/// Summary (ms) of barrier listings.
pub const BARRIER_LIST: &str = "barrier.list";

/// Counter, entries submitted to raft by this node (the write load).
pub const RAFT_APPLY: &str = "raft.apply";
/// Summary (ms), leader: time for a submitted entry to be committed (and applied).
pub const RAFT_COMMIT_TIME: &str = "raft.commitTime";
/// Summary (ms), leader: time since a quorum last acknowledged the leader.
pub const RAFT_LEADER_LAST_CONTACT: &str = "raft.leader.lastContact";
/// Counter, times this node became leader.
pub const RAFT_STATE_LEADER: &str = "raft.state.leader";
/// Counter, times this node started an election.
pub const RAFT_STATE_CANDIDATE: &str = "raft.state.candidate";
/// Counter, times this node became a follower.
pub const RAFT_STATE_FOLLOWER: &str = "raft.state.follower";
/// Gauge, servers in the raft configuration.
pub const RAFT_PEERS: &str = "raft.peers";
/// Summary (ms) of applying one log entry to the state machine (its count is the
/// number of entries applied).
pub const RAFT_FSM_APPLY: &str = "raft.fsm.apply";
/// Gauge, this node's raft commit index.
pub const RAFT_STORAGE_COMMIT_INDEX: &str = "raft_storage.stats.commit_index";
/// Gauge, this node's raft applied index.
pub const RAFT_STORAGE_APPLIED_INDEX: &str = "raft_storage.stats.applied_index";
/// Gauge, leader: how far each follower (label `peer_id`) is behind the leader's
/// applied index.
pub const RAFT_STORAGE_FOLLOWER_APPLIED_INDEX_DELTA: &str =
    "raft_storage.follower.applied_index_delta";

/// Gauge, leader: 1 when autopilot considers every server healthy. Emitted by autopilot.
pub const AUTOPILOT_HEALTHY: &str = "autopilot.healthy";
/// Gauge, leader: voters that can fail without losing quorum. Emitted by autopilot.
pub const AUTOPILOT_FAILURE_TOLERANCE: &str = "autopilot.failure_tolerance";

/// Gauge, active node: service tokens stored (label `namespace`).
pub const TOKEN_COUNT: &str = "token.count";
/// Counter, tokens created (labels `auth_method`, `mount_point`, `creation_ttl`,
/// `token_type`, `namespace`).
pub const TOKEN_CREATION: &str = "token.creation";
/// Gauge, active node: leases held by the expiration manager.
pub const EXPIRE_NUM_LEASES: &str = "expire.num_leases";
/// Summary (ms) of writing a request to the audit devices.
pub const AUDIT_LOG_REQUEST: &str = "audit.log_request";
/// Counter, requests no audit device could record.
pub const AUDIT_LOG_REQUEST_FAILURE: &str = "audit.log_request_failure";
/// Summary (ms) of writing a response to the audit devices.
pub const AUDIT_LOG_RESPONSE: &str = "audit.log_response";
/// Counter, responses no audit device could record.
pub const AUDIT_LOG_RESPONSE_FAILURE: &str = "audit.log_response_failure";
/// Summary (ms), standby: requests forwarded to the active node.
pub const HA_RPC_CLIENT_FORWARD: &str = "ha.rpc.client.forward";
/// Counter, standby: forwarded requests that failed in transit.
pub const HA_RPC_CLIENT_FORWARD_ERRORS: &str = "ha.rpc.client.forward.errors";
/// Counter, standby: reads this standby served itself after a ReadIndex round trip.
pub const HA_STANDBY_READ_SERVED: &str = "ha.standby_read.served";

/// Prefix of process metrics: these keep the Prometheus client's standard names, with no
/// `vault` prefix and no host name, as Vault's Prometheus registry shows them.
pub const PROCESS_PREFIX: &str = "process_";
/// Gauge, resident set size in bytes (`/proc/self/status` VmRSS).
pub const PROCESS_RESIDENT_MEMORY_BYTES: &str = "process_resident_memory_bytes";
/// Gauge, virtual memory size in bytes (VmSize).
pub const PROCESS_VIRTUAL_MEMORY_BYTES: &str = "process_virtual_memory_bytes";
/// Gauge, open file descriptors (`/proc/self/fd`).
pub const PROCESS_OPEN_FDS: &str = "process_open_fds";
/// Gauge, the soft limit on open file descriptors.
pub const PROCESS_MAX_FDS: &str = "process_max_fds";

/// Every name above with its kind: the catalogue tests and docs check against.
pub const ALL: &[(&str, Kind)] = &[
    (CORE_UNSEALED, Kind::Gauge),
    (CORE_ACTIVE, Kind::Gauge),
    (CORE_HANDLE_REQUEST, Kind::Summary),
    (CORE_HANDLE_LOGIN_REQUEST, Kind::Summary),
    (CORE_CHECK_TOKEN, Kind::Summary),
    (CORE_IN_FLIGHT_REQUESTS, Kind::Gauge),
    (BARRIER_GET, Kind::Summary),
    (BARRIER_PUT, Kind::Summary),
    (BARRIER_DELETE, Kind::Summary),
    (BARRIER_LIST, Kind::Summary),
    (RAFT_APPLY, Kind::Counter),
    (RAFT_COMMIT_TIME, Kind::Summary),
    (RAFT_LEADER_LAST_CONTACT, Kind::Summary),
    (RAFT_STATE_LEADER, Kind::Counter),
    (RAFT_STATE_CANDIDATE, Kind::Counter),
    (RAFT_STATE_FOLLOWER, Kind::Counter),
    (RAFT_PEERS, Kind::Gauge),
    (RAFT_FSM_APPLY, Kind::Summary),
    (RAFT_STORAGE_COMMIT_INDEX, Kind::Gauge),
    (RAFT_STORAGE_APPLIED_INDEX, Kind::Gauge),
    (RAFT_STORAGE_FOLLOWER_APPLIED_INDEX_DELTA, Kind::Gauge),
    (AUTOPILOT_HEALTHY, Kind::Gauge),
    (AUTOPILOT_FAILURE_TOLERANCE, Kind::Gauge),
    (TOKEN_COUNT, Kind::Gauge),
    (TOKEN_CREATION, Kind::Counter),
    (EXPIRE_NUM_LEASES, Kind::Gauge),
    (AUDIT_LOG_REQUEST, Kind::Summary),
    (AUDIT_LOG_REQUEST_FAILURE, Kind::Counter),
    (AUDIT_LOG_RESPONSE, Kind::Summary),
    (AUDIT_LOG_RESPONSE_FAILURE, Kind::Counter),
    (HA_RPC_CLIENT_FORWARD, Kind::Summary),
    (HA_RPC_CLIENT_FORWARD_ERRORS, Kind::Counter),
    (HA_STANDBY_READ_SERVED, Kind::Counter),
    (PROCESS_RESIDENT_MEMORY_BYTES, Kind::Gauge),
    (PROCESS_VIRTUAL_MEMORY_BYTES, Kind::Gauge),
    (PROCESS_OPEN_FDS, Kind::Gauge),
    (PROCESS_MAX_FDS, Kind::Gauge),
];

/// The Prometheus name of `name` under `prefix` (no host name), e.g.
/// `vault_core_handle_request`: dots become underscores, as the exporter writes them.
pub fn prometheus_name(prefix: &str, name: &str) -> String {
    let full = if name.starts_with(PROCESS_PREFIX) || prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    };
    metrics_exporter_prometheus::formatting::sanitize_metric_name(&full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn prometheus_names_are_vaults() {
        let expected = [
            "vault_core_unsealed",
            "vault_core_active",
            "vault_core_handle_request",
            "vault_core_handle_login_request",
            "vault_core_check_token",
            "vault_core_in_flight_requests",
            "vault_barrier_get",
            "vault_barrier_put",
            "vault_barrier_delete",
            "vault_barrier_list",
            "vault_raft_apply",
            "vault_raft_commitTime",
            "vault_raft_leader_lastContact",
            "vault_raft_state_leader",
            "vault_raft_state_candidate",
            "vault_raft_state_follower",
            "vault_raft_peers",
            "vault_raft_fsm_apply",
            "vault_raft_storage_stats_commit_index",
            "vault_raft_storage_stats_applied_index",
            "vault_raft_storage_follower_applied_index_delta",
            "vault_autopilot_healthy",
            "vault_autopilot_failure_tolerance",
            "vault_token_count",
            "vault_token_creation",
            "vault_expire_num_leases",
            "vault_audit_log_request",
            "vault_audit_log_request_failure",
            "vault_audit_log_response",
            "vault_audit_log_response_failure",
            "vault_ha_rpc_client_forward",
            "vault_ha_rpc_client_forward_errors",
            "vault_ha_standby_read_served",
            "process_resident_memory_bytes",
            "process_virtual_memory_bytes",
            "process_open_fds",
            "process_max_fds",
        ];
        let got: Vec<String> = ALL
            .iter()
            .map(|(n, _)| prometheus_name("vault", n))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn names_are_unique_and_prefix_applies() {
        let set: HashSet<_> = ALL.iter().map(|(n, _)| *n).collect();
        assert_eq!(set.len(), ALL.len());
        assert_eq!(prometheus_name("arca", CORE_ACTIVE), "arca_core_active");
        assert_eq!(prometheus_name("", CORE_ACTIVE), "core_active");
        assert_eq!(
            prometheus_name("arca", PROCESS_OPEN_FDS),
            "process_open_fds"
        );
    }
}
