//! A leader whose process is gone is replaced by the followers' dead-leader watch, not
//! only by their election timers.

use arca_storage::Physical;

use super::{ha::three, support::*};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_replace_a_leader_whose_port_refuses_connections() {
    let (_dir, mut nodes, li) = three().await;
    nodes[li].node.commit(put("k", b"1")).await.unwrap();
    let old = nodes[li].node.id();
    let followers: Vec<usize> = (0..3).filter(|i| *i != li).collect();
    // The followers' own election timers are off: only the watch can start an election.
    for &f in &followers {
        nodes[f].node.raft().runtime_config().elect(false);
    }
    // The leader's process "dies": raft stops and nothing listens on its port any more.
    nodes[li].stop().await;
    let (a, b) = (followers[0], followers[1]);
    let new = nodes[a]
        .node
        .raft()
        .wait(Some(WAIT))
        .metrics(
            |m| m.current_leader.is_some_and(|l| l != old),
            "a new leader",
        )
        .await
        .expect("the followers elected a new leader without their timers")
        .current_leader
        .unwrap();
    let ni = if nodes[a].node.id() == new { a } else { b };
    nodes[ni].node.read_barrier().await.unwrap();
    assert_eq!(nodes[ni].node.get("k").await.unwrap(), Some(b"1".to_vec()));
    nodes[ni].node.commit(put("k", b"2")).await.unwrap();
    for f in followers {
        nodes[f].stop().await;
    }
}
