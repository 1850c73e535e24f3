//! A Configuration Manager client's view of cloud content: ask the management point where a
//! package is (directly, or through a cloud management gateway as an internet client does),
//! download it from the cloud sources offered (resuming interrupted downloads), decrypt it with
//! the package key and verify every file against the announced SHA-256.
//!
//! [`fetch()`] asks the site; [`fetch_from`] takes a management point answer as it is, so a test
//! can order the locations itself; [`through_cmg`] gives the API client that reaches the
//! management point through a CMG.

mod attempt;
mod cmg;
mod error;
mod fetch;
mod local;
mod report;
mod resume;
mod transport;

pub use attempt::AttemptError;
pub use cmg::{ClientIdentity, CmgRoute, through_cmg};
pub use error::FetchError;
pub use fetch::{FetchRequest, fetch, fetch_from};
pub use report::{AttemptReport, FetchEvent, FetchReport, FileReport, FileStatus, SourceReport};
pub use transport::root_ders;
