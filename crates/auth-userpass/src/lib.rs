//! The userpass auth method (`userpass`), as Vault's.
//!
//! Users log in with a name and a password at `login/<username>`. Passwords are kept
//! only as Argon2id hashes ([`kdf`]); users carry the token settings of their logins
//! ([`arca_sdk::tokenutil`]).
//!
//! Routes (relative to the mount): `users/` (LIST), `users/<name>`,
//! `users/<name>/password`, `users/<name>/policies` and `login/<name>`
//! (unauthenticated). All state lives in the mount's storage.

mod backend;
mod error;
mod factory;
mod kdf;
mod path_login;
mod path_users;
mod user;

#[cfg(test)]
mod tests;

pub use backend::backend;
pub use error::UserpassError;
pub use factory::UserpassFactory;
