//! `service_registration "kubernetes"`: each server labels its own pod with its Vault
//! state (`vault-active`, `vault-sealed`, `vault-initialized`, `vault-perf-standby`,
//! `vault-version`) so Services can select the active node, as Vault does.
//!
//! The server crate owns the state: it sends [`NodeState`]s through a `watch` channel
//! and [`spawn`] keeps the pod's labels in step with the latest one. Talking to the
//! Kubernetes API never blocks the server: failures are logged (without credentials) and
//! retried with backoff until they succeed or the server stops.

mod client;
mod error;
pub mod labels;
mod worker;

pub use client::{PodClient, PodRef};
pub use error::RegistrationError;
pub use labels::NodeState;
pub use worker::{Backoff, spawn};
