//! `cloudsite cert inspect`: local certificate validation (DESIGN.md, certificate inspection contract).

use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

/// Subcommands of `cloudsite cert`.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Inspect a certificate file and say whether it is fit for a role.
    Inspect {
        /// The file: .pfx/.p12, .cer/.crt/.pem (DER or PEM) or a v1 .publishsettings.
        file: PathBuf,
    },
}

/// Runs a `cert` subcommand.
pub fn run(cmd: CertCommand) -> ExitCode {
    match cmd {
        CertCommand::Inspect { file } => {
            println!("{}", file.display());
            ExitCode::SUCCESS
        }
    }
}
