//! Helpers for the CMG gateway tests: the connection point CA and client roots with their
//! certificates and CRL, in-test connection points (TCP-TLS and the HTTPS fallback) serving a
//! small router, HTTPS clients with or without a certificate, a tunnel that counts the bytes
//! an instance sends, a CRL published on loopback, and reads of the gateway's status.

use super::{FQDN, Service, spec};
use crate::common::root_ca;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::{get, post};
use cloudsite::cert::pem::encode as pem_encode;
use cloudsite::cloud::local::LocalProvider;
use cloudsite::cloud::{Caller, DeploySpec, GatewaySpec, HostedKind, InstanceGateway, Provider};
use cloudsite::gateway::channel;
use cloudsite::gateway::protocol::UPGRADE_PROTOCOL;
use cloudsite::tls::{install_crypto_provider, provider};
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// A CA that issues test certificates (ECDSA P-256: quick to make).
pub struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pub der: Vec<u8>,
}

/// A certificate with its key: chain leaf first, key PKCS#8 DER.
#[derive(Clone)]
pub struct Identity {
    pub chain: Vec<Vec<u8>>,
    pub key: Vec<u8>,
}

impl Identity {
    pub fn leaf(&self) -> &[u8] {
        &self.chain[0]
    }

    /// PEM of the chain and the key, as reqwest wants an identity.
    pub fn pem(&self) -> String {
        let mut out: String = self
            .chain
            .iter()
            .map(|c| pem_encode("CERTIFICATE", c))
            .collect();
        out.push_str(&pem_encode("PRIVATE KEY", &self.key));
        out
    }
}

impl Ca {
    pub fn new(cn: &str) -> Ca {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = OffsetDateTime::now_utc() - Duration::days(1);
        params.not_after = OffsetDateTime::now_utc() + Duration::days(365);
        let der = params.self_signed(&key).expect("ca").der().to_vec();
        Ca { params, key, der }
    }

    pub fn pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.der)
    }

    /// A client authentication certificate for `cn` with `serial`, naming `crl` as its CRL
    /// distribution point when given.
    pub fn issue(&self, cn: &str, serial: u64, crl: Option<&str>) -> Identity {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(vec![cn.to_string()]).expect("params");
        p.distinguished_name.push(DnType::CommonName, cn);
        p.serial_number = Some(SerialNumber::from(serial));
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
        p.not_after = OffsetDateTime::now_utc() + Duration::days(30);
        if let Some(url) = crl {
            p.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec![url.to_string()],
            }];
        }
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = p.signed_by(&key, &issuer).expect("issue");
        Identity {
            chain: vec![cert.der().to_vec(), self.der.clone()],
            key: key.serialize_der(),
        }
    }

    /// This CA's CRL listing `revoked` serials.
    pub fn crl(&self, revoked: &[u64]) -> Vec<u8> {
        let now = OffsetDateTime::now_utc();
        CertificateRevocationListParams {
            this_update: now - Duration::minutes(5),
            next_update: now + Duration::days(7),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from(*s),
                    revocation_time: now - Duration::minutes(5),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(&Issuer::from_params(&self.params, &self.key))
        .expect("crl")
        .der()
        .to_vec()
    }
}

/// A CMG spec with a gateway: the site's connection point CA, the client roots (none: no
/// client certificate asked), CRL checking.
pub fn cmg_spec(
    name: &str,
    instances: u8,
    svc: &Service,
    cp_ca: &Ca,
    client_roots: &[&Ca],
    check_crl: bool,
) -> DeploySpec {
    let mut s = spec(name, HostedKind::Cmg, instances, svc);
    s.gateway = Some(GatewaySpec {
        connection_point_ca_pem: cp_ca.pem(),
        client_roots_der: client_roots.iter().map(|c| c.der.clone()).collect(),
        check_crl,
    });
    s
}

/// TLS to an instance as `FQDN`, trusting the test root, presenting `id` when given.
pub fn tls_client(id: Option<&Identity>, alpn: &[&[u8]]) -> rustls::ClientConfig {
    tls_client_versions(id, alpn, rustls::DEFAULT_VERSIONS)
}

/// As [`tls_client`], speaking only `versions`.
pub fn tls_client_versions(
    id: Option<&Identity>,
    alpn: &[&[u8]],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> rustls::ClientConfig {
    install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root_ca().cert.into()).expect("root");
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots);
    let mut config = match id {
        Some(id) => builder
            .with_client_auth_cert(
                id.chain
                    .iter()
                    .map(|c| CertificateDer::from(c.clone()))
                    .collect(),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key.clone())),
            )
            .expect("client cert"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config
}

