//! Workloads: what the clients do, and how each HTTP outcome is recorded.
//!
//! A workload generates invocations (function, key, arguments), performs them over HTTP,
//! and turns the answer into a completion: `ok` with the observed result, `fail` when the
//! operation certainly did not take effect, `info` when nobody can know. Getting that
//! classification right is what makes the checker sound: calling something `fail` that
//! might have happened could produce a false alarm, so anything uncertain is `info`.

use std::sync::Arc;

use async_trait::async_trait;
use rand::rngs::StdRng;
use serde_json::Value;
use thiserror::Error;

use crate::client::{CallError, Cluster, Reply};
use crate::history::{F, Kind};

pub mod keys;
pub mod register;
pub mod set;
pub mod token;

/// The workload could not prepare the cluster: a harness failure.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WorkloadError {
    /// Setup did not succeed.
    #[error("workload setup: {0}")]
    Setup(String),
}

/// One operation to perform.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The function.
    pub f: F,
    /// The object (short name, recorded in the history).
    pub key: String,
    /// Arguments (recorded at invocation).
    pub args: Value,
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// `Ok`, `Fail` or `Info`.
    pub kind: Kind,
    /// The result (for `ok`) or the arguments again.
    pub value: Value,
    /// Why it failed, when it did (no secrets).
    pub error: Option<String>,
}

impl Completion {
    /// Completed with `value`.
    pub fn ok(value: Value) -> Self {
        Completion {
            kind: Kind::Ok,
            value,
            error: None,
        }
    }

    /// Certainly did not take effect.
    pub fn fail(error: impl Into<String>) -> Self {
        Completion {
            kind: Kind::Fail,
            value: Value::Null,
            error: Some(error.into()),
        }
    }

    /// Unknown outcome.
    pub fn info(error: impl Into<String>) -> Self {
        Completion {
            kind: Kind::Info,
            value: Value::Null,
            error: Some(error.into()),
        }
    }

    /// A call that got no HTTP response: refused connections never delivered the request
    /// (`fail`); timeouts and broken connections may have (`info`).
    pub fn from_call_error(e: &CallError) -> Self {
        match e {
            CallError::Connect(_) | CallError::BadToken => Completion::fail(e.to_string()),
            CallError::Timeout | CallError::Transport(_) => Completion::info(e.to_string()),
        }
    }

    /// An unexpected HTTP status: a 4xx is the server refusing the request before acting
    /// (`fail`); a 5xx may come after the change was proposed to the cluster (`info`).
    pub fn from_status(reply: &Reply) -> Self {
        if (400..500).contains(&reply.status) {
            Completion::fail(reply.describe())
        } else {
            Completion::info(reply.describe())
        }
    }

    /// A success status with a body the workload cannot interpret: unknown outcome,
    /// reported as such so the run shows it.
    pub fn malformed(what: &str) -> Self {
        Completion::info(format!("malformed response: {what}"))
    }
}

/// A workload.
#[async_trait]
pub trait Workload: Send + Sync {
    /// Its name, for reports.
    fn name(&self) -> &'static str;
    /// Prepares and probes the cluster before clients start.
    async fn setup(&self, cluster: &Cluster) -> Result<(), WorkloadError>;
    /// The next operation; `None` when there is nothing left to do.
    fn next(&self, rng: &mut StdRng) -> Option<Invocation>;
    /// Performs `inv` on node `node`.
    async fn invoke(&self, cluster: &Cluster, node: usize, inv: &Invocation) -> Completion;
    /// Reads of every object, run after all faults healed.
    fn final_reads(&self) -> Vec<Invocation>;
}

/// Which workload to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadKind {
    /// Read/write/CAS registers over kv-v2.
    Register,
    /// A grow-only set (one kv-v2 secret per element, read with LIST).
    Set,
    /// Token create, use from every node, revoke.
    Token,
}

impl WorkloadKind {
    /// Name for reports.
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::Register => "register",
            WorkloadKind::Set => "set",
            WorkloadKind::Token => "token",
        }
    }
}

/// Settings shared by the workloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadConfig {
    /// The kv-v2 mount (e.g. `secret`).
    pub mount: String,
    /// Path prefix unique to this run, so every object starts empty.
    pub prefix: String,
    /// Objects in use at a time.
    pub active_keys: usize,
    /// Operations per object before it is retired (keeps each search small).
    pub ops_per_key: usize,
}

/// Builds a workload.
pub fn build(kind: WorkloadKind, cfg: WorkloadConfig) -> Arc<dyn Workload> {
    match kind {
        WorkloadKind::Register => Arc::new(register::RegisterWorkload::new(cfg)),
        WorkloadKind::Set => Arc::new(set::SetWorkload::new(cfg)),
        WorkloadKind::Token => Arc::new(token::TokenWorkload::new(cfg)),
    }
}

/// True for kv-v2's "no such secret" answer (404 with an empty error list), as opposed to
/// a 404 for a path nothing is mounted on (which carries a message).
pub(crate) fn is_not_found(reply: &Reply) -> bool {
    reply.status == 404
        && reply
            .body
            .get("errors")
            .and_then(Value::as_array)
            .is_none_or(|e| e.is_empty())
}

/// Retries `probe` for a while: a cluster may still be electing a leader when a run starts.
pub(crate) async fn probe_until<F, Fut>(what: &str, mut probe: F) -> Result<(), WorkloadError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let mut last = String::new();
    for _ in 0..20 {
        match probe().await {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    Err(WorkloadError::Setup(format!("{what}: {last}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_are_classified_conservatively() {
        assert_eq!(
            Completion::from_call_error(&CallError::Connect("refused".into())).kind,
            Kind::Fail
        );
        assert_eq!(
            Completion::from_call_error(&CallError::Timeout).kind,
            Kind::Info
        );
        assert_eq!(
            Completion::from_call_error(&CallError::Transport("reset".into())).kind,
            Kind::Info
        );
        let r = |status| Reply {
            status,
            body: json!({"errors": ["x"]}),
        };
        assert_eq!(Completion::from_status(&r(400)).kind, Kind::Fail);
        assert_eq!(Completion::from_status(&r(403)).kind, Kind::Fail);
        assert_eq!(Completion::from_status(&r(500)).kind, Kind::Info);
        assert_eq!(Completion::from_status(&r(503)).kind, Kind::Info);
        assert_eq!(
            Completion::from_status(&r(503)).error.as_deref(),
            Some("HTTP 503: x")
        );
    }

    #[test]
    fn not_found_differs_from_no_route() {
        let nf = Reply {
            status: 404,
            body: json!({"errors": []}),
        };
        assert!(is_not_found(&nf));
        let route = Reply {
            status: 404,
            body: json!({"errors": ["no handler for route \"nope/data/x\""]}),
        };
        assert!(!is_not_found(&route));
        let empty = Reply {
            status: 404,
            body: Value::Null,
        };
        assert!(is_not_found(&empty));
    }
}
