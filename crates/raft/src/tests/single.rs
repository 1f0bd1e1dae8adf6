//! One node: the `Physical` contract, conflicts, and restarts.

use arca_storage::{Batch, Op, Physical, StorageError};

use super::support::*;

#[tokio::test]
async fn single_node_commit_get_list_delete() {
    let dir = tempfile::tempdir().unwrap();
    let node = single(dir.path(), "n1").await;
    assert!(node.is_leader());
    let (leader_id, leader) = node.leader().unwrap();
    assert_eq!(leader_id, node.id());
    assert_eq!(leader.api_addr, "https://n1.example:8200");

    node.commit(put("a/1", b"x")).await.unwrap();
    node.commit(Batch {
        conditions: vec![],
        ops: vec![
            Op::Put {
                key: "a/2".into(),
                value: b"y".to_vec(),
            },
            Op::Put {
                key: "b/1".into(),
                value: b"z".to_vec(),
            },
        ],
    })
    .await
    .unwrap();
    node.read_barrier().await.unwrap();

    assert_eq!(node.get("a/1").await.unwrap(), Some(b"x".to_vec()));
    assert_eq!(node.get("missing").await.unwrap(), None);
    assert_eq!(node.list_keys("a/").await.unwrap(), vec!["a/1", "a/2"]);
    assert_eq!(node.list_keys("").await.unwrap(), vec!["a/1", "a/2", "b/1"]);
    assert!(node.list_keys("c").await.unwrap().is_empty());

    node.commit(Batch {
        conditions: vec![],
        ops: vec![Op::Delete { key: "a/1".into() }],
    })
    .await
    .unwrap();
    assert_eq!(node.get("a/1").await.unwrap(), None);
    assert_eq!(node.list_keys("a/").await.unwrap(), vec!["a/2"]);
    node.shutdown().await.unwrap();
}

#[tokio::test]
async fn failed_condition_applies_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let node = single(dir.path(), "n1").await;
    node.commit(put("k", b"v1")).await.unwrap();

    // Stale read: the writer believed `k` was absent.
    let stale = Batch {
        conditions: vec![cond("k", None)],
        ops: vec![
            Op::Put {
                key: "other".into(),
                value: b"o".to_vec(),
            },
            Op::Delete { key: "k".into() },
        ],
    };
    let before = last_applied(&node).await;
    assert_eq!(node.commit(stale).await, Err(StorageError::Conflict));
    assert_eq!(node.get("other").await.unwrap(), None);
    assert_eq!(node.get("k").await.unwrap(), Some(b"v1".to_vec()));
    // The entry was still committed and applied (as a no-op).
    assert!(last_applied(&node).await > before);

    // A wrong fingerprint conflicts too; the right one applies.
    let wrong = Batch {
        conditions: vec![cond("k", Some(b"v0"))],
        ops: vec![Op::Delete { key: "k".into() }],
    };
    assert_eq!(node.commit(wrong).await, Err(StorageError::Conflict));
    let fresh = Batch {
        conditions: vec![cond("k", Some(b"v1")), cond("absent", None)],
        ops: vec![Op::Delete { key: "k".into() }],
    };
    node.commit(fresh).await.unwrap();
    assert_eq!(node.get("k").await.unwrap(), None);
    node.shutdown().await.unwrap();
}

#[tokio::test]
async fn data_and_applied_index_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (applied, term) = {
        let node = single(dir.path(), "n1").await;
        node.commit(put("c", b"1")).await.unwrap();
        // Only correct if `c` is exactly "1": re-applying would see "2" and conflict,
        // but must never be re-applied in the first place.
        node.commit(Batch {
            conditions: vec![cond("c", Some(b"1"))],
            ops: vec![Op::Put {
                key: "c".into(),
                value: b"2".to_vec(),
            }],
        })
        .await
        .unwrap();
        node.commit(put("gone", b"x")).await.unwrap();
        node.commit(Batch {
            conditions: vec![],
            ops: vec![Op::Delete { key: "gone".into() }],
        })
        .await
        .unwrap();
        let applied = last_applied(&node).await;
        let term = node.metrics().borrow().current_term;
        node.shutdown().await.unwrap();
        (applied, term)
    };

    let node = open(config(dir.path(), "n1", "http://127.0.0.1:1")).await;
    // Already initialised: bootstrap is a no-op on restart.
    assert!(!node.initialize_single().await.unwrap());
    wait_leader_self(&node).await;
    assert!(last_applied(&node).await >= applied);
    assert!(node.metrics().borrow().current_term >= term);
    assert_eq!(node.get("c").await.unwrap(), Some(b"2".to_vec()));
    assert_eq!(node.get("gone").await.unwrap(), None);
    assert_eq!(node.list_keys("").await.unwrap(), vec!["c"]);

    // Writes continue from the recovered state.
    node.commit(Batch {
        conditions: vec![cond("c", Some(b"2"))],
        ops: vec![Op::Put {
            key: "c".into(),
            value: b"3".to_vec(),
        }],
    })
    .await
    .unwrap();
    assert_eq!(node.get("c").await.unwrap(), Some(b"3".to_vec()));
    node.shutdown().await.unwrap();
}

#[tokio::test]
async fn uninitialised_node_refuses_writes_without_leader() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(config(dir.path(), "n1", "http://127.0.0.1:1")).await;
    assert!(!node.is_leader());
    assert_eq!(node.leader(), None);
    let err = node.commit(put("k", b"v")).await.unwrap_err();
    assert_eq!(err, StorageError::NotLeader { leader: None });
    assert!(matches!(
        node.read_barrier().await,
        Err(StorageError::NotLeader { leader: None })
    ));
    node.shutdown().await.unwrap();
}
