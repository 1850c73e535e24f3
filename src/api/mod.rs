//! The HTTP API's contract and its client: the wire types, the route paths, and the typed
//! client the console and the scripting commands use (one method per operation).

pub mod client;
mod error;
mod events;
pub mod mappings;
pub mod operations;
pub mod routes;
mod sse;
pub mod wire;
