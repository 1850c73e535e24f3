//! Starting and stopping the site service (`cloudsite serve`, and embedded in the console and
//! the scripting commands): one data dir, one lock, one services manager.

use super::cmtrace::CLOUD_MGR_LOG;
use super::cmtrace::LogWriter;
use super::content::distributor::ContentHub;
use super::context::TaskInbox;
use super::context::{SiteContext, SiteParts};
use super::cp_host::CpHost;
use super::events::EventBus;
use super::manager::{RunnerHandle, TaskRunner, Timing};
use super::monitor::{Monitor, MonitorOptions};
use super::replica::Replica;
use super::replica::lease::Lease;
use super::replica::relay::Relay;
use super::repo::site as site_rows;
use super::secrets::SecretBox;
use super::server::router;
use super::server::state::AppState;
use super::store::Store;
use super::tokens;
use crate::cloud::Provider;
use crate::cloud::local::{Faults, LocalCloud, LocalCloudConfig, LocalCloudHandle};
use crate::domain::replica::ReplicaRole;
use crate::domain::task::Level;
use crate::tls::listen::{self, Limits};
use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// File in the data dir holding the running service's URL (for other processes to attach).
pub const URL_FILE: &str = "site.url";
/// File in the data dir holding the bootstrap Full Administrator token (mode 0600).
pub const ADMIN_TOKEN_FILE: &str = "admin.token";
/// Lock file: only one process runs the services manager on a data dir.
pub const LOCK_FILE: &str = "site.lock";
/// The local cloud's folder inside the data dir.
pub const CLOUD_DIR: &str = "cloud";
/// The content library, under the data dir.
pub const LIBRARY_DIR: &str = "library";

/// Why the site service could not start.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// Another process runs the services manager on this data dir.
    #[error(
        "another cloudsite process already runs the site on {data_dir} (at {url}); use it with --site {url}"
    )]
    AlreadyRunning {
        /// Data dir.
        data_dir: PathBuf,
        /// Its URL, as it wrote it.
        url: String,
    },
    /// A plain-HTTP address that is not loopback.
    #[error(
        "--listen {0}: plain HTTP is allowed on loopback only; give --tls-cert and --tls-key to listen on another address"
    )]
    NeedsTls(SocketAddr),
    /// I/O.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Anything else, already phrased for the operator.
    #[error("{0}")]
    Other(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> SiteError {
    let what = what.into();
    move |source| SiteError::Io { what, source }
}

/// Which cloud the site uses.
#[derive(Clone)]
pub enum CloudChoice {
    /// The local cloud, in-process, in `data_dir/cloud`.
    Embedded {
        /// Provisioning time.
        provisioning_delay: Duration,
        /// Injected faults.
        faults: Faults,
    },
    /// A local cloud running on its own.
    Remote {
        /// Management API URL.
        url: String,
        /// CA certificate (PEM) of its management API.
        ca_pem: String,
    },
    /// A provider the caller made (embedding the site with another cloud, or wrapping one).
    Provider(Arc<dyn Provider>),
}

impl std::fmt::Debug for CloudChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CloudChoice::Embedded {
                provisioning_delay,
                faults,
            } => f
                .debug_struct("Embedded")
                .field("provisioning_delay", provisioning_delay)
                .field("faults", faults)
                .finish(),
            CloudChoice::Remote { url, .. } => f
                .debug_struct("Remote")
                .field("url", url)
                .finish_non_exhaustive(),
            CloudChoice::Provider(_) => f.write_str("Provider(..)"),
        }
    }
}

/// TLS for the API.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain, PEM.
    pub cert: PathBuf,
    /// Private key, PEM.
    pub key: PathBuf,
}

/// How to run the site.
#[derive(Debug, Clone)]
pub struct SiteOptions {
    /// Data dir (database, keys, cloud, logs by default).
    pub data_dir: PathBuf,
    /// Log dir (default `data_dir/logs`).
    pub log_dir: Option<PathBuf>,
    /// API address.
    pub listen: SocketAddr,
    /// Site code, used when the site is first created.
    pub site_code: String,
    /// Site server name, used when the site is first created.
    pub server_name: String,
    /// TLS for the API (required off loopback).
    pub tls: Option<TlsFiles>,
    /// The cloud.
    pub cloud: CloudChoice,
    /// Manager timing.
    pub timing: Timing,
    /// Monitoring (usage, alerts, health, cost) and content token settings.
    pub monitor: MonitorOptions,
    /// The site database on PostgreSQL (`postgres://…`); `None` keeps the SQLite file in the
    /// data dir.
    pub database: Option<String>,
    /// What the API's listener allows each connection (handshake and header deadlines, a cap).
    pub connections: Limits,
    /// The least severe CMTrace record written (`[logging] level`).
    pub log_level: Level,
    /// Where the embedded local cloud keeps content blobs (its data directory by default).
    pub storage: crate::cloud::local::StorageConfig,
    /// The content library (`data_dir/library` by default); replicas share one folder.
    pub library_dir: Option<PathBuf>,
}

