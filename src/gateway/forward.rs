//! A client request at one CMG instance: refused unless it is in the URL mappings and (when
//! the CMG checks client certificates) its client's certificate is accepted; otherwise sent
//! over a channel to a connection point, with the hop's headers replaced by the CMG's own, and
//! the answer streamed back. Refusals are plain text naming what is wrong.

use super::client_auth::ClientTrust;
use super::pool::{ChannelPool, ForwardError};
use super::protocol::{
    CLIENT_ADDRESS_HEADER, CLIENT_CERT_HEADER, CMG_HEADER, INSTANCE_HEADER,
    is_hop_or_gateway_header,
};
use super::revocation::{CRL_CACHE_TTL, CrlFetcher};
use crate::api::mappings::{NOTIFICATIONS_PATH, UrlMapping};
use axum::body::Body;
use axum::http::uri::{Authority, Scheme};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, Uri, header};
use base64::Engine as _;
use futures_util::StreamExt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How a CMG authenticates clients.
pub struct ClientAuth {
    /// The trusted roots.
    pub trust: ClientTrust,
    /// Where CRLs come from, when the CMG verifies client certificate revocation.
    pub revocation: Option<Arc<dyn CrlFetcher>>,
}

/// The client a request came from, as its connection to the instance showed it.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    /// Its address.
    pub address: IpAddr,
    /// The certificates it presented in TLS, leaf first (DER); empty when none.
    pub chain: &'a [Vec<u8>],
    /// Where its connection remembers that its certificate was accepted.
    pub accepted: &'a Accepted,
}

/// How long a connection's accepted certificate is not checked again: as long as a CRL is
/// cached, so a revocation is seen no later than without it.
pub const ACCEPTED_FOR: Duration = CRL_CACHE_TTL;

/// When a connection's client certificate was last accepted. A connection's chain cannot
/// change, so checking it (a signature verification, and the CRL's with revocation on) on every
/// request of a keep-alive connection only spends the instance's CPU: it was most of a
/// request's cost through the gateway. Refusals are not remembered (a CRL that could not be
/// fetched may be fetched next time).
#[derive(Debug, Default)]
pub struct Accepted {
    at: Mutex<Option<Instant>>,
    /// The client's headers for the channel (its address, its certificate in base64), made
    /// once: a connection's address and chain do not change either.
    headers: OnceLock<ClientHeaders>,
}

/// What the CMG tells the site about a connection's client.
#[derive(Debug)]
struct ClientHeaders {
    address: Option<HeaderValue>,
    certificate: Option<HeaderValue>,
}

impl ClientHeaders {
    fn of(client: &Client<'_>) -> ClientHeaders {
        ClientHeaders {
            address: HeaderValue::from_str(&client.address.to_string()).ok(),
            certificate: client.chain.first().and_then(|der| {
                HeaderValue::from_str(&base64::engine::general_purpose::STANDARD.encode(der)).ok()
            }),
        }
    }
}

impl Accepted {
    /// Accepted within [`ACCEPTED_FOR`].
    fn recent(&self) -> bool {
        self.lock().is_some_and(|at| at.elapsed() < ACCEPTED_FOR)
    }

