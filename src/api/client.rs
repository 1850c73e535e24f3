//! The API client: the scripting commands and the console talk to a site only through this.

pub use super::error::{ClientError, cause_chain};
pub use super::events::{AnalyzerStream, EventStream, Held, KEEP_ALIVE_HEADER, NotificationStream};
use super::wire::{ErrorBody, ErrorDetail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Told the bytes of a file sent so far, as an upload goes (for a progress bar).
pub type Progress = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

/// A client of one site.
#[derive(Clone)]
pub struct Client {
    base: String,
    /// The bearer token; none for a client that authenticates otherwise (a client certificate
    /// presented to a CMG, which forwards with its connection point's credentials).
    token: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the site at `base` (e.g. `http://127.0.0.1:8443`) with a bearer `token`;
    /// `ca_pem` is the CA to trust for an `https://` site.
    pub fn new(base: &str, token: &str, ca_pem: Option<&str>) -> Result<Client, ClientError> {
        crate::tls::install_crypto_provider();
        let transport = |message: String| ClientError::Transport {
            url: base.to_string(),
            message,
        };
        // The site is reached directly: a proxy in the environment is for the site's own calls
        // to the cloud, not for operators talking to their site.
        // Idle pooled connections are dropped before the site's listener closes them (it
        // allows 30 s between requests, tls::listen): a request never races that close.
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(20));
        if let Some(pem) = ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| transport(e.to_string()))?;
            builder = builder.tls_certs_only(certs);
        }
        let http = builder.build().map_err(|e| transport(e.to_string()))?;
        Ok(Client::through(base, Some(token), http))
    }

    /// A client of the API at `base` over a prepared HTTP client (its TLS identity, trusted
    /// roots and name resolution already set), with a bearer token or none: how a client
    /// reaches the management point through a CMG with the same typed operations.
    pub fn through(base: &str, token: Option<&str>, http: reqwest::Client) -> Client {
        Client {
            base: base.trim_end_matches('/').to_string(),
            token: token.map(str::to_string),
            http,
        }
    }

    fn authorized(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// The site's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let transport = |e: reqwest::Error| ClientError::transport(&self.base, &e);
        let resp = self.authorized(req).send().await.map_err(transport)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(transport)?;
        if status.is_success() {
            let body: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            serde_json::from_slice(body).map_err(|e| ClientError::Transport {
                url: self.base.clone(),
                message: format!("unexpected answer: {e}"),
            })
        } else {
            Err(ClientError::Api {
                status: status.as_u16(),
                detail: refusal(&bytes, None),
            })
        }
    }

    /// GET `path` (e.g. `/v1/cdps`).
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.send(self.http.get(self.url(path))).await
    }

    /// POST `body` to `path`.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    /// POST with no body (an action such as start or disable).
    pub async fn post_empty<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.send(self.http.post(self.url(path))).await
    }

    /// PATCH `body` to `path`.
    pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.http.patch(self.url(path)).json(body)).await
    }

    /// PUT `body` to `path`.
    pub async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.http.put(self.url(path)).json(body)).await
    }

    /// PUT a file's bytes to `path`, streamed from disk (never read whole into memory).
    pub async fn put_file<T: DeserializeOwned>(
        &self,
        path: &str,
        file: &std::path::Path,
        progress: Option<Progress>,
    ) -> Result<T, ClientError> {
        let local = |message: String| ClientError::Transport {
            url: self.base.clone(),
            message: format!("{}: {message}", file.display()),
        };
        let f = tokio::fs::File::open(file)
            .await
            .map_err(|e| local(e.to_string()))?;
        let len = f.metadata().await.map_err(|e| local(e.to_string()))?.len();
        let stream = futures_util::stream::unfold((Some(f), 0u64), move |(f, sent)| {
            let progress = progress.clone();
            async move {
                use tokio::io::AsyncReadExt;
                let mut f = f?;
                let mut buf = vec![0u8; 256 * 1024];
                match f.read(&mut buf).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        let sent = sent + n as u64;
                        if let Some(p) = &progress {
                            p(sent);
                        }
                        Some((Ok::<_, std::io::Error>(buf), (Some(f), sent)))
                    }
                    Err(e) => Some((Err(e), (None, sent))),
                }
            }
        });
        self.send(
            self.http
                .put(self.url(path))
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .header(reqwest::header::CONTENT_LENGTH, len)
                .body(reqwest::Body::wrap_stream(stream)),
        )
        .await
    }

    /// DELETE `path`.
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.send(self.http.delete(self.url(path))).await
    }

    /// Opens the event stream; `last_id` resumes after that event.
    pub async fn events(&self, last_id: Option<u64>) -> Result<EventStream, ClientError> {
        self.events_of(last_id, None).await
    }

    /// [`Client::events`] narrowed to `kinds` (every kind when `None`); `resync` always comes.
    pub async fn events_of(
        &self,
        last_id: Option<u64>,
        kinds: Option<&super::wire::EventKinds>,
    ) -> Result<EventStream, ClientError> {
        let mut path = super::routes::events();
        if let Some(kinds) = kinds {
            // Wire names are lower-case letters and underscores: nothing to escape.
            path = format!(
                "{path}?{}={}",
                super::wire::EVENT_KINDS_PARAM,
                kinds.query()
            );
        }
        let mut req = self.authorized(self.http.get(self.url(&path)));
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let resp = self.open(req, "the event stream").await?;
        Ok(EventStream::new(resp, &self.base))
    }

    /// GETs a held (streaming) route and answers once its head arrived; the body streams on.
    pub(super) async fn hold(
        &self,
        path: &str,
        what: &str,
    ) -> Result<reqwest::Response, ClientError> {
        self.open(self.authorized(self.http.get(self.url(path))), what)
            .await
    }

    /// POSTs `body` to a route whose answer streams, and answers once its head arrived.
    pub(super) async fn hold_post<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
        what: &str,
    ) -> Result<reqwest::Response, ClientError> {
        let req = self.http.post(self.url(path)).json(body);
        self.open(self.authorized(req), what).await
    }

    /// Sends a request whose answer streams; an error status becomes the site's error.
    async fn open(
        &self,
        req: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<reqwest::Response, ClientError> {
        let transport = |e: reqwest::Error| ClientError::transport(&self.base, &e);
        let resp = req.send().await.map_err(transport)?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.map_err(transport)?;
            let detail = refusal(&bytes, Some(what));
            return Err(ClientError::Api { status, detail });
        }
        Ok(resp)
    }

    /// Relays a client's request to one of the routes a CMG carries (its URL mappings) with
    /// this client's token, as a connection point does: `path_and_query` is the client's, and a
    /// path outside the mappings is refused here, so a relay can never reach another route.
    /// The answer comes back as it is, error statuses included, its body streaming.
    pub async fn relay(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        headers: reqwest::header::HeaderMap,
        body: reqwest::Body,
    ) -> Result<reqwest::Response, ClientError> {
        let path = path_and_query.split('?').next().unwrap_or_default();
        if super::mappings::UrlMapping::for_path(path).is_none() {
            return Err(ClientError::Transport {
                url: self.base.clone(),
                message: format!("{path} is outside the CMG's URL mappings"),
            });
        }
        let req = self
            .http
            .request(method, self.url(path_and_query))
            .headers(headers)
            .body(body);
        self.authorized(req)
            .send()
            .await
            .map_err(|e| ClientError::transport(&self.base, &e))
    }
}

