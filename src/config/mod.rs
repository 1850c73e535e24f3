//! The operator's configuration file (`config.toml`).
