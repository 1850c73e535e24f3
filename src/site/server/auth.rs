//! Bearer-token authentication and role checks, as extractors: a handler that takes
//! [`Writer`] cannot be reached with a read-only token, and one that takes [`Reader`] cannot be
//! reached without a valid token.

use super::error::ApiError;
use super::state::AppState;
use crate::domain::role::Role;
use crate::site::ops::access;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

/// Any valid token.
#[derive(Debug, Clone)]
pub(super) struct Reader {
    /// The token's role.
    pub role: Role,
    /// The token's name.
    pub name: String,
}

/// Any valid token, a client's included: the management point routes.
#[derive(Debug, Clone)]
pub(super) struct MpCaller(pub Reader);

/// A token whose role may change things (Full or Infrastructure Administrator).
#[derive(Debug, Clone)]
pub(super) struct Writer(pub Reader);

/// A Full Administrator token (managing tokens).
#[derive(Debug, Clone)]
pub(super) struct Admin;

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MpCaller(reader) = MpCaller::from_request_parts(parts, state).await?;
        access::require_site_reader(reader.role)?;
        Ok(reader)
    }
}

impl FromRequestParts<AppState> for MpCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized =
            |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m.to_string());
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| unauthorized("a bearer token is required (Authorization: Bearer …)"))?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthorized("the Authorization header must be 'Bearer <token>'"))?
            .to_string();
        let record = access::authenticate(&state.ctx, token)
            .await?
            .ok_or_else(|| unauthorized("the token is not valid for this site"))?;
        Ok(MpCaller(Reader {
            role: record.role,
            name: record.name,
        }))
    }
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let reader = Reader::from_request_parts(parts, state).await?;
        access::require_writer(reader.role)?;
        Ok(Writer(reader))
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let reader = Reader::from_request_parts(parts, state).await?;
        access::require_admin(reader.role)?;
        Ok(Admin)
    }
}
