//! The error body of every refusal.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The error body of every 4xx/5xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong; the body is `{"error": {…}}` and nothing else.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `invalid_field`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `internal`, …
    pub code: String,
    /// The whole message for an operator.
    pub message: String,
    /// The field at fault (wizard label), for `invalid_field`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule the field broke.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}
