//! `vault token lookup [-accessor] [TOKEN]`: shows a token's properties.

use serde_json::json;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Display information about a token";
/// Help text.
pub const HELP: &str = "Usage: vault token lookup [options] [TOKEN | ACCESSOR]

  Displays information about a token or accessor. If a TOKEN is not provided,
  the locally authenticated token is used.

      $ vault token lookup
      $ vault token lookup 96ddf4bc-d217-f3ba-f9bd-017055595017
      $ vault token lookup -accessor 9793c9b3-e04a-46f3-e7b8-748d7da248da

Command Options:

  -accessor    Treat the argument as an accessor instead of a token.";

const FLAGS: &[FlagSpec] = &[FlagSpec::bool("accessor")];

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, true));
    let accessor = match p.bool_or("accessor", false) {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    let token = p
        .positionals
        .first()
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    if p.positionals.len() > 1 {
        return common::usage_error(
            ctx,
            format!(
                "Too many arguments (expected 0-1, got {})",
                p.positionals.len()
            ),
        );
    }
    if accessor && token.is_empty() {
        return common::usage_error(ctx, "Not enough arguments (expected 1, got 0)");
    }
    let client = common::or_exit!(common::client(ctx, &p));
    let result = if token.is_empty() {
        client.read("auth/token/lookup-self", Vec::new()).await
    } else if accessor {
        client
            .write("auth/token/lookup-accessor", json!({ "accessor": token }))
            .await
    } else {
        client
            .write("auth/token/lookup", json!({ "token": token }))
            .await
    };
    let secret = match result {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui.error("Error looking up token: empty response");
            return common::EXIT_API;
        }
        Err(e) => return common::api_error(ctx, format!("Error looking up token: {e}")),
    };
    if let Some(field) = common::field(&p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(&secret, &field), &field);
    }
    format::output_secret(&mut ctx.ui, &secret)
}
