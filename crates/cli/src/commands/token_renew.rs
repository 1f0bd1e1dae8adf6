//! `vault token renew [-increment=DUR] [-accessor] [TOKEN]`: renews a token's lease.

use serde_json::json;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::format;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Renew a token lease";
/// Help text.
pub const HELP: &str = "Usage: vault token renew [options] [TOKEN]

  Renews a token's lease, extending the amount of time it can be used. If a
  TOKEN is not provided, the locally authenticated token is used.

      $ vault token renew
      $ vault token renew 96ddf4bc-d217-f3ba-f9bd-017055595017
      $ vault token renew -increment=30m 96ddf4bc-d217-f3ba-f9bd-017055595017

Command Options:

  -accessor             Treat the argument as an accessor instead of a token.
  -increment=<dur>      Request a specific increment for renewal.";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("increment").with_aliases(&["i"]),
    FlagSpec::bool("accessor"),
];

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        FLAGS,
        true,
        Arity::between(0, 1)
    ));
    let flags = (|| {
        Ok::<_, crate::args::UsageError>((
            p.duration_opt("increment")?.unwrap_or(0),
            p.bool_or("accessor", false)?,
        ))
    })();
    let (increment, accessor) = match flags {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    // Vault truncates the increment to whole seconds.
    let increment = (increment / 1_000_000_000) as i64;
    let token = p
        .positionals
        .first()
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    let client = common::or_exit!(common::client(ctx, &p));
    let result = if token.is_empty() {
        client
            .write("auth/token/renew-self", json!({ "increment": increment }))
            .await
    } else if accessor {
        client
            .write(
                "auth/token/renew-accessor",
                json!({ "accessor": token, "increment": increment }),
            )
            .await
    } else {
        client
            .write(
                "auth/token/renew",
                json!({ "token": token, "increment": increment }),
            )
            .await
    };
    let secret = match result {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui.error("Error renewing token: empty response");
            return common::EXIT_API;
        }
        Err(e) => return common::api_error(ctx, format!("Error renewing token: {e}")),
    };
    if let Some(field) = common::field(&p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(&secret, &field), &field);
    }
    format::output_secret(&mut ctx.ui, &secret)
}
