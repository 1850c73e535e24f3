//! The TLS accept loop shared by the management API and the instances' listeners: TCP (its
//! writes metered when asked), TLS with rustls, then a handler per connection — HTTP/1.1 with
//! hyper serving an axum router that sees who is connected, or a CMG channel.

use super::meter::Metered;
use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

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
    /// own, counting every byte sent into `meter` when given.
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
        let accept = Accept {
            acceptor: TlsAcceptor::from(tls),
            meter,
            handle: Arc::new(handle),
        };
        let task = tokio::spawn(accept.run(listener));
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

struct Accept<H> {
    acceptor: TlsAcceptor,
    meter: Option<Arc<AtomicU64>>,
    handle: Arc<H>,
}

impl<H, F> Accept<H>
where
    H: Fn(Tls, SocketAddr) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    async fn run(self, listener: TcpListener) {
        // Connections live in the set, so aborting this task drops the set and closes them all.
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((tcp, address)) => {
                        let acceptor = self.acceptor.clone();
                        let io = Metered::new(tcp, self.meter.clone());
                        let handle = self.handle.clone();
                        connections.spawn(async move {
                            // Without it Nagle holds a small response's body until the client
                            // acknowledges the head: a delayed-ACK wait (~40 ms) each time.
                            let _ = io.get_ref().set_nodelay(true);
                            let accepted = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(io));
                            if let Ok(Ok(tls)) = accepted.await {
                                handle(tls, address).await;
                            }
                        });
                    }
                    // Out of file descriptors and the like: back off instead of spinning.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    }
}

async fn serve_http(tls: Tls, address: SocketAddr, router: Router) {
    let peer = Peer {
        address,
        chain: Arc::new(presented(&tls)),
        accepted: Arc::default(),
    };
    let service = TowerToHyperService::new(router.layer(Extension(peer)));
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tls), service)
        .await;
}
