//! `sys/capabilities`, `sys/capabilities-self` and `sys/capabilities-accessor`: what a
//! token may do on some paths, as Vault reports it — one sorted list per path, plus
//! `capabilities` when a single path was asked (backwards compatibility).

use std::sync::{Arc, Weak};

use arca_sdk::{
    Error, Field, FieldData, FieldType, Map, Operation, Path, Request, Response, Storage,
    StorageExt,
};
use serde_json::Value;

use super::with_core;
use crate::{
    Core,
    token::{TokenEntry, TokenStore, now_unix},
};

/// Where the token store keeps entries and the accessor index. The token store owns
/// this layout; it is named here only to resolve a caller by its hashed id and a token
/// by its accessor.
const TOKEN_ID_PREFIX: &str = "sys/token/id/";
const TOKEN_ACCESSOR_PREFIX: &str = "sys/token/accessor/";

/// Whose capabilities an endpoint reports.
#[derive(Clone, Copy)]
enum Subject {
    /// The token in the body (`sys/capabilities`).
    Token,
    /// The caller (`sys/capabilities-self`).
    Caller,
    /// The token with the accessor in the body (`sys/capabilities-accessor`).
    Accessor,
}

pub(super) fn paths(core: &Weak<Core>) -> Vec<Path> {
    let path_fields = |p: Path| {
        p.field(Field::new(
            "path",
            FieldType::CommaStringSlice,
            "(Deprecated) Paths to check; use `paths`.",
        ))
        .field(Field::new(
            "paths",
            FieldType::CommaStringSlice,
            "Paths to check.",
        ))
    };
    vec![
        path_fields(Path::new("capabilities"))
            .field(Field::new(
                "token",
                FieldType::String,
                "The token to check.",
            ))
            .on(
                Operation::Update,
                with_core(core, |c, req, d| capabilities(c, req, d, Subject::Token)),
            )
            .help("The capabilities of a token on some paths.", ""),
        path_fields(Path::new("capabilities-self"))
            .on(
                Operation::Update,
                with_core(core, |c, req, d| capabilities(c, req, d, Subject::Caller)),
            )
            .help("The capabilities of the calling token on some paths.", ""),
        path_fields(Path::new("capabilities-accessor"))
            .field(Field::new(
                "accessor",
                FieldType::String,
                "The accessor of the token to check.",
            ))
            .on(
                Operation::Update,
                with_core(core, |c, req, d| capabilities(c, req, d, Subject::Accessor)),
            )
            .help(
                "The capabilities of the token with an accessor on some paths.",
                "",
            ),
    ]
}

/// A live token entry by its hashed id.
async fn entry_by_hash(storage: &dyn Storage, hash: &str) -> Result<Option<TokenEntry>, Error> {
    let entry: Option<TokenEntry> = storage
        .get_json(&format!("{TOKEN_ID_PREFIX}{hash}"))
        .await?;
    Ok(entry.filter(|e| !e.expired(now_unix())))
}

async fn subject_entry(
    req: &Request,
    d: &FieldData,
    subject: Subject,
) -> Result<TokenEntry, Error> {
    let storage = req.storage.as_ref();
    let entry = match subject {
        // The entry the request was authenticated with: batch tokens are not stored,
        // so looking the caller up by hash would miss them.
        Subject::Caller => crate::token::caller::current().map(|c| c.entry),
        Subject::Token => {
            let token = d.get_str("token")?;
            if token.is_empty() {
                return Err(Error::bad_request("no token found"));
            }
            TokenStore::lookup(storage, &token).await?
        }
        Subject::Accessor => {
            let accessor = d.get_str("accessor")?;
            if accessor.is_empty() {
                return Err(Error::bad_request("missing accessor"));
            }
            let index = TokenStore::hash(storage, &accessor).await?;
            let entry = match storage
                .get(&format!("{TOKEN_ACCESSOR_PREFIX}{index}"))
                .await?
            {
                Some(hash) => {
                    let hash = String::from_utf8(hash)
                        .map_err(|_| Error::internal("corrupt token accessor index"))?;
                    entry_by_hash(storage, &hash).await?
                }
                None => None,
            };
            return entry.ok_or_else(|| Error::bad_request("invalid accessor"));
        }
    };
    match (entry, subject) {
        (Some(e), _) => Ok(e),
        (None, Subject::Caller) => Err(Error::PermissionDenied),
        (None, _) => Err(Error::bad_request("invalid token")),
    }
}

async fn capabilities(
    core: Arc<Core>,
    req: Request,
    d: FieldData,
    subject: Subject,
) -> Result<Option<Response>, Error> {
    let mut paths = d.get_strings("paths")?;
    if paths.is_empty() {
        paths = d.get_strings("path")?;
    }
    if paths.is_empty() {
        return Err(Error::bad_request("paths must be supplied"));
    }
    let entry = subject_entry(&req, &d, subject).await?;
    let acl = core.acl_for(req.storage.as_ref(), &entry.policies).await?;
    let mut data = Map::new();
    for path in &paths {
        let caps: Vec<Value> = acl
            .capabilities(path)
            .into_iter()
            .map(Value::String)
            .collect();
        data.insert(path.clone(), Value::Array(caps));
    }
    if let [only] = paths.as_slice()
        && let Some(caps) = data.get(only).cloned()
    {
        data.insert("capabilities".into(), caps);
    }
    Ok(Some(Response::with_data(data)))
}
