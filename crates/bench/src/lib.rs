//! `arca-bench`: a load generator for Vault-compatible servers.
//!
//! It writes and reads kv-v2 secrets over plain HTTP (so it can point at Arca, Vault or
//! anything speaking the same API), times every request, and reports throughput and latency
//! percentiles per workload as a table and as JSON. The system under test sits behind the
//! [`target::Target`] trait: [`vault::VaultKv2`] drives kv-v2, [`vault_auth`] the token store and
//! AppRole logins, [`transit::VaultTransit`] transit encryption (writes) and decryption
//! (reads), and [`etcd::Etcd`] drives etcd's JSON gateway so the two can be compared with
//! the same runner and report. [`suite`] runs vault-benchmark-style HCL configs
//! (`arca-bench run -config=bench.hcl`): weighted kv, transit and login tests.

pub mod app;
pub mod args;
pub mod duration;
pub mod etcd;
pub mod histogram;
pub mod report;
pub mod runner;
pub mod suite;
pub mod target;
pub mod transit;
pub mod vault;
pub mod vault_auth;
pub mod workload;
