//! Membership over the real network: a node joins as voter, another as non-voter, a
//! member is removed and learns it, and an unreachable node never becomes a member.

use std::time::Duration;

use arca_storage::Physical;

use super::support::*;
use crate::{ArcaNode, RaftError, RaftNode, removed_marker};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_as_voter_and_non_voter_then_remove() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = Vec::new();
    let mut members = Vec::new();
    for name in ["n1", "n2", "n3"] {
        let (l, me) = bind(name).await;
        served.push(serve(dir.path(), l, &me, timing()).await);
        members.push(me);
    }
    let watches: Vec<_> = served
        .iter()
        .map(|s| s.node.spawn_removal_watch(s.network.removed_signal()))
        .collect();
    assert!(!served[1].node.has_state().await.unwrap());
    served[0].node.initialize_single().await.unwrap();
    wait_leader_self(&served[0].node).await;
    served[0].node.commit(put("k", b"v")).await.unwrap();
    assert!(served[0].node.has_state().await.unwrap());

    let leader = &served[0].node;
    let at = leader
        .add_member(members[1].clone(), true, WAIT)
        .await
        .unwrap();
    served[1].node.wait_applied(at, WAIT).await.unwrap();
    assert!(served[1].node.has_state().await.unwrap());
    assert_eq!(served[1].node.get("k").await.unwrap(), Some(b"v".to_vec()));
    let at = leader
        .add_member(members[2].clone(), false, WAIT)
        .await
        .unwrap();
    served[2].node.wait_applied(at, WAIT).await.unwrap();

    let m = leader.membership();
    assert_eq!(m.leader, Some(leader.id()));
    assert!(m.index >= at);
    let listed: Vec<(String, bool)> = m
        .members
        .iter()
        .map(|x| (x.node.node_id.clone(), x.voter))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("n1".into(), true),
            ("n2".into(), true),
            ("n3".into(), false)
        ]
    );
    assert_eq!(m.members[1].node, members[1]);

    // Followers refuse membership changes and name the leader.
    match served[1].node.remove_member("n3").await {
        Err(RaftError::NotLeader { leader: Some(l) }) => assert_eq!(l.node_id, "n1"),
        other => panic!("{other:?}"),
    }

    assert!(!leader.remove_member("nobody").await.unwrap());
    assert!(leader.remove_member("n2").await.unwrap());
    let m = leader.membership();
    assert!(m.members.iter().all(|x| x.node.node_id != "n2"));

    // The removed node learns it (from the membership or from a refused vote), marks its
    // data directory and refuses to start from it again.
    let mut removed = served[1].node.removed_events();
    tokio::time::timeout(WAIT, removed.wait_for(|r| *r))
        .await
        .unwrap()
        .unwrap();
    assert!(served[1].node.is_removed());
    assert!(!served[0].node.is_removed());
    let data_dir = dir.path().join("n2");
    assert!(removed_marker(&data_dir).exists());
    served[1].stop().await;
    let again = RaftNode::open(
        config(dir.path(), "n2", &members[1].cluster_addr),
        crate::ClusterNetwork::new(members[1].raft_id()),
    )
    .await;
    assert!(matches!(again, Err(RaftError::Removed { .. })), "reopened");

    // The remaining leader still commits (n1 is the only voter).
    served[0].node.commit(put("k", b"w")).await.unwrap();
    for w in watches {
        w.abort();
    }
    for (i, s) in served.iter_mut().enumerate() {
        if i != 1 {
            s.stop().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_node_is_not_added() {
    let dir = tempfile::tempdir().unwrap();
    let (l, me) = bind("n1").await;
    let mut s = serve(dir.path(), l, &me, timing()).await;
    s.node.initialize_single().await.unwrap();
    wait_leader_self(&s.node).await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let ghost = ArcaNode {
        node_id: "ghost".into(),
        api_addr: String::new(),
        cluster_addr: format!("http://127.0.0.1:{port}"),
        non_voter: false,
    };
    let err = s
        .node
        .add_member(ghost, true, Duration::from_secs(2))
        .await
        .unwrap_err();
    assert!(matches!(err, RaftError::Timeout(_)), "{err:?}");
    let m = s.node.membership();
    assert_eq!(m.members.len(), 1, "{m:?}");
    s.node.commit(put("still", b"ok")).await.unwrap();
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voter_that_lost_its_data_joins_again_as_non_voter() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = Vec::new();
    let mut members = Vec::new();
    for name in ["n1", "n2", "n3"] {
        let (l, me) = bind(name).await;
        served.push(serve(dir.path(), l, &me, timing()).await);
        members.push(me);
    }
    let (first, rest) = served.split_at_mut(1);
    let leader = &first[0].node;
    leader.initialize_single().await.unwrap();
    wait_leader_self(leader).await;
    for m in &members[1..] {
        leader.add_member(m.clone(), true, WAIT).await.unwrap();
    }
    for i in 0..20 {
        leader.commit(put(&format!("k{i}"), b"v")).await.unwrap();
    }

    // n3 loses its volume: stopped, wiped, started empty at the same address. The
    // leader's replication to it, which had matched the whole log, meets an empty log.
    rest[1].stop().await;
    std::fs::remove_dir_all(dir.path().join("n3")).unwrap();
    let addr = members[2].cluster_addr.trim_start_matches("http://");
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    rest[1] = serve(dir.path(), listener, &members[2], timing()).await;
    leader.commit(put("during", b"v")).await.unwrap();

    // Joining again under its old id demotes it until it has caught up.
    let at = leader
        .add_member(members[2].clone(), false, WAIT)
        .await
        .unwrap();
    rest[1].node.wait_applied(at, WAIT).await.unwrap();
    assert_eq!(rest[1].node.get("k0").await.unwrap(), Some(b"v".to_vec()));
    let m = leader.membership();
    let n3 = m.members.iter().find(|x| x.node.node_id == "n3").unwrap();
    assert!(!n3.voter, "{m:?}");
    assert!(leader.promote("n3").await.unwrap());
    leader.commit(put("after", b"v")).await.unwrap();

    // A node cannot join under the leader's own id.
    assert!(matches!(
        leader.add_member(members[0].clone(), false, WAIT).await,
        Err(RaftError::Membership(_))
    ));
    rest[0].stop().await;
    rest[1].stop().await;
    first[0].stop().await;
}
