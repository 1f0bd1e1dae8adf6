//! Registers over kv-v2: each key is one secret whose data is `{"value": <integer>}`.
//!
//! - read = `GET <mount>/data/<prefix>/<key>`: records `{"version", "value"}` from the
//!   response's `metadata.version` and `data.value` (a 404 "not found" is version 0, null).
//! - write = `POST <mount>/data/<prefix>/<key>` with `{"data": {"value": x}}`: records the
//!   version the server acknowledges.
//! - cas = the same POST with `options.cas = <expected version>`. kv-v2 compares versions,
//!   so the client uses the newest (version, value) pair anyone has observed on that key
//!   and records both: `{"expect_version", "expect_value", "value"}`. Written values are
//!   unique across the run, so version v and the value read at version v identify the same
//!   state; the model checks the pair (see `model::register`). A mismatch answer (400,
//!   "check-and-set parameter did not match the current version") is a `fail`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use rand::Rng;
use rand::rngs::StdRng;
use reqwest::Method;
use serde_json::{Value, json};

use super::keys::KeyPool;
use super::{
    Completion, Invocation, Workload, WorkloadConfig, WorkloadError, is_not_found, probe_until,
};
use crate::client::Cluster;
use crate::history::F;

/// kv-v2's CAS mismatch message.
const CAS_MISMATCH: &str = "check-and-set parameter did not match";

/// The register workload.
#[derive(Debug)]
pub struct RegisterWorkload {
    cfg: WorkloadConfig,
    keys: KeyPool,
    next_value: AtomicI64,
    /// Newest (version, value) observed per key, for CAS expectations.
    seen: Mutex<HashMap<String, (u64, Option<i64>)>>,
}

impl RegisterWorkload {
    /// A register workload under `cfg.prefix`.
    pub fn new(cfg: WorkloadConfig) -> Self {
        RegisterWorkload {
            keys: KeyPool::new("r", cfg.active_keys, cfg.ops_per_key),
            cfg,
            next_value: AtomicI64::new(1),
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn path(&self, key: &str) -> String {
        format!("{}/data/{}/{key}", self.cfg.mount, self.cfg.prefix)
    }

    fn observe(&self, key: &str, version: u64, value: Option<i64>) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let e = seen.entry(key.to_string()).or_insert((0, None));
        if version >= e.0 {
            *e = (version, value);
        }
    }

    async fn read(&self, cluster: &Cluster, node: usize, key: &str) -> Completion {
        let reply = match cluster
            .call(node, Method::GET, &self.path(key), None, None)
            .await
        {
            Ok(r) => r,
            Err(e) => return Completion::from_call_error(&e),
        };
        if is_not_found(&reply) {
            return Completion::ok(json!({ "version": 0, "value": null }));
        }
        if reply.status != 200 {
            return Completion::from_status(&reply);
        }
        let data = &reply.body["data"];
        let Some(version) = data["metadata"]["version"].as_u64() else {
            return Completion::malformed("read without metadata.version");
        };
        let value = &data["data"]["value"];
        if !(value.is_null() || value.is_i64()) {
            return Completion::malformed("read value is not an integer");
        }
        self.observe(key, version, value.as_i64());
        Completion::ok(json!({ "version": version, "value": value }))
    }

    async fn write(
        &self,
        cluster: &Cluster,
        node: usize,
        inv: &Invocation,
        cas: Option<u64>,
    ) -> Completion {
        let Some(x) = inv.args["value"].as_i64() else {
            return Completion::fail("invocation without a value");
        };
        let mut body = json!({ "data": { "value": x } });
        if let Some(v) = cas {
            body["options"] = json!({ "cas": v });
        }
        let reply = match cluster
            .call(node, Method::POST, &self.path(&inv.key), Some(&body), None)
            .await
        {
            Ok(r) => r,
            Err(e) => return Completion::from_call_error(&e),
        };
        if reply.status == 400
            && cas.is_some()
            && reply.error_text().is_some_and(|m| m.contains(CAS_MISMATCH))
        {
            return Completion::fail("cas mismatch");
        }
        if reply.status != 200 && reply.status != 204 {
            return Completion::from_status(&reply);
        }
        match reply.body["data"]["version"].as_u64() {
            Some(v) => {
                self.observe(&inv.key, v, Some(x));
                Completion::ok(json!({ "value": x, "version": v }))
            }
            None => Completion::ok(json!({ "value": x })),
        }
    }
}

#[async_trait]
impl Workload for RegisterWorkload {
    fn name(&self) -> &'static str {
        "register"
    }

