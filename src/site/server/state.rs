//! What every handler can reach.

use crate::site::content::distributor::ContentHub;
use crate::site::context::SiteContext;
use std::sync::Arc;

/// What every handler can reach: the site, and the content library with its worker.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The site's shared resources, for the ops.
    pub ctx: Arc<SiteContext>,
    /// The content library and distribution worker.
    pub content: Arc<ContentHub>,
    /// The folder of the local cloud the site runs itself, where lab subscriptions are
    /// registered; `None` when it drives another cloud.
    pub lab_cloud: Option<std::path::PathBuf>,
}
