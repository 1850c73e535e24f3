//! The site service: persistence, tasks, the HTTP API, logs and status messages.
