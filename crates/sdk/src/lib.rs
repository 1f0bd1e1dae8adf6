//! The contract between Arca's core and its backends (secrets engines and auth methods).
//!
//! Backends depend on this crate only, never on the server core, so an engine can be
//! written, read and tested without knowing about raft, HTTP or the barrier. The shape
//! follows OpenBao's `framework` package: a backend is a table of [`Path`]s, each with
//! typed [`Field`]s and one handler per [`Operation`].

pub mod cidr;
pub mod clock;
pub mod duration;
pub mod error;
pub mod field;
pub mod framework;
pub mod request;
pub mod response;
pub mod storage;
pub mod testing;
pub mod tokenutil;

pub use error::Error;
pub use field::{Field, FieldData, FieldType};
pub use framework::{
    Backend, BackendFactory, BackendType, Handler, Path, SecretType, handler, secret_handler,
};
pub use request::{Operation, Request};
pub use response::{Auth, LeaseInfo, RawResponse, Response, WrapInfo};
pub use storage::{Storage, StorageExt, StorageView};

/// JSON object used for request bodies and response data.
pub type Map = serde_json::Map<String, serde_json::Value>;
