//! A site service run in-process for API tests: a temp data dir, a lab (`cloudsite lab init`)
//! registered with the site's embedded cloud, clients for each role, request builders from the
//! lab's files, and waits for tasks and states.
#![allow(dead_code)]

#[path = "../azurite_support/mod.rs"]
mod azurite_support;
#[path = "../pg_support/mod.rs"]
mod pg_support;

use base64::Engine;
use cloudsite::api::client::{Client, ClientError};
use cloudsite::api::wire::{
    CertUpload, CreateCdp, CreateCmg, CreateToken, ErrorDetail, NewToken, ServiceView,
    SubscriptionInput, TaskView, TrustedRootUpload,
};
use cloudsite::cloud::Provider;
use cloudsite::cloud::local::{
    Faults, LocalCloud, LocalCloudConfig, LocalCloudHandle, LocalProvider,
};
use cloudsite::domain::service::ServiceState;
use cloudsite::domain::task::TaskState;
use cloudsite::site::manager::Timing;
use cloudsite::site::service::{self, CloudChoice, SiteHandle, SiteOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The site server's name (the site system the Proxy tab belongs to).
pub const SERVER_NAME: &str = "SITESERVER";
/// A region both wizards offer.
pub const REGION: &str = "WestEurope";
/// The lab's DNS domain.
pub const DOMAIN: &str = "lab.contoso.com";

/// One service certificate of the lab.
#[derive(Debug, Clone)]
pub struct LabCert {
    /// Its name (`cdp1.lab.contoso.com`, `*.lab.contoso.com`, …).
    pub fqdn: String,
    /// The `.pfx`.
    pub pfx: PathBuf,
    /// `valid`, `wildcard`, `expired` or `no-server-auth`.
    pub kind: String,
}

/// What `cloudsite lab init` wrote.
#[derive(Debug, Clone)]
pub struct Lab {
    /// The lab folder.
    pub dir: PathBuf,
    /// The registered subscription.
    pub subscription_id: String,
    /// Password of every `.pfx` of the lab.
    pub password: String,
    /// Management certificate `.pfx`.
    pub management_pfx: PathBuf,
    /// Management certificate `.cer`.
    pub management_cer: PathBuf,
    /// The lab root CA `.cer`.
    pub root_ca: PathBuf,
    /// Service certificates.
    pub service_certs: Vec<LabCert>,
}

impl Lab {
    /// Runs `cloudsite lab init DIR --data-dir DATA_DIR` and reads its `lab.json`.
    pub fn init(dir: &Path, data_dir: &Path) -> Lab {
        let out = Command::new(env!("CARGO_BIN_EXE_cloudsite"))
            .args(["lab", "init"])
            .arg(dir)
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--domain", DOMAIN])
            .env_remove("CLOUDSITE_DATA_DIR")
            .output()
            .expect("run cloudsite lab init");
        assert!(
            out.status.success(),
            "lab init failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let json: Value =
            serde_json::from_slice(&std::fs::read(dir.join("lab.json")).expect("lab.json"))
                .expect("lab.json is JSON");
        let s = |v: &Value| v.as_str().expect("a string in lab.json").to_string();
        let certs = json["service_certs"]
            .as_array()
            .expect("service_certs")
            .iter()
            .map(|c| LabCert {
                fqdn: s(&c["fqdn"]),
                pfx: PathBuf::from(s(&c["pfx"])),
                kind: s(&c["kind"]),
            })
            .collect();
        Lab {
            dir: dir.to_path_buf(),
            subscription_id: s(&json["subscription_id"]),
            password: s(&json["password"]),
            management_pfx: PathBuf::from(s(&json["management"]["pfx"])),
            management_cer: PathBuf::from(s(&json["management"]["cer"])),
            root_ca: PathBuf::from(s(&json["root_ca"])),
            service_certs: certs,
        }
    }

    /// The service certificate for `fqdn`.
    pub fn cert(&self, fqdn: &str) -> &LabCert {
        self.service_certs
            .iter()
            .find(|c| c.fqdn == fqdn)
            .unwrap_or_else(|| panic!("the lab has no certificate for {fqdn}"))
    }

    /// The (first) service certificate of `kind`.
    pub fn cert_of_kind(&self, kind: &str) -> &LabCert {
        self.service_certs
            .iter()
            .find(|c| c.kind == kind)
            .unwrap_or_else(|| panic!("the lab has no {kind} certificate"))
    }

    /// A lab `.pfx` (any file) as an upload with the lab password.
    pub fn upload(&self, path: &Path) -> CertUpload {
        CertUpload {
            file_base64: b64_file(path),
            password: self.password.clone().into(),
        }
    }

    /// The General page: the lab subscription and its management certificate.
    pub fn subscription(&self) -> SubscriptionInput {
        SubscriptionInput {
            subscription_id: Some(self.subscription_id.clone()),
            environment: Default::default(),
            management_certificate: self.upload(&self.management_pfx),
        }
    }

    /// A valid Create CDP request for the service certificate `fqdn` (FQDN from the certificate).
    pub fn cdp(&self, fqdn: &str) -> CreateCdp {
        CreateCdp {
            primary_site: None,
            subscription: self.subscription(),
            region: REGION.into(),
            service_certificate: self.upload(&self.cert(fqdn).pfx),
            description: format!("test CDP {fqdn}"),
            ..CreateCdp::default()
        }
    }

    /// A valid Create CDP request with the wildcard certificate and the host `host.DOMAIN`.
    pub fn wildcard_cdp(&self, host: &str) -> CreateCdp {
        CreateCdp {
            primary_site: None,
            service_certificate: self.upload(&self.cert_of_kind("wildcard").pfx),
            service_fqdn: Some(format!("{host}.{DOMAIN}")),
            ..self.cdp(&format!("*.{DOMAIN}"))
        }
    }

    /// A valid Create CMG request (one VM) for the service certificate `fqdn`.
    pub fn cmg(&self, fqdn: &str) -> CreateCmg {
        CreateCmg {
            subscription: self.subscription(),
            service_certificate: self.upload(&self.cert(fqdn).pfx),
            description: format!("test CMG {fqdn}"),
            region: REGION.into(),
            vm_instances: Some(1),
            ..CreateCmg::default()
        }
    }

    /// A valid Create CMG request with the wildcard certificate and the host `host.DOMAIN`.
    pub fn wildcard_cmg(&self, host: &str) -> CreateCmg {
        CreateCmg {
            service_certificate: self.upload(&self.cert_of_kind("wildcard").pfx),
            service_fqdn: Some(format!("{host}.{DOMAIN}")),
            ..self.cmg(&format!("*.{DOMAIN}"))
        }
    }

    /// The lab root CA as a trusted root upload.
    pub fn root_upload(&self) -> TrustedRootUpload {
        TrustedRootUpload {
            file_base64: b64_file(&self.root_ca),
            kind: "root".into(),
        }
    }

    /// Every `.pfx` of the lab (management and service certificates).
    pub fn all_pfx(&self) -> Vec<PathBuf> {
        let mut all = vec![self.management_pfx.clone()];
        all.extend(self.service_certs.iter().map(|c| c.pfx.clone()));
        all
    }
}

/// Base64 of a file's bytes, as the API carries files.
pub fn b64_file(path: &Path) -> String {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Base64 of bytes.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Wraps the site's local cloud in a provider of the test's own (e.g. one that places CMG
/// instances the test runs).
#[derive(Clone)]
pub struct ProviderHook(pub Arc<dyn Fn(LocalProvider) -> Arc<dyn Provider> + Send + Sync>);

impl std::fmt::Debug for ProviderHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProviderHook(..)")
    }
}

/// How to start a test site.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// The embedded cloud's provisioning time.
    pub provisioning_delay: Duration,
    /// Injected faults.
    pub faults: Faults,
    /// Monitoring intervals, quota unit, token lifetime, prices.
    pub monitor: cloudsite::site::monitor::MonitorOptions,
    /// The local cloud runs beside the site and the site uses this wrapping of it.
    pub provider: Option<ProviderHook>,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            provisioning_delay: Duration::from_millis(50),
            faults: Faults::default(),
            monitor: cloudsite::site::monitor::MonitorOptions::default(),
            provider: None,
        }
    }
}

