//! Dialling out to one CMG instance, as ConfigMgr's connection point does: TCP-TLS to the
//! instance's channel port first, straight (TCP-TLS "doesn't support internet proxy"); when
//! that cannot connect, the HTTPS fallback, through the site system's proxy when one is set
//! (HTTP CONNECT, basic credentials), upgraded to the channel with one HTTP/1.1 request.
//!
//! A failure says whether retrying can fix it: an instance that cannot be reached leaves the
//! channel Disconnected; a certificate, proxy or protocol refusal is an Error.

use super::pin::Pinned;
use crate::api::wire::ChannelProxy;
use crate::domain::cmg::{ChannelState, Transport};
use crate::gateway::protocol::{FALLBACK_PATH, UPGRADE_PROTOCOL};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A byte stream the channel runs on.
pub(super) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// An authenticated connection to an instance, ready to carry the channel.
pub(super) struct Dialled {
    /// The stream.
    pub io: Box<dyn Io>,
    /// How it was built.
    pub transport: Transport,
    /// Through the site system's proxy (HTTPS only).
    pub via_proxy: bool,
    /// The address dialled (the instance's, not the proxy's).
    pub server: String,
    /// ConfigMgr-style log lines of the attempts that failed first (TCP-TLS before a
    /// fallback that worked).
    pub lines: Vec<String>,
}

/// Why no connection could be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Failure {
    /// Disconnected (cannot be reached: it heals) or Error (refused: an operator must act).
    pub state: ChannelState,
    /// The transport tried last.
    pub transport: Option<Transport>,
    /// The last attempt went through the proxy.
    pub via_proxy: bool,
    /// What happened, for the site's view.
    pub reason: String,
    /// ConfigMgr-style log lines, one per attempt.
    pub lines: Vec<String>,
}

/// Where and how to reach one instance.
pub(super) struct Target {
    /// The CMG's service FQDN (the TLS server name).
    pub fqdn: String,
    /// The instance's TCP-TLS channel address.
    pub channel: Option<String>,
    /// The instance's HTTPS fallback address.
    pub fallback: Option<String>,
    /// The site system's proxy (HTTPS fallback only).
    pub proxy: Option<ChannelProxy>,
    /// TLS for TCP-TLS (no ALPN).
    pub direct_tls: Arc<ClientConfig>,
    /// TLS for the fallback (ALPN http/1.1).
    pub fallback_tls: Arc<ClientConfig>,
    /// The pinned service certificate.
    pub pin: Arc<Pinned>,
    /// How long each step (connect, handshake, answer) may take.
    pub timeout: Duration,
}

/// One step's failure: its class and its text.
struct StepFailure {
    state: ChannelState,
    text: String,
}

fn unreachable(text: impl Into<String>) -> StepFailure {
    StepFailure {
        state: ChannelState::Disconnected,
        text: text.into(),
    }
}

fn refused(text: impl Into<String>) -> StepFailure {
    StepFailure {
        state: ChannelState::Error,
        text: text.into(),
    }
}

async fn timed<T>(
    limit: Duration,
    what: &str,
    fut: impl Future<Output = Result<T, StepFailure>>,
) -> Result<T, StepFailure> {
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or_else(|_| Err(unreachable(format!("{what} timed out after {limit:?}"))))
}

/// Builds a connection to the instance: TCP-TLS, else the HTTPS fallback.
pub(super) async fn dial(t: &Target, conn: u64) -> Result<Dialled, Failure> {
    let mut lines = Vec::new();
    let mut reasons = Vec::new();
    if let Some(addr) = &t.channel {
        match direct(t, addr).await {
            Ok(io) => {
                return Ok(Dialled {
                    io,
                    transport: Transport::TcpTls,
                    via_proxy: false,
                    server: addr.clone(),
                    lines,
                });
            }
            Err(f) => {
                lines.push(format!(
                    "ERROR: Failed to build Tcp connection {conn} with server {} ({addr}). Exception: {}",
                    t.fqdn, f.text
                ));
                reasons.push(format!("TCP-TLS to {addr}: {}", f.text));
                // A refusal would recur over HTTPS (the same certificates): only an instance
                // that cannot be reached over TCP-TLS is worth the fallback.
                if f.state == ChannelState::Error || t.fallback.is_none() {
                    return Err(Failure {
                        state: f.state,
                        transport: Some(Transport::TcpTls),
                        via_proxy: false,
                        reason: reasons.join("; "),
                        lines,
                    });
                }
            }
        }
    }
    let Some(addr) = &t.fallback else {
        return Err(Failure {
            state: ChannelState::Disconnected,
            transport: None,
            via_proxy: false,
            reason: "the instance has no channel address (it is not serving)".into(),
            lines,
        });
    };
    let via = t.proxy.as_ref().map(|p| p.url.clone());
    match fallback(t, addr).await {
        Ok(io) => Ok(Dialled {
            io,
            transport: Transport::Https,
            via_proxy: via.is_some(),
            server: addr.clone(),
            lines,
        }),
        Err(f) => {
            let through = via
                .as_deref()
                .map(|p| format!(" through proxy {p}"))
                .unwrap_or_default();
            lines.push(format!(
                "ERROR: Failed to build Http connection {conn} with server {} ({addr}){through}. Exception: {}",
                t.fqdn, f.text
            ));
            reasons.push(format!("HTTPS to {addr}{through}: {}", f.text));
            Err(Failure {
                state: f.state,
                transport: Some(Transport::Https),
                via_proxy: via.is_some(),
                reason: reasons.join("; "),
                lines,
            })
        }
    }
}

