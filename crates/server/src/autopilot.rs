//! Autopilot on the active node: judges each server's health from raft (last contact on
//! the cluster port, replication progress), promotes non-voters once they have been
//! healthy for `server_stabilization_time`, and with `cleanup_dead_servers` removes
//! servers out of contact for `dead_server_last_contact_threshold` while at least
//! `min_quorum` voters remain. It also answers `sys/storage/raft/autopilot/state`.
//!
//! New nodes join as non-voters (see `cluster_info`), so promotion is how a joining
//! voter gets its vote: only after it proved it keeps up.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime},
};

use arca_core::{
    Core,
    autopilot::{AutopilotConfig, AutopilotServer, AutopilotState, go_duration},
    raft_control::address_without_scheme,
    version::VAULT_COMPAT_VERSION,
};
use arca_raft::{ClusterNetwork, NodeId, RaftNode};
use tokio::sync::watch;

use crate::heartbeat::{EchoTable, rfc3339};

/// How often the worker evaluates the cluster.
const TICK: Duration = Duration::from_secs(1);

/// A membership change autopilot decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Make this non-voter a voter.
    Promote(String),
    /// Remove this dead server.
    Remove(String),
}

/// Health history of one server during the current leadership.
#[derive(Debug, Clone)]
struct Track {
    healthy: bool,
    since: Instant,
    since_wall: SystemTime,
    /// When this leadership first saw the server (the start of "no contact yet").
    first_seen: Instant,
}

/// What autopilot remembers; reset whenever this node starts a new leadership term.
#[derive(Debug)]
struct Tracker {
    term: u64,
    servers: HashMap<NodeId, Track>,
}

/// One server as observed right now (the inputs of the judgement, kept separate from
/// raft so the rules can be tested alone).
#[derive(Debug, Clone)]
struct Observed {
    id: NodeId,
    name: String,
    address: String,
    leader: bool,
    voter: bool,
    /// Joined as a non-voter on purpose: never promoted.
    stays_non_voter: bool,
    /// Time since the leader last heard from it.
    contact_age: Duration,
    /// (term, index) of the last entry replicated to it.
    matched: Option<(u64, u64)>,
    version: String,
}

/// Autopilot of one node (idle unless it leads).
pub(crate) struct Autopilot {
    node: Arc<RaftNode>,
    network: ClusterNetwork,
    echoes: Arc<EchoTable>,
    tracker: Mutex<Option<Tracker>>,
}

impl Autopilot {
    pub(crate) fn new(
        node: Arc<RaftNode>,
        network: ClusterNetwork,
        echoes: Arc<EchoTable>,
    ) -> Self {
        Autopilot {
            node,
            network,
            echoes,
            tracker: Mutex::new(None),
        }
    }

    /// The cluster's state under `config` and the changes to make; `None` unless this
    /// node leads.
    pub(crate) fn evaluate(
        &self,
        config: &AutopilotConfig,
    ) -> Option<(AutopilotState, Vec<Action>)> {
        let progress = self.node.progress()?;
        let membership = self.node.membership();
        let now = Instant::now();
        let mut guard = self.tracker.lock().unwrap_or_else(|p| p.into_inner());
        if guard.as_ref().is_none_or(|t| t.term != progress.term) {
            *guard = Some(Tracker {
                term: progress.term,
                servers: HashMap::new(),
            });
        }
        let tracker = guard.as_mut()?;
        let me = self.node.id();
        let observed: Vec<Observed> = membership
            .members
            .iter()
            .map(|m| {
                let id = m.node.raft_id();
                let leader = id == me;
                let contact = self.network.last_contact(id);
                let first_seen = tracker.servers.get(&id).map_or(now, |t| t.first_seen);
                let contact_age = match contact {
                    _ if leader => Duration::ZERO,
                    Some(at) => now.saturating_duration_since(at),
                    None => now.saturating_duration_since(first_seen),
                };
                let matched = if leader {
                    Some((progress.term, progress.last_log_index))
                } else {
                    progress.matched.get(&id).copied().flatten()
                };
                let version = if leader {
                    VAULT_COMPAT_VERSION.to_string()
                } else {
                    self.echoes
                        .get(&m.node.node_id)
                        .map(|e| e.version)
                        .unwrap_or_default()
                };
                Observed {
                    id,
                    name: m.node.node_id.clone(),
                    address: address_without_scheme(&m.node.cluster_addr),
                    leader,
                    voter: m.voter,
                    stays_non_voter: m.node.non_voter,
                    contact_age,
                    matched,
                    version,
                }
            })
            .collect();
        Some(judge(
            config,
            progress.term,
            progress.last_log_index,
            &observed,
            tracker,
            now,
        ))
    }

