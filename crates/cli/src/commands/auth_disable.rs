//! `vault auth disable PATH`: disables an auth method (revoking its tokens).

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::kv::{ensure_trailing_slash, sanitize_path};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Disables an auth method";
/// Help text.
pub const HELP: &str = "Usage: vault auth disable [options] PATH

  Disables an existing auth method at the given PATH. The argument corresponds
  to the PATH of the mount, not the TYPE! Once the auth method is disabled its
  path can no longer be used to authenticate.

  All access tokens generated via the disabled auth method are immediately
  revoked. This command will block until all tokens are revoked.

      $ vault auth disable userpass/";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        &[],
        false,
        Arity::exactly(1)
    ));
    let path = ensure_trailing_slash(&sanitize_path(&p.positionals[0]));
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.disable_auth(&path).await {
        ctx.ui
            .error(&format!("Error disabling auth method at {path}: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output(&format!(
        "Success! Disabled the auth method (if it existed) at: {path}"
    ));
    0
}
