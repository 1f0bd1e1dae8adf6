//! Mutual TLS on the cluster port.
//!
//! Each cluster has its own certificate authority ([`ClusterCa`], ECDSA P-256, made with
//! rcgen at initialisation and kept by the core inside the barrier). An unsealed node
//! holds a certificate of its own, signed by that CA for a fresh key ([`ClusterTls::install`]);
//! it presents it both as a server (to peers dialing it) and as a client (when it dials
//! peers). Both sides trust the cluster CA only: a peer whose certificate the CA did not
//! sign cannot complete the handshake, in either direction.
//!
//! The TLS settings appear at unseal and disappear at seal, while the cluster port keeps
//! listening, so they live in a [`ClusterTls`] handle read at each handshake rather than
//! in tonic's static TLS configuration: [`accept`] runs the server handshakes and
//! [`ClusterTls::connect`] the client ones. Without settings, connections are refused.
//!
//! Node certificates are valid for [`NODE_CERT_VALIDITY`] (24 hours). A node gets a new
//! one at every unseal and, while it runs, a renewal task issues the next one (fresh key)
//! once two thirds of the current one's life have passed. Peers trust the CA, not a
//! certificate, so they accept the renewed one at the next handshake without a restart;
//! an expired certificate is refused like a foreign one. Handshakes verify validity, so a
//! connection made before a certificate expired stays up until it closes (as with any
//! TLS), and the channels reconnect with the current certificate when it does.

use std::{
    io,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::Poll,
    time::{Duration, SystemTime},
};

use futures::Stream;
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::{
    ClientConfig, RootCertStore, ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName},
    server::WebPkiClientVerifier,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{mpsc, watch},
};
use tokio_rustls::{TlsAcceptor, TlsConnector};
use tonic::transport::server::{Connected, TcpConnectInfo};
use zeroize::Zeroizing;

use crate::error::NetworkError;

/// The DNS name in every node certificate, and the name a node expects when it dials a
/// peer. Peers are dialed by address, so one cluster-wide name is what is verified;
/// the certificate chain (signed by this cluster's CA) is what proves membership.
pub const CLUSTER_SERVER_NAME: &str = "cluster.arca.internal";
/// Common name of the cluster CA.
const CA_COMMON_NAME: &str = "Arca cluster CA";
/// ALPN: the cluster port speaks gRPC over HTTP/2 only.
const ALPN_H2: &[u8] = b"h2";
/// Longest a server-side handshake may take (a stalled peer must not hold a socket).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a node certificate is valid. Short enough that a leaked node key is of use
/// for a day at most; long enough that renewal (done in-process from the CA the node
/// holds while unsealed) has hours of slack if an attempt fails.
pub const NODE_CERT_VALIDITY: Duration = Duration::from_secs(24 * 60 * 60);
/// A certificate's validity starts this long before it is issued, so a peer whose clock
/// is a little behind does not refuse it as "not yet valid".
const CLOCK_SKEW_ALLOWANCE: Duration = Duration::from_secs(5 * 60);

fn tls_err(what: &str, e: impl std::fmt::Display) -> NetworkError {
    NetworkError::Tls(format!("{what}: {e}"))
}

/// The cluster's certificate authority: its certificate and private key in PEM. The key
/// is zeroized when this is dropped.
#[derive(Clone)]
pub struct ClusterCa {
    cert_pem: String,
    key_pem: Zeroizing<String>,
}

impl std::fmt::Debug for ClusterCa {
    // The key never prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterCa").finish_non_exhaustive()
    }
}

/// The CA's parameters. Issuing certificates rebuilds the issuer from these and the
/// stored key, so they must stay the same for a cluster's lifetime.
fn ca_params() -> Result<CertificateParams, NetworkError> {
    let mut params =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_err("CA parameters", e))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_COMMON_NAME);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

