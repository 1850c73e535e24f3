//! The site service: persistence, tasks, the HTTP API, logs and status messages.
pub mod events;
pub mod prepare;