/// TCP-TLS: straight to the instance, never through a proxy.
async fn direct(t: &Target, addr: &str) -> Result<Box<dyn Io>, StepFailure> {
    let tcp = timed(t.timeout, "connecting", async {
        TcpStream::connect(addr)
            .await
            .map_err(|e| unreachable(e.to_string()))
    })
    .await?;
    let _ = tcp.set_nodelay(true);
    let tls = handshake(t, &t.direct_tls, tcp).await?;
    Ok(Box::new(tls))
}

/// The TLS handshake: the instance must present the pinned certificate.
async fn handshake<S>(
    t: &Target,
    config: &Arc<ClientConfig>,
    stream: S,
) -> Result<tokio_rustls::client::TlsStream<S>, StepFailure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let name = ServerName::try_from(t.fqdn.clone())
        .map_err(|e| refused(format!("the CMG name {} is not a server name: {e}", t.fqdn)))?;
    let connector = TlsConnector::from(Arc::clone(config));
    t.pin.take_refused();
    timed(t.timeout, "the TLS handshake", async {
        connector.connect(name, stream).await.map_err(|e| {
            if let Some(presented) = t.pin.take_refused() {
                return refused(format!(
                    "the instance presented the certificate {presented}, not the CMG's service certificate {}: refusing to serve it",
                    t.pin.thumbprint()
                ));
            }
            // rustls reports a refusal (an alert, a certificate it rejects) as InvalidData;
            // anything else is the connection going away.
            if e.kind() == std::io::ErrorKind::InvalidData {
                refused(format!("TLS: {e}"))
            } else {
                unreachable(format!("TLS: {e}"))
            }
        })
    })
    .await
}

/// The HTTPS fallback: TCP (through the proxy when set), TLS, then the upgrade to the channel.
async fn fallback(t: &Target, addr: &str) -> Result<Box<dyn Io>, StepFailure> {
    let tcp = match &t.proxy {
        None => {
            timed(t.timeout, "connecting", async {
                TcpStream::connect(addr)
                    .await
                    .map_err(|e| unreachable(e.to_string()))
            })
            .await?
        }
        Some(p) => timed(t.timeout, "the proxy", tunnel(p, addr)).await?,
    };
    let _ = tcp.set_nodelay(true);
    let tls = handshake(t, &t.fallback_tls, tcp).await?;
    timed(t.timeout, "the channel upgrade", upgrade(t, tls)).await
}

/// Opens a CONNECT tunnel to `addr` through the proxy.
async fn tunnel(proxy: &ChannelProxy, addr: &str) -> Result<TcpStream, StepFailure> {
    let host = proxy
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut tcp = TcpStream::connect(&host)
        .await
        .map_err(|e| unreachable(format!("the proxy {} cannot be reached: {e}", proxy.url)))?;
    let mut head = format!("CONNECT {addr} HTTP/1.1\r\nHost: {addr}\r\n");
    if let Some(account) = &proxy.account {
        let pair = format!("{account}:{}", proxy.password.as_deref().unwrap_or(""));
        let b64 = base64::engine::general_purpose::STANDARD.encode(pair);
        head.push_str(&format!("Proxy-Authorization: Basic {b64}\r\n"));
    }
    head.push_str("\r\n");
    let lost = |e: std::io::Error| unreachable(format!("the proxy {}: {e}", proxy.url));
    tcp.write_all(head.as_bytes()).await.map_err(lost)?;
    // Read the answer's head byte by byte: nothing after it may be consumed (it is TLS).
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() > 16 * 1024 {
            return Err(refused(format!(
                "the proxy {} sent an endless answer",
                proxy.url
            )));
        }
        let n = tcp.read(&mut byte).await.map_err(lost)?;
        if n == 0 {
            return Err(unreachable(format!(
                "the proxy {} closed the connection",
                proxy.url
            )));
        }
        answer.push(byte[0]);
    }
    let status_line = String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let code = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok())
        .unwrap_or(0);
    match code {
        200..=299 => Ok(tcp),
        407 => Err(refused(format!(
            "the proxy {} wants other credentials ({status_line}): check the proxy account on the site system's Proxy tab",
            proxy.url
        ))),
        401 | 403 | 405 => Err(refused(format!(
            "the proxy {} refused the tunnel ({status_line})",
            proxy.url
        ))),
        _ => Err(unreachable(format!(
            "the proxy {} could not reach the instance ({status_line})",
            proxy.url
        ))),
    }
}

/// Turns the HTTPS connection into the channel: `GET FALLBACK_PATH` with `Upgrade`, `101`.
async fn upgrade<S>(t: &Target, tls: S) -> Result<Box<dyn Io>, StepFailure>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|e| unreachable(format!("HTTP: {e}")))?;
    // The connection must be driven for the upgrade to complete; it ends with it.
    tokio::spawn(async move {
        let _ = conn.with_upgrades().await;
    });
    let req = Request::get(FALLBACK_PATH)
        .header(header::HOST, &t.fqdn)
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, UPGRADE_PROTOCOL)
        .body(Body::empty())
        .map_err(|e| refused(format!("the upgrade request: {e}")))?;
    let resp = send
        .send_request(req)
        .await
        .map_err(|e| unreachable(format!("HTTP: {e}")))?;
    if resp.status() != StatusCode::SWITCHING_PROTOCOLS {
        return Err(refused(format!(
            "the instance refused the channel upgrade: {}",
            resp.status()
        )));
    }
    let upgraded = hyper::upgrade::on(resp)
        .await
        .map_err(|e| unreachable(format!("the upgrade: {e}")))?;
    Ok(Box::new(TokioIo::new(upgraded)))
}
