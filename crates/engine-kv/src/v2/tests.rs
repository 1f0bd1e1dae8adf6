//! kv v2 driven end to end through `Backend::handle`, as the core would call it.

use std::sync::Arc;

use arca_sdk::{
    Error, Operation, Request, Response, Storage, framework::Backend, testing::MemoryStorage,
};
use serde_json::{Value, json};

use super::backend_with_clock;
use crate::timefmt::rfc3339_nanos;
use arca_sdk::clock::ManualClock;

/// 2024-01-02T03:04:05.123456789Z
const START: i64 = 1_704_164_645_123_456_789;
const HOUR: i64 = 3600;

struct Kv {
    backend: Backend,
    storage: Arc<MemoryStorage>,
    clock: Arc<ManualClock>,
}

impl Kv {
    fn new() -> Self {
        let clock = Arc::new(ManualClock::new(START));
        Kv {
            backend: backend_with_clock(clock.clone()).unwrap(),
            storage: Arc::new(MemoryStorage::default()),
            clock,
        }
    }

    fn now(&self) -> String {
        use arca_sdk::clock::Clock;
        rfc3339_nanos(self.clock.now_nanos())
    }

    async fn call(
        &self,
        op: Operation,
        path: &str,
        body: Value,
    ) -> Result<Option<Response>, Error> {
        let req = Request::new(op, path, self.storage.clone() as Arc<dyn Storage>).with_data(body);
        self.backend.handle(req).await
    }

    /// A call that must succeed with a response; returns its data as JSON.
    async fn ok(&self, op: Operation, path: &str, body: Value) -> Value {
        let resp = self.call(op, path, body).await.unwrap().unwrap();
        assert_eq!(resp.status, None, "unexpected status for {path}");
        Value::Object(resp.data.unwrap_or_default())
    }

    async fn put(&self, path: &str, body: Value) -> Value {
        self.ok(Operation::Update, path, body).await
    }

    async fn get(&self, path: &str) -> Value {
        self.ok(Operation::Read, path, json!({})).await
    }

    /// A call that must succeed with no response (204, or 404 for reads).
    async fn none(&self, op: Operation, path: &str, body: Value) {
        assert_eq!(
            self.call(op, path, body).await.unwrap(),
            None,
            "{op:?} {path}"
        );
    }