    fn remember(&self) {
        *self.lock() = Some(Instant::now());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        // An instant is an instant whatever a panicking holder did.
        self.at.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One instance's traffic, as the cloud reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateStats {
    /// The connection points holding a channel.
    pub connection_points: Vec<String>,
    /// Notification requests being answered now.
    pub notification_channels: u64,
    /// Requests a connection point answered.
    pub requests: u64,
    /// Requests the instance answered itself with a refusal or an error.
    pub refused: u64,
}

/// The client side of one CMG instance: its channels and counters.
pub struct Gate {
    pool: ChannelPool,
    authority: Authority,
    cmg: HeaderValue,
    instance: String,
    clients: Option<Arc<ClientAuth>>,
    requests: AtomicU64,
    refused: AtomicU64,
    held: Arc<AtomicU64>,
}

/// Counts one notification request as held until dropped (its answer ended or broke off).
struct Held(Arc<AtomicU64>);

impl Held {
    fn new(count: &Arc<AtomicU64>) -> Held {
        count.fetch_add(1, Ordering::Relaxed);
        Held(count.clone())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The mappings as a refusal lists them: `management point /v1/mp/, …`.
fn mappings_text() -> String {
    UrlMapping::ALL
        .iter()
        .map(|m| format!("{} {}", m.role_name(), m.prefix()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A path as a message quotes it: not endless.
fn quoted(path: &str) -> String {
    const LIMIT: usize = 200;
    match path.char_indices().nth(LIMIT) {
        Some((at, _)) => format!("{}…", &path[..at]),
        None => path.to_string(),
    }
}

/// Headers of `from` that go on to the next hop: not the hop's own (including those its
/// `Connection` header names), not the CMG's.
fn end_to_end(from: &HeaderMap) -> HeaderMap {
    let named: Vec<String> = from
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::with_capacity(from.len());
    for (name, value) in from {
        if !is_hop_or_gateway_header(name.as_str()) && !named.iter().any(|n| n == name.as_str()) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

impl Gate {
    /// The gate of instance `instance` of the CMG whose service FQDN is `cmg`; `clients`:
    /// how clients authenticate, `None` when the CMG asks for no client certificate.
    pub fn new(cmg: &str, instance: &str, clients: Option<Arc<ClientAuth>>) -> Gate {
        // The channel's requests name the CMG as their authority; a name that is not one
        // (it came from a certificate) still needs a stand-in.
        let authority = cmg
            .parse()
            .unwrap_or_else(|_| Authority::from_static("cmg.invalid"));
        Gate {
            pool: ChannelPool::new(),
            authority,
            cmg: HeaderValue::from_str(cmg).unwrap_or_else(|_| HeaderValue::from_static("cmg")),
            instance: instance.to_string(),
            clients,
            requests: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            held: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The instance's channels.
    pub fn pool(&self) -> &ChannelPool {
        &self.pool
    }

    /// Its traffic so far.
    pub fn stats(&self) -> GateStats {
        GateStats {
            connection_points: self.pool.peers(),
            notification_channels: self.held.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
        }
    }

    fn refuse(&self, status: StatusCode, message: String) -> Response<Body> {
        self.refused.fetch_add(1, Ordering::Relaxed);
        let mut response = Response::new(Body::from(format!("{message}\n")));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }

    /// Answers one client request (see the module documentation).
    pub async fn handle(&self, client: Client<'_>, req: Request<Body>) -> Response<Body> {
        let path = req.uri().path();
        if UrlMapping::for_path(path).is_none() {
            let message = format!(
                "{} is not in this CMG's URL mappings ({})",
                quoted(path),
                mappings_text()
            );
            return self.refuse(StatusCode::FORBIDDEN, message);
        }
        // The certificate goes to the site only when this CMG checked it.
        let checked = match &self.clients {
            None => false,
            Some(_) if client.accepted.recent() => true,
            Some(auth) => {
                let verdict = auth
                    .trust
                    .authenticate(client.chain, auth.revocation.as_deref())
                    .await;
                match verdict {
                    Ok(()) => {
                        client.accepted.remember();
                        true
                    }
                    Err(e) => return self.refuse(StatusCode::FORBIDDEN, e.to_string()),
                }
            }
        };
        let held = (path == NOTIFICATIONS_PATH).then(|| Held::new(&self.held));
        let outgoing = match self.outgoing(req, client, checked) {
            Ok(req) => req,
            Err(message) => return self.refuse(StatusCode::BAD_REQUEST, message),
        };
        match self.pool.forward(outgoing).await {
            Ok((_, answer)) => {
                self.requests.fetch_add(1, Ordering::Relaxed);
                let (mut parts, body) = answer.into_parts();
                parts.headers = end_to_end(&parts.headers);
                let body = match held {
                    None => Body::new(body),
                    // The count drops when the answer's stream ends or the client leaves.
                    Some(held) => Body::from_stream(Body::new(body).into_data_stream().map(
                        move |chunk| {
                            let _ = &held;
                            chunk
                        },
                    )),
                };
                Response::from_parts(parts, body)
            }
            Err(ForwardError::NoChannel) => self.refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "no CMG connection point is connected to {}: the site cannot be reached through this instance now",
                    self.instance
                ),
            ),
            Err(ForwardError::Failed { peer, cause }) => self.refuse(
                StatusCode::BAD_GATEWAY,
                format!("the CMG connection point {peer} did not answer: {cause}"),
            ),
        }
    }

    /// The request as it goes over the channel: same method, path, query and body; the
    /// end-to-end headers; the CMG's own headers.
    fn outgoing(
        &self,
        req: Request<Body>,
        client: Client<'_>,
        with_certificate: bool,
    ) -> Result<Request<Body>, String> {
        let (parts, body) = req.into_parts();
        let path = parts
            .uri
            .path_and_query()
            .cloned()
            .ok_or_else(|| "the request has no path".to_string())?;
        let uri = Uri::builder()
            .scheme(Scheme::HTTPS)
            .authority(self.authority.clone())
            .path_and_query(path)
            .build()
            .map_err(|e| format!("the request's path cannot be forwarded: {e}"))?;
        let mut headers = end_to_end(&parts.headers);
        let mut set = |name: &'static str, value: HeaderValue| {
            headers.insert(HeaderName::from_static(name), value);
        };
        set(CMG_HEADER, self.cmg.clone());
        if let Ok(v) = HeaderValue::from_str(&self.instance) {
            set(INSTANCE_HEADER, v);
        }
        let known = client
            .accepted
            .headers
            .get_or_init(|| ClientHeaders::of(&client));
        if let Some(v) = &known.address {
            set(CLIENT_ADDRESS_HEADER, v.clone());
        }
        if let (true, Some(v)) = (with_certificate, &known.certificate) {
            set(CLIENT_CERT_HEADER, v.clone());
        }
        let mut out = Request::new(body);
        *out.method_mut() = parts.method;
        *out.uri_mut() = uri;
        *out.headers_mut() = headers;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_end_to_end_headers_go_on() {
        let mut h = HeaderMap::new();
        h.insert(
            "connection",
            HeaderValue::from_static("keep-alive, x-trace"),
        );
        h.insert("x-trace", HeaderValue::from_static("1"));
        h.insert("x-cmg-instance", HeaderValue::from_static("forged"));
        h.insert("host", HeaderValue::from_static("cmg.contoso.com"));
        h.insert("authorization", HeaderValue::from_static("Bearer t"));
        h.append("accept", HeaderValue::from_static("a"));
        h.append("accept", HeaderValue::from_static("b"));
        let out = end_to_end(&h);
        let names: Vec<&str> = out.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["authorization", "accept"]);
        assert_eq!(out.get_all("accept").iter().count(), 2);
    }

    #[test]
    fn an_accepted_certificate_is_remembered_for_a_while() {
        let accepted = Accepted::default();
        assert!(!accepted.recent(), "nothing accepted yet");
        accepted.remember();
        assert!(accepted.recent());
        *accepted.lock() = Instant::now().checked_sub(ACCEPTED_FOR);
        assert!(!accepted.recent(), "checked again once it is old");
    }

    #[test]
    fn refusals_name_the_mappings() {
        assert_eq!(
            mappings_text(),
            format!(
                "management point {}, software update point {}",
                UrlMapping::ManagementPoint.prefix(),
                UrlMapping::SoftwareUpdatePoint.prefix()
            )
        );
        assert_eq!(quoted(&"a".repeat(300)).chars().count(), 201);
    }
}
