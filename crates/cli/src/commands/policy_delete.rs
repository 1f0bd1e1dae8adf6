//! `vault policy delete NAME`.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Deletes a policy by name";
/// Help text.
pub const HELP: &str = "Usage: vault policy delete [options] NAME

  Deletes the policy named NAME in the Vault server. Once the policy is
  deleted, all tokens associated with the policy are affected immediately.

      $ vault policy delete my-policy";

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
