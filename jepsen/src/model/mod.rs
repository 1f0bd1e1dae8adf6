//! Sequential specifications: what each object would do if operations ran one at a time.
//!
//! The linearizability checker searches for an order of the recorded operations that these
//! models accept. A model never sees `fail` operations (they did not happen); `info`
//! operations reach it with their result unknown, and the model accepts any result.

use std::fmt::Debug;
use std::hash::Hash;

use thiserror::Error;

use crate::history::F;
use crate::pairing::Interval;

pub mod register;
pub mod set;
pub mod token;

/// A deterministic sequential object.
pub trait Model {
    /// The object's state; hashed for the search's memo of visited configurations.
    type State: Clone + Eq + Hash + Debug;
    /// One operation with its arguments and (if known) its observed result.
    type Op: Debug;
    /// The state before any operation.
    fn init(&self) -> Self::State;
    /// The state after `op`, or `None` when `op` (with its observed result) is impossible in
    /// `state`.
    fn step(&self, state: &Self::State, op: &Self::Op) -> Option<Self::State>;
    /// True when `op` never changes the state (a read): the search may then linearize it
    /// as soon as it is legal without trying alternatives.
    fn is_pure(&self, op: &Self::Op) -> bool;
    /// Builds the model operation of a recorded interval; `Ok(None)` when the operation
    /// is irrelevant to the search (failed, or a read whose result is unknown).
    fn parse(&self, iv: &Interval) -> Result<Option<Self::Op>, ParseError>;
    /// True only when `op` can never be legal again: not in `state`, nor in any state
    /// reachable from it. The search abandons a state in which an operation that must
    /// still be linearized is dead. The default (`false`) is always correct, merely slower.
    fn dead(&self, state: &Self::State, op: &Self::Op) -> bool {
        let _ = (state, op);
        false
    }
    /// Search hints for one object's operations (`open[i]`: operation `i` is an `info`,
    /// with no completion). A model may rewrite operations into an equivalent canonical
    /// form, and mark `info` operations as droppable or interchangeable, when that provably
    /// changes no answer (see [`Hint`]). The default gives no hints.
    fn hints(&self, ops: &mut [Self::Op], open: &[bool]) -> Vec<Hint> {
        let _ = ops;
        vec![Hint::Keep; open.len()]
    }
}

/// What the search may assume about an `info` operation. Hints only ever remove choices
/// that cannot matter, so they speed the search up without changing its answer; a wrong
/// hint could only turn "valid" into "invalid", never the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hint {
    /// No assumption.
    Keep,
    /// Linearizing it can never help (its effect would contradict every later
    /// observation and nothing observes its absence): leave it out.
    Drop,
    /// Operations of one class have identical effects; since `info` operations have no
    /// deadline, the search only tries the earliest-invoked pending member of a class.
    Class(u32),
}

/// A recorded operation does not have the shape its model expects: the history is broken
/// (a harness failure), not evidence about the system.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("operation invoked at index {index} ({f}): {reason}")]
pub struct ParseError {
    /// Invocation index.
    pub index: u64,
    /// The function name.
    pub f: &'static str,
    /// What is wrong.
    pub reason: String,
}

impl ParseError {
    /// A parse error for `iv`.
    pub fn new(iv: &Interval, reason: impl Into<String>) -> Self {
        ParseError {
            index: iv.invoke_index,
            f: iv.f.name(),
            reason: reason.into(),
        }
    }
}

/// Which model a key's operations follow, known from the functions applied to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// Versioned read/write/compare-and-set register.
    Register,
    /// Grow-only set.
    Set,
    /// Token create/use/revoke lifecycle.
    Token,
}

impl ModelKind {
    /// The model of a client function; `None` for nemesis events.
    pub fn of(f: F) -> Option<ModelKind> {
        match f {
            F::Read | F::Write | F::Cas => Some(ModelKind::Register),
            F::Add | F::ReadSet => Some(ModelKind::Set),
            F::TokenCreate | F::TokenUse | F::TokenRevoke => Some(ModelKind::Token),
            F::FaultStart | F::FaultStop => None,
        }
    }
}

/// Reads an unsigned integer field of a JSON object.
pub(crate) fn field_u64(v: &serde_json::Value, name: &str) -> Option<u64> {
    v.get(name).and_then(serde_json::Value::as_u64)
}

/// Reads a field that must be an integer or null.
pub(crate) fn field_opt_i64(v: &serde_json::Value, name: &str) -> Result<Option<i64>, String> {
    match v.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(x) => x
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{name} must be an integer or null, got {x}")),
    }
}
