//! API errors: each becomes a JSON [`ErrorBody`] with the right status.

use crate::api::wire::{ErrorBody, ErrorDetail};
use crate::site::ops::OpError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error answer.
#[derive(Debug)]
pub(super) struct ApiError {
    /// HTTP status (4xx or 5xx).
    pub status: StatusCode,
    /// What goes in the body's `error` object.
    pub detail: ErrorDetail,
}

impl ApiError {
    /// An error with a code and message.
    pub(super) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
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
    pub(super) fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} does not exist"),
        )
    }

    /// 409 for an action the current state forbids.
    pub(super) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// A field that broke a rule, with a given status (400 or 409).
    pub(super) fn field(status: StatusCode, field: &str, rule: &str) -> Self {
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
    pub(super) fn internal(e: impl std::fmt::Display) -> Self {
        // The cause may name tables or paths: it goes to the service's stderr, not the client.
        eprintln!("cloudsite site service: internal error: {e}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the site service failed; its standard error output has the cause",
        )
    }
}

impl From<OpError> for ApiError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::NotFound(what) => ApiError::not_found(&what),
            OpError::Conflict(message) => ApiError::conflict(message),
            OpError::Taken { field, rule } => ApiError::field(StatusCode::CONFLICT, &field, &rule),
            OpError::Invalid { field, rule } => {
                ApiError::field(StatusCode::BAD_REQUEST, &field, &rule)
            }
            OpError::Forbidden(message) => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
            }
            OpError::UploadFailed(message) => {
                ApiError::new(StatusCode::BAD_REQUEST, "upload_failed", message)
            }
            internal @ OpError::Internal { .. } => ApiError::internal(internal),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: self.detail })).into_response()
    }
}

/// Result of a handler.
pub(super) type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(e: OpError) -> (u16, String, Option<String>, String) {
        let a = ApiError::from(e);
        (
            a.status.as_u16(),
            a.detail.code,
            a.detail.field,
            a.detail.message,
        )
    }

    #[test]
    fn each_kind_of_refusal_has_its_status_and_code() {
        assert_eq!(
            answer(OpError::not_found("the package 'x'")),
            (
                404,
                "not_found".into(),
                None,
                "the package 'x' does not exist".into()
            )
        );
        assert_eq!(
            answer(OpError::Conflict("a Stop task is still running".into())),
            (
                409,
                "conflict".into(),
                None,
                "a Stop task is still running".into()
            )
        );
        assert_eq!(
            answer(OpError::taken("Service FQDN", "must be unique")),
            (
                409,
                "conflict".into(),
                Some("Service FQDN".into()),
                "Service FQDN: must be unique".into()
            )
        );
        assert_eq!(
            answer(OpError::invalid("VM Instance", "must be 1 to 16")),
            (
                400,
                "invalid_field".into(),
                Some("VM Instance".into()),
                "VM Instance: must be 1 to 16".into()
            )
        );
        assert_eq!(answer(OpError::Forbidden("no".into())).0, 403);
        assert_eq!(
            answer(OpError::UploadFailed("cut".into())).1,
            "upload_failed"
        );
        // The cause stays on the service's standard error; the client learns nothing of it.
        let (status, code, _, message) = answer(OpError::internal(
            "reading the site",
            "table services is gone",
        ));
        assert_eq!((status, code.as_str()), (500, "internal"));
        assert!(!message.contains("services"), "{message}");
    }
}
