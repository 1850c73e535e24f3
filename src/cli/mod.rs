//! Command-line entry: parses arguments with clap and hands each subcommand to its module.

mod analyze_cmd;
mod cert_cmd;
mod client_cmd;
mod client_mp_cmd;
mod cloud_cmd;
mod config_cmd;
pub mod connect;
mod content_cmd;
mod cp_cmd;
mod keyring;
mod lab_cmd;
mod logging;
pub mod output;
mod progress;
mod serve_cmd;
mod service_args;
mod service_cmd;
mod site_cmd;
mod values;
mod via_cmg;

use clap::{CommandFactory, Parser, Subcommand};
use site_cmd::AlertsCommand;
use std::process::ExitCode;

/// cloudsite: run the cloud services (CDP, CMG, proxy) of a Configuration Manager-style site
/// from the terminal.
#[derive(Debug, Parser)]
#[command(
    name = "cloudsite",
    version,
    about,
    long_about = None,
    after_help = "Without a command, cloudsite opens the terminal console (and starts an embedded site service when none is configured). `cloudsite man` prints the manual page."
)]
pub struct Cli {
    /// What to do; without one, cloudsite opens the terminal console.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Output format of the scripting commands: aligned tables for people, JSON, or
    /// tab-separated values. `--json` on a command is the same as `-o json`.
    #[arg(short = 'o', long, global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<output::Format>,
    /// Debug detail on stderr (each API request, the site's log lines); `RUST_LOG` overrides
    /// it with a filter of its own. Without it the scripting commands say only their errors.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Which site to talk to.
    #[command(flatten)]
    pub site: connect::SiteArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the terminal console (the default when no command is given).
    Console,
    /// Certificate files: check a .pfx/.p12, .cer/.crt/.pem or .publishsettings locally.
    #[command(subcommand)]
    Cert(cert_cmd::CertCommand),
    /// The configuration file: check it, show where files live.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Store an API token for `--site URL` in the OS keyring (read from stdin or --token-env).
    Login(LoginArgs),
    /// Run the site service (API, services manager, local cloud) until stopped.
    Serve(serve_cmd::ServeArgs),
    /// API tokens: `token create --role full-admin|infra-admin|read-only|client`.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Cloud distribution points (New-/Get-/Set-/Start-/Stop-/Remove-CMCloudDistributionPoint).
    #[command(subcommand)]
    Cdp(service_cmd::CdpCommand),
    /// Cloud management gateways (…-CMCloudManagementGateway) and their connection points.
    #[command(subcommand)]
    Cmg(service_cmd::CmgCommand),
    /// Run a CMG connection point outside the site service (`connection-point run ID`).
    #[command(subcommand)]
    ConnectionPoint(cp_cmd::ConnectionPointCommand),
    /// A site system's Proxy tab.
    #[command(subcommand)]
    Proxy(site_cmd::ProxyCommand),
    /// Alerts: list, postpone, close, disable, enable.
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Status messages of SMS_CLOUD_SERVICES_MANAGER, newest first.
    StatusMessages(site_cmd::ReadArgs),
    /// CMTrace logs: `logs CloudMgr [--follow]`.
    Logs(site_cmd::LogsArgs),
    /// The content library: add packages, distribute them to cloud services, remove them.
    #[command(subcommand)]
    Content(content_cmd::ContentCommand),
    /// Client settings ("Allow access to cloud distribution points").
    #[command(subcommand)]
    ClientSettings(site_cmd::ClientSettingsCommand),
    /// Client notifications: push a message to every client holding a channel.
    #[command(subcommand)]
    ClientNotifications(client_mp_cmd::NotificationsCommand),
    /// A lab to try cloudsite with: certificates and a registered subscription.
    #[command(subcommand)]
    Lab(lab_cmd::LabCommand),
    /// The local cloud's own administration (subscriptions).
    #[command(subcommand)]
    Cloud(lab_cmd::CloudCommand),
    /// A Configuration Manager client's view: fetch content from cloud sources.
    #[command(subcommand)]
    Client(client_cmd::ClientCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout: `cloudsite man > cloudsite.1; man ./cloudsite.1`.
    Man,
}

/// Options of `cloudsite login`.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// Environment variable holding the token (default: the first line of standard input).
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Remove the stored token instead.
    #[arg(long)]
    pub logout: bool,
}

async fn login(site: &connect::SiteArgs, args: LoginArgs) -> ExitCode {
    let Some(url) = site.site.clone() else {
        return output::fail("login needs --site URL (the embedded site uses its own token file)");
    };
    if args.logout {
        return match keyring::forget_token(&url) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => output::fail(e),
        };
    }
    let token = match &args.token_env {
        Some(v) => match std::env::var(v) {
            Ok(t) => t,
            Err(_) => {
                return output::fail(format!(
                    "--token-env: the environment variable {v} is not set"
                ));
            }
        },
        None => {
            let mut line = String::new();
            if let Err(e) = std::io::stdin().read_line(&mut line) {
                return output::fail(format!("cannot read the token from standard input: {e}"));
            }
            line
        }
    };
    let token = token.trim().to_string();
    let ca = match &site.ca_file {
        Some(f) => match std::fs::read_to_string(f) {
            Ok(c) => Some(c),
            Err(e) => return output::fail(format!("--ca-file {}: {e}", f.display())),
        },
        None => None,
    };
    // Check the token before keeping it: a typo found now beats a 401 tomorrow.
    let check = async {
        let client = crate::api::client::Client::new(&url, &token, ca.as_deref())?;
        client.site().await
    };
    match check.await {
        Ok(site_view) => match keyring::store_token(&url, &token) {
            Ok(()) => {
                output::say(format!(
                    "logged in to site {} on {} as {}",
                    site_view.site_code, site_view.server_name, site_view.role
                ));
                ExitCode::SUCCESS
            }
            Err(e) => output::fail(e),
        },
        Err(e) => output::fail(format!("the site refused the token: {e}")),
    }
}

