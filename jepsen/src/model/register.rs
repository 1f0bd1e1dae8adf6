//! A versioned register: the sequential specification of one kv-v2 secret used as a
//! read/write/compare-and-set register.
//!
//! kv-v2 compare-and-set (`options.cas`) compares *versions*, not values. The model therefore
//! keeps both: the state is `(version, value)`, every successful write or CAS moves it to
//! `(version + 1, new value)`, and a read must return exactly the current pair. Because the
//! workload writes globally unique values, "the current version is v" and "the current value
//! is the one read at version v" are the same statement, so a version CAS is a value CAS in
//! disguise; the model checks the pair, which also catches a server that pairs versions and
//! values inconsistently. A CAS recorded with only an expected value (`expect_value`) is
//! checked on the value, so classic value-CAS histories can be checked too.
//!
//! JSON shapes (see the workload): read result `{"version": 3, "value": 17}` (`value` null
//! when the secret does not exist, version 0); write args `{"value": 17}`, result adds
//! `"version"`; cas args `{"expect_version": 3, "expect_value": 12, "value": 17}`.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{Hint, Model, ParseError, field_opt_i64, field_u64};
use crate::history::F;
use crate::pairing::{Interval, Outcome};

/// What a read returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegisterState {
    /// Number of successful writes so far (kv-v2's `current_version`); 0 = never written.
    pub version: u64,
    /// The current value; `None` before the first write.
    pub value: Option<i64>,
}

/// The value the model holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Held {
    /// Never written.
    Absent,
    /// A value.
    Int(i64),
    /// A value no read and no CAS ever observes (written by an `info` operation). All such
    /// values behave alike, so they are merged into one to let the search's memo see it.
    Unread,
}

impl Held {
    fn matches(self, seen: Option<i64>) -> bool {
        match (self, seen) {
            (Held::Absent, None) => true,
            (Held::Int(x), Some(y)) => x == y,
            _ => false,
        }
    }
}

/// The model's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cell {
    /// Number of successful writes so far.
    pub version: u64,
    /// The current value.
    pub value: Held,
}

/// What a compare-and-set compares against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expect {
    /// The current version must equal this (kv-v2 `options.cas`).
    Version(u64),
    /// The current value must equal this (classic value CAS).
    Value(Option<i64>),
}

/// One register operation with what was observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterOp {
    /// A read that returned `seen`.
    Read {
        /// The observed state.
        seen: RegisterState,
    },
    /// A write of `value`; `version` is the version the server acknowledged (if known).
    Write {
        /// The new value.
        value: Held,
        /// The acknowledged version, when the write completed `ok` and reported it.
        version: Option<u64>,
    },
    /// A compare-and-set to `value` that took effect (or may have).
    Cas {
        /// The condition.
        expect: Expect,
        /// The new value.
        value: Held,
        /// The acknowledged version, when known.
        version: Option<u64>,
    },
}

/// The register model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Register;

impl Register {
    fn apply(state: &Cell, value: Held, ack: Option<u64>) -> Option<Cell> {
        let next = Cell {
            version: state.version + 1,
            value,
        };
        match ack {
            Some(v) if v != next.version => None,
            _ => Some(next),
        }
    }
}

impl Model for Register {
    type State = Cell;
    type Op = RegisterOp;

    fn init(&self) -> Cell {
        Cell {
            version: 0,
            value: Held::Absent,
        }
    }

    fn step(&self, state: &Cell, op: &RegisterOp) -> Option<Cell> {
        match *op {
            RegisterOp::Read { seen } => {
                (seen.version == state.version && state.value.matches(seen.value)).then_some(*state)
            }
            RegisterOp::Write { value, version } => Register::apply(state, value, version),
            RegisterOp::Cas {
                expect,
                value,
                version,
            } => {
                let holds = match expect {
                    Expect::Version(v) => state.version == v,
                    Expect::Value(x) => state.value.matches(x),
                };
                if holds {
                    Register::apply(state, value, version)
                } else {
                    None
                }
            }
        }
    }

    fn is_pure(&self, op: &RegisterOp) -> bool {
        matches!(op, RegisterOp::Read { .. })
    }

    /// Versions only grow, so an operation needing an older version is dead.
    fn dead(&self, state: &Cell, op: &RegisterOp) -> bool {
        let past_ack = |ack: Option<u64>| ack.is_some_and(|v| v <= state.version);
        match *op {
            RegisterOp::Read { seen } => {
                seen.version < state.version
                    || (seen.version == state.version && !state.value.matches(seen.value))
            }
            RegisterOp::Write { version, .. } => past_ack(version),
            RegisterOp::Cas {
                expect, version, ..
            } => past_ack(version) || matches!(expect, Expect::Version(e) if e < state.version),
        }
    }

