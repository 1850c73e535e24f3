//! Reading the configuration file: a missing file is the defaults, a bad one lists every
//! problem with its place.

use super::check::{self, ExtraRules};
use super::error::ConfigError;
use super::schema::Config;
use crate::paths::Paths;
use std::path::Path;

impl Config {
    /// Loads the config file of `paths`; a missing file means the defaults.
    pub fn load(paths: &Paths, extra: ExtraRules<'_>) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(&paths.config_file) {
            Ok(text) => Config::parse(&text, &paths.config_file.display().to_string(), extra),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read {
                path: paths.config_file.clone(),
                source,
            }),
        }
    }

    /// Loads `path` (which must exist).
    pub fn load_file(path: &Path, extra: ExtraRules<'_>) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string(), extra)
    }

    /// Parses `text` (`name` labels problems), with the config's own rules and `extra`.
    pub fn parse(text: &str, name: &str, extra: ExtraRules<'_>) -> Result<Config, ConfigError> {
        check::parse(text, name, extra)
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
