//! The management API's JSON bodies, shared by the server and the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Every error answer: an Azure-style code and an operator-readable message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `ForbiddenError`, `ConflictError`.
    pub code: String,
    /// What went wrong, for an operator.
    pub message: String,
}

/// A storage container as the API reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerInfo {
    /// Storage account.
    pub account: String,
    /// Container.
    pub container: String,
}

/// Usage counters of a hosted service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Deployment name.
    pub name: String,
    /// Outbound data of all instances since the deployment was created: a CDP's content bytes
    /// served; for a CMG with a gateway, every byte its sockets sent, to clients and to the site.
    pub egress_bytes: u64,
}

/// A blob's state in its container (`GET …/blobs/<package>/<file>`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobState {
    /// Length of the complete blob, when there is one.
    pub complete_size: Option<u64>,
    /// SHA-256 (lower-case hex) the complete blob was verified against, when known.
    pub complete_sha256: Option<String>,
    /// Bytes of an unfinished upload held so far (0 when none): where the next piece starts.
    pub partial_size: u64,
}

/// What a container holds (`GET …/containers/<container>/usage`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageUsage {
    /// Bytes of complete blobs; unfinished uploads are not counted.
    pub stored_bytes: u64,
}

/// Error code of a 400: the uploaded data does not hash to the declared SHA-256.
pub const CODE_SHA256_MISMATCH: &str = "Sha256Mismatch";
/// Error code of a 409: a piece's offset is not where the partial copy ends.
pub const CODE_OFFSET_MISMATCH: &str = "OffsetMismatch";
/// Error code of a 409: another upload of the same blob is running.
pub const CODE_UPLOAD_IN_PROGRESS: &str = "UploadInProgress";

/// An error answer on its way out of the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The body.
    pub body: ErrorBody,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                code: code.to_string(),
                message: message.into(),
            },
        }
    }

    /// 403: unknown subscription or unregistered certificate.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "ForbiddenError", message)
    }

    /// 404: no such service or container.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFound", message)
    }

    /// 409: a globally unique name is taken.
    pub fn name_in_use(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "ConflictError", message)
    }

    /// 400: bad input or an operation the current state does not allow.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 400 with the code [`CODE_SHA256_MISMATCH`].
    pub fn sha256_mismatch(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, CODE_SHA256_MISMATCH, message)
    }

    /// 409 with a specific code ([`CODE_OFFSET_MISMATCH`], [`CODE_UPLOAD_IN_PROGRESS`]).
    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 500: the operation failed inside the cloud.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", message)
    }

    /// 500 for a fault injected from the configuration.
    pub fn injected() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InjectedFault",
            "injected fault",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}
