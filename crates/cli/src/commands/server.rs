//! `vault server`: parses the server flags and hands them to the server crate.
//!
//! The server itself lives in `arca-server`; the binary injects it through
//! [`ServerLauncher`] so this crate's logic (and its tests) do not need the storage engine.

use std::path::PathBuf;

use crate::args::{self, FlagSpec};
use crate::commands::Ctx;
use crate::commands::common;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Start a Vault server";
/// Help text.
pub const HELP: &str = "Usage: vault server [options]

  This command starts a Vault server that responds to API requests. By default,
  Vault will start in a \"sealed\" state. The Vault cluster must be initialized
  before use, usually by the \"vault operator init\" command.

      $ vault server -config=/etc/vault/config.hcl
      $ vault server -dev
      $ vault server -dev -dev-root-token-id=root -dev-listen-address=0.0.0.0:8200

Command Options:

  -config=<path>               Config file or directory (repeatable).
  -dev                         In-memory, unsealed, single-node development mode.
  -dev-root-token-id=<string>  Root token for dev mode (VAULT_DEV_ROOT_TOKEN_ID).
  -dev-listen-address=<addr>   Dev listener address (VAULT_DEV_LISTEN_ADDRESS).
  -log-level=<level>           trace, debug, info, warn, error (VAULT_LOG_LEVEL).";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("config"),
    FlagSpec::bool("dev"),
    FlagSpec::value("dev-root-token-id"),
    FlagSpec::value("dev-listen-address"),
    FlagSpec::value("log-level"),
];

/// The parsed `server` flags, mirroring `arca_server::ServerArgs`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerInvocation {
    /// `-config` paths in order.
    pub config_paths: Vec<PathBuf>,
    /// `-dev`.
    pub dev: bool,
    /// `-dev-root-token-id` or `VAULT_DEV_ROOT_TOKEN_ID`.
    pub dev_root_token_id: Option<String>,
    /// `-dev-listen-address` or `VAULT_DEV_LISTEN_ADDRESS`.
    pub dev_listen_address: Option<String>,
    /// `-log-level` or `VAULT_LOG_LEVEL`.
    pub log_level: Option<String>,
}

/// Starts the server; implemented by the binary with `arca_server::run_server`.
pub trait ServerLauncher {
    /// Runs the server until it stops; the error text is printed as is.
    fn launch(&self, inv: ServerInvocation) -> Result<(), String>;
}

/// Parses the flags, checks them like Vault, and builds the invocation.
pub fn parse(ctx: &mut Ctx, argv: &[String]) -> Result<ServerInvocation, i32> {
    let p = args::parse(argv, FLAGS).map_err(|e| {
        ctx.ui.error(&e.to_string());
        1
    })?;
    if !p.positionals.is_empty() {
        ctx.ui.error(&format!(
            "Too many arguments (expected 0, got {})",
            p.positionals.len()
        ));
        return Err(1);
    }
    let dev = p.bool_or("dev", false).map_err(|e| {
        ctx.ui.error(&e.to_string());
        1
    })?;
    let from = |flag: &str, var: &str| -> Option<String> {
        p.last(flag)
            .filter(|v| !v.is_empty())
            .or_else(|| ctx.env.get(var))
            .map(str::to_string)
    };
    let inv = ServerInvocation {
        config_paths: p.all("config").into_iter().map(PathBuf::from).collect(),
        dev,
        dev_root_token_id: from("dev-root-token-id", "VAULT_DEV_ROOT_TOKEN_ID"),
        dev_listen_address: from("dev-listen-address", "VAULT_DEV_LISTEN_ADDRESS"),
        log_level: from("log-level", "VAULT_LOG_LEVEL"),
    };
    if inv.config_paths.is_empty() && !inv.dev {
        ctx.ui
            .error("Must specify at least one config path using -config");
        return Err(1);
    }
    Ok(inv)
}

/// Runs the command (synchronously: the server owns its runtime).
pub fn run(ctx: &mut Ctx, argv: &[String], launcher: &dyn ServerLauncher) -> i32 {
    let inv = common::or_exit!(parse(ctx, argv));
    match launcher.launch(inv) {
        Ok(()) => 0,
        Err(e) => {
            ctx.ui.error(&e);
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;
    use crate::ui::testing::ui;
    use std::cell::RefCell;

    struct Recorder(RefCell<Option<ServerInvocation>>);

    impl ServerLauncher for Recorder {
        fn launch(&self, inv: ServerInvocation) -> Result<(), String> {
            *self.0.borrow_mut() = Some(inv);
            Err("listener failed".into())
        }
    }

    fn ctx(env: Env) -> (Ctx, crate::ui::testing::SharedBuf) {
        let (u, _, err) = ui("");
        (Ctx { ui: u, env }, err)
    }

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_and_env_defaults() {
        let (mut c, _) = ctx(Env::from_pairs([("VAULT_DEV_ROOT_TOKEN_ID", "root")]));
        let inv = parse(
            &mut c,
            &v(&["-config=/a.hcl", "--config", "/b.hcl", "-log-level=debug"]),
        )
        .unwrap();
        assert_eq!(
            inv,
            ServerInvocation {
                config_paths: vec!["/a.hcl".into(), "/b.hcl".into()],
                dev: false,
                dev_root_token_id: Some("root".into()),
                dev_listen_address: None,
                log_level: Some("debug".into()),
            }
        );
        let (mut c, _) = ctx(Env::default());
        let inv = parse(&mut c, &v(&["-dev", "-dev-listen-address=0.0.0.0:8200"])).unwrap();
        assert!(inv.dev);
        assert_eq!(inv.dev_listen_address.as_deref(), Some("0.0.0.0:8200"));
    }

    #[test]
    fn requires_config_or_dev() {
        let (mut c, err) = ctx(Env::default());
        assert_eq!(parse(&mut c, &[]), Err(1));
        assert_eq!(
            err.text(),
            "Must specify at least one config path using -config\n"
        );
    }

    #[test]
    fn launcher_errors_exit_1() {
        let (mut c, err) = ctx(Env::default());
        let rec = Recorder(RefCell::new(None));
        assert_eq!(run(&mut c, &v(&["-dev"]), &rec), 1);
        assert!(rec.0.borrow().as_ref().is_some_and(|i| i.dev));
        assert_eq!(err.text(), "listener failed\n");
    }
}
