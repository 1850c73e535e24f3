//! The site's side: [`LocalProvider`] calls the local cloud's management API with `reqwest`,
//! trusting only the cloud's CA, presenting the subscription's management certificate as the
//! TLS client certificate, and going through the site system's proxy when one is set.

use super::blobs::{self, Piece};
use super::wire::{
    BlobState, CODE_SHA256_MISMATCH, CODE_UPLOAD_IN_PROGRESS, ErrorBody, StorageUsage, Usage,
};
use crate::cloud::{
    BlobTarget, Caller, CloudError, DeploySpec, GatewayStatus, Provider, ProxyRoute, ServiceStatus,
    SubscriptionInfo,
};
use async_trait::async_trait;
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// How many clients (subscription × proxy combinations) are kept before the cache starts over.
const CACHE_LIMIT: usize = 64;

/// A client of the local cloud's management API.
pub struct LocalProvider {
    base: Url,
    ca_pem: String,
    clients: Mutex<HashMap<String, reqwest::Client>>,
}

impl std::fmt::Debug for LocalProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalProvider")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// The text of an error and all its sources, joined with ": ".
fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Maps a transport failure to a `CloudError`, blaming the proxy when it is at fault.
fn classify(err: &reqwest::Error, proxy: Option<&ProxyRoute>) -> CloudError {
    let text = chain_text(err);
    let lower = text.to_ascii_lowercase();
    let tls = ["certificate", "tls", "handshake"]
        .iter()
        .any(|w| lower.contains(w));
    if let Some(proxy) = proxy {
        let url = &proxy.url;
        if lower.contains("proxy authorization required") || lower.contains("407") {
            let creds = if proxy.credentials.is_some() {
                "it refused the configured credentials"
            } else {
                "it requires credentials and none are configured"
            };
            return CloudError::Proxy(format!(
                "the proxy {url} answered 407 Proxy Authentication Required: {creds} ({text})"
            ));
        }
        // Reaching the proxy itself failed (hyper-util wraps that in a tunnel error too).
        if lower.contains("failed to create underlying connection")
            || (err.is_connect() && !tls && !lower.contains("tunnel"))
        {
            return CloudError::Proxy(format!("the proxy {url} could not be reached ({text})"));
        }
        if lower.contains("tunnel") || lower.contains("unsuccessful") {
            return CloudError::Proxy(format!(
                "the proxy {url} refused to open a tunnel to the cloud; can the proxy reach it? ({text})"
            ));
        }
    }
    if err.is_timeout() {
        return CloudError::Unreachable(format!("the cloud did not answer in time ({text})"));
    }
    if err.is_connect() || tls || err.is_request() {
        return CloudError::Unreachable(text);
    }
    CloudError::Failed(format!("unexpected answer from the cloud: {text}"))
}

/// Maps an error answer to a `CloudError`, keeping the cloud's message.
fn from_status(status: StatusCode, body: &str) -> CloudError {
    let message = match serde_json::from_str::<ErrorBody>(body) {
        Ok(e) => e.message,
        Err(_) if body.trim().is_empty() => status.to_string(),
        Err(_) => format!(
            "{status}: {}",
            body.trim().chars().take(300).collect::<String>()
        ),
    };
    match status {
        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => CloudError::Unauthorized(message),
        StatusCode::NOT_FOUND => CloudError::NotFound(message),
        StatusCode::CONFLICT => CloudError::NameInUse(message),
        s if s.is_client_error() => CloudError::Rejected(message),
        _ => CloudError::Failed(message),
    }
}

