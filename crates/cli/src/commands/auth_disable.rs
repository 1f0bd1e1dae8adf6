//! `vault auth disable PATH`: disables an auth method (revoking its tokens).

use crate::commands::Ctx;
use crate::commands::common;
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
    let p = match common::parse(ctx, argv, &[], false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 1, 1) {
        return code;
    }
    let path = ensure_trailing_slash(&sanitize_path(&p.positionals[0]));
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
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
