//! Helpers for the local cloud tests: certificates, a cloud with a registered subscription,
//! polling, a TLS client for the instances, and a counting CONNECT proxy.
#![allow(dead_code)]

pub mod gateway;

use crate::common::{KeyKind, Made, Spec, make, root_ca};
use base64::Engine as _;
use cloudsite::cert::pem::encode as pem_encode;
use cloudsite::cloud::local::{
    Faults, LocalCloud, LocalCloudConfig, LocalCloudHandle, LocalProvider,
};
use cloudsite::cloud::{
    Caller, DeploySpec, DeploymentState, HostedKind, InstanceState, Provider, ServiceStatus,
    Subscription,
};
use cloudsite::tls::{install_crypto_provider, provider};
use rcgen::ExtendedKeyUsagePurpose;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
pub const SUB_A: &str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
pub const SUB_B: &str = "9a8b7c6d-1111-2222-3333-444455556666";
pub const FQDN: &str = "clouddp1.contoso.com";
/// Long enough that a status read right after an operation still sees the transition on a busy
/// machine, short enough to keep the tests quick.
pub const DELAY: Duration = Duration::from_millis(250);

pub fn management_cert(cn: &str) -> Made {
    let mut spec = Spec::service(cn);
    spec.key = KeyKind::EcP256;
    spec.ca_signed = false;
    spec.eku = Some(vec![ExtendedKeyUsagePurpose::ClientAuth]);
    make(&spec)
}

pub fn caller(id: &str, cert: &Made) -> Caller {
    Caller {
        subscription: Subscription {
            id: id.to_string(),
            management_cert_pem: pem_encode("CERTIFICATE", &cert.cert),
            management_key_pem: pem_encode("PRIVATE KEY", &cert.key),
        },
        proxy: None,
    }
}

pub struct Service {
    pub made: Made,
    pub chain_pem: String,
    pub key_pem: String,
}

pub fn service_cert() -> Service {
    let made = make(&Spec::service(FQDN));
    let chain_pem = format!(
        "{}{}",
        pem_encode("CERTIFICATE", &made.cert),
        pem_encode("CERTIFICATE", &root_ca().cert)
    );
    let key_pem = pem_encode("PRIVATE KEY", &made.key);
    Service {
        made,
        chain_pem,
        key_pem,
    }
}
/// The content access key test deployments get (base64 of 32 bytes `k`).
pub const ACCESS_KEY_B64: &str = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=";

pub fn spec(name: &str, kind: HostedKind, instances: u8, svc: &Service) -> DeploySpec {
    DeploySpec {
        name: name.to_string(),
        kind,
        region: "WestEurope".to_string(),
        instances,
        service_cert_pem: svc.chain_pem.clone(),
        service_key_pem: svc.key_pem.clone(),
        storage_account: Some(format!("{name}store")),
        tls12_only: true,
        access_key: Some(ACCESS_KEY_B64.to_string()),
        gateway: None,
    }
}

pub async fn start_cloud(dir: &Path, delay: Duration, faults: Faults) -> LocalCloudHandle {
    LocalCloud::start(LocalCloudConfig {
        data_dir: dir.to_path_buf(),
        provisioning_delay: delay,
        faults,
        ..LocalCloudConfig::default()
    })
    .await
    .expect("cloud starts")
}

/// A cloud with subscription A registered, a client, and A's caller.
pub async fn setup(dir: &Path, faults: Faults) -> (LocalCloudHandle, LocalProvider, Caller) {
    let cloud = start_cloud(dir, DELAY, faults).await;
    let mgmt = management_cert("mgmt-a");
    cloudsite::cloud::local::register_subscription(dir, SUB_A, &mgmt.cert, Some("Lab A"))
        .expect("register");
    let provider = cloud.provider().expect("provider");
    (cloud, provider, caller(SUB_A, &mgmt))
}

