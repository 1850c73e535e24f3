//! How the console reaches its site. Where the site is (a URL and a token, or a site service
//! this process starts on the user's data dir) is the business of whoever opens the console —
//! the CLI — so the console names only this trait, and the network worker asks it for a client.

use crate::api::client::Client;
use std::future::Future;

/// Why the site could not be reached (shown in the header while the worker retries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct LinkError {
    /// The reason, for an operator ("no token for https://…: set CLOUDSITE_TOKEN …").
    pub reason: String,
}

impl LinkError {
    /// An error saying `reason`.
    pub fn new(reason: impl Into<String>) -> LinkError {
        LinkError {
            reason: reason.into(),
        }
    }
}

/// The console's way to its site.
pub trait SiteLink: Send + 'static {
    /// Reaches the site and returns a client of it, starting the site first when that is this
    /// link's job. May be called again after the connection dropped: a link that already runs
    /// the site returns a client of it; one that does not may find the site anew (re-read the
    /// URL, start the embedded site if its previous owner quit).
    fn connect(&mut self) -> impl Future<Output = Result<Client, LinkError>> + Send;

    /// Lets go of the site as the console quits: an embedded site this process runs stops
    /// (its unfinished tasks resume at its next start); a remote one is left alone.
    fn close(self) -> impl Future<Output = ()> + Send;
}
