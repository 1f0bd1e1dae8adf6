//! The API listeners: plain TCP or TLS (rustls, ring provider), each serving the axum
//! router until shutdown. Listeners bind before the server reports itself started, so a
//! port conflict is a start-up error.

use std::{fs::File, io::BufReader, net::SocketAddr, sync::Arc, time::Duration};

use axum::Router;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};

use crate::ClientAddr;

/// Why a listener could not be set up; the text names the file or address.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ListenerError(String);

fn io_err(context: String, e: std::io::Error) -> ListenerError {
    ListenerError(format!("{context}: {e}"))
}

/// Where a TLS listener finds its certificate chain and private key (PEM files).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert_file: String,
    pub key_file: String,
}

/// A bound listener, ready to serve.
pub enum BoundListener {
    Plain(TcpListener),
    Tls(TlsListener),
}

impl BoundListener {
    /// Binds `address`; with `tls`, connections are TLS with that certificate and key.
    pub async fn bind(address: &str, tls: Option<&TlsFiles>) -> Result<Self, ListenerError> {
        let tcp = TcpListener::bind(address)
            .await
            .map_err(|e| io_err(format!("binding listener {address}"), e))?;
        match tls {
            None => Ok(BoundListener::Plain(tcp)),
            Some(files) => {
                let acceptor = tls_acceptor(&files.cert_file, &files.key_file)?;
                Ok(BoundListener::Tls(TlsListener::start(tcp, acceptor)?))
            }
        }
    }

    /// The bound address (useful when the configured port was 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        match self {
            BoundListener::Plain(l) => l.local_addr(),
            BoundListener::Tls(l) => Ok(l.local),
        }
    }

    /// Serves `router` until `shutdown` completes.
    pub async fn serve<F>(self, router: Router, shutdown: F) -> std::io::Result<()>
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let app = router.into_make_service_with_connect_info::<ClientAddr>();
        match self {
            BoundListener::Plain(l) => axum::serve(l, app).with_graceful_shutdown(shutdown).await,
            BoundListener::Tls(l) => axum::serve(l, app).with_graceful_shutdown(shutdown).await,
        }
    }
}

fn tls_acceptor(cert_file: &str, key_file: &str) -> Result<TlsAcceptor, ListenerError> {
    let open = |p: &str| {
        File::open(p)
            .map(BufReader::new)
            .map_err(|e| io_err(format!("reading {p}"), e))
    };
    let certs = rustls_pemfile::certs(&mut open(cert_file)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| io_err(format!("parsing certificates in {cert_file}"), e))?;
    if certs.is_empty() {
        return Err(ListenerError(format!(
            "{cert_file} holds no PEM certificate"
        )));
    }
    let key = rustls_pemfile::private_key(&mut open(key_file)?)
        .map_err(|e| io_err(format!("parsing the private key in {key_file}"), e))?
        .ok_or_else(|| ListenerError(format!("{key_file} holds no PEM private key")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ListenerError(format!("TLS configuration: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            ListenerError(format!(
                "TLS certificate/key in {cert_file}/{key_file}: {e}"
            ))
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A TLS listener whose handshakes run in their own tasks, so a slow or silent client
/// cannot hold up everyone else's connections.
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
}

/// Longest time a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl TlsListener {
    fn start(tcp: TcpListener, acceptor: TlsAcceptor) -> Result<Self, ListenerError> {
        let local = tcp
            .local_addr()
            .map_err(|e| io_err("reading the listener address".into(), e))?;
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let (stream, addr) = match tcp.accept().await {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accepting a TLS connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let conn_tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = conn_tx.send((tls, addr)).await;
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(client = %addr, error = %e, "TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(client = %addr, "TLS handshake timed out"),
                    }
                });
                if tx.is_closed() {
                    break;
                }
            }
        });
        Ok(TlsListener { local, ready })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            if let Some(conn) = self.ready.recv().await {
                return conn;
            }
            // The accept task ended (it only does when we are dropped); wait for shutdown.
            std::future::pending::<()>().await;
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>>
    for ClientAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TcpListener>>
    for ClientAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, TcpListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}
