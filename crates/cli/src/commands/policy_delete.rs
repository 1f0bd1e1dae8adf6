//! `vault policy delete NAME`.

use crate::commands::Ctx;
use crate::commands::common;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Deletes a policy by name";
/// Help text.
pub const HELP: &str = "Usage: vault policy delete [options] NAME

  Deletes the policy named NAME in the Vault server. Once the policy is
  deleted, all tokens associated with the policy are affected immediately.

      $ vault policy delete my-policy";

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
    if let Err(e) = client
        .delete(&format!("sys/policies/acl/{name}"), Vec::new())
        .await
    {
        ctx.ui.error(&format!("Error deleting {name}: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output(&format!("Success! Deleted policy: {name}"));
    0
}
