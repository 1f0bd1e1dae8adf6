//! The AppRole auth method (`approle`), as Vault's.
//!
//! Machines and services log in with a role ID (which names the role) and a secret ID
//! (which proves the caller may use it). Roles carry the token settings of the logins
//! ([`arca_sdk::tokenutil`]) and the constraints on secret IDs: use count, TTL and
//! CIDR blocks. Secret IDs are stored only as HMACs under a per-role key.
//!
//! Routes (relative to the mount): `role/`, `role/<name>` and one endpoint per setting
//! (`role/<name>/policies`, ...), `role/<name>/role-id`, `role/<name>/secret-id`
//! (issue, LIST accessors), `role/<name>/custom-secret-id`,
//! `role/<name>/secret-id/{lookup,destroy}`,
//! `role/<name>/secret-id-accessor/{lookup,destroy}`, `login` (unauthenticated) and
//! `tidy/secret-id`. All state lives in the mount's storage, so every request is one
//! atomic transaction.

mod backend;
mod error;
mod factory;
mod ids;
mod metadata;
mod path_login;
mod path_props;
mod path_role;
mod path_secret_id;
mod path_tidy;
mod role;
mod secret_id;
mod timefmt;

#[cfg(test)]
mod tests;

pub use backend::backend;
pub use error::AppRoleError;
pub use factory::AppRoleFactory;
