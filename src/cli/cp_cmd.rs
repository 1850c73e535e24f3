//! `cloudsite connection-point run ID`: a CMG connection point run outside the site service
//! (on another server, or as a second process), talking to the site only through its API. The
//! site service runs the connection points on its own server itself; this runs one added with
//! `cmg connection-point add --external` (or on another site system).

use super::connect::{SiteArgs, connect};
use super::output::{CliError, Failure, fail, say};
use crate::config::{Config, no_extra_rules};
use crate::domain::task::Level;
use crate::gateway::connector::{COMPONENT, Connector, ConnectorLog, LOG_FILE, Options};
use crate::paths::Paths;
use crate::site::cmtrace::LogWriter;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// `cloudsite connection-point …`.
#[derive(Debug, Subcommand)]
pub enum ConnectionPointCommand {
    /// Run a CMG connection point until stopped (Ctrl-C): it dials out to every instance of its
    /// CMG and carries client requests to the site. Needs --site and an Infrastructure or Full
    /// Administrator token (--token-file or CLOUDSITE_TOKEN).
    Run(RunArgs),
}

/// Options of `connection-point run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The connection point's id (`cmg connection-point list`).
    pub id: String,
    /// Where to write SMS_Cloud_ProxyConnector.log (default: the configured log dir).
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
}

/// The log of a standalone connection point: its CMTrace file, and standard error.
struct CliLog(LogWriter);

impl ConnectorLog for CliLog {
    fn line(&self, level: Level, text: &str) {
        // A log that cannot be written must not stop the connection point; stderr still shows it.
        let _ = self.0.write(LOG_FILE, COMPONENT, level, text);
        eprintln!("{text}");
    }
}

/// Runs `connection-point …`.
pub(super) async fn run(site: &SiteArgs, cmd: ConnectionPointCommand) -> ExitCode {
    let ConnectionPointCommand::Run(args) = cmd;
    let conn = match connect(site).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    if conn.embedded.is_some() {
        conn.close().await;
        return fail(
            "connection-point run needs --site URL: the site service runs the connection points on its own server itself",
        );
    }
    let client = conn.client.clone();
    let config = match client.channel_config(&args.id).await {
        Ok(c) => c,
        Err(e) => {
            let mut err = CliError::from(e);
            err.message = format!("connection point {}: {}", args.id, err.message);
            return fail(err);
        }
    };
    if !config.external {
        return fail(CliError::new(
            Failure::Refused,
            format!(
                "the site service runs connection point {} ({}) itself: add one with `cmg connection-point add --external` to run it here",
                config.name, args.id
            ),
        ));
    }
    let dir = match &args.log_dir {
        Some(d) => d.clone(),
        None => match Config::load(&Paths::resolve(), &no_extra_rules) {
            Ok(c) => c.apply_paths(&Paths::resolve()).log_dir,
            Err(e) => return fail(e.lines().join("\n")),
        },
    };
    let writer = match LogWriter::new(&dir) {
        Ok(w) => w,
        Err(e) => return fail(e.to_string()),
    };
    say(format!(
        "connection point {} for {}: running (log {}); Ctrl-C to stop",
        config.name,
        config.cmg_fqdn,
        dir.join(LOG_FILE).display()
    ));
    let mut cp = Connector::start(
        client,
        &args.id,
        Arc::new(CliLog(writer)),
        Options::default(),
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {
            cp.stop().await;
            ExitCode::SUCCESS
        }
        _ = cp.finished() => fail(CliError::new(
            Failure::NotFound,
            format!("the site no longer knows connection point {}", args.id),
        )),
    }
}