/// A running site with its lab and one client per role.
pub struct Site {
    /// Owns the temp folder (data dir and lab).
    pub tmp: tempfile::TempDir,
    /// The site's data dir.
    pub data_dir: PathBuf,
    /// The lab.
    pub lab: Lab,
    /// The running service (taken by [`Site::shutdown`]).
    pub handle: Option<SiteHandle>,
    /// Base URL.
    pub url: String,
    /// Full Administrator token (the bootstrap one).
    pub admin_token: String,
    /// Infrastructure Administrator token.
    pub infra_token: String,
    /// Read-only Analyst token.
    pub read_token: String,
    /// Full Administrator client.
    pub admin: Client,
    /// Infrastructure Administrator client.
    pub infra: Client,
    /// Read-only Analyst client.
    pub reader: Client,
    /// Client token (the management point routes only).
    pub client_token: String,
    /// A Configuration Manager client's client: the management point routes.
    pub mp: Client,
    /// The options it was started with (for [`Site::restart`]).
    pub opts: SiteOptions,
    /// The local cloud, when the test runs it beside the site ([`SiteConfig::provider`]).
    pub cloud: Option<LocalCloudHandle>,
    /// The PostgreSQL cluster holding the site database, when the suite runs on PostgreSQL.
    pub pg: Option<pg_support::PgCluster>,
    /// The Azurite holding the content blobs, when the suite runs on Azure Blob Storage.
    pub azurite: Option<azurite_support::Azurite>,
}

