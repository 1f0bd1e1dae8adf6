//! `arca-bench`: a load generator for Vault-compatible servers.
//!
//! It writes and reads kv-v2 secrets over plain HTTP (so it can point at Arca, Vault or
//! anything speaking the same API), times every request, and reports throughput and latency
//! percentiles per workload as a table and as JSON. The system under test sits behind the
//! [`target::Target`] trait: [`vault::VaultKv2`] drives kv-v2, [`etcd::Etcd`] drives etcd's
//! JSON gateway so the two can be compared with the same runner and report, and
//! [`transit::VaultTransit`] measures transit encryption (writes) and decryption (reads).

pub mod app;
pub mod args;
pub mod duration;
pub mod etcd;
pub mod histogram;
pub mod report;
pub mod runner;
pub mod target;
pub mod transit;
pub mod vault;
pub mod workload;
