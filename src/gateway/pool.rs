//! The channels one CMG instance holds, one per connection point, and the round-robin over
//! them: "The CMG distributes the traffic to its connecting CMG connection points in a
//! round-robin fashion." A channel that closed is skipped and dropped.

use super::channel::Sender;
use axum::body::Body;
use axum::http;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// One channel and who holds its other end.
struct Entry {
    id: u64,
    peer: String,
    sender: Sender,
}

/// Why a request could not be forwarded.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// No connection point holds a live channel to this instance.
    #[error("no CMG connection point is connected to this instance")]
    NoChannel,
    /// The connection point the request went to failed to answer it.
    #[error("the connection point {peer} did not answer: {cause}")]
    Failed {
        /// The connection point.
        peer: String,
        /// What went wrong.
        cause: String,
    },
}

/// The live channels of one instance.
#[derive(Default)]
pub struct ChannelPool {
    entries: Mutex<Vec<Entry>>,
    next: AtomicU64,
    ids: AtomicU64,
}

/// Removes its channel from the pool when dropped (the channel's driver ended).
pub struct Registration<'a> {
    pool: &'a ChannelPool,
    id: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.pool.remove(self.id);
    }
}

impl ChannelPool {
    /// An empty pool.
    pub fn new() -> ChannelPool {
        ChannelPool::default()
    }

    /// Adds a channel held by connection point `peer`; it stays until the registration drops.
    pub fn add(&self, peer: &str, sender: Sender) -> Registration<'_> {
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        self.lock().push(Entry {
            id,
            peer: peer.to_string(),
            sender,
        });
        Registration { pool: self, id }
    }

    fn remove(&self, id: u64) {
        self.lock().retain(|e| e.id != id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // A panic while holding the lock leaves a list that is still a list.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection points with a live channel, in the order they connected.
    pub fn peers(&self) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|e| !e.sender.is_closed())
            .map(|e| e.peer.clone())
            .collect()
    }

    /// The live channels, in round-robin order from the next one due.
    fn rotation(&self) -> Vec<(String, Sender)> {
        let mut list = self.lock();
        list.retain(|e| !e.sender.is_closed());
        if list.is_empty() {
            return Vec::new();
        }
        let start = (self.next.fetch_add(1, Ordering::Relaxed) % list.len() as u64) as usize;
        (0..list.len())
            .map(|i| {
                let e = &list[(start + i) % list.len()];
                (e.peer.clone(), e.sender.handle())
            })
            .collect()
    }

    /// Forwards a request to the next connection point. When a channel turns out to be gone
    /// before the request could start (its peer left), hyper hands the request back and it
    /// goes to the next channel whole, body and all; a request that reached a connection
    /// point is never sent twice.
    pub async fn forward(
        &self,
        req: http::Request<Body>,
    ) -> Result<(String, http::Response<super::channel::ChannelBody>), ForwardError> {
        let mut req = req;
        for (peer, mut sender) in self.rotation() {
            match sender.try_send(req).await {
                Ok(resp) => return Ok((peer, resp)),
                Err((_, Some(back))) => req = back,
                // The peer saw the request (it broke mid-answer): that is its answer.
                Err((e, None)) => {
                    return Err(ForwardError::Failed {
                        peer,
                        cause: e.to_string(),
                    });
                }
            }
        }
        // Every channel was gone: as good as none.
        Err(ForwardError::NoChannel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::channel;
    use axum::Router;
    use axum::routing::get;

    /// A connection point named `name` answering its name, with its channel's tasks.
    async fn connect(
        name: &'static str,
    ) -> (
        Sender,
        tokio::task::JoinHandle<Result<(), channel::ChannelEnd>>,
        tokio::task::JoinHandle<()>,
    ) {
        let (dialled, accepted) = tokio::io::duplex(64 * 1024);
        let router = Router::new().route("/who", get(move || async move { name }));
        let cp = tokio::spawn(channel::serve(dialled, router));
        let (sender, drive) = channel::open(accepted).await.expect("handshake");
        (sender, cp, tokio::spawn(drive))
    }

    fn who() -> http::Request<Body> {
        http::Request::get("http://cmg/who")
            .body(Body::empty())
            .expect("request")
    }

    async fn answer(pool: &ChannelPool) -> String {
        let (peer, resp) = pool.forward(who()).await.expect("forwarded");
        let body = axum::body::to_bytes(Body::new(resp.into_body()), 1024)
            .await
            .expect("body");
        assert_eq!(
            peer.as_bytes(),
            &body[..],
            "the answer comes from the peer named"
        );
        peer
    }

    #[tokio::test]
    async fn requests_alternate_between_connection_points_and_survive_one_leaving() {
        let pool = ChannelPool::new();
        assert!(matches!(
            pool.forward(who()).await,
            Err(ForwardError::NoChannel)
        ));
        let (a, cp_a, drive_a) = connect("cp-a").await;
        let (b, _cp_b, _drive_b) = connect("cp-b").await;
        let reg_a = pool.add("cp-a", a);
        let _reg_b = pool.add("cp-b", b);
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(answer(&pool).await);
        }
        assert_eq!(seen.iter().filter(|p| *p == "cp-a").count(), 2, "{seen:?}");
        assert_eq!(seen.iter().filter(|p| *p == "cp-b").count(), 2, "{seen:?}");
        assert_ne!(seen[0], seen[1], "round-robin: {seen:?}");
        // cp-a goes away: every request now reaches cp-b.
        cp_a.abort();
        let _ = cp_a.await;
        let _ = drive_a.await;
        for _ in 0..3 {
            assert_eq!(answer(&pool).await, "cp-b");
        }
        assert_eq!(pool.peers(), ["cp-b"]);
        drop(reg_a);
        assert_eq!(pool.peers(), ["cp-b"]);
    }
}
