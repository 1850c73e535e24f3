//! The one error of the site database's typed reads and writes.

use crate::site::secrets::SecretError;
use crate::site::store::StoreError;

/// A database or secrets failure.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// A statement failed in SQLite.
    #[error("site database: {0}")]
    Sql(#[from] crate::site::db::Error),
    /// The store failed around the statements: a random id, a cancelled call, opening.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A sealed column did not open, or a secret could not be sealed.
    #[error("site secrets: {0}")]
    Secret(#[from] SecretError),
    /// A JSON column did not parse, or a value did not serialise.
    #[error("site database holds malformed data: {0}")]
    Json(#[from] serde_json::Error),
}

/// The result of a read or write.
pub type Result<T> = std::result::Result<T, RepoError>;