async fn tls_connect(
    addr: SocketAddr,
    config: rustls::ClientConfig,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let _ = tcp.set_nodelay(true);
    let name = ServerName::try_from(FQDN).expect("name");
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

/// A connection point's channel task: ends with the channel (Err says why).
pub type CpTask = JoinHandle<Result<(), String>>;

fn serve_channel<IO>(io: IO, router: Router) -> CpTask
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    tokio::spawn(async move {
        channel::serve(io, router)
            .await
            .map_err(|e| error_chain(&e))
    })
}

/// The text of an error and its sources.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

/// A connection point attaching over TCP-TLS to `addr` as `id`, serving `router`.
pub async fn cp_tcp(addr: SocketAddr, id: Option<&Identity>, router: Router) -> CpTask {
    let tls = tls_connect(addr, tls_client(id, &[]))
        .await
        .expect("TCP-TLS handshake");
    serve_channel(tls, router)
}

/// A connection point attaching over the HTTPS fallback to `addr` as `id` with `GET path`,
/// serving `router`; the error is the refusal (the upgrade's status and text, or the
/// transport's error).
pub async fn cp_fallback(
    addr: SocketAddr,
    id: &Identity,
    router: Router,
    path: &str,
) -> Result<CpTask, String> {
    cp_fallback_with(addr, tls_client(Some(id), &[b"http/1.1"]), router, path).await
}

/// As [`cp_fallback`], over TLS 1.2 only. Over TLS 1.3 a refused client certificate is only
/// learnt after the client's handshake ends (the alert races the first request and may come
/// back as a reset), so a test of the refusal's words uses 1.2, where it ends the handshake.
pub async fn cp_fallback_tls12(
    addr: SocketAddr,
    id: &Identity,
    router: Router,
    path: &str,
) -> Result<CpTask, String> {
    let config = tls_client_versions(Some(id), &[b"http/1.1"], &[&rustls::version::TLS12]);
    cp_fallback_with(addr, config, router, path).await
}

async fn cp_fallback_with(
    addr: SocketAddr,
    config: rustls::ClientConfig,
    router: Router,
    path: &str,
) -> Result<CpTask, String> {
    let tls = tls_connect(addr, config)
        .await
        .map_err(|e| error_chain(&e))?;
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|e| error_chain(&e))?;
    tokio::spawn(async move {
        let _ = conn.with_upgrades().await;
    });
    let req = Request::get(path)
        .header(header::HOST, FQDN)
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, UPGRADE_PROTOCOL)
        .body(Body::empty())
        .expect("request");
    let resp = send.send_request(req).await.map_err(|e| error_chain(&e))?;
    if resp.status() != StatusCode::SWITCHING_PROTOCOLS {
        let status = resp.status();
        let body = axum::body::to_bytes(Body::new(resp.into_body()), 1 << 16)
            .await
            .unwrap_or_default();
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    let upgraded = hyper::upgrade::on(resp)
        .await
        .map_err(|e| error_chain(&e))?;
    Ok(serve_channel(TokioIo::new(upgraded), router))
}

/// An HTTPS client for the instances, resolving `FQDN` to 127.0.0.1, presenting `id` when
/// given.
pub fn https_client(id: Option<&Identity>) -> reqwest::Client {
    install_crypto_provider();
    let root = reqwest::Certificate::from_der(&root_ca().cert).expect("root");
    let mut b = reqwest::Client::builder()
        .tls_certs_only([root])
        .resolve(FQDN, SocketAddr::from(([127, 0, 0, 1], 0)))
        .no_proxy();
    if let Some(id) = id {
        b = b.identity(reqwest::Identity::from_pem(id.pem().as_bytes()).expect("identity"));
    }
    b.build().expect("client")
}

/// `https://FQDN:<port>/<path>`.
pub fn url(addr: SocketAddr, path: &str) -> String {
    format!("https://{FQDN}:{}{path}", addr.port())
}

/// A TCP tunnel to `target` counting every byte `target` sends. It keeps reading (and
/// counting) what `target` sends until `target` closes, even after the client left.
pub async fn counting_tunnel(target: SocketAddr) -> (SocketAddr, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    (addr, count_through(listener, target))
}

/// Tunnels every connection to `listener` on to `target`, as [`counting_tunnel`] does;
/// answers the count.
pub fn count_through(listener: TcpListener, target: SocketAddr) -> Arc<AtomicU64> {
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(upstream) = TcpStream::connect(target).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut up_read, mut up_write) = upstream.into_split();
                let upward = async {
                    let _ = tokio::io::copy(&mut client_read, &mut up_write).await;
                    let _ = up_write.shutdown().await;
                };
                let downward = async {
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut client_gone = false;
                    loop {
                        match up_read.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                counter.fetch_add(n as u64, Ordering::SeqCst);
                                if !client_gone && client_write.write_all(&buf[..n]).await.is_err()
                                {
                                    client_gone = true;
                                }
                            }
                        }
                    }
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(upward, downward);
            });
        }
    });
    count
}