impl SiteOptions {
    /// Defaults for `data_dir`: loopback, any port, site PS1 on this host, embedded cloud.
    pub fn new(data_dir: &Path) -> Self {
        SiteOptions {
            data_dir: data_dir.to_path_buf(),
            log_dir: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            site_code: "PS1".into(),
            server_name: default_server_name(),
            tls: None,
            cloud: CloudChoice::Embedded {
                provisioning_delay: Duration::from_secs(3),
                faults: Faults::default(),
            },
            timing: Timing::default(),
            monitor: MonitorOptions::default(),
            database: None,
            connections: Limits::DEFAULT,
            log_level: Level::Info,
            storage: crate::cloud::local::StorageConfig::default(),
            library_dir: None,
        }
    }
}

/// This host's name as the site server's name.
pub fn default_server_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "siteserver".into())
}

/// A running site service.
pub struct SiteHandle {
    /// Base URL of the API.
    pub url: String,
    /// The bootstrap token, when this start created the site.
    pub new_admin_token: Option<String>,
    /// Data dir.
    pub data_dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    bus: Arc<EventBus>,
    cloud: Option<LocalCloudHandle>,
    /// What only the active replica runs; `None` while passive.
    manager: Arc<tokio::sync::Mutex<Option<Manager>>>,
    /// Starts the manager when this replica takes the lease, stops it when it loses it.
    supervisor: Option<tokio::task::JoinHandle<()>>,
    lease: Option<Lease>,
    relay: Option<Relay>,
    /// Set when this replica lost the lease it held: it must stop.
    lost: tokio::sync::watch::Receiver<bool>,
    /// A plain-HTTP loopback listener for the site's own connection points, when the API
    /// itself is served over TLS.
    loopback: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
    _lock: File,
}

impl SiteHandle {
    /// The embedded cloud, if the site runs one.
    pub fn cloud(&self) -> Option<&LocalCloudHandle> {
        self.cloud.as_ref()
    }

    /// This replica lost the database lease it held (see [`SiteHandle::wait`]).
    pub fn lost_lease(&self) -> bool {
        *self.lost.borrow()
    }

    /// Stops the API and the embedded cloud. Tasks in flight stay recorded and resume at the
    /// next start (or at once on another replica).
    pub async fn shutdown(mut self) {
        if let Some(supervisor) = self.supervisor.take() {
            supervisor.abort();
            let _ = supervisor.await;
        }
        if let Some(manager) = self.manager.lock().await.take() {
            manager.stop().await;
        }
        // Let go of the lease only now: another replica takes over a manager that has stopped.
        if let Some(lease) = self.lease.take() {
            let _ = tokio::task::spawn_blocking(move || lease.stop()).await;
        }
        if let Some(relay) = self.relay.take() {
            let _ = tokio::task::spawn_blocking(move || relay.stop()).await;
        }
        self.bus.close();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some((tx, task)) = self.loopback.take() {
            let _ = tx.send(());
            task.abort();
            let _ = task.await;
        }
        if let Some(mut server) = self.server.take() {
            // Open event streams never end by themselves; give requests in flight a moment,
            // then close what is left.
            if tokio::time::timeout(Duration::from_secs(2), &mut server)
                .await
                .is_err()
            {
                server.abort();
                let _ = server.await;
            }
        }
        if let Some(cloud) = self.cloud.take() {
            cloud.shutdown().await;
        }
        let _ = std::fs::remove_file(self.data_dir.join(URL_FILE));
    }