/// `cloudsite token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token in a site's database and print it once.
    Create(serve_cmd::TokenArgs),
}

/// `cloudsite status-messages | head -1` ends the command silently when `head` closes the pipe,
/// as every Unix tool does, instead of a panic on the next line printed. (Rust ignores SIGPIPE
/// so that writes fail instead; the console and the site service keep that, since they write
/// to sockets and must survive a peer going away.)
fn exit_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal at start-up, before any thread
    // that could be writing to a pipe exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| output::fail(format!("cannot start the async runtime: {e}")))
}

/// Runs cloudsite with the process arguments and returns its exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    // `--json` on a command is `-o json`: its errors are JSON on stderr too.
    let json_flag = std::env::args().skip(1).any(|a| a == "--json");
    output::set_format(if json_flag {
        output::Format::Json
    } else {
        cli.output.unwrap_or_default()
    });
    if !matches!(
        cli.command,
        None | Some(Command::Console) | Some(Command::Serve(_))
    ) {
        exit_quietly_on_a_closed_pipe();
    }
    let console = matches!(cli.command, None | Some(Command::Console));
    let debug = cli.debug;
    if !matches!(cli.command, Some(Command::Serve(_))) {
        logging::init(debug, false, console, crate::config::LogLevel::Info);
    }
    let site = cli.site.clone();
    let block =
        |fut: std::pin::Pin<Box<dyn std::future::Future<Output = ExitCode>>>| match runtime() {
            Ok(rt) => rt.block_on(fut),
            Err(code) => code,
        };
    match cli.command {
        Some(Command::Login(args)) => block(Box::pin(async move { login(&site, args).await })),
        Some(Command::Serve(args)) => block(Box::pin(serve_cmd::serve(args, debug))),
        Some(Command::Token(TokenCommand::Create(args))) => serve_cmd::token_create(args),
        Some(Command::Cdp(cmd)) => {
            block(Box::pin(
                async move { service_cmd::run_cdp(&site, cmd).await },
            ))
        }
        Some(Command::Cmg(cmd)) => {
            block(Box::pin(
                async move { service_cmd::run_cmg(&site, cmd).await },
            ))
        }
        Some(Command::ConnectionPoint(cmd)) => {
            block(Box::pin(async move { cp_cmd::run(&site, cmd).await }))
        }
        Some(Command::Content(cmd)) => {
            block(Box::pin(async move { content_cmd::run(&site, cmd).await }))
        }
        Some(Command::Proxy(cmd)) => {
            block(Box::pin(async move { site_cmd::proxy(&site, cmd).await }))
        }
        Some(Command::Alerts(AlertsCommand::List(args))) => {
            block(Box::pin(async move { site_cmd::alerts(&site, args).await }))
        }
        Some(Command::Alerts(cmd)) => {
            block(Box::pin(
                async move { site_cmd::alert_action(&site, cmd).await },
            ))
        }
        Some(Command::StatusMessages(args)) => block(Box::pin(async move {
            site_cmd::status_messages(&site, args).await
        })),
        Some(Command::Logs(args)) => {
            block(Box::pin(async move { site_cmd::logs(&site, args).await }))
        }
        Some(Command::ClientSettings(cmd)) => block(Box::pin(async move {
            site_cmd::client_settings(&site, cmd).await
        })),
        Some(Command::ClientNotifications(cmd)) => block(Box::pin(async move {
            client_mp_cmd::run_notifications(&site, cmd).await
        })),
        Some(Command::Client(cmd)) => {
            block(Box::pin(async move { client_cmd::run(&site, cmd).await }))
        }
        Some(Command::Lab(cmd)) => lab_cmd::run(&site, cmd),
        Some(Command::Cloud(lab_cmd::CloudCommand::Subscription(
            lab_cmd::SubscriptionCommand::Add(args),
        ))) => lab_cmd::subscription_add(args),
        Some(Command::Cloud(lab_cmd::CloudCommand::Serve(args))) => {
            block(Box::pin(cloud_cmd::serve(args, debug)))
        }
        None | Some(Command::Console) => block(Box::pin(async move {
            match crate::console::run::run(connect::ConsoleLink::new(site)).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => output::fail_text(e),
            }
        })),
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
        Some(Command::Man) => {
            let page = clap_mangen::Man::new(Cli::command());
            match page.render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => output::fail_text(format!("cannot write the manual page: {e}")),
            }
        }
    }
}
