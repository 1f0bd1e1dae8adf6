//! Mutual TLS on the cluster port: only peers holding a certificate from the cluster's
//! own CA get through, in either direction, and a sealed node (no settings) refuses and
//! makes no connections.

use std::time::Duration;

use tonic::Code;

use super::support::*;
use crate::{ClusterCa, ClusterNetwork, ClusterTls, proto::TimeoutNowRequest, serve_cluster};

/// Calls a cheap RPC that needs no handler (`TimeoutNow`, declined by a node that is no
/// follower) through `net`, and returns the gRPC code of the failure, if any.
async fn call(net: &ClusterNetwork, target: &crate::ArcaNode) -> Result<(), Code> {
    let mut client = net.client(target.raft_id(), target).unwrap();
    let req = TimeoutNowRequest {
        term: 1,
        leader_id: 1,
    };
    match tokio::time::timeout(Duration::from_secs(10), client.timeout_now(req)).await {
        Ok(Ok(reply)) => {
            assert!(!reply.get_ref().started);
            Ok(())
        }
        Ok(Err(status)) => Err(status.code()),
        Err(_) => panic!("the cluster port hung instead of refusing"),
    }
}

#[tokio::test]
async fn only_certificates_of_the_cluster_ca_get_through() {
    let dir = tempfile::tempdir().unwrap();
    let (listener, me) = bind("a").await;
    let node = open(config(dir.path(), "a", &me.cluster_addr)).await;
    let server_tls = tls_from(test_ca(), "a");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_cluster(
        listener,
        node.cluster_service(),
        Some(server_tls.clone()),
        async {
            let _ = rx.await;
        },
    ));

    // A peer of the same cluster.
    let member = ClusterNetwork::with_tls(2, tls_from(test_ca(), "b"));
    assert_eq!(call(&member, &me).await, Ok(()));

    // A client that trusts the cluster CA but whose certificate another CA signed is
    // refused by the server.
    let foreign_ca = ClusterCa::generate().unwrap();
    let foreign = ClusterNetwork::with_tls(3, ClusterTls::mixed(test_ca(), &foreign_ca, "x"));
    assert!(call(&foreign, &me).await.is_err());
    // And a client of another cluster altogether.
    let other = ClusterNetwork::with_tls(3, tls_from(&foreign_ca, "intruder"));
    assert_eq!(call(&other, &me).await, Err(Code::Unavailable));

    // Plain HTTP/2 gets nowhere either.
    let plain = ClusterNetwork::new(4);
    assert!(call(&plain, &me).await.is_err());

    // A node without settings (sealed) does not dial.
    let sealed = ClusterNetwork::with_tls(5, ClusterTls::default());
    assert_eq!(call(&sealed, &me).await, Err(Code::Unavailable));

    // A sealed server refuses new connections and drops established ones; unsealed
    // again, it accepts them.
    server_tls.clear();
    let fresh = ClusterNetwork::with_tls(6, tls_from(test_ca(), "c"));
    assert_eq!(call(&fresh, &me).await, Err(Code::Unavailable));
    assert!(
        call(&member, &me).await.is_err(),
        "established channel survived the seal"
    );
    server_tls.install(test_ca(), "a").unwrap();
    let fresh = ClusterNetwork::with_tls(7, tls_from(test_ca(), "c"));
    assert_eq!(call(&fresh, &me).await, Ok(()));
    // The member's channel reconnects by itself.
    let mut ok = false;
    for _ in 0..50 {
        if call(&member, &me).await.is_ok() {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "the member did not reconnect");

    let _ = tx.send(());
    server.await.unwrap().unwrap();
    node.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_server_with_a_foreign_certificate_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let (listener, me) = bind("a").await;
    let node = open(config(dir.path(), "a", &me.cluster_addr)).await;
    // The server is signed by another CA, but would accept our certificate.
    let impostor_ca = ClusterCa::generate().unwrap();
    let impostor = ClusterTls::mixed(test_ca(), &impostor_ca, "a");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_cluster(
        listener,
        node.cluster_service(),
        Some(impostor),
        async {
            let _ = rx.await;
        },
    ));
    let member = ClusterNetwork::with_tls(2, tls_from(test_ca(), "b"));
    assert_eq!(call(&member, &me).await, Err(Code::Unavailable));
    let _ = tx.send(());
    server.await.unwrap().unwrap();
    node.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_certificates_expire_and_are_renewed_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (listener, me) = bind("a").await;
    let node = open(config(dir.path(), "a", &me.cluster_addr)).await;
    // Certificates valid for 4 s (whole seconds in the certificate), renewed every 2.7 s.
    let validity = Duration::from_secs(4);
    let server_tls = ClusterTls::with_validity(validity);
    server_tls.install(test_ca(), "a").unwrap();
    let first_expiry = server_tls.certificate_expiry().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_cluster(
        listener,
        node.cluster_service(),
        Some(server_tls.clone()),
        async {
            let _ = rx.await;
        },
    ));
    let client_tls = ClusterTls::with_validity(validity);
    client_tls.install(test_ca(), "b").unwrap();
    assert_eq!(
        call(&ClusterNetwork::with_tls(2, client_tls.clone()), &me).await,
        Ok(())
    );
    // A peer whose certificate is not renewed.
    let stale = ClusterNetwork::with_tls(3, ClusterTls::unrenewed(test_ca(), "c", validity));

    // Past the first certificates' expiry: both sides renewed theirs, and new
    // handshakes (fresh channels) succeed with the renewed ones in both directions...
    tokio::time::sleep(validity + Duration::from_millis(1500)).await;
    let renewed = server_tls.certificate_expiry().unwrap();
    assert!(
        renewed > first_expiry,
        "the server certificate was not renewed"
    );
    assert!(client_tls.certificate_expiry().unwrap() > first_expiry);
    assert_eq!(
        call(&ClusterNetwork::with_tls(4, client_tls.clone()), &me).await,
        Ok(())
    );
    // ...while the expired certificate is refused (TLS 1.3 reports a refused client
    // certificate after the client's side of the handshake: the call fails, code aside).
    assert!(
        call(&stale, &me).await.is_err(),
        "an expired certificate got through"
    );

    // A seal stops the renewal; the next unseal issues a fresh certificate.
    server_tls.clear();
    assert_eq!(server_tls.certificate_expiry(), None);
    server_tls.install(test_ca(), "a").unwrap();
    assert!(server_tls.certificate_expiry().unwrap() >= renewed);
    assert_eq!(
        call(&ClusterNetwork::with_tls(5, client_tls.clone()), &me).await,
        Ok(())
    );

    let _ = tx.send(());
    server.await.unwrap().unwrap();
    node.shutdown().await.unwrap();
}
