//! The one error of the site database's typed reads and writes.

use crate::site::secrets::SecretError;
use crate::site::store::StoreError;

/// A database or secrets failure.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// SQLite.
    #[error("site database: {0}")]
    Sql(#[from] rusqlite::Error),
    /// Store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Secrets.
    #[error("site secrets: {0}")]
    Secret(#[from] SecretError),
    /// Stored JSON.
    #[error("site database holds malformed data: {0}")]
    Json(#[from] serde_json::Error),
}

/// The result of a read or write.
pub type Result<T> = std::result::Result<T, RepoError>;
