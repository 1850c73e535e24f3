//! The channel between a CMG instance and a connection point: one long-lived connection that
//! the connection point dials *out* (no inbound port on the site side), over which the CMG
//! sends requests *in*. The roles of HTTP/2 are reversed on it: the connection point, which
//! dialled, is the HTTP/2 server; the CMG instance, which accepted, is the HTTP/2 client. So
//! requests are multiplexed by a maintained implementation (hyper's HTTP/2 over any stream),
//! with its flow control, keep-alives and stream limits, and no framing of our own.

use axum::body::Body;
use axum::http;
use hyper::client::conn::http2 as client;
use hyper::server::conn::http2 as server;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// How often each end pings the other on an idle channel, and how long it waits for the
/// answer before it calls the channel dead (a NAT that forgets the flow, a peer that froze).
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Concurrent requests one channel carries. Client notification channels are held requests,
/// so this bounds the idle clients one connection point serves through one instance.
pub const MAX_STREAMS: u32 = 1 << 20;

/// Why a channel could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// The HTTP/2 handshake failed (the peer is not a connection point, or went away).
    #[error("the channel handshake failed: {0}")]
    Handshake(#[source] hyper::Error),
}

/// The CMG instance's end: sends requests to the connection point over `io`.
pub struct Sender {
    send: client::SendRequest<Body>,
}

impl Sender {
    /// Sends one request; the response body streams as the connection point sends it.
    pub async fn send(
        &mut self,
        req: http::Request<Body>,
    ) -> Result<http::Response<hyper::body::Incoming>, hyper::Error> {
        self.send.ready().await?;
        self.send.send_request(req).await
    }

    /// Sends one request; when the channel turns out to be gone before the request could
    /// start, the error gives the request back, so it can go to another channel whole.
    pub async fn try_send(
        &mut self,
        req: http::Request<Body>,
    ) -> Result<http::Response<hyper::body::Incoming>, (hyper::Error, Option<http::Request<Body>>)>
    {
        if let Err(e) = self.send.ready().await {
            return Err((e, Some(req)));
        }
        self.send.try_send_request(req).await.map_err(|mut e| {
            let req = e.take_message();
            (e.into_error(), req)
        })
    }

    /// The channel is gone (its connection closed or failed).
    pub fn is_closed(&self) -> bool {
        self.send.is_closed()
    }

    /// Another handle on the same channel (requests are multiplexed).
    pub fn handle(&self) -> Sender {
        Sender {
            send: self.send.clone(),
        }
    }
}

/// Sets up the CMG end on an accepted (and authenticated) connection. The returned future
/// drives the connection and ends when it closes; run it as a task.
pub async fn open<IO>(
    io: IO,
) -> Result<(Sender, impl Future<Output = ()> + Send + 'static), ChannelError>
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (send, conn) = client::Builder::new(TokioExecutor::new())
        .timer(TokioTimer::new())
        .keep_alive_interval(KEEP_ALIVE)
        .keep_alive_timeout(KEEP_ALIVE)
        .keep_alive_while_idle(true)
        .handshake(TokioIo::new(io))
        .await
        .map_err(ChannelError::Handshake)?;
    let drive = async move {
        // The error only says how the channel ended; the pool notices through is_closed.
        let _ = conn.await;
    };
    Ok((Sender { send }, drive))
}

/// The connection point's end: serves `service` to the CMG over a connection it dialled,
/// until the channel closes. The error says why it ended, for the connector's log.
pub async fn serve<IO, S>(io: IO, service: S) -> Result<(), hyper::Error>
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    S: hyper::service::Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<Body>,
        > + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    server::Builder::new(TokioExecutor::new())
        .timer(TokioTimer::new())
        .keep_alive_interval(KEEP_ALIVE)
        .keep_alive_timeout(KEEP_ALIVE)
        .max_concurrent_streams(MAX_STREAMS)
        .serve_connection(TokioIo::new(io), service)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::get;
    use hyper_util::service::TowerToHyperService;

    #[tokio::test]
    async fn the_end_that_accepted_sends_requests_to_the_end_that_dialled() {
        let (dialled, accepted) = tokio::io::duplex(64 * 1024);
        let router = Router::new().route("/ping", get(|| async { "pong" }));
        let cp = tokio::spawn(serve(dialled, TowerToHyperService::new(router)));
        let (mut sender, drive) = open(accepted).await.expect("handshake");
        let driver = tokio::spawn(drive);
        // Several requests in flight at once on the one connection.
        let mut answers = Vec::new();
        for _ in 0..8 {
            let mut s = sender.handle();
            answers.push(tokio::spawn(async move {
                let req = http::Request::get("http://cmg/ping")
                    .body(Body::empty())
                    .expect("request");
                let resp = s.send(req).await.expect("answer");
                let body = axum::body::to_bytes(Body::new(resp.into_body()), 1 << 20)
                    .await
                    .expect("body");
                String::from_utf8_lossy(&body).to_string()
            }));
        }
        for a in answers {
            assert_eq!(a.await.expect("task"), "pong");
        }
        assert!(!sender.is_closed());
        cp.abort();
        let _ = cp.await;
        let _ = driver.await;
        let req = http::Request::get("http://cmg/ping")
            .body(Body::empty())
            .expect("request");
        assert!(sender.send(req).await.is_err(), "the channel is gone");
        assert!(sender.is_closed());
    }
}
