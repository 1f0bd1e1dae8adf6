//! Check-quorum on three nodes: a leader whose followers are gone stops being active,
//! fails writes instead of waiting for them, and leads again once a follower is back.

use std::time::Duration;

use arca_storage::{Physical, StorageError};
use tokio::net::TcpListener;

use super::{ha::three, support::*};
use crate::RaftNode;

/// Polls `check` every 50 ms until it holds, at most [`WAIT`].
async fn until(what: &str, check: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The node at `i`, which must be running.
fn node(nodes: &[Option<Served>], i: usize) -> &RaftNode {
    &nodes[i].as_ref().expect("a running node").node
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_without_quorum_stops_being_active_and_recovers() {
    let (dir, nodes, li) = three().await;
    let mut nodes: Vec<Option<Served>> = nodes.into_iter().map(Some).collect();
    node(&nodes, li).commit(put("k", b"1")).await.unwrap();
    assert!(node(&nodes, li).is_leader());
    assert_eq!(node(&nodes, li).quorum_lost_for(), None);

    // Both followers go away (stopped, and their databases closed)...
    let mut gone = Vec::new();
    for f in (0..3).filter(|i| *i != li) {
        let mut s = nodes[f].take().unwrap();
        let me = s.node.node().clone();
        s.stop().await;
        drop(s);
        gone.push((f, me));
    }
    let leader = node(&nodes, li);
    // ...raft still calls the old leader the leader, but it is no longer the active node
    // once the quorum timeout has passed.
    until("the leader to lose its quorum", || !leader.is_leader()).await;
    assert_eq!(leader.leader().map(|(id, _)| id), Some(leader.id()));
    let silent = leader.quorum_lost_for().expect("quorum lost");
    assert!(silent > timing().quorum_timeout(), "{silent:?}");
    // Writes fail (instead of waiting forever for a commit), and so do reads.
    let written = tokio::time::timeout(WAIT, leader.commit(put("k", b"2")))
        .await
        .expect("the write returned");
    assert!(
        matches!(&written, Err(StorageError::Unavailable(m)) if m.contains("quorum")),
        "{written:?}"
    );
    assert!(matches!(
        leader.read_barrier().await,
        Err(StorageError::Unavailable(_))
    ));

    // One follower comes back on its old address: a quorum again, and an active leader
    // (the old one, or the returning node if it won an election).
    let (f, me) = gone.remove(0);
    let addr = me.cluster_addr.trim_start_matches("http://").to_string();
    let listener = TcpListener::bind(&addr).await.unwrap();
    nodes[f] = Some(serve(dir.path(), listener, &me, timing()).await);
    let pair = [li, f];
    let active = || pair.into_iter().find(|i| node(&nodes, *i).is_leader());
    // Leadership may still move once (the returning node may campaign): retry the write.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(a) = active()
            && node(&nodes, a).commit(put("k", b"3")).await.is_ok()
        {
            assert_eq!(node(&nodes, a).quorum_lost_for(), None);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no active leader took a write after the follower came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for i in pair {
        nodes[i].as_mut().unwrap().stop().await;
    }
}
