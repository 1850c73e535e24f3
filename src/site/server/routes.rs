//! The CDP and CMG routes. Each handler is thin: authenticate, hand over to an op, answer. The
//! `#[utoipa::path]` on each is what `/v1/openapi.json` is generated from.

use super::auth::{Admin, Reader, Writer};
use super::error::ApiResult;
use super::state::AppState;
use crate::api::wire::{
    Accepted, AddConnectionPoint, ConnectionPointView, CreateCdp, CreateCmg, ErrorBody,
    RegisterSubscription, ServiceView, SetService, SubscriptionCheck, SubscriptionInput,
    SubscriptionRegistered, Updated,
};
use crate::domain::service::HostedKind;
use crate::domain::task::StopReason;
use crate::site::ops::{connection_points, properties, services, subscriptions};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

type Acc = ApiResult<(StatusCode, Json<Accepted>)>;

/// 202: the task runs on.
fn accepted(a: Accepted) -> (StatusCode, Json<Accepted>) {
    (StatusCode::ACCEPTED, Json(a))
}

/// List cloud distribution points.
#[utoipa::path(get, path = "/v1/cdps", tag = "cdp", responses((status = 200, body = Vec<ServiceView>), (status = 401, body = ErrorBody)))]
pub(super) async fn list_cdps(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<Vec<ServiceView>>> {
    Ok(Json(services::list(&s.ctx, HostedKind::Cdp).await?))
}

/// Create a cloud distribution point (starts provisioning).
#[utoipa::path(post, path = "/v1/cdps", tag = "cdp", request_body = CreateCdp,
    responses((status = 202, body = Accepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn create_cdp(
    State(s): State<AppState>,
    _: Writer,
    Json(req): Json<CreateCdp>,
) -> Acc {
    Ok(accepted(services::create_cdp(&s.ctx, req).await?))
}

/// One cloud distribution point (by id, Service FQDN or name).
#[utoipa::path(get, path = "/v1/cdps/{id}", tag = "cdp", params(("id" = String, Path)), responses((status = 200, body = ServiceView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_cdp(
    State(s): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> ApiResult<Json<ServiceView>> {
    Ok(Json(services::show(&s.ctx, HostedKind::Cdp, &id).await?))
}

/// Change a cloud distribution point's editable settings.
#[utoipa::path(patch, path = "/v1/cdps/{id}", tag = "cdp", params(("id" = String, Path)), request_body = SetService,
    responses((status = 200, body = Updated), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn set_cdp(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(req): Json<SetService>,
) -> ApiResult<Json<Updated>> {
    Ok(Json(
        properties::set(&s.ctx, HostedKind::Cdp, &id, req).await?,
    ))
}

/// Delete a cloud distribution point and its content.
#[utoipa::path(delete, path = "/v1/cdps/{id}", tag = "cdp", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub(super) async fn delete_cdp(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
) -> Acc {
    Ok(accepted(
        services::delete(&s.ctx, HostedKind::Cdp, &id).await?,
    ))
}

/// Start Service.
#[utoipa::path(post, path = "/v1/cdps/{id}/start", tag = "cdp", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub(super) async fn start_cdp(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    Ok(accepted(
        services::start(&s.ctx, HostedKind::Cdp, &id).await?,
    ))
}

/// Stop Service (content is kept).
#[utoipa::path(post, path = "/v1/cdps/{id}/stop", tag = "cdp", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub(super) async fn stop_cdp(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    let by = StopReason::Administrator;
    Ok(accepted(
        services::stop(&s.ctx, HostedKind::Cdp, &id, by).await?,
    ))
}