    /// The worker: on the unsealed leader, evaluates every [`TICK`] and makes at most one
    /// membership change per tick (raft allows one at a time), until `stop` turns true.
    pub(crate) async fn run(self: Arc<Self>, core: Arc<Core>, mut stop: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            if !self.node.is_leader() || core.is_sealed() {
                continue;
            }
            let config = match core.autopilot_config().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::debug!(error = %e, "autopilot: cannot read its configuration");
                    continue;
                }
            };
            let Some((_, actions)) = self.evaluate(&config) else {
                continue;
            };
            if let Some(action) = actions.into_iter().next() {
                let done = match &action {
                    Action::Promote(name) => self.node.promote(name).await.map(|_| ()),
                    Action::Remove(name) => {
                        tracing::warn!(node = %name, "autopilot: removing a dead server");
                        self.node.remove_member(name).await.map(|_| ())
                    }
                };
                if let Err(e) = done {
                    tracing::warn!(?action, error = %e, "autopilot: membership change failed");
                }
            }
        }
    }
}

/// Autopilot's rules, applied to what was observed; updates each server's health history.
fn judge(
    config: &AutopilotConfig,
    term: u64,
    last_index: u64,
    observed: &[Observed],
    tracker: &mut Tracker,
    now: Instant,
) -> (AutopilotState, Vec<Action>) {
    let mut servers = BTreeMap::new();
    let mut promote = Vec::new();
    let mut dead = Vec::new();
    let mut voters = Vec::new();
    let mut non_voters = Vec::new();
    let mut leader = String::new();
    let mut healthy_voters = 0u64;
    tracker
        .servers
        .retain(|id, _| observed.iter().any(|o| o.id == *id));
    for o in observed {
        let (last_term, last_index_of) = o.matched.unwrap_or((0, 0));
        let healthy = o.leader
            || (o.contact_age <= config.last_contact_threshold
                && o.matched.is_some()
                && last_term == term
                && last_index.saturating_sub(last_index_of) <= config.max_trailing_logs);
        let track = tracker.servers.entry(o.id).or_insert(Track {
            healthy,
            since: now,
            since_wall: SystemTime::now(),
            first_seen: now,
        });
        if track.healthy != healthy {
            track.healthy = healthy;
            track.since = now;
            track.since_wall = SystemTime::now();
        }
        let is_dead = !o.leader && o.contact_age > config.dead_server_last_contact_threshold;
        let status = if o.leader {
            leader = o.name.clone();
            "leader"
        } else if o.voter {
            "voter"
        } else {
            "non-voter"
        };
        if o.voter {
            voters.push(o.name.clone());
            healthy_voters += u64::from(healthy);
        } else {
            non_voters.push(o.name.clone());
            let stable = now.saturating_duration_since(track.since);
            if healthy && !o.stays_non_voter && stable >= config.server_stabilization_time {
                promote.push(Action::Promote(o.name.clone()));
            }
        }
        if is_dead {
            dead.push((o.name.clone(), o.voter));
        }
        servers.insert(
            o.name.clone(),
            AutopilotServer {
                id: o.name.clone(),
                name: o.name.clone(),
                address: o.address.clone(),
                node_status: if is_dead { "left" } else { "alive" }.into(),
                last_contact: go_duration(o.contact_age),
                last_term,
                last_index: last_index_of,
                healthy,
                stable_since: rfc3339(track.since_wall),
                status: status.into(),
                node_type: if o.voter { "voter" } else { "non-voter" }.into(),
                version: o.version.clone(),
            },
        );
    }
    voters.sort();
    non_voters.sort();
    let voter_count = voters.len() as u64;
    let quorum = voter_count / 2 + 1;
    let mut actions = Vec::new();
    if config.cleanup_dead_servers {
        let mut remaining = voter_count;
        for (name, voter) in dead {
            if !voter {
                actions.push(Action::Remove(name));
            } else if remaining > config.min_quorum {
                remaining -= 1;
                actions.push(Action::Remove(name));
            }
        }
    }
    actions.extend(promote);
    let state = AutopilotState {
        healthy: servers.values().all(|s| s.healthy),
        failure_tolerance: healthy_voters.saturating_sub(quorum),
        leader,
        voters,
        non_voters,
        servers,
    };
    (state, actions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(name: &str, voter: bool, age_s: u64, matched: Option<(u64, u64)>) -> Observed {
        Observed {
            id: arca_raft::node_id_from_name(name),
            name: name.into(),
            address: format!("{name}:8201"),
            leader: false,
            voter,
            stays_non_voter: false,
            contact_age: Duration::from_secs(age_s),
            matched,
            version: "1.15.6".into(),
        }
    }

    fn leader(name: &str) -> Observed {
        Observed {
            leader: true,
            ..obs(name, true, 0, Some((3, 100)))
        }
    }

    fn tracker() -> Tracker {
        Tracker {
            term: 3,
            servers: HashMap::new(),
        }
    }

    fn config() -> AutopilotConfig {
        AutopilotConfig {
            server_stabilization_time: Duration::from_secs(10),
            max_trailing_logs: 50,
            ..AutopilotConfig::default()
        }
    }

    #[test]
    fn non_voters_are_promoted_once_stable_and_healthy() {
        let t0 = Instant::now();
        let mut tr = tracker();
        let cluster = vec![
            leader("a"),
            obs("b", true, 0, Some((3, 100))),
            obs("c", false, 0, Some((3, 99))),
            Observed {
                stays_non_voter: true,
                ..obs("d", false, 0, Some((3, 100)))
            },
            // Far behind: unhealthy, never promoted.
            obs("e", false, 0, Some((3, 1))),
        ];
        let (state, actions) = judge(&config(), 3, 100, &cluster, &mut tr, t0);
        assert!(actions.is_empty(), "{actions:?}");
        assert_eq!(state.leader, "a");
        assert_eq!(state.voters, vec!["a", "b"]);
        assert_eq!(state.non_voters, vec!["c", "d", "e"]);
        assert!(!state.healthy);
        assert!(!state.servers["e"].healthy);
        assert_eq!(state.servers["a"].status, "leader");
        assert_eq!(state.servers["c"].status, "non-voter");
        assert_eq!(state.servers["c"].last_contact, "0s");
        // Two voters, both healthy: quorum 2, no failure tolerated.
        assert_eq!(state.failure_tolerance, 0);

        let later = t0 + Duration::from_secs(11);
        let (_, actions) = judge(&config(), 3, 100, &cluster, &mut tr, later);
        assert_eq!(actions, vec![Action::Promote("c".into())]);
    }

    #[test]
    fn losing_contact_restarts_stabilization() {
        let t0 = Instant::now();
        let mut tr = tracker();
        let healthy = vec![leader("a"), obs("c", false, 1, Some((3, 100)))];
        let lost = vec![leader("a"), obs("c", false, 11, Some((3, 100)))];
        judge(&config(), 3, 100, &healthy, &mut tr, t0);
        let (state, _) = judge(
            &config(),
            3,
            100,
            &lost,
            &mut tr,
            t0 + Duration::from_secs(5),
        );
        assert!(!state.servers["c"].healthy);
        let (_, actions) = judge(
            &config(),
            3,
            100,
            &healthy,
            &mut tr,
            t0 + Duration::from_secs(12),
        );
        assert!(actions.is_empty(), "healthy again only since t0+12s");
        let (_, actions) = judge(
            &config(),
            3,
            100,
            &healthy,
            &mut tr,
            t0 + Duration::from_secs(23),
        );
        assert_eq!(actions, vec![Action::Promote("c".into())]);
    }

    #[test]
    fn dead_servers_are_removed_only_above_min_quorum() {
        let t0 = Instant::now();
        let cfg = AutopilotConfig {
            cleanup_dead_servers: true,
            dead_server_last_contact_threshold: Duration::from_secs(60),
            min_quorum: 3,
            ..config()
        };
        let four = vec![
            leader("a"),
            obs("b", true, 0, Some((3, 100))),
            obs("c", true, 0, Some((3, 100))),
            obs("d", true, 61, Some((3, 50))),
            obs("x", false, 300, None),
        ];
        let (state, actions) = judge(&cfg, 3, 100, &four, &mut tracker(), t0);
        assert_eq!(
            actions,
            vec![Action::Remove("d".into()), Action::Remove("x".into())]
        );
        assert_eq!(state.servers["d"].node_status, "left");
        assert_eq!(state.servers["b"].node_status, "alive");
        // Four voters, three healthy: quorum 3, tolerance 0.
        assert_eq!(state.failure_tolerance, 0);
        // With three voters, min_quorum 3 keeps the dead one.
        let three = &four[..4];
        let three: Vec<Observed> = three.iter().filter(|o| o.name != "c").cloned().collect();
        let (_, actions) = judge(&cfg, 3, 100, &three, &mut tracker(), t0);
        assert!(actions.is_empty(), "{actions:?}");
        // And nothing is removed when cleanup is off.
        let (_, actions) = judge(&config(), 3, 100, &four, &mut tracker(), t0);
        assert!(actions.is_empty());
    }
}
