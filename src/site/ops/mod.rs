//! The site's operations: every business rule and transaction behind the HTTP API and the
//! monitors. Each takes the [`SiteContext`](crate::site::context::SiteContext) and answers
//! with an [`OpError`] the operator can act on; the HTTP layer only translates.

pub(crate) mod access;
pub(crate) mod alerts;
pub(crate) mod analyze;
pub(crate) mod channels;
pub(crate) mod connection_points;
pub(crate) mod content;
pub(crate) mod content_locations;
pub(crate) mod critical_stop;
mod error;
pub(crate) mod management_point;
pub(crate) mod monitoring;
mod offload;
pub(crate) mod properties;
pub(crate) mod services;
pub(crate) mod site;
pub(crate) mod subscriptions;

pub(crate) use error::{OpError, OpResult};
