//! A grow-only set over kv-v2: `add(e)` writes the secret `<set>/<e>`; `read-set` LISTs
//! `metadata/<set>/` and returns the element names as integers.
//!
//! A LIST touches many keys at once, so this workload checks that a read is a consistent
//! snapshot: an acknowledged add must be in every later read, and no read may go back.

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

/// The set workload.
#[derive(Debug)]
pub struct SetWorkload {
    cfg: WorkloadConfig,
    sets: KeyPool,
    next_element: AtomicI64,
}

impl SetWorkload {
    /// A set workload under `cfg.prefix`.
    pub fn new(cfg: WorkloadConfig) -> Self {
        SetWorkload {
            sets: KeyPool::new("s", cfg.active_keys, cfg.ops_per_key),
            cfg,
            next_element: AtomicI64::new(1),
        }
    }

    fn element_path(&self, set: &str, e: i64) -> String {
        format!("{}/data/{}/{set}/{e}", self.cfg.mount, self.cfg.prefix)
    }

    fn list_path(&self, set: &str) -> String {
        format!(
            "{}/metadata/{}/{set}/?list=true",
            self.cfg.mount, self.cfg.prefix
        )
    }

    async fn add(&self, cluster: &Cluster, node: usize, inv: &Invocation) -> Completion {
        let Some(e) = inv.args.as_i64() else {
            return Completion::fail("invocation without an element");
        };
        let body = json!({ "data": { "e": e } });
        match cluster
            .call(
                node,
                Method::POST,
                &self.element_path(&inv.key, e),
                Some(&body),
                None,
            )
            .await
        {
            Ok(r) if r.status == 200 || r.status == 204 => Completion::ok(json!(e)),
            Ok(r) => Completion::from_status(&r),
            Err(err) => Completion::from_call_error(&err),
        }
    }

    async fn read(&self, cluster: &Cluster, node: usize, set: &str) -> Completion {
        let reply = match cluster
            .call(node, Method::GET, &self.list_path(set), None, None)
            .await
        {
            Ok(r) => r,
            Err(e) => return Completion::from_call_error(&e),
        };
        if is_not_found(&reply) {
            return Completion::ok(json!([]));
        }
        if reply.status != 200 {
            return Completion::from_status(&reply);
        }
        match parse_keys(&reply.body) {
            Some(mut elements) => {
                elements.sort_unstable();
                Completion::ok(json!(elements))
            }
            None => Completion::malformed("LIST keys are not element numbers"),
        }
    }
}

/// `{"data": {"keys": ["3", "17"]}}` → [3, 17].
fn parse_keys(body: &Value) -> Option<Vec<i64>> {
    body["data"]["keys"]
        .as_array()?
        .iter()
        .map(|k| k.as_str()?.parse().ok())
        .collect()
}

#[async_trait]
impl Workload for SetWorkload {
    fn name(&self) -> &'static str {
        "set"
    }

    async fn setup(&self, cluster: &Cluster) -> Result<(), WorkloadError> {
        let path = self.element_path("probe", 0);
        let list = self.list_path("probe");
        probe_until("adding a probe element", || async {
            let body = json!({ "data": { "e": 0 } });
            let r = cluster
                .call(0, Method::POST, &path, Some(&body), None)
                .await
                .map_err(|e| e.to_string())?;
            if r.status != 200 {
                return Err(r.describe());
            }
            let r = cluster
                .call(0, Method::GET, &list, None, None)
                .await
                .map_err(|e| e.to_string())?;
            match parse_keys(&r.body) {
                Some(k) if r.status == 200 && k == [0] => Ok(()),
                _ => Err(format!("probe LIST returned {}", r.describe())),
            }
        })
        .await
    }

    fn next(&self, rng: &mut StdRng) -> Option<Invocation> {
        let key = self.sets.pick(rng);
        if rng.random_range(0..100) < 60 {
            let e = self.next_element.fetch_add(1, Ordering::Relaxed);
            Some(Invocation {
                f: F::Add,
                key,
                args: json!(e),
            })
        } else {
            Some(Invocation {
                f: F::ReadSet,
                key,
                args: Value::Null,
            })
        }
    }

    async fn invoke(&self, cluster: &Cluster, node: usize, inv: &Invocation) -> Completion {
        match inv.f {
            F::Add => self.add(cluster, node, inv).await,
            F::ReadSet => self.read(cluster, node, &inv.key).await,
            other => Completion::fail(format!("{} is not a set operation", other.name())),
        }
    }

    fn final_reads(&self) -> Vec<Invocation> {
        self.sets
            .all()
            .into_iter()
            .map(|key| Invocation {
                f: F::ReadSet,
                key,
                args: Value::Null,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_keys_parse_as_elements() {
        assert_eq!(
            parse_keys(&json!({"data": {"keys": ["3", "17"]}})),
            Some(vec![3, 17])
        );
        assert_eq!(parse_keys(&json!({"data": {"keys": ["x/"]}})), None);
        assert_eq!(parse_keys(&json!({})), None);
        let w = SetWorkload::new(WorkloadConfig {
            mount: "secret".into(),
            prefix: "jepsen/t".into(),
            active_keys: 1,
            ops_per_key: 5,
        });
        assert_eq!(w.element_path("s0", 4), "secret/data/jepsen/t/s0/4");
        assert_eq!(w.list_path("s0"), "secret/metadata/jepsen/t/s0/?list=true");
    }
}
