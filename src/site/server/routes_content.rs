//! Content library, distribution and management point routes (thin: the work is in
//! `ops::content` and `ops::content_locations`).

use super::auth::{MpCaller, Reader, Writer};
use super::error::ApiResult;
use super::hop::Via;
use super::state::AppState;
use crate::api::wire::ErrorBody;
use crate::api::wire::{
    ContentLocationRequest, ContentLocations, ContentTargets, CreatePackage, DistributionView,
    PackageChanged, PackageView,
};
use crate::site::ops::content::{self, Change};
use crate::site::ops::{access, content_locations};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use futures_util::StreamExt;
use serde::Deserialize;

/// The content library.
#[utoipa::path(get, path = "/v1/content", tag = "content", responses((status = 200, body = Vec<PackageView>)))]
pub(super) async fn list_packages(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<Vec<PackageView>>> {
    Ok(Json(content::list(&s.ctx).await?))
}

/// Create a package; then send each file with `PUT /v1/content/{id}/files/{name}`.
#[utoipa::path(post, path = "/v1/content", tag = "content", request_body = CreatePackage,
    responses((status = 201, body = PackageChanged), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn create_package(
    State(s): State<AppState>,
    _: Writer,
    Json(req): Json<CreatePackage>,
) -> ApiResult<(StatusCode, Json<PackageChanged>)> {
    Ok((
        StatusCode::CREATED,
        Json(content::create(&s.ctx, req).await?),
    ))
}

/// One package (id or name), with its distributions.
#[utoipa::path(get, path = "/v1/content/{id}", tag = "content", params(("id" = String, Path)),
    responses((status = 200, body = PackageView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_package(
    State(s): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> ApiResult<Json<PackageView>> {
    Ok(Json(content::package(&s.ctx, &id).await?))
}

/// Delete a package from the library (refused while it is on a service).
#[utoipa::path(delete, path = "/v1/content/{id}", tag = "content", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn delete_package(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    content::delete(&s.ctx, &s.content, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send one file of a package (raw bytes, streamed; encrypted as it arrives).
#[utoipa::path(put, path = "/v1/content/{id}/files/{name}", tag = "content",
    params(("id" = String, Path), ("name" = String, Path)), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = PackageView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn put_file(
    State(s): State<AppState>,
    _: Writer,
    Path((id, name)): Path<(String, String)>,
    body: Body,
) -> ApiResult<Json<PackageView>> {
    let pieces = Box::pin(
        body.into_data_stream()
            .map(|r| r.map_err(|e| e.to_string())),
    );
    let package = content::receive(&s.ctx, &s.content, &id, &name, pieces);
    Ok(Json(package.await?))
}

/// Distribute a package to services.
#[utoipa::path(post, path = "/v1/content/{id}/distribute", tag = "content", params(("id" = String, Path)), request_body = ContentTargets,
    responses((status = 200, body = PackageChanged), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn distribute(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(t): Json<ContentTargets>,
) -> ApiResult<Json<PackageChanged>> {
    let changed = content::change(&s.ctx, &s.content, &id, &t.services, Change::Distribute);
    Ok(Json(changed.await?))
}

/// Send a package again (to the services named, or to every service that has it).
#[utoipa::path(post, path = "/v1/content/{id}/redistribute", tag = "content", params(("id" = String, Path)), request_body = ContentTargets,
    responses((status = 200, body = PackageChanged), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn redistribute(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(t): Json<ContentTargets>,
) -> ApiResult<Json<PackageChanged>> {
    let changed = content::change(&s.ctx, &s.content, &id, &t.services, Change::Redistribute);
    Ok(Json(changed.await?))
}

/// Remove a package from services (its blobs are deleted from their storage).
#[utoipa::path(post, path = "/v1/content/{id}/remove", tag = "content", params(("id" = String, Path)), request_body = ContentTargets,
    responses((status = 200, body = PackageChanged), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn remove(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(t): Json<ContentTargets>,
) -> ApiResult<Json<PackageChanged>> {
    let changed = content::change(&s.ctx, &s.content, &id, &t.services, Change::Remove);
    Ok(Json(changed.await?))
}

/// Filter of the distributions list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(super) struct DistributionQuery {
    /// Only this service (id, FQDN or name).
    pub service: Option<String>,
}

/// Distribution status per package and service (a service's Content tab).
#[utoipa::path(get, path = "/v1/distributions", tag = "content", params(DistributionQuery),
    responses((status = 200, body = Vec<DistributionView>)))]
pub(super) async fn list_distributions(
    State(s): State<AppState>,
    _: Reader,
    Query(q): Query<DistributionQuery>,
) -> ApiResult<Json<Vec<DistributionView>>> {
    Ok(Json(content::list_distributions(&s.ctx, q.service).await?))
}

/// Management point: where a client can get a package, with access tokens and the key.
#[utoipa::path(post, path = "/v1/mp/content-locations", tag = "content", request_body = ContentLocationRequest,
    responses((status = 200, body = ContentLocations), (status = 404, body = ErrorBody)))]
pub(super) async fn content_locations(
    State(s): State<AppState>,
    MpCaller(who): MpCaller,
    Via(hop): Via,
    Json(req): Json<ContentLocationRequest>,
) -> ApiResult<Json<ContentLocations>> {
    access::require_content_keys(who.role)?;
    let answer = content_locations::locations(&s.ctx, req, hop.as_ref());
    Ok(Json(answer.await?))
}
