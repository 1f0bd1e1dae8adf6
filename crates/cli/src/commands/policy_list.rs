//! `vault policy list`: the names of all ACL policies, one per line.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::format::Format;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Lists the installed policies";
/// Help text.
pub const HELP: &str = "Usage: vault policy list [options]

  Lists the names of the policies that are installed on the Vault server.

      $ vault policy list";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let (_, client) = common::or_exit!(common::setup(ctx, argv, &[], false, Arity::NONE));
    let secret = match client.list("sys/policies/acl").await {
        Ok(s) => s,
        Err(e) => return common::api_error(ctx, format!("Error listing policies: {e}")),
    };
    let keys: Vec<String> = secret
        .as_ref()
        .and_then(|s| s.data.as_ref())
        .and_then(|d| d.get("keys"))
        .and_then(|k| k.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if ctx.ui.format == Format::Table {
        for k in keys {
            ctx.ui.output(&k);
        }
        return 0;
    }
    crate::format::output_structured(&mut ctx.ui, &keys)
}
