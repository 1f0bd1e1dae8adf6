//! Linearizability of one object's history: the Wing–Gong search with Lowe's memoisation.
//!
//! A history is linearizable when every operation can be given a single instant between its
//! invocation and its completion such that, taken in that order, the operations are a legal
//! run of the sequential model. The search builds that order front to back: the next
//! operation may be any not-yet-linearized one invoked before the earliest completion among
//! the remaining completed operations (otherwise that one would be ordered after an
//! operation that started after it ended). Each choice is applied to the model; a dead end
//! backtracks. Lowe's refinement remembers every (linearized set, model state) pair already
//! explored, so equivalent interleavings are searched once.
//!
//! `info` operations have no completion: they may be linearized anywhere after their
//! invocation, or never, and the search succeeds once every *completed* operation is placed.
//! Reads are linearized greedily when legal (moving a state-preserving operation earlier
//! never invalidates an order), completed operations are tried before `info` ones, and
//! the model's hints (see [`crate::model::Hint`]) drop `info` operations that cannot matter
//! and let interchangeable ones be tried once; together they remove most branching.
//!
//! The search is exponential in the worst case, so it is bounded: too many operations or
//! too many steps give `Unknown`, never `Valid`.

use std::collections::HashSet;

use super::bitset::Bits;
use crate::model::{Hint, Model};

/// One operation of the object: its interval in event positions and its model operation.
#[derive(Debug, Clone)]
pub struct Entry<O> {
    /// Identifies it in reports (the invocation's history index).
    pub id: u64,
    /// Position of the invocation event.
    pub invoke: u64,
    /// Position of the completion event; `None` for `info` operations.
    pub complete: Option<u64>,
    /// The model operation.
    pub op: O,
}

/// Bounds on the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Most operations per object the search accepts.
    pub max_ops: usize,
    /// Most model steps before giving up (this also bounds the memo's memory: at most one
    /// entry of about `max_ops / 8` bytes per step).
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_ops: 2_000,
            max_steps: 1_000_000,
        }
    }
}

/// Where the search got stuck, for the report: the longest legal prefix it found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stuck {
    /// How many operations that prefix linearized.
    pub linearized: usize,
    /// The last operations of the prefix (ids, oldest first; at most 8).
    pub prefix_tail: Vec<u64>,
    /// The model state after the prefix (`Debug` form).
    pub state: String,
    /// Operations that could have come next but are illegal in that state, or would make
    /// a pending operation impossible.
    pub refused: Vec<u64>,
    /// Pending operations that those candidates would make impossible.
    pub doomed: Vec<u64>,
    /// The completed operation that had to be linearized before anything invoked later.
    pub blocking: Option<u64>,
}

/// The search's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Linearization {
    /// A legal order exists.
    Valid {
        /// Model steps taken.
        steps: u64,
    },
    /// The whole space was searched: no legal order exists.
    Invalid(Stuck),
    /// The bounds were hit; nothing is known.
    Unknown {
        /// Which bound.
        reason: String,
    },
}

struct Frame<S> {
    done: Bits,
    state: S,
    /// Next position in the candidate order to try.
    next: usize,
    /// Position of the operation that led here (for reports).
    via: Option<usize>,
    /// Position in `required` of the first pending completed operation (every earlier one
    /// is done; `done` only grows along a path, so children start from here).
    req_from: usize,
    /// Position in the candidate order of the first pending completed operation.
    ord_from: usize,
}

impl<S> Frame<S> {
    fn child<O>(&self, ops: &Ops<O>, required: &[usize], done: Bits, state: S, via: usize) -> Self {
        let mut req_from = self.req_from;
        while req_from < required.len() && done.get(required[req_from]) {
            req_from += 1;
        }
        let mut ord_from = self.ord_from;
        while ord_from < ops.open_from && done.get(ops.order[ord_from]) {
            ord_from += 1;
        }
        Frame {
            done,
            state,
            next: ord_from,
            via: Some(via),
            req_from,
            ord_from,
        }
    }
}

