//! Response wrapping, as Vault does it.
//!
//! A request with `X-Vault-Wrap-TTL` (a duration string or seconds) is handled as usual,
//! then its response is put in the cubbyhole of a new single-use token (policy
//! `response-wrapping`, TTL = the wrap TTL, orphan) and the client only gets `wrap_info`.
//! The wrapping token unwraps once (`sys/wrapping/unwrap`), can be inspected without
//! being used (`sys/wrapping/lookup`) and exchanged for a new one (`sys/wrapping/rewrap`).
//!
//! - [`ttl`]: the header, parsed once (a bad value is a 400 before anything runs);
//! - [`target`]: the wrapping token a `sys/wrapping/*` request is about, validated before
//!   authentication (Vault's 400 "wrapping token is not valid or does not exist");
//! - [`cubbyhole`]: the token's cubbyhole, reached through the cubbyhole backend;
//! - [`wrap`]: turning a response into a wrapping token;
//! - [`paths`]: the `sys/wrapping/*` endpoints.

mod cubbyhole;
mod paths;
mod target;
mod ttl;
mod wrap;

pub(crate) use paths::paths;
pub(crate) use target::{is_unauthenticated, scope};
pub(crate) use ttl::requested_ttl;

/// The request path of a rewrap: its response is the stored one, re-filed as it is.
const REWRAP_PATH: &str = "sys/wrapping/rewrap";
/// Cubbyhole key of the wrapped response (Vault's `cubbyhole/response`).
const RESPONSE_KEY: &str = "response";
/// Cubbyhole key of the wrapping metadata shown by lookup (Vault's `cubbyhole/wrapinfo`).
const WRAPINFO_KEY: &str = "wrapinfo";
