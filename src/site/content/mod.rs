//! The content side of the site: packages are encrypted into the library as they arrive
//! ([`library`]) and a background worker ([`distributor`]) uploads them to each target
//! service's storage, removes them, and records the outcome per package and service.

pub(crate) mod distributor;
pub(crate) mod library;
