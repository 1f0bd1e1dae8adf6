//! Starting and stopping a node: config → logging → raft → core → listeners, then wait
//! for SIGINT/SIGTERM and shut down in reverse order.

use std::{path::PathBuf, sync::Arc, time::Duration};

use arca_core::{Core, CoreOptions, JoinRequest};
use arca_raft::{
    ClusterNetwork, ClusterTls, RaftNode, RaftNodeConfig, RaftTiming, node_id_from_name,
};
use tokio::{net::TcpListener, sync::watch};

use crate::{
    ServerError,
    cluster_info::RaftClusterInfo,
    config::Config,
    dev,
    forward::{ClusterForwarder, ForwardServer},
    logging,
};

/// The flags of `arca server`.
#[derive(Debug, Clone, Default)]
pub struct ServerArgs {
    /// `-config` paths: files or directories of `.hcl`/`.json` files.
    pub config_paths: Vec<PathBuf>,
    /// `-dev`: initialised, unsealed, single key, kv-v2 at `secret/`, data in a temp dir.
    pub dev: bool,
    /// `-dev-root-token-id`.
    pub dev_root_token_id: Option<String>,
    /// `-dev-listen-address` (default 127.0.0.1:8200).
    pub dev_listen_address: Option<String>,
    /// `-log-level`, which overrides the config file and environment.
    pub log_level: Option<String>,
}

/// How long in-flight requests get to finish at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs a server until it is told to stop. Blocks the calling thread (it owns its tokio
/// runtime), so the CLI calls it before starting any runtime of its own.
pub fn run_server(args: ServerArgs) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("arca")
        .build()
        .map_err(|e| ServerError::io("starting the async runtime", e))?;
    runtime.block_on(serve(args))
}

fn load_config(args: &ServerArgs) -> Result<Config, ServerError> {
    let mut config = if args.dev {
        Config::dev(
            args.dev_listen_address
                .as_deref()
                .unwrap_or("127.0.0.1:8200"),
        )
    } else {
        if args.config_paths.is_empty() {
            return Err(ServerError::Startup(
                "no configuration: use -config=FILE (or -dev for a development server)".into(),
            ));
        }
        Config::load(&args.config_paths)?
    };
    config.apply_env(&|k| std::env::var(k).ok());
    if let Some(level) = &args.log_level {
        config.log_level = Some(level.clone());
    }
    config.validate()?;
    Ok(config)
}

