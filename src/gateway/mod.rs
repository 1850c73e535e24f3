//! The cloud management gateway's data path: the channel a connection point dials out to each
//! CMG instance, and the requests that flow back in over it.

pub mod attach;
pub mod channel;
pub mod client_auth;
pub mod connector;
pub mod forward;
pub mod pool;
pub mod protocol;
pub mod revocation;
pub mod stream;
