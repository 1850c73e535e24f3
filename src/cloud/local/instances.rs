//! One instance of a hosted service: an HTTPS listener on loopback, served with the service
//! certificate, answering `GET /` and `GET`/`HEAD /content/<package>/<file>`: a blob of the
//! deployment's storage container, for a client holding an access token for that package
//! (`Authorization: Bearer <token>`, see [`crate::content::token`]), whole or one byte range.
//! A CDP counts every body byte sent as the deployment's egress; a CMG with a gateway counts
//! every byte its sockets send instead (`meter`), and hands what it does not answer itself to
//! its client path (`cmg`).

use super::blobs::{self, ByteRange};
use super::net::{Server, listen};
use super::store::{BlobMeta, BlobStore, ContainerRef, ReadBody, Want};
use crate::content::token::{self, TokenError};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use futures_util::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use time::OffsetDateTime;
use time::macros::format_description;

/// Where content comes from and the key tokens must be signed with; the deployment replaces
/// it when it applies a new spec, so running listeners pick up a rotated key at once.
#[derive(Default)]
pub(super) struct ContentCfg {
    /// The storage container and the store holding its blobs, when the service has a
    /// storage account.
    pub source: Option<(Arc<dyn BlobStore>, ContainerRef)>,
    /// The access key; `None`: the service serves no content.
    pub key: Option<Vec<u8>>,
}

impl std::fmt::Debug for ContentCfg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("ContentCfg")
            .field(
                "source",
                &self.source.as_ref().map(|(store, c)| (store.kind(), c)),
            )
            .field("key", &self.key.as_ref().map(|_| ".."))
            .finish()
    }
}

/// The content settings shared by a deployment and its instances.
pub(super) type SharedContent = Arc<RwLock<Arc<ContentCfg>>>;

/// Decodes a spec's access key (base64 of 32 bytes); the error says what is wrong.
pub(super) fn access_key(b64: &str) -> Result<Vec<u8>, String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| "the content access key is not base64".to_string())?;
    if key.len() != 32 {
        return Err(format!(
            "the content access key must be 32 bytes, not {}",
            key.len()
        ));
    }
    Ok(key)
}

/// What an instance serves.
#[derive(Clone, Debug)]
pub(super) struct InstanceCtx {
    /// Deployment name.
    pub name: String,
    /// Instance id, e.g. `CDP_IN_0`.
    pub id: String,
    /// Content folder and access key, shared with the deployment.
    pub content: SharedContent,
    /// The deployment's egress counter when content body bytes are what it counts (a CDP);
    /// `None` when the instance's sockets count every byte it sends (a CMG with a gateway).
    pub body_egress: Option<Arc<AtomicU64>>,
}

/// How an instance's public listener serves.
pub(super) struct Serving {
    /// Its TLS configuration.
    pub tls: Arc<rustls::ServerConfig>,
    /// Counts every byte sent, when the sockets are metered.
    pub meter: Option<Arc<AtomicU64>>,
    /// Takes the requests the instance does not answer itself (a CMG's client path).
    pub rest: Option<Router>,
}

/// Listens on 127.0.0.1:`port` (any port when `None` or when that one is taken) and serves there.
pub(super) fn start(
    port: Option<u16>,
    serving: Serving,
    ctx: InstanceCtx,
) -> std::io::Result<Server> {
    let listener = listen(port)?;
    let router = Router::new()
        .route("/", get(ready))
        .route("/content/{*path}", get(content))
        .with_state(Arc::new(ctx));
    let router = match serving.rest {
        Some(rest) => router.fallback_service(rest),
        None => router,
    };
    Server::https(listener, serving.tls, serving.meter, router)
}

async fn ready(State(ctx): State<Arc<InstanceCtx>>) -> String {
    format!("{} {} ready", ctx.name, ctx.id)
}

fn text(status: StatusCode, message: impl Into<String>) -> Response {
    (status, message.into()).into_response()
}

fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "not found\n")
}

/// Checks the request's bearer token for `package` on service `name`: `None` lets it through,
/// a refusal carries the reason as plain text, for the client's operator.
fn refusal(name: &str, key: &[u8], headers: &HeaderMap, package: &str) -> Option<Response> {
    let unauthorized = |e: TokenError| {
        let mut response = text(StatusCode::UNAUTHORIZED, e.to_string());
        let challenge = match e {
            TokenError::Missing => format!("Bearer realm=\"{name}\""),
            _ => format!("Bearer realm=\"{name}\", error=\"invalid_token\""),
        };
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    };
    let token = match headers.get(header::AUTHORIZATION) {
        None => "",
        Some(value) => match value
            .to_str()
            .ok()
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        {
            Some((_, token)) => token,
            None => return Some(unauthorized(TokenError::Malformed)),
        },
    };
    let now = OffsetDateTime::now_utc().unix_timestamp();
    match token::verify(key, token, package, now) {
        Ok(claims) if claims.svc.eq_ignore_ascii_case(name) => None,
        Ok(claims) => Some(text(
            StatusCode::FORBIDDEN,
            format!(
                "the access token is for service {}, not this one ({name})",
                claims.svc
            ),
        )),
        Err(e @ TokenError::WrongPackage(_)) => Some(text(StatusCode::FORBIDDEN, e.to_string())),
        Err(e) => Some(unauthorized(e)),
    }
}

/// `Last-Modified` of a blob (IMF-fixdate).
fn http_date(modified: OffsetDateTime) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    modified.format(&format).unwrap_or_default()
}

