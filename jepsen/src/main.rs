//! The `arca-jepsen` binary: `run` against live nodes, `check` a recorded history.
//! Exit status: 0 pass, 1 violation, 2 usage error, 3 unknown, 4 harness failure.

use std::process::ExitCode;

use arca_jepsen::app::{check_command, exit_code, run_command};
use arca_jepsen::cli::{Cli, Command};
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // reqwest is built with `rustls-no-provider`: pick ring once for the whole process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => run_command(args).await,
        Command::Check(args) => check_command(args),
    };
    match result {
        Ok(outcome) => ExitCode::from(exit_code(outcome)),
        Err(e) => {
            eprintln!("arca-jepsen: {e}");
            ExitCode::from(4)
        }
    }
}
