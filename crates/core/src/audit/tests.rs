//! Audit devices through the core: entries around the backend call, failures logged,
//! fail-closed when every device fails (nothing committed), salts kept across a reseal.

use std::{collections::BTreeMap, sync::Arc};

use arca_sdk::{Error, Operation};
use arca_storage::{MemoryPhysical, Physical};
use serde_json::{Value, json};

use crate::{Core, CoreRequest, test_support};

struct Node {
    core: Arc<Core>,
    physical: Arc<MemoryPhysical>,
    root: String,
    key: Vec<u8>,
}

async fn node() -> Node {
    let physical = Arc::new(MemoryPhysical::default());
    let core = test_support::new_core(physical.clone());
    let (root, key) = test_support::init_unsealed(&core).await;
    let n = Node {
        core,
        physical,
        root,
        key,
    };
    n.call(
        Operation::Update,
        "sys/mounts/secret",
        json!({"type": "kv", "options": {"version": "2"}}),
    )
    .await
    .unwrap();
    n
}

impl Node {
    async fn call(&self, op: Operation, path: &str, body: Value) -> Result<Option<Value>, Error> {
        let mut req = CoreRequest::new(op, path).token(&self.root).data(body);
        req.id = uuid::Uuid::new_v4().to_string();
        req.remote_addr = Some("10.0.0.9".into());
        self.core
            .handle(req)
            .await
            .map(|r| r.and_then(|r| r.data).map(Value::Object))
    }

    async fn enable(&self, path: &str, options: Value) {
        self.call(
            Operation::Update,
            &format!("sys/audit/{path}"),
            json!({"type": "file", "options": options}),
        )
        .await
        .unwrap();
    }

    async fn hash(&self, path: &str, input: &str) -> String {
        let d = self
            .call(
                Operation::Update,
                &format!("sys/audit-hash/{path}"),
                json!({ "input": input }),
            )
            .await
            .unwrap()
            .unwrap();
        d["hash"].as_str().unwrap().to_string()
    }

    /// Every stored key and value.
    async fn dump(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for k in self.physical.list_keys("").await.unwrap() {
            let v = self.physical.get(&k).await.unwrap().unwrap_or_default();
            out.insert(k, v);
        }
        out
    }
}

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn entries_surround_the_backend_and_failures_are_logged() {
    let n = node().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    n.enable("file", json!({"file_path": log.to_str().unwrap()}))
        .await;
    let listed = n
        .call(Operation::Read, "sys/audit", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(listed["file/"]["type"], "file");

    n.call(
        Operation::Update,
        "secret/data/app",
        json!({"data": {"password": "core-canary"}}),
    )
    .await
    .unwrap();
    // A backend error: a request entry, then a response entry with the error.
    let bad = n
        .call(Operation::Update, "secret/data/app", json!({"nodata": 1}))
        .await;
    assert!(bad.is_err());
    // A path with no mount: the request entry itself carries the error.
    assert!(
        n.call(Operation::Read, "nomount/x", json!({}))
            .await
            .is_err()
    );

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("core-canary"));
    assert!(!text.contains(&n.root));
    let entries = lines(&log);
    let hash = n.hash("file", "core-canary").await;
    let write: Vec<&Value> = entries
        .iter()
        .filter(|e| e["request"]["path"] == "secret/data/app")
        .collect();
    assert_eq!(write.len(), 4, "{write:?}");
    assert_eq!(write[0]["type"], "request");
    assert_eq!(write[0]["request"]["operation"], "create");
    assert_eq!(write[0]["request"]["mount_point"], "secret/");
    assert_eq!(write[0]["request"]["mount_class"], "secret");
    assert_eq!(write[0]["request"]["remote_address"], "10.0.0.9");
    assert_eq!(write[0]["request"]["data"]["data"]["password"], json!(hash));
    assert_eq!(write[0]["auth"]["policies"], json!(["root"]));
    assert_eq!(write[1]["type"], "response");
    assert_eq!(
        write[1]["response"]["data"]["version"],
        json!(n.hash("file", "1").await)
    );
    assert!(write[1].get("error").is_none());
    assert_eq!(write[2]["type"], "request");
    assert!(write[2].get("error").is_none());
    assert_eq!(write[3]["type"], "response");
    assert!(
        write[3]["error"]
            .as_str()
            .unwrap()
            .contains("no data provided"),
        "{}",
        write[3]
    );
    let missing = entries
        .iter()
        .find(|e| e["request"]["path"] == "nomount/x")
        .unwrap();
    assert_eq!(missing["type"], "request");
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .contains("no handler for route")
    );
}

#[tokio::test]
async fn every_device_failing_fails_the_request_and_commits_nothing() {
    let n = node().await;
    // /dev/full opens but refuses every write; mode 0 leaves it as it is.
    n.enable("discard", json!({"file_path": "discard"})).await;
    n.enable("full", json!({"file_path": "/dev/full", "mode": "0000"}))
        .await;
    // One device still records: requests go through.
    n.call(
        Operation::Update,
        "secret/data/a",
        json!({"data": {"k": "v"}}),
    )
    .await
    .unwrap();
    n.call(Operation::Delete, "sys/audit/discard", json!({}))
        .await
        .unwrap();

    let before = n.dump().await;
    let err = n
        .call(
            Operation::Update,
            "secret/data/b",
            json!({"data": {"k": "v"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Status {
            status: 500,
            message: "internal error".into()
        }
    );
    assert!(
        n.call(Operation::Read, "secret/data/a", json!({}))
            .await
            .is_err()
    );
    assert_eq!(
        n.dump().await,
        before,
        "a request that was not audited committed"
    );
}

#[tokio::test]
async fn salts_survive_a_reseal_and_devices_are_reloaded() {
    let n = node().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    n.enable("file", json!({"file_path": log.to_str().unwrap()}))
        .await;
    let before = n.hash("file", "value").await;
    let other_dir = tempfile::tempdir().unwrap();
    n.enable(
        "second",
        json!({"file_path": other_dir.path().join("b.log").to_str().unwrap()}),
    )
    .await;
    assert_ne!(
        n.hash("second", "value").await,
        before,
        "salts are per device"
    );

    n.core.seal().await;
    std::fs::remove_file(&log).unwrap();
    n.core.unseal(&n.key).await.unwrap();
    // Loaded at unseal: the file is back before any request.
    assert!(log.exists());
    assert_eq!(n.hash("file", "value").await, before);

    // Disabling removes the device and its salt.
    n.call(Operation::Delete, "sys/audit/second", json!({}))
        .await
        .unwrap();
    let err = n
        .call(
            Operation::Update,
            "sys/audit-hash/second",
            json!({"input": "x"}),
        )
        .await
        .unwrap_err();
    assert_eq!(err, Error::bad_request("unknown audit backend"));
    let keys = n.physical.list_keys("audit/").await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
}

#[tokio::test]
async fn a_table_changed_elsewhere_is_picked_up_by_the_next_request() {
    let n = node().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    n.enable("file", json!({"file_path": log.to_str().unwrap()}))
        .await;
    n.call(Operation::Read, "sys/audit", json!({}))
        .await
        .unwrap();
    let size = std::fs::metadata(&log).unwrap().len();
    assert!(size > 0);
    // Another node (through raft) empties the table: this node's next request sees it.
    let tx = n.core.barrier.begin();
    super::table::AuditTable::default().save(&tx).await.unwrap();
    n.core.barrier.commit(&tx).await.unwrap();
    n.call(Operation::Read, "sys/audit", json!({}))
        .await
        .unwrap();
    assert_eq!(std::fs::metadata(&log).unwrap().len(), size);
}