    /// Waits until the server stops, or this replica loses the database lease it held (then
    /// it must stop: another replica runs the services manager now).
    pub async fn wait(&mut self) {
        let mut lost = self.lost.clone();
        let lost = async move {
            // Without a lease (SQLite) nothing ever sends: the sender is gone at once.
            if lost.wait_for(|l| *l).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        match self.server.as_mut() {
            Some(server) => {
                tokio::select! {
                    _ = server => {}
                    () = lost => {}
                }
            }
            None => lost.await,
        }
    }
}

/// What only the active replica runs: the task runner, the monitors, the distribution worker
/// and the site's own connection points.
struct Manager {
    monitor: Monitor,
    runner: RunnerHandle,
    distributor: tokio::task::JoinHandle<()>,
    cp_host: CpHost,
}

impl Manager {
    /// Resumes every unfinished task and starts the rest.
    async fn start(
        ctx: &Arc<SiteContext>,
        inbox: TaskInbox,
        content: &Arc<ContentHub>,
        cp_url: String,
        api: axum::Router,
    ) -> Result<Manager, SiteError> {
        let text = format!(
            "SMS_CLOUD_SERVICES_MANAGER started (cloudsite {}, replica {}, lease {})",
            env!("CARGO_PKG_VERSION"),
            ctx.replica().id(),
            ctx.replica().owner().epoch
        );
        ctx.log(CLOUD_MGR_LOG, Level::Info, &text).await;
        let runner = TaskRunner::new(Arc::clone(ctx));
        runner
            .resume_all()
            .await
            .map_err(|e| SiteError::Other(e.to_string()))?;
        let runner = runner.start(inbox);
        let monitor = super::monitor::spawn(ctx);
        let distributor = tokio::spawn(Arc::clone(content).run());
        let cp_host = super::cp_host::start(Arc::clone(ctx), cp_url, api);
        let sync_ctx = Arc::clone(ctx);
        tokio::spawn(async move {
            if let Err(e) = super::ops::services::sync_stale_gateways(&sync_ctx).await {
                let text = format!(
                    "Cannot synchronize the CMGs deployed before the connection point CA: {e}"
                );
                sync_ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            }
        });
        Ok(Manager {
            monitor,
            runner,
            distributor,
            cp_host,
        })
    }

    async fn stop(self) {
        // The site's own connection points go first, while the API can still hear them say
        // their channels closed.
        self.cp_host.stop().await;
        // The monitor goes next: it would only log errors from a cloud being shut down.
        self.monitor.stop().await;
        self.runner.stop().await;
        // Its state is in the database: unfinished distributions resume at the next start.
        self.distributor.abort();
        let _ = self.distributor.await;
    }
}

/// Runs the manager while this replica holds the lease; when it loses the lease, stops the
/// manager and says so on `lost`.
async fn supervise(
    ctx: Arc<SiteContext>,
    inbox: TaskInbox,
    content: Arc<ContentHub>,
    cp_url: String,
    api: axum::Router,
    manager: Arc<tokio::sync::Mutex<Option<Manager>>>,
    lost: tokio::sync::watch::Sender<bool>,
) {
    let mut role = ctx.replica().watch();
    if role.wait_for(|r| *r == ReplicaRole::Active).await.is_err() {
        return;
    }
    match Manager::start(&ctx, inbox, &content, cp_url, api).await {
        Ok(m) => {
            *manager.lock().await = Some(m);
            // Consoles attached here re-read the site, and with it this replica's role.
            ctx.bus().publish(crate::api::wire::Event::Resync);
        }
        Err(e) => {
            let text = format!("The services manager did not start: {e}");
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            lost.send_replace(true);
            return;
        }
    }
    let _ = role.wait_for(|r| *r == ReplicaRole::Passive).await;
    let text = "This replica lost the database lease: the services manager stops here and another replica takes over.";
    ctx.log(CLOUD_MGR_LOG, Level::Error, text).await;
    if let Some(m) = manager.lock().await.take() {
        m.stop().await;
    }
    lost.send_replace(true);
}

/// Writes `contents` to a new file readable by the owner only.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(&tmp)?;
    f.write_all(contents)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Starts the site service.
pub async fn start(opts: SiteOptions) -> Result<SiteHandle, SiteError> {
    crate::tls::install_crypto_provider();
    if opts.tls.is_none() && !opts.listen.ip().is_loopback() {
        return Err(SiteError::NeedsTls(opts.listen));
    }
    let data_dir = opts.data_dir.clone();
    create_private_dir(&data_dir).map_err(io(format!(
        "cannot create the data dir {}",
        data_dir.display()
    )))?;
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join(LOCK_FILE))
        .map_err(io("cannot open the lock file"))?;
    if lock.try_lock().is_err() {
        let url = std::fs::read_to_string(data_dir.join(URL_FILE))
            .unwrap_or_default()
            .trim()
            .to_string();
        return Err(SiteError::AlreadyRunning { data_dir, url });
    }

