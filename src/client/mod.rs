//! A Configuration Manager client's view of cloud content: ask the management point where a
//! package is, download it from the cloud sources offered (resuming interrupted downloads),
//! decrypt it with the package key and verify every file against the announced SHA-256.
//!
//! [`fetch()`] asks the site; [`fetch_from`] takes a management point answer as it is, so a test
//! can order the locations itself.

pub mod attempt;
pub mod error;
pub mod fetch;
pub mod local;
pub mod report;
pub mod resume;
pub mod transport;

pub use attempt::AttemptError;
pub use error::FetchError;
pub use fetch::{FetchRequest, fetch, fetch_from};
pub use report::{AttemptReport, FetchEvent, FetchReport, FileReport, FileStatus, SourceReport};
