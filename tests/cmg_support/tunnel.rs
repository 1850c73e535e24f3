//! A TCP tunnel that counts how often a needle passes towards its target: put in front of the
//! site's plain-HTTP address for one connection point, it tells which requests that one relayed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A tunnel to a target counting a needle in what is sent to it.
pub struct SniffTunnel {
    /// Where it listens.
    pub addr: SocketAddr,
    seen: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Drop for SniffTunnel {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Occurrences of `needle` in `carry` + `chunk` that end inside `chunk`; keeps the tail that
/// could start the next one in `carry`.
fn count(carry: &mut Vec<u8>, chunk: &[u8], needle: &[u8]) -> u64 {
    carry.extend_from_slice(chunk);
    let found = carry.windows(needle.len()).filter(|w| *w == needle).count() as u64;
    let keep = needle.len().saturating_sub(1).min(carry.len());
    carry.drain(..carry.len() - keep);
    found
}

impl SniffTunnel {
    /// Starts a tunnel to `target` counting `needle` in the bytes sent to it.
    pub async fn start(target: SocketAddr, needle: &str) -> SniffTunnel {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(AtomicU64::new(0));
        let needle = needle.as_bytes().to_vec();
        let counter = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (counter, needle) = (Arc::clone(&counter), needle.clone());
                tokio::spawn(async move {
                    let Ok(upstream) = TcpStream::connect(target).await else {
                        return;
                    };
                    let (mut client_read, mut client_write) = client.into_split();
                    let (mut up_read, mut up_write) = upstream.into_split();
                    let upward = async {
                        let (mut buf, mut carry) = (vec![0u8; 16 * 1024], Vec::new());
                        while let Ok(n @ 1..) = client_read.read(&mut buf).await {
                            // Counted before it is passed on: seen before any answer.
                            counter
                                .fetch_add(count(&mut carry, &buf[..n], &needle), Ordering::SeqCst);
                            if up_write.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                        let _ = up_write.shutdown().await;
                    };
                    let downward = async {
                        let _ = tokio::io::copy(&mut up_read, &mut client_write).await;
                        let _ = client_write.shutdown().await;
                    };
                    tokio::join!(upward, downward);
                });
            }
        });
        SniffTunnel { addr, seen, task }
    }

    /// How often the needle went through so far.
    pub fn seen(&self) -> u64 {
        self.seen.load(Ordering::SeqCst)
    }

    /// The tunnel as a site URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

#[test]
fn a_needle_split_across_chunks_is_counted_once() {
    let mut carry = Vec::new();
    assert_eq!(count(&mut carry, b"xxGET /a", b"GET /a "), 0);
    assert_eq!(count(&mut carry, b" yyGET /a zz", b"GET /a "), 2);
    assert_eq!(count(&mut carry, b"GET /a GET /a ", b"GET /a "), 2);
}
