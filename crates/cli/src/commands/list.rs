//! `vault list PATH`: lists keys at any path.

use serde_json::Map;

use crate::client::ClientError;
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::format::{self, Format};
use crate::kv::sanitize_path;
use crate::secret::Secret;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "List data or secrets";
/// Help text.
pub const HELP: &str = "Usage: vault list [options] PATH

  Lists data from Vault at the given path. This can be used to list keys in a
  given secrets engine.

      $ vault list secret/my-app/
      $ vault list -detailed auth/userpass/users";

/// Vault's list output rules shared by `list` and `kv list`; returns the exit code.
pub fn print_list(ctx: &mut Ctx, path: &str, result: Result<Option<Secret>, ClientError>) -> i32 {
    let secret = match result {
        Ok(s) => s,
        Err(e) => return common::api_error(ctx, format!("Error listing {path}: {e}")),
    };
    if let Some(s) = &secret
        && s.wrap_info.as_ref().is_some_and(|w| w.ttl != 0)
    {
        return format::output_secret(&mut ctx.ui, s);
    }
    let has_keys = secret
        .as_ref()
        .and_then(|s| s.data_field("keys"))
        .is_some_and(|k| k.is_array());
    if ctx.ui.format != Format::Table && !has_keys {
        format::output_structured(&mut ctx.ui, &Map::new());
        return common::EXIT_API;
    }
    let Some(secret) = secret else {
        ctx.ui.error(&format!("No value found at {path}"));
        return common::EXIT_API;
    };
    if secret.data.is_none() {
        // Only warnings (or other envelope fields) came back.
        return format::output_secret(&mut ctx.ui, &secret);
    }
    if !has_keys {
        ctx.ui.error(&format!("No entries found at {path}"));
        return common::EXIT_API;
    }
    format::output_list(&mut ctx.ui, &secret)
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        &[],
        false,
        Arity::exactly(1)
    ));
    if p.bool_or("detailed", false).unwrap_or(false) {
        ctx.ui.detailed = true;
    }
    let client = common::or_exit!(common::client(ctx, &p));
    let path = sanitize_path(&p.positionals[0]);
    let result = client.list(&path).await;
    print_list(ctx, &path, result)
}
