//! What shows a CMG is a gateway and not a download server: `client policy` (the client's
//! policy from the management point) and `client notify` (a client notification channel held
//! open), directly or through a CMG; and `client-notifications send`, the site pushing a
//! message to every channel held.

use super::connect::{SiteArgs, connect};
use super::output::{self, CliError, Failure, fail, say};
use super::via_cmg::{ViaCmg, management_point, read_trust};
use crate::api::client::Client;
use crate::api::wire::{ClientNotificationView, SendClientNotification};
use crate::display;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// How a client reaches its management point, and how to print.
#[derive(Debug, Args)]
pub struct MpArgs {
    /// Root CA certificate (.cer) to trust for the CMG's service certificate; repeat for
    /// several. Without it, the system's root certificates.
    #[arg(long, value_name = "ROOT.cer")]
    pub trust: Vec<PathBuf>,
    /// Through a CMG, with a client certificate.
    #[command(flatten)]
    pub cmg: ViaCmg,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `client notify`.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// How to reach the management point.
    #[command(flatten)]
    pub mp: MpArgs,
    /// Keep the channel open and print every message until it closes (or Ctrl-C); without
    /// it, the first message ends the command.
    #[arg(long)]
    pub hold: bool,
}

/// `cloudsite client-notifications …`.
#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// Push a message to every client holding a notification channel, directly or through a
    /// CMG (ConfigMgr's client notification, e.g. "evaluate machine policy now").
    Send {
        /// The message (1 to 1,000 characters).
        message: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The management point the flags name: the site, or the site's through a CMG.
async fn mp(site: &Client, args: &MpArgs) -> Result<Client, CliError> {
    let trust = read_trust(&args.trust)?;
    management_point(site, &args.cmg, &trust).await
}

/// What a route is called in messages: `through CMG NAME` or `directly`.
fn route(args: &MpArgs) -> String {
    match &args.cmg.via_cmg {
        Some(name) => format!("through CMG {name}"),
        None => "directly".into(),
    }
}

/// `client policy`: the client's policy and its client settings.
pub(super) async fn policy(site: &SiteArgs, args: MpArgs) -> ExitCode {
    let conn = match connect(site).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let result = async {
        let mp = mp(&conn.client, &args).await?;
        Ok::<_, CliError>(mp.policy().await?)
    }
    .await;
    conn.close().await;
    match result {
        Ok(p) if output::is_json(args.json) => {
            output::json(&p);
            ExitCode::SUCCESS
        }
        Ok(p) => {
            say(format!(
                "Policy for site {} ({}), made {}",
                p.site_code,
                route(&args),
                display::time(&p.generated)
            ));
            say(format!(
                "  Allow access to cloud distribution points: {}",
                if p.settings.allow_cloud_dp {
                    "Yes"
                } else {
                    "No"
                }
            ));
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// One notification as printed.
fn notification_line(n: &ClientNotificationView) -> String {
    format!(
        "{}  {}  (from {})",
        display::time(&n.time),
        n.message,
        n.sent_by
    )
}

/// `client notify`: holds a notification channel and prints what arrives.
pub(super) async fn notify(site: &SiteArgs, args: NotifyArgs) -> ExitCode {
    let conn = match connect(site).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let json = output::is_json(args.mp.json);
    let result = async {
        let mp = mp(&conn.client, &args.mp).await?;
        let mut channel = mp.notifications().await?;
        if !json {
            // Said once the channel is open, so a script knows messages can come.
            say(format!(
                "Holding a client notification channel {} (Ctrl-C ends)",
                route(&args.mp)
            ));
        }
        loop {
            let next = tokio::select! {
                n = channel.next() => n,
                _ = tokio::signal::ctrl_c() => return Ok(()),
            };
            match next {
                None => {
                    return Err(CliError::new(
                        Failure::Unreachable,
                        "the notification channel closed",
                    ));
                }
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(n)) => {
                    if json {
                        // One object a line, so a reader sees each as it comes.
                        println!("{}", serde_json::to_string(&n).unwrap_or_default());
                    } else {
                        say(notification_line(&n));
                    }
                    if !args.hold {
                        return Ok(());
                    }
                }
            }
        }
    }
    .await;
    conn.close().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// Runs `client-notifications …`.
pub(super) async fn run_notifications(site: &SiteArgs, cmd: NotificationsCommand) -> ExitCode {
    let NotificationsCommand::Send { message, json } = cmd;
    let conn = match connect(site).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let result = conn
        .client
        .send_client_notification(&SendClientNotification { message })
        .await;
    conn.close().await;
    match result {
        Ok(n) if output::is_json(json) => {
            output::json(&n);
            ExitCode::SUCCESS
        }
        Ok(n) => {
            say(format!(
                "Sent notification {} to every client holding a channel: {}",
                n.id, n.message
            ));
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
