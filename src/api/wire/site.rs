//! The site, its site systems (Proxy tab), client settings, tokens, status messages and logs.

use crate::domain::role::Role;
use crate::domain::task::Level;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A status message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusMessageView {
    /// Sequence number.
    pub id: i64,
    /// Message ID (9409, 9425, …).
    pub message_id: u32,
    /// Severity.
    pub severity: Level,
    /// Component (`SMS_CLOUD_SERVICES_MANAGER`).
    pub component: String,
    /// Service concerned.
    pub service_id: Option<String>,
    /// Text.
    pub text: String,
    /// Time, RFC 3339.
    pub time: String,
}

/// The site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SiteView {
    /// Site code, e.g. `PS1`.
    pub site_code: String,
    /// Site server name.
    pub server_name: String,
    /// Version of the service.
    pub version: String,
    /// Role of the caller's token.
    pub role: Role,
}

/// A site system with its Proxy tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SiteSystemView {
    /// Server name.
    pub name: String,
    /// Roles it holds.
    pub roles: Vec<String>,
    /// Proxy tab.
    pub proxy: crate::domain::proxy::ProxySettings,
}

/// Set the Proxy tab. A password is stored encrypted and never returned; omit it to keep the
/// stored one, send `""` to clear it.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetProxy {
    /// Use a proxy server.
    pub enabled: bool,
    /// Server name.
    #[serde(default)]
    pub server: Option<String>,
    /// Port (default 80).
    #[serde(default)]
    pub port: Option<i64>,
    /// Account name.
    #[serde(default)]
    pub account: Option<String>,
    /// Account password.
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for SetProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetProxy")
            .field("enabled", &self.enabled)
            .field("server", &self.server)
            .field("port", &self.port)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// A log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogLineView {
    /// Log file, e.g. `CloudMgr.log`.
    pub file: String,
    /// Time, RFC 3339.
    pub time: String,
    /// Component.
    pub component: String,
    /// Severity.
    pub level: Level,
    /// Message.
    pub message: String,
}

/// A new API token (the secret is shown once).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewToken {
    /// Token id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The token. Store it now; it is not shown again.
    pub token: String,
}

/// Client settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClientSettings {
    /// "Allow access to cloud distribution points" (default No).
    pub allow_cloud_dp: bool,
}

/// Create an API token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateToken {
    /// A name for the token (who or what uses it).
    pub name: String,
    /// What the token may do (`full-admin`, `infra-admin`, `read-only`). Checked by the site,
    /// so an unknown name gets a field error rather than a parse failure.
    #[schema(value_type = Role)]
    pub role: String,
}

/// A log file in the site's log dir.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogFileView {
    /// File name (e.g. `CloudMgr.log`).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Last write, RFC 3339 UTC.
    pub modified: String,
}
