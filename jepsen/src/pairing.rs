//! Pairs each invocation with its completion, giving the operation's real-time interval.
//!
//! The checkers reason about intervals: an operation can only take effect between its
//! invocation and its completion. A `fail` completion means "never took effect"; `info` (and
//! an invocation that never completed) means "may take effect at any time after the
//! invocation, or never", so its interval is open-ended.

use serde_json::Value;
use thiserror::Error;

use crate::history::{F, Kind, Op, Process};

/// The history does not describe a possible execution of the harness; checking it would be
/// meaningless, so this is a harness failure, never a pass.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PairingError {
    /// Indices must strictly increase in file order (they define real-time order).
    #[error("event {index} is out of order (previous index {previous})")]
    OutOfOrder {
        /// The offending index.
        index: u64,
        /// The index before it.
        previous: u64,
    },
    /// A process invoked an operation while another of its operations was still open.
    #[error("process {process} invoked event {index} while event {open} was still open")]
    Overlap {
        /// The process.
        process: Process,
        /// The new invocation.
        index: u64,
        /// The open invocation.
        open: u64,
    },
    /// A completion without a matching invocation.
    #[error("event {index} completes an operation process {process} never invoked")]
    Orphan {
        /// The process.
        process: Process,
        /// The completion.
        index: u64,
    },
    /// A completion whose function or key differs from its invocation.
    #[error("event {index} does not match its invocation {invoke} (function or key differ)")]
    Mismatch {
        /// The completion.
        index: u64,
        /// The invocation.
        invoke: u64,
    },
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Completed; the result is known.
    Ok,
    /// Certainly did not take effect.
    Fail,
    /// Unknown: timed out, or never completed.
    Info,
}

/// One operation: invocation plus completion.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// Who performed it.
    pub process: Process,
    /// What was done.
    pub f: F,
    /// The object.
    pub key: Option<String>,
    /// Arguments recorded at invocation.
    pub args: Value,
    /// Result recorded at completion (`Null` when unknown).
    pub result: Value,
    /// How it ended.
    pub outcome: Outcome,
    /// Index of the invocation event.
    pub invoke_index: u64,
    /// Index of the completion event; `None` for an `info` (open until the end of time).
    pub complete_index: Option<u64>,
    /// Invocation time (ns since start).
    pub invoke_time: u64,
    /// Completion time (ns since start), when it completed at all.
    pub complete_time: Option<u64>,
    /// Node that served it, when known.
    pub node: Option<usize>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

impl Interval {
    /// Wall time from invocation to completion, for operations that completed.
    pub fn latency_ns(&self) -> Option<u64> {
        self.complete_time
            .map(|c| c.saturating_sub(self.invoke_time))
    }

    /// True when this operation certainly finished before `other` was invoked.
    pub fn precedes(&self, other: &Interval) -> bool {
        self.complete_index.is_some_and(|c| c < other.invoke_index)
    }
}

