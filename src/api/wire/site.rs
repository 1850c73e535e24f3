//! The site, its site systems (Proxy tab), client settings, tokens, status messages and logs.

use super::secret::Secret;
use crate::domain::replica::{DatabaseEngine, ReplicaRole};
use crate::domain::role::Role;
use crate::domain::task::Level;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A status message the site recorded (component `SMS_CLOUD_SERVICES_MANAGER`); each is also
/// written to `CloudMgr.log` as a `STATMSG:` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusMessageView {
    /// Row id in the site database; a higher id is a newer message (lists are newest first).
    pub id: i64,
    /// Message ID (9409, 9425, …).
    pub message_id: u32,
    /// Info, warning or error.
    pub severity: Level,
    /// Component (`SMS_CLOUD_SERVICES_MANAGER`).
    pub component: String,
    /// Id of the hosted service the message is about (32 hex digits); `None` for a message
    /// about the site itself.
    pub service_id: Option<String>,
    /// The message text, without the `STATMSG: ID=…` prefix the log line carries.
    pub text: String,
    /// When it was recorded, RFC 3339 UTC with milliseconds (e.g. `2024-05-03T12:34:56.789Z`).
    pub time: String,
}

/// The site as `GET /v1/site` describes it to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SiteView {
    /// Site code, e.g. `PS1`.
    pub site_code: String,
    /// The site server's name, as given when the site was set up.
    pub server_name: String,
    /// The cloudsite version the site runs (the crate version, e.g. `0.1.0`).
    pub version: String,
    /// Role of the caller's token.
    pub role: Role,
    /// This replica's part: `active` runs the services manager, `passive` serves the API and
    /// waits to take over. Always `active` on SQLite.
    #[serde(default = "active")]
    pub replica: ReplicaRole,
    /// Where the site keeps its state.
    #[serde(default)]
    pub database: DatabaseEngine,
}

fn active() -> ReplicaRole {
    ReplicaRole::Active
}

/// A site system with its Proxy tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SiteSystemView {
    /// The server's name; the key of `/v1/site-systems/{name}/proxy`.
    pub name: String,
    /// Its site system roles as the console names them (e.g. `Site server`, `Service connection
    /// point`); not API token roles.
    pub roles: Vec<String>,
    /// Its Proxy tab; tells whether a password is stored, never the password.
    pub proxy: crate::domain::proxy::ProxySettings,
}

/// Set the Proxy tab. A password is stored encrypted and never returned; omit it to keep the
/// stored one, send `""` to clear it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetProxy {
    /// Use a proxy server.
    pub enabled: bool,
    /// The proxy server: host name, FQDN or IP address. Required when `enabled`, refused
    /// otherwise; blank counts as absent.
    #[serde(default)]
    pub server: Option<String>,
    /// Port, 1–65535 (default 80).
    #[serde(default)]
    pub port: Option<i64>,
    /// Account for the proxy, `DOMAIN\user` or `user` (not a UPN); only with `enabled`. Without
    /// one, any stored password is cleared.
    #[serde(default)]
    pub account: Option<String>,
    /// The account's password: omit to keep the stored one, `""` to clear it. Needs `account`.
    #[serde(default)]
    pub password: Option<Secret>,
}

/// A log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogLineView {
    /// Log file, e.g. `CloudMgr.log`.
    pub file: String,
    /// When, RFC 3339 UTC with milliseconds (a line read back from the file: its local time
    /// and bias, converted).
    pub time: String,
    /// The writing component (e.g. `SMS_CLOUD_SERVICES_MANAGER`).
    pub component: String,
    /// Info, warning or error (CMTrace `type` 1, 2, 3).
    pub level: Level,
    /// The record's text (what the site writes has its secrets redacted).
    pub message: String,
}

/// A new API token (the secret is shown once).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewToken {
    /// The token's record id (32 hex digits); not the secret.
    pub id: String,
    /// The requested name, trimmed.
    pub name: String,
    /// What the token may do.
    pub role: Role,
    /// The token. Store it now; it is not shown again.
    pub token: String,
}

/// The site's client settings: for now, only whether clients may use cloud distribution points.
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
