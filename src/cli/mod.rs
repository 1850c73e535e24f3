//! Command-line entry: parses arguments with clap and hands each subcommand to its module.

mod cert_cmd;
mod config_cmd;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// cloudsite: run the cloud services (CDP, CMG, proxy) of a Configuration Manager-style site
/// from the terminal.
#[derive(Debug, Parser)]
#[command(name = "cloudsite", version, about, long_about = None)]
pub struct Cli {
    /// What to do; without one, cloudsite shows this overview.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Certificate files: check a .pfx/.p12, .cer/.crt/.pem or .publishsettings locally.
    #[command(subcommand)]
    Cert(cert_cmd::CertCommand),
    /// The configuration file: check it, show where files live.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// Runs cloudsite with the process arguments and returns its exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => {
            // The console arrives with its issue; until then the bare command explains itself.
            let _ = Cli::command().print_help();
            ExitCode::SUCCESS
        }
        Some(Command::Cert(cmd)) => cert_cmd::run(cmd),
        Some(Command::Config(cmd)) => config_cmd::run(cmd),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "cloudsite",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
    }
}
