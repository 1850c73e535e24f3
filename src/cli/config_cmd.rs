//! `cloudsite config …`: check the configuration file and show where files live.

use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::paths::Paths;

/// Subcommands of `cloudsite config`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load a config file and report every problem with file, line and key (exit 1 if any).
    Check {
        /// The file to check; defaults to the config file cloudsite would use.
        file: Option<PathBuf>,
    },
    /// Print where the config, themes, data and logs live.
    Paths,
}

/// Runs a `config` subcommand.
pub(super) fn run(cmd: ConfigCommand) -> ExitCode {
    let paths = Paths::resolve();
    match cmd {
        ConfigCommand::Paths => {
            println!("config  {}", paths.config_file.display());
            println!("themes  {}", paths.themes_dir.display());
            println!("data    {}", paths.data_dir.display());
            println!("logs    {}", paths.log_dir.display());
            ExitCode::SUCCESS
        }
        ConfigCommand::Check { file } => check(file, &paths),
    }
}

/// `config check`: `FILE: ok`, or every problem on its own line on stderr and exit 1.
fn check(file: Option<PathBuf>, paths: &Paths) -> ExitCode {
    let named = file.is_some();
    let file = file.unwrap_or_else(|| paths.config_file.clone());
    // The default file is optional (the defaults apply); a file named on the command line is not.
    if !named && !file.exists() {
        println!("{}: not found; cloudsite uses the defaults", file.display());
        return ExitCode::SUCCESS;
    }
    let themes = Some(paths.themes_dir.as_path());
    let console_rules = |c: &Config| crate::console::settings::config_problems(c, themes);
    match Config::load_file(&file, &console_rules) {
        Ok(_) => {
            println!("{}: ok", file.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            // The problems quote the file's keys and values.
            for line in e.lines() {
                eprintln!("{}", super::output::safe(&line));
            }
            ExitCode::FAILURE
        }
    }
}
