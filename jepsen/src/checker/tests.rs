//! The checker must catch known bugs and accept known-good histories. Each history is
//! written event by event, as a recorder would emit it.

use serde_json::{Value, json};

use super::*;
use crate::history::{F, Kind, Op, Process};

/// Builds a history event by event; indices and times follow call order.
#[derive(Default)]
pub(crate) struct H {
    pub ops: Vec<Op>,
}

impl H {
    pub fn ev(&mut self, p: u64, kind: Kind, f: F, key: &str, value: Value) -> &mut Self {
        let mut op = Op::new(Process::Client(p), kind, f, Some(key.into()), value);
        op.index = self.ops.len() as u64;
        op.time = op.index * 1_000;
        self.ops.push(op);
        self
    }
    pub fn write(&mut self, p: u64, key: &str, x: i64) -> &mut Self {
        self.ev(p, Kind::Invoke, F::Write, key, json!({ "value": x }))
    }
    pub fn write_ok(&mut self, p: u64, key: &str, x: i64, version: u64) -> &mut Self {
        self.ev(
            p,
            Kind::Ok,
            F::Write,
            key,
            json!({ "value": x, "version": version }),
        )
    }
    pub fn read(&mut self, p: u64, key: &str) -> &mut Self {
        self.ev(p, Kind::Invoke, F::Read, key, Value::Null)
    }
    pub fn read_ok(&mut self, p: u64, key: &str, version: u64, x: Option<i64>) -> &mut Self {
        self.ev(
            p,
            Kind::Ok,
            F::Read,
            key,
            json!({ "version": version, "value": x }),
        )
    }
    pub fn cas(&mut self, p: u64, key: &str, expect_version: u64, x: i64) -> &mut Self {
        self.ev(
            p,
            Kind::Invoke,
            F::Cas,
            key,
            json!({ "expect_version": expect_version, "value": x }),
        )
    }
    pub fn cas_ok(&mut self, p: u64, key: &str, version: u64) -> &mut Self {
        self.ev(p, Kind::Ok, F::Cas, key, json!({ "version": version }))
    }
    pub fn check(&self) -> CheckReport {
        check_history(&self.ops, &Limits::default()).expect("well-formed history")
    }
}

fn kinds(r: &CheckReport) -> Vec<AnomalyKind> {
    let mut k: Vec<AnomalyKind> = r.anomalies.iter().map(|a| a.kind).collect();
    k.sort();
    k.dedup();
    k
}

fn assert_valid(r: &CheckReport) {
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.anomalies);
    assert!(r.anomalies.is_empty());
}

fn assert_invalid(r: &CheckReport, expected: &[AnomalyKind]) {
    assert_eq!(r.verdict, Verdict::Invalid);
    let found = kinds(r);
    for k in expected {
        assert!(found.contains(k), "expected {k:?} among {found:?}");
    }
    assert!(
        found.contains(&AnomalyKind::NotLinearizable),
        "the search itself must reject it: {found:?}"
    );
}

// ---- Must be rejected ----

#[test]
fn rejects_stale_read_after_acknowledged_write() {
    let mut h = H::default();
    h.write(0, "k", 1).write_ok(0, "k", 1, 1);
    h.write(0, "k", 2).write_ok(0, "k", 2, 2);
    // Another client, starting after the second acknowledgement, sees the first value.
    h.read(1, "k").read_ok(1, "k", 1, Some(1));
    assert_invalid(&h.check(), &[AnomalyKind::LostWrite]);
}

#[test]
fn rejects_lost_write() {
    let mut h = H::default();
    h.write(0, "k", 5).write_ok(0, "k", 5, 1);
    h.read(1, "k").read_ok(1, "k", 0, None);
    assert_invalid(&h.check(), &[AnomalyKind::LostWrite]);
}

#[test]
fn rejects_lost_write_without_versions_in_the_acknowledgement() {
    // A server that acknowledges without reporting a version: the search alone must
    // still see that the later reads miss the write.
    let mut h = H::default();
    h.write(0, "k", 5)
        .ev(0, Kind::Ok, F::Write, "k", json!({ "value": 5 }));
    h.write(1, "k", 6)
        .ev(1, Kind::Ok, F::Write, "k", json!({ "value": 6 }));
    h.read(2, "k").read_ok(2, "k", 1, Some(5));
    let r = h.check();
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(kinds(&r).contains(&AnomalyKind::NotLinearizable));
}

#[test]
fn rejects_two_cas_from_the_same_version() {
    let mut h = H::default();
    h.write(0, "k", 1).write_ok(0, "k", 1, 1);
    // Two concurrent CASes expecting version 1 both succeed.
    h.cas(1, "k", 1, 2).cas(2, "k", 1, 3);
    h.cas_ok(1, "k", 2).cas_ok(2, "k", 2);
    assert_invalid(&h.check(), &[]);
}

