//! `vault unwrap [TOKEN]`: unwraps a response-wrapping token and prints the original
//! response as `vault read` would (a list as a list).

use crate::commands::Ctx;
use crate::commands::common;
use crate::format;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Unwrap a wrapped secret";
/// Help text.
pub const HELP: &str = "Usage: vault unwrap [options] [TOKEN]

  Unwraps a wrapped secret from Vault by the given token. The result is the
  same as the \"vault read\" operation on the non-wrapped secret. If no token
  is given, the data in the currently authenticated token is unwrapped.

  Unwrap the data in the cubbyhole secrets engine for a token:

      $ vault unwrap 3de9ece1-b347-e143-29b0-dc2dc31caafd

  Unwrap the data in the active token:

      $ vault login 848f9ccf-7176-098c-5e2b-75a0689d41cd
      $ vault unwrap # unwraps 848f9ccf...

  For a full list of examples and paths, please see the online documentation.";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, &[], true) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 0, 1) {
        return code;
    }
    let mut client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let token = p.positionals.first().cloned().unwrap_or_default();
    let secret = match client.unwrap(&token).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            if ctx.ui.format == format::Format::Table {
                ctx.ui
                    .output("Successfully unwrapped. There was no data in the wrapped secret.");
            }
            return 0;
        }
        Err(e) => {
            ctx.ui.error(&e.to_string());
            return common::EXIT_API;
        }
    };
    if let Some(field) = common::field(&p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(&secret, &field), &field);
    }
    if secret.data_field("keys").is_some_and(|k| k.is_array()) {
        return format::output_list(&mut ctx.ui, &secret);
    }
    format::output_secret(&mut ctx.ui, &secret)
}
