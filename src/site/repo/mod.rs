//! Typed reads and writes of the site database, one group of tables per module. Every function
//! takes a connection (or transaction) so callers group changes into one transaction.

pub mod alerts;
pub(crate) mod client_settings;
pub(crate) mod connection_points;
pub(crate) mod distributions;
mod error;
pub(crate) mod packages;
pub(crate) mod service_view;
pub(crate) mod services;
pub(crate) mod site;
mod sql;
pub(crate) mod status_messages;
pub(crate) mod tasks;
pub(crate) mod usage;

pub use error::{RepoError, Result};
