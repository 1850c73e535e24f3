//! The accept loop every listener shares — the site API (plain and TLS) and the local cloud's
//! management API and instances — so each gets the same protection: a cap on open
//! connections, TCP_NODELAY, a deadline for the TLS handshake and one for a request's headers.
//! Without them a connection that never sends a ClientHello, or never finishes its headers,
//! stays open for ever (a probe held a thousand of them, and the memory with them).

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

/// What a listener allows each connection, and how many it keeps open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client may take over its TLS handshake.
    pub handshake: Duration,
    /// How long a client may take to send a request's headers; an idle kept-alive connection
    /// is closed after as long.
    pub header_read: Duration,
    /// Most connections open at once; a client beyond it waits in the kernel's backlog until
    /// one closes.
    pub max_connections: usize,
}

impl Limits {
    /// What every listener allows unless told otherwise: 10 s for a handshake, 30 s for a
    /// request's headers (hyper's own default, which it enforces only with a timer), 1,024
    /// connections.
    pub const DEFAULT: Limits = Limits {
        handshake: Duration::from_secs(10),
        header_read: Duration::from_secs(30),
        max_connections: 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Tells a connection's handler that its listener is stopping: finish the request in flight,
/// take no other.
#[derive(Debug, Clone)]
pub struct Draining(watch::Receiver<bool>);

impl Draining {
    /// Resolves once the listener stops.
    pub async fn started(mut self) {
        // An error means the loop is gone, and its connections with it: stopping either way.
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
}

/// Accepts connections on `listener` until `stop` resolves, each (TCP_NODELAY set) handed to
/// `handle` in a task of its own, at most `limits.max_connections` at once. After `stop` the
/// socket closes, the handlers hear it through [`Draining`], and this returns once every
/// connection has ended. Dropping the future (aborting its task) closes every connection.
pub async fn run<H, F>(
    listener: TcpListener,
    limits: Limits,
    stop: impl Future<Output = ()>,
    handle: H,
) where
    H: Fn(TcpStream, SocketAddr, Draining) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stopping, draining) = watch::channel(false);
    // Connections live in the set, so dropping this future drops the set and closes them all.
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = accept(&listener, &permits) => match accepted {
                Ok((tcp, address, permit)) => {
                    // Without it Nagle holds a small response's body until the client
                    // acknowledges the head: a delayed-ACK wait (~40 ms) each time.
                    let _ = tcp.set_nodelay(true);
                    let work = handle(tcp, address, Draining(draining.clone()));
                    connections.spawn(async move {
                        work.await;
                        drop(permit);
                    });
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
        }
    }
    drop(listener);
    let _ = stopping.send(true);
    while connections.join_next().await.is_some() {}
}

/// The next connection, once the cap leaves room for it.
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> std::io::Result<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let permit = Arc::clone(permits)
        .acquire_owned()
        .await
        .map_err(std::io::Error::other)?;
    let (tcp, address) = listener.accept().await?;
    Ok((tcp, address, permit))
}

/// The server side of a TLS handshake on `io`; `None` when it fails or takes longer than
/// `limits.handshake`.
pub async fn handshake<IO>(
    acceptor: &TlsAcceptor,
    io: IO,
    limits: &Limits,
) -> Option<tokio_rustls::server::TlsStream<IO>>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    match tokio::time::timeout(limits.handshake, acceptor.accept(io)).await {
        Ok(Ok(tls)) => Some(tls),
        _ => None,
    }
}