    fn parse(&self, iv: &Interval) -> Result<Option<RegisterOp>, ParseError> {
        if iv.outcome == Outcome::Fail {
            return Ok(None);
        }
        let known = iv.outcome == Outcome::Ok;
        let err = |r: String| ParseError::new(iv, r);
        match iv.f {
            F::Read if !known => Ok(None),
            F::Read => Ok(Some(RegisterOp::Read {
                seen: parse_state(&iv.result).map_err(err)?,
            })),
            F::Write => Ok(Some(RegisterOp::Write {
                value: Held::Int(new_value(&iv.args).map_err(err)?),
                version: if known { ack(&iv.result) } else { None },
            })),
            F::Cas => {
                let expect = if let Some(v) = iv.args.get("expect_version") {
                    Expect::Version(
                        v.as_u64()
                            .ok_or_else(|| err(format!("expect_version {v} is not a version")))?,
                    )
                } else if iv.args.get("expect_value").is_some() {
                    Expect::Value(field_opt_i64(&iv.args, "expect_value").map_err(err)?)
                } else {
                    return Err(err("cas needs expect_version or expect_value".into()));
                };
                Ok(Some(RegisterOp::Cas {
                    expect,
                    value: Held::Int(new_value(&iv.args).map_err(err)?),
                    version: if known { ack(&iv.result) } else { None },
                }))
            }
            other => Err(err(format!("{} is not a register operation", other.name()))),
        }
    }

    /// An `info` write or CAS whose value no read returned and no CAS expected can only
    /// matter through its version bump: its value is replaced by [`Held::Unread`], and such
    /// operations with the same condition are interchangeable.
    fn hints(&self, ops: &mut [RegisterOp], open: &[bool]) -> Vec<Hint> {
        let mut observed: HashSet<i64> = HashSet::new();
        for op in ops.iter() {
            match op {
                RegisterOp::Read { seen } => observed.extend(seen.value),
                RegisterOp::Cas {
                    expect: Expect::Value(Some(x)),
                    ..
                } => {
                    observed.insert(*x);
                }
                _ => {}
            }
        }
        let mut classes: HashMap<Option<Expect>, u32> = HashMap::new();
        let mut hints = vec![Hint::Keep; ops.len()];
        for (i, op) in ops.iter_mut().enumerate() {
            if !open.get(i).copied().unwrap_or(false) {
                continue;
            }
            let (value, condition) = match op {
                RegisterOp::Write { value, .. } => (value, None),
                RegisterOp::Cas { value, expect, .. } => (value, Some(*expect)),
                RegisterOp::Read { .. } => continue,
            };
            if let Held::Int(x) = *value
                && !observed.contains(&x)
            {
                *value = Held::Unread;
                let next = classes.len() as u32;
                hints[i] = Hint::Class(*classes.entry(condition).or_insert(next));
            }
        }
        hints
    }
}

/// The acknowledged version in a write/CAS result, if it reports one.
fn ack(result: &Value) -> Option<u64> {
    field_u64(result, "version")
}

fn new_value(args: &Value) -> Result<i64, String> {
    args.get("value")
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("value must be an integer, got {args}"))
}

