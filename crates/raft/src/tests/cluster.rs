//! Three nodes on 127.0.0.1 over the real tonic network: replication and fail-over.

use arca_storage::{Physical, StorageError};

use super::support::*;
use crate::NodeId;

/// Waits until every node in `nodes` agrees on one leader other than `not`; returns it.
async fn agreed_leader(nodes: &[&Served], not: Option<NodeId>) -> NodeId {
    let first = nodes[0]
        .node
        .raft()
        .wait(Some(WAIT))
        .metrics(
            |m| m.current_leader.is_some() && m.current_leader != not,
            "a new leader",
        )
        .await
        .unwrap()
        .current_leader
        .unwrap();
    for s in &nodes[1..] {
        s.node
            .raft()
            .wait(Some(WAIT))
            .current_leader(first, "same leader")
            .await
            .unwrap();
    }
    first
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_replicate_and_fail_over() {
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
    assert!(nodes[0].node.initialize(members.clone()).await.unwrap());
    // Bootstrapping again (or from a restarted node) is a no-op.
    assert!(!nodes[0].node.initialize(members.clone()).await.unwrap());

    let all: Vec<&Served> = nodes.iter().collect();
    let leader_id = agreed_leader(&all, None).await;
    let li = nodes.iter().position(|s| s.node.id() == leader_id).unwrap();
    let leader = &nodes[li].node;
    assert!(leader.is_leader());

    leader.commit(put("shared/x", b"one")).await.unwrap();
    let index = last_applied(leader).await;
    for s in &nodes {
        wait_applied(&s.node, index).await;
        assert_eq!(s.node.get("shared/x").await.unwrap(), Some(b"one".to_vec()));
        assert_eq!(s.node.list_keys("shared/").await.unwrap(), vec!["shared/x"]);
    }

    // Followers refuse writes and reads-with-barrier, pointing at the leader's API address.
    let follower = &nodes[(li + 1) % 3].node;
    assert!(!follower.is_leader());
    assert_eq!(follower.leader().unwrap().0, leader_id);
    let want = StorageError::NotLeader {
        leader: Some(members[li].api_addr.clone()),
    };
    assert_eq!(
        follower.commit(put("shared/y", b"no")).await,
        Err(want.clone())
    );
    assert_eq!(follower.read_barrier().await, Err(want));
    leader.read_barrier().await.unwrap();

    // The leader goes away; the other two elect a new one, which takes writes.
    nodes[li].stop().await;
    let rest: Vec<&Served> = nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != li)
        .map(|(_, s)| s)
        .collect();
    let new_id = agreed_leader(&rest, Some(leader_id)).await;
    assert_ne!(new_id, leader_id);
    let new_leader = rest.iter().find(|s| s.node.id() == new_id).unwrap();
    let other = rest.iter().find(|s| s.node.id() != new_id).unwrap();
    new_leader
        .node
        .commit(put("shared/x", b"two"))
        .await
        .unwrap();
    let index = last_applied(&new_leader.node).await;
    wait_applied(&other.node, index).await;
    assert_eq!(
        other.node.get("shared/x").await.unwrap(),
        Some(b"two".to_vec())
    );

    for (i, s) in nodes.iter_mut().enumerate() {
        if i != li {
            s.stop().await;
        }
    }
}
