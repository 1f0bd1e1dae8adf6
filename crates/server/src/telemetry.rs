//! The server's side of telemetry: the `telemetry` stanza → recorder settings, and the
//! small background task that refreshes state gauges every second (Vault's metrics
//! loop): seal and HA state, raft indexes, peers, follower lag, process resources, and
//! raft state transitions as they happen. On the active node it also emits Vault's usage
//! gauges every `usage_gauge_period` (`vault.token.count`), the first time as soon as the
//! node becomes active.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use arca_core::Core;
use arca_raft::{Metrics, RaftNode};
use arca_telemetry::{Settings, Telemetry, emit, names};
use openraft::ServerState;

use crate::config::TelemetryConfig;

/// How often state gauges are refreshed (Vault's metrics loop runs every second).
const REFRESH: Duration = Duration::from_secs(1);

/// This machine's host name, for gauge names unless `disable_hostname`.
fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

/// Recorder settings for the `telemetry` stanza; without one, Vault's defaults (host
/// name in gauge names, 24 h Prometheus retention, prefix `vault`).
pub(crate) fn settings(config: Option<&TelemetryConfig>, host: Option<String>) -> Settings {
    let defaults = TelemetryConfig::default();
    let t = config.unwrap_or(&defaults);
    let (hostname_in_gauges, host_label) = match (t.disable_hostname, t.enable_hostname_label) {
        (_, true) => (None, host),
        (true, false) => (None, None),
        (false, false) => (host, None),
    };
    Settings {
        prefix: t.metrics_prefix.clone(),
        hostname_in_gauges,
        host_label,
        prometheus_retention: t.prometheus_retention_time,
    }
}

/// Installs the process-wide recorder for `config` (the first server of a process wins).
pub(crate) fn install(config: Option<&TelemetryConfig>) -> Result<&'static Telemetry, String> {
    let telemetry =
        arca_telemetry::install(settings(config, hostname())).map_err(|e| e.to_string())?;
    // The audit series exist from the start at their true zero, so dashboards and
    // alerts on failures see them before the first audit device is enabled.
    metrics::counter!(names::AUDIT_LOG_REQUEST_FAILURE).absolute(0);
    metrics::counter!(names::AUDIT_LOG_RESPONSE_FAILURE).absolute(0);
    let _registered = metrics::histogram!(names::AUDIT_LOG_REQUEST);
    let _registered = metrics::histogram!(names::AUDIT_LOG_RESPONSE);
    Ok(telemetry)
}

/// The raft state counter a transition into `state` increments (hashicorp/raft counts
/// every entry into a state; a learner is a non-voting follower).
fn state_counter(state: ServerState) -> Option<&'static str> {
    match state {
        ServerState::Leader => Some(names::RAFT_STATE_LEADER),
        ServerState::Candidate => Some(names::RAFT_STATE_CANDIDATE),
        ServerState::Follower | ServerState::Learner => Some(names::RAFT_STATE_FOLLOWER),
        ServerState::Shutdown => None,
    }
}

/// Sets the gauges derived from one raft metrics snapshot.
fn raft_gauges(m: &Metrics, (committed, applied): (u64, u64)) {
    let membership = m.membership_config.membership();
    emit::gauge(names::RAFT_PEERS, membership.nodes().count() as f64);
    emit::gauge(names::RAFT_STORAGE_COMMIT_INDEX, committed as f64);
    emit::gauge(names::RAFT_STORAGE_APPLIED_INDEX, applied as f64);
    if m.state != ServerState::Leader {
        return;
    }
    if let Some(ms) = m.millis_since_quorum_ack {
        metrics::histogram!(names::RAFT_LEADER_LAST_CONTACT).record(ms as f64);
    }
    // How far each follower's replicated log is behind what the leader applied.
    for (id, matched) in m.replication.iter().flatten() {
        if *id == m.id {
            continue;
        }
        let Some(node) = membership.get_node(id) else {
            continue;
        };
        let delta = applied.saturating_sub(matched.map_or(0, |l| l.index));
        metrics::gauge!(
            names::RAFT_STORAGE_FOLLOWER_APPLIED_INDEX_DELTA,
            "peer_id" => node.node_id.clone()
        )
        .set(delta as f64);
    }
}

/// One refresh of every state gauge.
fn refresh(core: &Core, node: &RaftNode, telemetry: &Telemetry) {
    let unsealed = !core.is_sealed();
    let active = unsealed && core.cluster().is_active();
    emit::gauge(names::CORE_UNSEALED, emit::flag(unsealed));
    emit::gauge(names::CORE_ACTIVE, emit::flag(active));
    let m = node.metrics().borrow().clone();
    raft_gauges(&m, core.cluster().raft_indexes());
    if active {
        emit::gauge(names::EXPIRE_NUM_LEASES, core.num_leases() as f64);
    }
    arca_telemetry::process::record();
    telemetry.run_upkeep();
}

