//! What the configuration file holds: every section and key with its default.

use crate::domain::cost::PriceTable;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The whole configuration file. `PartialEq` only: the price table holds floats.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Which site service the console and commands talk to.
    pub site: SiteConfig,
    /// The terminal console.
    pub console: ConsoleConfig,
    /// Overrides of where data and logs live.
    pub paths: PathsConfig,
    /// What goes into cloudsite's own logs.
    pub logging: LoggingConfig,
    /// Key bindings: action name → keys. Empty means the console's built-in bindings.
    pub keys: BTreeMap<String, Vec<String>>,
    /// The local cloud the site service hosts services in, and the manager's pace.
    pub cloud: CloudConfig,
    /// Usage collection, alert checks, health checks and content tokens.
    pub monitoring: MonitoringConfig,
    /// Prices of the cost projection (illustrative by default).
    pub prices: PriceTable,
}

/// `[monitoring]`: how often the site service collects usage and checks thresholds and
/// health. Durations are strings such as `"250ms"`, `"90s"`, `"6m"` or `"1h"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitoringConfig {
    /// Between two usage collections (ConfigMgr: hourly).
    pub usage_interval: String,
    /// Between two CMG stop-at-critical checks (ConfigMgr: 6 minutes).
    pub cmg_stop_check: String,
    /// Between two health checks.
    pub health_interval: String,
    /// Between two samples of each CMG's gateway (channels, client traffic).
    pub gateway_interval: String,
    /// Bytes per quota "GB" (1 GiB; demos shrink it so a few downloads cross a threshold).
    pub quota_unit_bytes: u64,
    /// Warn this many days before a certificate expires.
    pub expiry_warning_days: i64,
    /// How long a content access token is valid (ConfigMgr: 24 hours).
    pub token_lifetime: String,
}

impl Default for MonitoringConfig {
    fn default() -> Self {
        MonitoringConfig {
            usage_interval: "1h".into(),
            cmg_stop_check: "6m".into(),
            health_interval: "5m".into(),
            gateway_interval: "5s".into(),
            quota_unit_bytes: 1 << 30,
            expiry_warning_days: 30,
            token_lifetime: "24h".into(),
        }
    }
}

/// `[cloud]`: the local cloud (provisioning time, injected faults) and how often the services
/// manager polls it. Faults exist for tests and demonstrations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudConfig {
    /// How long provisioning (and start, stop, delete) takes in the local cloud, in ms.
    pub provisioning_delay_ms: u64,
    /// Fail the next N operations in the cloud.
    pub fail_next: u32,
    /// Added to every cloud operation, in ms.
    pub slow_ms: u64,
    /// Deployment names the cloud refuses as "already in use".
    pub reserved_names: Vec<String>,
    /// How often the services manager reads the cloud while it waits, in ms.
    pub poll_interval_ms: u64,
    /// How often it checks for a storage container that does not exist yet, in ms.
    pub container_retry_ms: u64,
    /// Where the local cloud keeps the blobs of its storage containers.
    pub storage: StorageSection,
}

/// `[cloud.storage]`: where the local cloud keeps content blobs, its data directory (`folder`,
/// the default) or an Azure storage account (`azure`, also Azurite). The key is never written
/// in the file: it comes from the environment variable `key_env`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSection {
    /// `folder` or `azure`.
    pub kind: StorageKind,
    /// The Azure storage account name (`azure` only).
    pub account: Option<String>,
    /// The Blob service URL; default `https://<account>.blob.core.windows.net`
    /// (Azurite: `http://127.0.0.1:10000/devstoreaccount1`).
    pub endpoint: Option<String>,
    /// The environment variable holding the account's shared key.
    pub key_env: String,
    /// The blob container that holds every local-cloud container, created when missing.
    pub container: String,
}

impl Default for StorageSection {
    fn default() -> Self {
        StorageSection {
            kind: StorageKind::Folder,
            account: None,
            endpoint: None,
            key_env: "AZURE_STORAGE_KEY".into(),
            container: "cloudsite".into(),
        }
    }
}

/// The kinds of content store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// Files in the local cloud's data directory.
    #[default]
    Folder,
    /// Azure Blob Storage (or Azurite).
    Azure,
}

impl Default for CloudConfig {
    fn default() -> Self {
        CloudConfig {
            provisioning_delay_ms: 3000,
            fail_next: 0,
            slow_ms: 0,
            reserved_names: Vec::new(),
            poll_interval_ms: 500,
            container_retry_ms: 10_000,
            storage: StorageSection::default(),
        }
    }
}

/// `[site]`: the site service to use.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// Base URL of a site service (`http://` or `https://`); `None` starts an embedded one.
    pub url: Option<String>,
    /// File holding the API bearer token for `url`.
    pub token_file: Option<PathBuf>,
    /// For `cloudsite serve`: the site database on PostgreSQL (`postgres://user@host/db`);
    /// unset keeps the SQLite file in the data dir.
    pub database: Option<String>,
}

/// `[console]`: look and behaviour of the terminal console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Theme name: a built-in or `NAME.toml` in the themes folder.
    pub theme: String,
    /// Whether the console captures the mouse (clicks, wheel); off keeps terminal text selection.
    pub mouse: bool,
    /// Most frames drawn per second (1–240).
    pub max_fps: u32,
    /// Log lines kept in memory for the log view (100–1,000,000).
    pub log_buffer_lines: u32,
    /// How times are shown.
    pub date_format: DateFormat,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            theme: "default".into(),
            mouse: false,
            max_fps: 60,
            log_buffer_lines: 10_000,
            date_format: DateFormat::Local,
        }
    }
}

/// How the console writes times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateFormat {
    /// RFC 3339 in UTC (`2026-05-04T09:30:00Z`).
    Rfc3339,
    /// The local time zone, in a short readable form.
    #[default]
    Local,
}

/// `[paths]`: overrides of [`Paths`]; absent keys keep the platform default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PathsConfig {
    /// Where the site database, keys and embedded service data live (absolute).
    pub data_dir: Option<PathBuf>,
    /// Where cloudsite writes its logs (absolute).
    pub log_dir: Option<PathBuf>,
}

/// `[logging]`: cloudsite's own logs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingConfig {
    /// The least severe level written.
    pub level: LogLevel,
}

/// Log severity, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Errors and warnings.
    Warning,
    /// The normal level: what happened.
    #[default]
    Info,
    /// Detail for troubleshooting.
    Debug,
    /// Everything.
    Trace,
}
