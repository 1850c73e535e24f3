//! Message bodies over one HTTP/2 stream of a channel, both ways: what arrives is read as an
//! `http_body` body that gives each chunk back to the stream's flow-control window; what is
//! sent goes out as the window allows.

use axum::body::Body;
use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A body as it arrives on a stream. Each chunk read is given back to the stream's window, so
/// the peer may send more; dropping it before the end resets the stream (the peer stops).
pub struct ChannelBody {
    recv: h2::RecvStream,
    data_done: bool,
}

impl ChannelBody {
    /// The body arriving on `recv`.
    pub fn new(recv: h2::RecvStream) -> ChannelBody {
        ChannelBody {
            recv,
            data_done: false,
        }
    }
}

impl HttpBody for ChannelBody {
    type Data = Bytes;
    type Error = h2::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, h2::Error>>> {
        if !self.data_done {
            match self.recv.poll_data(cx) {
                Poll::Ready(Some(Ok(data))) => {
                    let _ = self.recv.flow_control().release_capacity(data.len());
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => self.data_done = true,
                Poll::Pending => return Poll::Pending,
            }
        }
        match self.recv.poll_trailers(cx) {
            Poll::Ready(Ok(Some(trailers))) => Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
            Poll::Ready(Ok(None)) => Poll::Ready(None),
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.recv.is_end_stream()
    }
}

/// What sending a body found on its first look.
pub enum Sent {
    /// The whole body is on its way.
    Done,
    /// The rest must wait (for the body, or for the window): run this to send it.
    Later(Pin<Box<dyn Future<Output = ()> + Send>>),
}

/// Sends `body` on `stream`: at once when it is all there and fits the window (an answer in
/// one piece, most of them), otherwise by the future returned, which the caller runs as a task.
pub fn send_body(mut body: Body, mut stream: h2::SendStream<Bytes>) -> Sent {
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    let first = match Pin::new(&mut body).poll_frame(&mut cx) {
        Poll::Pending => None,
        Poll::Ready(None) => {
            let _ = stream.send_data(Bytes::new(), true);
            return Sent::Done;
        }
        Poll::Ready(Some(Err(_))) => {
            stream.send_reset(h2::Reason::INTERNAL_ERROR);
            return Sent::Done;
        }
        Poll::Ready(Some(Ok(frame))) => Some(frame),
    };
    if let Some(frame) = &first
        && body.is_end_stream()
        && let Some(data) = frame.data_ref()
    {
        stream.reserve_capacity(data.len());
        if stream.capacity() >= data.len() {
            let _ = stream.send_data(data.clone(), true);
            return Sent::Done;
        }
    }
    Sent::Later(Box::pin(pipe(first, body, stream)))
}

/// Sends `first` (a frame already read from `body`), then the rest of `body`, as the stream's
/// window allows. Ends early when the stream is reset or the channel closes.
async fn pipe(first: Option<Frame<Bytes>>, mut body: Body, mut stream: h2::SendStream<Bytes>) {
    let mut next = first;
    loop {
        let frame = match next.take() {
            Some(frame) => frame,
            None => match std::future::poll_fn(|cx| {
                // A peer that gave up on the stream (a client that left its notification
                // channel) ends the wait now, not at the next chunk.
                if stream.poll_reset(cx).is_ready() {
                    return Poll::Ready(Some(Err(())));
                }
                Pin::new(&mut body)
                    .poll_frame(cx)
                    .map(|f| f.map(|r| r.map_err(|_| ())))
            })
            .await
            {
                None => {
                    let _ = stream.send_data(Bytes::new(), true);
                    return;
                }
                Some(Err(_)) => {
                    stream.send_reset(h2::Reason::INTERNAL_ERROR);
                    return;
                }
                Some(Ok(frame)) => frame,
            },
        };
        let mut data = match frame.into_data() {
            Ok(data) => data,
            Err(frame) => {
                if let Ok(trailers) = frame.into_trailers() {
                    let _ = stream.send_trailers(trailers);
                }
                return;
            }
        };
        while !data.is_empty() {
            stream.reserve_capacity(data.len());
            match std::future::poll_fn(|cx| stream.poll_capacity(cx)).await {
                Some(Ok(room)) if room > 0 => {
                    let chunk = data.split_to(room.min(data.len()));
                    if stream.send_data(chunk, false).is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                // Reset, or the channel closed: the peer knows.
                _ => return,
            }
        }
    }
}