/// Serves `router` on `io` over HTTP/1.1 (upgrades allowed; every listener offers only
/// `http/1.1` in ALPN), closing the connection when a request's headers take longer than
/// `limits.header_read`; once `stop` resolves it finishes the request in flight and closes.
pub async fn serve_http<IO>(
    io: IO,
    router: axum::Router,
    limits: &Limits,
    stop: impl Future<Output = ()>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // HTTP/1 only: hyper's version detection (the `auto` builder) waits for the first bytes
    // with no deadline, so a connection that never speaks would stay open.
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(router))
        .with_upgrades();
    tokio::pin!(conn);
    tokio::pin!(stop);
    tokio::select! {
        _ = conn.as_mut() => return,
        () = &mut stop => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// Serves `router` over plain HTTP on `listener` until `stop` resolves, within `limits`.
pub async fn serve_plain(
    listener: TcpListener,
    limits: Limits,
    router: axum::Router,
    stop: impl Future<Output = ()>,
) {
    run(listener, limits, stop, move |tcp, _, draining| {
        let router = router.clone();
        async move { serve_http(tcp, router, &limits, draining.started()).await }
    })
    .await;
}

/// Serves `router` over HTTPS with `tls` on `listener` until `stop` resolves, within `limits`.
pub async fn serve_tls(
    listener: TcpListener,
    limits: Limits,
    tls: Arc<rustls::ServerConfig>,
    router: axum::Router,
    stop: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    run(listener, limits, stop, move |tcp, _, draining| {
        let (router, acceptor) = (router.clone(), acceptor.clone());
        async move {
            if let Some(tls) = handshake(&acceptor, tcp, &limits).await {
                serve_http(tls, router, &limits, draining.started()).await;
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Generous: the machine is loaded; the limits under test are a fraction of it.
    const DEADLINE: Duration = Duration::from_secs(30);

    fn short(max_connections: usize) -> Limits {
        Limits {
            handshake: Duration::from_millis(300),
            header_read: Duration::from_millis(300),
            max_connections,
        }
    }

    fn router() -> axum::Router {
        axum::Router::new().route("/", get(|| async { "hello" }))
    }

    async fn listener() -> (TcpListener, SocketAddr) {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let a = l.local_addr().expect("address");
        (l, a)
    }

    /// Reads until the server closes; panics when it does not within the deadline.
    async fn closed_by_server(mut tcp: TcpStream) -> Vec<u8> {
        let mut got = Vec::new();
        tokio::time::timeout(DEADLINE, tcp.read_to_end(&mut got))
            .await
            .expect("the server closes the idle connection")
            .ok();
        got
    }

    async fn get_root(addr: SocketAddr) -> String {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .expect("write");
        String::from_utf8_lossy(&closed_by_server(tcp).await).into_owned()
    }

    #[tokio::test]
    async fn connections_that_never_finish_their_headers_are_closed() {
        let (l, addr) = listener().await;
        let server = tokio::spawn(serve_plain(l, short(16), router(), std::future::pending()));
        // Nothing at all, and half a request head.
        let silent = TcpStream::connect(addr).await.expect("connect");
        let mut half = TcpStream::connect(addr).await.expect("connect");
        half.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n")
            .await
            .expect("write");
        closed_by_server(silent).await;
        closed_by_server(half).await;
        // A complete request is still answered.
        assert!(get_root(addr).await.contains("hello"));
        server.abort();
    }

    #[tokio::test]
    async fn a_connection_that_never_sends_a_client_hello_is_closed() {
        crate::tls::install_crypto_provider();
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .expect("params")
            .self_signed(&key)
            .expect("certificate");
        let config = crate::tls::server_config(&cert.pem(), &key.serialize_pem(), None)
            .expect("server config");
        let (l, addr) = listener().await;
        let server = tokio::spawn(serve_tls(
            l,
            short(16),
            Arc::new(config),
            router(),
            std::future::pending(),
        ));
        let silent = TcpStream::connect(addr).await.expect("connect");
        closed_by_server(silent).await;
        server.abort();
    }

    #[tokio::test]
    async fn beyond_the_cap_a_client_waits_until_a_connection_closes() {
        let (l, addr) = listener().await;
        let limits = Limits {
            header_read: Duration::from_secs(600),
            ..short(1)
        };
        let server = tokio::spawn(serve_plain(l, limits, router(), std::future::pending()));
        let holder = TcpStream::connect(addr).await.expect("connect");
        let waiting = tokio::spawn(get_root(addr));
        // Not answered while the only slot is held (a missed refusal here would only make the
        // test pass on a slow machine, never fail on a working cap).
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "a second connection was served");
        drop(holder);
        let answer = tokio::time::timeout(DEADLINE, waiting)
            .await
            .expect("served once the slot is free")
            .expect("task");
        assert!(answer.contains("hello"), "{answer}");
        server.abort();
    }

    #[tokio::test]
    async fn stopping_closes_the_socket_and_lets_the_request_in_flight_finish() {
        let (l, addr) = listener().await;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_plain(l, short(16), router(), async move {
            let _ = rx.await;
        }));
        assert!(get_root(addr).await.contains("hello"));
        let _ = tx.send(());
        tokio::time::timeout(DEADLINE, server)
            .await
            .expect("the loop ends")
            .expect("task");
        assert!(TcpStream::connect(addr).await.is_err(), "still listening");
    }
}
