//! The standby heartbeat: every [`ECHO_INTERVAL`] an unsealed standby sends `Echo` to
//! the active node over the cluster port. The active node records who it heard from
//! ([`EchoTable`]), which feeds `sys/ha-status` and the versions in autopilot's state.
//! Each echo carries the round trip and clock offset the previous one measured, as
//! Vault's do.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use arca_core::{Core, autopilot::HaNode, version::VAULT_COMPAT_VERSION};
use arca_raft::{ClusterNetwork, RaftNode, proto::EchoRequest};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use tokio::sync::watch;

/// How often a standby echoes.
pub(crate) const ECHO_INTERVAL: Duration = Duration::from_secs(2);
/// A standby not heard from for this long drops out of `sys/ha-status`.
const ECHO_EXPIRY: Duration = Duration::from_secs(15);
/// A standby whose echoes have not reached the active node for this long reports itself
/// unhealthy (`sys/health` 474): three missed heartbeats.
pub(crate) const HA_UNHEALTHY_AFTER: Duration = Duration::from_secs(6);

/// The standby side's record of its own heartbeats, for `sys/health`.
#[derive(Default)]
pub(crate) struct HeartbeatHealth {
    inner: Mutex<HealthMarks>,
}

#[derive(Default, Clone, Copy)]
struct HealthMarks {
    /// When this node last became an unsealed standby (`None` while it is not one).
    standby_since: Option<Instant>,
    /// When an echo last reached the active node while standby.
    last_ok: Option<Instant>,
}

impl HeartbeatHealth {
    fn update(&self, f: impl FnOnce(&mut HealthMarks)) {
        f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// This node is sealed or active: no standby health to report.
    fn not_standby(&self) {
        self.update(|m| *m = HealthMarks::default());
    }

    /// This node is an unsealed standby (starts the clock on its first tick as one).
    fn standby(&self) {
        self.update(|m| {
            m.standby_since.get_or_insert_with(Instant::now);
        });
    }

    /// An echo reached the active node.
    fn succeeded(&self) {
        self.update(|m| m.last_ok = Some(Instant::now()));
    }

    /// Whether the active node was reached recently, and how long ago; `None` when the
    /// node is not (yet) a standby according to the heartbeat loop.
    pub(crate) fn connection(&self) -> Option<arca_core::HaConnection> {
        let marks = *self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let since = marks.last_ok.or(marks.standby_since)?;
        let elapsed = since.elapsed();
        Some(arca_core::HaConnection {
            healthy: elapsed <= HA_UNHEALTHY_AFTER,
            last_heartbeat_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        })
    }
}

/// What the active node knows of one standby from its last echo.
#[derive(Debug, Clone)]
pub(crate) struct EchoRecord {
    pub(crate) node_id: String,
    pub(crate) api_addr: String,
    pub(crate) cluster_addr: String,
    pub(crate) hostname: String,
    pub(crate) version: String,
    /// Wall-clock time of the echo, for `last_echo`.
    pub(crate) at: SystemTime,
    /// Monotonic time of the echo, for expiry.
    seen: Instant,
    /// The term the active node was leading when the echo arrived.
    term: u64,
    pub(crate) echo_duration_ms: i64,
    pub(crate) clock_skew_ms: i64,
}

/// The active node's record of standby heartbeats, by node id.
#[derive(Default)]
pub(crate) struct EchoTable {
    inner: Mutex<HashMap<String, EchoRecord>>,
}

impl EchoTable {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, EchoRecord>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an echo received while leading `term`.
    pub(crate) fn record(&self, req: EchoRequest, term: u64) {
        let record = EchoRecord {
            node_id: req.node_id.clone(),
            api_addr: req.api_addr,
            cluster_addr: req.cluster_addr,
            hostname: req.hostname,
            version: req.version,
            at: SystemTime::now(),
            seen: Instant::now(),
            term,
            echo_duration_ms: req.echo_duration_ms,
            clock_skew_ms: req.clock_skew_ms,
        };
        self.lock().insert(req.node_id, record);
    }

    /// Standbys heard from during leadership `term` and recently, by node id. Echoes
    /// from an earlier term (this node led before) are not shown, as Vault lists the
    /// peers heard from "since it became active".
    pub(crate) fn recent(&self, term: u64) -> Vec<EchoRecord> {
        let mut out: Vec<EchoRecord> = self
            .lock()
            .values()
            .filter(|r| r.term == term && r.seen.elapsed() <= ECHO_EXPIRY)
            .cloned()
            .collect();
        out.sort_by(|a, b| a.node_id.cmp(&b.node_id));
        out
    }

