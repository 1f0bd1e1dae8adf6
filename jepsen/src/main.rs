//! The `arca-jepsen` binary: `run` against live nodes, `check` a recorded history.
//! Exit status: 0 pass, 1 violation, 2 usage error, 3 unknown, 4 harness failure.

use std::process::ExitCode;

use arca_jepsen::app::{AppError, check_command, exit_code, run_command};
use arca_jepsen::cli::{Cli, Command};
use arca_jepsen::suite::suite_command;
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // reqwest is built with `rustls-no-provider`: pick ring once for the whole process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => run_command(args).await,
        Command::Check(args) => check_command(args),
        // Interrupted: dropping the suite's future kills its nodes and removes its
        // network namespaces; the outcome is a harness failure.
        Command::Suite(args) => tokio::select! {
            r = suite_command(args) => r,
            _ = interrupted() => Err(AppError::Io("interrupted".into())),
        },
    };
    match result {
        Ok(outcome) => ExitCode::from(exit_code(outcome)),
        Err(e) => {
            eprintln!("arca-jepsen: {e}");
            ExitCode::from(4)
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn interrupted() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
