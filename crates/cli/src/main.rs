//! The `arca` binary (also installed as `vault`): wires the CLI library to the process and
//! the `server` command to `arca-server`.

use arca_cli::env::Env;
use arca_cli::ui::Ui;
use arca_cli::{ServerInvocation, ServerLauncher};

/// Starts the real server for `arca server` / `vault server`.
struct ArcaServer;

impl ServerLauncher for ArcaServer {
    fn launch(&self, inv: ServerInvocation) -> Result<(), String> {
        arca_server::run_server(arca_server::ServerArgs {
            config_paths: inv.config_paths,
            dev: inv.dev,
            dev_root_token_id: inv.dev_root_token_id,
            dev_listen_address: inv.dev_listen_address,
            log_level: inv.log_level,
        })
        .map_err(|e| e.to_string())
    }
}

fn main() {
    // reqwest is built with `rustls-no-provider`: pick ring once for the whole process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let env = Env::from_process();
    let no_color = env.get("NO_COLOR").is_some()
        || env.get("VAULT_CLI_NO_COLOR").is_some()
        || env.get("TERM") == Some("dumb");
    let ui = Ui::stdio(no_color);
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let code = arca_cli::run(argv, env, ui, &ArcaServer);
    std::process::exit(code);
}
