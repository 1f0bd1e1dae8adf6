//! A grow-only set: `add(e)` inserts an element, `read-set` returns every element.
//!
//! The workload stores each element as its own kv-v2 secret under one prefix and reads the
//! set with a LIST, so a read is a snapshot of many keys: linearizability here also checks
//! that a LIST is atomic with respect to concurrent writes. Elements are unique integers.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Hint, Model, ParseError};
use crate::history::F;
use crate::pairing::{Interval, Outcome};

/// One set operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetOp {
    /// Insert an element.
    Add(i64),
    /// A read that returned exactly these elements.
    Read(BTreeSet<i64>),
}

/// The grow-only set model.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrowSet;

impl Model for GrowSet {
    type State = BTreeSet<i64>;
    type Op = SetOp;

    fn init(&self) -> BTreeSet<i64> {
        BTreeSet::new()
    }

    fn step(&self, state: &BTreeSet<i64>, op: &SetOp) -> Option<BTreeSet<i64>> {
        match op {
            SetOp::Add(e) => {
                let mut next = state.clone();
                next.insert(*e);
                Some(next)
            }
            SetOp::Read(seen) => (seen == state).then(|| state.clone()),
        }
    }

    fn is_pure(&self, op: &SetOp) -> bool {
        matches!(op, SetOp::Read(_))
    }

    /// The set only grows: a read missing a present element is dead.
    fn dead(&self, state: &BTreeSet<i64>, op: &SetOp) -> bool {
        matches!(op, SetOp::Read(seen) if !state.is_subset(seen))
    }

    fn parse(&self, iv: &Interval) -> Result<Option<SetOp>, ParseError> {
        if iv.outcome == Outcome::Fail {
            return Ok(None);
        }
        match iv.f {
            F::Add => iv
                .args
                .as_i64()
                .map(|e| Some(SetOp::Add(e)))
                .ok_or_else(|| {
                    ParseError::new(iv, format!("element {} is not an integer", iv.args))
                }),
            F::ReadSet if iv.outcome == Outcome::Info => Ok(None),
            F::ReadSet => parse_elements(&iv.result)
                .map(|s| Some(SetOp::Read(s)))
                .map_err(|r| ParseError::new(iv, r)),
            other => Err(ParseError::new(
                iv,
                format!("{} is not a set operation", other.name()),
            )),
        }
    }

    /// An `info` add whose element no read returned can be left out: once added an element
    /// stays, so every later read would have to contain it, and none does.
    fn hints(&self, ops: &mut [SetOp], open: &[bool]) -> Vec<Hint> {
        let seen: BTreeSet<i64> = ops
            .iter()
            .filter_map(|op| match op {
                SetOp::Read(s) => Some(s.iter().copied()),
                SetOp::Add(_) => None,
            })
            .flatten()
            .collect();
        ops.iter()
            .zip(open)
            .map(|(op, &open)| match op {
                SetOp::Add(e) if open && !seen.contains(e) => Hint::Drop,
                _ => Hint::Keep,
            })
            .collect()
    }
}

/// Parses a read result: an array of integers.
pub fn parse_elements(v: &Value) -> Result<BTreeSet<i64>, String> {
    let arr = v
        .as_array()
        .ok_or_else(|| format!("set read result {v} is not an array"))?;
    arr.iter()
        .map(|x| {
            x.as_i64()
                .ok_or_else(|| format!("element {x} is not an integer"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_grow_and_reads_must_match() {
        let m = GrowSet;
        let s = m.step(&m.init(), &SetOp::Add(3)).unwrap();
        let s = m.step(&s, &SetOp::Add(1)).unwrap();
        assert!(m.step(&s, &SetOp::Read([1, 3].into())).is_some());
        assert!(m.step(&s, &SetOp::Read([3].into())).is_none());
        assert!(m.step(&s, &SetOp::Read([1, 3, 4].into())).is_none());
        assert!(m.is_pure(&SetOp::Read(BTreeSet::new())));
        assert!(m.dead(&s, &SetOp::Read([1].into())));
        assert!(!m.dead(&s, &SetOp::Read([1, 3, 4].into())));
        assert!(!m.is_pure(&SetOp::Add(1)));
        assert_eq!(
            parse_elements(&serde_json::json!([2, 1])),
            Ok([1, 2].into())
        );
        assert!(parse_elements(&serde_json::json!(["a"])).is_err());
    }

    #[test]
    fn unseen_info_adds_are_dropped() {
        let mut ops = vec![
            SetOp::Add(1),
            SetOp::Add(2),
            SetOp::Add(3),
            SetOp::Read([1].into()),
        ];
        let hints = GrowSet.hints(&mut ops, &[true, true, false, false]);
        assert_eq!(hints, vec![Hint::Keep, Hint::Drop, Hint::Keep, Hint::Keep]);
    }
}
