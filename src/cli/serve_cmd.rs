//! `cloudsite serve`: the site service as a daemon, and `cloudsite token create`.

use super::output::{CliError, Failure, fail, fail_text};
use crate::config::{Config, no_extra_rules};
use crate::site::manager::Timing;
use crate::site::service::{self, CloudChoice, SiteOptions, TlsFiles};
use crate::site::store::Store;
use crate::site::tokens::{self, Role};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Options of `cloudsite serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; plain HTTP only on loopback.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// Data dir (database, keys, local cloud, logs).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Site code, when the site is first created.
    #[arg(long, default_value = "PS1")]
    pub site_code: String,
    /// Site server name, when the site is first created (default: this host's name).
    #[arg(long)]
    pub server_name: Option<String>,
    /// TLS certificate chain (PEM) for the API; required off loopback.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Config file (default: the user's config); its `[cloud]` section sets the local cloud.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The site database on PostgreSQL (`postgres://user:password@host/db`), shared by every
    /// replica; default `[site] database`, else the SQLite file in the data dir.
    #[arg(
        long,
        value_name = "URL",
        env = "CLOUDSITE_DATABASE",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Drive the local cloud running as `cloudsite cloud serve` at this management URL instead
    /// of running one in-process (every replica of a site drives the same cloud).
    #[arg(long, value_name = "URL", requires = "cloud_ca")]
    pub cloud_url: Option<String>,
    /// The CA certificate (PEM) of that cloud's management API (`cloud serve` writes
    /// `DIR/cloud/management-ca.pem`).
    #[arg(long, value_name = "FILE", requires = "cloud_url")]
    pub cloud_ca: Option<PathBuf>,
    /// The content library, where uploaded packages wait to be distributed (default
    /// `DATA_DIR/library`); replicas of one site share one folder.
    #[arg(long, value_name = "DIR")]
    pub library_dir: Option<PathBuf>,
}

pub(super) fn load_config(file: &Option<PathBuf>) -> Result<Config, String> {
    match file {
        Some(f) => Config::load_file(f, &no_extra_rules).map_err(|e| e.lines().join("\n")),
        None => Config::load(&crate::paths::Paths::resolve(), &no_extra_rules)
            .map_err(|e| e.lines().join("\n")),
    }
}

/// The local cloud's blob store from `[cloud.storage]` (the key stays in the environment).
pub(super) fn storage_config(
    s: &crate::config::StorageSection,
) -> crate::cloud::local::StorageConfig {
    use crate::cloud::local::{AzureStorage, StorageConfig};
    match s.kind {
        crate::config::StorageKind::Folder => StorageConfig::Folder,
        crate::config::StorageKind::Azure => StorageConfig::Azure(AzureStorage {
            account: s.account.clone().unwrap_or_default(),
            key: None,
            key_env: s.key_env.clone(),
            endpoint: s.endpoint.clone(),
            container: s.container.clone(),
        }),
    }
}

/// The local cloud's injected faults from `[cloud]`.
pub(super) fn faults(cl: &crate::config::CloudConfig) -> crate::cloud::local::Faults {
    crate::cloud::local::Faults {
        fail_next: cl.fail_next,
        slow: Duration::from_millis(cl.slow_ms),
        reserved_names: cl.reserved_names.clone(),
    }
}