#[test]
fn rejects_two_value_cas_from_the_same_value() {
    // Classic value CAS (no versions anywhere): both succeed from value 1.
    let mut h = H::default();
    h.write(0, "k", 1)
        .ev(0, Kind::Ok, F::Write, "k", json!({ "value": 1 }));
    let cas = |x| json!({ "expect_value": 1, "value": x });
    h.ev(1, Kind::Invoke, F::Cas, "k", cas(2))
        .ev(2, Kind::Invoke, F::Cas, "k", cas(3));
    h.ev(1, Kind::Ok, F::Cas, "k", json!({}))
        .ev(2, Kind::Ok, F::Cas, "k", json!({}));
    let r = h.check();
    assert_eq!(r.verdict, Verdict::Invalid);
    // One CAS after the other is fine.
    let mut h = H::default();
    h.write(0, "k", 1)
        .ev(0, Kind::Ok, F::Write, "k", json!({ "value": 1 }));
    h.ev(1, Kind::Invoke, F::Cas, "k", cas(2))
        .ev(1, Kind::Ok, F::Cas, "k", json!({}));
    h.ev(
        2,
        Kind::Invoke,
        F::Cas,
        "k",
        json!({ "expect_value": 2, "value": 3 }),
    )
    .ev(2, Kind::Ok, F::Cas, "k", json!({}));
    assert_valid(&h.check());
}

#[test]
fn rejects_read_of_a_value_never_written() {
    let mut h = H::default();
    h.write(0, "k", 5).write_ok(0, "k", 5, 1);
    h.read(1, "k").read_ok(1, "k", 1, Some(99));
    assert_invalid(&h.check(), &[AnomalyKind::NeverWritten]);
}

#[test]
fn rejects_read_of_a_value_only_a_failed_write_tried() {
    let mut h = H::default();
    h.write(0, "k", 5)
        .ev(0, Kind::Fail, F::Write, "k", json!({ "value": 5 }));
    h.read(1, "k").read_ok(1, "k", 1, Some(5));
    assert_invalid(&h.check(), &[AnomalyKind::NeverWritten]);
}

#[test]
fn rejects_reads_going_back_in_time_for_one_client() {
    let mut h = H::default();
    // Two writes stay open (info) for the whole history: the first read may see either,
    // but a client cannot then see an older version.
    h.write(0, "k", 1).write(1, "k", 2);
    h.read(2, "k").read_ok(2, "k", 2, Some(2));
    h.read(2, "k").read_ok(2, "k", 1, Some(1));
    h.ev(0, Kind::Info, F::Write, "k", json!({ "value": 1 }))
        .ev(1, Kind::Info, F::Write, "k", json!({ "value": 2 }));
    assert_invalid(&h.check(), &[AnomalyKind::NonMonotonicRead]);
}

#[test]
fn rejects_a_violation_on_one_key_among_many() {
    let mut h = H::default();
    for (p, key) in ["a", "b", "c"].iter().enumerate() {
        let p = p as u64;
        h.write(p, key, 1).write_ok(p, key, 1, 1);
        h.read(p, key).read_ok(p, key, 1, Some(1));
    }
    h.read(7, "b").read_ok(7, "b", 0, None);
    let r = h.check();
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(
        r.anomalies.iter().all(|a| a.key == "b"),
        "{:#?}",
        r.anomalies
    );
    assert_eq!(r.keys.len(), 3);
}

// ---- Must be accepted ----

#[test]
fn accepts_concurrent_overlapping_operations_with_a_valid_order() {
    let mut h = H::default();
    // Writes of 1 and 2 overlap; the server ordered 2 first (version 1) then 1 (version 2).
    h.write(0, "k", 1).write(1, "k", 2);
    h.read(2, "k").read(3, "k");
    h.read_ok(2, "k", 1, Some(2));
    h.write_ok(1, "k", 2, 1);
    h.read_ok(3, "k", 0, None);
    h.write_ok(0, "k", 1, 2);
    h.read(2, "k").read_ok(2, "k", 2, Some(1));
    h.cas(3, "k", 2, 3).cas_ok(3, "k", 3);
    h.read(4, "k").read_ok(4, "k", 3, Some(3));
    assert_valid(&h.check());
}

#[test]
fn accepts_info_write_that_took_effect() {
    let mut h = H::default();
    h.write(0, "k", 1)
        .ev(0, Kind::Info, F::Write, "k", json!({ "value": 1 }));
    h.read(1, "k").read_ok(1, "k", 0, None);
    h.read(1, "k").read_ok(1, "k", 1, Some(1));
    h.write(2, "k", 2).write_ok(2, "k", 2, 2);
    assert_valid(&h.check());
}

#[test]
fn accepts_info_write_that_never_took_effect() {
    let mut h = H::default();
    h.write(0, "k", 1)
        .ev(0, Kind::Info, F::Write, "k", json!({ "value": 1 }));
    h.write(2, "k", 2).write_ok(2, "k", 2, 1);
    h.read(1, "k").read_ok(1, "k", 1, Some(2));
    // An invocation that never completed at all is an info too.
    h.cas(3, "k", 1, 3);
    h.read(1, "k").read_ok(1, "k", 1, Some(2));
    assert_valid(&h.check());
}