/// Does `If-Range` (if any) still match the file, so a `Range` may be honoured?
fn if_range_holds(headers: &HeaderMap, etag: &str, last_modified: &str) -> bool {
    match headers.get(header::IF_RANGE).map(HeaderValue::to_str) {
        None => true,
        // Strong comparison: a weak tag (`W/"…"`) never equals ours; a date must be exact.
        Some(Ok(value)) => {
            let value = value.trim();
            value == etag || value == last_modified
        }
        Some(Err(_)) => false,
    }
}

async fn content(
    State(ctx): State<Arc<InstanceCtx>>,
    method: Method,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    // A name that breaks the rules never exists (partial copies included): 404 before anything.
    let Ok((package, file)) = blobs::split_blob(&path) else {
        return not_found();
    };
    let cfg = ctx
        .content
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let Some(key) = &cfg.key else {
        return text(StatusCode::FORBIDDEN, "this service serves no content");
    };
    if let Some(refusal) = refusal(&ctx.name, key, &headers, package) {
        return refusal;
    }
    let Some((store, container)) = &cfg.source else {
        return not_found();
    };
    let range_header = headers.get(header::RANGE).map(HeaderValue::to_str);
    let pick = |meta: &BlobMeta| match &range_header {
        Some(Ok(value)) if if_range_holds(&headers, &meta.etag, &http_date(meta.modified)) => {
            blobs::parse_range(value, meta.len)
        }
        _ => ByteRange::Full,
    };
    let want = Want {
        range: range_header.is_some().then_some(&pick as _),
        head_only: method == Method::HEAD,
    };
    let fetched = match store.get(container, package, file, want).await {
        Ok(Some(fetched)) => fetched,
        Ok(None) => return not_found(),
        Err(e) => return text(StatusCode::INTERNAL_SERVER_ERROR, e.body.message),
    };
    let (meta, last_modified) = (&fetched.meta, http_date(fetched.meta.modified));
    let len = meta.len;
    let (status, start, count) = match fetched.range {
        ByteRange::Full => (StatusCode::OK, 0, len),
        ByteRange::Part { start, end } => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        ByteRange::Unsatisfiable => {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [
                    (header::CONTENT_RANGE, format!("bytes */{len}")),
                    (header::ACCEPT_RANGES, "bytes".to_string()),
                    (header::ETAG, meta.etag.clone()),
                ],
            )
                .into_response();
        }
    };
    let egress = ctx.body_egress.clone();
    let body = match fetched.body {
        // No body for a HEAD, so nothing read and nothing counted.
        ReadBody::Empty => Body::empty(),
        // Counted when the connection takes each piece.
        ReadBody::Whole(bytes) => Body::new(Once {
            bytes: Some(bytes),
            egress,
        }),
        ReadBody::Stream(stream) => Body::from_stream(counted(stream, egress)),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let h = response.headers_mut();
    let mut set = |name, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            h.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, "application/octet-stream".into());
    set(header::CONTENT_LENGTH, count.to_string());
    set(header::ACCEPT_RANGES, "bytes".into());
    set(header::ETAG, fetched.meta.etag.clone());
    set(header::LAST_MODIFIED, last_modified);
    if status == StatusCode::PARTIAL_CONTENT {
        set(
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{len}", start + count - 1),
        );
    }
    response
}

/// A body in memory, sent in one piece and counted as egress when the connection takes it.
/// Unlike a one-item stream, it tells the connection its exact size and that nothing
/// follows, so headers and body leave in one write and no further poll is made.
struct Once {
    bytes: Option<Bytes>,
    egress: Option<Arc<AtomicU64>>,
}

impl axum::body::HttpBody for Once {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        let taken = self.bytes.take();
        if let (Some(egress), Some(bytes)) = (&self.egress, &taken) {
            egress.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        std::task::Poll::Ready(taken.map(|bytes| Ok(hyper::body::Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.bytes.is_none()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.bytes.as_ref().map_or(0, |b| b.len() as u64))
    }
}

/// Counts every piece of a body as egress when the connection takes it.
fn counted(
    stream: impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    egress: Option<Arc<AtomicU64>>,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    stream.inspect(move |piece| {
        if let (Some(egress), Ok(bytes)) = (&egress, piece) {
            egress.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_keys_are_32_bytes_of_base64() {
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(access_key(&b64), Ok(vec![7u8; 32]));
        assert!(access_key("not base64!").is_err());
        assert!(
            access_key(&base64::engine::general_purpose::STANDARD.encode([7u8; 16]))
                .is_err_and(|e| e.contains("16"))
        );
    }

    #[test]
    fn if_range_needs_the_same_strong_validator() {
        let mut h = HeaderMap::new();
        assert!(if_range_holds(
            &h,
            "\"a-1\"",
            "Mon, 01 Jan 2024 00:00:00 GMT"
        ));
        h.insert(header::IF_RANGE, HeaderValue::from_static("\"a-1\""));
        assert!(if_range_holds(&h, "\"a-1\"", "x"));
        assert!(!if_range_holds(&h, "\"a-2\"", "x"));
        h.insert(header::IF_RANGE, HeaderValue::from_static("W/\"a-1\""));
        assert!(!if_range_holds(&h, "\"a-1\"", "x"));
        h.insert(
            header::IF_RANGE,
            HeaderValue::from_static("Mon, 01 Jan 2024 00:00:00 GMT"),
        );
        assert!(if_range_holds(
            &h,
            "\"a-1\"",
            "Mon, 01 Jan 2024 00:00:00 GMT"
        ));
        assert!(!if_range_holds(
            &h,
            "\"a-1\"",
            "Tue, 02 Jan 2024 00:00:00 GMT"
        ));
    }
}
