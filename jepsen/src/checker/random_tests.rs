//! Randomised check of the checker: histories generated from a real sequential register
//! execution, observed through random concurrency windows, must pass; the same histories
//! with one read changed to an impossible result must fail.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::*;
use crate::history::{F, Kind, Op, Process};

/// One generated operation: its interval in abstract time and what it observed.
struct GenOp {
    key: String,
    f: F,
    args: Value,
    /// `None`: info (unknown outcome).
    completion: Option<(Kind, Value)>,
    invoke: u64,
    complete: u64,
    /// For reads: the state seen; for acknowledged writes: the version they created.
    seen: Option<(u64, Option<i64>)>,
    ack: Option<u64>,
}

/// Runs `n` random operations against real registers (one per key) one at a time, at
/// instants 10, 20, ...; each operation's interval is widened randomly around its instant
/// by up to `window` steps, which produces concurrency without changing what happened.
/// Returns the operations and, per key, the value held at each version.
fn generate(
    rng: &mut StdRng,
    n: usize,
    keys: usize,
    window: u64,
) -> (Vec<GenOp>, HashMap<String, Vec<Option<i64>>>) {
    let mut states: HashMap<String, (u64, Option<i64>)> = HashMap::new();
    let mut values_at: HashMap<String, Vec<Option<i64>>> = HashMap::new();
    let mut next_value = 1i64;
    let mut ops = Vec::with_capacity(n);
    for i in 0..n {
        let key = format!("k{}", rng.random_range(0..keys));
        let (version, value) = *states.entry(key.clone()).or_insert((0, None));
        values_at.entry(key.clone()).or_insert_with(|| vec![None]);
        let at = (i as u64 + 1) * 10;
        let w = window * 10;
        let invoke = at - rng.random_range(0..=w.min(at - 1));
        let complete = at + rng.random_range(0..=w);
        let roll = rng.random_range(0..100);
        let info = rng.random_range(0..100) < 10;
        let mut op = GenOp {
            key: key.clone(),
            f: F::Read,
            args: Value::Null,
            completion: None,
            invoke,
            complete,
            seen: None,
            ack: None,
        };
        if roll < 45 {
            op.seen = Some((version, value));
            op.completion = Some((Kind::Ok, json!({ "version": version, "value": value })));
        } else {
            let x = next_value;
            next_value += 1;
            let is_cas = roll >= 75;
            // A CAS expects the current version most of the time, a stale one otherwise.
            let expect = if is_cas && rng.random_range(0..4) == 0 {
                version.saturating_sub(1 + rng.random_range(0..2))
            } else {
                version
            };
            let applies = expect == version || !is_cas;
            op.f = if is_cas { F::Cas } else { F::Write };
            op.args = if is_cas {
                json!({ "expect_version": expect, "value": x })
            } else {
                json!({ "value": x })
            };
            // An info op happened or not at random; a definite one happened iff it applies.
            let happens = applies && (!info || rng.random_range(0..2) == 0);
            if happens {
                let nv = version + 1;
                states.insert(key.clone(), (nv, Some(x)));
                if let Some(v) = values_at.get_mut(&key) {
                    v.push(Some(x));
                }
                if !info {
                    op.ack = Some(nv);
                    op.completion = Some((Kind::Ok, json!({ "value": x, "version": nv })));
                }
            } else if !info {
                op.completion = Some((Kind::Fail, op.args.clone()));
            }
        }
        ops.push(op);
    }
    (ops, values_at)
}

/// Turns generated operations into a recorded history (one process per operation, so
/// processes never overlap; info operations complete with an `info` event).
fn record(ops: &[GenOp]) -> Vec<Op> {
    let mut events: Vec<(u64, usize, bool)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        events.push((op.invoke, i, false));
        events.push((op.complete, i, true));
    }
    // Ties: invocations before completions keeps both intervals open at that instant,
    // which is always consistent with the instants chosen.
    events.sort_by_key(|&(t, i, done)| (t, done, i));
    events
        .iter()
        .enumerate()
        .map(|(index, &(t, i, done))| {
            let g = &ops[i];
            let (kind, value) = match (done, &g.completion) {
                (false, _) => (Kind::Invoke, g.args.clone()),
                (true, Some((k, v))) => (*k, v.clone()),
                (true, None) => (Kind::Info, g.args.clone()),
            };
            let mut op = Op::new(
                Process::Client(i as u64),
                kind,
                g.f,
                Some(g.key.clone()),
                value,
            );
            op.index = index as u64;
            op.time = t;
            op
        })
        .collect()
}

