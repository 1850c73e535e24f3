//! The channel between a CMG instance and a connection point: one long-lived connection that
//! the connection point dials *out* (no inbound port on the site side), over which the CMG
//! sends requests *in*. The roles of HTTP/2 are reversed on it: the connection point, which
//! dialled, is the HTTP/2 server; the CMG instance, which accepted, is the HTTP/2 client. So
//! requests are multiplexed by a maintained implementation (hyper's HTTP/2 over any stream),
//! with its flow control, keep-alives and stream limits, and no framing of our own (the `h2`
//! crate that hyper's HTTP/2 is built on; see [`Sender`] for why not through hyper).

use super::protocol::HOP_HEADERS;
pub use super::stream::ChannelBody;
use super::stream::{Sent, send_body};
use axum::body::{Body, HttpBody as _};
use axum::http;
use bytes::Bytes;
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tower::ServiceExt as _;

/// How often each end pings the other on an idle channel, and how long it waits for the
/// answer before it calls the channel dead (a NAT that forgets the flow, a peer that froze).
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Concurrent requests one channel carries. Client notification channels are held requests,
/// so this bounds the idle clients one connection point serves through one instance.
pub const MAX_STREAMS: u32 = 1 << 20;

/// The HTTP/2 settings both ends announce: windows large enough that one answer is not held
/// up by them (hyper's client defaults), and room to buffer what a slow peer has not read.
const STREAM_WINDOW: u32 = 2 * 1024 * 1024;
const CONNECTION_WINDOW: u32 = 5 * 1024 * 1024;
const SEND_BUFFER: usize = 1024 * 1024;

/// Why a channel could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// The HTTP/2 handshake failed (the peer is not a connection point, or went away).
    #[error("the channel handshake failed: {0}")]
    Handshake(#[source] h2::Error),
}

/// Why a channel ended, as the connection point's log says it.
#[derive(Debug, thiserror::Error)]
pub enum ChannelEnd {
    /// The connection failed (or the peer broke the protocol).
    #[error(transparent)]
    Failed(#[from] h2::Error),
    /// The peer did not answer a keep-alive ping in time.
    #[error("the peer did not answer a keep-alive ping within {}s", KEEP_ALIVE.as_secs())]
    Silent,
}

/// Why a request got no answer over a channel.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SendError(#[from] h2::Error);

/// Pings the peer after every quiet [`KEEP_ALIVE`] and ends when a ping goes unanswered for
/// as long. Never ends when the connection gives no pinger (it always does the first time).
async fn keep_alive(pings: Option<h2::PingPong>) {
    let Some(mut pings) = pings else {
        return std::future::pending().await;
    };
    loop {
        tokio::time::sleep(KEEP_ALIVE).await;
        let pong = tokio::time::timeout(KEEP_ALIVE, pings.ping(h2::Ping::opaque()));
        if !matches!(pong.await, Ok(Ok(_))) {
            return;
        }
    }
}

/// The CMG instance's end: sends requests to the connection point over `io`.
///
/// Both ends speak the `h2` crate (what hyper's HTTP/2 is built on) directly: hyper's client
/// spawns a task per request to wait for its answer, and its server a task per request to run
/// it, which through the gateway was two more tasks and four more wake-ups on every request.
/// Here the client's own task waits for its answer, and the connection point answers a
/// request that is ready at once without leaving the channel's task.
pub struct Sender {
    send: h2::client::SendRequest<Bytes>,
    closed: Arc<AtomicBool>,
}

impl Sender {
    /// Sends one request; the response body streams as the connection point sends it.
    pub async fn send(
        &mut self,
        req: http::Request<Body>,
    ) -> Result<http::Response<ChannelBody>, SendError> {
        self.try_send(req).await.map_err(|(e, _)| e)
    }

    /// Sends one request; when the channel turns out to be gone before the request could
    /// start, the error gives the request back, so it can go to another channel whole.
    pub async fn try_send(
        &mut self,
        req: http::Request<Body>,
    ) -> Result<http::Response<ChannelBody>, (SendError, Option<http::Request<Body>>)> {
        let mut send = match self.send.clone().ready().await {
            Ok(send) => send,
            Err(e) => return Err((e.into(), Some(req))),
        };
        let (parts, body) = req.into_parts();
        let end_of_stream = body.is_end_stream();
        // The head is copied, not moved: a channel that closes under it gives it back whole.
        let mut head = http::Request::new(());
        *head.method_mut() = parts.method.clone();
        *head.uri_mut() = parts.uri.clone();
        *head.headers_mut() = parts.headers.clone();
        let (answer, stream) = match send.send_request(head, end_of_stream) {
            Ok(sent) => sent,
            Err(e) => {
                let gone = self.is_closed() || e.is_go_away() || e.is_io();
                let back = gone.then(|| http::Request::from_parts(parts, body));
                return Err((e.into(), back));
            }
        };
        if !end_of_stream {
            // A request body goes on beside the wait for the answer (which may come first:
            // a refusal).
            if let Sent::Later(rest) = send_body(body, stream) {
                tokio::spawn(rest);
            }
        }
        let answer = answer.await.map_err(|e| (SendError(e), None))?;
        Ok(answer.map(ChannelBody::new))
    }

