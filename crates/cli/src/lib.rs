//! arca-cli: the `arca` command-line client, a drop-in replacement for HashiCorp's `vault` CLI.
//!
//! Users' scripts, the Helm chart's probes and the Kubernetes tooling call `vault ...` and
//! parse its output and exit codes, so this crate reproduces Vault's flag syntax, output
//! formats, messages and exit codes (0 success, 1 usage error, 2 API error; `status`: 2 sealed)
//! rather than inventing its own. The binary behaves the same whether it is invoked as `arca`
//! or through a symlink named `vault`.

pub mod args;
pub mod audit_api;
pub mod auth_api;
pub mod client;
pub mod commands;
pub mod completion;
pub mod curl;
pub mod duration;
pub mod env;
pub mod format;
pub mod globals;
pub mod ha;
pub mod hclfmt;
pub mod kv;
pub mod kvdata;
pub mod logical;
pub mod raft;
pub mod root_keys;
pub mod secret;
pub mod sys;
pub mod token_helper;
pub mod ui;

pub use commands::server::{ServerInvocation, ServerLauncher};

use commands::{Cmd, Ctx, Entry};
use env::Env;
use format::Format;
use ui::Ui;

/// Global settings Vault reads from anywhere on the command line before dispatching.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GlobalArgs {
    /// Last `-format` value.
    pub format: Option<String>,
    /// `-detailed` value.
    pub detailed: Option<bool>,
    /// `-h`, `-help` or `--help` seen.
    pub help: bool,
    /// `-output-curl-string` seen.
    pub output_curl: bool,
    /// `-autocomplete-install` seen.
    pub autocomplete_install: bool,
    /// `-autocomplete-uninstall` seen.
    pub autocomplete_uninstall: bool,
}

/// Vault's `setupEnv`: finds `-format` (with `=` or as the next argument), `-detailed` and
/// help flags anywhere before `--`.
pub fn scan_globals(args: &[String]) -> GlobalArgs {
    let mut out = GlobalArgs::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        match a {
            "--" => break,
            "-h" | "-help" | "--help" => out.help = true,
            "-format" | "--format" => {
                if let Some(next) = args.get(i) {
                    out.format = Some(next.clone());
                    i += 1;
                }
            }
            "-detailed" | "--detailed" => out.detailed = Some(true),
            "-output-curl-string" | "--output-curl-string" => out.output_curl = true,
            "-autocomplete-install" | "--autocomplete-install" => out.autocomplete_install = true,
            "-autocomplete-uninstall" | "--autocomplete-uninstall" => {
                out.autocomplete_uninstall = true
            }
            _ => {
                if let Some(v) = a
                    .strip_prefix("-format=")
                    .or_else(|| a.strip_prefix("--format="))
                {
                    out.format = Some(v.to_string());
                } else if let Some(v) = a
                    .strip_prefix("-detailed=")
                    .or_else(|| a.strip_prefix("--detailed="))
                {
                    out.detailed = Some(args::parse_go_bool(v).unwrap_or(false));
                }
            }
        }
    }
    out
}

/// Splits flags given before the command name (`vault -address=X status`) from the rest;
/// value flags written as two words take their value along.
pub fn split_leading_flags(args: &[String]) -> (Vec<String>, Vec<String>) {
    let mut flags = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" || a == "-" || !a.starts_with('-') {
            break;
        }
        flags.push(a.clone());
        i += 1;
        let name = a.trim_start_matches('-');
        if !name.contains('=') {
            let takes_value = globals::HTTP_FLAGS
                .iter()
                .chain(globals::GLOBAL_OUTPUT_FLAGS)
                .chain(std::iter::once(&globals::FIELD_FLAG))
                .any(|s| s.name == name && s.kind == args::FlagKind::Value);
            if takes_value && let Some(v) = args.get(i) {
                flags.push(v.clone());
                i += 1;
            }
        }
    }
    (flags, args[i..].to_vec())
}

fn aligned(rows: &[(String, &str)], pad: usize) -> Vec<String> {
    let width = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0)
        + pad;
    rows.iter()
        .map(|(n, s)| format!("{n:<width$}{s}"))
        .collect()
}

