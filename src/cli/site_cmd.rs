//! Site-level commands: `proxy`, `alerts`, `status-messages`, `logs`, `client-settings`.

use super::connect::{SiteArgs, with_client};
use super::output::{self, say, table, zoned};
use crate::api::operations::AlertAction;
use crate::api::wire::{AlertView, Event};
use crate::api::wire::{ClientSettings, CloseAlert, LogLineView, PostponeAlert, SetProxy};
use crate::display;
use crate::domain::proxy::ProxySettings;
use clap::{Args, Subcommand};
use std::process::ExitCode;

/// `cloudsite proxy …`: a site system's Proxy tab.
#[derive(Debug, Subcommand)]
pub enum ProxyCommand {
    /// Show the Proxy tab of a site system.
    Show {
        /// Site system server name.
        site_system: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set the Proxy tab (Set-CMSiteSystemServer -EnableProxy …); a save replaces it whole.
    Set {
        /// Site system server name.
        site_system: String,
        /// Use a proxy server: yes, or no to turn the proxy off.
        #[arg(long, value_name = "yes|no", action = clap::ArgAction::Set, value_parser = super::values::yes_no)]
        enable: bool,
        /// Proxy server name (host, FQDN or IP).
        #[arg(long)]
        server: Option<String>,
        /// Port (default 80).
        #[arg(long)]
        port: Option<i64>,
        /// Account for the proxy: `DOMAIN\user` or `user`, not a UPN.
        #[arg(long)]
        account: Option<String>,
        /// Environment variable holding the account's password.
        #[arg(long, value_name = "VAR")]
        password_env: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `cloudsite logs COMPONENT`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Log name: CloudMgr, CMGSetup, CloudDP-<name> (with or without .log).
    pub component: String,
    /// How many of the last lines to print first.
    #[arg(long, default_value_t = 50)]
    pub tail: usize,
    /// Keep printing new lines as they are written.
    #[arg(long)]
    pub follow: bool,
    /// Print JSON lines.
    #[arg(long)]
    pub json: bool,
}

/// A read command with `--json`.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Only this service, given by its id (an FQDN matches nothing).
    #[arg(long)]
    pub service: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `cloudsite alerts …`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// List alerts.
    List(ReadArgs),
    /// Postpone an alert until a time (Suspend-CMAlert -SkipUntil -Comment).
    Postpone {
        /// Alert id (the ID column of `alerts list`).
        id: String,
        /// Postpone until, RFC 3339 (e.g. 2030-01-31T18:00:00Z); must be in the future.
        #[arg(long)]
        until: String,
        /// A comment kept with the alert.
        #[arg(long)]
        comment: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Close an alert (state Canceled, closed by this token's name).
    Close {
        /// Alert id (the ID column of `alerts list`).
        id: String,
        /// A comment kept with the alert.
        #[arg(long)]
        comment: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Disable an alert: its condition is not evaluated (Disable-CMAlert).
    Disable {
        /// Alert id (the ID column of `alerts list`).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Enable an alert again (Enable-CMAlert).
    Enable {
        /// Alert id (the ID column of `alerts list`).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn print_proxy(name: &str, p: &ProxySettings) {
    let lines = [
        ("Site system", name.to_string()),
        ("Use a proxy server", yes_no(p.enabled).into()),
        ("Proxy server name", p.server.clone().unwrap_or_default()),
        ("Port", p.port.to_string()),
        (
            "Use credentials",
            p.account
                .as_deref()
                .map(|a| format!("Yes ({a})"))
                .unwrap_or_else(|| "No".into()),
        ),
        ("Password stored", yes_no(p.has_password).into()),
    ];
    print_fields(&lines);
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

/// Label and value per line, values in one column (made safe: they are the site's).
fn print_fields(lines: &[(&str, String)]) {
    for (k, v) in lines {
        say(format!("{k:<37}{v}"));
    }
}

/// Runs `proxy`.
pub(super) async fn proxy(site: &SiteArgs, cmd: ProxyCommand) -> ExitCode {
    with_client(site, |client| async move {
        match cmd {
            ProxyCommand::Show { site_system, json } => {
                let p = client.proxy(&site_system).await?;
                if output::is_json(json) {
                    output::json(&p)
                } else {
                    print_proxy(&site_system, &p)
                }
            }
            ProxyCommand::Set {
                site_system,
                enable,
                server,
                port,
                account,
                password_env,
                json,
            } => {
                let password = match &password_env {
                    Some(v) => Some(std::env::var(v).map_err(|_| {
                        format!("--password-env: the environment variable {v} is not set")
                    })?),
                    None => None,
                };
                let req = SetProxy {
                    enabled: enable,
                    server,
                    port,
                    account,
                    password: password.map(Into::into),
                };
                let p = client.set_proxy(&site_system, &req).await?;
                if output::is_json(json) {
                    output::json(&p)
                } else {
                    print_proxy(&site_system, &p)
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
    .await
}

/// Runs `alerts list`.
pub(super) async fn alerts(site: &SiteArgs, args: ReadArgs) -> ExitCode {
    with_client(site, |client| async move {
        let mut list = client.alerts().await?;
        if let Some(s) = &args.service {
            list.retain(|a| a.service_id.as_deref() == Some(s.as_str()));
        }
        if output::is_json(args.json) {
            output::json(&list);
        } else {
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|a| {
                    vec![
                        a.id.clone(),
                        a.severity.display_name().into(),
                        a.state.display_name().into(),
                        a.service_fqdn.clone().unwrap_or_else(|| "(site)".into()),
                        a.name.clone(),
                        a.occurrences.to_string(),
                        a.last_seen
                            .as_deref()
                            .map(display::short_time)
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            let last_seen = zoned("LAST SEEN");
            table(
                &[
                    "ID", "SEVERITY", "STATE", "SERVICE", "NAME", "COUNT", &last_seen,
                ],
                &rows,
            );
        }
        Ok(ExitCode::SUCCESS)
    })
    .await
}

fn print_alert(a: &AlertView) {
    let time = |t: &Option<String>| t.as_deref().map(display::time);
    let mut lines = vec![
        ("Alert", a.id.clone()),
        ("Name", a.name.clone()),
        (
            "Service",
            a.service_fqdn.clone().unwrap_or_else(|| "(site)".into()),
        ),
        ("Severity", a.severity.display_name().into()),
        ("State", a.state.display_name().into()),
        ("Enabled", yes_no(a.enabled).into()),
        ("Occurrences", a.occurrences.to_string()),
    ];
    if let Some(t) = time(&a.first_seen) {
        lines.push(("First seen", t));
    }
    if let Some(t) = time(&a.last_seen) {
        lines.push(("Last seen", t));
    }
    if let Some(u) = time(&a.skip_until) {
        lines.push(("Postponed until", u));
    }
    if let Some(c) = &a.closed_by {
        lines.push(("Closed by", c.clone()));
    }
    for c in &a.comments {
        lines.push((
            "Comment",
            format!("{} {}: {}", display::time(&c.time), c.author, c.text),
        ));
    }
    print_fields(&lines);
}

/// Runs `alerts postpone|close|disable|enable ID`.
pub(super) async fn alert_action(site: &SiteArgs, cmd: AlertsCommand) -> ExitCode {
    use AlertsCommand as A;
    if let A::List(args) = cmd {
        return alerts(site, args).await;
    }
    with_client(site, |client| async move {
        let (id, action, json) = match cmd {
            A::List(_) => unreachable!("handled above"),
            A::Postpone {
                id,
                until,
                comment,
                json,
            } => (
                id,
                AlertAction::Postpone(PostponeAlert { until, comment }),
                json,
            ),
            A::Close { id, comment, json } => {
                (id, AlertAction::Close(CloseAlert { comment }), json)
            }
            A::Disable { id, json } => (id, AlertAction::Disable, json),
            A::Enable { id, json } => (id, AlertAction::Enable, json),
        };
        let a = client.alert_action(&id, &action).await?;
        if output::is_json(json) {
            output::json(&a);
        } else {
            print_alert(&a);
        }
        Ok(ExitCode::SUCCESS)
    })
    .await
}

/// Runs `status-messages`.
pub(super) async fn status_messages(site: &SiteArgs, args: ReadArgs) -> ExitCode {
    with_client(site, |client| async move {
        let list = client
            .status_messages(args.service.as_deref(), None)
            .await?;
        if output::is_json(args.json) {
            output::json(&list);
        } else {
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|m| {
                    vec![
                        display::time(&m.time),
                        format!("{:?}", m.severity),
                        m.message_id.to_string(),
                        m.text.clone(),
                    ]
                })
                .collect();
            table(&["TIME", "SEVERITY", "ID", "DESCRIPTION"], &rows);
        }
        Ok(ExitCode::SUCCESS)
    })
    .await
}

fn print_line(l: &LogLineView, json: bool) {
    if output::is_json(json) {
        println!("{}", serde_json::to_string(l).unwrap_or_default());
    } else {
        say(format!(
            "{} {:<7} {}",
            display::time(&l.time),
            format!("{:?}", l.level),
            l.message
        ));
    }
}

/// Runs `logs COMPONENT [--follow]`.
pub(super) async fn logs(site: &SiteArgs, args: LogsArgs) -> ExitCode {
    with_client(site, |client| async move {
        let file = if args.component.ends_with(".log") {
            args.component.clone()
        } else {
            format!("{}.log", args.component)
        };
        // Subscribe first so no line falls between the tail and the stream.
        let mut events = if args.follow {
            Some(client.events(None).await?)
        } else {
            None
        };
        let lines = client.log(&file, Some(args.tail)).await?;
        let last_time = lines.last().map(|l| l.time.clone());
        for l in &lines {
            print_line(l, output::is_json(args.json));
        }
        if let Some(ev) = events.as_mut() {
            while let Some(Ok(e)) = ev.next().await {
                if let Event::Log(l) = e.event
                    && l.file.eq_ignore_ascii_case(&file)
                    && last_time.as_ref().is_none_or(|t| &l.time >= t)
                {
                    print_line(&l, output::is_json(args.json));
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
    .await
}

/// `cloudsite client-settings …`.
#[derive(Debug, Subcommand)]
pub enum ClientSettingsCommand {
    /// Show client settings.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set "Allow access to cloud distribution points".
    Set {
        /// yes or no (also true/false).
        #[arg(long, value_name = "yes|no", action = clap::ArgAction::Set, value_parser = super::values::yes_no)]
        allow_cloud_dp: bool,
    },
}

/// Runs `client-settings`.
pub(super) async fn client_settings(site: &SiteArgs, cmd: ClientSettingsCommand) -> ExitCode {
    with_client(site, |client| async move {
        let s: ClientSettings = match cmd {
            ClientSettingsCommand::Show { json } => {
                let s = client.client_settings().await?;
                if output::is_json(json) {
                    output::json(&s);
                    return Ok(ExitCode::SUCCESS);
                }
                s
            }
            ClientSettingsCommand::Set { allow_cloud_dp } => {
                client
                    .set_client_settings(&ClientSettings { allow_cloud_dp })
                    .await?
            }
        };
        println!(
            "Allow access to cloud distribution points   {}",
            if s.allow_cloud_dp { "Yes" } else { "No" }
        );
        Ok(ExitCode::SUCCESS)
    })
    .await
}
