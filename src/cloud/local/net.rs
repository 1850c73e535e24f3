//! The HTTPS accept loop shared by the management API and the instances: TLS with rustls, then
//! HTTP/1.1 with hyper, serving an axum router that sees the client certificate.

use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// The client certificate (leaf DER) presented on the connection a request came in on.
#[derive(Clone, Debug, Default)]
pub(super) struct PeerCert(pub Option<Arc<Vec<u8>>>);

/// A running HTTPS listener; the socket closes when it is shut down or dropped.
pub(super) struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// Starts serving `router` on `listener` with `tls`.
    pub(super) fn start(
        listener: TcpListener,
        tls: Arc<rustls::ServerConfig>,
        router: Router,
    ) -> std::io::Result<Server> {
        let addr = listener.local_addr()?;
        let task = tokio::spawn(accept_loop(listener, TlsAcceptor::from(tls), router));
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

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, router: Router) {
    // Connections live in the set, so aborting this task drops the set and closes them all.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    connections.spawn(serve_connection(tcp, acceptor.clone(), router.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(tcp: tokio::net::TcpStream, acceptor: TlsAcceptor, router: Router) {
    // Without it Nagle holds a small response's body until the client acknowledges the head:
    // a delayed-ACK wait (~40 ms) on every small download.
    let _ = tcp.set_nodelay(true);
    let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
    else {
        return;
    };
    let peer = PeerCert(
        tls.get_ref()
            .1
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|leaf| Arc::new(leaf.to_vec())),
    );
    let service = TowerToHyperService::new(router.layer(Extension(peer)));
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tls), service)
        .await;
}