/// Parses a read result `{"version": n, "value": x|null}`.
pub fn parse_state(result: &Value) -> Result<RegisterState, String> {
    let version = field_u64(result, "version")
        .ok_or_else(|| format!("read result {result} has no version"))?;
    let value = field_opt_i64(result, "value")?;
    Ok(RegisterState { version, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(version: u64, value: Option<i64>) -> RegisterState {
        RegisterState { version, value }
    }
    fn cell(version: u64, value: Option<i64>) -> Cell {
        Cell {
            version,
            value: value.map_or(Held::Absent, Held::Int),
        }
    }
    fn write(x: i64, version: Option<u64>) -> RegisterOp {
        RegisterOp::Write {
            value: Held::Int(x),
            version,
        }
    }

    #[test]
    fn writes_bump_the_version_and_reads_must_match() {
        let m = Register;
        let s0 = m.init();
        let s1 = m.step(&s0, &write(5, Some(1))).unwrap();
        assert_eq!(s1, cell(1, Some(5)));
        assert!(
            m.step(
                &s1,
                &RegisterOp::Read {
                    seen: st(1, Some(5))
                }
            )
            .is_some()
        );
        assert!(
            m.step(&s1, &RegisterOp::Read { seen: st(0, None) })
                .is_none()
        );
        assert!(
            m.step(
                &s1,
                &RegisterOp::Read {
                    seen: st(1, Some(6))
                }
            )
            .is_none()
        );
        // An acknowledged version that does not follow the current one is impossible.
        assert!(m.step(&s1, &write(6, Some(3))).is_none());
        assert_eq!(m.step(&s1, &write(6, None)), Some(cell(2, Some(6))));
    }

    #[test]
    fn cas_on_version_and_on_value() {
        let m = Register;
        let s1 = cell(1, Some(5));
        let by_version = |v| RegisterOp::Cas {
            expect: Expect::Version(v),
            value: Held::Int(9),
            version: None,
        };
        assert_eq!(m.step(&s1, &by_version(1)), Some(cell(2, Some(9))));
        assert_eq!(m.step(&s1, &by_version(0)), None);
        let by_value = |x| RegisterOp::Cas {
            expect: Expect::Value(x),
            value: Held::Int(9),
            version: None,
        };
        assert_eq!(m.step(&s1, &by_value(Some(5))), Some(cell(2, Some(9))));
        assert_eq!(m.step(&s1, &by_value(None)), None);
        assert!(m.is_pure(&RegisterOp::Read {
            seen: st(1, Some(5))
        }));
        assert!(!m.is_pure(&by_value(None)));
    }

    #[test]
    fn unread_values_match_no_read_and_no_value_cas() {
        let m = Register;
        let s = m.step(
            &m.init(),
            &RegisterOp::Write {
                value: Held::Unread,
                version: None,
            },
        );
        let s = s.unwrap();
        assert_eq!(s.version, 1);
        assert!(
            m.step(&s, &RegisterOp::Read { seen: st(1, None) })
                .is_none()
        );
        let cas = RegisterOp::Cas {
            expect: Expect::Value(None),
            value: Held::Int(1),
            version: None,
        };
        assert!(m.step(&s, &cas).is_none());
    }

    #[test]
    fn hints_merge_unobserved_info_writes_only() {
        let mut ops = vec![
            write(1, None),
            write(2, None),
            write(3, None),
            RegisterOp::Read {
                seen: st(1, Some(2)),
            },
            RegisterOp::Cas {
                expect: Expect::Version(1),
                value: Held::Int(4),
                version: None,
            },
            RegisterOp::Cas {
                expect: Expect::Version(1),
                value: Held::Int(5),
                version: None,
            },
        ];
        let open = [true, true, false, false, true, true];
        let hints = m_hints(&mut ops, &open);
        assert!(matches!(hints[0], Hint::Class(_)));
        assert_eq!(hints[1], Hint::Keep, "value 2 was read");
        assert_eq!(
            hints[2],
            Hint::Keep,
            "completed operations keep their deadline"
        );
        assert!(matches!(hints[4], Hint::Class(_)));
        assert_eq!(hints[4], hints[5], "same condition, same class");
        assert_ne!(hints[0], hints[4], "a write and a CAS differ");
        assert_eq!(
            ops[0],
            RegisterOp::Write {
                value: Held::Unread,
                version: None
            }
        );
        assert_eq!(ops[1], write(2, None));
        assert_eq!(ops[2], write(3, None));
    }

    #[test]
    fn operations_needing_an_older_version_are_dead() {
        let m = Register;
        let s = cell(2, Some(5));
        let read = |v, x| RegisterOp::Read { seen: st(v, x) };
        assert!(m.dead(&s, &read(1, Some(4))));
        assert!(m.dead(&s, &read(2, Some(4))));
        assert!(!m.dead(&s, &read(2, Some(5))));
        assert!(!m.dead(&s, &read(3, Some(4))));
        assert!(m.dead(&s, &write(1, Some(2))));
        assert!(!m.dead(&s, &write(1, Some(3))));
        assert!(!m.dead(&s, &write(1, None)));
        let cas = |e| RegisterOp::Cas {
            expect: Expect::Version(e),
            value: Held::Int(1),
            version: None,
        };
        assert!(m.dead(&s, &cas(1)));
        assert!(!m.dead(&s, &cas(2)));
        assert!(!m.dead(&s, &cas(4)));
    }

    fn m_hints(ops: &mut [RegisterOp], open: &[bool]) -> Vec<Hint> {
        Register.hints(ops, open)
    }

    #[test]
    fn parse_state_requires_a_version() {
        assert_eq!(
            parse_state(&serde_json::json!({"version": 0, "value": null})),
            Ok(st(0, None))
        );
        assert!(parse_state(&serde_json::json!({"value": 1})).is_err());
        assert!(parse_state(&serde_json::json!({"version": 1, "value": "x"})).is_err());
    }
}
