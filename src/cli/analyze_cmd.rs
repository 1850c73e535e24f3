//! `cloudsite cmg analyze NAME`: the CMG connection analyzer, each check printed as it
//! concludes (or one JSON object at the end); exit 1 when a check failed.

use super::output::{self, CliError, Failure, fail, say};
use crate::api::client::Client;
use crate::api::wire::{AnalyzeCmg, AnalyzerEvent, CertUpload, CheckResult};
use crate::domain::analyzer::{AnalyzerCheck, CheckOutcome};
use base64::Engine;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `cmg analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The CMG (service FQDN, name or id).
    pub service: String,
    /// A client authentication certificate (.pfx) to analyze with, as a client presents it to
    /// the CMG; without it the analyzer is a client without one.
    #[arg(long, value_name = "FILE.pfx")]
    pub client_cert: Option<PathBuf>,
    /// Environment variable holding the client certificate's password (default: empty).
    #[arg(long, value_name = "VAR", requires = "client_cert")]
    pub client_cert_password_env: Option<String>,
    /// Print one JSON object at the end: the CMG, the failed count and every check.
    #[arg(long)]
    pub json: bool,
}

/// Reads the client certificate flags into the upload the site opens.
pub(super) fn client_upload(
    file: &Option<PathBuf>,
    password_env: &Option<String>,
) -> Result<Option<CertUpload>, String> {
    let Some(file) = file else {
        return Ok(None);
    };
    let bytes =
        std::fs::read(file).map_err(|e| format!("--client-cert {}: {e}", file.display()))?;
    let password = match password_env {
        Some(var) => std::env::var(var).map_err(|_| {
            format!("--client-cert-password-env: the environment variable {var} is not set")
        })?,
        None => String::new(),
    };
    Ok(Some(CertUpload {
        file_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        password: password.into(),
    }))
}

/// The lines printed for a concluded check: its number, name and outcome, what it found, and
/// what to do.
pub(super) fn check_lines(r: &CheckResult) -> Vec<String> {
    let n = AnalyzerCheck::ALL
        .iter()
        .position(|c| *c == r.check)
        .map_or(0, |i| i + 1);
    let mut lines = vec![
        format!(
            "[{n}/{}] {}: {}",
            AnalyzerCheck::ALL.len(),
            r.name,
            r.outcome.display_name()
        ),
        format!("      {}", r.detail),
    ];
    if let Some(a) = &r.action {
        lines.push(format!("      What to do: {a}"));
    }
    lines
}

/// Runs `cmg analyze`.
pub(super) async fn run(client: &Client, args: AnalyzeArgs) -> Result<ExitCode, CliError> {
    let req = AnalyzeCmg {
        client_certificate: client_upload(&args.client_cert, &args.client_cert_password_env)?,
    };
    let json = output::is_json(args.json);
    let mut stream = client.analyze_cmg(&args.service, &req).await?;
    let mut results = Vec::new();
    let mut done = None;
    while let Some(event) = stream.next().await {
        match event? {
            AnalyzerEvent::Running { .. } => {}
            AnalyzerEvent::Finished { result } => {
                if !json {
                    check_lines(&result).into_iter().for_each(say);
                }
                results.push(result);
            }
            AnalyzerEvent::Done { cmg, failed } => done = Some((cmg, failed)),
        }
    }
    let Some((cmg, failed)) = done else {
        return Err(CliError::new(
            Failure::Unreachable,
            "the analysis ended before its last check: the site went away",
        ));
    };
    if json {
        output::json(&serde_json::json!({
            "cmg": cmg,
            "failed": failed,
            "checks": results,
        }));
    } else if failed == 0 {
        let skipped = results
            .iter()
            .filter(|r| r.outcome == CheckOutcome::Skipped)
            .count();
        say(format!(
            "{cmg}: every check passed{}",
            if skipped > 0 {
                format!(" ({skipped} skipped)")
            } else {
                String::new()
            }
        ));
    }
    if failed > 0 {
        return Ok(fail(CliError::new(
            Failure::Failed,
            format!("{cmg}: {failed} check(s) of the connection analyzer failed"),
        )));
    }
    Ok(ExitCode::SUCCESS)
}