pub async fn wait_for(
    p: &LocalProvider,
    c: &Caller,
    name: &str,
    state: DeploymentState,
) -> ServiceStatus {
    for _ in 0..500 {
        if let Some(status) = p.status(c, name).await.expect("status")
            && status.state == state
        {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{name} never reached {state:?}");
}

pub async fn wait_gone(p: &LocalProvider, c: &Caller, name: &str) {
    for _ in 0..500 {
        if p.status(c, name).await.expect("status").is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{name} was never deleted");
}

pub fn addresses(status: &ServiceStatus) -> Vec<SocketAddr> {
    status
        .instances
        .iter()
        .map(|i| {
            assert_eq!(i.state, InstanceState::ReadyRole, "{i:?}");
            i.address.expect("a serving instance has an address")
        })
        .collect()
}

/// Connects with TLS as a client that trusts the test root CA and asks for `FQDN`; returns the
/// served certificate and the answer to `GET path`.
pub async fn https_get(addr: SocketAddr, path: &str) -> (Vec<u8>, String) {
    install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root_ca().cert.into()).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from(FQDN).expect("name");
    let mut tls = connector.connect(name, tcp).await.expect("tls handshake");
    let served = tls.get_ref().1.peer_certificates().expect("certs")[0].to_vec();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {FQDN}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    (served, String::from_utf8_lossy(&answer).into_owned())
}

pub async fn refused(addr: SocketAddr) -> bool {
    TcpStream::connect(addr).await.is_err()
}

/// A CONNECT proxy that counts tunnels, records where each went, and wants `credentials` when
/// given.
pub struct TestProxy {
    pub url: String,
    pub connects: Arc<AtomicUsize>,
    pub targets: Arc<std::sync::Mutex<Vec<String>>>,
}

pub async fn start_proxy(credentials: Option<(&str, &str)>) -> TestProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let connects = Arc::new(AtomicUsize::new(0));
    let expected = credentials.map(|(u, p)| {
        format!(
            "basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        )
    });
    let counter = connects.clone();
    let targets = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = targets.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let counter = counter.clone();
            let seen = seen.clone();
            let expected = expected.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                    if client.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let mut lines = head.lines();
                let first = lines.next().unwrap_or_default().to_string();
                let mut parts = first.split_whitespace();
                let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                        .await;
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                seen.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(target.to_string());
                if let Some(expected) = expected {
                    let given = lines
                        .filter_map(|l| l.split_once(':'))
                        .find(|(k, _)| k.trim().eq_ignore_ascii_case("proxy-authorization"))
                        .map(|(_, v)| v.trim().to_ascii_lowercase());
                    if given.as_deref() != Some(expected.to_ascii_lowercase().as_str()) {
                        let _ = client
                            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
                            .await;
                        return;
                    }
                }
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    TestProxy {
        url,
        connects,
        targets,
    }
}

/// A content access token for package `pkg` on service `svc`, signed with the test deployments'
/// access key, valid for `valid_secs` from now (negative: already expired).
pub fn content_token(svc: &str, pkg: &str, valid_secs: i64) -> String {
    let key = base64::engine::general_purpose::STANDARD
        .decode(ACCESS_KEY_B64)
        .expect("test access key");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    cloudsite::content::token::issue(
        &key,
        &cloudsite::content::token::Claims {
            svc: svc.to_string(),
            pkg: pkg.to_string(),
            iat: now,
            exp: now + valid_secs,
        },
    )
}

/// Like [`https_get`], sending `Authorization: Bearer <token>`.
pub async fn https_get_auth(addr: SocketAddr, path: &str, token: &str) -> (Vec<u8>, String) {
    install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root_ca().cert.into()).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from(FQDN).expect("name");
    let mut tls = connector.connect(name, tcp).await.expect("tls handshake");
    let served = tls.get_ref().1.peer_certificates().expect("certs")[0].to_vec();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {FQDN}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    (served, String::from_utf8_lossy(&answer).into_owned())
}

/// An HTTPS client for the instances: trusts only the test root CA and reaches `FQDN` at
/// 127.0.0.1 (the port goes in the URL, see [`content_url`]).
pub fn content_client() -> reqwest::Client {
    install_crypto_provider();
    let root = reqwest::Certificate::from_der(&root_ca().cert).expect("root");
    reqwest::Client::builder()
        .tls_certs_only([root])
        .resolve(FQDN, SocketAddr::from(([127, 0, 0, 1], 0)))
        .no_proxy()
        .build()
        .expect("client")
}

/// `https://FQDN:<port of addr>/content/<blob>`.
pub fn content_url(addr: SocketAddr, blob: &str) -> String {
    format!("https://{FQDN}:{}/content/{blob}", addr.port())
}

/// A client of the management API with `c`'s certificate, for requests the provider never
/// makes (raw pieces, bad names).
pub fn management_client(cloud: &LocalCloudHandle, c: &Caller) -> reqwest::Client {
    let sub = &c.subscription;
    let identity = format!("{}\n{}", sub.management_cert_pem, sub.management_key_pem);
    reqwest::Client::builder()
        .tls_certs_only(
            reqwest::Certificate::from_pem_bundle(cloud.ca_pem().as_bytes()).expect("ca"),
        )
        .identity(reqwest::Identity::from_pem(identity.as_bytes()).expect("identity"))
        .no_proxy()
        .build()
        .expect("client")
}

/// A CONNECT proxy that counts the bytes clients send through it.
pub async fn counting_proxy() -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let Some(target) = head.split_whitespace().nth(1) else {
                    return;
                };
                let Ok(upstream) = TcpStream::connect(target).await else {
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let (mut client_read, mut client_write) = client.into_split();
                let (mut up_read, mut up_write) = upstream.into_split();
                let upward = async {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        match client_read.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                counter.fetch_add(n as u64, Ordering::SeqCst);
                                if up_write.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = up_write.shutdown().await;
                };
                let downward = async {
                    let _ = tokio::io::copy(&mut up_read, &mut client_write).await;
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(upward, downward);
            });
        }
    });
    (url, sent)
}
