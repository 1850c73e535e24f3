//! The CDP and CMG routes. Each handler is thin: authenticate, validate, hand over to
//! `services`. The `#[utoipa::path]` on each is what `/v1/openapi.json` is generated from.

use super::AppState;
use super::auth::{Reader, Writer};
use super::error::{ApiError, ApiResult};
use super::services;
use crate::api::wire::Event;
use crate::api::wire::{
    Accepted, AddConnectionPoint, ConnectionPointView, CreateCdp, CreateCmg, ErrorBody,
    ServiceView, SetService, SubscriptionCheck, SubscriptionInput, Updated,
};
use crate::cloud::{Caller, HostedKind, Subscription};
use crate::domain::service::Action;
use crate::site::prepare;
use crate::site::repo::{connection_points, site};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

type Acc = ApiResult<(StatusCode, Json<Accepted>)>;

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    // Opening certificates runs key derivations: keep them off the async threads.
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)
}

/// List cloud distribution points.
#[utoipa::path(get, path = "/v1/cdps", tag = "cdp", responses((status = 200, body = Vec<ServiceView>), (status = 401, body = ErrorBody)))]
pub async fn list_cdps(State(s): State<AppState>, _: Reader) -> ApiResult<Json<Vec<ServiceView>>> {
    Ok(Json(services::list(&s, HostedKind::Cdp).await?))
}

/// Create a cloud distribution point (starts provisioning).
#[utoipa::path(post, path = "/v1/cdps", tag = "cdp", request_body = CreateCdp,
    responses((status = 202, body = Accepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_cdp(State(s): State<AppState>, _: Writer, Json(req): Json<CreateCdp>) -> Acc {
    if let Some(primary) = req.primary_site.as_deref() {
        services::check_primary_site(&s, primary).await?;
    }
    let now = time::OffsetDateTime::now_utc();
    let prepared = blocking(move || prepare::cdp(&req, now)).await??;
    services::create(&s, prepared).await
}

/// One cloud distribution point (by id, Service FQDN or name).
#[utoipa::path(get, path = "/v1/cdps/{id}", tag = "cdp", params(("id" = String, Path)), responses((status = 200, body = ServiceView), (status = 404, body = ErrorBody)))]
pub async fn get_cdp(
    State(s): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> ApiResult<Json<ServiceView>> {
    Ok(Json(services::show(&s, HostedKind::Cdp, &id).await?))
}

/// Change a cloud distribution point's editable settings.
#[utoipa::path(patch, path = "/v1/cdps/{id}", tag = "cdp", params(("id" = String, Path)), request_body = SetService,
    responses((status = 200, body = Updated), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_cdp(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(req): Json<SetService>,
) -> ApiResult<Json<Updated>> {
    services::set(&s, HostedKind::Cdp, &id, req).await
}

/// Delete a cloud distribution point and its content.
#[utoipa::path(delete, path = "/v1/cdps/{id}", tag = "cdp", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub async fn delete_cdp(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    services::act(&s, HostedKind::Cdp, &id, Action::Delete).await
}

/// Start Service.
#[utoipa::path(post, path = "/v1/cdps/{id}/start", tag = "cdp", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub async fn start_cdp(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    services::act(&s, HostedKind::Cdp, &id, Action::Start).await
}

/// Stop Service (content is kept).
#[utoipa::path(post, path = "/v1/cdps/{id}/stop", tag = "cdp", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub async fn stop_cdp(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    services::act(&s, HostedKind::Cdp, &id, Action::Stop).await
}

/// List cloud management gateways.
#[utoipa::path(get, path = "/v1/cmgs", tag = "cmg", responses((status = 200, body = Vec<ServiceView>)))]
pub async fn list_cmgs(State(s): State<AppState>, _: Reader) -> ApiResult<Json<Vec<ServiceView>>> {
    Ok(Json(services::list(&s, HostedKind::Cmg).await?))
}

/// Create a cloud management gateway (starts provisioning).
#[utoipa::path(post, path = "/v1/cmgs", tag = "cmg", request_body = CreateCmg,
    responses((status = 202, body = Accepted), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_cmg(State(s): State<AppState>, _: Writer, Json(req): Json<CreateCmg>) -> Acc {
    let now = time::OffsetDateTime::now_utc();
    let prepared = blocking(move || prepare::cmg(&req, now)).await??;
    services::create(&s, prepared).await
}

/// One cloud management gateway.
#[utoipa::path(get, path = "/v1/cmgs/{id}", tag = "cmg", params(("id" = String, Path)), responses((status = 200, body = ServiceView), (status = 404, body = ErrorBody)))]
pub async fn get_cmg(
    State(s): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> ApiResult<Json<ServiceView>> {
    Ok(Json(services::show(&s, HostedKind::Cmg, &id).await?))
}

/// Change a cloud management gateway (a VM count change starts an upgrade).
#[utoipa::path(patch, path = "/v1/cmgs/{id}", tag = "cmg", params(("id" = String, Path)), request_body = SetService, responses((status = 200, body = Updated), (status = 400, body = ErrorBody)))]
pub async fn set_cmg(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(req): Json<SetService>,
) -> ApiResult<Json<Updated>> {
    services::set(&s, HostedKind::Cmg, &id, req).await
}

/// Delete a cloud management gateway.
#[utoipa::path(delete, path = "/v1/cmgs/{id}", tag = "cmg", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub async fn delete_cmg(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    services::act(&s, HostedKind::Cmg, &id, Action::Delete).await
}

/// Start service.
#[utoipa::path(post, path = "/v1/cmgs/{id}/start", tag = "cmg", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub async fn start_cmg(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    services::act(&s, HostedKind::Cmg, &id, Action::Start).await
}

/// Stop service.
#[utoipa::path(post, path = "/v1/cmgs/{id}/stop", tag = "cmg", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub async fn stop_cmg(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    services::act(&s, HostedKind::Cmg, &id, Action::Stop).await
}

