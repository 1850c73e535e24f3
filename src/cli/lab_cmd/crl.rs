//! `cloudsite lab serve DIR`: publishes the lab root's CRL on loopback at the URL its client
//! certificates name, as a CA publishes its CRL distribution point. A CMG that verifies client
//! certificate revocation fetches it from there; stop this and the CMG cannot check, which is
//! what its connection analyzer then explains.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where a CRL URL says to listen: its loopback address and path.
pub(super) fn listen_address(url: &str) -> Result<(SocketAddr, String), String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("the lab's CRL URL {url} is not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or_default();
    if parsed.scheme() != "http" || host != "127.0.0.1" {
        return Err(format!(
            "the lab's CRL URL {url} is not http://127.0.0.1:PORT/…: only loopback is served"
        ));
    }
    let port = parsed
        .port()
        .ok_or_else(|| format!("the lab's CRL URL {url} names no port"))?;
    Ok((
        SocketAddr::from(([127, 0, 0, 1], port)),
        parsed.path().to_string(),
    ))
}

async fn crl(file: PathBuf) -> Response {
    // Read at every request: a lab that re-issues its CRL is published at once.
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/pkix-crl")], bytes).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read {}: {e}\n", file.display()),
        )
            .into_response(),
    }
}

/// Serves `file` at `url` until the process is interrupted or terminated.
pub(super) async fn serve(url: &str, file: PathBuf) -> Result<(), String> {
    let (addr, path) = listen_address(url)?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        format!("cannot listen on {addr} for the lab CRL (is another `lab serve` running?): {e}")
    })?;
    let router = Router::new().route(&path, get(move || crl(file.clone())));
    println!("publishing the lab CRL at {url} (Ctrl-C stops)");
    let stop = async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = tokio::signal::ctrl_c() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    };
    axum::serve(listener, router)
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| format!("the lab CRL server failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_urls_are_served() {
        let (addr, path) = listen_address("http://127.0.0.1:18080/lab-root.crl").unwrap();
        assert_eq!((addr.port(), path.as_str()), (18080, "/lab-root.crl"));
        assert!(listen_address("https://127.0.0.1:1/x.crl").is_err());
        assert!(listen_address("http://crl.contoso.com:80/x.crl").is_err());
        assert!(listen_address("not a url").is_err());
    }
}
