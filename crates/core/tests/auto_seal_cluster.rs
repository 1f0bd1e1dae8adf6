//! Auto seals across a cluster, in process: several cores share one in-memory store
//! (standing for the replicated raft state) and each has its own "am I active" switch.
//!
//! - Seal migration by Vault's procedure: standbys are "restarted" (a new core) with the
//!   new seal configuration and unsealed with `migrate`; they commit nothing until they
//!   become the active node, and the migrated wrapping is written once, in the store.
//! - A barrier rekey under an auto seal: the recovery keys authorise a new root key,
//!   which a standby adopts through its seal.

mod support;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use arca_core::{
    ClusterInfo, Core, CoreOptions, InitParams, LeaderInfo,
    auto_seal::ConfiguredSeal,
    rekey::{RekeyInitParams, RekeyUpdate},
};
use arca_sdk::Operation;
use arca_seal::{StaticSeal, StaticSealConfig};
use arca_storage::{MemoryPhysical, Physical};
use serde_json::json;
use support::{call, data};

/// A node whose activity the test switches (as a raft leadership change would).
struct Switch(AtomicBool);

impl ClusterInfo for Switch {
    fn is_active(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    fn leader(&self) -> Option<LeaderInfo> {
        None
    }
    fn raft_indexes(&self) -> (u64, u64) {
        (0, 0)
    }
}

struct Node {
    core: Arc<Core>,
    active: Arc<Switch>,
}

/// The seal stanza of a node's configuration.
#[derive(Clone, Copy)]
enum Stanza {
    None,
    Static,
    StaticDisabled,
}

const STATIC_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// Starts a node over the shared store with `stanza` as its seal configuration.
fn start(physical: &Arc<MemoryPhysical>, stanza: Stanza, active: bool) -> Node {
    let switch = Arc::new(Switch(AtomicBool::new(active)));
    let core = Core::new(CoreOptions {
        physical: physical.clone(),
        cluster: switch.clone(),
        factories: vec![Arc::new(arca_engine_kv::KvFactory)],
        cluster_name: "test".into(),
    })
    .unwrap();
    let seal = || {
        Arc::new(
            StaticSeal::from_config(&StaticSealConfig {
                current_key_id: "k1".into(),
                current_key: STATIC_KEY.into(),
                ..Default::default()
            })
            .unwrap(),
        )
    };
    match stanza {
        Stanza::None => {}
        Stanza::Static => core
            .set_seal(ConfiguredSeal {
                seal: seal(),
                disabled: false,
            })
            .unwrap(),
        Stanza::StaticDisabled => core
            .set_seal(ConfiguredSeal {
                seal: seal(),
                disabled: true,
            })
            .unwrap(),
    }
    Node {
        core,
        active: switch,
    }
}

async fn stored_seal_type(physical: &MemoryPhysical) -> String {
    let raw = physical.get("core/seal-config").await.unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    v["type"].as_str().unwrap().to_string()
}

/// Waits (bounded) until the stored seal type is `want`.
async fn wait_for_seal_type(physical: &MemoryPhysical, want: &str) {
    for _ in 0..100 {
        if stored_seal_type(physical).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the stored seal never became {want}");
}

/// Unseals `node` with `keys` and `migrate`; the status after the last one.
async fn migrate_unseal(node: &Node, keys: &[Vec<u8>]) -> arca_core::SealStatus {
    let mut last = None;
    for k in keys {
        last = Some(node.core.unseal_migrate(k, true).await.unwrap());
    }
    last.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_migrate_shamir_to_auto_and_back() {
    let physical = Arc::new(MemoryPhysical::default());
    // node1 is active and initialises (3 shares, threshold 2); node2 and node3 stand by.
    let n1 = start(&physical, Stanza::None, true);
    let init = n1
        .core
        .init(
            InitParams {
                secret_shares: 3,
                secret_threshold: 2,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let keys: Vec<Vec<u8>> = init.keys.iter().map(|k| k.to_vec()).collect();
    let root = init.root_token.clone();
    for k in &keys[..2] {
        n1.core.unseal(k).await.unwrap();
    }
    call(
        &n1.core,
        &root,
        Operation::Update,
        "sys/mounts/secret",
        json!({"type": "kv"}),
    )
    .await
    .unwrap();
    call(
        &n1.core,
        &root,
        Operation::Update,
        "secret/before",
        json!({"v": "written under shamir"}),
    )
    .await
    .unwrap();

    // Shamir -> static. The standbys restart with the stanza, one at a time.
    let mut standbys = Vec::new();
    for _ in 0..2 {
        let n = start(&physical, Stanza::Static, false);
        let st = n.core.seal_status().await.unwrap();
        assert!(st.migration && st.sealed);
        // Without `migrate` the keys are refused; a wrong key set fails the unseal.
        assert!(n.core.unseal(&keys[0]).await.is_err());
        let st = migrate_unseal(&n, &keys[1..3]).await;
        assert!(!st.sealed, "the standby unseals with the old keys");
        assert!(st.migration, "the migration is pending until it is active");
        assert_eq!(st.kind, "shamir");
        standbys.push(n);
    }
    // Nothing was committed by the standbys.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(stored_seal_type(&physical).await, "shamir");

    // Step-down: node2 becomes active and commits the migration.
    n1.active.0.store(false, Ordering::SeqCst);
    standbys[0].active.0.store(true, Ordering::SeqCst);
    wait_for_seal_type(&physical, "static").await;
    for n in &standbys {
        let mut st = n.core.seal_status().await.unwrap();
        for _ in 0..50 {
            if !st.migration {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            st = n.core.seal_status().await.unwrap();
        }
        assert!(!st.migration && st.recovery_seal && st.kind == "static");
        assert_eq!((st.t, st.n), (2, 3), "the unseal keys became recovery keys");
    }

    // The old active node restarts with the new stanza and unseals itself.
    let n1 = start(&physical, Stanza::Static, false);
    assert!(n1.core.auto_unseal().await.unwrap());
    let before = data(
        &standbys[0].core,
        &root,
        Operation::Read,
        "secret/before",
        json!({}),
    )
    .await;
    assert_eq!(before["v"], "written under shamir");

    // static -> Shamir: the stanza stays, marked disabled, on every node.
    let active = standbys.remove(0);
    let mut nodes = vec![n1];
    for _ in 0..2 {
        let n = start(&physical, Stanza::StaticDisabled, false);
        let st = n.core.seal_status().await.unwrap();
        assert!(st.migration && st.sealed && st.kind == "static");
        // The recovery keys are checked: a wrong set leaves the node sealed.
        let bogus = vec![vec![7u8; keys[0].len()], vec![9u8; keys[0].len()]];
        let mut failed = false;
        for k in &bogus {
            failed |= n.core.unseal_migrate(k, true).await.is_err();
        }
        assert!(failed && n.core.is_sealed());
        let st = migrate_unseal(&n, &keys[..2]).await;
        assert!(!st.sealed && st.migration);
        nodes.push(n);
    }
    assert_eq!(stored_seal_type(&physical).await, "static");
    active.active.0.store(false, Ordering::SeqCst);
    nodes[1].active.0.store(true, Ordering::SeqCst);
    wait_for_seal_type(&physical, "shamir").await;

    // Every node restarted as a plain Shamir node unseals with the former recovery
    // keys and reads the data written before both migrations.
    nodes[1].active.0.store(false, Ordering::SeqCst);
    let n = start(&physical, Stanza::None, true);
    let st = n.core.seal_status().await.unwrap();
    assert!(!st.migration && st.sealed && st.kind == "shamir");
    for k in &keys[1..3] {
        n.core.unseal(k).await.unwrap();
    }
    assert!(!n.core.is_sealed());
    let before = data(&n.core, &root, Operation::Read, "secret/before", json!({})).await;
    assert_eq!(before["v"], "written under shamir");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barrier_rekey_under_an_auto_seal_makes_a_new_root_key_the_standbys_adopt() {
    let physical = Arc::new(MemoryPhysical::default());
    let n1 = start(&physical, Stanza::Static, true);
    let init = n1
        .core
        .init(
            InitParams {
                recovery_shares: 3,
                recovery_threshold: 2,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let recovery: Vec<Vec<u8>> = init.recovery_keys.iter().map(|k| k.to_vec()).collect();
    let root = init.root_token.clone();
    assert!(!n1.core.is_sealed());
    call(
        &n1.core,
        &root,
        Operation::Update,
        "sys/mounts/secret",
        json!({"type": "kv"}),
    )
    .await
    .unwrap();
    call(
        &n1.core,
        &root,
        Operation::Update,
        "secret/old",
        json!({"v": "old root key"}),
    )
    .await
    .unwrap();
    let n2 = start(&physical, Stanza::Static, false);
    assert!(n2.core.auto_unseal().await.unwrap());
    let wrapped_before = physical.get("core/root-key").await.unwrap().unwrap();

    // Vault's rules: 1/1 stored by the seal, no verification, PGP or backup.
    let refused = n1
        .core
        .rekey_init(
            RekeyInitParams {
                secret_shares: 3,
                secret_threshold: 2,
                require_verification: true,
                ..Default::default()
            },
            false,
        )
        .await;
    assert!(refused.is_err());
    let st = n1
        .core
        .rekey_init(
            RekeyInitParams {
                secret_shares: 5,
                secret_threshold: 3,
                ..Default::default()
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!((st.t, st.n, st.required), (1, 1, 2));

    // Wrong recovery shares change nothing stored.
    let bogus = [vec![7u8; recovery[0].len()], vec![9u8; recovery[0].len()]];
    n1.core
        .rekey_update(&bogus[0], &st.nonce, false)
        .await
        .unwrap();
    assert!(
        n1.core
            .rekey_update(&bogus[1], &st.nonce, false)
            .await
            .is_err()
    );
    assert_eq!(
        physical.get("core/root-key").await.unwrap().unwrap(),
        wrapped_before
    );

    n1.core
        .rekey_update(&recovery[0], &st.nonce, false)
        .await
        .unwrap();
    let RekeyUpdate::Done(done) = n1
        .core
        .rekey_update(&recovery[2], &st.nonce, false)
        .await
        .unwrap()
    else {
        panic!("the rekey did not complete at the recovery threshold");
    };
    assert!(
        done.keys.is_empty(),
        "the seal keeps the new key; no shares are handed out"
    );
    assert_ne!(
        physical.get("core/root-key").await.unwrap().unwrap(),
        wrapped_before
    );

    // A new keyring term after the rekey: its keyring opens only with the new root key.
    call(&n1.core, &root, Operation::Update, "sys/rotate", json!({}))
        .await
        .unwrap();
    call(
        &n1.core,
        &root,
        Operation::Update,
        "secret/new",
        json!({"v": "new term"}),
    )
    .await
    .unwrap();

    // The standby adopts the new root key through its seal and, once active, reads all.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    n1.active.0.store(false, Ordering::SeqCst);
    n2.active.0.store(true, Ordering::SeqCst);
    for key in ["secret/old", "secret/new"] {
        let v = data(&n2.core, &root, Operation::Read, key, json!({})).await;
        assert!(
            v["v"].is_string(),
            "{key} unreadable on the standby turned active"
        );
    }
    // The recovery keys still authorise (a recovery rekey) after the barrier rekey.
    let st = n2
        .core
        .rekey_init(
            RekeyInitParams {
                secret_shares: 2,
                secret_threshold: 2,
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap();
    n2.core
        .rekey_update(&recovery[1], &st.nonce, true)
        .await
        .unwrap();
    assert!(matches!(
        n2.core
            .rekey_update(&recovery[2], &st.nonce, true)
            .await
            .unwrap(),
        RekeyUpdate::Done(_)
    ));

    // A restarted node unseals itself with the new root key.
    let n3 = start(&physical, Stanza::Static, true);
    n2.active.0.store(false, Ordering::SeqCst);
    assert!(n3.core.auto_unseal().await.unwrap());
    let v = data(&n3.core, &root, Operation::Read, "secret/old", json!({})).await;
    assert_eq!(v["v"], "old root key");
}
