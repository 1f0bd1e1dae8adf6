//! Check-quorum: a leader that has not heard from a quorum for a while stops being the
//! active node.
//!
//! Openraft 0.9 has no check-quorum: a leader cut off from its followers (or whose
//! followers died) stays leader in its own eyes until it hears of a higher term, which
//! may be never. Vault's raft leader steps down once it has lost contact with a quorum
//! for its leader lease. Arca does the same one level up: raft keeps its state (a real
//! step-down would need an election, and a cut-off node's elections only raise its term,
//! which deposes the healthy leader when the partition heals), but [`RaftNode::is_leader`]
//! turns false, so the node answers as a standby, new requests are not served, and
//! writes in flight fail instead of waiting for a commit that cannot come.
//!
//! The evidence is openraft's `millis_since_quorum_ack`: for a leader, the age of the
//! newest send time that a quorum has acknowledged (AppendEntries replies, heartbeats
//! included). Openraft computes it only when it publishes metrics, at least once per tick
//! (1.5 heartbeats) while it runs; a watcher task records when it saw each value, so the
//! age keeps growing even if raft stops publishing (a paused or stuck process). A new
//! leader has no acknowledgement yet; the time it became leader counts as its last
//! contact.
//!
//! [`RaftNode::is_leader`]: crate::RaftNode::is_leader

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use openraft::ServerState;
use tokio::{sync::watch, time::Instant};

use crate::types::{Metrics, NodeId};

/// One leadership as seen by the watcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Leading {
    /// The term this node leads.
    term: u64,
    /// When the watcher first saw this node leading `term`.
    since: Instant,
    /// The newest instant a quorum is known to have acknowledged.
    acked: Option<Instant>,
}

impl Leading {
    /// The last moment the leader is known to have had a quorum behind it.
    fn last_contact(&self) -> Instant {
        self.acked.map_or(self.since, |a| a.max(self.since))
    }
}

/// The leader's quorum contact, shared by the node and its watcher task.
pub(crate) struct QuorumCheck {
    /// How long without a quorum's acknowledgement before the leader is no longer active.
    timeout: Duration,
    leading: Mutex<Option<Leading>>,
    /// True while this node leads without a quorum (for waiters, see [`Self::lost`]).
    lost: watch::Sender<bool>,
}

