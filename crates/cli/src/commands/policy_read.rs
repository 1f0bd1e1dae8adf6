//! `vault policy read NAME`: prints a policy's rules as written.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::format::Format;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Prints the contents of a policy";
/// Help text.
pub const HELP: &str = "Usage: vault policy read [options] [NAME]

  Prints the contents and metadata of the Vault policy named NAME.

      $ vault policy read my-policy";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        &[],
        false,
        Arity::exactly(1)
    ));
    let name = p.positionals[0].trim().to_lowercase();
    let client = common::or_exit!(common::client(ctx, &p));
    let secret = match client
        .read(&format!("sys/policies/acl/{name}"), Vec::new())
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui.error(&format!("No policy named: {name}"));
            return common::EXIT_API;
        }
        Err(e) => return common::api_error(ctx, format!("Error reading policy named {name}: {e}")),
    };
    if ctx.ui.format != Format::Table {
        return crate::format::output_secret(&mut ctx.ui, &secret);
    }
    let rules = secret
        .data
        .as_ref()
        .and_then(|d| d.get("policy"))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    ctx.ui.output(rules.trim_end());
    0
}
