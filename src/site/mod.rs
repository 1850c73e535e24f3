//! The site service: persistence, tasks, the HTTP API, logs and status messages.

pub mod cmtrace;
pub mod secrets;
pub mod store;
pub mod tokens;