    async fn setup(&self, cluster: &Cluster) -> Result<(), WorkloadError> {
        let path = self.path("probe");
        probe_until("writing a probe secret", || async {
            let body = json!({ "data": { "value": 0 } });
            let r = cluster
                .call(0, Method::POST, &path, Some(&body), None)
                .await
                .map_err(|e| e.to_string())?;
            if r.status != 200 {
                return Err(r.describe());
            }
            let r = cluster
                .call(0, Method::GET, &path, None, None)
                .await
                .map_err(|e| e.to_string())?;
            match r.body["data"]["data"]["value"].as_i64() {
                Some(0) if r.status == 200 => Ok(()),
                _ => Err(format!("probe read back {}", r.describe())),
            }
        })
        .await
    }

    fn next(&self, rng: &mut StdRng) -> Option<Invocation> {
        let key = self.keys.pick(rng);
        let roll = rng.random_range(0..100);
        let inv = if roll < 50 {
            Invocation {
                f: F::Read,
                key,
                args: Value::Null,
            }
        } else {
            let value = self.next_value.fetch_add(1, Ordering::Relaxed);
            if roll < 75 {
                Invocation {
                    f: F::Write,
                    key,
                    args: json!({ "value": value }),
                }
            } else {
                let (v, x) = self
                    .seen
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(&key)
                    .copied()
                    .unwrap_or((0, None));
                Invocation {
                    f: F::Cas,
                    key,
                    args: json!({ "expect_version": v, "expect_value": x, "value": value }),
                }
            }
        };
        Some(inv)
    }

    async fn invoke(&self, cluster: &Cluster, node: usize, inv: &Invocation) -> Completion {
        match inv.f {
            F::Read => self.read(cluster, node, &inv.key).await,
            F::Write => self.write(cluster, node, inv, None).await,
            F::Cas => match inv.args["expect_version"].as_u64() {
                Some(v) => self.write(cluster, node, inv, Some(v)).await,
                None => Completion::fail("cas without an expected version"),
            },
            other => Completion::fail(format!("{} is not a register operation", other.name())),
        }
    }

    fn final_reads(&self) -> Vec<Invocation> {
        self.keys
            .all()
            .into_iter()
            .map(|key| Invocation {
                f: F::Read,
                key,
                args: Value::Null,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn workload() -> RegisterWorkload {
        RegisterWorkload::new(WorkloadConfig {
            mount: "secret".into(),
            prefix: "jepsen/t1".into(),
            active_keys: 2,
            ops_per_key: 10,
        })
    }

    #[test]
    fn generates_a_mix_with_unique_values_and_observed_cas_expectations() {
        let w = workload();
        w.observe("r0", 4, Some(17));
        w.observe("r0", 3, Some(9)); // older: ignored
        let mut rng = StdRng::seed_from_u64(3);
        let mut values = std::collections::HashSet::new();
        let mut fs = std::collections::HashSet::new();
        for _ in 0..200 {
            let inv = w.next(&mut rng).unwrap();
            fs.insert(inv.f);
            if let Some(x) = inv.args.get("value").and_then(Value::as_i64) {
                assert!(values.insert(x), "value {x} written twice");
            }
            if inv.f == F::Cas && inv.key == "r0" {
                assert_eq!(inv.args["expect_version"], 4);
                assert_eq!(inv.args["expect_value"], 17);
            }
        }
        assert_eq!(fs.len(), 3);
        assert_eq!(w.path("r3"), "secret/data/jepsen/t1/r3");
        assert!(w.final_reads().iter().all(|i| i.f == F::Read));
        assert!(w.final_reads().len() >= 200 / 10);
    }
}