/// What a refusal says: the site's JSON error, or else the text of whatever answered (a CMG
/// or a proxy refuses in plain text), cut to 300 characters and prefixed with `cannot open
/// WHAT` for a stream; never nothing.
fn refusal(body: &[u8], opening: Option<&str>) -> ErrorDetail {
    if let Ok(b) = serde_json::from_slice::<ErrorBody>(body) {
        return b.error;
    }
    let text: String = String::from_utf8_lossy(body)
        .trim()
        .chars()
        .take(300)
        .collect();
    let message = match (opening, text.is_empty()) {
        (Some(what), true) => format!("cannot open {what}"),
        (Some(what), false) => format!("cannot open {what}: {text}"),
        (None, _) => text,
    };
    ErrorDetail {
        code: "http".into(),
        message,
        field: None,
        rule: None,
    }
}

#[cfg(test)]
mod tests {
    use super::refusal;

    #[test]
    fn a_refusal_keeps_the_words_of_whatever_refused() {
        let plain = refusal(
            b"client certificate not trusted\n",
            Some("the notification channel"),
        );
        assert_eq!(
            plain.message,
            "cannot open the notification channel: client certificate not trusted"
        );
        let json = refusal(br#"{"error":{"code":"x","message":"m"}}"#, Some("w"));
        assert_eq!((json.code.as_str(), json.message.as_str()), ("x", "m"));
        assert_eq!(refusal(b"", Some("w")).message, "cannot open w");
        assert_eq!(refusal(b"gone", None).message, "gone");
    }
}
