//! Why an operation was refused or failed, phrased for the operator. The HTTP layer maps each
//! kind to a status (`server::error`); monitors tell "refused" from "failed".

use crate::domain::FieldError;
use crate::site::repo::RepoError;
use crate::site::store::StoreError;

/// Why an operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpError {
    /// The object named does not exist (`what`: "the cloud management gateway 'cmg1'").
    #[error("{0} does not exist")]
    NotFound(String),
    /// The current state forbids the operation (a task runs, the service is stopped, …).
    #[error("{0}")]
    Conflict(String),
    /// A field's value collides with what exists (a name or certificate already used).
    #[error("{field}: {rule}")]
    Taken {
        /// The wizard's or form's label.
        field: String,
        /// Why, and what to do.
        rule: String,
    },
    /// A field breaks a rule; nothing was changed.
    #[error("{field}: {rule}")]
    Invalid {
        /// The wizard's or form's label.
        field: String,
        /// The rule broken.
        rule: String,
    },
    /// The caller's role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// An uploaded file could not be received; nothing was kept.
    #[error("{0}")]
    UploadFailed(String),
    /// The site itself failed; `cause` is for the service's log, not the client.
    #[error("{context}: {cause}")]
    Internal {
        /// What was being done.
        context: String,
        /// Why it failed.
        cause: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The result of an operation.
pub(crate) type OpResult<T> = Result<T, OpError>;

impl OpError {
    /// `what` does not exist.
    pub(crate) fn not_found(what: impl Into<String>) -> OpError {
        OpError::NotFound(what.into())
    }

    /// `field` breaks `rule`.
    pub(crate) fn invalid(field: impl Into<String>, rule: impl Into<String>) -> OpError {
        OpError::Invalid {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// `field` collides with what exists.
    pub(crate) fn taken(field: impl Into<String>, rule: impl Into<String>) -> OpError {
        OpError::Taken {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The site failed while doing `context`.
    pub(crate) fn internal(
        context: impl Into<String>,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> OpError {
        OpError::Internal {
            context: context.into(),
            cause: cause.into(),
        }
    }

    /// Was the operation refused (as opposed to failing)?
    pub(crate) fn is_refusal(&self) -> bool {
        !matches!(self, OpError::Internal { .. })
    }
}

impl From<FieldError> for OpError {
    fn from(e: FieldError) -> Self {
        OpError::Invalid {
            field: e.field,
            rule: e.rule,
        }
    }
}

impl From<RepoError> for OpError {
    fn from(e: RepoError) -> Self {
        OpError::internal("the site database failed", e)
    }
}

impl From<crate::site::secrets::SecretError> for OpError {
    fn from(e: crate::site::secrets::SecretError) -> Self {
        OpError::internal("the site's secrets failed", e)
    }
}

impl From<StoreError> for OpError {
    fn from(e: StoreError) -> Self {
        OpError::internal("the site database failed", e)
    }
}

impl From<tokio::task::JoinError> for OpError {
    fn from(e: tokio::task::JoinError) -> Self {
        OpError::internal("a background job of the site failed", e)
    }
}
