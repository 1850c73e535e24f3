//! The cloud's listeners (the management API and the instances'): the accept loop every
//! listener shares ([`crate::tls::listen`]), TCP (its writes metered when asked), TLS with
//! rustls, then a handler per connection — HTTP with hyper serving an axum router that sees
//! who is connected, or a CMG channel.

use super::meter::Metered;
use crate::tls::listen::{self, Limits};
use axum::{Extension, Router};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// What each listener of the cloud allows a connection: the site's deadlines, and room for
/// every client an instance holds. A CMG instance keeps one connection per held client
/// notification channel (the README's gateway benchmark holds tens of thousands), so the
/// site's cap of 1,024 would stall the gateway; the file-descriptor limit is the real cap.
const LIMITS: Limits = Limits {
    max_connections: 262_144,
    ..Limits::DEFAULT
};

/// An accepted connection after its TLS handshake.
pub(super) type Tls = tokio_rustls::server::TlsStream<Metered<TcpStream>>;

/// Who is on the other end of the connection a request came in on.
#[derive(Clone, Debug)]
pub(super) struct Peer {
    /// Its address.
    pub address: SocketAddr,
    /// The certificates it presented, leaf first (DER); empty when none.
    pub chain: Arc<Vec<Vec<u8>>>,
    /// When a CMG last accepted that certificate on this connection.
    pub accepted: Arc<crate::gateway::forward::Accepted>,
}

impl Peer {
    /// The client certificate, if one was presented.
    pub(super) fn leaf(&self) -> Option<&[u8]> {
        self.chain.first().map(Vec::as_slice)
    }
}

/// The certificates a TLS client presented, leaf first.
pub(super) fn presented(tls: &Tls) -> Vec<Vec<u8>> {
    tls.get_ref()
        .1
        .peer_certificates()
        .map(|chain| chain.iter().map(|c| c.to_vec()).collect())
        .unwrap_or_default()
}

/// A listening socket on 127.0.0.1:`port`, or any port when `None` or when that one is taken.
pub(super) fn listen(port: Option<u16>) -> std::io::Result<TcpListener> {
    match port {
        Some(port) => bind(port).or_else(|_| bind(0)),
        None => bind(0),
    }
}

fn bind(port: u16) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // A restarted instance wants its old port back even while old connections sit in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    socket.listen(1024)
}

/// A running listener; the socket and every connection close when it is shut down or dropped.
pub(super) struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// Serves `router` over HTTPS on `listener` with `tls`.
    pub(super) fn start(
        listener: TcpListener,
        tls: Arc<rustls::ServerConfig>,
        router: Router,
    ) -> std::io::Result<Server> {
        Server::https(listener, tls, None, router)
    }

    /// Serves `router` over HTTPS, counting every byte sent into `meter` when given.
    pub(super) fn https(
        listener: TcpListener,
        tls: Arc<rustls::ServerConfig>,
        meter: Option<Arc<AtomicU64>>,
        router: Router,
    ) -> std::io::Result<Server> {
        Server::tls(listener, tls, meter, move |tls, address| {
            serve_http(tls, address, router.clone())
        })
    }

    /// Accepts TLS connections on `listener` and hands each to `handle` in a task of its
    /// own, counting every byte sent into `meter` when given. The accept loop, its limits
    /// (handshake and header deadlines, connection cap) and TCP_NODELAY are the site's too
    /// ([`crate::tls::listen`]).
    pub(super) fn tls<H, F>(
        listener: TcpListener,
        tls: Arc<rustls::ServerConfig>,
        meter: Option<Arc<AtomicU64>>,
        handle: H,
    ) -> std::io::Result<Server>
    where
        H: Fn(Tls, SocketAddr) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let addr = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(tls);
        let handle = Arc::new(handle);
        let accept = move |tcp, address, _| {
            let (acceptor, meter, handle) = (acceptor.clone(), meter.clone(), handle.clone());
            async move {
                let io = Metered::new(tcp, meter);
                if let Some(tls) = listen::handshake(&acceptor, io, &LIMITS).await {
                    handle(tls, address).await;
                }
            }
        };
        // Stopped by aborting the task (see `shutdown`), which closes every connection.
        let task = tokio::spawn(listen::run(
            listener,
            LIMITS,
            std::future::pending(),
            accept,
        ));
        Ok(Server { addr, task })
    }

    /// Where it listens.
    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving: closes the listening socket and every open connection, and returns once
    /// they are closed, so a connect right after is refused.
    pub(super) async fn shutdown(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_http(tls: Tls, address: SocketAddr, router: Router) {
    let peer = Peer {
        address,
        chain: Arc::new(presented(&tls)),
        accepted: Arc::default(),
    };
    let router = router.layer(Extension(peer));
    listen::serve_http(tls, router, &LIMITS, std::future::pending()).await;
}