async fn serve(args: ServerArgs) -> Result<(), ServerError> {
    // Start-to-unsealed time of an auto-unseal is measured from here.
    let process_start = std::time::Instant::now();
    let config = load_config(&args)?;
    logging::init(
        config.log_level.as_deref().unwrap_or("info"),
        config.log_format.as_deref().unwrap_or("standard"),
    )
    .map_err(ServerError::Startup)?;
    let telemetry =
        crate::telemetry::install(config.telemetry.as_ref()).map_err(ServerError::Startup)?;
    let first = config
        .listeners
        .first()
        .ok_or_else(|| ServerError::Startup("at least one listener \"tcp\" is required".into()))?;
    let scheme = if first.tls_disable { "http" } else { "https" };
    let api_addr = config
        .api_addr
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{}", first.address));
    let cluster_listen = first.cluster_address()?;
    let cluster_addr = config
        .cluster_addr
        .clone()
        .unwrap_or_else(|| format!("http://{cluster_listen}"));

    // Dev mode keeps its raft data in a temporary directory removed at exit.
    let dev_dir;
    let mut retry_join = Vec::new();
    let mut multiplier = 0;
    let (data_dir, node_name) = if args.dev {
        dev_dir = tempfile::Builder::new()
            .prefix("arca-dev-")
            .tempdir()
            .map_err(|e| ServerError::io("creating the dev data directory", e))?;
        (dev_dir.path().to_path_buf(), "dev-node".to_string())
    } else {
        let raft = config
            .raft()
            .ok_or_else(|| ServerError::Startup("storage \"raft\" is required".into()))?;
        let path = raft
            .path
            .clone()
            .ok_or_else(|| ServerError::Startup("storage \"raft\": path is required".into()))?;
        let name = raft
            .node_id
            .clone()
            .ok_or_else(|| ServerError::Startup("storage \"raft\": node_id is required".into()))?;
        retry_join =
            crate::join::retry_join_targets(&raft.retry_join).map_err(ServerError::Startup)?;
        multiplier = raft.performance_multiplier;
        (PathBuf::from(path), name)
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    let workers_stop = stop_rx.clone();
    let ha_stop = stop_rx.clone();
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|v| *v).await;
        }
    };

    let node_cfg = RaftNodeConfig {
        timing: RaftTiming::with_multiplier(multiplier),
        ..RaftNodeConfig::new(&node_name, &data_dir, &api_addr, &cluster_addr)
    };
    // The cluster port speaks mutual TLS with a certificate from the cluster CA, which
    // lives in the barrier: until this node is unsealed it neither serves nor dials peers.
    let cluster_tls = ClusterTls::default();
    let network = ClusterNetwork::with_tls(node_id_from_name(&node_name), cluster_tls.clone());
    let node = Arc::new(RaftNode::open(node_cfg, network.clone()).await?);
    let reachability = tokio::spawn(follow_cluster_tls(node.clone(), cluster_tls.clone()));
    let cluster_listener = TcpListener::bind(&cluster_listen)
        .await
        .map_err(|e| ServerError::io(format!("binding the cluster port {cluster_listen}"), e))?;
    // Clones share the forward-handler slot, which is filled once the router exists.
    let cluster_service = node.cluster_service();
    let cluster_task = tokio::spawn(arca_raft::serve_cluster(
        cluster_listener,
        cluster_service.clone(),
        Some(cluster_tls.clone()),
        stopped(),
    ));
    // Raft state decides how this node starts: with state it rejoins its cluster as is;
    // without, it waits to be initialised (`sys/init` bootstraps a one-node cluster) or
    // to join one (`sys/storage/raft/join`, or the `retry_join` blocks below).
    let has_state = node.has_state().await?;
    let removal_watch = node.spawn_removal_watch(network.removed_signal());
    let echoes = Arc::new(crate::heartbeat::EchoTable::default());
    let heartbeat = Arc::new(crate::heartbeat::HeartbeatHealth::default());
    let autopilot = Arc::new(crate::autopilot::Autopilot::new(
        node.clone(),
        network.clone(),
        echoes.clone(),
    ));

    let core = Core::new(CoreOptions {
        physical: node.clone(),
        cluster: Arc::new(RaftClusterInfo {
            node: node.clone(),
            network: network.clone(),
            echoes: echoes.clone(),
            autopilot: autopilot.clone(),
            hostname: crate::heartbeat::hostname(&node_name),
            tls: cluster_tls.clone(),
            heartbeat: heartbeat.clone(),
        }),
        factories: vec![
            Arc::new(arca_engine_kv::KvFactory),
            Arc::new(arca_engine_cubbyhole::CubbyholeFactory),
            Arc::new(arca_engine_transit::TransitFactory),
            Arc::new(arca_auth_approle::AppRoleFactory),
            Arc::new(arca_auth_userpass::UserpassFactory),
        ],
        cluster_name: config.cluster_name.clone().unwrap_or_default(),
    })?;

    // service_registration "kubernetes": a missing pod name or namespace is a startup
    // error (as in Vault); everything after that runs beside the server.
    let registration_pod = match &config.service_registration {
        Some(crate::config::ServiceRegistrationConfig::Kubernetes(k8s)) => {
            Some(crate::registration::pod_ref(k8s)?)
        }
        None => None,
    };

    if let Some(stanza) = &config.seal {
        if args.dev {
            return Err(ServerError::Startup(
                "a seal stanza cannot be used in dev mode".into(),
            ));
        }
        core.set_seal(crate::seal::build(stanza)?)?;
    }

    // Labels start with the state at start-up (sealed, maybe uninitialised), as in
    // Vault, before self_init or dev mode change it.
    let registration = match registration_pod {
        Some(pod) => crate::registration::spawn(core.clone(), pod, workers_stop.clone()).await,
        None => Vec::new(),
    };

    // self_init: a fresh node that is not joining another cluster initialises itself
    // (with its auto-unseal seal) before its API answers.
    if let Some(self_init) = &config.self_init {
        if !has_state && retry_join.is_empty() {
            crate::self_init::run(&core, self_init).await?;
        } else if !has_state {
            tracing::info!("self_init skipped: this node joins a cluster (retry_join)");
        }
    }

    // Like `vault server -dev`, the dev node is initialised, unsealed and has `secret/`
    // before its API answers, so clients never see it half set up.
    if args.dev {
        dev::bootstrap(&core, args.dev_root_token_id.clone(), &api_addr).await?;
    }

    let mut serving = Vec::new();
    let reads = crate::read_index::ReadIndex::new(node.clone(), network.clone());
    for l in &config.listeners {
        let tls = if l.tls_disable {
            None
        } else {
            match (&l.tls_cert_file, &l.tls_key_file) {
                (Some(cert_file), Some(key_file)) => Some(arca_http::TlsFiles {
                    cert_file: cert_file.clone(),
                    key_file: key_file.clone(),
                }),
                _ => {
                    return Err(ServerError::Startup(format!(
                        "listener {}: tls_cert_file and tls_key_file are required unless tls_disable = true",
                        l.address
                    )));
                }
            }
        };
        let bound = arca_http::BoundListener::bind(&l.address, tls.as_ref())
            .await
            .map_err(|e| ServerError::Startup(e.to_string()))?;
        let local = bound
            .local_addr()
            .map_err(|e| ServerError::io("listener address", e))?;
        let max = l
            .max_request_size()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(usize::MAX);
        let forwarder = Arc::new(ClusterForwarder {
            node: node.clone(),
            network: network.clone(),
            reads: reads.clone(),
        });
        let router = arca_http::router(
            core.clone(),
            arca_http::HttpConfig {
                max_request_size: max,
                unauthenticated_metrics_access: l.telemetry.unauthenticated_metrics_access,
                standby_reads: config.standby_reads(),
            },
            Some(forwarder),
        );
        // The first listener's router also answers requests forwarded by standbys.
        if serving.is_empty() {
            cluster_service.set_forward_handler(Some(Arc::new(ForwardServer {
                router: router.clone(),
                node: node.clone(),
                echoes: echoes.clone(),
            })));
        }
        tracing::info!(address = %local, tls = !l.tls_disable, "API listener started");
        serving.push(tokio::spawn(bound.serve(router, stopped())));
    }
    tracing::info!(node_id = %node_name, api_addr = %api_addr, cluster_addr = %cluster_addr, "arca server started");
    let removal_seal = tokio::spawn(seal_when_removed(node.clone(), core.clone()));
    // HA background workers; each ends by itself once the stop signal turns true.
    let ha_workers = [
        tokio::spawn(crate::heartbeat::run(
            node.clone(),
            network.clone(),
            core.clone(),
            heartbeat,
            workers_stop.clone(),
        )),
        tokio::spawn(autopilot.clone().run(core.clone(), workers_stop.clone())),
        tokio::spawn(reload_after_restores(
            node.clone(),
            core.clone(),
            workers_stop,
        )),
    ];
    let usage_period = config.telemetry.as_ref().map_or_else(
        || crate::config::TelemetryConfig::default().usage_gauge_period,
        |t| t.usage_gauge_period,
    );
    let metrics_task = crate::telemetry::spawn(
        core.clone(),
        node.clone(),
        telemetry,
        usage_period,
        stopped(),
    );
    let sighup_task = crate::sighup::spawn(core.clone());
    let auto_unseal = config.seal.as_ref().filter(|s| !s.disabled).map(|_| {
        tokio::spawn(crate::seal::auto_unseal_loop(
            core.clone(),
            process_start,
            ha_stop.clone(),
        ))
    });
    if !has_state && !retry_join.is_empty() {
        tracing::info!(
            leaders = retry_join.len(),
            "joining a raft cluster (retry_join)"
        );
        core.join_raft(JoinRequest {
            leaders: retry_join,
            retry: true,
            non_voter: false,
        })
        .await?;
    } else if has_state && !retry_join.is_empty() {
        tracing::info!("this node already belongs to a raft cluster; retry_join is ignored");
    }

    wait_for_signal().await;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    for task in serving {
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, task).await;
    }
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, cluster_task).await;
    for task in ha_workers {
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, task).await;
    }
    // The labeller marks the pod sealed and not active before it ends.
    for task in registration {
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, task).await;
    }
    removal_watch.abort();
    reachability.abort();
    removal_seal.abort();
    if let Some(task) = auto_unseal {
        task.abort();
    }
    metrics_task.abort();
    sighup_task.abort();
    node.shutdown().await?;
    Ok(())
}