/// Whether the usage gauges are due: on the active node, when never emitted since it
/// became active or `period` after the last time; never with `usage_gauge_period = "none"`.
fn usage_due(active: bool, last: Option<Instant>, now: Instant, period: Option<Duration>) -> bool {
    match (active, period, last) {
        (false, _, _) | (_, None, _) => false,
        (true, Some(_), None) => true,
        (true, Some(p), Some(last)) => now.duration_since(last) >= p,
    }
}

/// Vault's usage gauges: the number of service tokens, labelled with the (root) namespace
/// as Vault labels `vault.token.count`.
async fn usage_gauges(core: &Core) {
    match core.token_count().await {
        Ok(n) => metrics::gauge!(names::TOKEN_COUNT, "namespace" => "root").set(n as f64),
        Err(e) => tracing::debug!(error = %e, "counting tokens for vault.token.count failed"),
    }
}

/// Refreshes the gauges every second (the usage gauges every `usage_period`) and counts
/// raft state transitions until `stopped` resolves.
pub(crate) fn spawn(
    core: Arc<Core>,
    node: Arc<RaftNode>,
    telemetry: &'static Telemetry,
    usage_period: Option<Duration>,
    stopped: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut raft = node.metrics();
        let mut raft_running = true;
        let mut last_state = None;
        let mut last_usage: Option<Instant> = None;
        tokio::pin!(stopped);
        loop {
            let state = raft.borrow_and_update().state;
            if last_state != Some(state) {
                if let Some(counter) = state_counter(state) {
                    emit::incr(counter);
                }
                last_state = Some(state);
            }
            tokio::select! {
                _ = &mut stopped => break,
                _ = tick.tick() => {
                    refresh(&core, &node, telemetry);
                    let active = !core.is_sealed() && core.cluster().is_active();
                    let now = Instant::now();
                    if usage_due(active, last_usage, now, usage_period) {
                        usage_gauges(&core).await;
                        last_usage = Some(now);
                    } else if !active {
                        last_usage = None;
                    }
                }
                // Raft stopped (its metrics channel closed): keep refreshing the rest.
                changed = raft.changed(), if raft_running => raft_running = changed.is_ok(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanza_to_settings() {
        let host = Some("node-a".to_string());
        // No stanza: Vault's defaults, host name in gauge names.
        let s = settings(None, host.clone());
        assert_eq!(s.prefix, "vault");
        assert_eq!(s.hostname_in_gauges.as_deref(), Some("node-a"));
        assert_eq!(s.host_label, None);
        assert_eq!(s.prometheus_retention, Duration::from_secs(86_400));
        let mut t = TelemetryConfig {
            disable_hostname: true,
            metrics_prefix: "arca".into(),
            prometheus_retention_time: Duration::ZERO,
            ..TelemetryConfig::default()
        };
        let s = settings(Some(&t), host.clone());
        assert_eq!(s.prefix, "arca");
        assert_eq!(s.hostname_in_gauges, None);
        assert!(s.prometheus_retention.is_zero());
        t.enable_hostname_label = true;
        let s = settings(Some(&t), host);
        assert_eq!(s.host_label.as_deref(), Some("node-a"));
        assert_eq!(s.hostname_in_gauges, None);
    }

    #[test]
    fn usage_gauges_run_on_the_active_node_each_period() {
        let t0 = Instant::now();
        let p = Some(Duration::from_secs(600));
        assert!(usage_due(true, None, t0, p));
        assert!(!usage_due(false, None, t0, p));
        assert!(!usage_due(true, None, t0, None));
        assert!(!usage_due(true, Some(t0), t0 + Duration::from_secs(599), p));
        assert!(usage_due(true, Some(t0), t0 + Duration::from_secs(600), p));
        assert!(!usage_due(
            false,
            Some(t0),
            t0 + Duration::from_secs(900),
            p
        ));
    }

    #[test]
    fn state_transitions_map_to_vaults_counters() {
        assert_eq!(
            state_counter(ServerState::Leader),
            Some("raft.state.leader")
        );
        assert_eq!(
            state_counter(ServerState::Candidate),
            Some("raft.state.candidate")
        );
        assert_eq!(
            state_counter(ServerState::Learner),
            Some("raft.state.follower")
        );
        assert_eq!(state_counter(ServerState::Shutdown), None);
    }
}
