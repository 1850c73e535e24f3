//! The HTTP API's wire types and the client used by the console and the scripting commands.

pub mod wire;
pub mod wire_content;

pub mod client;
