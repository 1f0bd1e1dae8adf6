//! Behaviour of the barrier and its transactions over the in-memory physical store.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use arca_crypto::Key32;
use arca_sdk::{Error, Storage, StorageExt, StorageView};
use arca_storage::{Batch, MemoryPhysical, Op, Physical, StorageError};
use async_trait::async_trait;

use crate::{Barrier, BarrierError, KEYRING_PATH};

/// `MemoryPhysical` that counts commits, to check one batch per transaction.
#[derive(Default)]
struct Counting {
    mem: MemoryPhysical,
    commits: AtomicUsize,
}

#[async_trait]
impl Physical for Counting {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.mem.get(key).await
    }
    async fn list_keys(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.mem.list_keys(prefix).await
    }
    async fn commit(&self, batch: Batch) -> Result<(), StorageError> {
        self.commits.fetch_add(1, Ordering::SeqCst);
        self.mem.commit(batch).await
    }
}

async fn unsealed() -> (Barrier, Arc<Counting>, Key32) {
    let physical = Arc::new(Counting::default());
    let barrier = Barrier::new(physical.clone());
    let root = Key32::generate();
    barrier.initialize(&root).await.unwrap();
    barrier.unseal(&root).await.unwrap();
    (barrier, physical, root)
}

async fn write(barrier: &Barrier, key: &str, value: &[u8]) {
    let tx = barrier.begin();
    tx.put(key, value.to_vec()).await.unwrap();
    barrier.commit(&tx).await.unwrap();
}

async fn read(barrier: &Barrier, key: &str) -> Result<Option<Vec<u8>>, Error> {
    barrier.begin().get(key).await
}

async fn raw(physical: &Counting, key: &str) -> Vec<u8> {
    physical.get(key).await.unwrap().unwrap()
}

#[tokio::test]
async fn lifecycle_init_unseal_seal() {
    let physical = Arc::new(MemoryPhysical::default());
    let barrier = Barrier::new(physical.clone());
    let root = Key32::generate();
    assert!(!barrier.initialized().await.unwrap());
    assert!(barrier.is_sealed());
    assert_eq!(
        barrier.unseal(&root).await,
        Err(BarrierError::NotInitialized)
    );

    barrier.initialize(&root).await.unwrap();
    assert!(barrier.initialized().await.unwrap());
    assert!(barrier.is_sealed(), "initialize does not unseal");
    assert_eq!(
        barrier.initialize(&root).await,
        Err(BarrierError::AlreadyInitialized)
    );

    assert_eq!(
        barrier.unseal(&Key32::generate()).await,
        Err(BarrierError::InvalidKey)
    );
    assert!(barrier.is_sealed());
    barrier.unseal(&root).await.unwrap();
    assert!(!barrier.is_sealed());
    let status = barrier.key_status().unwrap();
    assert_eq!((status.term, status.encryptions), (1, 0));

    // The stored keyring reveals neither the root key nor plaintext JSON.
    let blob = physical.get(KEYRING_PATH).await.unwrap().unwrap();
    assert!(!blob.windows(32).any(|w| w == root.as_bytes()));
    assert!(!blob.windows(11).any(|w| w == b"active_term"));

    barrier.seal();
    assert!(barrier.is_sealed());
    assert_eq!(barrier.key_status(), Err(BarrierError::Sealed));
    barrier.unseal(&root).await.unwrap();
    assert!(!barrier.is_sealed());
}

#[tokio::test]
async fn round_trip_and_no_plaintext_at_rest() {
    let (barrier, physical, _) = unsealed().await;
    let canary = b"CANARY-8c1f2e-plaintext";
    write(&barrier, "logical/kv/secret", canary).await;
    assert_eq!(
        read(&barrier, "logical/kv/secret").await.unwrap().unwrap(),
        canary
    );
    for (key, value) in physical.mem.dump() {
        assert!(
            !value.windows(canary.len()).any(|w| w == canary),
            "plaintext at {key}"
        );
    }
    let stored = raw(&physical, "logical/kv/secret").await;
    assert_eq!(&stored[..5], &[0, 0, 0, 1, 1], "term 1, version 1 header");
    assert_eq!(stored.len(), 5 + 12 + canary.len() + 16);
    assert_eq!(barrier.key_status().unwrap().encryptions, 1);
    assert_eq!(read(&barrier, "logical/kv/missing").await.unwrap(), None);
}