/// `CLOUDSITE_TEST_DATABASE=postgres` runs the suite's sites on a PostgreSQL cluster of their
/// own (CI runs the site suites once per engine); anything else keeps SQLite.
fn test_database() -> Option<pg_support::PgCluster> {
    match std::env::var("CLOUDSITE_TEST_DATABASE").as_deref() {
        Ok("postgres") => Some(
            pg_support::PgCluster::start("the site suite on PostgreSQL")
                .expect("CLOUDSITE_TEST_DATABASE=postgres, but PostgreSQL is not installed"),
        ),
        _ => None,
    }
}

/// The blob container the suites' content goes to on Azurite.
const TEST_CONTAINER: &str = "cloudsite-content";

/// `CLOUDSITE_TEST_STORAGE=azure` keeps the suite's content blobs in an Azurite of their own
/// (CI runs the content suites once per store); anything else keeps the folder store.
fn test_storage() -> Option<azurite_support::Azurite> {
    match std::env::var("CLOUDSITE_TEST_STORAGE").as_deref() {
        Ok("azure") => Some(
            azurite_support::Azurite::start("the site suite on Azure Blob Storage")
                .expect("CLOUDSITE_TEST_STORAGE=azure, but Azurite is not installed"),
        ),
        _ => None,
    }
}

impl Site {
    /// A site with the default test timing (50 ms provisioning).
    pub async fn start() -> Site {
        Site::start_with(SiteConfig::default()).await
    }