impl LocalProvider {
    /// A client for the cloud at `management_url`, trusting only `ca_pem` for its certificate.
    pub fn new(management_url: &str, ca_pem: &str) -> Result<LocalProvider, CloudError> {
        crate::tls::install_crypto_provider();
        let base = Url::parse(management_url).map_err(|e| {
            CloudError::Unreachable(format!("invalid management URL '{management_url}': {e}"))
        })?;
        if base.cannot_be_a_base() {
            return Err(CloudError::Unreachable(format!(
                "invalid management URL '{management_url}'"
            )));
        }
        let roots = reqwest::Certificate::from_pem_bundle(ca_pem.as_bytes()).map_err(|e| {
            CloudError::Unreachable(format!("the cloud's CA certificate is not usable PEM: {e}"))
        })?;
        if roots.is_empty() {
            return Err(CloudError::Unreachable(
                "no CA certificate given for the cloud's management API".to_string(),
            ));
        }
        Ok(LocalProvider {
            base,
            ca_pem: ca_pem.to_string(),
            clients: Mutex::new(HashMap::new()),
        })
    }

    fn cache_key(caller: &Caller) -> String {
        let mut h = Sha256::new();
        let sub = &caller.subscription;
        for part in [&sub.id, &sub.management_cert_pem, &sub.management_key_pem] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        if let Some(proxy) = &caller.proxy {
            h.update(proxy.url.as_bytes());
            if let Some((user, pass)) = &proxy.credentials {
                h.update([1]);
                h.update(user.as_bytes());
                h.update([0]);
                h.update(pass.as_bytes());
            }
        }
        hex::encode(h.finalize())
    }

    fn client(&self, caller: &Caller) -> Result<reqwest::Client, CloudError> {
        let key = Self::cache_key(caller);
        let mut cache = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = cache.get(&key) {
            return Ok(client.clone());
        }
        let roots = reqwest::Certificate::from_pem_bundle(self.ca_pem.as_bytes()).map_err(|e| {
            CloudError::Unreachable(format!("the cloud's CA certificate is not usable PEM: {e}"))
        })?;
        let sub = &caller.subscription;
        let identity_pem = format!(
            "{}\n{}",
            sub.management_cert_pem.trim(),
            sub.management_key_pem.trim()
        );
        let identity = reqwest::Identity::from_pem(identity_pem.as_bytes()).map_err(|e| {
            CloudError::Unauthorized(format!(
                "the management certificate of subscription {} cannot be used as a client certificate: {}",
                sub.id,
                chain_text(&e)
            ))
        })?;
        let mut builder = reqwest::Client::builder()
            .tls_certs_only(roots)
            .identity(identity)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120));
        builder = match &caller.proxy {
            None => builder.no_proxy(),
            Some(route) => {
                let mut proxy = reqwest::Proxy::all(&route.url).map_err(|e| {
                    CloudError::Proxy(format!("the proxy URL '{}' is not valid: {e}", route.url))
                })?;
                if let Some((user, pass)) = &route.credentials {
                    proxy = proxy.basic_auth(user, pass);
                }
                builder.proxy(proxy)
            }
        };
        let client = builder.build().map_err(|e| {
            CloudError::Unauthorized(format!(
                "cannot set up TLS with the management certificate of subscription {}: {}",
                sub.id,
                chain_text(&e)
            ))
        })?;
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, client.clone());
        Ok(client)
    }

    fn url(&self, caller: &Caller, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.push(&caller.subscription.id);
            path.extend(segments);
        }
        url
    }

    /// Sends a request; an error answer or a transport failure becomes a `CloudError`.
    async fn send(
        &self,
        caller: &Caller,
        method: Method,
        segments: &[&str],
        body: Option<&DeploySpec>,
    ) -> Result<reqwest::Response, CloudError> {
        let client = self.client(caller)?;
        let url = self.url(caller, segments);
        let attempt = || {
            let mut request = client.request(method.clone(), url.clone());
            if let Some(body) = body {
                request = request.json(body);
            }
            request.send()
        };
        let response = match attempt().await {
            Ok(response) => Ok(response),
            // A pooled connection may have died with a restarted cloud; every call is
            // idempotent, so one fresh try is safe. A timeout has already waited long enough.
            Err(e) if !e.is_timeout() => attempt().await,
            Err(e) => Err(e),
        }
        .map_err(|e| classify(&e, caller.proxy.as_ref()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        Err(from_status(status, &text))
    }

    async fn json<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, CloudError> {
        let bytes = response.bytes().await.map_err(|e| {
            CloudError::Failed(format!("the cloud's answer broke off: {}", chain_text(&e)))
        })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| CloudError::Failed(format!("unexpected answer from the cloud: {e}")))
    }

    /// Content bytes served by the hosted service `name` (its egress).
    pub async fn usage(&self, caller: &Caller, name: &str) -> Result<Usage, CloudError> {
        let response = self
            .send(
                caller,
                Method::GET,
                &["services", "hostedservices", name, "usage"],
                None,
            )
            .await?;
        Self::json(response).await
    }

    /// Every hosted service of the caller's subscription.
    pub async fn list(&self, caller: &Caller) -> Result<Vec<ServiceStatus>, CloudError> {
        let response = self
            .send(caller, Method::GET, &["services", "hostedservices"], None)
            .await?;
        Self::json(response).await
    }
}

