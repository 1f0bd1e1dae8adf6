//! `vault policy read NAME`: prints a policy's rules as written.

use crate::commands::Ctx;
use crate::commands::common;
use crate::format::Format;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Prints the contents of a policy";
/// Help text.
pub const HELP: &str = "Usage: vault policy read [options] [NAME]

  Prints the contents and metadata of the Vault policy named NAME.

      $ vault policy read my-policy";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, &[], false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 1, 1) {
        return code;
    }
    let name = p.positionals[0].trim().to_lowercase();
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let secret = match client
        .read(&format!("sys/policies/acl/{name}"), Vec::new())
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui.error(&format!("No policy named: {name}"));
            return common::EXIT_API;
        }
        Err(e) => {
            ctx.ui
                .error(&format!("Error reading policy named {name}: {e}"));
            return common::EXIT_API;
        }
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