impl ClusterCa {
    /// A new CA with a fresh ECDSA P-256 key (done once, at initialisation).
    pub fn generate() -> Result<Self, NetworkError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map_err(|e| tls_err("generating the CA key", e))?;
        let cert = ca_params()?
            .self_signed(&key)
            .map_err(|e| tls_err("signing the CA certificate", e))?;
        Ok(Self {
            cert_pem: cert.pem(),
            key_pem: Zeroizing::new(key.serialize_pem()),
        })
    }

    /// A CA from its stored PEM certificate and key.
    pub fn from_pem(cert_pem: impl Into<String>, key_pem: Zeroizing<String>) -> Self {
        Self {
            cert_pem: cert_pem.into(),
            key_pem,
        }
    }

    /// The CA certificate (PEM).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA private key (PKCS#8 PEM), for storing it in the barrier.
    pub fn key_pem(&self) -> &Zeroizing<String> {
        &self.key_pem
    }

    fn cert_der(&self) -> Result<CertificateDer<'static>, NetworkError> {
        rustls_pemfile::certs(&mut self.cert_pem.as_bytes())
            .next()
            .ok_or_else(|| tls_err("the CA certificate", "no certificate in the PEM"))?
            .map_err(|e| tls_err("the CA certificate", e))
    }

    /// Issues a certificate for the node `node_name` for a fresh key: valid for
    /// [`CLUSTER_SERVER_NAME`] (and the node name, for the logs of whoever reads it),
    /// usable as TLS server and client, from now (less a few minutes of clock skew)
    /// for `validity`.
    pub fn issue(&self, node_name: &str, validity: Duration) -> Result<NodeIdentity, NetworkError> {
        let ca_key =
            KeyPair::from_pem(&self.key_pem).map_err(|e| tls_err("reading the CA key", e))?;
        let issuer = Issuer::new(ca_params()?, ca_key);
        let node_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map_err(|e| tls_err("generating the node key", e))?;
        let mut params = CertificateParams::new(vec![CLUSTER_SERVER_NAME.to_string()])
            .map_err(|e| tls_err("node certificate parameters", e))?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, node_name);
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        let now = SystemTime::now();
        let not_after = now + validity;
        params.not_before = (now - CLOCK_SKEW_ALLOWANCE).into();
        params.not_after = not_after.into();
        let cert = params
            .signed_by(&node_key, &issuer)
            .map_err(|e| tls_err("signing the node certificate", e))?;
        Ok(NodeIdentity {
            cert: cert.der().clone(),
            key: Zeroizing::new(node_key.serialize_der()),
            ca: self.cert_der()?,
            not_after,
        })
    }
}

/// One node's certificate and key, with the CA that signed it.
pub struct NodeIdentity {
    cert: CertificateDer<'static>,
    key: Zeroizing<Vec<u8>>,
    ca: CertificateDer<'static>,
    /// When the certificate expires.
    not_after: SystemTime,
}

impl NodeIdentity {
    fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.to_vec()))
    }

    /// rustls settings: the server requires a client certificate signed by the cluster
    /// CA; the client verifies the server against the same CA. TLS 1.3 only.
    fn configs(&self) -> Result<TlsConfigs, NetworkError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots
            .add(self.ca.clone())
            .map_err(|e| tls_err("the CA certificate", e))?;
        let roots = Arc::new(roots);
        let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(|e| tls_err("the client verifier", e))?;
        let mut server = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| tls_err("server TLS", e))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![self.cert.clone()], self.key())
            .map_err(|e| tls_err("the node certificate", e))?;
        server.alpn_protocols = vec![ALPN_H2.to_vec()];
        let mut client = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| tls_err("client TLS", e))?
            .with_root_certificates(roots)
            .with_client_auth_cert(vec![self.cert.clone()], self.key())
            .map_err(|e| tls_err("the node certificate", e))?;
        client.alpn_protocols = vec![ALPN_H2.to_vec()];
        Ok(TlsConfigs {
            server: Arc::new(server),
            client: Arc::new(client),
            not_after: self.not_after,
        })
    }
}

struct TlsConfigs {
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
    /// When the node certificate in both configs expires.
    not_after: SystemTime,
}

/// The node's current cluster TLS settings, shared by the cluster server, the peer
/// network and whoever installs them (the core, at unseal). Cheap to clone.
#[derive(Clone)]
pub struct ClusterTls {
    current: watch::Sender<Option<Arc<TlsConfigs>>>,
    /// Counts [`ClusterTls::clear`]s: a connection made in an earlier epoch is dead.
    epoch: Arc<AtomicU64>,
    /// Counts installs and clears: a renewal task serves one install only.
    installs: Arc<AtomicU64>,
    /// How long each node certificate is valid.
    validity: Duration,
}

impl Default for ClusterTls {
    fn default() -> Self {
        Self::with_validity(NODE_CERT_VALIDITY)
    }
}

impl ClusterTls {
    /// Settings whose node certificates are valid for `validity` instead of
    /// [`NODE_CERT_VALIDITY`] (tests of expiry and renewal use seconds).
    pub fn with_validity(validity: Duration) -> Self {
        Self {
            current: watch::channel(None).0,
            epoch: Arc::default(),
            installs: Arc::default(),
            validity,
        }
    }

