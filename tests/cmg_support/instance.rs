//! A minimal CMG instance end: a TCP-TLS channel listener and an HTTPS fallback listener, both
//! presenting a service certificate and requiring a client certificate from the site's
//! connection point CA; the channel opened with `gateway::channel::open`; requests sent over it
//! as the CMG forwards clients' requests.

use axum::body::Body;
use axum::http::{self, Request, Response, StatusCode, header};
use base64::Engine;
use cloudsite::gateway::channel;
use cloudsite::gateway::pool::ChannelPool;
use cloudsite::gateway::protocol::{
    CLIENT_ADDRESS_HEADER, CLIENT_CERT_HEADER, CMG_HEADER, FALLBACK_PATH, INSTANCE_HEADER,
    UPGRADE_PROTOCOL,
};
use hyper_util::rt::TokioIo;
use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A certificate and key as PEM (the service certificate an instance presents).
#[derive(Clone)]
pub struct Pem {
    /// Chain, leaf first.
    pub chain: String,
    /// PKCS#8 key.
    pub key: String,
}

impl Pem {
    /// The certificate and key of a `.pfx`.
    pub fn from_pfx(path: &Path, password: &str) -> Pem {
        let bytes = std::fs::read(path).expect("the .pfx");
        let opts = cloudsite::cert::Options::new().password(password);
        let (_, identity) = cloudsite::cert::inspect_identity(&bytes, &opts);
        let identity = identity.expect("the .pfx holds a key");
        Pem {
            chain: identity.cert_pem(),
            key: identity.key_pem(),
        }
    }

    /// The leaf certificate's DER.
    pub fn leaf_der(&self) -> Vec<u8> {
        cloudsite::tls::certs_from_pem(&self.chain).expect("pem")[0]
            .as_ref()
            .to_vec()
    }
}

/// The CN of a certificate.
fn subject_cn(der: &[u8]) -> String {
    let (_, cert) = x509_parser::parse_x509_certificate(der).expect("a certificate");
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn server_config(service: &Pem, ca_pem: &str, alpn: &[&[u8]]) -> Arc<rustls::ServerConfig> {
    let mut roots = RootCertStore::empty();
    for c in cloudsite::tls::certs_from_pem(ca_pem).expect("the CA") {
        roots.add(c).expect("a root");
    }
    let verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), cloudsite::tls::provider())
            .build()
            .expect("verifier");
    let mut config = rustls::ServerConfig::builder_with_provider(cloudsite::tls::provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            cloudsite::tls::certs_from_pem(&service.chain).expect("chain"),
            cloudsite::tls::key_from_pem(&service.key).expect("key"),
        )
        .expect("server config");
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// One CMG instance's end of the channels.
pub struct TestInstance {
    /// Instance id (`CMG_IN_0`).
    pub id: String,
    /// The CMG's service FQDN.
    pub cmg: String,
    /// The TCP-TLS address it advertises (it may not listen there: see [`TestInstance::start`]).
    pub channel: SocketAddr,
    /// The HTTPS fallback address.
    pub fallback: SocketAddr,
    pool: Arc<ChannelPool>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// Client requests sent through it.
    pub requests: AtomicU64,
    /// Notification channels held through it now.
    pub held: Arc<AtomicU64>,
    /// The connection points that ever opened a channel, in order (with the transport).
    pub opened: Arc<Mutex<Vec<(String, &'static str)>>>,
}

impl TestInstance {
    /// Starts an instance presenting `service`, accepting connection points of `ca_pem`. It
    /// listens for TCP-TLS on `channel` (a free port when none) unless `tcp_tls` is false (the
    /// address is then one nobody listens on), and for the HTTPS fallback on `fallback`.
    pub async fn start(
        id: &str,
        cmg: &str,
        service: &Pem,
        ca_pem: &str,
        channel: Option<SocketAddr>,
        fallback: Option<SocketAddr>,
        tcp_tls: bool,
    ) -> Arc<TestInstance> {
        let any: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let channel_listener = TcpListener::bind(channel.unwrap_or(any))
            .await
            .expect("bind the channel port");
        let channel_addr = channel_listener.local_addr().expect("addr");
        let fallback_listener = TcpListener::bind(fallback.unwrap_or(any))
            .await
            .expect("bind the fallback port");
        let fallback_addr = fallback_listener.local_addr().expect("addr");
        let inst = Arc::new(TestInstance {
            id: id.to_string(),
            cmg: cmg.to_string(),
            channel: channel_addr,
            fallback: fallback_addr,
            pool: Arc::new(ChannelPool::new()),
            tasks: Arc::new(Mutex::new(Vec::new())),
            requests: AtomicU64::new(0),
            held: Arc::new(AtomicU64::new(0)),
            opened: Arc::new(Mutex::new(Vec::new())),
        });
        if tcp_tls {
            let acceptor = TlsAcceptor::from(server_config(service, ca_pem, &[]));
            let task = tokio::spawn(accept_tcp_tls(
                Arc::clone(&inst),
                channel_listener,
                acceptor,
            ));
            lock(&inst.tasks).push(task);
        } else {
            // Nobody listens there: TCP-TLS is refused, as behind a firewall that drops it.
            drop(channel_listener);
        }
        let acceptor = TlsAcceptor::from(server_config(service, ca_pem, &[b"http/1.1"]));
        let task = tokio::spawn(accept_fallback(
            Arc::clone(&inst),
            fallback_listener,
            acceptor,
        ));
        lock(&inst.tasks).push(task);
        inst
    }

