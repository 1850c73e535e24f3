//! What a connection point serves on each channel: client requests inside the CMG's URL
//! mappings (`/v1/mp/…`, `/v1/sup/…`) relayed to the site with the connection point's token
//! and the CMG's `x-cmg-*` headers, so the site's logs name the CMG and the client certificate;
//! and the clients' notification channels, answered here from the connection point's one
//! subscription to the site, so a held client costs the site nothing.

use super::shared::{LocalSite, Shared};
use crate::api::mappings::{NOTIFICATION_EVENT, NOTIFICATIONS_PATH, UrlMapping};
use crate::api::wire::{ErrorBody, ErrorDetail};
use crate::domain::task::Level;
use crate::gateway::protocol::{CLIENT_ADDRESS_HEADER, CLIENT_CERT_HEADER, HOP_HEADERS};
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt, TryStreamExt};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// How often a held notification channel carries a keep-alive: rarely, since a connection
/// point may hold many thousands of them.
const NOTIFICATION_KEEP_ALIVE: Duration = Duration::from_secs(60);

/// The service a channel carries: a client's notification channel, answered here, or a
/// request relayed to the site. Two cases need no router, and every request through the CMG
/// passes here.
pub(super) fn service(
    shared: Arc<Shared>,
) -> impl tower::Service<
    Request,
    Response = Response,
    Error = Infallible,
    Future = impl Future<Output = Result<Response, Infallible>> + Send + 'static,
> + Clone
+ Send
+ 'static {
    tower::service_fn(move |req: Request| {
        let shared = Arc::clone(&shared);
        async move {
            Ok(if req.uri().path() == NOTIFICATIONS_PATH {
                if req.method() == Method::GET {
                    notifications(shared).await.into_response()
                } else {
                    error(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "method_not_allowed",
                        format!("{NOTIFICATIONS_PATH} answers GET only"),
                    )
                }
            } else {
                relay(shared, req).await
            })
        }
    })
}

/// Headers that describe one hop and are not relayed (RFC 9110 §7.6.1), and the client's own
/// credentials: the connection point's token replaces them.
fn is_hop_header(name: &str) -> bool {
    HOP_HEADERS.contains(&name) || matches!(name, "content-length" | "authorization")
}

fn kept(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        if !is_hop_header(name.as_str()) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message,
            field: None,
            rule: None,
        },
    };
    (status, axum::Json(body)).into_response()
}

/// Relays a client request to the site and its answer back, both streamed.
async fn relay(shared: Arc<Shared>, req: Request) -> Response {
    let path = req.uri().path();
    if UrlMapping::for_path(path).is_none() {
        // The CMG refuses these already; a connection point does not trust that it did.
        return error(
            StatusCode::NOT_FOUND,
            "not_mapped",
            format!("{path} is not in the CMG's URL mappings"),
        );
    }
    let client = ClientNote::of(req.headers());
    let headers = kept(req.headers());
    if let Some(local) = &shared.opts.local_site {
        return relay_here(&shared, local, req, headers, &client).await;
    }
    let path = path.to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let method = req.method().clone();
    // A request without a body (most are GETs) goes on without one, not as an empty stream.
    let body = if req.body().size_hint().exact() == Some(0) {
        reqwest::Body::from(Vec::new())
    } else {
        reqwest::Body::wrap_stream(req.into_body().into_data_stream())
    };
    let answer = shared
        .client
        .relay(method.clone(), &path_and_query, headers, body)
        .await;
    let resp = match answer {
        Ok(r) => r,
        Err(e) => {
            shared.log.line(
                Level::Error,
                &format!("ERROR: Failed to forward {method} {path} from {client} to the site: {e}"),
            );
            return error(
                StatusCode::BAD_GATEWAY,
                "bad_gateway",
                format!("the connection point could not reach the site: {e}"),
            );
        }
    };
    if resp.status().is_server_error() {
        shared.log.line(
            Level::Warning,
            &format!(
                "The site answered {} to {method} {path} from {client}",
                resp.status()
            ),
        );
    }
    let mut out = Response::builder().status(resp.status());
    if let Some(h) = out.headers_mut() {
        *h = kept(resp.headers());
    }
    let stream = resp.bytes_stream().map_err(std::io::Error::other);
    out.body(Body::from_stream(stream))
        .unwrap_or_else(|e| error(StatusCode::BAD_GATEWAY, "bad_gateway", e.to_string()))
}

