//! `vault token revoke [-self] [-accessor] [-mode=orphan|path] [TOKEN]`.

use serde_json::json;

use crate::args::{FlagSpec, ParsedArgs};
use crate::commands::Ctx;
use crate::commands::common;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Revoke a token and its children";
/// Help text.
pub const HELP: &str = "Usage: vault token revoke [options] [TOKEN | ACCESSOR]

  Revokes authentication tokens and their children. If a TOKEN is not provided,
  the -self flag must be set.

      $ vault token revoke 96ddf4bc-d217-f3ba-f9bd-017055595017
      $ vault token revoke -self
      $ vault token revoke -mode=orphan 96ddf4bc-d217-f3ba-f9bd-017055595017
      $ vault token revoke -accessor 9793c9b3-e04a-46f3-e7b8-748d7da248da

Command Options:

  -accessor          Treat the argument as an accessor instead of a token.
  -mode=<string>     \"orphan\" keeps the children (as orphans); \"path\" revokes
                     every token created at the path given as TOKEN.
  -self              Revoke the currently authenticated token.";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("accessor"),
    FlagSpec::bool("self"),
    FlagSpec::value("mode"),
];

/// What to call: (path, body). Errors are usage errors in Vault's words.
pub fn plan(p: &ParsedArgs) -> Result<(String, serde_json::Value), String> {
    let is_self = p.bool_or("self", false).map_err(|e| e.to_string())?;
    let accessor = p.bool_or("accessor", false).map_err(|e| e.to_string())?;
    let mode = p.string_or("mode", "");
    let n = p.positionals.len();
    if is_self {
        if n > 0 {
            return Err(format!("Too many arguments (expected 0, got {n})"));
        }
    } else if n < 1 {
        return Err("Not enough arguments (expected 1, got 0)".into());
    } else if n > 1 {
        return Err(format!("Too many arguments (expected 1, got {n})"));
    }
    if !matches!(mode.as_str(), "" | "orphan" | "path") {
        return Err(format!("Invalid mode: {mode}"));
    }
    match () {
        _ if is_self && accessor => return Err("Cannot use -self with -accessor!".into()),
        _ if is_self && !mode.is_empty() => return Err("Cannot use -self with -mode!".into()),
        _ if accessor && mode == "orphan" => {
            return Err("Cannot use -accessor with -mode=orphan!".into());
        }
        _ if accessor && mode == "path" => {
            return Err("Cannot use -accessor with -mode=path!".into());
        }
        _ => {}
    }
    let token = p
        .positionals
        .first()
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    Ok(if is_self {
        ("auth/token/revoke-self".into(), json!({}))
    } else if accessor {
        (
            "auth/token/revoke-accessor".into(),
            json!({ "accessor": token }),
        )
    } else if mode == "orphan" {
        ("auth/token/revoke-orphan".into(), json!({ "token": token }))
    } else if mode == "path" {
        (format!("sys/leases/revoke-prefix/{token}"), json!({}))
    } else {
        ("auth/token/revoke".into(), json!({ "token": token }))
    })
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, false));
    let (path, body) = match plan(&p) {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    if let Err(e) = client.write(&path, body).await {
        ctx.ui.error(&format!("Error revoking token: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output("Success! Revoked token (if it existed)");
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    fn plan_of(args: &[&str]) -> Result<(String, serde_json::Value), String> {
        let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        plan(&parse(&a, FLAGS).unwrap())
    }

    #[test]
    fn modes_and_their_rules() {
        assert_eq!(plan_of(&["t"]).unwrap().0, "auth/token/revoke");
        assert_eq!(plan_of(&["-self"]).unwrap().0, "auth/token/revoke-self");
        assert_eq!(
            plan_of(&["-mode=orphan", "t"]).unwrap().0,
            "auth/token/revoke-orphan"
        );
        assert_eq!(
            plan_of(&["-accessor", "a"]).unwrap(),
            (
                "auth/token/revoke-accessor".to_string(),
                json!({"accessor": "a"})
            )
        );
        assert_eq!(
            plan_of(&[]).unwrap_err(),
            "Not enough arguments (expected 1, got 0)"
        );
        assert_eq!(
            plan_of(&["-self", "-accessor"]).unwrap_err(),
            "Cannot use -self with -accessor!"
        );
        assert_eq!(plan_of(&["-mode=x", "t"]).unwrap_err(), "Invalid mode: x");
    }
}