/// One object's operations in the layout the search uses.
struct Ops<O> {
    id: Vec<u64>,
    invoke: Vec<u64>,
    complete: Vec<Option<u64>>,
    op: Vec<O>,
    /// Symmetry class of each operation (`info` operations only).
    class: Vec<Option<u32>>,
    /// Members of each class, by invocation.
    members: Vec<Vec<usize>>,
    /// Candidate order: completed operations by invocation, then `info` ones by invocation
    /// (completed operations are what must be explained; `info` ones only when needed).
    order: Vec<usize>,
    /// Where the `info` part of `order` starts.
    open_from: usize,
}

impl<O> Ops<O> {
    fn new<M: Model<Op = O>>(model: &M, mut entries: Vec<Entry<O>>) -> Self {
        entries.sort_by_key(|e| e.invoke);
        let open: Vec<bool> = entries.iter().map(|e| e.complete.is_none()).collect();
        let mut ops: Vec<O> = Vec::with_capacity(entries.len());
        let mut meta = Vec::with_capacity(entries.len());
        for e in entries {
            meta.push((e.id, e.invoke, e.complete));
            ops.push(e.op);
        }
        let hints = model.hints(&mut ops, &open);
        let mut out = Ops {
            id: Vec::new(),
            invoke: Vec::new(),
            complete: Vec::new(),
            op: Vec::new(),
            class: Vec::new(),
            members: Vec::new(),
            order: Vec::new(),
            open_from: 0,
        };
        for (i, ((id, invoke, complete), op)) in meta.into_iter().zip(ops).enumerate() {
            let hint = hints.get(i).copied().unwrap_or(Hint::Keep);
            // Hints only apply to info operations: completed ones have a deadline.
            let class = match hint {
                Hint::Drop if complete.is_none() => continue,
                Hint::Class(c) if complete.is_none() => Some(c),
                _ => None,
            };
            let pos = out.op.len();
            if let Some(c) = class {
                let c = c as usize;
                if out.members.len() <= c {
                    out.members.resize_with(c + 1, Vec::new);
                }
                out.members[c].push(pos);
            }
            out.id.push(id);
            out.invoke.push(invoke);
            out.complete.push(complete);
            out.op.push(op);
            out.class.push(class);
        }
        let n = out.op.len();
        out.order = (0..n).filter(|&i| out.complete[i].is_some()).collect();
        out.open_from = out.order.len();
        out.order
            .extend((0..n).filter(|&i| out.complete[i].is_none()));
        out
    }

    fn len(&self) -> usize {
        self.op.len()
    }

    /// False when an earlier-invoked member of `i`'s class is still pending: that one is
    /// tried instead (same effect, available at least as early).
    fn first_of_class(&self, i: usize, done: &Bits) -> bool {
        match self.class[i] {
            None => true,
            Some(c) => self.members[c as usize]
                .iter()
                .find(|&&j| !done.get(j))
                .is_none_or(|&j| j == i),
        }
    }
}