/// Lets raft campaign only while this node can reach its peers (cluster TLS installed,
/// i.e. unsealed), as a sealed Vault node takes no part in raft.
async fn follow_cluster_tls(node: Arc<RaftNode>, tls: ClusterTls) {
    let mut ready = tls.ready_events();
    loop {
        let on = *ready.borrow_and_update();
        node.set_peers_reachable(on).await;
        if ready.changed().await.is_err() {
            return;
        }
    }
}

/// After a snapshot restore (or install) replaced the key space, the core reloads what
/// it keeps from it (see [`Core::after_raft_restore`]).
async fn reload_after_restores(
    node: Arc<RaftNode>,
    core: Arc<Core>,
    mut stop: watch::Receiver<bool>,
) {
    let mut restores = node.restore_events();
    loop {
        tokio::select! {
            changed = restores.changed() => if changed.is_err() { return },
            _ = stop.wait_for(|s| *s) => return,
        }
        core.after_raft_restore().await;
    }
}

/// A node removed from its cluster seals itself: it must not serve from data that is no
/// longer replicated to it. It keeps answering status routes (`removed_from_cluster`).
async fn seal_when_removed(node: Arc<RaftNode>, core: Arc<Core>) {
    let mut removed = node.removed_events();
    if removed.wait_for(|r| *r).await.is_ok() {
        tracing::error!(
            "this node was removed from the raft cluster; sealing. Wipe its data directory to join it again"
        );
        core.seal().await;
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
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
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