/// Upload attempts per blob; each resumes where the cloud's partial copy ends.
const UPLOAD_ATTEMPTS: u32 = 6;
/// Bytes read from the file per upload chunk.
const UPLOAD_CHUNK: u64 = 256 * 1024;
/// The slowest upload rate tolerated before a piece times out (it resumes on the next try).
const MIN_UPLOAD_RATE: u64 = 256 * 1024;

/// How one upload piece went.
enum Sent {
    /// The cloud answered; the blob's state after the piece.
    Stored(BlobState),
    /// The cloud refused it: status and body.
    Refused(StatusCode, String),
    /// The transfer broke off or timed out: why.
    BrokeOff(CloudError),
}

fn unreadable(file: &std::path::Path, e: std::io::Error) -> CloudError {
    CloudError::Failed(format!("cannot read {}: {e}", file.display()))
}

impl LocalProvider {
    /// [`Provider::put_blob`]: asks the cloud what it holds, then sends the rest of the file.
    async fn upload(
        &self,
        caller: &Caller,
        target: &BlobTarget,
        file: &std::path::Path,
        sha256: &str,
    ) -> Result<(), CloudError> {
        let (package, name) = blobs::split_blob(&target.blob).map_err(CloudError::Rejected)?;
        let sha = sha256.trim().to_ascii_lowercase();
        if !blobs::is_sha256_hex(&sha) {
            return Err(CloudError::Rejected(format!(
                "'{sha256}' is not a SHA-256 in hex (64 digits)"
            )));
        }
        let total = tokio::fs::metadata(file)
            .await
            .map_err(|e| unreadable(file, e))?
            .len();
        let blob = ["blobs", package, name];
        let path = container_path(&target.account, &target.container, &blob);
        let client = self.client(caller)?;
        let mut from_zero = false;
        let mut last = String::new();
        for attempt in 1..=UPLOAD_ATTEMPTS {
            let state: BlobState =
                Self::json(self.send(caller, Method::GET, &path, None).await?).await?;
            let done = |s: &BlobState| {
                s.complete_size == Some(total) && s.complete_sha256.as_deref() == Some(&sha)
            };
            if done(&state) {
                return Ok(());
            }
            // A partial copy longer than the file is of another version of it: start over.
            let offset = if from_zero || state.partial_size > total {
                0
            } else {
                state.partial_size
            };
            let mut url = self.url(caller, &path);
            url.query_pairs_mut()
                .append_pair("offset", &offset.to_string());
            let piece = Piece {
                offset,
                total,
                sha256: sha.clone(),
            };
            match send_piece(&client, url, file, &piece, caller.proxy.as_ref()).await? {
                // The next attempt resumes after what arrived.
                Sent::BrokeOff(e) => last = e.to_string(),
                Sent::Stored(state) if done(&state) => return Ok(()),
                Sent::Stored(state) => {
                    last = format!(
                        "the cloud holds {} of {total} bytes after the upload",
                        state.partial_size
                    );
                }
                Sent::Refused(status, body) => {
                    let code = serde_json::from_str::<ErrorBody>(&body)
                        .map(|e| e.code)
                        .unwrap_or_default();
                    last = from_status(status, &body).to_string();
                    match (status, code.as_str()) {
                        (StatusCode::CONFLICT, CODE_UPLOAD_IN_PROGRESS) => {
                            tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt)))
                                .await;
                        }
                        (StatusCode::CONFLICT, _) => {}
                        // The partial copy the upload resumed may be of another version of
                        // the file: once more from the start.
                        (StatusCode::BAD_REQUEST, CODE_SHA256_MISMATCH) if offset > 0 => {
                            from_zero = true;
                        }
                        _ => return Err(from_status(status, &body)),
                    }
                }
            }
        }
        Err(CloudError::Failed(format!(
            "the upload of blob {} did not complete in {UPLOAD_ATTEMPTS} attempts; last: {last}",
            target.blob
        )))
    }
}

