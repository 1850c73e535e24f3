//! A deadline for every request but a file upload: tower-http's timeout layer, answering 503
//! (in the JSON error shape, see `refusals`) when a handler takes longer. An upload streams for
//! as long as the file takes and has its own idle limit (`Timing::upload_idle`); a held stream
//! (events, notifications) answers its head at once, and the deadline covers only the head.

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Duration;
use tower::{Layer, ServiceExt};
use tower_http::timeout::TimeoutLayer;

/// Longest a handler may take to answer (the slowest, validating a subscription against a
/// cloud through a proxy, takes seconds).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Middleware: runs the rest of the stack under [`REQUEST_TIMEOUT`], uploads excepted.
pub(super) async fn within_deadline(req: Request, next: Next) -> Response {
    let upload = req.method() == Method::PUT && req.uri().path().contains("/files/");
    if upload {
        return next.run(req).await;
    }
    let timed = TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT)
        .layer(next);
    match timed.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
