//! The catch-all route of a kv v2 mount: Vault answers 404 with a warning naming the
//! `vault kv` sub-command to use, which helps people who call v1-style paths.

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    framework::{Path, handler},
};

/// Matches everything the real routes did not.
pub(super) fn path() -> Path {
    let mut p = Path::new(".*").help(
        "Invalid path for a versioned K/V secrets engine.",
        "Use the data/, metadata/, delete/, undelete/, destroy/, subkeys/ and config endpoints.",
    );
    for op in [
        Operation::Update,
        Operation::Patch,
        Operation::Read,
        Operation::Delete,
        Operation::List,
    ] {
        p = p.on(op, handler(respond));
    }
    p
}

async fn respond(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let warning = match req.path.as_str() {
        "metadata" | "data" | "delete" | "undelete" | "destroy" => {
            "Non-listing operations on the root of a K/V v2 mount are not supported.".to_string()
        }
        _ => {
            let sub = match req.operation {
                Operation::Create | Operation::Update => "put",
                Operation::Patch => "patch",
                Operation::Read => "get",
                Operation::List => "list",
                Operation::Delete => "delete",
                Operation::Help => "",
            };
            format!(
                "Invalid path for a versioned K/V secrets engine. See the API docs for the \
appropriate API endpoints to use. If using the Vault CLI, use 'vault kv {sub}' for this operation."
            )
        }
    };
    Ok(Some(Response {
        status: Some(404),
        ..Response::default().warn(warning)
    }))
}
