//! Where cloudsite keeps its files: XDG directories via `directories`, overridable by environment.
//!
//! | what   | Linux default                          | override               |
//! |--------|----------------------------------------|------------------------|
//! | config | `$XDG_CONFIG_HOME/cloudsite/config.toml` | `CLOUDSITE_CONFIG` (file) |
//! | themes | `$XDG_CONFIG_HOME/cloudsite/themes/`     | —                      |
//! | data   | `$XDG_DATA_HOME/cloudsite/`              | `CLOUDSITE_DATA_DIR`   |
//! | logs   | `$XDG_STATE_HOME/cloudsite/logs/`        | `CLOUDSITE_LOG_DIR`    |

use std::path::PathBuf;

/// The resolved locations of cloudsite's config, data and log files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The config file (it need not exist).
    pub config_file: PathBuf,
    /// Folder of the operator's own themes.
    pub themes_dir: PathBuf,
    /// Site database, keys and the embedded service's data.
    pub data_dir: PathBuf,
    /// CMTrace-format logs.
    pub log_dir: PathBuf,
}

impl Paths {
    /// Resolves the locations from the environment and the platform's conventions.
    pub fn resolve() -> Paths {
        let dirs = directories::ProjectDirs::from("", "", "cloudsite");
        // Without a home directory (a bare container) fall back to the working directory, never panic.
        let fallback = || PathBuf::from(".cloudsite");
        let config_dir = dirs
            .as_ref()
            .map(|d| d.config_dir().to_path_buf())
            .unwrap_or_else(fallback);
        let data_dir = env_path("CLOUDSITE_DATA_DIR").unwrap_or_else(|| {
            dirs.as_ref()
                .map(|d| d.data_dir().to_path_buf())
                .unwrap_or_else(|| fallback().join("data"))
        });
        let log_dir = env_path("CLOUDSITE_LOG_DIR").unwrap_or_else(|| {
            dirs.as_ref()
                .and_then(|d| d.state_dir().map(|s| s.join("logs")))
                .unwrap_or_else(|| data_dir.join("logs"))
        });
        Paths {
            config_file: env_path("CLOUDSITE_CONFIG")
                .unwrap_or_else(|| config_dir.join("config.toml")),
            themes_dir: config_dir.join("themes"),
            data_dir,
            log_dir,
        }
    }
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}