    // Both engines block (PostgreSQL's driver runs its own runtime): off the async workers.
    let (store, new_admin_token) = {
        let (opts, data_dir) = (opts.clone(), data_dir.clone());
        tokio::task::spawn_blocking(move || {
            let store = match &opts.database {
                Some(url) => Store::open_postgres(url),
                None => Store::open(&data_dir.join("site.db")),
            }
            .map_err(|e| SiteError::Other(e.to_string()))?;
            let token = bootstrap(&store, &opts, &data_dir)?;
            Ok::<_, SiteError>((store, token))
        })
        .await
        .map_err(|e| SiteError::Other(format!("opening the site database: {e}")))??
    };
    let secrets = Arc::new(
        SecretBox::load_or_create(&data_dir).map_err(|e| SiteError::Other(e.to_string()))?,
    );
    check_secret_key(&store, &secrets, &data_dir).await?;
    let log_dir = opts
        .log_dir
        .clone()
        .unwrap_or_else(|| data_dir.join("logs"));
    let logs = LogWriter::new(&log_dir).map_err(|e| SiteError::Other(e.to_string()))?;
    let logs = Arc::new(logs.with_min_level(opts.log_level));

    let (cloud, provider): (Option<LocalCloudHandle>, Arc<dyn Provider>) = match &opts.cloud {
        CloudChoice::Embedded {
            provisioning_delay,
            faults,
        } => {
            let cfg = LocalCloudConfig {
                data_dir: data_dir.join(CLOUD_DIR),
                provisioning_delay: *provisioning_delay,
                faults: faults.clone(),
                storage: opts.storage.clone(),
                ..LocalCloudConfig::default()
            };
            let handle = LocalCloud::start(cfg)
                .await
                .map_err(|e| SiteError::Other(format!("the local cloud did not start: {e}")))?;
            let provider = handle
                .provider()
                .map_err(|e| SiteError::Other(e.to_string()))?;
            (Some(handle), Arc::new(provider))
        }
        CloudChoice::Remote { url, ca_pem } => {
            let provider = crate::cloud::local::LocalProvider::new(url, ca_pem)
                .map_err(|e| SiteError::Other(e.to_string()))?;
            (None, Arc::new(provider))
        }
        CloudChoice::Provider(p) => (None, Arc::clone(p)),
    };

    // Ids continue from the clock so a client's Last-Event-ID from an earlier run reads as old.
    let first_id = super::store::now_millis().max(0) as u64 * 1000;
    let bus = Arc::new(EventBus::new(first_id));
    let replica = Arc::new(Replica::new(&opts.server_name, store.engine()));
    let (lease, relay) = match &opts.database {
        // The data dir's lock makes this process the site's only replica.
        None => {
            let epoch = store
                .call(|c| site_rows::next_lease_epoch(c))
                .await
                .map_err(|e| SiteError::Other(e.to_string()))?;
            replica.activate(epoch);
            (None, None)
        }
        Some(url) => {
            let lease = Lease::start(url, Arc::clone(&replica))
                .map_err(io("cannot start the database lease thread"))?;
            let relay = Relay::start(url, replica.id(), Arc::clone(&bus))
                .map_err(io("cannot start the event relay threads"))?;
            (Some(lease), Some(relay))
        }
    };
    let (ctx, inbox) = SiteContext::new(SiteParts {
        store,
        secrets,
        provider,
        bus: Arc::clone(&bus),
        logs,
        timing: opts.timing,
        monitor: opts.monitor.clone(),
        replica,
    });
    let text = format!(
        "cloudsite {} site service started, data in {}",
        env!("CARGO_PKG_VERSION"),
        data_dir.display()
    );
    ctx.log(CLOUD_MGR_LOG, Level::Info, &text).await;

    let library = opts
        .library_dir
        .clone()
        .unwrap_or_else(|| data_dir.join(LIBRARY_DIR));
    let content = ContentHub::new(Arc::clone(&ctx), &library);

