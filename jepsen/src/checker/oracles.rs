//! Cheap whole-history checks, each a named property with a short explanation.
//!
//! Linearizability implies all of these; they exist because their reports are easy to read
//! ("write 17, acknowledged as version 4, was not visible to a read that started after the
//! acknowledgement") and because they run in near-linear time on any history size, including
//! ones too large for the search.
//!
//! Definitions for the register (per key; `ok` = acknowledged; `info` = may or may not have
//! happened, at any time after its invocation; `fail` = did not happen):
//! - **lost write**: an `ok` write or CAS acknowledged as version `v`, and an `ok` read
//!   invoked after that acknowledgement which returned a version below `v`, or version `v`
//!   with another value. `info` writes are never acknowledged, so they cannot be lost.
//! - **never written**: an `ok` read returned a value that no `ok` or `info` write/CAS of
//!   that key had invoked before the read completed; or a version higher than the number of
//!   such writes; or an inconsistent pair (version 0 with a value, a version with no value).
//! - **non-monotonic read**: two `ok` reads of one key by one process (a client session;
//!   a client gets a fresh process after an `info`) where the later one returned a lower
//!   version.
//!
//! The grow-only set and the token lifecycle get the analogous checks (see each function).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::model::Model;
use crate::model::register::{Held, Register, RegisterOp};
use crate::model::set::{GrowSet, SetOp};
use crate::model::token::{TokenLife, TokenOp};
use crate::pairing::{Interval, Outcome};

/// The property an anomaly violates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnomalyKind {
    /// An acknowledged write was not visible to a read that started after it.
    LostWrite,
    /// A read returned something no write could have produced.
    NeverWritten,
    /// A client saw the object go back in time.
    NonMonotonicRead,
    /// A token was accepted after its revocation was acknowledged.
    RevokedTokenAccepted,
    /// A token was refused after its creation was acknowledged (and before any revoke).
    CreatedTokenRejected,
    /// No linearization exists (the search's verdict).
    NotLinearizable,
}

impl AnomalyKind {
    /// Display name (same as the JSON name).
    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::LostWrite => "lost-write",
            AnomalyKind::NeverWritten => "never-written",
            AnomalyKind::NonMonotonicRead => "non-monotonic-read",
            AnomalyKind::RevokedTokenAccepted => "revoked-token-accepted",
            AnomalyKind::CreatedTokenRejected => "created-token-rejected",
            AnomalyKind::NotLinearizable => "not-linearizable",
        }
    }
}

/// One violation, with the operations involved (invocation indices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    /// The property.
    pub kind: AnomalyKind,
    /// The object.
    pub key: String,
    /// Invocation indices of the operations involved.
    pub ops: Vec<u64>,
    /// A one-line explanation.
    pub detail: String,
}

/// Parsed operations that completed or may have; parse failures are left to the
/// linearizability checker, which reports them as a broken history.
fn parsed<'a, M: Model>(m: &M, ivs: &[&'a Interval]) -> Vec<(&'a Interval, M::Op)> {
    ivs.iter()
        .filter_map(|iv| m.parse(iv).ok().flatten().map(|op| (*iv, op)))
        .collect()
}

/// Register oracles for one key (definitions in the module docs).
pub fn register(key: &str, ivs: &[&Interval]) -> Vec<Anomaly> {
    let ops = parsed(&Register, ivs);
    let mut out = Vec::new();
    let anomaly = |kind, ops: Vec<u64>, detail: String| Anomaly {
        kind,
        key: key.to_string(),
        ops,
        detail,
    };
    // Writes that may have happened: (interval, value, acknowledged version).
    let writes: Vec<(&Interval, i64, Option<u64>)> = ops
        .iter()
        .filter_map(|(iv, op)| match *op {
            RegisterOp::Write {
                value: Held::Int(value),
                version,
            }
            | RegisterOp::Cas {
                value: Held::Int(value),
                version,
                ..
            } => Some((*iv, value, version.filter(|_| iv.outcome == Outcome::Ok))),
            RegisterOp::Write { .. } | RegisterOp::Cas { .. } => None,
            RegisterOp::Read { .. } => None,
        })
        .collect();
    let acked: Vec<(&Interval, i64, u64)> = writes
        .iter()
        .filter_map(|&(iv, x, v)| v.map(|v| (iv, x, v)))
        .collect();
    let by_version: HashMap<u64, (&Interval, i64)> =
        acked.iter().map(|&(iv, x, v)| (v, (iv, x))).collect();
    let mut last_read: HashMap<_, (&Interval, u64)> = HashMap::new();
    for (r, op) in &ops {
        let RegisterOp::Read { seen } = op else {
            continue;
        };
        let r_done = r.complete_index.unwrap_or(u64::MAX);
        // Lost write: the newest acknowledgement before this read began.
        let newest = acked
            .iter()
            .filter(|(w, _, _)| w.precedes(r))
            .max_by_key(|(_, _, v)| *v);
        if let Some(&(w, x, v)) = newest
            && (seen.version < v || (seen.version == v && seen.value != Some(x)))
        {
            out.push(anomaly(
                AnomalyKind::LostWrite,
                vec![w.invoke_index, r.invoke_index],
                format!(
                    "write of {x} was acknowledged as version {v} before the read began, \
                     but the read returned version {} value {:?}",
                    seen.version, seen.value
                ),
            ));
        } else if let Some(&(w, x)) = by_version.get(&seen.version)
            && seen.value != Some(x)
        {
            out.push(anomaly(
                AnomalyKind::LostWrite,
                vec![w.invoke_index, r.invoke_index],
                format!(
                    "write of {x} was acknowledged as version {}, but a read of that version \
                     returned {:?}",
                    seen.version, seen.value
                ),
            ));
        }
        // Never written.
        let possible: Vec<&(&Interval, i64, Option<u64>)> = writes
            .iter()
            .filter(|(w, _, _)| w.invoke_index < r_done)
            .collect();
        let bad = match seen.value {
            Some(x) if !possible.iter().any(|(_, y, _)| *y == x) => {
                Some(format!("read returned {x}, which no write had attempted"))
            }
            Some(_) if seen.version == 0 => Some("read returned a value at version 0".into()),
            None if seen.version > 0 => Some(format!(
                "read returned version {} without a value",
                seen.version
            )),
            _ if seen.version > possible.len() as u64 => Some(format!(
                "read returned version {} but only {} writes had been attempted",
                seen.version,
                possible.len()
            )),
            _ => None,
        };
        if let Some(detail) = bad {
            out.push(anomaly(
                AnomalyKind::NeverWritten,
                vec![r.invoke_index],
                detail,
            ));
        }
        // Monotonic reads per process.
        if let Some(&(prev, v)) = last_read.get(&r.process)
            && seen.version < v
        {
            out.push(anomaly(
                AnomalyKind::NonMonotonicRead,
                vec![prev.invoke_index, r.invoke_index],
                format!(
                    "process {} read version {v}, then version {}",
                    r.process, seen.version
                ),
            ));
        }
        last_read.insert(r.process, (*r, seen.version));
    }
    out
}