/// The site options the config and the arguments give; `cloud_ca` is the PEM read from
/// `--cloud-ca`.
pub(super) fn site_options(
    args: &ServeArgs,
    config: &Config,
    cloud_ca: Option<String>,
) -> SiteOptions {
    let paths = config.apply_paths(&crate::paths::Paths::resolve());
    let data_dir = args.data_dir.clone().unwrap_or(paths.data_dir);
    let cl = &config.cloud;
    SiteOptions {
        listen: args.listen,
        site_code: args.site_code.clone(),
        server_name: args
            .server_name
            .clone()
            .unwrap_or_else(service::default_server_name),
        tls: args
            .tls_cert
            .clone()
            .zip(args.tls_key.clone())
            .map(|(cert, key)| TlsFiles { cert, key }),
        cloud: match (&args.cloud_url, cloud_ca) {
            (Some(url), Some(ca_pem)) => CloudChoice::Remote {
                url: url.clone(),
                ca_pem,
            },
            _ => CloudChoice::Embedded {
                provisioning_delay: Duration::from_millis(cl.provisioning_delay_ms),
                faults: faults(cl),
            },
        },
        timing: Timing {
            poll: Duration::from_millis(cl.poll_interval_ms),
            container_retry: Duration::from_millis(cl.container_retry_ms),
            ..Timing::default()
        },
        monitor: crate::site::monitor::MonitorOptions::from_config(config),
        database: args
            .database
            .clone()
            .or_else(|| config.site.database.clone()),
        log_level: super::logging::cmtrace_level(config.logging.level),
        storage: storage_config(&cl.storage),
        log_dir: config
            .paths
            .log_dir
            .clone()
            .filter(|_| args.data_dir.is_none()),
        library_dir: args.library_dir.clone(),
        ..SiteOptions::new(&data_dir)
    }
}

/// Runs the site service until SIGINT or SIGTERM.
pub(super) async fn serve(args: ServeArgs, debug: bool) -> ExitCode {
    let config = match load_config(&args.config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    super::logging::init(debug, true, false, config.logging.level);
    let cloud_ca = match &args.cloud_ca {
        Some(file) => match std::fs::read_to_string(file) {
            Ok(pem) => Some(pem),
            Err(e) => return fail(format!("--cloud-ca {}: {e}", file.display())),
        },
        None => None,
    };
    let opts = site_options(&args, &config, cloud_ca);
    let replicated = opts.database.is_some();
    let mut site = match service::start(opts).await {
        Ok(s) => s,
        Err(e) => return fail(CliError::new(Failure::Internal, e.to_string())),
    };
    let token_file = site.data_dir.join(service::ADMIN_TOKEN_FILE);
    println!("cloudsite site service listening on {}", site.url);
    if site.new_admin_token.is_some() {
        println!(
            "created the site; Full Administrator token written to {} (mode 0600)",
            token_file.display()
        );
    }
    if let Some(cloud) = site.cloud() {
        println!("local cloud management API on {}", cloud.management_url());
    }
    if replicated {
        println!(
            "replica of a site on PostgreSQL: the one holding the database lease runs the services manager (GET /v1/site says which)"
        );
    }
    tokio::select! {
        () = until_terminated() => {},
        () = site.wait() => {},
    }
    let lost = site.lost_lease();
    site.shutdown().await;
    if lost {
        return fail(CliError::new(
            Failure::Internal,
            "this replica lost the database lease (its session to PostgreSQL ended); it stopped so that it cannot run tasks another replica now runs: start it again to rejoin as passive",
        ));
    }
    ExitCode::SUCCESS
}

/// Resolves at SIGINT or SIGTERM.
pub(super) async fn until_terminated() {
    #[cfg(unix)]
    {
        let mut sig =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = async { match sig.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending::<()>().await } } => {},
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

// The domain stays free of clap: the CLI says how a role is named on the command line.
impl clap::ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        &Role::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()).help(self.display_name()))
    }
}

/// Options of `cloudsite token create`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Role of the new token.
    #[arg(long, value_enum)]
    pub role: Role,
    /// A name saying who or what uses it.
    #[arg(long, default_value = "operator")]
    pub name: String,
    /// Data dir of the site (the token is written to its database directly).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Creates a token in the site database and prints it once.
pub(super) fn token_create(args: TokenArgs) -> ExitCode {
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| crate::paths::Paths::resolve().data_dir);
    let store = match Store::open(&data_dir.join("site.db")) {
        Ok(s) => s,
        Err(e) => return fail(CliError::new(Failure::Internal, e.to_string())),
    };
    match tokens::create(&store, &args.name, args.role) {
        Ok((rec, token)) => {
            eprintln!(
                "token {} ({}) for {}; it is shown only now:",
                rec.id,
                rec.role.display_name(),
                super::output::safe(&rec.name)
            );
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => fail_text(e),
    }
}