fn verdict(ops: &[Op]) -> Verdict {
    check_history(ops, &Limits::default())
        .expect("generated histories are well formed")
        .verdict
}

#[test]
fn generated_histories_pass_and_mutated_reads_fail() {
    let mut never_written = 0;
    let mut stale = 0;
    for seed in 0..150u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = rng.random_range(20..120);
        let keys = rng.random_range(1..4);
        let window = rng.random_range(0..6);
        let (ops, values_at) = generate(&mut rng, n, keys, window);
        let history = record(&ops);
        assert_eq!(verdict(&history), Verdict::Valid, "seed {seed}");

        // Mutation 1: one read returns a value nobody wrote.
        let reads: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].seen.is_some()).collect();
        if reads.is_empty() {
            continue;
        }
        let r = reads[rng.random_range(0..reads.len())];
        let mut bad = history.clone();
        let (version, _) = ops[r].seen.unwrap_or((0, None));
        set_read(&mut bad, r, json!({ "version": version, "value": -1 }));
        assert_eq!(
            verdict(&bad),
            Verdict::Invalid,
            "seed {seed}: never-written value"
        );
        never_written += 1;

        // Mutation 2: a read returns an older state than a write acknowledged before the
        // read was invoked (a stale read; impossible whatever the concurrency).
        let candidates = stale_candidates(&ops);
        if let Some(&(r, v)) = candidates.get(rng.random_range(0..candidates.len().max(1))) {
            let old = v - 1;
            let value = values_at[&ops[r].key][old as usize];
            let mut bad = history.clone();
            set_read(&mut bad, r, json!({ "version": old, "value": value }));
            assert_eq!(verdict(&bad), Verdict::Invalid, "seed {seed}: stale read");
            stale += 1;
        }
    }
    // The mutations must actually have been exercised.
    assert!(never_written > 100, "{never_written}");
    assert!(stale > 50, "{stale}");
}

/// Reads paired with the newest version acknowledged (on their key) before they began:
/// returning anything older is impossible.
fn stale_candidates(ops: &[GenOp]) -> Vec<(usize, u64)> {
    (0..ops.len())
        .filter(|&r| ops[r].seen.is_some())
        .filter_map(|r| {
            ops.iter()
                .filter(|w| w.key == ops[r].key && w.complete < ops[r].invoke)
                .filter_map(|w| w.ack)
                .max()
                .map(|v| (r, v))
        })
        .collect()
}

/// Replaces the completion value of generated operation `i` (process `i`).
fn set_read(history: &mut [Op], i: usize, value: Value) {
    let op = history
        .iter_mut()
        .find(|o| o.process == Process::Client(i as u64) && o.kind == Kind::Ok)
        .expect("the read completed");
    op.value = value;
}

#[test]
fn long_history_with_heavy_concurrency_is_decided() {
    // 2000 operations on one key, windows of up to 8 neighbours: the search must decide
    // it (valid) within the default bounds.
    let mut rng = StdRng::seed_from_u64(7);
    let (ops, values_at) = generate(&mut rng, 2000, 1, 8);
    let history = record(&ops);
    assert_eq!(verdict(&history), Verdict::Valid);
    // A stale read near the end must be found (invalid, not unknown) just as quickly.
    let &(r, v) = stale_candidates(&ops).last().expect("a late read");
    let old = v - 1;
    let mut bad = history;
    set_read(
        &mut bad,
        r,
        json!({ "version": old, "value": values_at["k0"][old as usize] }),
    );
    assert_eq!(verdict(&bad), Verdict::Invalid);
}
