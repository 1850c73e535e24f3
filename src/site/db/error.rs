//! Errors of the database layer, whichever engine raised them.

/// What went wrong running a statement.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite refused or failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused or failed (the server's message and SQLSTATE are in it).
    #[error("{}", postgres_message(.0))]
    Postgres(#[from] ::postgres::Error),
    /// PostgreSQL refused a statement: its message, and the statement (never its parameters,
    /// which may be secrets).
    #[error("{} (in: {sql})", postgres_message(source))]
    PostgresStatement {
        /// The statement as sent.
        sql: String,
        /// The driver's error.
        source: ::postgres::Error,
    },
    /// A query that must return a row returned none.
    #[error("the query returned no rows")]
    QueryReturnedNoRows,
    /// A column's value is not what the code reads it as (an unknown enum name, bad JSON, a
    /// number out of range).
    #[error("column {index}: {message}")]
    Conversion {
        /// The column, from 0.
        index: usize,
        /// What did not fit, naming the value.
        message: String,
    },
    /// A parameter cannot be stored (e.g. an integer beyond the 64-bit range of both engines).
    #[error("parameter: {0}")]
    Parameter(String),
}

impl Error {
    /// Is this a uniqueness violation (a race the database settled)?
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            Error::Postgres(e) | Error::PostgresStatement { source: e, .. } => {
                e.code() == Some(&::postgres::error::SqlState::UNIQUE_VIOLATION)
            }
            _ => false,
        }
    }
}

/// The server's own message (with its detail) rather than the driver's "db error".
fn postgres_message(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => e.to_string(),
    }
}

/// The result of a database call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `query_row(…).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    /// `Ok(None)` for [`Error::QueryReturnedNoRows`], the rest as it was.
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
