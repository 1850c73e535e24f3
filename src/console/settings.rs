//! The console's rules for the configuration file: the theme must exist and load, and the
//! `[keys]` bindings must name real actions with keys that parse and do not clash. `config
//! check` and the console's start-up both use them, so they accept and refuse the same files.

use super::keymap::Keymap;
use super::theme::{Theme, available};
use crate::config::Config;
use std::path::Path;

/// The console's rules for `config`, with themes looked up in `themes_dir` (and the
/// built-ins): each problem as its key path and message.
pub fn config_problems(config: &Config, themes_dir: Option<&Path>) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let c = &config.console;
    let at = |key: &str| vec!["console".to_string(), key.to_string()];
    let themes = available(themes_dir);
    if !themes.contains(&c.theme) {
        out.push((
            at("theme"),
            format!(
                "no theme named '{}'; available: {}",
                c.theme,
                themes.join(", ")
            ),
        ));
    } else if let Err(e) = Theme::load(&c.theme, themes_dir) {
        // The theme exists but is broken; say so now rather than when the console starts.
        out.push((
            at("theme"),
            format!("theme '{}' does not load: {e}", c.theme),
        ));
    }
    if let Err(problems) = Keymap::from_config(&config.keys) {
        out.extend(problems.into_iter().map(|p| (p.key_path, p.message)));
    }
    out
}
