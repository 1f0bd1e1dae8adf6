//! Vault ACL policies: parsing (HCL and JSON), combining a token's policies, and the
//! access decision for one request — pure logic, no I/O, so the rules can be tested
//! exhaustively and reused by anything that needs to answer "may this token do that".
//!
//! ```text
//! Policy::parse(name, text) ──▶ Policy ─┐
//!                                       ├─▶ Acl::new(&[Policy]) ──▶ acl.check(op, path, data)
//! Policy::root() / default_policy() ────┘                          acl.capabilities(path)
//! ```

mod acl;
mod builtin;
mod capability;
mod error;
mod params;
mod parse;
mod pattern;
mod policy;

pub use acl::{AccessRequest, Acl, Decision};
pub use builtin::{
    DEFAULT_POLICY, DEFAULT_POLICY_TEXT, RESPONSE_WRAPPING_POLICY, RESPONSE_WRAPPING_POLICY_TEXT,
    ROOT_POLICY, default_policy, response_wrapping_policy,
};
pub use capability::Capabilities;
pub use error::PolicyError;
pub use pattern::{PathPattern, SegmentPattern};
pub use policy::{PathRule, Permissions, Policy, normalize_name};
