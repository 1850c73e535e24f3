//! The management API: HTTPS with a client certificate, routes shaped like the Azure Service
//! Management API (the table is in the parent module's documentation).

use super::blobs::{self, Piece};
use super::engine::Engine;
use super::net::{Peer, Server};
use super::registry::{self, SubscriptionRecord};
use super::storage;
use super::wire::{ApiError, BlobState, ContainerInfo, StorageUsage, Usage};
use crate::cloud::{DeploySpec, GatewayStatus, ServiceStatus, SubscriptionInfo};
use crate::domain::service::REGIONS;
use crate::tls::{AnyClientCert, server_config, sha1_thumbprint};
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use std::net::SocketAddr;
use std::sync::Arc;

type Shared = Arc<Engine>;

/// The subscription a request is authorised for: its certificate is registered with it.
struct Authed(SubscriptionRecord);

impl FromRequestParts<Shared> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, engine: &Shared) -> Result<Self, ApiError> {
        let sub = parts
            .uri
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let peer = parts.extensions.get::<Peer>().cloned();
        let result = authorize(engine, &sub, peer.as_ref().and_then(Peer::leaf));
        // Refusals are slowed too, so a slow cloud looks slow whatever the certificate.
        engine.slow().await;
        result.map(Authed)
    }
}

fn authorize(
    engine: &Engine,
    sub: &str,
    cert: Option<&[u8]>,
) -> Result<SubscriptionRecord, ApiError> {
    let Some(cert) = cert else {
        return Err(ApiError::forbidden(format!(
            "The server failed to authenticate the request for subscription {sub}: no client certificate was presented. \
             The management API requires the subscription's management certificate as the TLS client certificate."
        )));
    };
    let thumbprint = sha1_thumbprint(cert);
    let record = registry::subscription(engine.data_dir(), sub)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let Some(record) = record else {
        return Err(ApiError::forbidden(format!(
            "The server failed to authenticate the request: subscription {sub} is not known to this cloud \
             (client certificate thumbprint {thumbprint}). Register the management certificate with \
             `cloudsite cloud subscription add {sub} --cer FILE`."
        )));
    };
    if !record.thumbprints().contains(&thumbprint) {
        return Err(ApiError::forbidden(format!(
            "The server failed to authenticate the request: the certificate with thumbprint {thumbprint} is not a \
             management certificate of subscription {}. Upload its .cer with \
             `cloudsite cloud subscription add {} --cer FILE`.",
            record.id, record.id
        )));
    }
    Ok(record)
}

/// Starts the management API on `listen` with the server certificate `chain_pem`/`key_pem`.
pub(super) async fn start(
    listen: SocketAddr,
    chain_pem: &str,
    key_pem: &str,
    engine: Shared,
) -> Result<Server, String> {
    let verifier = Arc::new(AnyClientCert::new());
    let tls = server_config(chain_pem, key_pem, Some(verifier))
        .map_err(|e| format!("management API certificate: {e}"))?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    Server::start(listener, Arc::new(tls), router(engine)).map_err(|e| e.to_string())
}

fn router(engine: Shared) -> Router {
    let svc = "/{sub}/services/hostedservices/{name}";
    let container = "/{sub}/services/storageservices/{account}/containers/{container}";
    Router::new()
        .route("/{sub}", get(check))
        .route("/{sub}/services/hostedservices", get(list))
        .route(svc, get(status).put(deploy).delete(delete))
        .route(&format!("{svc}/start"), post(start_service))
        .route(&format!("{svc}/stop"), post(stop_service))
        .route(&format!("{svc}/config"), post(update))
        .route(&format!("{svc}/usage"), get(usage))
        .route(&format!("{svc}/gateway"), get(gateway))
        .route(
            container,
            get(container_exists)
                .put(create_container)
                .delete(delete_container),
        )
        .route(&format!("{container}/usage"), get(container_usage))
        .route(
            &format!("{container}/blobs/{{*blob}}"),
            get(blob_state).put(put_blob).delete(delete_blobs),
        )
        .with_state(engine)
}

type Reply<T> = Result<T, ApiError>;

async fn check(Authed(sub): Authed) -> Reply<Json<SubscriptionInfo>> {
    Ok(Json(SubscriptionInfo {
        id: sub.id,
        name: sub.name,
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
    }))
}

