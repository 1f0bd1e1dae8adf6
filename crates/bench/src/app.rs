//! One benchmark invocation: build the target, pre-populate if needed, run each workload in
//! order, print the report and optionally save it as JSON.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use thiserror::Error;

use crate::args::{Args, Format, TargetKind};
use crate::etcd::Etcd;
use crate::report::{RunInfo, over_error_budget, to_json, to_table};
use crate::runner::{Plan, RunError, populate, run};
use crate::target::Target;
use crate::vault::{SetupError, VaultKv2};
use crate::vault_auth::{VaultApprole, VaultToken};

/// Why a benchmark produced no report.
#[derive(Debug, Error)]
pub enum AppError {
    /// The client could not be configured.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// Pre-populating or running failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The JSON report could not be written.
    #[error("writing {path}: {source}")]
    Output {
        /// File that was being written.
        path: PathBuf,
        /// Underlying I/O error.
        source: std::io::Error,
    },
}

/// Whether the run stayed within the error budget (see [`crate::report::MAX_ERROR_RATE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every workload failed at most 1 % of its requests.
    Passed,
    /// Some workload failed more; the report says which.
    TooManyErrors,
}

/// Runs the benchmark described by `args`, printing the report to stdout.
pub async fn execute(args: &Args) -> Result<Outcome, AppError> {
    let concurrency = args.concurrency as usize;
    match args.target {
        TargetKind::Vault => {
            let token = args.token.as_ref().ok_or(SetupError::MissingToken)?;
            let target = VaultKv2::new(
                &args.address,
                token,
                args.mount_path(),
                args.timeout,
                concurrency,
            )?;
            execute_on(args, Arc::new(target), args.mount_path()).await
        }
        TargetKind::Etcd => {
            let target = Etcd::new(&args.address, args.timeout, concurrency)?;
            execute_on(args, Arc::new(target), "").await
        }
        TargetKind::VaultToken => {
            let token = args.token.as_ref().ok_or(SetupError::MissingToken)?;
            let target = VaultToken::new(
                &args.address,
                token,
                &args.token_ttl,
                args.timeout,
                concurrency,
            )?;
            execute_on(args, Arc::new(target), "auth/token").await
        }
        TargetKind::VaultApprole => {
            let secret_id = args.secret_id.clone().ok_or(SetupError::MissingSecretId)?;
            let target = VaultApprole::new(
                &args.address,
                args.mount_path(),
                &args.role_id,
                secret_id,
                args.timeout,
                concurrency,
            )?;
            execute_on(args, Arc::new(target), args.mount_path()).await
        }
        TargetKind::Transit => {
            let token = args.token.as_ref().ok_or(SetupError::MissingToken)?;
            let target = crate::transit::VaultTransit::new(
                &args.address,
                token,
                args.mount_path(),
                args.timeout,
                concurrency,
            )?;
            execute_on(args, Arc::new(target), args.mount_path()).await
        }
    }
}

/// [`execute`] once the target is built; `mount` is what the report names (empty for
/// targets without mounts).
async fn execute_on<T: Target>(
    args: &Args,
    target: Arc<T>,
    mount: &str,
) -> Result<Outcome, AppError> {
    let concurrency = args.concurrency as usize;
    let seed = args.seed.unwrap_or_else(rand::random);
    let info = RunInfo {
        target: target.kind(),
        address: args.address.clone(),
        mount: mount.to_string(),
        concurrency,
        stop: args.stop(),
        value_size: args.value_size,
        keys: args.keys,
        read_percent: args.read_percent,
        seed,
        started_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        meta: args.meta.clone(),
    };
    let plan_for = |workload| Plan {
        workload,
        stop: args.stop(),
        concurrency,
        keys: args.keys,
        key_prefix: args.key_prefix.clone(),
        value_size: args.value_size,
        read_percent: args.read_percent,
        seed,
    };

    let mut results = Vec::with_capacity(args.workload.len());
    let mut populated = false;
    for &workload in &args.workload {
        let plan = plan_for(workload);
        if workload.reads() && !populated {
            eprintln!("arca-bench: writing {} keys for reads", args.keys);
            populate(target.clone(), &plan).await?;
            populated = true;
        }
        eprintln!("arca-bench: running {}", workload.name());
        results.push(run(target.clone(), &plan).await?);
    }

    let json = to_json(&info, &results);
    match args.format {
        Format::Table => print!("{}", to_table(&info, &results)),
        Format::Json => println!("{json:#}"),
    }
    if let Some(path) = &args.json_out {
        let io = |source| AppError::Output {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(path, format!("{json:#}\n")).map_err(io)?;
    }
    Ok(if over_error_budget(&results) {
        Outcome::TooManyErrors
    } else {
        Outcome::Passed
    })
}
