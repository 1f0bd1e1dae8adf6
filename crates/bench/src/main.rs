//! The `arca-bench` binary. Exit status: 0 when every workload stayed within the 1 % error
//! budget, 1 when one did not (the report is still printed), 2 when no report was produced.

use std::process::ExitCode;

use arca_bench::app::{Outcome, execute};
use arca_bench::args::Args;
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // reqwest is built with `rustls-no-provider`: pick ring once for the whole process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Args::parse();
    match execute(&args).await {
        Ok(Outcome::Passed) => ExitCode::SUCCESS,
        Ok(Outcome::TooManyErrors) => {
            eprintln!("arca-bench: more than 1% of requests failed");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("arca-bench: {e}");
            ExitCode::from(2)
        }
    }
}