    let app = router(AppState {
        ctx: Arc::clone(&ctx),
        content: Arc::clone(&content),
        lab_cloud: cloud.as_ref().map(|c| c.data_dir().to_path_buf()),
    });
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(io(format!("cannot listen on {}", opts.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(io("cannot read the listening address"))?;
    let (tx, rx) = oneshot::channel::<()>();
    let limits = opts.connections;
    let loopback_app = app.clone();
    let cp_api = app.clone();
    let (url, server) = match &opts.tls {
        None => {
            let stop = async move {
                let _ = rx.await;
            };
            let server = tokio::spawn(listen::serve_plain(listener, limits, app, stop));
            (format!("http://{addr}"), server)
        }
        Some(tls) => {
            let cert = std::fs::read_to_string(&tls.cert)
                .map_err(io(format!("cannot read {}", tls.cert.display())))?;
            let key = std::fs::read_to_string(&tls.key)
                .map_err(io(format!("cannot read {}", tls.key.display())))?;
            let config = crate::tls::server_config(&cert, &key, None)
                .map_err(|e| SiteError::Other(format!("--tls-cert/--tls-key: {e}")))?;
            let stop = async move {
                let _ = rx.await;
            };
            let config = Arc::new(config);
            let server = tokio::spawn(listen::serve_tls(listener, limits, config, app, stop));
            (format!("https://{}", url_host(addr)), server)
        }
    };
    write_private(&data_dir.join(URL_FILE), url.as_bytes())
        .map_err(io("cannot write the site URL file"))?;
    // The site's own connection points use its API like any other, on loopback.
    let (cp_url, loopback) = if opts.tls.is_none() {
        (url.clone(), None)
    } else {
        let (url, stop, task) = serve_loopback(loopback_app, limits).await?;
        (url, Some((stop, task)))
    };
    let manager = Arc::new(tokio::sync::Mutex::new(None));
    let (lost_tx, lost) = tokio::sync::watch::channel(false);
    let supervisor = if ctx.replica().role() == ReplicaRole::Active && lease.is_none() {
        // One replica: the manager is up before the caller gets the handle, as it always was.
        *manager.lock().await = Some(Manager::start(&ctx, inbox, &content, cp_url, cp_api).await?);
        None
    } else {
        Some(tokio::spawn(supervise(
            Arc::clone(&ctx),
            inbox,
            content,
            cp_url,
            cp_api,
            Arc::clone(&manager),
            lost_tx,
        )))
    };
    Ok(SiteHandle {
        url,
        new_admin_token,
        data_dir,
        shutdown: Some(tx),
        server: Some(server),
        bus,
        cloud,
        manager,
        supervisor,
        lease,
        relay,
        lost,
        loopback,
        _lock: lock,
    })
}

/// Serves the API in plain HTTP on a loopback port of its own, for the site's own connection
/// points when the API itself is served over TLS (to a name loopback does not carry).
async fn serve_loopback(
    app: axum::Router,
    limits: Limits,
) -> Result<(String, oneshot::Sender<()>, tokio::task::JoinHandle<()>), SiteError> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(io(
            "cannot listen on loopback for the site's connection points",
        ))?;
    let addr = listener
        .local_addr()
        .map_err(io("cannot read the loopback address"))?;
    let (tx, rx) = oneshot::channel::<()>();
    let stop = async move {
        let _ = rx.await;
    };
    let task = tokio::spawn(listen::serve_plain(listener, limits, app, stop));
    Ok((format!("http://{addr}"), tx, task))
}

fn url_host(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("{}:{}", default_server_name(), addr.port())
    } else {
        addr.to_string()
    }
}

/// Refuses a secret key other than the one the site's secrets were sealed with: a replica
/// started with a fresh data dir would otherwise fail on every stored credential.
async fn check_secret_key(
    store: &Store,
    secrets: &SecretBox,
    data_dir: &Path,
) -> Result<(), SiteError> {
    let mine = hex::encode(&secrets.derive_key("secret key check")[..8]);
    let check = mine.clone();
    let recorded = store
        .call(move |c| site_rows::key_check(c, &check))
        .await
        .map_err(|e| SiteError::Other(e.to_string()))?;
    if recorded != mine {
        let file = data_dir.join(super::secrets::KEY_FILE);
        return Err(SiteError::Other(format!(
            "{} is not the key this site's database was sealed with (key check {mine}, the database has {recorded}): copy secret.key from the data dir of another replica of this site into {} (mode 0600) and start again",
            file.display(),
            data_dir.display()
        )));
    }
    Ok(())
}

/// Creates the site and its bootstrap token on first start; returns the token if created.
fn bootstrap(
    store: &Store,
    opts: &SiteOptions,
    data_dir: &Path,
) -> Result<Option<String>, SiteError> {
    let exists = store
        .with(|c| site_rows::site(c))
        .map_err(|e| SiteError::Other(e.to_string()))?
        .is_some();
    if exists {
        return Ok(None);
    }
    crate::domain::validate::site_code(&opts.site_code)
        .map_err(|e| SiteError::Other(format!("--site-code: {e}")))?;
    store
        .with(|c| site_rows::create_site(c, &opts.site_code, &opts.server_name))
        .map_err(|e| SiteError::Other(e.to_string()))?;
    let (_, token) = tokens::create(
        store,
        "bootstrap administrator",
        tokens::Role::FullAdministrator,
    )
    .map_err(|e| SiteError::Other(e.to_string()))?;
    write_private(&data_dir.join(ADMIN_TOKEN_FILE), token.as_bytes())
        .map_err(io("cannot write the admin token file"))?;
    Ok(Some(token))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}
