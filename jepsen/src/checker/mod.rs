//! Checks a whole history: pairs events into operations, splits them by key
//! (P-compositionality: a history is linearizable iff each object's sub-history is, so each
//! key is searched on its own, in parallel), runs the linearizability search with the key's
//! model and the cheap oracles, and combines the answers.
//!
//! A broken history (unpaired events, unparsable values, a key used by two models) is an
//! error, i.e. a harness failure — never a pass. A key whose search hit its bounds makes
//! the verdict `unknown`, never `valid`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;
use thiserror::Error;

use crate::history::Op;
use crate::model::register::Register;
use crate::model::set::GrowSet;
use crate::model::token::TokenLife;
use crate::model::{Model, ModelKind, ParseError};
use crate::pairing::{Interval, PairingError, pair};

pub mod bitset;
pub mod linearizable;
pub mod oracles;

#[cfg(test)]
mod random_tests;
#[cfg(test)]
mod tests;

pub use linearizable::{Limits, Linearization};
pub use oracles::{Anomaly, AnomalyKind};

/// The history cannot be checked: a harness failure.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CheckError {
    /// Events do not pair up.
    #[error("malformed history: {0}")]
    Pairing(#[from] PairingError),
    /// An operation's value does not fit its model.
    #[error("malformed operation: {0}")]
    Parse(#[from] ParseError),
    /// A client operation without a key.
    #[error("client operation invoked at index {0} has no key")]
    MissingKey(u64),
    /// A checker thread did not report its key (it panicked): never treat as a pass.
    #[error("the checker lost the result of key number {0}")]
    Internal(usize),
    /// One key used by two workloads.
    #[error("key {key:?} is used by both {a:?} and {b:?} operations")]
    MixedModels {
        /// The key.
        key: String,
        /// One model.
        a: ModelKind,
        /// The other.
        b: ModelKind,
    },
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every key is linearizable and no oracle fired.
    Valid,
    /// At least one property is violated.
    Invalid,
    /// No violation found, but at least one key could not be decided.
    Unknown,
}

/// The answer for one key.
#[derive(Debug, Clone, Serialize)]
pub struct KeyResult {
    /// The key.
    pub key: String,
    /// Its model.
    pub model: ModelKind,
    /// Operations given to the search.
    pub ops: usize,
    /// The search's answer.
    pub linearization: Linearization,
    /// Time the search took, in milliseconds.
    pub millis: u64,
}

/// The result of checking a history.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The overall answer.
    pub verdict: Verdict,
    /// Per key, sorted by key.
    pub keys: Vec<KeyResult>,
    /// Every violation found (search and oracles).
    pub anomalies: Vec<Anomaly>,
    /// Total checking time in milliseconds.
    pub millis: u64,
}

impl CheckReport {
    /// Number of keys whose search was inconclusive.
    pub fn unknown_keys(&self) -> usize {
        self.keys
            .iter()
            .filter(|k| matches!(k.linearization, Linearization::Unknown { .. }))
            .count()
    }
}

/// Checks a history given as events.
pub fn check_history(ops: &[Op], limits: &Limits) -> Result<CheckReport, CheckError> {
    check_intervals(&pair(ops)?, limits)
}

type Grouped<'a> = BTreeMap<String, (ModelKind, Vec<&'a Interval>)>;

/// Checks a history given as operations.
pub fn check_intervals(intervals: &[Interval], limits: &Limits) -> Result<CheckReport, CheckError> {
    let start = Instant::now();
    let mut by_key: Grouped = BTreeMap::new();
    for iv in intervals {
        let Some(kind) = ModelKind::of(iv.f) else {
            continue;
        };
        let key = iv
            .key
            .clone()
            .ok_or(CheckError::MissingKey(iv.invoke_index))?;
        let entry = by_key.entry(key.clone()).or_insert((kind, Vec::new()));
        if entry.0 != kind {
            return Err(CheckError::MixedModels {
                key,
                a: entry.0,
                b: kind,
            });
        }
        entry.1.push(iv);
    }
    let groups: Vec<(&String, &(ModelKind, Vec<&Interval>))> = by_key.iter().collect();
    let results = parallel_map(&groups, |(key, (kind, ivs))| {
        check_key(key, *kind, ivs, limits)
    })?;
    let mut keys = Vec::new();
    let mut anomalies = Vec::new();
    for (result, mut found) in results {
        if let Linearization::Invalid(stuck) = &result.linearization {
            anomalies.push(Anomaly {
                kind: AnomalyKind::NotLinearizable,
                key: result.key.clone(),
                ops: stuck.blocking.into_iter().collect(),
                detail: format!(
                    "no linear order: after {} operations (last: {:?}) the state is {}; none \
                     of {:?} can come next (illegal, or would leave {:?} impossible){}",
                    stuck.linearized,
                    stuck.prefix_tail,
                    stuck.state,
                    stuck.refused,
                    stuck.doomed,
                    stuck
                        .blocking
                        .map(|b| format!(
                            ", and operation {b} must come before anything invoked later"
                        ))
                        .unwrap_or_default()
                ),
            });
        }
        anomalies.append(&mut found);
        keys.push(result);
    }
    let verdict = if !anomalies.is_empty() {
        Verdict::Invalid
    } else if keys
        .iter()
        .any(|k| matches!(k.linearization, Linearization::Unknown { .. }))
    {
        Verdict::Unknown
    } else {
        Verdict::Valid
    };
    Ok(CheckReport {
        verdict,
        keys,
        anomalies,
        millis: millis(start),
    })
}

fn millis(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn check_key(
    key: &str,
    kind: ModelKind,
    ivs: &[&Interval],
    limits: &Limits,
) -> Result<(KeyResult, Vec<Anomaly>), CheckError> {
    let start = Instant::now();
    let (ops, linearization) = match kind {
        ModelKind::Register => search(&Register, ivs, limits)?,
        ModelKind::Set => search(&GrowSet, ivs, limits)?,
        ModelKind::Token => search(&TokenLife, ivs, limits)?,
    };
    let anomalies = match kind {
        ModelKind::Register => oracles::register(key, ivs),
        ModelKind::Set => oracles::set(key, ivs),
        ModelKind::Token => oracles::token(key, ivs),
    };
    Ok((
        KeyResult {
            key: key.to_string(),
            model: kind,
            ops,
            linearization,
            millis: millis(start),
        },
        anomalies,
    ))
}

fn search<M: Model>(
    model: &M,
    ivs: &[&Interval],
    limits: &Limits,
) -> Result<(usize, Linearization), CheckError> {
    let mut entries = Vec::with_capacity(ivs.len());
    for iv in ivs {
        if let Some(op) = model.parse(iv)? {
            entries.push(linearizable::Entry {
                id: iv.invoke_index,
                invoke: iv.invoke_index,
                complete: iv.complete_index,
                op,
            });
        }
    }
    let n = entries.len();
    Ok((n, linearizable::check(model, entries, limits)))
}

/// Applies `f` to every item on all cores, keeping the input order; the first error wins.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, CheckError> + Sync,
) -> Result<Vec<R>, CheckError> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Result<R, CheckError>>>> =
        Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    if let Ok(mut slots) = slots.lock() {
                        slots[i] = Some(r);
                    }
                }
            });
        }
    });
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut out = Vec::with_capacity(items.len());
    for (i, slot) in slots.into_iter().enumerate() {
        // An empty slot would silently drop a key; refuse instead of passing.
        out.push(slot.ok_or(CheckError::Internal(i))??);
    }
    Ok(out)
}