impl QuorumCheck {
    /// A check with the given timeout; nothing is led yet.
    pub(crate) fn new(timeout: Duration) -> Arc<Self> {
        let (lost, _) = watch::channel(false);
        Arc::new(Self {
            timeout,
            leading: Mutex::new(None),
            lost,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Leading>> {
        self.leading.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records what one metrics update says about this node's leadership, seen at `now`.
    fn observe(
        &self,
        id: NodeId,
        leader: bool,
        term: u64,
        leader_id: Option<NodeId>,
        ack_ms: Option<u64>,
        now: Instant,
    ) {
        let mut leading = self.lock();
        if !leader || leader_id != Some(id) {
            *leading = None;
            return;
        }
        let mut l = match *leading {
            Some(l) if l.term == term => l,
            _ => Leading {
                term,
                since: now,
                acked: None,
            },
        };
        if let Some(at) = ack_ms.and_then(|ms| now.checked_sub(Duration::from_millis(ms))) {
            l.acked = Some(l.acked.map_or(at, |prev| prev.max(at)));
        }
        *leading = Some(l);
    }

    /// How long this node has led without a quorum's acknowledgement, when that is longer
    /// than the timeout; `None` when it is not leading or its quorum is recent enough.
    pub(crate) fn lost_for(&self, now: Instant) -> Option<Duration> {
        let l = (*self.lock())?;
        let silent = now.saturating_duration_since(l.last_contact());
        (silent > self.timeout).then_some(silent)
    }

    /// When the current leadership's quorum contact runs out, if it has not yet.
    fn deadline(&self, now: Instant) -> Option<Instant> {
        let l = (*self.lock())?;
        let at = l.last_contact() + self.timeout;
        (at >= now).then_some(at)
    }

    /// Publishes the current verdict to waiters, logging changes.
    fn publish(&self, now: Instant) {
        let lost = self.lost_for(now);
        self.lost.send_if_modified(|v| {
            if *v == lost.is_some() {
                return false;
            }
            *v = lost.is_some();
            match lost {
                Some(d) => tracing::warn!(
                    silent_ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
                    "the raft leader lost contact with a quorum: no longer the active node"
                ),
                None => tracing::info!("the raft leader has a quorum again"),
            }
            true
        });
    }

    /// A receiver that turns true while this node leads without a quorum.
    pub(crate) fn lost(&self) -> watch::Receiver<bool> {
        self.lost.subscribe()
    }

    /// Follows `metrics` until raft shuts down (its metrics channel closes), and wakes up
    /// when the current quorum contact runs out, so waiters learn of the loss even when
    /// raft publishes nothing.
    pub(crate) fn spawn_watch(self: &Arc<Self>, id: NodeId, mut metrics: watch::Receiver<Metrics>) {
        let check = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                let deadline = check.deadline(Instant::now());
                let expired = async {
                    match deadline {
                        Some(at) => tokio::time::sleep_until(at + Duration::from_millis(1)).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    changed = metrics.changed() => {
                        if changed.is_err() {
                            check.lock().take();
                            check.publish(Instant::now());
                            return;
                        }
                        let (leader, term, leader_id, ack) = {
                            let m = metrics.borrow_and_update();
                            (
                                m.state == ServerState::Leader,
                                m.current_term,
                                m.current_leader,
                                m.millis_since_quorum_ack,
                            )
                        };
                        check.observe(id, leader, term, leader_id, ack, Instant::now());
                    }
                    _ = expired => {}
                }
                check.publish(Instant::now());
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: NodeId = 1;
    const T: Duration = Duration::from_millis(1000);

    #[test]
    fn a_leader_without_acks_for_longer_than_the_timeout_has_lost_its_quorum() {
        let q = QuorumCheck::new(T);
        let t0 = Instant::now();
        // Not leading: nothing to lose.
        q.observe(ME, false, 3, Some(2), None, t0);
        assert_eq!(q.lost_for(t0 + T * 5), None);
        // A new leader gets the timeout from the moment it was seen leading.
        q.observe(ME, true, 4, Some(ME), None, t0);
        assert_eq!(q.lost_for(t0 + T), None);
        assert_eq!(q.lost_for(t0 + T * 2), Some(T * 2));
        assert_eq!(q.deadline(t0), Some(t0 + T));
        assert_eq!(q.deadline(t0 + T * 2), None, "already expired");
        // A quorum acknowledgement (reported 200 ms old) moves the contact forward.
        q.observe(ME, true, 4, Some(ME), Some(200), t0 + T * 2);
        let contact = t0 + T * 2 - Duration::from_millis(200);
        assert_eq!(q.lost_for(contact + T), None);
        assert_eq!(q.lost_for(contact + T * 3), Some(T * 3));
        // An older report never moves it back.
        q.observe(ME, true, 4, Some(ME), Some(900), t0 + T * 2);
        assert_eq!(q.lost_for(contact + T), None);
    }

    #[test]
    fn a_new_term_or_a_lost_leadership_starts_over() {
        let q = QuorumCheck::new(T);
        let t0 = Instant::now();
        q.observe(ME, true, 4, Some(ME), Some(0), t0);
        assert!(q.lost_for(t0 + T * 3).is_some());
        // Leading again in a later term: the clock restarts then.
        q.observe(ME, true, 5, Some(ME), None, t0 + T * 3);
        assert_eq!(q.lost_for(t0 + T * 3 + T / 2), None);
        // Following another leader: never "lost".
        q.observe(ME, false, 6, Some(2), None, t0 + T * 4);
        assert_eq!(q.lost_for(t0 + T * 10), None);
        assert_eq!(q.deadline(t0), None);
    }

    #[test]
    fn waiters_learn_of_the_loss_and_the_recovery() {
        let q = QuorumCheck::new(T);
        let rx = q.lost();
        let t0 = Instant::now();
        q.observe(ME, true, 4, Some(ME), Some(0), t0);
        q.publish(t0 + T / 2);
        assert!(!*rx.borrow());
        q.publish(t0 + T * 2);
        assert!(*rx.borrow());
        q.observe(ME, true, 4, Some(ME), Some(0), t0 + T * 2);
        q.publish(t0 + T * 2);
        assert!(!*rx.borrow());
    }
}
