//! The site service: persistence, tasks, the HTTP API, logs and status messages.

pub mod cmtrace;
pub mod content;
pub mod events;
pub mod manager;
pub mod monitor;
pub mod prepare;
pub mod repo;
pub mod secrets;
pub mod server;
pub mod service;
pub mod store;
pub mod tls_serve;
pub mod tokens;