    /// Issues this node a certificate from `ca` and uses it from now on (new connections;
    /// established ones stay up, they were authenticated by the same CA). Inside a tokio
    /// runtime it also starts renewing the certificate before it expires, until the next
    /// install or [`ClusterTls::clear`].
    pub fn install(&self, ca: &ClusterCa, node_name: &str) -> Result<(), NetworkError> {
        let configs = ca.issue(node_name, self.validity)?.configs()?;
        let generation = self.installs.fetch_add(1, Ordering::SeqCst) + 1;
        self.current.send_replace(Some(Arc::new(configs)));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(
                self.clone()
                    .renew(ca.clone(), node_name.to_string(), generation),
            );
        }
        Ok(())
    }

    /// Reissues the node certificate each time two thirds of the current one's life
    /// have passed, while install `generation` is the current one. A failed attempt is
    /// retried after a tenth of the validity (the current certificate is still good for
    /// a third of it).
    async fn renew(self, ca: ClusterCa, node_name: String, generation: u64) {
        let mut wait = self.validity * 2 / 3;
        loop {
            tokio::time::sleep(wait).await;
            if self.installs.load(Ordering::SeqCst) != generation {
                return;
            }
            match ca
                .issue(&node_name, self.validity)
                .and_then(|id| id.configs())
            {
                Ok(configs) => {
                    let configs = Arc::new(configs);
                    let replaced = self.current.send_if_modified(|current| {
                        let still_ours =
                            self.installs.load(Ordering::SeqCst) == generation && current.is_some();
                        if still_ours {
                            *current = Some(configs);
                        }
                        still_ours
                    });
                    if !replaced {
                        return;
                    }
                    tracing::info!("cluster port: renewed this node's certificate");
                    wait = self.validity * 2 / 3;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cluster port: cannot renew this node's certificate; will retry");
                    wait = self.validity / 10;
                }
            }
        }
    }

    /// When the node certificate in use expires; `None` without settings (sealed).
    pub fn certificate_expiry(&self) -> Option<SystemTime> {
        self.current.borrow().as_ref().map(|c| c.not_after)
    }

    /// Forgets the settings (at seal): new connections in either direction are refused,
    /// and established ones fail at their next read or write. Renewal stops.
    pub fn clear(&self) {
        self.installs.fetch_add(1, Ordering::SeqCst);
        self.current.send_replace(None);
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Wraps a connection made now, so that it dies at the next [`ClusterTls::clear`].
    fn guard<T>(&self, io: T) -> Guarded<T> {
        Guarded {
            io,
            epoch: self.epoch.load(Ordering::SeqCst),
            current: self.epoch.clone(),
        }
    }

    /// Whether settings are installed.
    pub fn is_ready(&self) -> bool {
        self.current.borrow().is_some()
    }

    /// Turns true and false as settings are installed and cleared.
    pub fn ready_events(&self) -> watch::Receiver<bool> {
        let (tx, rx) = watch::channel(self.is_ready());
        let mut changes = self.current.subscribe();
        tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                let ready = changes.borrow_and_update().is_some();
                if tx.send(ready).is_err() {
                    return;
                }
            }
        });
        rx
    }

    fn server_config(&self) -> Option<Arc<ServerConfig>> {
        self.current.borrow().as_ref().map(|c| c.server.clone())
    }

    fn client_config(&self) -> Option<Arc<ClientConfig>> {
        self.current.borrow().as_ref().map(|c| c.client.clone())
    }

    /// Dials `uri` (`http://host:port`) and runs the client handshake with the current
    /// settings; fails at once when there are none (this node is sealed).
    pub(crate) async fn connect(
        &self,
        uri: http::Uri,
    ) -> Result<TokioIo<Guarded<tokio_rustls::client::TlsStream<TcpStream>>>, NetworkError> {
        let config = self.client_config().ok_or_else(|| {
            NetworkError::Tls("cluster TLS is not set up on this node (it is sealed)".into())
        })?;
        let host = uri
            .host()
            .ok_or_else(|| tls_err("dialing a peer", "no host in the address"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(8201);
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| tls_err("dialing a peer", e))?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::try_from(CLUSTER_SERVER_NAME)
            .map_err(|e| tls_err("the cluster server name", e))?;
        let guard = self.guard(());
        let stream = TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| tls_err("TLS handshake with a peer", e))?;
        Ok(TokioIo::new(Guarded {
            io: stream,
            epoch: guard.epoch,
            current: guard.current,
        }))
    }
}

#[cfg(test)]
impl ClusterTls {
    /// Settings with a certificate valid for `validity` that is never renewed.
    pub(crate) fn unrenewed(ca: &ClusterCa, name: &str, validity: Duration) -> Self {
        let tls = Self::with_validity(validity);
        let configs = ca.issue(name, validity).unwrap().configs().unwrap();
        tls.current.send_replace(Some(Arc::new(configs)));
        tls
    }

