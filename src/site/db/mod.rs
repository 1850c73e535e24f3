//! The site database's engine boundary: one small SQL API (modelled on the part of rusqlite
//! the repository uses) over two real engines, SQLite (the embedded default, one file in the
//! data dir) and PostgreSQL (`[site] database = "postgres://…"`, shared by replicas).
//!
//! The repository is written once against [`Connection`]; statements use `?N` placeholders and
//! the SQL both engines understand. The PostgreSQL side rewrites the placeholders to `$N` and
//! `INSERT OR IGNORE` to `ON CONFLICT DO NOTHING`, and its schema defines what SQLite has built
//! in (`ifnull`, the `nocase` collation), so the statements themselves stay the same.

mod conn;
mod error;
mod params;
mod postgres;
mod sqlite;
mod value;

pub use conn::{Connection, Engine, Row, RowIndex, Statement, Transaction};
pub use error::{Error, OptionalExtension, Result};
pub use params::Params;
pub use value::{FromValue, ToValue, Value, wrong};

/// Parameters of a statement: `params![a, b, …]` (each anything [`ToValue`]).
#[macro_export]
#[doc(hidden)]
macro_rules! __site_db_params {
    () => {
        &[] as &[&dyn $crate::site::db::ToValue]
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::site::db::ToValue),+] as &[&dyn $crate::site::db::ToValue]
    };
}

pub use crate::__site_db_params as params;