/// PUTs bytes `offset..total` of `file` to `url`, streamed.
async fn send_piece(
    client: &reqwest::Client,
    url: Url,
    file: &std::path::Path,
    piece: &Piece,
    proxy: Option<&ProxyRoute>,
) -> Result<Sent, CloudError> {
    let mut f = tokio::fs::File::open(file)
        .await
        .map_err(|e| unreadable(file, e))?;
    f.seek(std::io::SeekFrom::Start(piece.offset))
        .await
        .map_err(|e| unreadable(file, e))?;
    let left = piece.total - piece.offset;
    let chunks = futures_util::stream::unfold((f, left), |(mut f, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0u8; usize::try_from(left.min(UPLOAD_CHUNK)).unwrap_or(0)];
        match f.read(&mut buf).await {
            Ok(0) => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file got shorter while being uploaded",
                )),
                (f, 0),
            )),
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), (f, left - n as u64)))
            }
            Err(e) => Some((Err(e), (f, 0))),
        }
    });
    let sent = client
        .put(url)
        .header("x-blob-length", piece.total)
        .header("x-blob-sha256", &piece.sha256)
        .header(reqwest::header::CONTENT_LENGTH, left)
        .timeout(Duration::from_secs(120 + left / MIN_UPLOAD_RATE))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(e) => return Ok(Sent::BrokeOff(classify(&e, proxy))),
    };
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Ok(Sent::Refused(status, body));
    }
    LocalProvider::json(response).await.map(Sent::Stored)
}

const HS: &str = "hostedservices";

/// The route of a container, with `rest` after it.
fn container_path<'a>(account: &'a str, container: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let base = [
        "services",
        "storageservices",
        account,
        "containers",
        container,
    ];
    base.into_iter().chain(rest.iter().copied()).collect()
}

#[async_trait]
impl Provider for LocalProvider {
    async fn put_blob(
        &self,
        caller: &Caller,
        target: &BlobTarget,
        file: &std::path::Path,
        sha256: &str,
    ) -> Result<(), CloudError> {
        self.upload(caller, target, file, sha256).await
    }

    async fn delete_blobs(
        &self,
        caller: &Caller,
        account: &str,
        container: &str,
        prefix: &str,
    ) -> Result<(), CloudError> {
        if let Some(problem) = blobs::segment_problem("package", prefix) {
            return Err(CloudError::Rejected(problem));
        }
        let path = container_path(account, container, &["blobs", prefix]);
        self.send(caller, Method::DELETE, &path, None)
            .await
            .map(drop)
    }

    async fn storage_used(
        &self,
        caller: &Caller,
        account: &str,
        container: &str,
    ) -> Result<u64, CloudError> {
        let path = container_path(account, container, &["usage"]);
        let response = self.send(caller, Method::GET, &path, None).await?;
        Self::json::<StorageUsage>(response)
            .await
            .map(|u| u.stored_bytes)
    }