/// Publishes `crl` at `http://127.0.0.1:<port>/root.crl` on `listener`.
pub fn publish_crl(listener: TcpListener, crl: Vec<u8>) {
    let router = Router::new().route(
        "/root.crl",
        axum::routing::get(move || {
            let crl = crl.clone();
            async move { ([(header::CONTENT_TYPE, "application/pkix-crl")], crl) }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
}

/// Runs `check` until it holds, for up to 10 s.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("never: {what}");
}

/// Bytes `/v1/mp/big` answers.
pub const BIG: usize = 200_000;

/// A connection point's router: `who` answers its name and the headers it received, `echo`
/// returns the body, `big` sends [`BIG`] bytes, `notifications` holds its answer open after a
/// first line, `hang` tells `hung` and never answers.
pub fn cp_router(name: &'static str, hung: Arc<Notify>) -> Router {
    Router::new()
        .route(
            "/v1/mp/who",
            get(move |headers: HeaderMap| async move {
                let seen: BTreeMap<String, String> = headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_string()))
                    .collect();
                axum::Json(serde_json::json!({ "cp": name, "headers": seen }))
            }),
        )
        .route("/v1/mp/echo", post(|body: Bytes| async move { body }))
        .route("/v1/mp/big", get(|| async { vec![7u8; BIG] }))
        .route(
            "/v1/mp/notifications",
            get(|| async {
                let first = futures_util::stream::once(async {
                    Ok::<_, std::io::Error>(Bytes::from_static(b"event: hello\n\n"))
                });
                Body::from_stream(futures_util::StreamExt::chain(
                    first,
                    futures_util::stream::pending(),
                ))
            }),
        )
        .route(
            "/v1/mp/hang",
            get(move || async move {
                hung.notify_one();
                std::future::pending::<String>().await
            }),
        )
}

pub fn router(name: &'static str) -> Router {
    cp_router(name, Arc::new(Notify::new()))
}

/// Who answered `GET /v1/mp/who` through the instance at `addr`, and the headers it saw.
pub async fn who(client: &reqwest::Client, addr: SocketAddr) -> (String, BTreeMap<String, String>) {
    let resp = client
        .get(url(addr, "/v1/mp/who"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    let v: serde_json::Value = resp.json().await.expect("json");
    let headers = serde_json::from_value(v["headers"].clone()).expect("headers");
    (v["cp"].as_str().expect("cp").to_string(), headers)
}

/// Status and text of `GET path`.
pub async fn get_text(client: &reqwest::Client, addr: SocketAddr, path: &str) -> (u16, String) {
    let resp = client.get(url(addr, path)).send().await.expect("request");
    (resp.status().as_u16(), resp.text().await.expect("text"))
}

pub async fn gateway_of(p: &LocalProvider, c: &Caller, name: &str) -> Vec<InstanceGateway> {
    p.gateway(c, name)
        .await
        .expect("gateway")
        .expect("exists")
        .instances
}

pub async fn connection_points(p: &LocalProvider, c: &Caller, name: &str, n: usize) -> Vec<String> {
    let mut cps = gateway_of(p, c, name).await[n].connection_points.clone();
    cps.sort();
    cps
}

/// The channel task's end, within 5 s.
pub async fn ended(task: CpTask) -> Result<(), String> {
    tokio::time::timeout(std::time::Duration::from_secs(5), task)
        .await
        .expect("the channel ends")
        .expect("task")
}

/// Sends a ClientHello of TLS 1.`minor - 1` (0x03 `minor`) and returns the alert the server
/// answers with (70 is protocol_version). It carries `signature_algorithms`, so the version is
/// what is judged.
pub async fn legacy_hello_alert(addr: SocketAddr, minor: u8) -> u8 {
    let mut hello = vec![0x03, minor];
    hello.extend([0x11; 32]);
    // No session id; one suite (TLS_RSA_WITH_AES_128_CBC_SHA); null compression.
    hello.extend([0x00, 0x00, 0x02, 0x00, 0x2f, 0x01, 0x00]);
    // Extensions: signature_algorithms = [rsa_pkcs1_sha256].
    hello.extend([0x00, 0x08, 0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x01]);
    let mut handshake = vec![0x01, 0x00, 0x00, hello.len() as u8];
    handshake.extend(hello);
    let mut record = vec![0x16, 0x03, 0x01, 0x00, handshake.len() as u8];
    record.extend(handshake);
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(&record).await.expect("hello");
    let mut answer = [0u8; 7];
    tcp.read_exact(&mut answer).await.expect("an alert");
    assert_eq!(answer[0], 0x15, "an alert record: {answer:?}");
    answer[6]
}
