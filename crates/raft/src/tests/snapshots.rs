//! Snapshots: build, install into a fresh node, survive restarts, ship over the network.

use std::collections::BTreeMap;

use arca_storage::Physical;

use super::support::*;
use crate::RaftTiming;

async fn dump(node: &crate::RaftNode) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for k in node.list_keys("").await.unwrap() {
        let v = node.get(&k).await.unwrap().unwrap();
        out.insert(k, v);
    }
    out
}

#[tokio::test]
async fn built_snapshot_installs_into_fresh_node_and_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let a = single(dir.path(), "a").await;
    for i in 0..20u8 {
        a.commit(put(&format!("k/{i:02}"), &[i, 0, 255]))
            .await
            .unwrap();
    }
    a.commit(put("k/05", b"overwritten")).await.unwrap();

    let applied = applied_now(&a).await;
    a.raft().trigger().snapshot().await.unwrap();
    a.raft()
        .wait(Some(WAIT))
        .snapshot(applied, "snapshot built")
        .await
        .unwrap();
    let snap = a.raft().get_snapshot().await.unwrap().unwrap();
    assert_eq!(snap.meta.last_log_id, Some(applied));
    let expected = dump(&a).await;
    assert_eq!(expected.len(), 20);

    // A fresh, uninitialised node takes the snapshot as its whole state.
    let b = open(config(dir.path(), "b", "http://127.0.0.1:1")).await;
    b.commit(put("junk", b"x")).await.unwrap_err();
    let vote = a.metrics().borrow().vote;
    b.raft().install_full_snapshot(vote, snap).await.unwrap();
    wait_applied(&b, applied.index).await;
    assert_eq!(dump(&b).await, expected);
    assert_eq!(
        b.metrics()
            .borrow()
            .membership_config
            .membership()
            .get_node(&a.id()),
        Some(a.node())
    );

    // Both still serve their snapshot after a restart.
    for (node, name) in [(a, "a"), (b, "b")] {
        node.shutdown().await.unwrap();
        drop(node);
        let node = open(config(dir.path(), name, "http://127.0.0.1:1")).await;
        let snap = node.raft().get_snapshot().await.unwrap().unwrap();
        assert_eq!(snap.meta.last_log_id, Some(applied));
        assert_eq!(dump(&node).await, expected);
        node.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn lagging_learner_catches_up_from_snapshot_over_the_network() {
    let dir = tempfile::tempdir().unwrap();
    // Snapshot often and keep no logs behind it: a newcomer can only catch up by snapshot.
    let timing = RaftTiming {
        snapshot_every_logs: 10,
        logs_kept_after_snapshot: 0,
        ..timing()
    };
    let (la, na) = bind("a").await;
    let (lb, nb) = bind("b").await;
    let mut a = serve(dir.path(), la, &na, timing.clone()).await;
    a.node.initialize_single().await.unwrap();
    wait_leader_self(&a.node).await;
    for i in 0..30u32 {
        a.node
            .commit(put(&format!("s/{i:03}"), &i.to_be_bytes()))
            .await
            .unwrap();
    }
    a.node
        .raft()
        .wait(Some(WAIT))
        .metrics(|m| m.purged.is_some(), "logs purged after snapshot")
        .await
        .unwrap();

    let mut b = serve(dir.path(), lb, &nb, timing).await;
    a.node
        .raft()
        .add_learner(b.node.id(), nb.clone(), true)
        .await
        .unwrap();
    let index = last_applied(&a.node).await;
    wait_applied(&b.node, index).await;
    assert!(b.node.metrics().borrow().snapshot.is_some());
    assert_eq!(dump(&b.node).await, dump(&a.node).await);
    assert_eq!(dump(&b.node).await.len(), 30);

    b.stop().await;
    a.stop().await;
}