/// Relays a client request to the site's API in this process: the same request the site
/// would get over HTTP (mapped path, kept headers, the connection point's token), and its
/// answer back, the body streamed both ways.
async fn relay_here(
    shared: &Shared,
    local: &LocalSite,
    req: Request,
    headers: HeaderMap,
    client: &ClientNote,
) -> Response {
    use tower::ServiceExt as _;
    let (parts, body) = req.into_parts();
    let mut inner = Request::new(body);
    *inner.method_mut() = parts.method.clone();
    *inner.uri_mut() = parts.uri.path_and_query().map_or_else(
        || axum::http::Uri::from_static("/"),
        |p| {
            p.as_str()
                .parse()
                .unwrap_or_else(|_| axum::http::Uri::from_static("/"))
        },
    );
    *inner.headers_mut() = headers;
    match axum::http::HeaderValue::from_str(&format!("Bearer {}", local.token)) {
        Ok(v) => {
            inner
                .headers_mut()
                .insert(axum::http::header::AUTHORIZATION, v);
        }
        Err(_) => {
            return error(
                StatusCode::BAD_GATEWAY,
                "bad_gateway",
                "the connection point's token cannot go in a header".into(),
            );
        }
    }
    let Ok(resp) = local.api.clone().oneshot(inner).await;
    if resp.status().is_server_error() {
        shared.log.line(
            Level::Warning,
            &format!(
                "The site answered {} to {} {} from {client}",
                resp.status(),
                parts.method,
                parts.uri.path()
            ),
        );
    }
    let (mut head, body) = resp.into_parts();
    head.headers = kept(&head.headers);
    Response::from_parts(head, body)
}

/// Who the client is, for the log: its address and whether it showed a certificate. Written
/// out only when a line names it (most requests log nothing here).
struct ClientNote {
    address: Option<axum::http::HeaderValue>,
    certificate: bool,
}

impl ClientNote {
    fn of(headers: &HeaderMap) -> ClientNote {
        ClientNote {
            address: headers.get(CLIENT_ADDRESS_HEADER).cloned(),
            certificate: headers.contains_key(CLIENT_CERT_HEADER),
        }
    }
}

impl std::fmt::Display for ClientNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let address = self
            .address
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or("an unknown client");
        if self.certificate {
            write!(f, "{address} (client certificate)")
        } else {
            f.write_str(address)
        }
    }
}

/// A client's notification channel: every notification the site pushes from now on.
async fn notifications(shared: Arc<Shared>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = shared.notices.subscribe();
    let stream = tokio_stream::wrappers::BroadcastStream::new(rx)
        // A client that fell behind misses older notifications, never its channel.
        .filter_map(|n| async move { n.ok() })
        .map(|n| {
            let data = serde_json::to_string(&n).unwrap_or_default();
            Ok(Event::default()
                .event(NOTIFICATION_EVENT)
                .id(n.id.clone())
                .data(data))
        })
        .take_until(Box::pin(shared.stopped()));
    Sse::new(stream).keep_alive(KeepAlive::new().interval(NOTIFICATION_KEEP_ALIVE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn the_clients_credentials_and_hop_headers_stay_behind() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer client".parse().unwrap());
        h.insert(header::CONNECTION, "close".parse().unwrap());
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        h.insert(CLIENT_CERT_HEADER, "AAAA".parse().unwrap());
        let out = kept(&h);
        assert!(out.get(header::AUTHORIZATION).is_none());
        assert!(out.get(header::CONNECTION).is_none());
        assert!(out.get(header::CONTENT_TYPE).is_some());
        assert!(
            out.get(CLIENT_CERT_HEADER).is_some(),
            "the CMG's headers go on"
        );
        assert_eq!(
            ClientNote::of(&h).to_string(),
            "an unknown client (client certificate)"
        );
    }
}