/// List cloud management gateways.
#[utoipa::path(get, path = "/v1/cmgs", tag = "cmg", responses((status = 200, body = Vec<ServiceView>)))]
pub(super) async fn list_cmgs(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<Vec<ServiceView>>> {
    Ok(Json(services::list(&s.ctx, HostedKind::Cmg).await?))
}

/// Create a cloud management gateway (starts provisioning).
#[utoipa::path(post, path = "/v1/cmgs", tag = "cmg", request_body = CreateCmg,
    responses((status = 202, body = Accepted), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn create_cmg(
    State(s): State<AppState>,
    _: Writer,
    Json(req): Json<CreateCmg>,
) -> Acc {
    Ok(accepted(services::create_cmg(&s.ctx, req).await?))
}

/// One cloud management gateway.
#[utoipa::path(get, path = "/v1/cmgs/{id}", tag = "cmg", params(("id" = String, Path)), responses((status = 200, body = ServiceView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_cmg(
    State(s): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> ApiResult<Json<ServiceView>> {
    Ok(Json(services::show(&s.ctx, HostedKind::Cmg, &id).await?))
}

/// Change a cloud management gateway (a VM count change starts an upgrade).
#[utoipa::path(patch, path = "/v1/cmgs/{id}", tag = "cmg", params(("id" = String, Path)), request_body = SetService, responses((status = 200, body = Updated), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn set_cmg(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(req): Json<SetService>,
) -> ApiResult<Json<Updated>> {
    Ok(Json(
        properties::set(&s.ctx, HostedKind::Cmg, &id, req).await?,
    ))
}

/// Delete a cloud management gateway.
#[utoipa::path(delete, path = "/v1/cmgs/{id}", tag = "cmg", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub(super) async fn delete_cmg(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
) -> Acc {
    Ok(accepted(
        services::delete(&s.ctx, HostedKind::Cmg, &id).await?,
    ))
}

/// Start service.
#[utoipa::path(post, path = "/v1/cmgs/{id}/start", tag = "cmg", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub(super) async fn start_cmg(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    Ok(accepted(
        services::start(&s.ctx, HostedKind::Cmg, &id).await?,
    ))
}

/// Stop service.
#[utoipa::path(post, path = "/v1/cmgs/{id}/stop", tag = "cmg", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub(super) async fn stop_cmg(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    let by = StopReason::Administrator;
    Ok(accepted(
        services::stop(&s.ctx, HostedKind::Cmg, &id, by).await?,
    ))
}

/// Synchronize the CMG's configuration to the cloud (redeploy).
#[utoipa::path(post, path = "/v1/cmgs/{id}/sync", tag = "cmg", params(("id" = String, Path)), responses((status = 202, body = Accepted), (status = 409, body = ErrorBody)))]
pub(super) async fn sync_cmg(State(s): State<AppState>, _: Writer, Path(id): Path<String>) -> Acc {
    Ok(accepted(services::sync(&s.ctx, &id).await?))
}

/// Connection points of a CMG.
#[utoipa::path(get, path = "/v1/cmgs/{id}/connection-points", tag = "cmg", params(("id" = String, Path)), responses((status = 200, body = Vec<ConnectionPointView>)))]
pub(super) async fn list_cmg_connection_points(
    State(s): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ConnectionPointView>>> {
    Ok(Json(connection_points::list(&s.ctx, Some(&id)).await?))
}

/// Add a CMG connection point on a site system.
#[utoipa::path(post, path = "/v1/cmgs/{id}/connection-points", tag = "cmg", params(("id" = String, Path)), request_body = AddConnectionPoint,
    responses((status = 201, body = ConnectionPointView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn add_connection_point(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(req): Json<AddConnectionPoint>,
) -> ApiResult<(StatusCode, Json<ConnectionPointView>)> {
    let view = connection_points::add(&s.ctx, &id, req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Every CMG connection point.
#[utoipa::path(get, path = "/v1/connection-points", tag = "cmg", responses((status = 200, body = Vec<ConnectionPointView>)))]
pub(super) async fn list_connection_points(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<Vec<ConnectionPointView>>> {
    Ok(Json(connection_points::list(&s.ctx, None).await?))
}

/// Registers a lab subscription with the site's own local cloud (Full Administrator).
#[utoipa::path(post, path = "/v1/lab/subscriptions", tag = "cloud", request_body = RegisterSubscription,
    responses((status = 200, body = SubscriptionRegistered), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn register_lab_subscription(
    State(s): State<AppState>,
    _: Admin,
    Json(req): Json<RegisterSubscription>,
) -> ApiResult<Json<SubscriptionRegistered>> {
    let answer = subscriptions::register_lab(s.lab_cloud.as_deref(), req);
    Ok(Json(answer.await?))
}

/// "Validate on Next": checks a management certificate against a subscription in the cloud.
#[utoipa::path(post, path = "/v1/subscriptions/validate", tag = "cloud", request_body = SubscriptionInput,
    responses((status = 200, body = SubscriptionCheck), (status = 400, body = ErrorBody)))]
pub(super) async fn validate_subscription(
    State(s): State<AppState>,
    _: Reader,
    Json(req): Json<SubscriptionInput>,
) -> ApiResult<Json<SubscriptionCheck>> {
    Ok(Json(subscriptions::validate(&s.ctx, req).await?))
}