/// The top-level usage text.
pub fn usage(prog: &str) -> String {
    const COMMON: &[&str] = &[
        "read", "write", "delete", "list", "login", "server", "status", "unwrap",
    ];
    let top: Vec<&Entry> = commands::ENTRIES
        .iter()
        .filter(|e| e.path.len() == 1 && e.path[0] != "version")
        .collect();
    let row = |e: &&Entry| (format!("    {}", e.path[0]), e.synopsis);
    let common: Vec<(String, &str)> = COMMON
        .iter()
        .filter_map(|c| top.iter().find(|e| e.path[0] == *c))
        .map(row)
        .collect();
    let mut other: Vec<&&Entry> = top
        .iter()
        .filter(|e| !COMMON.contains(&e.path[0]))
        .collect();
    other.sort_by_key(|e| e.path[0]);
    let other: Vec<(String, &str)> = other.into_iter().map(row).collect();
    let mut out = vec![format!("Usage: {prog} <command> [args]"), String::new()];
    out.push("Common commands:".to_string());
    out.extend(aligned(&common, 6));
    out.push(String::new());
    out.push("Other commands:".to_string());
    out.extend(aligned(&other, 6));
    out.join("\n")
}

/// A group's help: its text plus the list of subcommands.
pub fn group_help(entry: &Entry) -> String {
    let mut kids = commands::children(entry);
    kids.sort_by_key(|e| e.path[e.path.len() - 1]);
    let rows: Vec<(String, &str)> = kids
        .iter()
        .map(|e| (format!("    {}", e.path[e.path.len() - 1]), e.synopsis))
        .collect();
    let mut out = format!("{}\n\nSubcommands:\n", entry.help);
    out.push_str(&aligned(&rows, 4).join("\n"));
    out
}

fn program_name(argv0: Option<&String>) -> String {
    argv0
        .map(std::path::Path::new)
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .filter(|n| *n == "vault" || *n == "arca")
        .unwrap_or("vault")
        .to_string()
}

/// Answers the shell's completion request (`COMP_LINE` set), if this is one.
fn answer_completion(env: &Env, ui: &mut Ui) -> bool {
    let Some(line) = env.get("COMP_LINE") else {
        return false;
    };
    let point = env
        .get("COMP_POINT")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(line.len());
    let cut = line.get(..point).unwrap_or(line);
    for word in completion::complete(cut) {
        ui.output(&word);
    }
    true
}

/// `-autocomplete-install` / `-autocomplete-uninstall`, with mitchellh/cli's messages.
fn autocomplete(globals: &GlobalArgs, prog: &str, env: &Env, ui: &mut Ui) -> i32 {
    let result = if globals.autocomplete_install && globals.autocomplete_uninstall {
        Err(
            "Either the autocomplete install or uninstall flag may be specified, but not both."
                .to_string(),
        )
    } else {
        let home = env.get("HOME").map(std::path::PathBuf::from);
        let bin = std::env::current_exe().map(|p| p.display().to_string());
        match (home, bin) {
            (Some(home), Ok(bin)) if globals.autocomplete_install => {
                completion::install(&home, prog, &bin)
            }
            (Some(home), Ok(bin)) => completion::uninstall(&home, prog, &bin),
            (None, _) => Err("$HOME is not defined".to_string()),
            (_, Err(e)) => Err(e.to_string()),
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            ui.error_raw(&format!("Error executing CLI: {e}\n"));
            1
        }
    }
}

/// Vault's `generateCurlString`: after a run under `-output-curl-string`, prints the
/// recorded `curl` line, or explains why there is none.
fn finish_curl(code: i32, held: &[u8], ui: &mut Ui) -> i32 {
    let recorded = curl::take();
    if code == 0 {
        ui.error_raw("Could not generate cURL command");
        return 1;
    }
    let Some(line) = recorded else {
        if code == 127 {
            return code;
        }
        ui.error_raw(&String::from_utf8_lossy(held));
        ui.error_raw("Unable to generate cURL string from command\n");
        return code;
    };
    ui.output(&line);
    0
}

