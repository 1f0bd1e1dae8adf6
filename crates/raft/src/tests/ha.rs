//! HA operations on three nodes over the real network: leadership hand-over
//! (step-down), contact tracking and promotion for autopilot, and a snapshot restore
//! replicated to every node.

use arca_storage::Physical;

use super::support::*;
use crate::{NodeId, RaftError, RaftNode};

/// Starts three voters and returns them with the index of the leader.
pub(super) async fn three() -> (tempfile::TempDir, Vec<Served>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut listeners = Vec::new();
    let mut members = Vec::new();
    for name in ["n1", "n2", "n3"] {
        let (l, n) = bind(name).await;
        listeners.push(l);
        members.push(n);
    }
    let mut nodes = Vec::new();
    for (l, me) in listeners.into_iter().zip(&members) {
        nodes.push(serve(dir.path(), l, me, timing()).await);
    }
    nodes[0].node.initialize(members).await.unwrap();
    let leader = leader_of(&nodes, None).await;
    let li = nodes.iter().position(|s| s.node.id() == leader).unwrap();
    (dir, nodes, li)
}

/// Waits until every node knows the same leader, other than `not`.
pub(super) async fn leader_of(nodes: &[Served], not: Option<NodeId>) -> NodeId {
    let first = nodes[0]
        .node
        .raft()
        .wait(Some(WAIT))
        .metrics(
            |m| m.current_leader.is_some() && m.current_leader != not,
            "a leader",
        )
        .await
        .unwrap()
        .current_leader
        .unwrap();
    for s in &nodes[1..] {
        s.node
            .raft()
            .wait(Some(WAIT))
            .current_leader(first, "the same leader")
            .await
            .unwrap();
    }
    first
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_down_hands_leadership_to_another_voter() {
    let (_dir, mut nodes, li) = three().await;
    let old = nodes[li].node.id();
    nodes[li].node.commit(put("k", b"1")).await.unwrap();
    let written = last_applied(&nodes[li].node).await;

    // Only the leader can step down.
    let follower = (li + 1) % 3;
    let err = nodes[follower]
        .node
        .step_down(&nodes[follower].network, WAIT)
        .await
        .unwrap_err();
    assert!(matches!(err, RaftError::NotLeader { .. }), "{err:?}");

    let new = nodes[li]
        .node
        .step_down(&nodes[li].network, WAIT)
        .await
        .unwrap()
        .expect("another voter took over");
    assert_ne!(new, old);
    assert_eq!(leader_of(&nodes, Some(old)).await, new);
    assert!(!nodes[li].node.is_leader());
    let ni = nodes.iter().position(|s| s.node.id() == new).unwrap();
    // The new leader has everything and takes writes; the old one follows it. (Its
    // state machine may apply the entries a moment after it wins the election.)
    wait_applied(&nodes[ni].node, written).await;
    assert_eq!(nodes[ni].node.get("k").await.unwrap(), Some(b"1".to_vec()));
    nodes[ni].node.commit(put("k", b"2")).await.unwrap();
    let at = last_applied(&nodes[ni].node).await;
    wait_applied(&nodes[li].node, at).await;
    assert_eq!(nodes[li].node.get("k").await.unwrap(), Some(b"2".to_vec()));
    for s in &mut nodes {
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lone_voter_stays_leader_on_step_down() {
    let dir = tempfile::tempdir().unwrap();
    let (l, me) = bind("solo").await;
    let mut s = serve(dir.path(), l, &me, timing()).await;
    s.node.initialize_single().await.unwrap();
    wait_leader_self(&s.node).await;
    assert_eq!(s.node.step_down(&s.network, WAIT).await.unwrap(), None);
    assert!(s.node.is_leader());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_tracks_contact_and_progress_and_promotes() {
    let dir = tempfile::tempdir().unwrap();
    let (l1, n1) = bind("p1").await;
    let (l2, n2) = bind("p2").await;
    let mut a = serve(dir.path(), l1, &n1, timing()).await;
    let mut b = serve(dir.path(), l2, &n2, timing()).await;
    a.node.initialize_single().await.unwrap();
    wait_leader_self(&a.node).await;
    assert!(
        b.node.progress().is_none(),
        "only a leader reports progress"
    );
    let at = a.node.add_member(n2.clone(), false, WAIT).await.unwrap();
    b.node.wait_applied(at, WAIT).await.unwrap();
    let id = n2.raft_id();
    assert!(a.network.last_contact(id).is_some());
    let p = a.node.progress().unwrap();
    assert!(p.last_log_index >= at);
    assert!(matches!(p.matched.get(&id), Some(Some((_, i))) if *i >= at));
    assert!(!a.node.membership().members[1].voter);

    assert!(a.node.promote("p2").await.unwrap());
    assert!(!a.node.promote("p2").await.unwrap(), "already a voter");
    assert!(!a.node.promote("nobody").await.unwrap());
    let m = a.node.membership();
    assert!(m.members.iter().all(|x| x.voter), "{m:?}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_replaces_the_data_on_every_node() {
    let (_dir, mut nodes, li) = three().await;
    let leader = &nodes[li].node;
    leader.commit(put("a", b"1")).await.unwrap();
    leader.commit(put("b", b"2")).await.unwrap();
    leader.read_barrier().await.unwrap();
    let backup = leader.export_snapshot().await.unwrap();
    RaftNode::verify_snapshot(&backup).unwrap();

    leader.commit(put("a", b"changed")).await.unwrap();
    leader.commit(put("c", b"new")).await.unwrap();
    let mut events: Vec<_> = nodes.iter().map(|s| s.node.restore_events()).collect();

    // Damaged or truncated backups are refused before anything is written.
    let mut damaged = backup.clone();
    damaged[20] ^= 1;
    assert!(leader.restore_snapshot(&damaged).await.is_err());
    assert!(
        leader
            .restore_snapshot(&backup[..backup.len() - 3])
            .await
            .is_err()
    );
    assert_eq!(leader.get("c").await.unwrap(), Some(b"new".to_vec()));
    // Followers refuse to run a restore.
    let follower = &nodes[(li + 1) % 3].node;
    assert!(matches!(
        follower.restore_snapshot(&backup).await,
        Err(RaftError::NotLeader { .. })
    ));

    leader.restore_snapshot(&backup).await.unwrap();
    let at = last_applied(leader).await;
    for (s, ev) in nodes.iter().zip(&mut events) {
        wait_applied(&s.node, at).await;
        assert_eq!(s.node.get("a").await.unwrap(), Some(b"1".to_vec()));
        assert_eq!(s.node.get("b").await.unwrap(), Some(b"2".to_vec()));
        assert_eq!(s.node.get("c").await.unwrap(), None);
        // Nothing of the staging is left behind.
        assert!(s.node.list_keys("\u{1}").await.unwrap().is_empty());
        assert!(ev.has_changed().unwrap(), "{} saw the restore", s.node.id());
    }
    // Writes go on after the restore.
    leader.commit(put("d", b"4")).await.unwrap();
    for s in &mut nodes {
        s.stop().await;
    }
}