    /// A site with `config`.
    pub async fn start_with(config: SiteConfig) -> Site {
        let tmp = tempfile::tempdir().expect("temp dir");
        let data_dir = tmp.path().join("data");
        let lab_dir = tmp.path().join("lab");
        let lab = {
            let (l, d) = (lab_dir.clone(), data_dir.clone());
            tokio::task::spawn_blocking(move || Lab::init(&l, &d))
                .await
                .expect("lab init thread")
        };
        let mut opts = SiteOptions::new(&data_dir);
        opts.server_name = SERVER_NAME.into();
        let azurite = tokio::task::spawn_blocking(test_storage)
            .await
            .expect("Azurite start thread");
        if let Some(a) = &azurite {
            opts.storage = a.storage(TEST_CONTAINER);
        }
        let mut cloud = None;
        opts.cloud = match &config.provider {
            None => CloudChoice::Embedded {
                provisioning_delay: config.provisioning_delay,
                faults: config.faults,
            },
            Some(hook) => {
                let handle = LocalCloud::start(LocalCloudConfig {
                    data_dir: data_dir.join(service::CLOUD_DIR),
                    provisioning_delay: config.provisioning_delay,
                    faults: config.faults,
                    storage: opts.storage.clone(),
                    ..LocalCloudConfig::default()
                })
                .await
                .expect("the local cloud starts");
                let provider = handle.provider().expect("the local cloud's provider");
                cloud = Some(handle);
                CloudChoice::Provider((hook.0)(provider))
            }
        };
        opts.timing = Timing {
            poll: Duration::from_millis(50),
            container_retry: Duration::from_millis(50),
            ..Timing::default()
        };
        opts.monitor = config.monitor;
        let pg = tokio::task::spawn_blocking(test_database)
            .await
            .expect("PostgreSQL start thread");
        opts.database = pg.as_ref().map(|pg| pg.database("site"));
        let handle = service::start(opts.clone()).await.expect("the site starts");
        let url = handle.url.clone();
        let admin_token = handle
            .new_admin_token
            .clone()
            .expect("a new site makes a bootstrap token");
        let admin = client(&url, &admin_token);
        let infra_token = new_token(&admin, "infra", "infra-admin").await;
        let read_token = new_token(&admin, "analyst", "read-only").await;
        let client_token = new_token(&admin, "clients", "client").await;
        Site {
            mp: client(&url, &client_token),
            client_token,
            data_dir,
            lab,
            handle: Some(handle),
            infra: client(&url, &infra_token),
            reader: client(&url, &read_token),
            admin,
            url,
            admin_token,
            infra_token,
            read_token,
            tmp,
            opts,
            cloud,
            pg,
            azurite,
        }
    }

    /// Stops the service and starts it again on the same data dir (tokens stay valid; the
    /// address may change, so the clients are rebuilt).
    pub async fn restart(&mut self) {
        self.shutdown().await;
        let handle = service::start(self.opts.clone())
            .await
            .expect("the site starts again");
        self.url = handle.url.clone();
        self.admin = client(&self.url, &self.admin_token);
        self.infra = client(&self.url, &self.infra_token);
        self.reader = client(&self.url, &self.read_token);
        self.mp = client(&self.url, &self.client_token);
        self.handle = Some(handle);
    }

