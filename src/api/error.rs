//! Why a call to the site failed.

use super::wire::ErrorDetail;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The site answered with an error.
    #[error("{}", describe(.status, .detail))]
    Api {
        /// HTTP status.
        status: u16,
        /// The error body.
        detail: ErrorDetail,
    },
    /// The site could not be reached or answered garbage.
    #[error("cannot reach the site at {url}: {message}")]
    Transport {
        /// Site URL.
        url: String,
        /// Cause.
        message: String,
    },
}

fn describe(status: &u16, d: &ErrorDetail) -> String {
    match (&d.field, &d.rule) {
        (Some(f), Some(r)) => format!("{f}: {r}"),
        _ => format!("{} ({status})", d.message),
    }
}

impl ClientError {
    /// The field the site named and the rule it broke, for a refusal about one field: the
    /// console puts the rule under that field.
    pub fn field(&self) -> Option<(&str, &str)> {
        match self {
            ClientError::Api { detail, .. } => {
                Some((detail.field.as_deref()?, detail.rule.as_deref()?))
            }
            ClientError::Transport { .. } => None,
        }
    }

    /// The HTTP status, if the site answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            ClientError::Transport { .. } => None,
        }
    }
}
