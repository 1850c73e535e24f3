//! JSON bodies of the `/v1` API, shared by the server and every client. One file per area; the
//! types are re-exported here, so callers name them `api::wire::X`.

mod alerts;
mod analyze;
mod content;
mod errors;
mod events;
mod gateway;
mod secret;
mod services;
mod site;

pub use alerts::*;
pub use analyze::*;
pub use content::*;
pub use errors::*;
pub use events::*;
pub use gateway::*;
pub use secret::Secret;
pub use services::*;
pub use site::*;