#[tokio::test]
async fn ciphertext_is_bound_to_its_path() {
    let (barrier, physical, _) = unsealed().await;
    write(&barrier, "a", b"value of a").await;
    let moved = raw(&physical, "a").await;
    physical
        .commit(Batch {
            conditions: vec![],
            ops: vec![Op::Put {
                key: "b".into(),
                value: moved,
            }],
        })
        .await
        .unwrap();
    let err = barrier.begin().get_value("b").await.unwrap_err();
    assert_eq!(err, BarrierError::Decrypt("b".into()));
    assert!(matches!(read(&barrier, "b").await, Err(Error::Internal(_))));
    // Garbage without a valid header is an error too, not a panic.
    physical
        .commit(Batch {
            conditions: vec![],
            ops: vec![Op::Put {
                key: "c".into(),
                value: vec![1, 2],
            }],
        })
        .await
        .unwrap();
    assert!(read(&barrier, "c").await.is_err());
}

#[tokio::test]
async fn rotation_keeps_old_terms_readable() {
    let (barrier, physical, root) = unsealed().await;
    // A second node over the same storage, unsealed before the rotation.
    let other = Barrier::new(physical.clone());
    other.unseal(&root).await.unwrap();

    write(&barrier, "old", b"written in term 1").await;
    let before = barrier.key_status().unwrap();
    let commits = physical.commits.load(Ordering::SeqCst);
    let status = barrier.rotate().await.unwrap();
    assert_eq!(
        physical.commits.load(Ordering::SeqCst),
        commits + 1,
        "one batch per rotation"
    );
    assert_eq!(status.term, 2);
    assert_eq!(barrier.key_status().unwrap().term, 2);
    assert!(status.install_time >= before.install_time);

    write(&barrier, "new", b"written in term 2").await;
    assert_eq!(&raw(&physical, "new").await[..4], &2u32.to_be_bytes());
    assert_eq!(&raw(&physical, "old").await[..4], &1u32.to_be_bytes());
    assert_eq!(
        read(&barrier, "old").await.unwrap().unwrap(),
        b"written in term 1"
    );
    assert_eq!(
        read(&barrier, "new").await.unwrap().unwrap(),
        b"written in term 2"
    );

    // The other node learns term 2 when it meets it.
    assert_eq!(other.key_status().unwrap().term, 1);
    assert_eq!(
        read(&other, "new").await.unwrap().unwrap(),
        b"written in term 2"
    );
    assert_eq!(other.key_status().unwrap().term, 2);

    // A stale node's rotation conflicts instead of overwriting the keyring.
    let third = Barrier::new(physical.clone());
    third.unseal(&root).await.unwrap();
    barrier.rotate().await.unwrap();
    assert_eq!(third.rotate().await, Err(BarrierError::Conflict));
    assert_eq!(
        third.key_status().unwrap().term,
        3,
        "reloaded after the conflict"
    );
    assert_eq!(third.rotate().await.unwrap().term, 4);

    // After sealing, the rotated keyring unseals with the same root key.
    barrier.seal();
    barrier.unseal(&root).await.unwrap();
    assert_eq!(barrier.key_status().unwrap().term, 4);
    assert_eq!(
        read(&barrier, "old").await.unwrap().unwrap(),
        b"written in term 1"
    );
}

#[tokio::test]
async fn sealed_barrier_refuses_everything() {
    let (barrier, _, _) = unsealed().await;
    write(&barrier, "k", b"v").await;
    let tx = barrier.begin();
    tx.put("pending", b"x".to_vec()).await.unwrap();
    barrier.seal();
    assert_eq!(tx.get("k").await, Err(Error::Sealed));
    assert_eq!(tx.put("k", b"v".to_vec()).await, Err(Error::Sealed));
    assert_eq!(tx.delete("k").await, Err(Error::Sealed));
    assert_eq!(tx.list("").await, Err(Error::Sealed));
    assert_eq!(barrier.commit(&tx).await, Err(BarrierError::Sealed));
    assert_eq!(barrier.rotate().await, Err(BarrierError::Sealed));
    assert_eq!(barrier.begin().get("k").await, Err(Error::Sealed));
}