/// A stderr stand-in that keeps what was written, shared with the caller.
#[derive(Clone, Default)]
struct HeldErr(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for HeldErr {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the CLI with `argv` (program name first) and returns the process exit code.
pub fn run(argv: Vec<String>, env: Env, mut ui: Ui, launcher: &dyn ServerLauncher) -> i32 {
    let prog = program_name(argv.first());
    let mut args: Vec<String> = argv.into_iter().skip(1).collect();
    if answer_completion(&env, &mut ui) {
        return 0;
    }
    if args.len() == 1 && matches!(args[0].as_str(), "-v" | "-version" | "--version") {
        args = vec!["version".to_string()];
    }
    let globals = scan_globals(&args);
    if globals.autocomplete_install || globals.autocomplete_uninstall {
        return autocomplete(&globals, &prog, &env, &mut ui);
    }
    if globals.output_curl {
        curl::take();
        let held = HeldErr::default();
        let real_err = ui.swap_err(Box::new(held.clone()));
        let (mut ui, code) = run_command(args, &globals, env, ui, &prog, launcher);
        ui.swap_err(real_err);
        let bytes = held.0.borrow().clone();
        return finish_curl(code, &bytes, &mut ui);
    }
    run_command(args, &globals, env, ui, &prog, launcher).1
}

/// Finds and runs the command named by `args`; returns the UI back with the exit code.
fn run_command(
    args: Vec<String>,
    globals: &GlobalArgs,
    env: Env,
    mut ui: Ui,
    prog: &str,
    launcher: &dyn ServerLauncher,
) -> (Ui, i32) {
    let format_name = globals
        .format
        .clone()
        .or_else(|| env.get("VAULT_FORMAT").map(str::to_string))
        .unwrap_or_else(|| "table".to_string())
        .to_lowercase();
    let format_name = if format_name.is_empty() {
        "table".to_string()
    } else {
        format_name
    };
    let Some(format) = Format::parse(&format_name) else {
        ui.error(&format!("Invalid output format: {format_name}"));
        return (ui, 1);
    };
    ui.format = format;
    ui.detailed = globals
        .detailed
        .or_else(|| env.get("VAULT_DETAILED").and_then(args::parse_go_bool))
        .unwrap_or(false);

    let (leading, rest) = split_leading_flags(&args);
    let Some((entry, used)) = commands::lookup(&rest) else {
        ui.error(&usage(prog));
        let code = if rest.is_empty() && globals.help {
            0
        } else {
            127
        };
        return (ui, code);
    };
    let mut cmd_args = leading;
    cmd_args.extend_from_slice(&rest[used..]);
    let Some(cmd) = entry.cmd else {
        ui.error(&group_help(entry));
        return (ui, if globals.help { 0 } else { 1 });
    };
    if globals.help {
        ui.error(entry.help);
        return (ui, 0);
    }
    let mut ctx = Ctx { ui, env };
    if cmd == Cmd::Server {
        let code = commands::server::run(&mut ctx, &cmd_args, launcher);
        return (ctx.ui, code);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            ctx.ui
                .error(&format!("Error starting the async runtime: {e}"));
            return (ctx.ui, 1);
        }
    };
    let code = runtime.block_on(commands::run_async(cmd, &mut ctx, &cmd_args));
    (ctx.ui, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::testing::ui;

    struct NoServer;
    impl ServerLauncher for NoServer {
        fn launch(&self, _: ServerInvocation) -> Result<(), String> {
            Err("no server in tests".into())
        }
    }

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn run_capture(argv: &[&str], env: Env) -> (i32, String, String) {
        let (u, out, err) = ui("");
        let code = run(v(argv), env, u, &NoServer);
        (code, out.text(), err.text())
    }

    #[test]
    fn globals_are_found_anywhere() {
        let g = scan_globals(&v(&["kv", "get", "-format", "json", "x", "-detailed"]));
        assert_eq!(g.format.as_deref(), Some("json"));
        assert_eq!(g.detailed, Some(true));
        let g = scan_globals(&v(&["--format=yaml", "--", "-format=json", "-h"]));
        assert_eq!(g.format.as_deref(), Some("yaml"));
        assert!(!g.help);
    }

    #[test]
    fn leading_flags_move_after_the_command() {
        let (f, r) =
            split_leading_flags(&v(&["-address", "http://x", "-tls-skip-verify", "status"]));
        assert_eq!(f, v(&["-address", "http://x", "-tls-skip-verify"]));
        assert_eq!(r, v(&["status"]));
    }

    #[test]
    fn version_spellings() {
        for argv in [
            vec!["vault", "version"],
            vec!["vault", "-v"],
            vec!["arca", "--version"],
        ] {
            let (code, out, _) = run_capture(&argv, Env::default());
            assert_eq!(code, 0);
            assert!(out.starts_with("Vault v"), "{out}");
        }
    }

    #[test]
    fn invalid_format_exits_1() {
        let (code, _, err) = run_capture(&["vault", "status", "-format=xml"], Env::default());
        assert_eq!(code, 1);
        assert_eq!(err, "Invalid output format: xml\n");
        let (code, _, err) = run_capture(
            &["vault", "status"],
            Env::from_pairs([("VAULT_FORMAT", "bogus")]),
        );
        assert_eq!(code, 1);
        assert_eq!(err, "Invalid output format: bogus\n");
    }

    #[test]
    fn unknown_command_and_bare_invocation_exit_127() {
        let (code, _, err) = run_capture(&["vault", "frobnicate"], Env::default());
        assert_eq!(code, 127);
        assert!(err.starts_with("Usage: vault <command> [args]\n\nCommon commands:\n    read"));
        let (code, _, _) = run_capture(&["vault"], Env::default());
        assert_eq!(code, 127);
        let (code, _, _) = run_capture(&["vault", "-h"], Env::default());
        assert_eq!(code, 0);
    }

    #[test]
    fn groups_print_help_and_exit_1() {
        let (code, _, err) = run_capture(&["vault", "kv"], Env::default());
        assert_eq!(code, 1);
        assert!(err.contains("Subcommands:\n    delete      "));
        let (code, _, _) = run_capture(&["vault", "kv", "-h"], Env::default());
        assert_eq!(code, 0);
    }

    #[test]
    fn command_help_exits_0() {
        let (code, _, err) = run_capture(&["vault", "kv", "get", "-h"], Env::default());
        assert_eq!(code, 0);
        assert!(err.starts_with("Usage: vault kv get"));
    }

    #[test]
    fn usage_errors_exit_1() {
        let (code, _, err) = run_capture(&["vault", "kv", "get"], Env::default());
        assert_eq!(
            (code, err.as_str()),
            (1, "Not enough arguments (expected 1, got 0)\n")
        );
        let (code, _, err) = run_capture(&["vault", "write", "secret/foo"], Env::default());
        assert_eq!(
            (code, err.as_str()),
            (1, "Must supply data or use -force\n")
        );
        let (code, _, err) = run_capture(&["vault", "status", "-bogus"], Env::default());
        assert_eq!(
            (code, err.as_str()),
            (1, "flag provided but not defined: -bogus\n")
        );
        let (code, _, err) = run_capture(&["vault", "kv", "put", "secret/foo"], Env::default());
        assert_eq!((code, err.as_str()), (1, "Must supply data\n"));
        let (code, _, _) = run_capture(&["vault", "kv", "undelete", "secret/foo"], Env::default());
        assert_eq!(code, 1);
    }

    #[test]
    fn server_goes_to_the_launcher() {
        let (code, _, err) = run_capture(&["vault", "server", "-dev"], Env::default());
        assert_eq!(code, 1);
        assert_eq!(err, "no server in tests\n");
    }

    fn curl_env() -> Env {
        Env::from_pairs([
            ("VAULT_ADDR", "http://127.0.0.1:1"),
            ("VAULT_TOKEN", "hvs.t"),
        ])
    }

    #[test]
    fn output_curl_string_prints_the_request_instead_of_sending_it() {
        let (code, out, err) = run_capture(
            &["vault", "write", "-output-curl-string", "secret/foo", "a=b"],
            curl_env(),
        );
        assert_eq!((code, err.as_str()), (0, ""));
        assert_eq!(
            out,
            "curl -X PUT -H \"X-Vault-Request: true\" -H \"X-Vault-Token: $(vault print token)\" \
             -d '{\"a\":\"b\"}' http://127.0.0.1:1/v1/secret/foo\n"
        );
        let (code, out, _) = run_capture(
            &["vault", "-output-curl-string", "-namespace=team", "status"],
            curl_env(),
        );
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "curl -H \"X-Vault-Request: true\" -H \"X-Vault-Token: $(vault print token)\" \
             http://127.0.0.1:1/v1/sys/seal-status\n"
        );
        let (code, out, err) =
            run_capture(&["vault", "version", "-output-curl-string"], curl_env());
        assert_eq!((code, err.as_str()), (1, "Could not generate cURL command"));
        assert!(out.starts_with("Vault v"));
        let (code, _, err) = run_capture(&["vault", "write", "-output-curl-string"], curl_env());
        assert_eq!(code, 1);
        assert_eq!(
            err,
            "Not enough arguments (expected 1, got 0)\nUnable to generate cURL string from command\n"
        );
    }

    #[test]
    fn print_token_shows_the_token_in_use() {
        let (code, out, _) = run_capture(&["vault", "print", "token"], curl_env());
        assert_eq!((code, out.as_str()), (0, "hvs.t\n"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".vault-token"), "hvs.file").unwrap();
        let home = Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        let (code, out, _) = run_capture(&["vault", "print", "token"], home);
        assert_eq!((code, out.as_str()), (0, "hvs.file\n"));
    }

    #[test]
    fn policy_fmt_rewrites_the_file_or_names_the_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.hcl");
        std::fs::write(
            &file,
            "path \"secret/*\"{\ncapabilities=[\"read\",\"list\"]\n}\n",
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let (code, out, err) = run_capture(&["vault", "policy", "fmt", path], Env::default());
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, format!("Success! Formatted policy: {path}\n"));
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "path \"secret/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n"
        );
        std::fs::write(
            &file,
            "path \"a\" {\n  capabilities = [\"read\"]\n}\npath \"b\" {\n  capabilities = \n",
        )
        .unwrap();
        let (code, _, err) = run_capture(&["vault", "policy", "fmt", path], Env::default());
        assert_eq!(code, 1);
        assert!(err.contains("line"), "{err}");
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .ends_with("capabilities = \n")
        );
        let missing = dir.path().join("nope.hcl");
        let (code, _, err) = run_capture(
            &["vault", "policy", "fmt", missing.to_str().unwrap()],
            Env::default(),
        );
        assert_eq!(
            (code, err),
            (
                1,
                format!(
                    "Error reading source file: open {}: no such file or directory\n",
                    missing.display()
                )
            )
        );
        let (code, _, err) = run_capture(&["vault", "policy", "fmt"], Env::default());
        assert_eq!(
            (code, err.as_str()),
            (1, "Not enough arguments (expected 1, got 0)\n")
        );
    }

    #[test]
    fn autocomplete_install_and_shell_completion() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".bashrc"), "").unwrap();
        let home = || Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        let (code, _, err) = run_capture(&["vault", "-autocomplete-install"], home());
        assert_eq!(code, 0, "{err}");
        let bin = std::env::current_exe().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join(".bashrc")).unwrap(),
            format!("\ncomplete -C {} vault\n", bin.display())
        );
        let (code, _, err) = run_capture(&["vault", "-autocomplete-install"], home());
        assert_eq!(code, 1);
        assert!(
            err.starts_with("Error executing CLI: 1 error occurred:\n\t* already installed in ")
        );
        let (code, _, _) = run_capture(&["vault", "-autocomplete-uninstall"], home());
        assert_eq!(code, 0);
        assert!(
            !std::fs::read_to_string(dir.path().join(".bashrc"))
                .unwrap()
                .contains("complete")
        );
        let env = Env::from_pairs([("COMP_LINE", "vault kv rollback"), ("COMP_POINT", "11")]);
        let (code, out, _) = run_capture(&["vault", "vault", "kv", "ro"], env);
        assert_eq!((code, out.as_str()), (0, "rollback\n"));
    }

    #[test]
    fn symlink_name_is_used_in_usage() {
        assert_eq!(program_name(Some(&"/usr/bin/vault".to_string())), "vault");
        assert_eq!(program_name(Some(&"./target/arca".to_string())), "arca");
        assert_eq!(program_name(Some(&"weird".to_string())), "vault");
    }
}
