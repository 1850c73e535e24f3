//! One instance of a hosted service: an HTTPS listener on loopback, served with the service
//! certificate, answering `GET /` and streaming `GET /content/<path>` from the deployment's
//! storage container while counting the bytes it sends.

use super::net::Server;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::AsyncReadExt;
use tokio::net::TcpSocket;

/// What an instance serves.
#[derive(Clone, Debug)]
pub struct InstanceCtx {
    /// Deployment name.
    pub name: String,
    /// Instance id, e.g. `CDP_IN_0`.
    pub id: String,
    /// The storage container folder with the content, when the service serves content.
    pub content_dir: Option<PathBuf>,
    /// The deployment's egress counter, shared by its instances.
    pub egress: Arc<AtomicU64>,
}

/// Binds 127.0.0.1:`port` (any port when `None` or when that one is taken) and serves there.
pub fn start(
    port: Option<u16>,
    tls: Arc<rustls::ServerConfig>,
    ctx: InstanceCtx,
) -> std::io::Result<Server> {
    let listener = match port {
        Some(port) => bind(port).or_else(|_| bind(0))?,
        None => bind(0)?,
    };
    let router = Router::new()
        .route("/", get(ready))
        .route("/content/{*path}", get(content))
        .with_state(Arc::new(ctx));
    Server::start(listener, tls, router)
}

fn bind(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // A restarted instance wants its old port back even while old connections sit in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    socket.listen(1024)
}

async fn ready(State(ctx): State<Arc<InstanceCtx>>) -> String {
    format!("{} {} ready", ctx.name, ctx.id)
}

/// The path inside the container, or `None` if it tries to leave it.
fn safe_path(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for segment in path.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.contains(['\\', '\0'])
        {
            return None;
        }
        out.push(segment);
    }
    Some(out)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

async fn content(State(ctx): State<Arc<InstanceCtx>>, Path(path): Path<String>) -> Response {
    let (Some(dir), Some(rel)) = (&ctx.content_dir, safe_path(&path)) else {
        return not_found();
    };
    let full = dir.join(rel);
    let Ok(file) = tokio::fs::File::open(&full).await else {
        return not_found();
    };
    let len = match file.metadata().await {
        Ok(meta) if meta.is_file() => meta.len(),
        _ => return not_found(),
    };
    let egress = ctx.egress.clone();
    let stream = futures_util::stream::unfold(Some(file), move |file| {
        let egress = egress.clone();
        async move {
            let mut file = file?;
            let mut buf = vec![0u8; 64 * 1024];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    // Counted as handed to the connection: bytes really leaving the instance.
                    egress.fetch_add(n as u64, Ordering::Relaxed);
                    Some((Ok::<Bytes, std::io::Error>(Bytes::from(buf)), Some(file)))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, len.to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_path;

    #[test]
    fn paths_stay_inside_the_container() {
        assert!(safe_path("pkg/a.bin").is_some());
        for bad in ["../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "."] {
            assert!(safe_path(bad).is_none(), "{bad}");
        }
    }
}