/// Checks that `entries` (one object's operations) are linearizable with respect to `model`.
pub fn check<M: Model>(model: &M, entries: Vec<Entry<M::Op>>, limits: &Limits) -> Linearization {
    if entries.len() > limits.max_ops {
        return Linearization::Unknown {
            reason: format!(
                "{} operations exceed the limit of {}",
                entries.len(),
                limits.max_ops
            ),
        };
    }
    let ops = Ops::new(model, entries);
    let n = ops.len();
    // Completed operations by completion position: the first not yet linearized bounds
    // which operations may come next.
    let mut required: Vec<usize> = ops.order[..ops.open_from].to_vec();
    required.sort_by_key(|&i| ops.complete[i]);

    let init = model.init();
    let mut seen: HashSet<(Bits, M::State)> = HashSet::new();
    seen.insert((Bits::new(n), init.clone()));
    let mut stack = vec![Frame {
        done: Bits::new(n),
        state: init,
        next: 0,
        via: None,
        req_from: 0,
        ord_from: 0,
    }];
    let mut steps: u64 = 0;
    let mut stuck: Option<Stuck> = None;

    while let Some(top) = stack.last_mut() {
        let Some(&blocking) = required.get(top.req_from) else {
            return Linearization::Valid { steps };
        };
        let bound = ops.complete[blocking].unwrap_or(u64::MAX);
        let mut chosen = None;
        let mut k = top.next;
        while k < ops.order.len() {
            let i = ops.order[k];
            if ops.invoke[i] >= bound {
                // Each part of the order is sorted by invocation: skip to the next part.
                if k < ops.open_from {
                    k = ops.open_from;
                    continue;
                }
                break;
            }
            if !top.done.get(i) && ops.first_of_class(i, &top.done) {
                steps += 1;
                if steps > limits.max_steps {
                    return Linearization::Unknown {
                        reason: format!("search exceeded {} steps", limits.max_steps),
                    };
                }
                if let Some(next) = model.step(&top.state, &ops.op[i])
                    && !dooms(model, &next, &ops, &required[top.req_from..], &top.done, i)
                {
                    chosen = Some((k, i, next));
                    break;
                }
            }
            k += 1;
        }
        match chosen {
            Some((k, i, next)) => {
                // A legal read is taken without trying alternatives (see module docs).
                top.next = if model.is_pure(&ops.op[i]) {
                    ops.order.len()
                } else {
                    k + 1
                };
                let mut done = top.done.clone();
                done.set(i);
                if seen.insert((done.clone(), next.clone())) {
                    let child = top.child(&ops, &required, done, next, i);
                    stack.push(child);
                }
            }
            None => {
                let depth = top.done.count();
                if stuck.as_ref().is_none_or(|s| depth > s.linearized) {
                    let (done, state) = (&top.done, &top.state);
                    let pending = &required[top.req_from..];
                    let refused: Vec<usize> = (0..n)
                        .filter(|&j| !done.get(j) && ops.invoke[j] < bound)
                        .collect();
                    let mut doomed: Vec<u64> = refused
                        .iter()
                        .filter_map(|&j| model.step(state, &ops.op[j]).map(|s| (j, s)))
                        .flat_map(|(j, s)| {
                            pending
                                .iter()
                                .copied()
                                .filter(move |&r| r != j && !done.get(r))
                                .take(LOOKAHEAD)
                                .filter(|&r| model.dead(&s, &ops.op[r]))
                                .map(|r| ops.id[r])
                                .collect::<Vec<_>>()
                        })
                        .collect();
                    doomed.sort_unstable();
                    doomed.dedup();
                    let refused = refused.iter().map(|&j| ops.id[j]).collect();
                    let state = format!("{:?}", top.state);
                    let prefix_tail = prefix_tail(&stack, &ops.id);
                    stuck = Some(Stuck {
                        linearized: depth,
                        prefix_tail,
                        state,
                        refused,
                        doomed,
                        blocking: Some(ops.id[blocking]),
                    });
                }
                stack.pop();
            }
        }
    }
    Linearization::Invalid(stuck.unwrap_or(Stuck {
        linearized: 0,
        prefix_tail: Vec::new(),
        state: String::new(),
        refused: Vec::new(),
        doomed: Vec::new(),
        blocking: None,
    }))
}

/// How many of the soonest-due pending operations are checked for being dead.
const LOOKAHEAD: usize = 32;

/// True when, after linearizing `chosen` into `state`, one of the soonest-due completed
/// operations still to be linearized can never become legal: that branch cannot succeed.
fn dooms<M: Model>(
    model: &M,
    state: &M::State,
    ops: &Ops<M::Op>,
    required: &[usize],
    done: &Bits,
    chosen: usize,
) -> bool {
    required
        .iter()
        .copied()
        .filter(|&j| j != chosen && !done.get(j))
        .take(LOOKAHEAD)
        .any(|j| model.dead(state, &ops.op[j]))
}

