//! Finding the site: `--site URL` or `[site] url`; otherwise the embedded site service on the
//! user's data dir (started in-process, or the one another process already runs there).
//! The token comes from `CLOUDSITE_TOKEN`, `--token-file`, `[site] token_file`, or, for the
//! embedded site, the data dir's bootstrap token.

use super::output::{CliError, Failure};
use crate::api::client::Client;
use crate::config::Config;
use crate::console::link::{LinkError, SiteLink};
use crate::paths::Paths;
use crate::site::service::{self, SiteHandle, SiteOptions};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options every command that talks to a site takes.
#[derive(Debug, Clone, Args)]
pub struct SiteArgs {
    /// Site service URL (default: `[site] url` in the config, else the embedded site).
    #[arg(long, global = true, value_name = "URL", env = "CLOUDSITE_SITE")]
    pub site: Option<String>,
    /// File holding the API token (default: CLOUDSITE_TOKEN, `[site] token_file`).
    #[arg(long, global = true, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// CA certificate (PEM) to trust for an https:// site.
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Data dir of the embedded site (default: the user data dir).
    #[arg(long, global = true, value_name = "DIR", env = "CLOUDSITE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

/// A connected client; keeps an embedded site alive while it is used.
pub struct Connection {
    /// The API client.
    pub client: Client,
    /// The embedded site, when this process runs it.
    pub embedded: Option<SiteHandle>,
}

impl Connection {
    /// Stops the embedded site, if any (tasks in flight resume at its next start).
    pub async fn close(self) {
        if let Some(site) = self.embedded {
            site.shutdown().await;
        }
    }
}

/// The console's way to its site: [`connect`] with the command line's arguments, keeping the
/// connection — and the embedded site it may run — until the console quits.
pub struct ConsoleLink {
    args: SiteArgs,
    conn: Option<Connection>,
}

impl ConsoleLink {
    /// A link that connects as `args` and the config say.
    pub fn new(args: SiteArgs) -> ConsoleLink {
        ConsoleLink { args, conn: None }
    }
}

impl SiteLink for ConsoleLink {
    async fn connect(&mut self) -> Result<Client, LinkError> {
        // A site this process runs is still the one to talk to; anything else is found anew
        // (the config may name another site, or the embedded site's owner may have quit).
        if let Some(c) = self.conn.as_ref().filter(|c| c.embedded.is_some()) {
            return Ok(c.client.clone());
        }
        let conn = connect(&self.args)
            .await
            .map_err(|e| LinkError::new(e.message))?;
        let client = conn.client.clone();
        self.conn = Some(conn);
        Ok(client)
    }

    async fn close(self) {
        if let Some(c) = self.conn {
            c.close().await;
        }
    }
}

fn read_token(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|t| t.trim().to_string())
        .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))
}

/// The embedded site's data dir for these arguments.
pub fn data_dir(args: &SiteArgs, config: &Config) -> PathBuf {
    args.data_dir
        .clone()
        .unwrap_or_else(|| config.apply_paths(&Paths::resolve()).data_dir)
}

/// Connects as the arguments and the config say.
pub async fn connect(args: &SiteArgs) -> Result<Connection, CliError> {
    let config = Config::load(&Paths::resolve(), &crate::config::no_extra_rules)
        .map_err(|e| e.lines().join("\n"))?;
    crate::display::set_date_format(config.console.date_format);
    let env_token = std::env::var("CLOUDSITE_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let ca = match &args.ca_file {
        Some(f) => Some(
            std::fs::read_to_string(f).map_err(|e| format!("--ca-file {}: {e}", f.display()))?,
        ),
        None => None,
    };
    let token_file = args.token_file.clone().or(config.site.token_file.clone());
    if let Some(url) = args.site.clone().or(config.site.url.clone()) {
        let token = match (env_token, token_file) {
            (Some(t), _) => t,
            (None, Some(f)) => read_token(&f)?,
            (None, None) => match super::keyring::load_token(&url) {
                Ok(Some(t)) => t,
                Ok(None) => {
                    return Err(CliError::from(format!(
                        "no token for {url}: set CLOUDSITE_TOKEN, give --token-file, or run `cloudsite --site {url} login`"
                    )));
                }
                Err(why) => {
                    // The keyring's own words: "no keyring", "access denied", … — not "no token".
                    return Err(CliError::from(format!(
                        "cannot read the token for {url} from the OS keyring: {why}; set CLOUDSITE_TOKEN or give --token-file instead"
                    )));
                }
            },
        };
        let client = Client::new(&url, &token, ca.as_deref())?;
        return Ok(Connection {
            client,
            embedded: None,
        });
    }
    let dir = data_dir(args, &config);
    let opts = SiteOptions {
        log_dir: config.paths.log_dir.clone(),
        monitor: crate::site::monitor::MonitorOptions::from_config(&config),
        log_level: super::logging::cmtrace_level(config.logging.level),
        storage: super::serve_cmd::storage_config(&config.cloud.storage),
        ..SiteOptions::new(&dir)
    };
    let (url, embedded) = match service::start(opts).await {
        Ok(site) => (site.url.clone(), Some(site)),
        Err(service::SiteError::AlreadyRunning { url, .. }) if !url.is_empty() => (url, None),
        Err(e) => return Err(CliError::new(Failure::Internal, e.to_string())),
    };
    let token = match (env_token, token_file) {
        (Some(t), _) => t,
        (None, Some(f)) => read_token(&f)?,
        (None, None) => read_token(&dir.join(service::ADMIN_TOKEN_FILE))?,
    };
    let client = Client::new(&url, &token, ca.as_deref())?;
    Ok(Connection { client, embedded })
}

/// Connects, runs `f` with the client, and closes the connection (an embedded site stops).
pub async fn with_client<F, Fut>(site: &SiteArgs, f: F) -> ExitCode
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Result<ExitCode, super::output::CliError>>,
{
    let conn = match connect(site).await {
        Ok(c) => c,
        Err(e) => return super::output::fail(e),
    };
    let code = f(conn.client.clone())
        .await
        .unwrap_or_else(super::output::fail);
    conn.close().await;
    code
}