    /// Settings that trust `trusted` but present a certificate issued by `issuer`: a
    /// client or server that verifies its peer correctly yet is not of the cluster.
    pub(crate) fn mixed(trusted: &ClusterCa, issuer: &ClusterCa, name: &str) -> Self {
        let mut id = issuer.issue(name, NODE_CERT_VALIDITY).unwrap();
        id.ca = trusted.cert_der().unwrap();
        let tls = Self::default();
        tls.current
            .send_replace(Some(Arc::new(id.configs().unwrap())));
        tls
    }
}

/// A cluster connection that stops working once the settings it was made with are
/// cleared (the node sealed): reads and writes then fail with `ConnectionAborted`.
pub struct Guarded<T> {
    io: T,
    epoch: u64,
    current: Arc<AtomicU64>,
}

impl<T> Guarded<T> {
    fn check(&self) -> io::Result<()> {
        if self.current.load(Ordering::SeqCst) == self.epoch {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "cluster TLS was cleared (this node sealed)",
            ))
        }
    }
}

/// A cluster connection accepted over TLS (tonic needs `Connected` on what it serves).
pub(crate) type TlsConn = Guarded<tokio_rustls::server::TlsStream<TcpStream>>;

impl Connected for TlsConn {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.io.get_ref().0.connect_info()
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// Accepts TCP connections on `listener` and yields those whose TLS handshake succeeded
/// with the current settings. Handshakes run in their own tasks, so a slow or hostile
/// peer does not hold up the others; refused ones are logged (at debug: a sealed node
/// refuses every connection) and closed. The accept loop ends when the stream is dropped.
pub(crate) fn accept(
    listener: TcpListener,
    tls: ClusterTls,
) -> impl Stream<Item = Result<TlsConn, io::Error>> + Send + 'static {
    let (tx, rx) = mpsc::channel::<Result<TlsConn, io::Error>>(64);
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "cluster port: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = tx.closed() => return,
            };
            let Some(config) = tls.server_config() else {
                tracing::debug!(%peer, "cluster port: refused a connection (no cluster TLS: sealed)");
                continue;
            };
            let tx = tx.clone();
            let guard = tls.guard(());
            tokio::spawn(async move {
                let _ = tcp.set_nodelay(true);
                let handshake = TlsAcceptor::from(config).accept(tcp);
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                    Ok(Ok(stream)) => {
                        let _ = tx
                            .send(Ok(Guarded {
                                io: stream,
                                epoch: guard.epoch,
                                current: guard.current,
                            }))
                            .await;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(%peer, error = %e, "cluster port: refused a TLS connection")
                    }
                    Err(_) => tracing::warn!(%peer, "cluster port: TLS handshake timed out"),
                }
            });
        }
    });
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use rustls::pki_types::UnixTime;

    use super::*;

    #[test]
    fn a_node_certificate_chains_to_its_cluster_ca_only() {
        let ca = ClusterCa::generate().unwrap();
        assert!(ca.cert_pem().contains("BEGIN CERTIFICATE"));
        assert!(ca.key_pem().contains("PRIVATE KEY"));
        assert!(!format!("{ca:?}").contains("PRIVATE"));
        // The stored form round-trips and still issues certificates.
        let again = ClusterCa::from_pem(ca.cert_pem(), ca.key_pem().clone());
        let id = again.issue("node1", NODE_CERT_VALIDITY).unwrap();
        assert!(id.configs().is_ok());

        let other = ClusterCa::generate().unwrap();
        let verify = |ca: &ClusterCa, id: &NodeIdentity, at: UnixTime| {
            let mut roots = RootCertStore::empty();
            roots.add(ca.cert_der().unwrap()).unwrap();
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            v.verify_client_cert(&id.cert, &[], at).is_ok()
        };
        assert!(verify(&ca, &id, UnixTime::now()));
        assert!(!verify(&other, &id, UnixTime::now()));
        assert!(!verify(
            &ca,
            &other.issue("node2", NODE_CERT_VALIDITY).unwrap(),
            UnixTime::now()
        ));

        // Valid from a few minutes before it was issued to the end of its validity.
        let at = |t: SystemTime| UnixTime::since_unix_epoch(t.duration_since(UNIX_EPOCH).unwrap());
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        let short = ca.issue("node3", hour).unwrap();
        assert!(verify(&ca, &short, at(now - Duration::from_secs(60))));
        assert!(verify(
            &ca,
            &short,
            at(now + hour - Duration::from_secs(60))
        ));
        assert!(!verify(
            &ca,
            &short,
            at(now + hour + Duration::from_secs(60))
        ));
        assert!(!verify(&ca, &short, at(now - CLOCK_SKEW_ALLOWANCE * 2)));
        assert!(verify(&ca, &id, at(now + NODE_CERT_VALIDITY - hour)));
        assert!(!verify(&ca, &id, at(now + NODE_CERT_VALIDITY + hour)));
    }
}