    /// Runs `f` on a second connection to the site's database, whichever engine holds it (on
    /// a blocking thread: PostgreSQL's driver must not run on an async worker).
    pub async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&cloudsite::site::store::Store) -> T + Send + 'static,
    ) -> T {
        let (url, file) = (self.opts.database.clone(), self.data_dir.join("site.db"));
        tokio::task::spawn_blocking(move || {
            let store = match url {
                Some(url) => cloudsite::site::store::Store::open_postgres(&url),
                None => cloudsite::site::store::Store::open(&file),
            }
            .expect("open the site database");
            f(&store)
        })
        .await
        .expect("database thread")
    }

    /// Every content blob the cloud stores whose name contains `needle`, with its bytes,
    /// whichever store holds them (the cloud's hidden bookkeeping, a name part starting with
    /// `.`, left out).
    pub async fn stored_blobs(&self, needle: &str) -> Vec<(String, Vec<u8>)> {
        let hidden = |name: &str| name.split('/').any(|part| part.starts_with('.'));
        match &self.azurite {
            Some(azurite) => {
                let mut out = Vec::new();
                for name in azurite.names(TEST_CONTAINER, "").await {
                    if name.contains(needle) && !hidden(&name) {
                        let bytes = azurite.read(TEST_CONTAINER, &name).await;
                        out.push((name, bytes));
                    }
                }
                out
            }
            None => {
                let root = self.data_dir.join("cloud").join("storage");
                files_in(&root)
                    .into_iter()
                    .filter_map(|p| {
                        let name = p.strip_prefix(&root).ok()?.to_string_lossy().into_owned();
                        (name.contains(needle) && !hidden(&name)).then_some((name, p))
                    })
                    .map(|(name, p)| (name, std::fs::read(p).expect("a stored blob")))
                    .collect()
            }
        }
    }

    /// The files that hold the site database at rest: `site.db` and its WAL, or every file of
    /// the PostgreSQL cluster.
    pub fn database_files(&self) -> Vec<PathBuf> {
        match &self.pg {
            Some(pg) => files_in(&pg.data_dir()),
            None => ["site.db", "site.db-wal"]
                .iter()
                .map(|n| self.data_dir.join(n))
                .filter(|p| p.exists())
                .collect(),
        }
    }

    /// A client with `token`.
    pub fn client(&self, token: &str) -> Client {
        client(&self.url, token)
    }

    /// Stops the service (the data dir stays).
    pub async fn shutdown(&mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
    }

    /// Sends `method path` with an optional bearer token and JSON body, returning the status and
    /// the body (JSON, or a string when it is not JSON). No header at all when `token` is None.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        raw(&self.url, method, path, token, body).await
    }

    /// Creates a CDP and waits until its task completes; returns the service as it is then.
    pub async fn create_cdp_ready(&self, req: &CreateCdp) -> ServiceView {
        let acc: cloudsite::api::wire::Accepted =
            self.admin.post("/v1/cdps", req).await.expect("create CDP");
        let t = wait_task(&self.admin, &acc.task.id).await;
        assert_eq!(t.state, TaskState::Completed, "create task: {t:?}");
        wait_status(
            &self.admin,
            &format!("/v1/cdps/{}", acc.service.id),
            ServiceState::Ready,
        )
        .await
    }

    /// Creates a CMG and waits until its task completes; returns the service as it is then.
    pub async fn create_cmg_ready(&self, req: &CreateCmg) -> ServiceView {
        let acc: cloudsite::api::wire::Accepted =
            self.admin.post("/v1/cmgs", req).await.expect("create CMG");
        let t = wait_task(&self.admin, &acc.task.id).await;
        assert_eq!(t.state, TaskState::Completed, "create task: {t:?}");
        wait_status(
            &self.admin,
            &format!("/v1/cmgs/{}", acc.service.id),
            ServiceState::Ready,
        )
        .await
    }
}

/// A client of `url` with `token`.
pub fn client(url: &str, token: &str) -> Client {
    Client::new(url, token, None).expect("client")
}

/// Makes a token with `role` through `POST /v1/tokens`.
pub async fn new_token(admin: &Client, name: &str, role: &str) -> String {
    let t: NewToken = admin
        .post(
            "/v1/tokens",
            &CreateToken {
                name: name.into(),
                role: role.into(),
            },
        )
        .await
        .expect("create token");
    assert_eq!(t.role.as_str(), role);
    t.token
}

/// See [`Site::raw`].
pub async fn raw(
    url: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("http client");
    let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = http.request(m, format!("{url}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    if resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
    {
        // An event stream never ends: the status is all there is to read.
        return (status, Value::Null);
    }
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// The API error of a call that must fail.
pub fn api_err<T: std::fmt::Debug>(r: Result<T, ClientError>) -> (u16, ErrorDetail) {
    match r {
        Err(ClientError::Api { status, detail }) => (status, detail),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Polls `/v1/tasks/{id}` every 50 ms up to 20 s until the task completes or fails.
pub async fn wait_task(client: &Client, id: &str) -> TaskView {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let t: TaskView = client
            .get(&format!("/v1/tasks/{id}"))
            .await
            .expect("get task");
        if matches!(t.state, TaskState::Completed | TaskState::Failed) {
            return t;
        }
        assert!(
            Instant::now() < deadline,
            "task {id} still {:?} after 20 s: {t:?}",
            t.state
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls `path` (a CDP or CMG) every 50 ms up to 20 s until its status is `want`.
pub async fn wait_status(client: &Client, path: &str, want: ServiceState) -> ServiceView {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s: ServiceView = client.get(path).await.expect("get service");
        if s.status == want {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "{path} still {:?} after 20 s (want {want:?}): {:?}",
            s.status,
            s.status_details
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every file under `dir`.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_in(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
