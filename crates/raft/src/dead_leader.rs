//! Faster failover when the leader's process is gone.
//!
//! Openraft 0.9 lets a follower campaign only once the leader lease (the election
//! timeout's maximum) *and* its own randomised timeout have passed without word from the
//! leader, checked on ticks of 1.5 heartbeats: 1.0–1.5 s at the default multiplier. Until
//! the lease has passed nothing can be done (the other followers refuse to vote), but
//! the random timeout and the tick only exist to spread the candidates of a cluster that
//! cannot tell a dead leader from a slow one.
//!
//! A follower often can tell: when the leader has been silent for two heartbeats, it
//! dials the leader's cluster port, and a refused connection (nothing listens there: the
//! process died or is restarting) means the leader is gone. It then starts an election
//! itself as soon as its lease has run out, the surviving voters one after another in the
//! order of their ids, a heartbeat apart, so they do not split the vote. A leader that is
//! merely slow, paused, partitioned (no answer, unreachable host) or sealed (the port
//! accepts and then refuses TLS) is left to the ordinary timers. Raft's safety does not
//! depend on when elections start; this only starts one earlier than the random timeout
//! would, and never while the lease that protects the leader's reads still holds.

use std::{
    io,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use openraft::ServerState;
use tokio::{net::TcpStream, time::Instant};

use crate::{
    node::RaftTiming,
    types::{NodeId, Raft},
};

/// Longest a probe of the leader's cluster port may take (a refusal is immediate).
const PROBE_TIMEOUT: Duration = Duration::from_millis(300);

/// When this node last heard from a leader (an AppendEntries it did not refuse as stale),
/// recorded by the cluster service.
#[derive(Clone, Default)]
pub(crate) struct LeaderContact(Arc<Mutex<Option<Instant>>>);

impl LeaderContact {
    /// Records a message from the current leader.
    pub(crate) fn heard(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }

    fn last(&self) -> Option<Instant> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a probe of the leader's cluster port found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    /// Nothing listens there: the leader's process is gone.
    Refused,
    /// Anything else (accepted, timed out, unreachable): no conclusion.
    Inconclusive,
}

/// Dials `cluster_addr` (`https://host:port`, `http://host:port` or `host:port`).
async fn probe(cluster_addr: &str) -> Probe {
    let host_port = cluster_addr
        .strip_prefix("https://")
        .or_else(|| cluster_addr.strip_prefix("http://"))
        .unwrap_or(cluster_addr)
        .trim_end_matches('/');
    match tokio::time::timeout(PROBE_TIMEOUT, TcpStream::connect(host_port)).await {
        Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => Probe::Refused,
        _ => Probe::Inconclusive,
    }
}

/// When a voter at position `rank` among the surviving voters (ordered by id) may start
/// an election, given the last contact with a leader that is gone: after the lease,
/// plus half a heartbeat of margin for the other voters' later contact, plus one
/// heartbeat per voter before it.
fn campaign_at(last_contact: Instant, rank: u32, timing: &RaftTiming) -> Instant {
    last_contact
        + timing.election_timeout_max
        + timing.heartbeat_interval / 2
        + timing.heartbeat_interval * rank
}

/// This node's position among the voters other than `leader`, by id; `None` when it is
/// not one of them.
fn rank_among(voters: impl Iterator<Item = NodeId>, leader: NodeId, me: NodeId) -> Option<u32> {
    let mut others: Vec<NodeId> = voters.filter(|v| *v != leader).collect();
    others.sort_unstable();
    others
        .iter()
        .position(|v| *v == me)
        .and_then(|p| u32::try_from(p).ok())
}

/// The leader this follower suspects, and what it found.
struct Suspect {
    leader: NodeId,
    term: u64,
    /// The contact the verdict is about: newer contact clears it.
    contact: Instant,
    probe: Probe,
    /// When the leader was probed (an inconclusive probe is repeated a heartbeat later).
    probed: Instant,
    /// Whether this node already started an election for it.
    elected: bool,
}

/// Runs the watch until raft shuts down: every half heartbeat, a follower whose leader
/// is overdue probes it and campaigns once the leader is known gone and its turn came.
/// `isolated` is true while the node cannot reach its peers (sealed): no campaign then.
pub(crate) fn spawn(
    raft: Raft,
    me: NodeId,
    timing: RaftTiming,
    contact: LeaderContact,
    isolated: Arc<AtomicBool>,
) {
    tokio::spawn(async move {
        let metrics = raft.metrics();
        let mut suspect: Option<Suspect> = None;
        loop {
            tokio::time::sleep(timing.heartbeat_interval / 2).await;
            if metrics.has_changed().is_err() {
                return; // raft shut down
            }
            let (follower, term, leader, leader_addr, rank) = {
                let m = metrics.borrow();
                let leader = m.current_leader;
                let addr = leader.and_then(|l| {
                    m.membership_config
                        .membership()
                        .get_node(&l)
                        .map(|n| n.cluster_addr.clone())
                });
                let rank = leader
                    .and_then(|l| rank_among(m.membership_config.membership().voter_ids(), l, me));
                (
                    m.state == ServerState::Follower,
                    m.current_term,
                    leader,
                    addr,
                    rank,
                )
            };
            let (Some(leader), Some(addr), Some(rank), Some(last)) =
                (leader, leader_addr, rank, contact.last())
            else {
                suspect = None;
                continue;
            };
            let now = Instant::now();
            let overdue = now.saturating_duration_since(last) >= timing.heartbeat_interval * 2;
            if !follower || leader == me || isolated.load(Ordering::SeqCst) || !overdue {
                suspect = None;
                continue;
            }
            let stale = suspect
                .as_ref()
                .is_none_or(|s| s.leader != leader || s.term != term || s.contact != last);
            let reprobe = suspect.as_ref().is_some_and(|s| {
                s.probe == Probe::Inconclusive
                    && now.saturating_duration_since(s.probed) >= timing.heartbeat_interval
            });
            if stale || reprobe {
                let found = probe(&addr).await;
                if found == Probe::Refused && suspect.as_ref().is_none_or(|s| s.probe != found) {
                    tracing::info!(
                        leader,
                        "the leader's cluster port refuses connections: its process is gone"
                    );
                }
                suspect = Some(Suspect {
                    leader,
                    term,
                    contact: last,
                    probe: found,
                    probed: Instant::now(),
                    elected: false,
                });
            }
            let Some(s) = suspect.as_mut() else { continue };
            if s.probe != Probe::Refused
                || s.elected
                || Instant::now() < campaign_at(last, rank, &timing)
            {
                continue;
            }
            s.elected = true;
            tracing::info!(
                leader,
                term,
                "the leader is gone and its lease ran out: starting an election"
            );
            if let Err(e) = raft.trigger().elect().await {
                tracing::warn!(error = %e, "cannot start an election");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voters_campaign_in_turn_after_the_lease() {
        let timing = RaftTiming::with_multiplier(2);
        let t0 = Instant::now();
        assert_eq!(campaign_at(t0, 0, &timing), t0 + Duration::from_millis(700));
        assert_eq!(campaign_at(t0, 1, &timing), t0 + Duration::from_millis(900));
        // Never before the lease (the election timeout's maximum) has passed.
        assert!(campaign_at(t0, 0, &timing) > t0 + timing.election_timeout_max);
        assert_eq!(rank_among([9, 3, 5].into_iter(), 3, 9), Some(1));
        assert_eq!(rank_among([9, 3, 5].into_iter(), 3, 5), Some(0));
        assert_eq!(rank_among([9, 3, 5].into_iter(), 3, 3), None);
        assert_eq!(rank_among([9, 3].into_iter(), 3, 7), None, "not a voter");
    }

    #[tokio::test]
    async fn only_a_refused_connection_means_the_leader_is_gone() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        assert_eq!(probe(&format!("https://{open}")).await, Probe::Inconclusive);
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        assert_eq!(probe(&format!("http://{closed}/")).await, Probe::Refused);
        assert_eq!(probe(&closed.to_string()).await, Probe::Refused);
        assert_eq!(
            probe("no-such-host.invalid:8201").await,
            Probe::Inconclusive
        );
    }
}
