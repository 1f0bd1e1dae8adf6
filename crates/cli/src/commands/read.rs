//! `vault read PATH [k=v...]`: reads any path; `-format=raw` prints the body untouched.

use reqwest::Method;

use crate::client::Request;
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::format::{self, Format};
use crate::kv::sanitize_path;
use crate::kvdata;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Read data and retrieves secrets";
/// Help text.
pub const HELP: &str = "Usage: vault read [options] PATH

  Reads data from Vault at the given path. This can be used to read secrets,
  generate dynamic credentials, get configuration details, and more.

      $ vault read auth/token/lookup-self
      $ vault read -field=value secret/foo
      $ vault read -format=json sys/mounts";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let (p, client) = common::or_exit!(common::setup(ctx, argv, &[], true, Arity::at_least(1)));
    let path = sanitize_path(&p.positionals[0]);
    let data = match kvdata::parse_args_data_string_lists(ctx.ui.stdin(), &p.positionals[1..]) {
        Ok(d) => kvdata::to_query(d),
        Err(e) => {
            return common::usage_error(ctx, format!("Failed to parse K=V data: {e}"));
        }
    };
    if ctx.ui.format == Format::Raw {
        let resp = client
            .send(Request::new(Method::GET, &path).query(data))
            .await
            .and_then(|r| r.ok());
        return match resp {
            Ok(r) if !r.body.is_empty() => {
                ctx.ui.output(&String::from_utf8_lossy(&r.body));
                0
            }
            Ok(_) => {
                ctx.ui.error(&format!("No value found at {path}"));
                common::EXIT_API
            }
            Err(e) => {
                ctx.ui.error(&format!("Error reading: {path}: {e}"));
                common::EXIT_API
            }
        };
    }
    let secret = match client.read(&path, data).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui.error(&format!("No value found at {path}"));
            return common::EXIT_API;
        }
        Err(e) => return common::api_error(ctx, format!("Error reading {path}: {e}")),
    };
    if let Some(field) = common::field(&p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(&secret, &field), &field);
    }
    format::output_secret(&mut ctx.ui, &secret)
}