    /// A read that Vault answers 404 with a body (deleted or destroyed versions).
    async fn gone(&self, path: &str) -> Value {
        let resp = self
            .call(Operation::Read, path, json!({}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resp.status, Some(404));
        Value::Object(resp.data.unwrap())
    }

    async fn err(&self, op: Operation, path: &str, body: Value) -> Error {
        self.call(op, path, body).await.unwrap_err()
    }

    fn version_keys(&self) -> Vec<String> {
        self.storage
            .keys()
            .into_iter()
            .filter(|k| k.starts_with("versions/"))
            .collect()
    }
}

fn bad(msg: &str) -> Error {
    Error::BadRequest(msg.into())
}

#[tokio::test]
async fn write_and_read_latest() {
    let kv = Kv::new();
    let w = kv
        .put(
            "data/app/db",
            json!({"data": {"user": "admin", "nested": {"a": 1}}}),
        )
        .await;
    assert_eq!(
        w,
        json!({"version": 1, "created_time": "2024-01-02T03:04:05.123456789Z", "deletion_time": "",
               "destroyed": false, "custom_metadata": null})
    );
    let r = kv.get("data/app/db").await;
    assert_eq!(r["data"], json!({"user": "admin", "nested": {"a": 1}}));
    assert_eq!(r["metadata"], w);
    kv.none(Operation::Read, "data/other", json!({})).await;
}

#[tokio::test]
async fn versions_accumulate_and_old_ones_stay_readable() {
    let kv = Kv::new();
    for i in 1..=3 {
        kv.clock.advance_secs(1);
        let w = kv.put("data/s", json!({"data": {"i": i}})).await;
        assert_eq!(w["version"], json!(i));
    }
    assert_eq!(kv.get("data/s").await["data"], json!({"i": 3}));
    let v1 = kv
        .ok(Operation::Read, "data/s", json!({"version": "1"}))
        .await;
    assert_eq!(v1["data"], json!({"i": 1}));
    assert_eq!(v1["metadata"]["version"], json!(1));
    // version=0 means latest; a version that never existed is a plain 404.
    let v0 = kv
        .ok(Operation::Read, "data/s", json!({"version": 0}))
        .await;
    assert_eq!(v0["metadata"]["version"], json!(3));
    kv.none(Operation::Read, "data/s", json!({"version": 9}))
        .await;
    let m = kv.get("metadata/s").await;
    assert_eq!(m["current_version"], json!(3));
    assert_eq!(m["oldest_version"], json!(0));
    assert_eq!(m["versions"].as_object().unwrap().len(), 3);
}

#[tokio::test]
async fn check_and_set() {
    let kv = Kv::new();
    kv.put("data/c", json!({"options": {"cas": 0}, "data": {"v": 1}}))
        .await;
    let e = kv
        .err(
            Operation::Update,
            "data/c",
            json!({"options": {"cas": 0}, "data": {"v": 2}}),
        )
        .await;
    assert_eq!(
        e,
        bad("check-and-set parameter did not match the current version")
    );
    let e = kv
        .err(
            Operation::Update,
            "data/c",
            json!({"options": {"cas": 5}, "data": {"v": 2}}),
        )
        .await;
    assert_eq!(
        e,
        bad("check-and-set parameter did not match the current version")
    );
    let e = kv
        .err(
            Operation::Update,
            "data/c",
            json!({"options": {"cas": "x"}, "data": {"v": 2}}),
        )
        .await;
    assert_eq!(e, bad("error parsing check-and-set parameter"));
    let w = kv
        .put("data/c", json!({"options": {"cas": 1}, "data": {"v": 2}}))
        .await;
    assert_eq!(w["version"], json!(2));
    // Failed writes left nothing behind.
    assert_eq!(kv.version_keys().len(), 2);
}

#[tokio::test]
async fn cas_required_by_mount_or_key() {
    let kv = Kv::new();
    kv.none(Operation::Update, "config", json!({"cas_required": true}))
        .await;
    let e = kv
        .err(Operation::Update, "data/k", json!({"data": {"a": 1}}))
        .await;
    assert_eq!(e, bad("check-and-set parameter required for this call"));
    kv.put("data/k", json!({"options": {"cas": 0}, "data": {"a": 1}}))
        .await;
    kv.none(Operation::Update, "config", json!({"cas_required": false}))
        .await;
    kv.put("data/k", json!({"data": {"a": 2}})).await;

    kv.none(
        Operation::Update,
        "metadata/k",
        json!({"cas_required": true}),
    )
    .await;
    let e = kv
        .err(Operation::Patch, "data/k", json!({"data": {"a": 3}}))
        .await;
    assert_eq!(e, bad("check-and-set parameter required for this call"));
    let w = kv
        .ok(
            Operation::Patch,
            "data/k",
            json!({"options": {"cas": 2}, "data": {"a": 3}}),
        )
        .await;
    assert_eq!(w["version"], json!(3));
}

#[tokio::test]
async fn cas_required_false_on_key_warns_when_mount_requires_it() {
    let kv = Kv::new();
    kv.none(Operation::Update, "config", json!({"cas_required": true}))
        .await;
    let resp = kv
        .call(
            Operation::Update,
            "metadata/k",
            json!({"cas_required": false}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        resp.warnings,
        vec![
            "\"cas_required\" set to false, but is mandated by backend config. This value will be ignored."
        ]
    );
    // Still enforced.
    let e = kv
        .err(Operation::Update, "data/k", json!({"data": {"a": 1}}))
        .await;
    assert_eq!(e, bad("check-and-set parameter required for this call"));
}

#[tokio::test]
async fn max_versions_from_config_trims_oldest() {
    let kv = Kv::new();
    kv.none(Operation::Update, "config", json!({"max_versions": 3}))
        .await;
    for i in 1..=5 {
        kv.put("data/m", json!({"data": {"i": i}})).await;
    }
    let m = kv.get("metadata/m").await;
    let mut versions: Vec<&String> = m["versions"].as_object().unwrap().keys().collect();
    versions.sort();
    assert_eq!(versions, vec!["3", "4", "5"]);
    assert_eq!(m["oldest_version"], json!(3));
    assert_eq!(m["current_version"], json!(5));
    kv.none(Operation::Read, "data/m", json!({"version": 2}))
        .await;
    assert_eq!(
        kv.ok(Operation::Read, "data/m", json!({"version": 3}))
            .await["data"],
        json!({"i": 3})
    );
    assert_eq!(kv.version_keys().len(), 3);
}

#[tokio::test]
async fn default_max_versions_is_ten_and_key_setting_applies() {
    let kv = Kv::new();
    for i in 1..=11 {
        kv.put("data/d", json!({"data": {"i": i}})).await;
    }
    let m = kv.get("metadata/d").await;
    assert_eq!(m["oldest_version"], json!(2));
    assert_eq!(m["versions"].as_object().unwrap().len(), 10);
    assert_eq!(kv.version_keys().len(), 10);

    kv.none(Operation::Update, "metadata/d", json!({"max_versions": 2}))
        .await;
    kv.put("data/d", json!({"data": {"i": 12}})).await;
    let m = kv.get("metadata/d").await;
    assert_eq!(m["max_versions"], json!(2));
    assert_eq!(m["oldest_version"], json!(11));
    assert_eq!(kv.version_keys().len(), 2);
}

#[tokio::test]
async fn patch_merges_into_latest_version() {
    let kv = Kv::new();
    kv.put(
        "data/p",
        json!({"data": {"keep": "k", "drop": "d", "obj": {"x": 1, "y": 2}}}),
    )
    .await;
    let w = kv
        .ok(
            Operation::Patch,
            "data/p",
            json!({"data": {"drop": null, "new": true, "obj": {"y": null, "z": 3}}}),
        )
        .await;
    assert_eq!(w["version"], json!(2));
    assert_eq!(w["destroyed"], json!(false));
    assert_eq!(
        kv.get("data/p").await["data"],
        json!({"keep": "k", "new": true, "obj": {"x": 1, "z": 3}})
    );
    // Version 1 is untouched.
    assert_eq!(
        kv.ok(Operation::Read, "data/p", json!({"version": 1}))
            .await["data"]["drop"],
        json!("d")
    );
    let e = kv
        .err(
            Operation::Patch,
            "data/p",
            json!({"options": {"cas": 1}, "data": {"a": 1}}),
        )
        .await;
    assert_eq!(
        e,
        bad("check-and-set parameter did not match the current version")
    );
    let e = kv.err(Operation::Patch, "data/p", json!({})).await;
    assert_eq!(e, bad("no data provided"));
}

#[tokio::test]
async fn patch_needs_a_live_latest_version() {
    let kv = Kv::new();
    let missing = kv
        .call(Operation::Patch, "data/none", json!({"data": {"a": 1}}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        missing.raw.as_ref().map(|r| (r.status, r.body.len())),
        Some((404, 0))
    );

    kv.put("data/p", json!({"data": {"a": 1}})).await;
    kv.none(Operation::Delete, "data/p", json!({})).await;
    kv.clock.advance_secs(1);
    let resp = kv
        .call(Operation::Patch, "data/p", json!({"data": {"a": 2}}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status, Some(404));
    let body = Value::Object(resp.data.unwrap());
    assert_eq!(body["version"], json!(1));
    assert_ne!(body["deletion_time"], json!(""));

    kv.put("data/q", json!({"data": {"a": 1}})).await;
    kv.none(Operation::Update, "destroy/q", json!({"versions": [1]}))
        .await;
    let resp = kv
        .call(Operation::Patch, "data/q", json!({"data": {"a": 2}}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status, Some(404));
    assert_eq!(resp.data.unwrap()["destroyed"], json!(true));
    assert_eq!(kv.get("metadata/q").await["current_version"], json!(1));
}

#[tokio::test]
async fn soft_delete_and_undelete_latest() {
    let kv = Kv::new();
    kv.put("data/x", json!({"data": {"a": 1}})).await;
    kv.none(Operation::Delete, "data/x", json!({})).await;
    let deleted_at = kv.now();
    kv.clock.advance_secs(1);
    let body = kv.gone("data/x").await;
    assert_eq!(body["data"], Value::Null);
    assert_eq!(body["metadata"]["deletion_time"], json!(deleted_at));
    assert_eq!(body["metadata"]["destroyed"], json!(false));
    // Deleting again changes nothing.
    kv.none(Operation::Delete, "data/x", json!({})).await;
    assert_eq!(
        kv.gone("data/x").await["metadata"]["deletion_time"],
        json!(deleted_at)
    );

    kv.none(Operation::Update, "undelete/x", json!({"versions": [1]}))
        .await;
    let r = kv.get("data/x").await;
    assert_eq!(r["data"], json!({"a": 1}));
    assert_eq!(r["metadata"]["deletion_time"], json!(""));
    // Deleting a missing secret is fine.
    kv.none(Operation::Delete, "data/none", json!({})).await;
}

#[tokio::test]
async fn delete_undelete_destroy_chosen_versions() {
    let kv = Kv::new();
    for i in 1..=3 {
        kv.put("data/v", json!({"data": {"i": i}})).await;
    }
    kv.none(Operation::Update, "delete/v", json!({"versions": "1,2"}))
        .await;
    kv.clock.advance_secs(1);
    for v in [1, 2] {
        let resp = kv
            .call(Operation::Read, "data/v", json!({"version": v}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resp.status, Some(404));
    }
    assert_eq!(kv.get("data/v").await["data"], json!({"i": 3}));

    kv.none(Operation::Update, "undelete/v", json!({"versions": [2]}))
        .await;
    assert_eq!(
        kv.ok(Operation::Read, "data/v", json!({"version": 2}))
            .await["data"],
        json!({"i": 2})
    );

    kv.none(Operation::Update, "destroy/v", json!({"versions": [1, 2]}))
        .await;
    assert_eq!(kv.version_keys().len(), 1);
    let resp = kv
        .call(Operation::Read, "data/v", json!({"version": 2}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status, Some(404));
    assert_eq!(resp.data.unwrap()["metadata"]["destroyed"], json!(true));
    // Undelete cannot bring back destroyed data.
    kv.none(Operation::Update, "undelete/v", json!({"versions": [1, 2]}))
        .await;
    let m = kv.get("metadata/v").await;
    assert_eq!(m["versions"]["1"]["destroyed"], json!(true));
    assert_eq!(m["versions"]["2"]["destroyed"], json!(true));
    assert_eq!(m["versions"]["3"]["destroyed"], json!(false));

    for (path, msg) in [
        ("delete/v", "No version number provided"),
        ("undelete/v", "No version number provided"),
        ("destroy/v", "no version number provided"),
    ] {
        assert_eq!(kv.err(Operation::Update, path, json!({})).await, bad(msg));
    }
    let e = kv
        .err(Operation::Update, "delete/v", json!({"versions": ["one"]}))
        .await;
    assert!(matches!(e, Error::BadRequest(m) if m.contains("versions")));
    // Unknown secrets are a no-op.
    kv.none(Operation::Update, "destroy/none", json!({"versions": [1]}))
        .await;
}

#[tokio::test]
async fn gone_helper_rejects_live_reads() {
    let kv = Kv::new();
    kv.put("data/live", json!({"data": {"a": 1}})).await;
    let resp = kv
        .call(Operation::Read, "data/live", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status, None);
}

#[tokio::test]
async fn metadata_read_write_and_custom_metadata() {
    let kv = Kv::new();
    kv.none(
        Operation::Update,
        "metadata/m",
        json!({"max_versions": 5, "cas_required": true, "delete_version_after": "1h",
               "custom_metadata": {"owner": "team-a", "n": 7}}),
    )
    .await;
    let created = kv.now();
    let m = kv.get("metadata/m").await;
    assert_eq!(
        m,
        json!({"versions": {}, "current_version": 0, "oldest_version": 0, "created_time": created,
               "updated_time": created, "max_versions": 5, "cas_required": true,
               "delete_version_after": "1h0m0s", "custom_metadata": {"owner": "team-a", "n": "7"}})
    );
    // Metadata without versions: the secret exists but has nothing to read; cas 0 works.
    kv.none(Operation::Read, "data/m", json!({})).await;
    kv.clock.advance_secs(10);
    let w = kv
        .put("data/m", json!({"options": {"cas": 0}, "data": {"a": 1}}))
        .await;
    assert_eq!(w["custom_metadata"], json!({"owner": "team-a", "n": "7"}));
    let m = kv.get("metadata/m").await;
    assert_eq!(m["created_time"], json!(created));
    assert_eq!(m["updated_time"], json!(kv.now()));
    assert_eq!(m["versions"]["1"]["created_time"], json!(kv.now()));
    // The key's delete_version_after schedules deletion.
    let expected = rfc3339_nanos(START + 10 * 1_000_000_000 + HOUR * 1_000_000_000);
    assert_eq!(m["versions"]["1"]["deletion_time"], json!(expected));

    // Replacing custom_metadata with {} clears it (reported as null).
    kv.none(
        Operation::Update,
        "metadata/m",
        json!({"custom_metadata": {}}),
    )
    .await;
    assert_eq!(kv.get("metadata/m").await["custom_metadata"], Value::Null);
    // An empty write changes nothing.
    kv.none(Operation::Update, "metadata/m", json!({})).await;
    assert_eq!(kv.get("metadata/m").await["max_versions"], json!(5));
}

#[tokio::test]
async fn metadata_patch_merges_settings() {
    let kv = Kv::new();
    kv.put("data/mp", json!({"data": {"a": 1}})).await;
    kv.none(
        Operation::Update,
        "metadata/mp",
        json!({"custom_metadata": {"a": "1", "b": "2"}, "max_versions": 4}),
    )
    .await;
    kv.none(
        Operation::Patch,
        "metadata/mp",
        json!({"custom_metadata": {"a": null, "c": "3"}, "cas_required": true}),
    )
    .await;
    let m = kv.get("metadata/mp").await;
    assert_eq!(m["custom_metadata"], json!({"b": "2", "c": "3"}));
    assert_eq!(m["cas_required"], json!(true));
    assert_eq!(m["max_versions"], json!(4));
    assert_eq!(m["current_version"], json!(1));
    kv.none(
        Operation::Patch,
        "metadata/mp",
        json!({"custom_metadata": null}),
    )
    .await;
    assert_eq!(kv.get("metadata/mp").await["custom_metadata"], Value::Null);

    let missing = kv
        .call(
            Operation::Patch,
            "metadata/none",
            json!({"max_versions": 1}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(missing.raw.map(|r| r.status), Some(404));
    let e = kv
        .err(
            Operation::Patch,
            "metadata/mp",
            json!({"custom_metadata": {"k": ""}}),
        )
        .await;
    assert!(matches!(e, Error::BadRequest(m) if m.contains("custom_metadata validation failed")));
}

#[tokio::test]
async fn metadata_write_rejects_bad_input() {
    let kv = Kv::new();
    let e = kv
        .err(
            Operation::Update,
            "metadata/x",
            json!({"custom_metadata": {"k": ""}}),
        )
        .await;
    assert!(matches!(e, Error::BadRequest(m) if m.starts_with("1 error occurred:")));
    let e = kv
        .err(
            Operation::Update,
            "metadata/x",
            json!({"custom_metadata": "k=v"}),
        )
        .await;
    assert!(matches!(e, Error::BadRequest(_)));
    let e = kv
        .err(
            Operation::Update,
            "metadata/x",
            json!({"max_versions": "lots"}),
        )
        .await;
    assert!(matches!(e, Error::BadRequest(m) if m.contains("max_versions")));
    let e = kv
        .err(Operation::Update, "metadata/x", json!({"max_versions": -1}))
        .await;
    assert!(matches!(e, Error::BadRequest(m) if m.contains("max_versions")));
    let e = kv
        .err(
            Operation::Update,
            "metadata/x",
            json!({"delete_version_after": "-1s"}),
        )
        .await;
    assert!(matches!(e, Error::BadRequest(m) if m.contains("delete_version_after")));
    assert_eq!(
        kv.err(Operation::Update, "metadata/", json!({"max_versions": 1}))
            .await,
        bad("missing path")
    );
    assert!(kv.storage.keys().is_empty());
}

#[tokio::test]
async fn metadata_delete_removes_every_version() {
    let kv = Kv::new();
    for i in 0..3 {
        kv.put("data/gone", json!({"data": {"i": i}})).await;
    }
    kv.put("data/stay", json!({"data": {"i": 0}})).await;
    kv.none(Operation::Delete, "metadata/gone", json!({})).await;
    kv.none(Operation::Read, "data/gone", json!({})).await;
    kv.none(Operation::Read, "metadata/gone", json!({})).await;
    assert_eq!(kv.version_keys().len(), 1);
    assert_eq!(
        kv.storage
            .keys()
            .iter()
            .filter(|k| k.starts_with("metadata/"))
            .count(),
        1
    );
    // A new write starts again at version 1.
    assert_eq!(
        kv.put("data/gone", json!({"data": {"i": 9}})).await["version"],
        json!(1)
    );
    kv.none(Operation::Delete, "metadata/never", json!({}))
        .await;
}

#[tokio::test]
async fn list_secrets_and_folders() {
    let kv = Kv::new();
    for p in ["a", "dir/b", "dir/c", "dir/sub/d", "z"] {
        kv.put(&format!("data/{p}"), json!({"data": {"v": 1}}))
            .await;
    }
    let root = kv.ok(Operation::List, "metadata/", json!({})).await;
    assert_eq!(root["keys"], json!(["a", "dir/", "z"]));
    for p in ["metadata/dir", "metadata/dir/"] {
        assert_eq!(
            kv.ok(Operation::List, p, json!({})).await["keys"],
            json!(["b", "c", "sub/"])
        );
    }
    kv.none(Operation::List, "metadata/nothing/", json!({}))
        .await;

    kv.none(Operation::Delete, "data/dir/b", json!({})).await;
    let filtered = kv
        .ok(
            Operation::List,
            "metadata/dir/",
            json!({"exclude_deleted": "true"}),
        )
        .await;
    assert_eq!(filtered["keys"], json!(["c", "sub/"]));
    let all = kv.ok(Operation::List, "metadata/dir/", json!({})).await;
    assert_eq!(all["keys"], json!(["b", "c", "sub/"]));
}

#[tokio::test]
async fn config_read_write() {
    let kv = Kv::new();
    let c = kv.get("config").await;
    assert_eq!(
        c,
        json!({"max_versions": 0, "cas_required": false, "delete_version_after": "0s"})
    );
    kv.none(
        Operation::Update,
        "config",
        json!({"max_versions": 7, "delete_version_after": "90m"}),
    )
    .await;
    let c = kv.get("config").await;
    assert_eq!(
        c,
        json!({"max_versions": 7, "cas_required": false, "delete_version_after": "1h30m0s"})
    );
    kv.none(
        Operation::Update,
        "config",
        json!({"delete_version_after": "-5m"}),
    )
    .await;
    assert_eq!(kv.get("config").await["delete_version_after"], json!("-1s"));
    kv.none(
        Operation::Update,
        "config",
        json!({"delete_version_after": 0}),
    )
    .await;
    assert_eq!(kv.get("config").await["delete_version_after"], json!("0s"));
    assert_eq!(kv.get("config").await["max_versions"], json!(7));
    let e = kv
        .err(
            Operation::Update,
            "config",
            json!({"delete_version_after": "soon"}),
        )
        .await;
    assert!(matches!(e, Error::BadRequest(m) if m.contains("delete_version_after")));
    let e = kv
        .err(
            Operation::Update,
            "config",
            json!({"cas_required": "maybe"}),
        )
        .await;
    assert!(matches!(e, Error::BadRequest(_)));
}

#[tokio::test]
async fn delete_version_after_expires_versions_on_read() {
    let kv = Kv::new();
    kv.none(
        Operation::Update,
        "config",
        json!({"delete_version_after": "1h"}),
    )
    .await;
    let w = kv.put("data/t", json!({"data": {"a": 1}})).await;
    assert_eq!(
        w["deletion_time"],
        json!(rfc3339_nanos(START + HOUR * 1_000_000_000))
    );
    kv.clock.advance_secs(HOUR - 1);
    assert_eq!(kv.get("data/t").await["data"], json!({"a": 1}));
    kv.clock.advance_secs(2);
    let body = kv.gone("data/t").await;
    assert_eq!(body["data"], Value::Null);
    // The latest version being expired blocks patch too; a new write works.
    let resp = kv
        .call(Operation::Patch, "data/t", json!({"data": {"b": 2}}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status, Some(404));
    // Undelete reschedules from now.
    kv.none(Operation::Update, "undelete/t", json!({"versions": [1]}))
        .await;
    let r = kv.get("data/t").await;
    assert_eq!(r["data"], json!({"a": 1}));
    assert_eq!(
        r["metadata"]["deletion_time"],
        json!(rfc3339_nanos(START + (2 * HOUR + 1) * 1_000_000_000))
    );
    // The smaller of key and mount settings wins; disabling at the mount wins over both.
    kv.none(
        Operation::Update,
        "metadata/t",
        json!({"delete_version_after": "10m"}),
    )
    .await;
    let w = kv.put("data/t", json!({"data": {"a": 2}})).await;
    assert_eq!(
        w["deletion_time"],
        json!(rfc3339_nanos(
            START + (HOUR + 1) * 1_000_000_000 + 600 * 1_000_000_000
        ))
    );
    kv.none(
        Operation::Update,
        "config",
        json!({"delete_version_after": -1}),
    )
    .await;
    assert_eq!(
        kv.put("data/t", json!({"data": {"a": 3}})).await["deletion_time"],
        json!("")
    );
}

#[tokio::test]
async fn subkeys_show_structure_only() {
    let kv = Kv::new();
    kv.put(
        "data/s",
        json!({"data": {"user": "u", "db": {"host": "h", "port": 1}}}),
    )
    .await;
    let r = kv.get("subkeys/s").await;
    assert_eq!(
        r["subkeys"],
        json!({"user": null, "db": {"host": null, "port": null}})
    );
    assert_eq!(r["metadata"]["version"], json!(1));
    let r = kv
        .ok(Operation::Read, "subkeys/s", json!({"depth": "1"}))
        .await;
    assert_eq!(r["subkeys"], json!({"user": null, "db": null}));
    kv.none(Operation::Read, "subkeys/none", json!({})).await;
    kv.none(Operation::Delete, "data/s", json!({})).await;
    kv.clock.advance_secs(1);
    let resp = kv
        .call(Operation::Read, "subkeys/s", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status, Some(404));
    assert_eq!(resp.data.unwrap()["subkeys"], Value::Null);
}

#[tokio::test]
async fn invalid_paths_answer_404_with_a_hint() {
    let kv = Kv::new();
    for (op, path, hint) in [
        (Operation::Read, "foo", "use 'vault kv get'"),
        (Operation::Update, "foo", "use 'vault kv put'"),
        (Operation::List, "data/", "use 'vault kv list'"),
        (Operation::Read, "data/foo/", "use 'vault kv get'"),
        (
            Operation::Read,
            "data",
            "Non-listing operations on the root",
        ),
        (
            Operation::Delete,
            "metadata",
            "Non-listing operations on the root",
        ),
    ] {
        let resp = kv.call(op, path, json!({})).await.unwrap().unwrap();
        assert_eq!(resp.status, Some(404), "{path}");
        assert!(
            resp.warnings[0].contains(hint),
            "{path}: {:?}",
            resp.warnings
        );
        assert!(resp.data.is_none());
    }
}

#[tokio::test]
async fn parent_references_are_rejected() {
    let kv = Kv::new();
    for (op, path, body) in [
        (Operation::Update, "data/a/../b", json!({"data": {"a": 1}})),
        (Operation::Read, "data/../x", json!({})),
        (Operation::Patch, "data/a/..", json!({"data": {"a": 1}})),
        (
            Operation::Update,
            "metadata/../x",
            json!({"max_versions": 1}),
        ),
        (Operation::List, "metadata/../", json!({})),
        (Operation::Update, "delete/../x", json!({"versions": [1]})),
        (
            Operation::Update,
            "destroy/x/../y",
            json!({"versions": [1]}),
        ),
        (Operation::Read, "subkeys/..", json!({})),
    ] {
        let e = kv.err(op, path, body).await;
        assert_eq!(
            e,
            bad("path cannot contain parent references"),
            "{op:?} {path}"
        );
    }
    assert!(kv.storage.keys().is_empty());
}

#[tokio::test]
async fn data_write_input_errors() {
    let kv = Kv::new();
    assert_eq!(
        kv.err(Operation::Update, "data/x", json!({})).await,
        bad("no data provided")
    );
    assert_eq!(
        kv.err(Operation::Update, "data/x", json!({"data": null}))
            .await,
        bad("no data provided")
    );
    let e = kv
        .err(Operation::Update, "data/x", json!({"data": "plain"}))
        .await;
    assert!(matches!(e, Error::BadRequest(m) if m.contains("\"data\"")));
    let e = kv
        .err(
            Operation::Update,
            "data/x",
            json!({"data": {}, "options": 3}),
        )
        .await;
    assert!(matches!(e, Error::BadRequest(m) if m.contains("\"options\"")));
    let e = kv
        .err(Operation::Read, "data/x", json!({"version": "latest"}))
        .await;
    assert!(matches!(e, Error::BadRequest(m) if m.contains("\"version\"")));
    // An empty data object is a valid (empty) secret.
    assert_eq!(
        kv.put("data/x", json!({"data": {}})).await["version"],
        json!(1)
    );
    assert_eq!(kv.get("data/x").await["data"], json!({}));
}

#[tokio::test]
async fn existence_checks_follow_metadata() {
    let kv = Kv::new();
    let req = |path: &str| {
        Request::new(
            Operation::Update,
            path,
            kv.storage.clone() as Arc<dyn Storage>,
        )
    };
    assert_eq!(
        kv.backend.exists(&req("data/e")).await.unwrap(),
        Some(false)
    );
    assert_eq!(
        kv.backend.exists(&req("metadata/e")).await.unwrap(),
        Some(false)
    );
    kv.put("data/e", json!({"data": {"a": 1}})).await;
    assert_eq!(kv.backend.exists(&req("data/e")).await.unwrap(), Some(true));
    assert_eq!(
        kv.backend.exists(&req("metadata/e")).await.unwrap(),
        Some(true)
    );
    assert_eq!(kv.backend.exists(&req("config")).await.unwrap(), None);
}

#[tokio::test]
async fn storage_keys_do_not_repeat_secret_names_in_version_keys() {
    let kv = Kv::new();
    kv.put("data/prod/db-password", json!({"data": {"p": "hunter2"}}))
        .await;
    let keys = kv.storage.keys();
    assert!(keys.contains(&"metadata/prod/db-password".to_string()));
    assert!(kv.version_keys().iter().all(|k| !k.contains("db-password")));
    // Metadata never holds the secret's data.
    let meta = kv
        .storage
        .get("metadata/prod/db-password")
        .await
        .unwrap()
        .unwrap();
    assert!(!String::from_utf8_lossy(&meta).contains("hunter2"));
}