    /// The channel is gone (its connection closed or failed).
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Another handle on the same channel (requests are multiplexed).
    pub fn handle(&self) -> Sender {
        Sender {
            send: self.send.clone(),
            closed: Arc::clone(&self.closed),
        }
    }
}

/// Sets up the CMG end on an accepted (and authenticated) connection. The returned future
/// drives the connection (and its keep-alive pings) and ends when it closes; run it as a task.
pub async fn open<IO>(
    io: IO,
) -> Result<(Sender, impl Future<Output = ()> + Send + 'static), ChannelError>
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (send, mut conn) = h2::client::Builder::new()
        .initial_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .max_send_buffer_size(SEND_BUFFER)
        .handshake::<_, Bytes>(io)
        .await
        .map_err(ChannelError::Handshake)?;
    let closed = Arc::new(AtomicBool::new(false));
    let pings = conn.ping_pong();
    let ended = Arc::clone(&closed);
    let drive = async move {
        // How the channel ended does not matter here: the pool notices through is_closed.
        tokio::select! {
            _ = &mut conn => {}
            () = keep_alive(pings) => {}
        }
        ended.store(true, Ordering::Release);
    };
    Ok((Sender { send, closed }, drive))
}

/// The answer to a request whose handling panicked.
fn failed() -> http::Response<Body> {
    let mut resp = http::Response::new(Body::from(
        "the connection point failed while handling this request\n",
    ));
    *resp.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    resp
}

/// Answers one request with `resp` on its stream: the body at once when it is ready, else by
/// a task of its own.
fn answer(mut respond: h2::server::SendResponse<Bytes>, resp: http::Response<Body>) {
    let (mut parts, body) = resp.into_parts();
    for name in HOP_HEADERS {
        parts.headers.remove(name);
    }
    let end_of_stream = body.is_end_stream();
    let Ok(stream) = respond.send_response(http::Response::from_parts(parts, ()), end_of_stream)
    else {
        // The stream was reset (the CMG gave up on it) or the channel closed.
        return;
    };
    if !end_of_stream && let Sent::Later(rest) = send_body(body, stream) {
        tokio::spawn(rest);
    }
}

/// The connection point's end: serves `service` to the CMG over a connection it dialled,
/// until the channel closes. The error says why it ended, for the connector's log.
///
/// A request whose answer is ready at its first poll (the site in this process answered from
/// memory or a quick read) is answered inside the channel's task; one that must wait (a held
/// notification channel, a relay over HTTP) gets a task of its own.
pub async fn serve<IO, S>(io: IO, service: S) -> Result<(), ChannelEnd>
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    S: tower::Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut conn = h2::server::Builder::new()
        .initial_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .max_concurrent_streams(MAX_STREAMS)
        .max_send_buffer_size(SEND_BUFFER)
        .handshake::<_, Bytes>(io)
        .await?;
    let alive = keep_alive(conn.ping_pong());
    tokio::pin!(alive);
    loop {
        let next = tokio::select! {
            next = conn.accept() => next,
            () = &mut alive => return Err(ChannelEnd::Silent),
        };
        let (req, respond) = match next {
            None => return Ok(()),
            Some(Err(e)) => return Err(e.into()),
            Some(Ok(request)) => request,
        };
        let req = req.map(|recv| Body::new(ChannelBody::new(recv)));
        let mut reply = Box::pin(service.clone().oneshot(req));
        // A request that panics here must not take the channel's other requests with it.
        let first = std::future::poll_fn(|cx| {
            Poll::Ready(std::panic::catch_unwind(AssertUnwindSafe(|| {
                reply.as_mut().poll(cx)
            })))
        })
        .await;
        match first {
            Err(_) => answer(respond, failed()),
            Ok(Poll::Ready(Ok(resp))) => answer(respond, resp),
            Ok(Poll::Pending) => {
                tokio::spawn(async move {
                    let Ok(resp) = reply.await;
                    answer(respond, resp);
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::get;
    use futures_util::StreamExt as _;
    use std::pin::Pin;

    #[tokio::test]
    async fn the_end_that_accepted_sends_requests_to_the_end_that_dialled() {
        let (dialled, accepted) = tokio::io::duplex(64 * 1024);
        let router = Router::new().route("/ping", get(|| async { "pong" }));
        let cp = tokio::spawn(serve(dialled, router));
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

    /// A channel over an in-memory pipe serving `router`, with its tasks.
    async fn pair(router: Router) -> Sender {
        let (dialled, accepted) = tokio::io::duplex(64 * 1024);
        tokio::spawn(serve(dialled, router));
        let (sender, drive) = open(accepted).await.expect("handshake");
        tokio::spawn(drive);
        sender
    }

    async fn text(resp: http::Response<ChannelBody>) -> (http::StatusCode, Vec<u8>) {
        let status = resp.status();
        let body = axum::body::to_bytes(Body::new(resp.into_body()), 16 << 20)
            .await
            .expect("body");
        (status, body.to_vec())
    }

    #[tokio::test]
    async fn bodies_larger_than_the_windows_and_answers_that_wait_go_through() {
        let router = Router::new()
            .route(
                "/echo",
                axum::routing::post(|body: Body| async move { body }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    "late"
                }),
            );
        let mut sender = pair(router).await;
        // Larger than the stream window: both ways must wait for window updates.
        let big: Vec<u8> = (0..STREAM_WINDOW as usize + 300_000)
            .map(|i| (i % 251) as u8)
            .collect();
        let req = http::Request::post("http://cmg/echo")
            .body(Body::from(big.clone()))
            .expect("request");
        let (status, echoed) = text(sender.send(req).await.expect("answer")).await;
        assert_eq!(status, http::StatusCode::OK);
        assert!(
            echoed == big,
            "the body came back whole ({} bytes)",
            echoed.len()
        );
        let req = http::Request::get("http://cmg/slow")
            .body(Body::empty())
            .expect("request");
        let (_, late) = text(sender.send(req).await.expect("answer")).await;
        assert_eq!(late, b"late");
    }

    #[tokio::test]
    async fn a_request_that_panics_is_answered_500_and_the_channel_carries_on() {
        let router = Router::new()
            .route(
                "/boom",
                get(|| async {
                    if true {
                        panic!("handler bug");
                    }
                    "unreachable"
                }),
            )
            .route("/ping", get(|| async { "pong" }));
        let mut sender = pair(router).await;
        let req = http::Request::get("http://cmg/boom")
            .body(Body::empty())
            .expect("request");
        let (status, said) = text(sender.send(req).await.expect("answer")).await;
        assert_eq!(status, http::StatusCode::INTERNAL_SERVER_ERROR);
        assert!(String::from_utf8_lossy(&said).contains("connection point failed"));
        let req = http::Request::get("http://cmg/ping")
            .body(Body::empty())
            .expect("request");
        let (_, pong) = text(sender.send(req).await.expect("answer")).await;
        assert_eq!(pong, b"pong");
        assert!(!sender.is_closed());
    }

    /// Sets its flag when dropped.
    struct Dropped(Arc<AtomicBool>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Release);
        }
    }

    #[tokio::test]
    async fn a_held_answer_the_cmg_gives_up_on_stops_at_the_connection_point() {
        let gone = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&gone);
        let router = Router::new().route(
            "/hold",
            get(move || {
                let guard = Dropped(Arc::clone(&flag));
                async move {
                    // One chunk, then nothing more, ever: a notification channel.
                    let stream = futures_util::stream::once(async {
                        Ok::<_, Infallible>(Bytes::from_static(b"hello"))
                    })
                    .chain(futures_util::stream::pending())
                    .map(move |chunk| {
                        let _ = &guard;
                        chunk
                    });
                    Body::from_stream(stream)
                }
            }),
        );
        let mut sender = pair(router).await;
        let req = http::Request::get("http://cmg/hold")
            .body(Body::empty())
            .expect("request");
        let mut body = sender.send(req).await.expect("answer").into_body();
        let first = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx))
            .await
            .expect("a chunk")
            .expect("data");
        assert_eq!(first.into_data().expect("data"), "hello");
        assert!(!gone.load(Ordering::Acquire), "still held");
        drop(body);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while !gone.load(Ordering::Acquire) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the connection point still holds the answer"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
