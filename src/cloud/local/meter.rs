//! Outbound data counted where a cloud bills it: on the socket. A connection wrapped in
//! [`Metered`] adds every byte the kernel accepts for sending (TLS records, handshakes, HTTP
//! heads, bodies, HTTP/2 control frames) to a counter; TCP/IP headers are the only bytes on the
//! wire it does not see.

use std::io::IoSlice;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection whose writes are counted (when it has a counter).
pub(super) struct Metered<T> {
    inner: T,
    sent: Option<Arc<AtomicU64>>,
}

impl<T> Metered<T> {
    /// Wraps `inner`, counting into `sent` when given.
    pub(super) fn new(inner: T, sent: Option<Arc<AtomicU64>>) -> Metered<T> {
        Metered { inner, sent }
    }

    fn count(&self, result: &Poll<std::io::Result<usize>>) {
        if let (Some(sent), Poll::Ready(Ok(n))) = (&self.sent, result) {
            sent.fetch_add(*n as u64, Ordering::Relaxed);
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Metered<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Metered<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.count(&result);
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.count(&result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn every_byte_written_is_counted_and_none_read() {
        let (a, mut b) = tokio::io::duplex(1024);
        let sent = Arc::new(AtomicU64::new(0));
        let mut m = Metered::new(a, Some(sent.clone()));
        m.write_all(b"hello").await.expect("write");
        let slices = [IoSlice::new(b"ab"), IoSlice::new(b"cde")];
        let n = m.write_vectored(&slices).await.expect("write");
        b.write_all(b"ignored").await.expect("write");
        let mut buf = [0u8; 7];
        m.read_exact(&mut buf).await.expect("read");
        assert_eq!(sent.load(Ordering::Relaxed), 5 + n as u64);
    }
}