fn prefix_tail<S>(stack: &[Frame<S>], ids: &[u64]) -> Vec<u64> {
    let ids: Vec<u64> = stack.iter().filter_map(|f| f.via.map(|i| ids[i])).collect();
    ids[ids.len().saturating_sub(8)..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::register::{Expect, Held, Register, RegisterOp, RegisterState};

    fn e(id: u64, invoke: u64, complete: Option<u64>, op: RegisterOp) -> Entry<RegisterOp> {
        Entry {
            id,
            invoke,
            complete,
            op,
        }
    }
    fn w(value: i64) -> RegisterOp {
        RegisterOp::Write {
            value: Held::Int(value),
            version: None,
        }
    }
    fn r(version: u64, value: Option<i64>) -> RegisterOp {
        RegisterOp::Read {
            seen: RegisterState { version, value },
        }
    }

    #[test]
    fn sequential_and_overlapping_orders() {
        let lim = Limits::default();
        // w1 [0,1], r [2,3] sees it.
        let ok = vec![e(0, 0, Some(1), w(1)), e(2, 2, Some(3), r(1, Some(1)))];
        assert!(matches!(
            check(&Register, ok, &lim),
            Linearization::Valid { .. }
        ));
        // A read that overlaps the write may see either state.
        for seen in [r(0, None), r(1, Some(1))] {
            let h = vec![e(0, 0, Some(3), w(1)), e(1, 1, Some(2), seen)];
            assert!(matches!(
                check(&Register, h, &lim),
                Linearization::Valid { .. }
            ));
        }
    }

    #[test]
    fn stale_read_is_refused_with_a_useful_trace() {
        let h = vec![
            e(0, 0, Some(1), w(1)),
            e(2, 2, Some(3), w(2)),
            e(4, 4, Some(5), r(1, Some(1))),
        ];
        match check(&Register, h, &Limits::default()) {
            Linearization::Invalid(s) => {
                // After the first write, the second must come next (it completes before
                // the read starts), but it would leave the read impossible.
                assert_eq!(s.linearized, 1);
                assert_eq!(s.prefix_tail, vec![0]);
                assert_eq!(s.refused, vec![2]);
                assert_eq!(s.doomed, vec![4]);
                assert_eq!(s.blocking, Some(2));
                assert!(s.state.contains("version: 1"), "{}", s.state);
            }
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn info_writes_may_or_may_not_happen() {
        let lim = Limits::default();
        let cas = RegisterOp::Cas {
            expect: Expect::Version(0),
            value: Held::Int(7),
            version: None,
        };
        // The info CAS happened: a later read sees it.
        let h = vec![e(0, 0, None, cas), e(2, 2, Some(3), r(1, Some(7)))];
        assert!(matches!(
            check(&Register, h, &lim),
            Linearization::Valid { .. }
        ));
        // It did not: a later read does not see it.
        let h = vec![e(0, 0, None, cas), e(2, 2, Some(3), r(0, None))];
        assert!(matches!(
            check(&Register, h, &lim),
            Linearization::Valid { .. }
        ));
        // But it cannot un-happen.
        let h = vec![
            e(0, 0, None, cas),
            e(2, 2, Some(3), r(1, Some(7))),
            e(4, 4, Some(5), r(0, None)),
        ];
        assert!(matches!(
            check(&Register, h, &lim),
            Linearization::Invalid(_)
        ));
    }

    #[test]
    fn bounds_give_unknown_never_valid() {
        let h = vec![e(0, 0, Some(1), w(1)), e(2, 2, Some(3), r(1, Some(1)))];
        let tiny = Limits {
            max_ops: 1,
            max_steps: 100,
        };
        assert!(matches!(
            check(&Register, h.clone(), &tiny),
            Linearization::Unknown { .. }
        ));
        let no_steps = Limits {
            max_ops: 10,
            max_steps: 1,
        };
        assert!(matches!(
            check(&Register, h, &no_steps),
            Linearization::Unknown { .. }
        ));
    }

    #[test]
    fn empty_history_is_valid() {
        assert!(matches!(
            check(&Register, Vec::new(), &Limits::default()),
            Linearization::Valid { steps: 0 }
        ));
    }
}