#[test]
fn accepts_failed_operations_and_ignores_nemesis_events() {
    let mut h = H::default();
    h.write(0, "k", 1).write_ok(0, "k", 1, 1);
    h.cas(1, "k", 0, 9)
        .ev(1, Kind::Fail, F::Cas, "k", json!({}));
    let mut fault = Op::new(
        Process::Nemesis,
        Kind::Invoke,
        F::FaultStart,
        None,
        json!({}),
    );
    fault.index = h.ops.len() as u64;
    h.ops.push(fault);
    h.read(2, "k").read_ok(2, "k", 1, Some(1));
    assert_valid(&h.check());
}

#[test]
fn set_and_token_workloads_are_checked_too() {
    let mut h = H::default();
    h.ev(0, Kind::Invoke, F::Add, "s", json!(1))
        .ev(0, Kind::Ok, F::Add, "s", json!(1));
    h.ev(1, Kind::Invoke, F::Add, "s", json!(2));
    h.ev(2, Kind::Invoke, F::ReadSet, "s", Value::Null).ev(
        2,
        Kind::Ok,
        F::ReadSet,
        "s",
        json!([1]),
    );
    h.ev(1, Kind::Ok, F::Add, "s", json!(2));
    h.ev(2, Kind::Invoke, F::ReadSet, "s", Value::Null).ev(
        2,
        Kind::Ok,
        F::ReadSet,
        "s",
        json!([1, 2]),
    );
    h.ev(3, Kind::Invoke, F::TokenCreate, "t", Value::Null).ev(
        3,
        Kind::Ok,
        F::TokenCreate,
        "t",
        Value::Null,
    );
    h.ev(4, Kind::Invoke, F::TokenUse, "t", Value::Null).ev(
        4,
        Kind::Ok,
        F::TokenUse,
        "t",
        json!({"valid": true}),
    );
    h.ev(3, Kind::Invoke, F::TokenRevoke, "t", Value::Null).ev(
        3,
        Kind::Ok,
        F::TokenRevoke,
        "t",
        Value::Null,
    );
    h.ev(4, Kind::Invoke, F::TokenUse, "t", Value::Null).ev(
        4,
        Kind::Ok,
        F::TokenUse,
        "t",
        json!({"valid": false}),
    );
    assert_valid(&h.check());

    // A lost add and a phantom element.
    let mut bad = H {
        ops: h.ops[..10].to_vec(),
    };
    bad.ev(2, Kind::Invoke, F::ReadSet, "s", Value::Null).ev(
        2,
        Kind::Ok,
        F::ReadSet,
        "s",
        json!([2, 7]),
    );
    assert_invalid(
        &bad.check(),
        &[
            AnomalyKind::LostWrite,
            AnomalyKind::NeverWritten,
            AnomalyKind::NonMonotonicRead,
        ],
    );

    // A revoked token still accepted.
    let mut bad = H { ops: h.ops.clone() };
    bad.ev(5, Kind::Invoke, F::TokenUse, "t", Value::Null).ev(
        5,
        Kind::Ok,
        F::TokenUse,
        "t",
        json!({"valid": true}),
    );
    assert_invalid(&bad.check(), &[AnomalyKind::RevokedTokenAccepted]);

    // A created token refused elsewhere.
    let mut bad = H::default();
    bad.ev(3, Kind::Invoke, F::TokenCreate, "t", Value::Null)
        .ev(3, Kind::Ok, F::TokenCreate, "t", Value::Null);
    bad.ev(4, Kind::Invoke, F::TokenUse, "t", Value::Null).ev(
        4,
        Kind::Ok,
        F::TokenUse,
        "t",
        json!({"valid": false}),
    );
    assert_invalid(&bad.check(), &[AnomalyKind::CreatedTokenRejected]);
}

// ---- Never a pass by accident ----

#[test]
fn broken_histories_are_errors_not_passes() {
    let mut h = H::default();
    h.read_ok(0, "k", 0, None);
    assert!(matches!(
        check_history(&h.ops, &Limits::default()),
        Err(CheckError::Pairing(_))
    ));
    let mut h = H::default();
    h.read(0, "k")
        .ev(0, Kind::Ok, F::Read, "k", json!({"value": 1}));
    assert!(matches!(
        check_history(&h.ops, &Limits::default()),
        Err(CheckError::Parse(_))
    ));
    let mut h = H::default();
    h.read(0, "k").read_ok(0, "k", 0, None);
    h.ev(1, Kind::Invoke, F::Add, "k", json!(1));
    assert!(matches!(
        check_history(&h.ops, &Limits::default()),
        Err(CheckError::MixedModels { .. })
    ));
}

#[test]
fn search_bounds_give_unknown() {
    let mut h = H::default();
    h.write(0, "k", 1).write_ok(0, "k", 1, 1);
    h.read(1, "k").read_ok(1, "k", 1, Some(1));
    let tiny = Limits {
        max_ops: 1,
        max_steps: 10,
    };
    let r = check_history(&h.ops, &tiny).unwrap();
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(r.unknown_keys(), 1);
}