#[tokio::test]
async fn concurrent_read_modify_write_conflicts() {
    let (barrier, physical, _) = unsealed().await;
    write(&barrier, "counter", b"1").await;

    let tx1 = barrier.begin();
    let tx2 = barrier.begin();
    assert_eq!(tx1.get("counter").await.unwrap().unwrap(), b"1");
    assert_eq!(tx2.get("counter").await.unwrap().unwrap(), b"1");
    tx1.put("counter", b"2".to_vec()).await.unwrap();
    tx2.put("counter", b"3".to_vec()).await.unwrap();
    tx2.put("side-effect", b"x".to_vec()).await.unwrap();

    barrier.commit(&tx1).await.unwrap();
    assert_eq!(barrier.commit(&tx2).await, Err(BarrierError::Conflict));
    assert_eq!(read(&barrier, "counter").await.unwrap().unwrap(), b"2");
    assert_eq!(read(&barrier, "side-effect").await.unwrap(), None);
    assert_eq!(physical.get("side-effect").await.unwrap(), None);

    // Reading an absent key also guards against its creation.
    let tx3 = barrier.begin();
    let tx4 = barrier.begin();
    assert_eq!(tx3.get("fresh").await.unwrap(), None);
    tx3.put("fresh", b"3".to_vec()).await.unwrap();
    tx4.put("fresh", b"4".to_vec()).await.unwrap();
    barrier.commit(&tx4).await.unwrap();
    assert_eq!(barrier.commit(&tx3).await, Err(BarrierError::Conflict));
    assert_eq!(read(&barrier, "fresh").await.unwrap().unwrap(), b"4");
}

#[tokio::test]
async fn read_your_writes_and_list_merge() {
    let (barrier, physical, _) = unsealed().await;
    let setup = barrier.begin();
    for k in ["app/x", "app/y/z", "app/gone", "other"] {
        setup.put(k, k.as_bytes().to_vec()).await.unwrap();
    }
    let commits = physical.commits.load(Ordering::SeqCst);
    barrier.commit(&setup).await.unwrap();
    assert_eq!(
        physical.commits.load(Ordering::SeqCst),
        commits + 1,
        "one batch per transaction"
    );

    let tx = barrier.begin();
    tx.put("app/new", b"n1".to_vec()).await.unwrap();
    tx.put("app/new", b"n2".to_vec()).await.unwrap();
    tx.put("app/dir/leaf", b"l".to_vec()).await.unwrap();
    tx.delete("app/gone").await.unwrap();
    tx.put("app/x", b"changed".to_vec()).await.unwrap();

    assert_eq!(
        tx.get("app/new").await.unwrap().unwrap(),
        b"n2",
        "latest write wins"
    );
    assert_eq!(tx.get("app/gone").await.unwrap(), None);
    assert_eq!(tx.get("app/x").await.unwrap().unwrap(), b"changed");
    assert_eq!(
        tx.list("app/").await.unwrap(),
        vec!["dir/", "new", "x", "y/"]
    );
    // The reserved keyring is hidden, so it does not even make `core/` appear.
    assert_eq!(tx.list("").await.unwrap(), vec!["app/", "other"]);

    // Nothing is visible outside before the commit.
    assert_eq!(read(&barrier, "app/new").await.unwrap(), None);
    assert_eq!(
        read(&barrier, "app/gone").await.unwrap().unwrap(),
        b"app/gone"
    );
    assert!(tx.has_writes());

    barrier.commit(&tx).await.unwrap();
    assert!(tx.is_finished());
    assert_eq!(read(&barrier, "app/new").await.unwrap().unwrap(), b"n2");
    assert_eq!(read(&barrier, "app/x").await.unwrap().unwrap(), b"changed");
    assert_eq!(
        physical.get("app/gone").await.unwrap(),
        None,
        "delete reached storage"
    );
    assert_eq!(
        barrier.begin().list("app/").await.unwrap(),
        vec!["dir/", "new", "x", "y/"]
    );
}

#[tokio::test]
async fn read_only_transactions_commit_nothing_and_finished_ones_refuse() {
    let (barrier, physical, _) = unsealed().await;
    write(&barrier, "k", b"v").await;
    let commits = physical.commits.load(Ordering::SeqCst);
    let tx = barrier.begin();
    tx.get("k").await.unwrap();
    tx.list("").await.unwrap();
    assert!(!tx.has_writes());
    barrier.commit(&tx).await.unwrap();
    assert_eq!(physical.commits.load(Ordering::SeqCst), commits);

    assert_eq!(barrier.commit(&tx).await, Err(BarrierError::Finished));
    assert!(matches!(tx.put("k", vec![]).await, Err(Error::Internal(_))));
    assert!(matches!(tx.get("k").await, Err(Error::Internal(_))));

    let elsewhere = Barrier::new(Arc::new(MemoryPhysical::default()));
    assert_eq!(
        elsewhere.commit(&barrier.begin()).await,
        Err(BarrierError::ForeignTransaction)
    );
}

