//! `sys/policies/acl` and the legacy `sys/policy`: list, read, write and delete ACL
//! policies (shapes as in Vault: the legacy read answers `rules`, the new one `policy`;
//! the legacy list adds `policies` next to `keys`; `root` is listed but not stored).

use std::sync::Weak;

use arca_policy::ROOT_POLICY;
use arca_sdk::{Error, Field, FieldData, FieldType, Operation, Path, Request, Response};
use base64::Engine;
use serde_json::json;

use super::with_core;
use crate::{Core, policy_store};

pub(super) fn paths(core: &Weak<Core>) -> Vec<Path> {
    let name = || Field::new("name", FieldType::String, "The name of the policy.");
    let policy = || {
        Field::new(
            "policy",
            FieldType::String,
            "The policy document (HCL or JSON, optionally base64-encoded).",
        )
    };
    vec![
        Path::new("policies/acl/?")
            .on(
                Operation::List,
                with_core(core, |_c, req, _d| list(req, false)),
            )
            .help("List the ACL policies.", ""),
        Path::new("policies/acl/(?P<name>.+)")
            .field(name())
            .field(policy())
            .on(
                Operation::Read,
                with_core(core, |_c, req, d| read(req, d, "policy")),
            )
            .on(
                Operation::Update,
                with_core(core, |_c, req, d| write(req, d, false)),
            )
            .on(
                Operation::Delete,
                with_core(core, |_c, req, d| remove(req, d)),
            )
            .help("Read, write or delete an ACL policy.", ""),
        Path::new("policy/?")
            .on(
                Operation::Read,
                with_core(core, |_c, req, _d| list(req, true)),
            )
            .on(
                Operation::List,
                with_core(core, |_c, req, _d| list(req, true)),
            )
            .help("List the ACL policies (legacy endpoint).", ""),
        Path::new("policy/(?P<name>.+)")
            .field(name())
            .field(policy())
            .field(Field::new(
                "rules",
                FieldType::String,
                "The policy document (deprecated name of `policy`).",
            ))
            .on(
                Operation::Read,
                with_core(core, |_c, req, d| read(req, d, "rules")),
            )
            .on(
                Operation::Update,
                with_core(core, |_c, req, d| write(req, d, true)),
            )
            .on(
                Operation::Delete,
                with_core(core, |_c, req, d| remove(req, d)),
            )
            .help("Read, write or delete an ACL policy (legacy endpoint).", ""),
    ]
}

async fn list(req: Request, legacy: bool) -> Result<Option<Response>, Error> {
    let mut names = policy_store::list(req.storage.as_ref()).await?;
    names.push(ROOT_POLICY.to_string());
    let mut data = json!({ "keys": names });
    if legacy {
        data["policies"] = data["keys"].clone();
    }
    Ok(Some(Response::from_json(data)))
}

async fn read(req: Request, d: FieldData, text_field: &str) -> Result<Option<Response>, Error> {
    let Some(policy) = policy_store::get(req.storage.as_ref(), &d.get_str("name")?).await? else {
        return Ok(None);
    };
    let mut data = json!({ "name": policy.name });
    data[text_field] = json!(policy.raw);
    Ok(Some(Response::from_json(data)))
}

async fn write(req: Request, d: FieldData, legacy: bool) -> Result<Option<Response>, Error> {
    let mut text = d.get_str("policy")?;
    let mut warnings = Vec::new();
    if text.is_empty() && legacy {
        text = d.get_str("rules")?;
        if !text.is_empty() {
            warnings.push("'rules' is deprecated, please use 'policy' instead".to_string());
        }
    }
    if text.is_empty() {
        return Err(Error::bad_request(
            "'policy' parameter not supplied or empty",
        ));
    }
    // Vault accepts the document base64-encoded too; HCL and JSON never decode as base64
    // (braces, quotes and spaces are outside its alphabet).
    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(text.trim())
        && let Ok(decoded) = String::from_utf8(bytes)
    {
        text = decoded;
    }
    policy_store::put(req.storage.as_ref(), &d.get_str("name")?, &text).await?;
    Ok((!warnings.is_empty()).then(|| Response {
        warnings,
        ..Default::default()
    }))
}

async fn remove(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    policy_store::delete(req.storage.as_ref(), &d.get_str("name")?).await?;
    Ok(None)
}