/// Grow-only set oracles for one key: an acknowledged add missing from a read that began
/// after the acknowledgement (lost); an element no add had attempted before the read
/// completed (never written); a later read of one process missing an element an earlier
/// one returned (non-monotonic).
pub fn set(key: &str, ivs: &[&Interval]) -> Vec<Anomaly> {
    let ops = parsed(&GrowSet, ivs);
    let mut out = Vec::new();
    let anomaly = |kind, ops: Vec<u64>, detail: String| Anomaly {
        kind,
        key: key.to_string(),
        ops,
        detail,
    };
    let adds: BTreeMap<i64, &Interval> = ops
        .iter()
        .filter_map(|(iv, op)| match op {
            SetOp::Add(e) => Some((*e, *iv)),
            SetOp::Read(_) => None,
        })
        .collect();
    let mut last_read: HashMap<_, (&Interval, &std::collections::BTreeSet<i64>)> = HashMap::new();
    for (r, op) in &ops {
        let SetOp::Read(seen) = op else { continue };
        let r_done = r.complete_index.unwrap_or(u64::MAX);
        for (e, add) in &adds {
            if add.outcome == Outcome::Ok && add.precedes(r) && !seen.contains(e) {
                out.push(anomaly(
                    AnomalyKind::LostWrite,
                    vec![add.invoke_index, r.invoke_index],
                    format!("add of {e} was acknowledged before the read began, but is missing"),
                ));
            }
        }
        for e in seen {
            if adds.get(e).is_none_or(|a| a.invoke_index >= r_done) {
                out.push(anomaly(
                    AnomalyKind::NeverWritten,
                    vec![r.invoke_index],
                    format!("read returned {e}, which no add had attempted"),
                ));
            }
        }
        if let Some((prev, before)) = last_read.get(&r.process)
            && let Some(e) = before.difference(seen).next()
        {
            out.push(anomaly(
                AnomalyKind::NonMonotonicRead,
                vec![prev.invoke_index, r.invoke_index],
                format!("process {} saw {e}, then a read without it", r.process),
            ));
        }
        last_read.insert(r.process, (*r, seen));
    }
    out
}

/// Token oracles for one token: accepted after an acknowledged revoke; refused after an
/// acknowledged create when no revoke had been attempted before the use completed.
pub fn token(key: &str, ivs: &[&Interval]) -> Vec<Anomaly> {
    let ops = parsed(&TokenLife, ivs);
    let mut out = Vec::new();
    let find = |want: TokenOp| {
        ops.iter()
            .filter(move |(_, op)| *op == want)
            .map(|(iv, _)| *iv)
    };
    for (u, op) in &ops {
        let TokenOp::Use(valid) = op else { continue };
        let u_done = u.complete_index.unwrap_or(u64::MAX);
        if *valid {
            if let Some(rv) =
                find(TokenOp::Revoke).find(|rv| rv.outcome == Outcome::Ok && rv.precedes(u))
            {
                out.push(Anomaly {
                    kind: AnomalyKind::RevokedTokenAccepted,
                    key: key.to_string(),
                    ops: vec![rv.invoke_index, u.invoke_index],
                    detail: "token accepted after its revocation was acknowledged".into(),
                });
            }
        } else if let Some(c) =
            find(TokenOp::Create).find(|c| c.outcome == Outcome::Ok && c.precedes(u))
            && !find(TokenOp::Revoke).any(|rv| rv.invoke_index < u_done)
        {
            out.push(Anomaly {
                kind: AnomalyKind::CreatedTokenRejected,
                key: key.to_string(),
                ops: vec![c.invoke_index, u.invoke_index],
                detail: "token refused after its creation was acknowledged".into(),
            });
        }
    }
    out
}