#[tokio::test]
async fn keyring_path_is_reserved() {
    let (barrier, physical, _) = unsealed().await;
    let before = raw(&physical, KEYRING_PATH).await;
    let tx = barrier.begin();
    assert!(matches!(
        tx.put(KEYRING_PATH, b"evil".to_vec()).await,
        Err(Error::BadRequest(_))
    ));
    assert!(matches!(
        tx.delete(KEYRING_PATH).await,
        Err(Error::BadRequest(_))
    ));
    assert!(matches!(
        tx.get(KEYRING_PATH).await,
        Err(Error::BadRequest(_))
    ));
    tx.put("core/mounts", b"m".to_vec()).await.unwrap();
    assert_eq!(tx.list("core/").await.unwrap(), vec!["mounts"]);
    barrier.commit(&tx).await.unwrap();
    assert_eq!(raw(&physical, KEYRING_PATH).await, before);
    assert_eq!(barrier.begin().list("core/").await.unwrap(), vec!["mounts"]);
}

#[tokio::test]
async fn transaction_works_as_shared_dyn_storage() {
    let (barrier, _, _) = unsealed().await;
    let tx = barrier.begin();
    let shared: Arc<dyn Storage> = Arc::new(tx.clone());
    let view = StorageView::new(shared, "logical/abc/");
    view.put_json("config", &serde_json::json!({"ttl": 30}))
        .await
        .unwrap();
    let seen: Option<serde_json::Value> = view.get_json("config").await.unwrap();
    assert_eq!(seen.unwrap()["ttl"], 30);
    barrier.commit(&tx).await.unwrap();
    let plain = read(&barrier, "logical/abc/config").await.unwrap().unwrap();
    assert_eq!(plain, br#"{"ttl":30}"#);
}

/// Every barrier operation lands in Vault's `vault_barrier_*` summaries: a commit of two
/// puts and one delete is two put samples and one delete sample.
#[tokio::test]
async fn operations_are_timed_as_vault_barrier_metrics() {
    let (recorder, telemetry) =
        arca_telemetry::VaultRecorder::build(arca_telemetry::Settings::default()).unwrap();
    let _local = metrics::set_default_local_recorder(&recorder);
    let (barrier, _, _) = unsealed().await;
    write(&barrier, "logical/x/gone", b"1").await;
    let tx = barrier.begin();
    tx.put("logical/x/a", b"1".to_vec()).await.unwrap();
    tx.put("logical/x/b", b"2".to_vec()).await.unwrap();
    tx.delete("logical/x/gone").await.unwrap();
    barrier.commit(&tx).await.unwrap();
    assert!(read(&barrier, "logical/x/a").await.unwrap().is_some());
    barrier.begin().list("logical/x/").await.unwrap();
    telemetry.run_upkeep();
    let text = telemetry.render_prometheus().unwrap();
    let count = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}_count ")))
            .map(str::to_string)
    };
    assert_eq!(count("vault_barrier_put").as_deref(), Some("3"), "{text}");
    assert_eq!(
        count("vault_barrier_delete").as_deref(),
        Some("1"),
        "{text}"
    );
    assert_eq!(count("vault_barrier_get").as_deref(), Some("1"), "{text}");
    assert_eq!(count("vault_barrier_list").as_deref(), Some("1"), "{text}");
}

#[tokio::test]
async fn root_key_rekey_keeps_data_and_a_second_node_adopts_the_new_key() {
    let (barrier, physical, old_root) = unsealed().await;
    write(&barrier, "a", b"before").await;
    // A second node of the cluster, unsealed with the old root key.
    let other = Barrier::new(physical.clone());
    other.unseal(&old_root).await.unwrap();

    let new_root = Key32::generate();
    barrier
        .rekey_root(
            &new_root,
            vec![Op::Put {
                key: "core/root-key".into(),
                value: b"wrapped".to_vec(),
            }],
        )
        .await
        .unwrap();
    assert_eq!(raw(&physical, "core/root-key").await, b"wrapped");
    assert_eq!(read(&barrier, "a").await.unwrap().unwrap(), b"before");
    // After a rotation the stored keyring needs the new root key: the old one fails.
    barrier.rotate().await.unwrap();
    write(&barrier, "b", b"after").await;
    let restarted = Barrier::new(physical.clone());
    assert!(restarted.unseal(&old_root).await.is_err());
    restarted.unseal(&new_root).await.unwrap();
    assert_eq!(read(&restarted, "b").await.unwrap().unwrap(), b"after");
    // The node that still holds the old key cannot reload, until it adopts the new one.
    assert!(other.reload_keyring().await.is_err());
    assert!(other.adopt_root_key(&Key32::generate()).await.is_err());
    assert!(other.adopt_root_key(&new_root).await.unwrap());
    assert!(!other.adopt_root_key(&new_root).await.unwrap());
    assert_eq!(read(&other, "b").await.unwrap().unwrap(), b"after");
    assert_eq!(read(&other, "a").await.unwrap().unwrap(), b"before");
}
