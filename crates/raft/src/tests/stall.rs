//! A peer connection that stalls (bytes stop flowing, the socket stays open) is replaced
//! by a fresh one instead of timing out every RPC until TCP gives up.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use super::support::*;
use crate::{ArcaNode, ClusterNetwork, proto::TimeoutNowRequest, serve_cluster};

/// A TCP proxy whose first connection can be frozen: it stops moving bytes either way
/// but keeps both sockets open, as a peer stuck mid-stream would. Later connections
/// pass.
struct Proxy {
    addr: SocketAddr,
    freeze_first: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

async fn proxy(target: SocketAddr) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let freeze_first = Arc::new(AtomicBool::new(false));
    let connections = Arc::new(AtomicUsize::new(0));
    let (freeze, count) = (freeze_first.clone(), connections.clone());
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let first = count.fetch_add(1, Ordering::SeqCst) == 0;
            let frozen = if first {
                freeze.clone()
            } else {
                Arc::new(AtomicBool::new(false))
            };
            let Ok(outbound) = TcpStream::connect(target).await else {
                continue;
            };
            let (ir, iw) = inbound.into_split();
            let (or, ow) = outbound.into_split();
            tokio::spawn(pump(ir, ow, frozen.clone()));
            tokio::spawn(pump(or, iw, frozen));
        }
    });
    Proxy {
        addr,
        freeze_first,
        connections,
    }
}

/// One cheap RPC (`TimeoutNow`, declined by a node that is no follower), bounded by 1 s.
async fn call(net: &ClusterNetwork, target: &ArcaNode) -> bool {
    let mut client = net.client(target.raft_id(), target).unwrap();
    let req = TimeoutNowRequest {
        term: 1,
        leader_id: 1,
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(1), client.timeout_now(req)).await,
        Ok(Ok(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_peer_connection_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (listener, me) = bind("a").await;
    let target: SocketAddr = me
        .cluster_addr
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let node = open(config(dir.path(), "a", &me.cluster_addr)).await;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_cluster(
        listener,
        node.cluster_service(),
        Some(tls_from(test_ca(), "a")),
        async {
            let _ = rx.await;
        },
    ));
    let p = proxy(target).await;
    let via_proxy = ArcaNode {
        cluster_addr: format!("https://{}", p.addr),
        ..me.clone()
    };
    let member = ClusterNetwork::with_tls(2, tls_from(test_ca(), "b"));
    assert!(call(&member, &via_proxy).await);
    assert_eq!(p.connections.load(Ordering::SeqCst), 1);

    // The connection stalls: calls time out until the channel gives up on it (keepalive
    // PINGs go unanswered) and dials again. The bound is generous: with hyper's
    // default keepalive timeout this took about 30 s.
    p.freeze_first.store(true, Ordering::SeqCst);
    assert!(
        !call(&member, &via_proxy).await,
        "the frozen connection answered"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !call(&member, &via_proxy).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stalled connection was not replaced"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(p.connections.load(Ordering::SeqCst) >= 2);

    // Let the old connection's bytes (and its close) through, so the server's graceful
    // shutdown does not wait for it forever.
    p.freeze_first.store(false, Ordering::SeqCst);
    let _ = tx.send(());
    server.await.unwrap().unwrap();
    node.shutdown().await.unwrap();
}
