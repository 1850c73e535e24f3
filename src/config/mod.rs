//! The operator's configuration file (`config.toml`).
//!
//! Every key has a default, so a missing file or section means "the defaults". Problems are
//! reported all at once, each as `file:line:column: key.path: message`, so one run of
//! `cloudsite config check` finds everything that needs fixing.

mod check;
mod error;
mod load;
pub(crate) mod located;
mod schema;

pub use check::{ExtraRules, no_extra_rules};
pub use error::ConfigError;
pub use located::Problem;
pub use schema::*;
