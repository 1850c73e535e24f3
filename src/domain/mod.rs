//! Plain types and rules of the cloud-services domain, shared by console and server. No I/O.
//!
//! Validation lives here once: the console runs it as the operator types and the
//! site service runs it again on every request.

pub mod alert;
pub mod analyzer;
pub mod cmg;
pub mod content;
pub mod cost;
pub mod duration;
pub mod proxy;
pub mod replica;
pub mod role;
pub mod service;
pub mod task;
pub mod text;
pub mod validate;

pub use validate::FieldError;