/// Synchronize the CMG's configuration to the cloud (redeploy).
#[utoipa::path(post, path = "/v1/cmgs/{id}/sync", tag = "cmg", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub async fn sync_cmg(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    services::act(&s, HostedKind::Cmg, &id, Action::Upgrade).await
}

/// Connection points of a CMG.
#[utoipa::path(get, path = "/v1/cmgs/{id}/connection-points", tag = "cmg", params(("id" = String, Path)), responses((status = 200, body = Vec<ConnectionPointView>)))]
pub async fn list_cmg_connection_points(
    State(s): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ConnectionPointView>>> {
    let rec = services::find(&s, HostedKind::Cmg, &id).await?;
    Ok(Json(
        s.manager
            .store
            .call(move |c| connection_points::connection_points(c, Some(&rec.id)))
            .await?,
    ))
}

/// Add a CMG connection point on a site system.
#[utoipa::path(post, path = "/v1/cmgs/{id}/connection-points", tag = "cmg", params(("id" = String, Path)), request_body = AddConnectionPoint,
    responses((status = 201, body = ConnectionPointView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_connection_point(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(req): Json<AddConnectionPoint>,
) -> ApiResult<(StatusCode, Json<ConnectionPointView>)> {
    let rec = services::find(&s, HostedKind::Cmg, &id).await?;
    let cmg_id = rec.id.clone();
    let result = s
        .manager
        .store
        .call_transaction(move |tx| {
            let Some((site_code, _)) = site::site(tx)? else {
                return Ok(Err(ApiError::internal("the site is not set up")));
            };
            if site::site_system(tx, &req.site_system)?.is_none() {
                return Ok(Err(ApiError::field(
                    StatusCode::BAD_REQUEST,
                    "Site system",
                    "must be an existing site system server",
                )));
            }
            if connection_points::connection_points(tx, Some(&cmg_id))?
                .iter()
                .any(|c| c.site_system.eq_ignore_ascii_case(&req.site_system))
            {
                return Ok(Err(ApiError::field(
                    StatusCode::CONFLICT,
                    "Site system",
                    "already holds a connection point for this CMG",
                )));
            }
            let id =
                connection_points::add_connection_point(tx, &cmg_id, &req.site_system, &site_code)?;
            let view = connection_points::connection_points(tx, Some(&cmg_id))?
                .into_iter()
                .find(|c| c.id == id);
            Ok::<_, crate::site::repo::RepoError>(Ok(view))
        })
        .await??;
    let view = result.ok_or_else(|| ApiError::internal("connection point vanished"))?;
    s.manager.bus.publish(Event::ConnectionPoint(view.clone()));
    Ok((StatusCode::CREATED, Json(view)))
}

/// Every CMG connection point.
#[utoipa::path(get, path = "/v1/connection-points", tag = "cmg", responses((status = 200, body = Vec<ConnectionPointView>)))]
pub async fn list_connection_points(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<Vec<ConnectionPointView>>> {
    Ok(Json(
        s.manager
            .store
            .call(|c| connection_points::connection_points(c, None))
            .await?,
    ))
}

/// "Validate on Next": checks a management certificate against a subscription in the cloud.
#[utoipa::path(post, path = "/v1/subscriptions/validate", tag = "cloud", request_body = SubscriptionInput,
    responses((status = 200, body = SubscriptionCheck), (status = 400, body = ErrorBody)))]
pub async fn validate_subscription(
    State(s): State<AppState>,
    _: Reader,
    Json(req): Json<SubscriptionInput>,
) -> ApiResult<Json<SubscriptionCheck>> {
    let now = time::OffsetDateTime::now_utc();
    let (id, identity) = blocking(move || prepare::subscription(&req, now)).await??;
    let secrets = s.manager.secrets.clone();
    let proxy = s
        .manager
        .store
        .call(move |c| site::site_server_proxy(c, &secrets))
        .await?;
    let caller = Caller {
        subscription: Subscription {
            id: id.clone(),
            management_cert_pem: identity.cert_pem(),
            management_key_pem: identity.key_pem(),
        },
        proxy,
    };
    Ok(Json(
        match s.manager.provider.check_subscription(&caller).await {
            Ok(info) => SubscriptionCheck {
                ok: true,
                subscription_id: id,
                name: Some(info.name),
                regions: info.regions,
                message: "The cloud accepted the subscription and its management certificate."
                    .into(),
            },
            Err(e) => SubscriptionCheck {
                ok: false,
                subscription_id: id,
                name: None,
                regions: Vec::new(),
                message: e.to_string(),
            },
        },
    ))
}
