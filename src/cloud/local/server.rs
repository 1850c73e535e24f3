//! The management API: HTTPS with a client certificate, routes shaped like the Azure Service
//! Management API (the table is in the parent module's documentation).

use super::engine::Engine;
use super::net::{PeerCert, Server};
use super::registry::{self, SubscriptionRecord};
use super::storage;
use super::wire::{ApiError, ContainerInfo, Usage};
use crate::cloud::tls::{AnyClientCert, server_config, sha1_thumbprint};
use crate::cloud::{DeploySpec, ServiceStatus, SubscriptionInfo};
use crate::domain::service::REGIONS;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
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
        let peer = parts.extensions.get::<PeerCert>().and_then(|p| p.0.clone());
        let result = authorize(engine, &sub, peer.as_deref().map(Vec::as_slice));
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
pub async fn start(
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
    Router::new()
        .route("/{sub}", get(check))
        .route("/{sub}/services/hostedservices", get(list))
        .route(svc, get(status).put(deploy).delete(delete))
        .route(&format!("{svc}/start"), post(start_service))
        .route(&format!("{svc}/stop"), post(stop_service))
        .route(&format!("{svc}/config"), post(update))
        .route(&format!("{svc}/usage"), get(usage))
        .route(
            "/{sub}/services/storageservices/{account}/containers/{container}",
            get(container_exists)
                .put(create_container)
                .delete(delete_container),
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
    storage::delete_container(engine.data_dir(), &sub.id, &account, &container)?;
    Ok(StatusCode::OK)
}
