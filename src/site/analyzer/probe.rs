//! The analyzer's own client of a CMG instance: a TLS handshake that records the certificate
//! the instance presents (judged afterwards, so a wrong one is reported, not just refused), an
//! HTTP request over it, and a TLS 1.0 ClientHello to see whether older versions are refused.

use crate::tls::AnyServerCert;
use axum::body::Body;
use axum::http::{Request, header};
use hyper_util::rt::TokioIo;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, SupportedProtocolVersion};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// How long one step against an instance (connect, handshake, answer) may take.
pub(super) const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest answer body read (a policy is a few hundred bytes).
const MAX_BODY: usize = 1024 * 1024;

/// A client certificate and its key, as a client presents it.
pub(crate) struct ClientKey {
    /// Chain, leaf first, DER.
    pub(crate) chain: Vec<Vec<u8>>,
    /// PKCS#8 key.
    pub(crate) key: PrivateKeyDer<'static>,
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("ClientKey")
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// An open TLS connection to an instance, with what it showed.
pub(super) struct Connected {
    /// The stream.
    pub(super) tls: TlsStream<TcpStream>,
    /// The leaf certificate the instance presented (DER).
    pub(super) presented: Vec<u8>,
    /// The TLS version negotiated ("TLSv1_2", "TLSv1_3").
    pub(super) version: String,
}

/// Runs `step`, failing with "`what` took longer than …" past [`STEP_TIMEOUT`].
pub(super) async fn timed<T>(
    what: &str,
    step: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(STEP_TIMEOUT, step)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "{what} took longer than {} s",
                STEP_TIMEOUT.as_secs()
            ))
        })
}

/// Opens a TCP connection to `addr` (to see that something listens).
pub(super) async fn reach(addr: SocketAddr) -> Result<(), String> {
    timed("connecting", async {
        TcpStream::connect(addr)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    })
    .await
}

/// A TLS handshake with the instance at `addr` as a client of `fqdn` (SNI), offering only
/// `versions` (all safe ones when empty) and presenting `client` when the instance asks.
pub(super) async fn connect(
    addr: SocketAddr,
    fqdn: &str,
    versions: &[&'static SupportedProtocolVersion],
    client: Option<&ClientKey>,
) -> Result<Connected, String> {
    // Any certificate is accepted (its handshake signature still has to verify) and kept: the
    // analyzer judges it afterwards and says what is wrong, where a pin would only refuse.
    let recorder = Arc::new(AnyServerCert::new());
    let builder = ClientConfig::builder_with_provider(crate::tls::provider());
    let builder = if versions.is_empty() {
        builder.with_safe_default_protocol_versions()
    } else {
        builder.with_protocol_versions(versions)
    }
    .map_err(|e| format!("TLS set-up: {e}"))?
    .dangerous()
    .with_custom_certificate_verifier(Arc::clone(&recorder) as Arc<dyn ServerCertVerifier>);
    let mut config = match client {
        None => builder.with_no_client_auth(),
        Some(c) => builder
            .with_client_auth_cert(
                c.chain.iter().cloned().map(CertificateDer::from).collect(),
                c.key.clone_key(),
            )
            .map_err(|e| format!("the client certificate cannot be used for TLS: {e}"))?,
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = ServerName::try_from(fqdn.to_string())
        .map_err(|e| format!("{fqdn} is not a server name: {e}"))?;
    let tcp = timed("connecting", async {
        TcpStream::connect(addr).await.map_err(|e| e.to_string())
    })
    .await?;
    let tls = timed("the TLS handshake", async {
        TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS: {e}"))
    })
    .await?;
    let presented = recorder
        .take_presented()
        .ok_or("the instance presented no certificate")?;
    let version = tls
        .get_ref()
        .1
        .protocol_version()
        .map(|v| format!("{v:?}").replace("TLSv1_", "TLS 1."))
        .unwrap_or_default();
    Ok(Connected {
        tls,
        presented,
        version,
    })
}

/// `GET path` over an open connection; answers the status and the body as text.
pub(super) async fn get(
    tls: TlsStream<TcpStream>,
    fqdn: &str,
    path: &str,
) -> Result<(u16, String), String> {
    timed("the request", async {
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| format!("HTTP: {e}"))?;
        // The connection must be driven while the request runs; it ends with it.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let req = Request::get(path)
            .header(header::HOST, fqdn)
            .body(Body::empty())
            .map_err(|e| format!("the request: {e}"))?;
        let resp = send
            .send_request(req)
            .await
            .map_err(|e| format!("HTTP: {e}"))?;
        let status = resp.status().as_u16();
        let body = axum::body::to_bytes(Body::new(resp.into_body()), MAX_BODY)
            .await
            .map_err(|e| format!("reading the answer: {e}"))?;
        Ok((status, String::from_utf8_lossy(&body).trim().to_string()))
    })
    .await
}

/// How an instance answered a TLS 1.0 ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum OldTls {
    /// Refused with this alert description (70: protocol_version).
    Refused(u8),
    /// It closed the connection without a word (also a refusal).
    Closed,
    /// It went on with the handshake: TLS 1.0 is accepted.
    Accepted,
}

/// Sends a TLS 1.0 ClientHello to `addr` and reads how the instance answers. rustls cannot
/// speak TLS 1.0, so the hello is written by hand: one suite (TLS_RSA_WITH_AES_128_CBC_SHA) and
/// `signature_algorithms`, so that the version is what is judged.
pub(super) async fn old_tls(addr: SocketAddr) -> Result<OldTls, String> {
    let mut hello = vec![0x03, 0x01];
    hello.extend([0x11; 32]);
    // No session id; one suite; null compression.
    hello.extend([0x00, 0x00, 0x02, 0x00, 0x2f, 0x01, 0x00]);
    // Extensions: signature_algorithms = [rsa_pkcs1_sha256].
    hello.extend([0x00, 0x08, 0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x01]);
    let mut handshake = vec![0x01, 0x00, 0x00, hello.len() as u8];
    handshake.extend(hello);
    let mut record = vec![0x16, 0x03, 0x01, 0x00, handshake.len() as u8];
    record.extend(handshake);
    timed("the TLS 1.0 hello", async {
        let mut tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        tcp.write_all(&record).await.map_err(|e| e.to_string())?;
        let mut answer = [0u8; 7];
        match tcp.read_exact(&mut answer).await {
            Err(_) => Ok(OldTls::Closed),
            Ok(_) if answer[0] == 0x15 => Ok(OldTls::Refused(answer[6])),
            Ok(_) => Ok(OldTls::Accepted),
        }
    })
    .await
}
