//! Content protection shared by the site, the cloud instances and clients: package encryption
//! ([`crypt`]) and the access tokens the management point hands to clients ([`token`]).
//! Pure: no I/O beyond the `Read`/`Write` given to it.

pub mod crypt;
pub(crate) mod hashing;
pub mod token;
