//! Content library, distribution and management point routes (thin: the work is in
//! [`super::content`]).

use super::AppState;
use super::auth::{Reader, Writer};
use super::content::{self, Change};
use super::error::ApiResult;
use crate::api::wire::ErrorBody;
use crate::api::wire_content::{
    ContentLocationRequest, ContentLocations, ContentTargets, CreatePackage, DistributionView,
    PackageChanged, PackageView,
};
use crate::site::repo::{distributions, packages};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

/// The content library.
#[utoipa::path(get, path = "/v1/content", tag = "content", responses((status = 200, body = Vec<PackageView>)))]
pub async fn list_packages(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<Vec<PackageView>>> {
    Ok(Json(
        s.content
            .manager
            .store
            .call(|c| packages::list_packages(c))
            .await?,
    ))
}

/// Create a package; then send each file with `PUT /v1/content/{id}/files/{name}`.
#[utoipa::path(post, path = "/v1/content", tag = "content", request_body = CreatePackage,
    responses((status = 201, body = PackageChanged), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_package(
    State(s): State<AppState>,
    _: Writer,
    Json(req): Json<CreatePackage>,
) -> ApiResult<(StatusCode, Json<PackageChanged>)> {
    Ok((StatusCode::CREATED, Json(content::create(&s, req).await?)))
}

/// One package (id or name), with its distributions.
#[utoipa::path(get, path = "/v1/content/{id}", tag = "content", params(("id" = String, Path)),
    responses((status = 200, body = PackageView), (status = 404, body = ErrorBody)))]
pub async fn get_package(
    State(s): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> ApiResult<Json<PackageView>> {
    Ok(Json(content::package(&s, &id).await?))
}

/// Delete a package from the library (refused while it is on a service).
#[utoipa::path(delete, path = "/v1/content/{id}", tag = "content", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_package(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    content::delete(&s, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send one file of a package (raw bytes, streamed; encrypted as it arrives).
#[utoipa::path(put, path = "/v1/content/{id}/files/{name}", tag = "content",
    params(("id" = String, Path), ("name" = String, Path)), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = PackageView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_file(
    State(s): State<AppState>,
    _: Writer,
    Path((id, name)): Path<(String, String)>,
    body: Body,
) -> ApiResult<Json<PackageView>> {
    Ok(Json(content::receive(&s, &id, &name, body).await?))
}

/// Distribute a package to services.
#[utoipa::path(post, path = "/v1/content/{id}/distribute", tag = "content", params(("id" = String, Path)), request_body = ContentTargets,
    responses((status = 200, body = PackageChanged), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn distribute(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(t): Json<ContentTargets>,
) -> ApiResult<Json<PackageChanged>> {
    Ok(Json(
        content::change(&s, &id, &t.services, Change::Distribute).await?,
    ))
}

/// Send a package again (to the services named, or to every service that has it).
#[utoipa::path(post, path = "/v1/content/{id}/redistribute", tag = "content", params(("id" = String, Path)), request_body = ContentTargets,
    responses((status = 200, body = PackageChanged), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn redistribute(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(t): Json<ContentTargets>,
) -> ApiResult<Json<PackageChanged>> {
    Ok(Json(
        content::change(&s, &id, &t.services, Change::Redistribute).await?,
    ))
}

/// Remove a package from services (its blobs are deleted from their storage).
#[utoipa::path(post, path = "/v1/content/{id}/remove", tag = "content", params(("id" = String, Path)), request_body = ContentTargets,
    responses((status = 200, body = PackageChanged), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(t): Json<ContentTargets>,
) -> ApiResult<Json<PackageChanged>> {
    Ok(Json(
        content::change(&s, &id, &t.services, Change::Remove).await?,
    ))
}

/// Filter of the distributions list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DistributionQuery {
    /// Only this service (id, FQDN or name).
    pub service: Option<String>,
}

/// Distribution status per package and service (a service's Content tab).
#[utoipa::path(get, path = "/v1/distributions", tag = "content", params(DistributionQuery),
    responses((status = 200, body = Vec<DistributionView>)))]
pub async fn list_distributions(
    State(s): State<AppState>,
    _: Reader,
    Query(q): Query<DistributionQuery>,
) -> ApiResult<Json<Vec<DistributionView>>> {
    let store = s.content.manager.store.clone();
    Ok(Json(
        store
            .call(move |c| {
                let service = match q.service.as_deref() {
                    Some(k) => match crate::site::repo::services::get_service(c, k)? {
                        Some(rec) => Some(rec.id),
                        None => return Ok(Vec::new()),
                    },
                    None => None,
                };
                distributions::distributions(c, None, service.as_deref())
            })
            .await?,
    ))
}

/// Management point: where a client can get a package, with access tokens and the key.
#[utoipa::path(post, path = "/v1/mp/content-locations", tag = "content", request_body = ContentLocationRequest,
    responses((status = 200, body = ContentLocations), (status = 404, body = ErrorBody)))]
pub async fn content_locations(
    State(s): State<AppState>,
    _: Reader,
    Json(req): Json<ContentLocationRequest>,
) -> ApiResult<Json<ContentLocations>> {
    Ok(Json(content::locations(&s, req).await?))
}