async fn list(
    State(engine): State<Shared>,
    Authed(sub): Authed,
) -> Reply<Json<Vec<ServiceStatus>>> {
    Ok(Json(engine.list(&sub.id).await))
}

async fn status(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, name)): Path<(String, String)>,
) -> Reply<Json<ServiceStatus>> {
    Ok(Json(engine.status(&sub.id, &name).await?))
}

async fn deploy(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, name)): Path<(String, String)>,
    Json(spec): Json<DeploySpec>,
) -> Reply<(StatusCode, Json<ServiceStatus>)> {
    if !spec.name.eq_ignore_ascii_case(&name) {
        return Err(ApiError::bad_request(format!(
            "the deployment name in the body ('{}') differs from the one in the URL ('{name}')",
            spec.name
        )));
    }
    engine.take_fault()?;
    Ok((
        StatusCode::ACCEPTED,
        Json(engine.deploy(&sub.id, spec).await?),
    ))
}

async fn update(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, name)): Path<(String, String)>,
    Json(spec): Json<DeploySpec>,
) -> Reply<(StatusCode, Json<ServiceStatus>)> {
    if !spec.name.eq_ignore_ascii_case(&name) {
        return Err(ApiError::bad_request(format!(
            "the deployment name in the body ('{}') differs from the one in the URL ('{name}')",
            spec.name
        )));
    }
    engine.take_fault()?;
    Ok((
        StatusCode::ACCEPTED,
        Json(engine.update(&sub.id, spec).await?),
    ))
}

async fn start_service(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, name)): Path<(String, String)>,
) -> Reply<(StatusCode, Json<ServiceStatus>)> {
    engine.take_fault()?;
    Ok((
        StatusCode::ACCEPTED,
        Json(engine.start(&sub.id, &name).await?),
    ))
}

async fn stop_service(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, name)): Path<(String, String)>,
) -> Reply<(StatusCode, Json<ServiceStatus>)> {
    engine.take_fault()?;
    Ok((
        StatusCode::ACCEPTED,
        Json(engine.stop(&sub.id, &name).await?),
    ))
}

async fn delete(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, name)): Path<(String, String)>,
) -> Reply<StatusCode> {
    engine.take_fault()?;
    engine.delete(&sub.id, &name).await?;
    Ok(StatusCode::ACCEPTED)
}

async fn usage(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, name)): Path<(String, String)>,
) -> Reply<Json<Usage>> {
    Ok(Json(engine.usage(&sub.id, &name).await?))
}

async fn gateway(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, name)): Path<(String, String)>,
) -> Reply<Json<GatewayStatus>> {
    Ok(Json(engine.gateway(&sub.id, &name).await?))
}

type ContainerPath = Path<(String, String, String)>;

async fn container_exists(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, account, container)): ContainerPath,
) -> Reply<Json<ContainerInfo>> {
    if storage::container_exists(engine.data_dir(), &sub.id, &account, &container)? {
        Ok(Json(ContainerInfo { account, container }))
    } else {
        Err(ApiError::not_found(format!(
            "the storage account '{account}' of subscription {} has no container '{container}'",
            sub.id
        )))
    }
}

async fn create_container(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, account, container)): ContainerPath,
) -> Reply<(StatusCode, Json<ContainerInfo>)> {
    engine.take_fault()?;
    // A new storage account provisions in a third of the deployment time.
    let created = storage::create_container(
        engine.data_dir(),
        &sub.id,
        &account,
        &container,
        engine.delay() / 3,
    )?;
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(ContainerInfo { account, container })))
}

async fn delete_container(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, account, container)): ContainerPath,
) -> Reply<StatusCode> {
    engine.take_fault()?;
    if let Some(c) = storage::owned_container(engine.data_dir(), &sub.id, &account, &container)? {
        engine.store().delete_container(&c).await?;
    }
    storage::delete_container(engine.data_dir(), &sub.id, &account, &container)?;
    Ok(StatusCode::OK)
}

async fn container_usage(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, account, container)): ContainerPath,
) -> Reply<Json<StorageUsage>> {
    let c = storage::container_ref(engine.data_dir(), &sub.id, &account, &container)?;
    let stored_bytes = engine.store().stored_bytes(&c).await?;
    Ok(Json(StorageUsage { stored_bytes }))
}