/// Pairs the events of `ops` (in file order) into intervals, ordered by invocation.
pub fn pair(ops: &[Op]) -> Result<Vec<Interval>, PairingError> {
    use std::collections::HashMap;
    let mut open: HashMap<Process, usize> = HashMap::new();
    let mut out: Vec<Interval> = Vec::new();
    let mut previous: Option<u64> = None;
    for op in ops {
        if let Some(p) = previous
            && op.index <= p
        {
            return Err(PairingError::OutOfOrder {
                index: op.index,
                previous: p,
            });
        }
        previous = Some(op.index);
        match op.kind {
            Kind::Invoke => {
                if let Some(&i) = open.get(&op.process) {
                    return Err(PairingError::Overlap {
                        process: op.process,
                        index: op.index,
                        open: out[i].invoke_index,
                    });
                }
                open.insert(op.process, out.len());
                out.push(Interval {
                    process: op.process,
                    f: op.f,
                    key: op.key.clone(),
                    args: op.value.clone(),
                    result: Value::Null,
                    outcome: Outcome::Info,
                    invoke_index: op.index,
                    complete_index: None,
                    invoke_time: op.time,
                    complete_time: None,
                    node: op.node,
                    error: Some("never completed".into()),
                });
            }
            Kind::Ok | Kind::Fail | Kind::Info => {
                let Some(i) = open.remove(&op.process) else {
                    return Err(PairingError::Orphan {
                        process: op.process,
                        index: op.index,
                    });
                };
                let iv = &mut out[i];
                if iv.f != op.f || iv.key != op.key {
                    return Err(PairingError::Mismatch {
                        index: op.index,
                        invoke: iv.invoke_index,
                    });
                }
                iv.complete_time = Some(op.time);
                iv.node = op.node.or(iv.node);
                iv.error = op.error.clone();
                match op.kind {
                    Kind::Ok => {
                        iv.outcome = Outcome::Ok;
                        iv.result = op.value.clone();
                        iv.complete_index = Some(op.index);
                    }
                    Kind::Fail => {
                        iv.outcome = Outcome::Fail;
                        iv.complete_index = Some(op.index);
                    }
                    // An info completion says nothing about when (or whether) it happened:
                    // the interval stays open.
                    _ => iv.outcome = Outcome::Info,
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(p: u64, kind: Kind, f: F, index: u64, value: Value) -> Op {
        let mut op = Op::new(Process::Client(p), kind, f, Some("k".into()), value);
        op.index = index;
        op.time = index * 10;
        op
    }

    #[test]
    fn pairs_ok_fail_info_and_open_operations() {
        let ops = vec![
            ev(0, Kind::Invoke, F::Write, 0, json!({"value": 1})),
            ev(1, Kind::Invoke, F::Read, 1, Value::Null),
            ev(0, Kind::Ok, F::Write, 2, json!({"value": 1, "version": 1})),
            ev(1, Kind::Info, F::Read, 3, Value::Null),
            ev(2, Kind::Invoke, F::Cas, 4, json!({})),
            ev(2, Kind::Fail, F::Cas, 5, json!({})),
            ev(3, Kind::Invoke, F::Write, 6, json!({"value": 2})),
        ];
        let iv = pair(&ops).unwrap();
        assert_eq!(iv.len(), 4);
        assert_eq!(iv[0].outcome, Outcome::Ok);
        assert_eq!(iv[0].complete_index, Some(2));
        assert_eq!(iv[0].result["version"], 1);
        assert_eq!(iv[0].latency_ns(), Some(20));
        assert_eq!(iv[1].outcome, Outcome::Info);
        assert_eq!(iv[1].complete_index, None, "info stays open");
        assert_eq!(iv[2].outcome, Outcome::Fail);
        assert_eq!(iv[3].outcome, Outcome::Info);
        assert_eq!(iv[3].error.as_deref(), Some("never completed"));
        assert!(iv[0].precedes(&iv[2]));
        assert!(!iv[1].precedes(&iv[2]));
        assert!(!iv[0].precedes(&iv[1]));
    }

    #[test]
    fn malformed_histories_are_refused() {
        let inv = |p, i| ev(p, Kind::Invoke, F::Read, i, Value::Null);
        let ok = |p, i| ev(p, Kind::Ok, F::Read, i, Value::Null);
        assert!(matches!(
            pair(&[inv(0, 0), inv(0, 1)]),
            Err(PairingError::Overlap { .. })
        ));
        assert!(matches!(
            pair(&[ok(0, 0)]),
            Err(PairingError::Orphan { .. })
        ));
        assert!(matches!(
            pair(&[inv(0, 1), ok(0, 1)]),
            Err(PairingError::OutOfOrder { .. })
        ));
        let wrong = ev(0, Kind::Ok, F::Write, 1, Value::Null);
        assert!(matches!(
            pair(&[inv(0, 0), wrong]),
            Err(PairingError::Mismatch { .. })
        ));
    }
}
