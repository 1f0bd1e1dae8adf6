//! `vault token capabilities [-accessor] [TOKEN] PATH`: a token's capabilities on a path.

use serde_json::{Value, json};

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Print capabilities of a token on a path";
/// Help text.
pub const HELP: &str = "Usage: vault token capabilities [options] [TOKEN] PATH

  Fetches the capabilities of a token for a given path. If a TOKEN is provided
  as an argument, the \"/sys/capabilities\" endpoint and permission is used. If
  no TOKEN is provided, the \"/sys/capabilities-self\" endpoint and permission
  is used with the locally authenticated token.

      $ vault token capabilities secret/foo
      $ vault token capabilities 96ddf4bc-d217-f3ba-f9bd-017055595017 database/creds/readonly

Command Options:

  -accessor    Treat the argument as an accessor instead of a token.";

const FLAGS: &[FlagSpec] = &[FlagSpec::bool("accessor")];

/// The capabilities in a `sys/capabilities*` response: the path's list, else the
/// single-path `capabilities` key.
pub fn capabilities_of(data: &serde_json::Map<String, Value>, path: &str) -> Vec<String> {
    data.get(path)
        .or_else(|| data.get("capabilities"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, false));
    let accessor = match p.bool_or("accessor", false) {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    let (token, path) = match p.positionals.as_slice() {
        [] => {
            return common::usage_error(ctx, "Not enough arguments (expected 1-2, got 0)");
        }
        [path] => (String::new(), path.clone()),
        [token, path] => (token.clone(), path.clone()),
        more => {
            return common::usage_error(
                ctx,
                format!("Too many arguments (expected 1-2, got {})", more.len()),
            );
        }
    };
    if accessor && token.is_empty() {
        return common::usage_error(ctx, "Not enough arguments (expected 2, got 1)");
    }
    let client = common::or_exit!(common::client(ctx, &p));
    let result = if token.is_empty() {
        client
            .write("sys/capabilities-self", json!({ "paths": [path] }))
            .await
    } else if accessor {
        client
            .write(
                "sys/capabilities-accessor",
                json!({ "accessor": token, "paths": [path] }),
            )
            .await
    } else {
        client
            .write(
                "sys/capabilities",
                json!({ "token": token, "paths": [path] }),
            )
            .await
    };
    let data = match result {
        Ok(s) => s.and_then(|s| s.data).unwrap_or_default(),
        Err(e) => return common::api_error(ctx, format!("Error listing capabilities: {e}")),
    };
    let mut caps = capabilities_of(&data, &path);
    if ctx.ui.format != Format::Table {
        return format::output_structured(&mut ctx.ui, &caps);
    }
    caps.sort();
    ctx.ui.output(&caps.join(", "));
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_path_or_the_compat_key() {
        let d = json!({"secret/x": ["read", "list"], "capabilities": ["read", "list"]});
        assert_eq!(
            capabilities_of(d.as_object().unwrap(), "secret/x"),
            ["read", "list"]
        );
        let d = json!({"capabilities": ["deny"]});
        assert_eq!(capabilities_of(d.as_object().unwrap(), "other"), ["deny"]);
    }
}
