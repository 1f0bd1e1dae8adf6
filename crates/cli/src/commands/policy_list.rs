//! `vault policy list`: the names of all ACL policies, one per line.

use crate::commands::Ctx;
use crate::commands::common;
use crate::format::Format;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Lists the installed policies";
/// Help text.
pub const HELP: &str = "Usage: vault policy list [options]

  Lists the names of the policies that are installed on the Vault server.

      $ vault policy list";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, &[], false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 0, 0) {
        return code;
    }
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let secret = match client.list("sys/policies/acl").await {
        Ok(s) => s,
        Err(e) => {
            ctx.ui.error(&format!("Error listing policies: {e}"));
            return common::EXIT_API;
        }
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
