//! Forward/Echo over the cluster port: refused until the server plugs a handler in.

use std::sync::Arc;

use tonic::{Code, Status};

use super::support::*;
use crate::{
    ClusterNetwork, ClusterService, ForwardHandler,
    proto::{EchoReply, EchoRequest, ForwardedRequest, ForwardedResponse},
    serve_cluster,
};

struct Answer;

#[tonic::async_trait]
impl ForwardHandler for Answer {
    async fn forward(&self, req: ForwardedRequest) -> Result<ForwardedResponse, Status> {
        Ok(ForwardedResponse {
            status: 204,
            headers: vec![],
            body: format!("{} {}", req.method, req.uri).into_bytes(),
        })
    }

    async fn echo(&self, req: EchoRequest) -> Result<EchoReply, Status> {
        Ok(EchoReply {
            leader_id: req.node_id,
            term: req.applied_index,
            now_unix_ms: 0,
        })
    }
}

#[tokio::test]
async fn forward_and_echo_need_a_handler() {
    let dir = tempfile::tempdir().unwrap();
    let (listener, me) = bind("a").await;
    let node = open(config(dir.path(), "a", &me.cluster_addr)).await;
    let service: ClusterService = node.cluster_service();
    let slot = service.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_cluster(listener, service, None, async {
        let _ = rx.await;
    }));

    let net = ClusterNetwork::new(0);
    let mut client = net.client(node.id(), &me).unwrap();
    let req = ForwardedRequest {
        method: "GET".into(),
        uri: "/v1/sys/health".into(),
        ..Default::default()
    };
    let err = client.forward(req.clone()).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    assert_eq!(
        err.message(),
        "request forwarding is not enabled on this node"
    );
    let err = client.echo(EchoRequest::default()).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);

    slot.set_forward_handler(Some(Arc::new(Answer)));
    let resp = client.forward(req).await.unwrap().into_inner();
    assert_eq!(
        (resp.status, resp.body),
        (204, b"GET /v1/sys/health".to_vec())
    );
    let echo = EchoRequest {
        node_id: "b".into(),
        applied_index: 9,
        ..Default::default()
    };
    let reply = client.echo(echo).await.unwrap().into_inner();
    assert_eq!((reply.leader_id.as_str(), reply.term), ("b", 9));

    slot.set_forward_handler(None);
    assert!(client.forward(ForwardedRequest::default()).await.is_err());

    let _ = tx.send(());
    server.await.unwrap().unwrap();
    node.shutdown().await.unwrap();
}