type BlobPath = Path<(String, String, String, String)>;

async fn blob_state(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, account, container, blob)): BlobPath,
) -> Reply<Json<BlobState>> {
    let (package, file) = blobs::split_blob(&blob).map_err(ApiError::bad_request)?;
    let c = storage::container_ref(engine.data_dir(), &sub.id, &account, &container)?;
    Ok(Json(engine.store().head(&c, package, file).await?))
}

/// A header that must be there, as text.
fn required<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, ApiError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or_else(|| ApiError::bad_request(format!("the {name} header is missing")))
}

fn number(what: &str, text: &str) -> Result<u64, ApiError> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse::<u64>().ok())
        .flatten()
        .ok_or_else(|| ApiError::bad_request(format!("{what} '{text}' is not a byte count")))
}

/// What a `PUT …/blobs/<package>/<file>?offset=N` declares about its piece.
fn piece(query: Option<&str>, headers: &HeaderMap) -> Result<Piece, ApiError> {
    let offset = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("offset="))
        .ok_or_else(|| ApiError::bad_request("the offset query parameter is missing"))?;
    let piece = Piece {
        offset: number("the offset", offset)?,
        total: number("x-blob-length", required(headers, "x-blob-length")?)?,
        sha256: required(headers, "x-blob-sha256")?.to_ascii_lowercase(),
    };
    if !blobs::is_sha256_hex(&piece.sha256) {
        return Err(ApiError::bad_request(format!(
            "x-blob-sha256 '{}' is not a SHA-256 in hex (64 digits)",
            piece.sha256
        )));
    }
    // Refused before a byte is read when the length is announced.
    if let Some(length) = headers.get(header::CONTENT_LENGTH)
        && let Ok(length) = number("content-length", length.to_str().unwrap_or_default())
        && piece.offset.saturating_add(length) > piece.total
    {
        return Err(ApiError::bad_request(format!(
            "a piece of {length} bytes at offset {} goes past the declared length of {} bytes",
            piece.offset, piece.total
        )));
    }
    Ok(piece)
}

async fn put_blob(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, account, container, blob)): BlobPath,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Reply<Json<BlobState>> {
    let mut body = body.into_data_stream();
    let result = async {
        engine.take_fault()?;
        let (package, file) = blobs::split_blob(&blob).map_err(ApiError::bad_request)?;
        let piece = piece(query.as_deref(), &headers)?;
        let c = storage::container_ref(engine.data_dir(), &sub.id, &account, &container)?;
        let mut pieces = (&mut body).map(|chunk| chunk.map_err(|e| e.to_string()));
        engine
            .store()
            .put(&c, package, file, &piece, &mut pieces)
            .await
    }
    .await;
    if result.is_err() {
        // Refused while the uploader is still sending, it would see a broken connection
        // instead of the reason: take in (and drop) a few megabytes of the piece first.
        let mut drained = 0;
        while drained < DRAIN_LIMIT
            && let Some(Ok(chunk)) = body.next().await
        {
            drained += chunk.len();
        }
    }
    result.map(Json)
}

/// How much of a refused piece is read so the uploader gets the answer.
const DRAIN_LIMIT: usize = 4 * 1024 * 1024;

/// Deletes a package (`…/blobs/<package>`) or one blob (`…/blobs/<package>/<file>`); absent
/// ones, and containers the subscription does not have, are fine.
async fn delete_blobs(
    State(engine): State<Shared>,
    Authed(sub): Authed,
    Path((_, account, container, blob)): BlobPath,
) -> Reply<StatusCode> {
    engine.take_fault()?;
    let (package, file) = match blob.split_once('/') {
        Some(_) => blobs::split_blob(&blob)
            .map(|(p, f)| (p, Some(f)))
            .map_err(ApiError::bad_request)?,
        None => match blobs::segment_problem("package", &blob) {
            Some(problem) => return Err(ApiError::bad_request(problem)),
            None => (blob.as_str(), None),
        },
    };
    match storage::container_ref(engine.data_dir(), &sub.id, &account, &container) {
        Ok(c) => engine.store().delete(&c, package, file).await?,
        Err(e) if e.status == StatusCode::NOT_FOUND => {}
        Err(e) => return Err(e),
    }
    Ok(StatusCode::OK)
}
