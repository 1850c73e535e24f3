//! The operator's configuration file (`config.toml`).
//!
//! Every key has a default, so a missing file or section means "the defaults". Problems are
//! reported all at once, each as `file:line:column: key.path: message`, so one run of
//! `cloudsite config check` finds everything that needs fixing.

mod check;
pub(crate) mod located;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use located::Problem;

use crate::domain::cost::PriceTable;
use crate::paths::Paths;

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

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists (or was named) but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file has mistakes; every one found is listed, in file order.
    #[error("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The problems, each with file, line, column and key path.
        problems: Vec<Problem>,
    },
}

impl ConfigError {
    /// One line per problem, ready to print.
    pub fn lines(&self) -> Vec<String> {
        match self {
            ConfigError::Invalid { problems } => problems.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

impl Config {
    /// Loads the config file of `paths`; a missing file means the defaults.
    pub fn load(paths: &Paths) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(&paths.config_file) {
            Ok(text) => Config::parse(
                &text,
                &paths.config_file.display().to_string(),
                Some(&paths.themes_dir),
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read {
                path: paths.config_file.clone(),
                source,
            }),
        }
    }

    /// Loads `path`, checking theme names against the themes folder of [`Paths::resolve`].
    pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
        Config::load_file_with_themes(path, Some(&Paths::resolve().themes_dir))
    }

    /// Loads `path`, checking theme names against `themes_dir` (and the built-ins).
    pub fn load_file_with_themes(
        path: &Path,
        themes_dir: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string(), themes_dir)
    }

    /// Parses `text`; `name` labels problems. Themes are checked as in [`Config::load_file`].
    pub fn from_str_named(text: &str, name: &str) -> Result<Config, ConfigError> {
        Config::parse(text, name, Some(&Paths::resolve().themes_dir))
    }

    /// Parses `text` (`name` labels problems), checking theme names against `themes_dir`.
    pub fn parse(text: &str, name: &str, themes_dir: Option<&Path>) -> Result<Config, ConfigError> {
        check::parse(text, name, themes_dir)
    }

    /// `paths` with this file's `[paths]` overrides applied. The `CLOUDSITE_DATA_DIR` and
    /// `CLOUDSITE_LOG_DIR` environment variables still win, so one run can be redirected
    /// without editing the file.
    pub fn apply_paths(&self, paths: &Paths) -> Paths {
        let env_set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
        let mut out = paths.clone();
        if let (Some(dir), false) = (&self.paths.data_dir, env_set("CLOUDSITE_DATA_DIR")) {
            out.data_dir = dir.clone();
        }
        if let (Some(dir), false) = (&self.paths.log_dir, env_set("CLOUDSITE_LOG_DIR")) {
            out.log_dir = dir.clone();
        }
        out
    }
}
