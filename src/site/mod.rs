//! The site service: persistence, tasks, the HTTP API, logs and status messages.
//!
//! Calls go down: `server` (HTTP) and `monitor` (background checks) call `ops`; `ops` record
//! tasks that `manager` (the task runner) drives; all of them share a [`context::SiteContext`]
//! and read and write the database through `repo`. `service` starts and stops the whole.

pub(crate) mod analyzer;
pub(crate) mod cert_expiry;
pub mod cmtrace;
pub(crate) mod content;
pub(crate) mod context;
pub(crate) mod cp_certs;
pub(crate) mod cp_host;
pub(crate) mod credentials;
pub mod db;
pub(crate) mod events;
pub(crate) mod live;
pub mod manager;
pub mod monitor;
pub(crate) mod ops;
pub(crate) mod pki;
pub mod prepare;
pub mod replica;
pub mod repo;
pub mod secrets;
pub(crate) mod server;
pub mod service;
pub mod store;
#[cfg(test)]
pub(crate) mod testing;
pub mod tokens;