    /// Stops the instance at once: listeners and every channel close (the VM went away).
    pub fn kill(&self) {
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
    }

    /// The connection points with a live channel to it.
    pub fn peers(&self) -> Vec<String> {
        self.pool.peers()
    }

    /// Sends a client's request over a channel, as the CMG forwards one: the gateway headers
    /// name the instance, the CMG, the client's address and (when given) its certificate.
    pub async fn send(
        &self,
        method: http::Method,
        path: &str,
        json: Option<&serde_json::Value>,
        client_cert: Option<&[u8]>,
    ) -> Result<Response<cloudsite::gateway::channel::ChannelBody>, String> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let body = json.map(|j| serde_json::to_vec(j).expect("json"));
        let cert = client_cert.map(|c| base64::engine::general_purpose::STANDARD.encode(c));
        let req = {
            let mut req = Request::builder()
                .method(method.clone())
                .uri(format!("https://{}{path}", self.cmg))
                .header(INSTANCE_HEADER, &self.id)
                .header(CMG_HEADER, &self.cmg)
                .header(CLIENT_ADDRESS_HEADER, "203.0.113.7");
            if let Some(c) = &cert {
                req = req.header(CLIENT_CERT_HEADER, c);
            }
            match &body {
                Some(b) => req
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(b.clone())),
                None => req.body(Body::empty()),
            }
            .expect("request")
        };
        self.pool
            .forward(req)
            .await
            .map(|(_, resp)| resp)
            .map_err(|e| e.to_string())
    }

    /// Like [`TestInstance::send`], reading the whole answer as text.
    pub async fn request(
        &self,
        method: http::Method,
        path: &str,
        json: Option<&serde_json::Value>,
        client_cert: Option<&[u8]>,
    ) -> (u16, String) {
        let resp = self
            .send(method, path, json, client_cert)
            .await
            .expect("the request went through a channel");
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(Body::new(resp.into_body()), 16 << 20)
            .await
            .expect("the answer");
        (status, String::from_utf8_lossy(&bytes).to_string())
    }
}

/// Carries a connection through a task the instance owns, so killing the instance really
/// closes it: the HTTP/2 connection task hyper spawns for a channel outlives anything else.
fn pump<S>(inst: &Arc<TestInstance>, mut outer: S) -> tokio::io::DuplexStream
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (near, mut far) = tokio::io::duplex(256 * 1024);
    let task = tokio::spawn(async move {
        let _ = tokio::io::copy_bidirectional(&mut outer, &mut far).await;
    });
    lock(&inst.tasks).push(task);
    near
}

/// Registers a channel a connection point opened and drives it until it closes.
fn hold(
    inst: &Arc<TestInstance>,
    peer: String,
    transport: &'static str,
    sender: channel::Sender,
    drive: impl std::future::Future<Output = ()> + Send + 'static,
) {
    lock(&inst.opened).push((peer.clone(), transport));
    let pool = Arc::clone(&inst.pool);
    let task = tokio::spawn(async move {
        let _registered = pool.add(&peer, sender);
        drive.await;
    });
    lock(&inst.tasks).push(task);
}

async fn accept_tcp_tls(inst: Arc<TestInstance>, listener: TcpListener, acceptor: TlsAcceptor) {
    while let Ok((tcp, _)) = listener.accept().await {
        let (inst2, acceptor) = (Arc::clone(&inst), acceptor.clone());
        let task = tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let Some(peer) = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| subject_cn(c.as_ref()))
            else {
                return;
            };
            let near = pump(&inst2, tls);
            if let Ok((sender, drive)) = channel::open(near).await {
                hold(&inst2, peer, "tcp_tls", sender, drive);
            }
        });
        lock(&inst.tasks).push(task);
    }
}

async fn accept_fallback(inst: Arc<TestInstance>, listener: TcpListener, acceptor: TlsAcceptor) {
    while let Ok((tcp, _)) = listener.accept().await {
        let (inst2, acceptor) = (Arc::clone(&inst), acceptor.clone());
        let task = tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let Some(peer) = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| subject_cn(c.as_ref()))
            else {
                return;
            };
            let service =
                hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                    let (inst, peer) = (Arc::clone(&inst2), peer.clone());
                    async move {
                        let wants = req.uri().path() == FALLBACK_PATH
                            && req
                                .headers()
                                .get(header::UPGRADE)
                                .and_then(|v| v.to_str().ok())
                                == Some(UPGRADE_PROTOCOL);
                        if !wants {
                            return Ok::<_, std::convert::Infallible>(
                                Response::builder()
                                    .status(StatusCode::NOT_FOUND)
                                    .body(Body::empty())
                                    .expect("response"),
                            );
                        }
                        let upgrade = hyper::upgrade::on(&mut req);
                        let inst3 = Arc::clone(&inst);
                        let task = tokio::spawn(async move {
                            let Ok(upgraded) = upgrade.await else { return };
                            let near = pump(&inst3, TokioIo::new(upgraded));
                            if let Ok((sender, drive)) = channel::open(near).await {
                                hold(&inst3, peer, "https", sender, drive);
                            }
                        });
                        lock(&inst.tasks).push(task);
                        Ok(Response::builder()
                            .status(StatusCode::SWITCHING_PROTOCOLS)
                            .header(header::CONNECTION, "Upgrade")
                            .header(header::UPGRADE, UPGRADE_PROTOCOL)
                            .body(Body::empty())
                            .expect("response"))
                    }
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .with_upgrades()
                .await;
        });
        lock(&inst.tasks).push(task);
    }
}
