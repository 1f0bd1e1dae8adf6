//! `vault policy write NAME PATH`: uploads a policy from a file, or from stdin with `-`.

use serde_json::json;

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Uploads a named policy from a file";
/// Help text.
pub const HELP: &str = "Usage: vault policy write [options] NAME PATH

  Uploads a policy with name NAME from the contents of a local file PATH or
  stdin. If PATH is \"-\", the policy is read from stdin.

      $ vault policy write my-policy /tmp/policy.hcl
      $ cat my-policy.hcl | vault policy write my-policy -";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        &[],
        false,
        Arity::exactly(2)
    ));
    let name = p.positionals[0].trim().to_lowercase();
    let source = &p.positionals[1];
    let mut rules = String::new();
    let read = if source == "-" {
        ctx.ui.stdin().read_to_string(&mut rules).map(|_| ())
    } else {
        std::fs::read_to_string(source).map(|s| rules = s)
    };
    if let Err(e) = read {
        let what = if source == "-" {
            "stdin"
        } else {
            source.as_str()
        };
        ctx.ui
            .error(&format!("Error reading policy from {what}: {e}"));
        return common::EXIT_USAGE;
    }
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client
        .write(
            &format!("sys/policies/acl/{name}"),
            json!({ "policy": rules }),
        )
        .await
    {
        ctx.ui.error(&format!("Error uploading policy: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output(&format!("Success! Uploaded policy: {name}"));
    0
}
