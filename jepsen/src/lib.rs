//! `arca-jepsen`: a Jepsen-style test suite for Vault-compatible servers, built in Rust.
//!
//! The method is Jepsen's: concurrent clients drive workloads over the public HTTP API
//! while a nemesis injects faults; every operation is recorded as an invocation and a
//! completion (`ok`, `fail`, or `info` when the outcome is unknown); afterwards a checker
//! decides whether the recorded history is linearizable, object by object, and cheap
//! oracles name specific anomalies. Nothing here links the server's crates: the suite sees
//! the system exactly as a client does.
//!
//! Modules, bottom up: [`history`] (events, JSON lines), [`pairing`] (events into
//! operations), [`model`] (sequential specifications), [`checker`] (linearizability search
//! and oracles), [`client`] (HTTP), [`workload`], [`nemesis`], [`runner`] and [`report`];
//! [`cluster`] starts local clusters in network namespaces and [`suite`] runs every
//! nemesis against them.

#![deny(missing_docs)]

pub mod app;
pub mod checker;
pub mod cli;
pub mod client;
pub mod cluster;
pub mod history;
pub mod model;
pub mod nemesis;
pub mod pairing;
pub mod recorder;
pub mod report;
pub mod runner;
pub mod suite;
pub mod workload;
