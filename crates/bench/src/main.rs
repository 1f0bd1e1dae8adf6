//! The `arca-bench` binary. Exit status: 0 when every workload stayed within the 1 % error
//! budget, 1 when one did not (the report is still printed), 2 when no report was produced.
//! `arca-bench run -config=FILE` (or any `-config` flag) runs an HCL config instead of the
//! flags below (see [`arca_bench::suite`]).

use std::process::ExitCode;

use arca_bench::app::{Outcome, execute};
use arca_bench::args::Args;
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // reqwest is built with `rustls-no-provider`: pick ring once for the whole process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let outcome = if arca_bench::suite::wants_suite(&argv) {
        // vault-benchmark style: `arca-bench run -config=bench.hcl [-duration=..]`.
        let args = match arca_bench::suite::parse_args(&argv) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("arca-bench: {e}");
                return ExitCode::from(2);
            }
        };
        arca_bench::suite::execute(&args)
            .await
            .map_err(|e| e.to_string())
    } else {
        execute(&Args::parse()).await.map_err(|e| e.to_string())
    };
    match outcome {
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
