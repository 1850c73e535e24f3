//! A TCP proxy for tests that can fall silent without closing anything.
#![allow(dead_code)]

use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// A TCP proxy that can stop forwarding without closing anything: what a laptop lid, an SSH
/// hop or a NAT that forgot the flow look like from both ends.
pub struct SilentProxy {
    /// Where clients connect.
    pub addr: std::net::SocketAddr,
    flowing: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The accept loop.
    pub task: tokio::task::JoinHandle<()>,
}

impl SilentProxy {
    /// Forwards to `target` (`host:port`) until told to fall silent.
    pub async fn start(target: String) -> SilentProxy {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let flowing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flow = std::sync::Arc::clone(&flowing);
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let Ok(outbound) = TcpStream::connect(&target).await else {
                    continue;
                };
                let (ri, wi) = inbound.into_split();
                let (ro, wo) = outbound.into_split();
                for (mut from, mut to) in [(ri, wo), (ro, wi)].map(|(r, w)| {
                    (
                        Box::new(r) as Box<dyn tokio::io::AsyncRead + Send + Unpin>,
                        Box::new(w) as Box<dyn tokio::io::AsyncWrite + Send + Unpin>,
                    )
                }) {
                    let flow = std::sync::Arc::clone(&flow);
                    tokio::spawn(async move {
                        use tokio::io::AsyncWriteExt;
                        let mut buf = vec![0u8; 16 * 1024];
                        while let Ok(n) = from.read(&mut buf).await {
                            if n == 0 {
                                break;
                            }
                            // Held, not dropped: silence, no FIN, no RST.
                            while !flow.load(Ordering::SeqCst) {
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                            if to.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    });
                }
            }
        });
        SilentProxy {
            addr,
            flowing,
            task,
        }
    }

    /// Stops (false) or resumes (true) forwarding, closing nothing.
    pub fn set_flowing(&self, on: bool) {
        self.flowing.store(on, std::sync::atomic::Ordering::SeqCst);
    }
}