    /// The last echo of `node_id`, whatever its age.
    pub(crate) fn get(&self, node_id: &str) -> Option<EchoRecord> {
        self.lock().get(node_id).cloned()
    }
}

impl EchoRecord {
    /// This standby as a node of `sys/ha-status`.
    pub(crate) fn ha_node(&self) -> HaNode {
        HaNode {
            hostname: self.hostname.clone(),
            api_address: self.api_addr.clone(),
            cluster_address: self.cluster_addr.clone(),
            active_node: false,
            last_echo: Some(rfc3339(self.at)),
            version: self.version.clone(),
            upgrade_version: self.version.clone(),
            redundancy_zone: String::new(),
            echo_duration_ms: self.echo_duration_ms,
            clock_skew_ms: self.clock_skew_ms,
            replication_primary_canary_age_ms: 0,
        }
    }
}

/// RFC 3339 with sub-second precision, as Go's `time.Time` JSON.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The current time in Unix milliseconds (the active node's half of the skew estimate).
pub(crate) fn now_unix_ms() -> i64 {
    unix_ms(SystemTime::now())
}

/// This machine's host name (`sys/ha-status`), or `fallback` when unknown.
pub(crate) fn hostname(fallback: &str) -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| fallback.to_string())
}

/// Sends echoes while this node is an unsealed standby, until `stop` turns true, and
/// records in `health` whether they get through.
pub(crate) async fn run(
    node: Arc<RaftNode>,
    network: ClusterNetwork,
    core: Arc<Core>,
    health: Arc<HeartbeatHealth>,
    mut stop: watch::Receiver<bool>,
) {
    let me = node.node().clone();
    let host = hostname(&me.node_id);
    let (mut rtt_ms, mut skew_ms) = (0i64, 0i64);
    let mut tick = tokio::time::interval(ECHO_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        if core.is_sealed() || node.is_leader() {
            health.not_standby();
            continue;
        }
        health.standby();
        let Some((leader_id, leader)) = node.leader().filter(|(id, _)| *id != node.id()) else {
            continue;
        };
        let mut client = match network.client(leader_id, &leader) {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!(error = %e, "heartbeat: cannot dial the active node");
                continue;
            }
        };
        let applied_index = node
            .metrics()
            .borrow()
            .last_applied
            .map(|l| l.index)
            .unwrap_or(0);
        let req = EchoRequest {
            node_id: me.node_id.clone(),
            api_addr: me.api_addr.clone(),
            cluster_addr: me.cluster_addr.clone(),
            applied_index,
            hostname: host.clone(),
            version: VAULT_COMPAT_VERSION.to_string(),
            echo_duration_ms: rtt_ms,
            clock_skew_ms: skew_ms,
        };
        let sent = Instant::now();
        let sent_ms = now_unix_ms();
        match tokio::time::timeout(ECHO_INTERVAL, client.echo(req)).await {
            Ok(Ok(reply)) => {
                health.succeeded();
                let rtt = i64::try_from(sent.elapsed().as_millis()).unwrap_or(i64::MAX);
                rtt_ms = rtt;
                // Our clock at the moment the active node read its own, minus its.
                skew_ms = sent_ms + rtt / 2 - reply.get_ref().now_unix_ms;
            }
            Ok(Err(status)) => {
                tracing::debug!(error = %status.message(), "heartbeat refused by the active node")
            }
            Err(_) => tracing::debug!("heartbeat: the active node did not answer in time"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo(node: &str) -> EchoRequest {
        EchoRequest {
            node_id: node.into(),
            api_addr: format!("http://{node}:8200"),
            cluster_addr: format!("http://{node}:8201"),
            hostname: "host".into(),
            version: "1.15.6".into(),
            echo_duration_ms: 3,
            clock_skew_ms: -1,
            ..Default::default()
        }
    }

    #[test]
    fn table_lists_this_terms_echoes_by_node() {
        let t = EchoTable::default();
        t.record(echo("b"), 5);
        t.record(echo("a"), 5);
        t.record(echo("old"), 4);
        let names: Vec<String> = t.recent(5).into_iter().map(|r| r.node_id).collect();
        assert_eq!(names, vec!["a".to_string(), "b".into()]);
        assert!(t.recent(6).is_empty());
        let n = t.get("a").unwrap().ha_node();
        assert!(!n.active_node);
        assert_eq!(n.api_address, "http://a:8200");
        assert_eq!((n.echo_duration_ms, n.clock_skew_ms), (3, -1));
        let echoed = n.last_echo.unwrap();
        assert!(OffsetDateTime::parse(&echoed, &Rfc3339).is_ok(), "{echoed}");
    }

    #[test]
    fn standby_health_follows_the_heartbeats() {
        let h = HeartbeatHealth::default();
        assert_eq!(h.connection(), None, "not a standby yet");
        h.standby();
        let c = h.connection().unwrap();
        assert!(c.healthy, "a new standby gets a grace period");
        // Pretend the node became a standby long ago and never got through.
        h.update(|m| m.standby_since = Instant::now().checked_sub(HA_UNHEALTHY_AFTER * 2));
        let c = h.connection().unwrap();
        assert!(!c.healthy);
        assert!(c.last_heartbeat_ms >= HA_UNHEALTHY_AFTER.as_millis() as u64);
        h.succeeded();
        assert!(h.connection().unwrap().healthy);
        h.not_standby();
        assert_eq!(h.connection(), None);
    }

    #[test]
    fn rfc3339_of_the_epoch() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(unix_ms(UNIX_EPOCH + Duration::from_millis(1500)), 1500);
    }
}
