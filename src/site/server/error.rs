//! API errors: each becomes a JSON [`ErrorBody`] with the right status.

use crate::api::wire::{ErrorBody, ErrorDetail};
use crate::domain::FieldError;
use crate::site::repo::RepoError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Body.
    pub detail: ErrorDetail,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
                rule: None,
            },
        }
    }

    /// 404 for a service or object that does not exist.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} does not exist"),
        )
    }

    /// 409 for an action the current state forbids.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// A field that broke a rule, with a given status (400 or 409).
    pub fn field(status: StatusCode, field: &str, rule: &str) -> Self {
        ApiError {
            status,
            detail: ErrorDetail {
                code: if status == StatusCode::CONFLICT {
                    "conflict".into()
                } else {
                    "invalid_field".into()
                },
                message: format!("{field}: {rule}"),
                field: Some(field.into()),
                rule: Some(rule.into()),
            },
        }
    }

    /// 500 with a message that gives nothing away.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        // The cause may name tables or paths: it goes to the service's stderr, not the client.
        eprintln!("cloudsite site service: internal error: {e}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the site service failed; its standard error output has the cause",
        )
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::field(StatusCode::BAD_REQUEST, &e.field, &e.rule)
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: self.detail })).into_response()
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