    async fn egress(&self, caller: &Caller, name: &str) -> Result<u64, CloudError> {
        self.usage(caller, name).await.map(|u| u.egress_bytes)
    }

    async fn gateway(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<Option<GatewayStatus>, CloudError> {
        match self
            .send(
                caller,
                Method::GET,
                &["services", HS, name, "gateway"],
                None,
            )
            .await
        {
            Ok(response) => Self::json(response).await.map(Some),
            Err(CloudError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn check_subscription(&self, caller: &Caller) -> Result<SubscriptionInfo, CloudError> {
        let response = self.send(caller, Method::GET, &[], None).await?;
        Self::json(response).await
    }

    async fn container_exists(
        &self,
        caller: &Caller,
        account: &str,
        container: &str,
    ) -> Result<bool, CloudError> {
        let path = container_path(account, container, &[]);
        match self.send(caller, Method::GET, &path, None).await {
            Ok(_) => Ok(true),
            Err(CloudError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn create_container(
        &self,
        caller: &Caller,
        account: &str,
        container: &str,
    ) -> Result<(), CloudError> {
        let path = container_path(account, container, &[]);
        self.send(caller, Method::PUT, &path, None).await.map(drop)
    }

    async fn delete_container(
        &self,
        caller: &Caller,
        account: &str,
        container: &str,
    ) -> Result<(), CloudError> {
        let path = container_path(account, container, &[]);
        self.send(caller, Method::DELETE, &path, None)
            .await
            .map(drop)
    }

    async fn deploy(&self, caller: &Caller, spec: &DeploySpec) -> Result<(), CloudError> {
        let path = ["services", HS, &spec.name];
        self.send(caller, Method::PUT, &path, Some(spec))
            .await
            .map(drop)
    }

    async fn status(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<Option<ServiceStatus>, CloudError> {
        match self
            .send(caller, Method::GET, &["services", HS, name], None)
            .await
        {
            Ok(response) => Self::json(response).await.map(Some),
            Err(CloudError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn start(&self, caller: &Caller, name: &str) -> Result<(), CloudError> {
        let path = ["services", HS, name, "start"];
        self.send(caller, Method::POST, &path, None).await.map(drop)
    }

    async fn stop(&self, caller: &Caller, name: &str) -> Result<(), CloudError> {
        let path = ["services", HS, name, "stop"];
        self.send(caller, Method::POST, &path, None).await.map(drop)
    }

    async fn delete(&self, caller: &Caller, name: &str) -> Result<(), CloudError> {
        match self
            .send(caller, Method::DELETE, &["services", HS, name], None)
            .await
        {
            Ok(_) | Err(CloudError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn update(&self, caller: &Caller, spec: &DeploySpec) -> Result<(), CloudError> {
        let path = ["services", HS, &spec.name, "config"];
        self.send(caller, Method::POST, &path, Some(spec))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_errors() {
        let body = r#"{"code":"ForbiddenError","message":"no"}"#;
        assert_eq!(
            from_status(StatusCode::FORBIDDEN, body),
            CloudError::Unauthorized("no".into())
        );
        assert!(matches!(
            from_status(StatusCode::NOT_FOUND, ""),
            CloudError::NotFound(_)
        ));
        assert!(matches!(
            from_status(StatusCode::CONFLICT, body),
            CloudError::NameInUse(_)
        ));
        assert!(matches!(
            from_status(StatusCode::UNPROCESSABLE_ENTITY, "bad json"),
            CloudError::Rejected(m) if m.contains("bad json")
        ));
        assert!(matches!(
            from_status(StatusCode::INTERNAL_SERVER_ERROR, body),
            CloudError::Failed(_)
        ));
    }

    #[test]
    fn bad_urls_are_refused() {
        assert!(LocalProvider::new("not a url", "").is_err());
    }
}
