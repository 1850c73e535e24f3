//! Load benchmark for a cloud distribution point of the local cloud (see `bench/README.md`).
//!
//! `serve --dir DIR` sets up a local cloud in DIR with one CDP (two instances, TLS with a service
//! certificate from a generated root CA) holding a large and a small encrypted package file,
//! writes `DIR/bench.json` (and `DIR/bench.env` for shell scripts) and serves until Ctrl-C.
//!
//! `load --url URL ...` fetches one URL over HTTPS from N concurrent HTTP/1.1 keep-alive
//! connections and reports MB/s, requests/s and latency. It is a minimal client on purpose:
//! on a small machine every cycle it spends is taken from the server it measures.
//!
//! `report FILE` turns the JSON lines `load --json` printed into a markdown table.

use clap::{Args, Parser, Subcommand};
use cloudsite::cloud::local::{
    AzureStorage, CONTENT_CONTAINER, LocalCloud, LocalCloudConfig, LocalProvider, StorageConfig,
    register_subscription,
};
use cloudsite::cloud::{
    BlobTarget, Caller, DeploySpec, DeploymentState, HostedKind, Provider, ServiceStatus,
    Subscription,
};
use cloudsite::content::crypt::{Encryptor, PackageKey};
use cloudsite::content::token::{self, Claims};
use cloudsite::tls::{certs_from_pem, install_crypto_provider, provider};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The CDP's deployment name; its service name is [`FQDN`].
const SERVICE: &str = "bench-cdp";
/// The service name clients ask for (SNI and `Host`), named by the service certificate.
const FQDN: &str = "bench-cdp.cloudsite.test";
/// The CDP's storage account.
const ACCOUNT: &str = "benchcdpstore";
/// The benchmark's subscription.
const SUBSCRIPTION: &str = "0b0e1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
/// Packages holding the large and the small file.
const LARGE_PKG: &str = "BENCH001";
const SMALL_PKG: &str = "BENCH002";

#[derive(Parser)]
#[command(about = "Load benchmark for a CDP of the local cloud")]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Set up a local cloud with a CDP serving two package files, and serve until Ctrl-C.
    Serve(ServeArgs),
    /// Fetch a URL from concurrent keep-alive connections and report throughput.
    Load(LoadArgs),
    /// Print the JSON lines of `load --json` runs as a markdown table.
    Report(ReportArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Directory for the cloud's data, certificates, package files and bench.json.
    #[arg(long)]
    dir: PathBuf,
    /// Size of the large package file, MiB (plaintext).
    #[arg(long, default_value_t = 100)]
    large_mib: u64,
    /// Size of the small package file, bytes (plaintext).
    #[arg(long, default_value_t = 4096)]
    small_bytes: u64,
    /// Instances of the CDP.
    #[arg(long, default_value_t = 2)]
    instances: u8,
    /// Worker threads of the server's runtime (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Keep the blobs in Azurite at this Blob service URL (`http://127.0.0.1:PORT`) instead
    /// of the cloud's data directory.
    #[arg(long)]
    azurite: Option<String>,
}

#[derive(Args)]
struct LoadArgs {
    /// URL to GET, `https://host[:port]/path`.
    #[arg(long)]
    url: String,
    /// `HOST:ADDR`: connect to ADDR (`ip` or `ip:port`) for HOST; repeat to spread the
    /// connections over several addresses (e.g. both instances).
    #[arg(long)]
    resolve: Vec<String>,
    /// PEM file of the CA certificates to trust.
    #[arg(long)]
    trust: PathBuf,
    /// Bearer token sent in `Authorization`.
    #[arg(long)]
    token: Option<String>,
    /// Concurrent connections.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Seconds to run (default 10 unless --requests is given).
    #[arg(long, conflicts_with = "requests")]
    duration: Option<f64>,
    /// Total requests to make instead of running for a time.
    #[arg(long)]
    requests: Option<u64>,
    /// Worker threads of the client's runtime.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Socket read buffer under TLS, KiB (rustls alone reads 4 KiB per system call).
    #[arg(long, default_value_t = 256)]
    read_kib: usize,
    /// A label for the run, carried into the JSON output.
    #[arg(long, default_value = "")]
    label: String,
    /// Print one JSON line instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ReportArgs {
    /// File of JSON lines from `load --json`.
    file: PathBuf,
}

fn main() {
    let cli = Cli::parse();
    let threads = match &cli.mode {
        Mode::Serve(a) => a.threads,
        Mode::Load(a) => Some(a.threads.max(1)),
        Mode::Report(_) => Some(1),
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = threads {
        builder.worker_threads(n);
    }
    let runtime = builder.enable_all().build().expect("tokio runtime");
    let result = runtime.block_on(async move {
        match cli.mode {
            Mode::Serve(a) => serve(a).await,
            Mode::Load(a) => load(a).await,
            Mode::Report(a) => report(&a.file),
        }
    });
    if let Err(e) = result {
        eprintln!("cdp_load: {e}");
        std::process::exit(1);
    }
}

// ---------------------------------------------------------------------------------------------
// serve

/// A generated certificate: PEM of the certificate and of its PKCS#8 key.
struct Made {
    cert_pem: String,
    key_pem: String,
    der: Vec<u8>,
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

/// A root CA, a service certificate for [`FQDN`] it signed, and a self-signed management
/// certificate (ECDSA P-256 throughout: ring cannot generate RSA keys).
fn certificates() -> (Made, Made, Made) {
    let now = time::OffsetDateTime::now_utc();
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::default();
    ca.distinguished_name = dn("cloudsite Bench Root CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = now - time::Duration::days(1);
    ca.not_after = now + time::Duration::days(365);
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::from_params(&ca, &ca_key);

    let svc_key = KeyPair::generate().expect("service key");
    let mut svc = CertificateParams::default();
    svc.distinguished_name = dn(FQDN);
    svc.subject_alt_names = vec![SanType::DnsName(
        FQDN.to_string().try_into().expect("DNS name"),
    )];
    svc.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    svc.not_before = ca.not_before;
    svc.not_after = ca.not_after;
    let svc_cert = svc
        .signed_by(&svc_key, &issuer)
        .expect("service certificate");

    let mgmt_key = KeyPair::generate().expect("management key");
    let mut mgmt = CertificateParams::default();
    mgmt.distinguished_name = dn("cloudsite bench management");
    mgmt.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    mgmt.not_before = ca.not_before;
    mgmt.not_after = ca.not_after;
    let mgmt_cert = mgmt.self_signed(&mgmt_key).expect("management certificate");

    let made = |cert: rcgen::Certificate, key: &KeyPair| Made {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        der: cert.der().to_vec(),
    };
    (
        made(ca_cert, &ca_key),
        made(svc_cert, &svc_key),
        made(mgmt_cert, &mgmt_key),
    )
}

/// Writes through to `inner`, hashing and counting what passes.
struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
    len: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Encrypts `plain_len` pseudo-random bytes with a fresh package key into `path`, as the site's
/// content library stores a package file; returns the encrypted file's SHA-256 (hex) and size.
fn make_package_file(path: &Path, plain_len: u64, seed: u64) -> (String, u64) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("library folder");
    }
    let file = std::fs::File::create(path).expect("package file");
    let out = HashingWriter {
        inner: std::io::BufWriter::with_capacity(1 << 20, file),
        hash: Sha256::new(),
        len: 0,
    };
    let key = PackageKey::generate().expect("package key");
    let mut enc = Encryptor::new(&key, out).expect("encryptor");
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut block = vec![0u8; 1 << 20];
    let mut left = plain_len;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        let n = usize::try_from(left.min(block.len() as u64)).unwrap_or(block.len());
        enc.push(&block[..n]).expect("encrypt");
        left -= n as u64;
    }
    let (out, _) = enc.finish().expect("encrypt");
    let HashingWriter { inner, hash, len } = out;
    inner
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .expect("write package file");
    (hex::encode(hash.finalize()), len)
}

async fn wait_running(p: &LocalProvider, c: &Caller) -> Result<ServiceStatus, String> {
    for _ in 0..600 {
        match p.status(c, SERVICE).await {
            Ok(Some(s)) if s.state == DeploymentState::Running => return Ok(s),
            Ok(Some(s)) if s.state == DeploymentState::Stopped => {
                return Err(format!("{SERVICE} stopped instead of running"));
            }
            Ok(_) => {}
            Err(e) => return Err(format!("status of {SERVICE}: {e}")),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("{SERVICE} never reached Running"))
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Quotes a value for a POSIX shell.
fn sh_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

async fn serve(a: ServeArgs) -> Result<(), String> {
    install_crypto_provider();
    std::fs::create_dir_all(&a.dir).map_err(|e| format!("{}: {e}", a.dir.display()))?;
    let dir = std::fs::canonicalize(&a.dir).map_err(|e| format!("{}: {e}", a.dir.display()))?;
    let data_dir = dir.join("cloud");
    let tls_dir = dir.join("tls");
    std::fs::create_dir_all(&tls_dir).map_err(|e| format!("{}: {e}", tls_dir.display()))?;

    let (ca, svc, mgmt) = certificates();
    let root_pem = tls_dir.join("root-ca.pem");
    let chain_pem = tls_dir.join("service-chain.pem");
    let key_pem = tls_dir.join("service-key.pem");
    let chain = format!("{}{}", svc.cert_pem, ca.cert_pem);
    write_file(&root_pem, &ca.cert_pem)?;
    write_file(&chain_pem, &chain)?;
    write_file(&key_pem, &svc.key_pem)?;

    let cloud = LocalCloud::start(LocalCloudConfig {
        data_dir: data_dir.clone(),
        provisioning_delay: Duration::from_millis(100),
        storage: match &a.azurite {
            Some(url) => StorageConfig::Azure(AzureStorage::azurite(url, "bench")),
            None => StorageConfig::Folder,
        },
        ..LocalCloudConfig::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    register_subscription(&data_dir, SUBSCRIPTION, &mgmt.der, Some("Benchmark"))
        .map_err(|e| e.to_string())?;
    let p = cloud.provider().map_err(|e| e.to_string())?;
    let c = Caller {
        subscription: Subscription {
            id: SUBSCRIPTION.to_string(),
            management_cert_pem: mgmt.cert_pem.clone(),
            management_key_pem: mgmt.key_pem.clone(),
        },
        proxy: None,
    };
    p.check_subscription(&c).await.map_err(|e| e.to_string())?;

    let mut access_key = [0u8; 32];
    getrandom::fill(&mut access_key).map_err(|e| e.to_string())?;
    let b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(access_key)
    };
    p.create_container(&c, ACCOUNT, CONTENT_CONTAINER)
        .await
        .map_err(|e| format!("create the storage container: {e}"))?;
    let spec = DeploySpec {
        name: SERVICE.to_string(),
        kind: HostedKind::Cdp,
        region: "WestEurope".to_string(),
        instances: a.instances,
        service_cert_pem: chain.clone(),
        service_key_pem: svc.key_pem.clone(),
        storage_account: Some(ACCOUNT.to_string()),
        tls12_only: true,
        access_key: Some(b64),
        gateway: None,
    };
    p.deploy(&c, &spec)
        .await
        .map_err(|e| format!("deploy: {e}"))?;

    // A new storage account takes a moment to provision; its container appears once it has.
    let mut ready = false;
    for _ in 0..600 {
        if p.container_exists(&c, ACCOUNT, CONTENT_CONTAINER)
            .await
            .map_err(|e| e.to_string())?
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !ready {
        return Err("the storage container never appeared".into());
    }

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let container_dir = data_dir
        .join("storage")
        .join(ACCOUNT)
        .join(CONTENT_CONTAINER);
    let mut files = serde_json::Map::new();
    let mut env = String::new();
    let plan = [
        (
            "large",
            LARGE_PKG,
            "large.bin",
            a.large_mib * 1024 * 1024,
            1,
        ),
        ("small", SMALL_PKG, "small.bin", a.small_bytes, 2),
    ];
    for (label, pkg, name, plain_len, seed) in plan {
        let local = dir.join("library").join(pkg).join(name);
        let started = Instant::now();
        let (sha, size) = tokio::task::spawn_blocking({
            let local = local.clone();
            move || make_package_file(&local, plain_len, seed)
        })
        .await
        .map_err(|e| e.to_string())?;
        let encrypted_in = started.elapsed();
        let blob = format!("{pkg}/{name}");
        let target = BlobTarget {
            account: ACCOUNT.to_string(),
            container: CONTENT_CONTAINER.to_string(),
            blob: blob.clone(),
        };
        let started = Instant::now();
        p.put_blob(&c, &target, &local, &sha)
            .await
            .map_err(|e| format!("upload {blob}: {e}"))?;
        eprintln!(
            "{label}: {blob}, {size} bytes encrypted in {:.1} s, uploaded in {:.1} s",
            encrypted_in.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
        let token = token::issue(
            &access_key,
            &Claims {
                svc: SERVICE.to_string(),
                pkg: pkg.to_string(),
                iat: now,
                exp: now + 7 * 24 * 3600,
            },
        );
        let on_disk = container_dir.join(pkg).join(name);
        let url_path = format!("/content/{blob}");
        let upper = label.to_ascii_uppercase();
        env.push_str(&format!(
            "{upper}_PATH={}\n{upper}_TOKEN={}\n{upper}_SIZE={size}\n{upper}_BLOB={}\n",
            sh_quote(&url_path),
            sh_quote(&token),
            sh_quote(&on_disk.display().to_string()),
        ));
        files.insert(
            label.to_string(),
            json!({
                "blob": blob,
                "url_path": url_path,
                "size": size,
                "plain_size": plain_len,
                "sha256": sha,
                "token": token,
                "blob_path": on_disk,
            }),
        );
    }

    let status = wait_running(&p, &c).await?;
    let addresses: Vec<SocketAddr> = status.instances.iter().filter_map(|i| i.address).collect();
    if addresses.is_empty() {
        return Err(format!("{SERVICE} runs without an address"));
    }
    let info = json!({
        "fqdn": FQDN,
        "instances": addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "root_ca_pem": root_pem,
        "service_cert_pem": chain_pem,
        "service_key_pem": key_pem,
        "container_dir": container_dir,
        "files": files,
    });
    let text = serde_json::to_string_pretty(&info).map_err(|e| e.to_string())?;
    let addr_list = addresses
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    env = format!(
        "FQDN={}\nINSTANCES={}\nROOT_CA={}\nSERVICE_CERT={}\nSERVICE_KEY={}\nCONTAINER_DIR={}\n{env}",
        sh_quote(FQDN),
        sh_quote(&addr_list),
        sh_quote(&root_pem.display().to_string()),
        sh_quote(&chain_pem.display().to_string()),
        sh_quote(&key_pem.display().to_string()),
        sh_quote(&container_dir.display().to_string()),
    );
    // bench.json last, through a rename: a script waiting for it finds everything in place.
    write_file(&dir.join("bench.env"), &env)?;
    let tmp = dir.join(".bench.json");
    write_file(&tmp, &text)?;
    std::fs::rename(&tmp, dir.join("bench.json")).map_err(|e| e.to_string())?;
    println!("{text}");
    eprintln!("serving {FQDN} on {addr_list}; Ctrl-C to stop");

    wait_for_signal().await;
    match p.egress(&c, SERVICE).await {
        Ok(bytes) => eprintln!("egress: {bytes} bytes"),
        Err(e) => eprintln!("egress: {e}"),
    }
    cloud.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

// ---------------------------------------------------------------------------------------------
// load

/// What every connection fetches, and where from.
struct Target {
    host: String,
    addrs: Vec<SocketAddr>,
    request: Vec<u8>,
    connector: tokio_rustls::TlsConnector,
    server_name: rustls::pki_types::ServerName<'static>,
    read_buf: usize,
}

/// One connection's tally.
#[derive(Default)]
struct Tally {
    requests: u64,
    bytes: u64,
    errors: u64,
    connects: u64,
    latencies_us: Vec<u32>,
    first_error: Option<String>,
}

impl Tally {
    fn error(&mut self, e: impl std::fmt::Display) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(e.to_string());
        }
    }
}

fn parse_resolve(entries: &[String], host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let mut addrs = Vec::new();
    for entry in entries {
        let bad = || format!("--resolve '{entry}': expected HOST:IP or HOST:IP:PORT");
        let (name, addr) = entry.split_once(':').ok_or_else(bad)?;
        if !name.eq_ignore_ascii_case(host) {
            continue;
        }
        let addr = match addr.parse::<SocketAddr>() {
            Ok(a) => a,
            Err(_) => SocketAddr::new(addr.parse::<IpAddr>().map_err(|_| bad())?, port),
        };
        addrs.push(addr);
    }
    Ok(addrs)
}

fn client_tls(trust: &Path) -> Result<tokio_rustls::TlsConnector, String> {
    let pem = std::fs::read_to_string(trust).map_err(|e| format!("{}: {e}", trust.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs_from_pem(&pem).map_err(|e| format!("{}: {e}", trust.display()))? {
        roots
            .add(cert)
            .map_err(|e| format!("{}: {e}", trust.display()))?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

async fn load(a: LoadArgs) -> Result<(), String> {
    install_crypto_provider();
    let url = reqwest::Url::parse(&a.url).map_err(|e| format!("--url: {e}"))?;
    if url.scheme() != "https" {
        return Err("--url: only https:// URLs are measured".into());
    }
    let host = url.host_str().ok_or("--url has no host")?.to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let mut addrs = parse_resolve(&a.resolve, &host, port)?;
    if addrs.is_empty() {
        addrs = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| format!("resolve {host}: {e}"))?
            .collect();
    }
    if addrs.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path = format!("{path}?{q}");
    }
    let host_header = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: cdp_load\r\n");
    if let Some(t) = &a.token {
        request.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    request.push_str("Accept: */*\r\n\r\n");
    let server_name = rustls::pki_types::ServerName::try_from(host.clone())
        .map_err(|e| format!("--url host: {e}"))?;
    let target = Arc::new(Target {
        host,
        addrs,
        request: request.into_bytes(),
        connector: client_tls(&a.trust)?,
        server_name,
        read_buf: a.read_kib.max(16) * 1024,
    });
    let concurrency = a.concurrency.max(1);
    let seconds = a.duration.unwrap_or(10.0);
    if a.requests.is_none() && !(seconds.is_finite() && seconds > 0.0) {
        return Err("--duration must be a positive number of seconds".into());
    }
    // In --requests mode, a shared budget; in --duration mode, a deadline.
    let budget = Arc::new(AtomicI64::new(
        a.requests
            .map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX)),
    ));
    let start = Instant::now();
    let deadline = match a.requests {
        Some(_) => None,
        None => Some(start + Duration::from_secs_f64(seconds)),
    };
    let mut tasks = Vec::with_capacity(concurrency);
    for i in 0..concurrency {
        let target = target.clone();
        let budget = budget.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let work = connection(i, &target, &budget, &mut tally);
            match deadline {
                // Dropping the connection at the deadline keeps the body bytes read so far.
                Some(at) => {
                    let _ = tokio::time::timeout_at(at.into(), work).await;
                }
                None => work.await,
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for task in tasks {
        let t = task.await.map_err(|e| e.to_string())?;
        total.requests += t.requests;
        total.bytes += t.bytes;
        total.errors += t.errors;
        total.connects += t.connects;
        total.latencies_us.extend(t.latencies_us);
        if total.first_error.is_none() {
            total.first_error = t.first_error;
        }
    }
    let elapsed = match deadline {
        Some(at) => at.saturating_duration_since(start),
        None => start.elapsed(),
    }
    .as_secs_f64();
    total.latencies_us.sort_unstable();
    let pct = |p: f64| -> f64 {
        let l = &total.latencies_us;
        if l.is_empty() {
            return 0.0;
        }
        let i = ((l.len() as f64 * p).ceil() as usize).clamp(1, l.len()) - 1;
        f64::from(l[i]) / 1000.0
    };
    let mb_s = total.bytes as f64 / elapsed / 1e6;
    let req_s = total.requests as f64 / elapsed;
    let (p50, p99, max) = (pct(0.50), pct(0.99), pct(1.0));
    if a.json {
        let line = json!({
            "label": a.label,
            "url": a.url,
            "addresses": target.addrs.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "concurrency": concurrency,
            "client_threads": a.threads.max(1),
            "seconds": (elapsed * 100.0).round() / 100.0,
            "requests": total.requests,
            "errors": total.errors,
            "connections": total.connects,
            "bytes": total.bytes,
            "mb_per_s": (mb_s * 10.0).round() / 10.0,
            "req_per_s": (req_s * 10.0).round() / 10.0,
            "latency_ms": { "p50": p50, "p99": p99, "max": max },
            "first_error": total.first_error,
        });
        println!("{line}");
    } else {
        println!(
            "GET {} from {} connection(s) to {} for {elapsed:.1} s",
            a.url,
            concurrency,
            target
                .addrs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  {} requests ({req_s:.1}/s), {} errors, {} connections",
            total.requests, total.errors, total.connects
        );
        println!(
            "  {:.1} MB received: {mb_s:.1} MB/s ({:.1} MiB/s)",
            total.bytes as f64 / 1e6,
            total.bytes as f64 / elapsed / 1_048_576.0
        );
        println!("  latency p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms");
        if let Some(e) = &total.first_error {
            println!("  first error: {e}");
        }
    }
    if total.requests == 0 && total.errors > 0 {
        return Err(format!(
            "every request failed: {}",
            total.first_error.unwrap_or_default()
        ));
    }
    Ok(())
}

type Tls = tokio_rustls::client::TlsStream<BufReader<TcpStream>>;

/// Keeps one connection busy until the budget is spent (or the caller's deadline drops it),
/// reconnecting after an error or a `Connection: close`.
async fn connection(index: usize, target: &Target, budget: &AtomicI64, tally: &mut Tally) {
    let addr = target.addrs[index % target.addrs.len()];
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        if budget.load(Ordering::Relaxed) <= 0 {
            return;
        }
        let mut tls = match connect(target, addr).await {
            Ok(tls) => tls,
            Err(e) => {
                tally.error(format!("connect {addr}: {e}"));
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        tally.connects += 1;
        loop {
            if budget.fetch_sub(1, Ordering::Relaxed) <= 0 {
                return;
            }
            let started = Instant::now();
            match exchange(&mut tls, &target.request, &mut buf, tally).await {
                Ok(Exchange { status, keep_alive }) => {
                    if (200..300).contains(&status) {
                        tally.requests += 1;
                        let us = started.elapsed().as_micros();
                        tally
                            .latencies_us
                            .push(u32::try_from(us).unwrap_or(u32::MAX));
                    } else {
                        tally.error(format!("HTTP {status} from {addr} ({})", target.host));
                    }
                    if !keep_alive {
                        break;
                    }
                }
                Err(e) => {
                    tally.error(format!("{addr}: {e}"));
                    break;
                }
            }
        }
    }
}

async fn connect(target: &Target, addr: SocketAddr) -> std::io::Result<Tls> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let io = BufReader::with_capacity(target.read_buf, tcp);
    target
        .connector
        .connect(target.server_name.clone(), io)
        .await
}

struct Exchange {
    status: u16,
    keep_alive: bool,
}

fn invalid(message: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message.into())
}

/// Sends the request and reads the response, counting the body bytes of a 2xx response into
/// `tally` as they arrive and discarding them. Only `Content-Length` bodies are understood (what both servers send).
async fn exchange(
    tls: &mut Tls,
    request: &[u8],
    buf: &mut [u8],
    tally: &mut Tally,
) -> std::io::Result<Exchange> {
    tls.write_all(request).await?;
    tls.flush().await?;
    let mut filled = 0;
    let head_end = loop {
        let n = tls.read(&mut buf[filled..]).await?;
        if n == 0 {
            return Err(invalid("connection closed before the response"));
        }
        let from = filled.saturating_sub(3);
        filled += n;
        if let Some(i) = buf[from..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            break from + i + 4;
        }
        if filled == buf.len() {
            return Err(invalid("response head too large"));
        }
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| invalid("head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or_default();
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid(format!("bad status line '{status_line}'")))?;
    let mut length = None;
    let mut keep_alive = version == "HTTP/1.1";
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<u64>()
                    .map_err(|_| invalid("bad Content-Length"))?,
            );
        } else if name.eq_ignore_ascii_case("connection") {
            keep_alive = !value.eq_ignore_ascii_case("close");
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(invalid(format!("Transfer-Encoding {value} not supported")));
        }
    }
    let length = length.ok_or_else(|| invalid(format!("HTTP {status} without Content-Length")))?;
    let early = (filled - head_end) as u64;
    if early > length {
        return Err(invalid("more bytes than Content-Length"));
    }
    if !(200..300).contains(&status) && tally.first_error.is_none() {
        let end = head_end + usize::try_from(early.min(300)).unwrap_or(0);
        tally.first_error = Some(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&buf[head_end..end]).trim()
        ));
    }
    // Only successful bodies count as throughput.
    let counted = u64::from((200..300).contains(&status));
    tally.bytes += early * counted;
    let mut left = length - early;
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = tls.read(&mut buf[..want]).await?;
        if n == 0 {
            return Err(invalid("connection closed in the middle of the body"));
        }
        left -= n as u64;
        tally.bytes += n as u64 * counted;
    }
    Ok(Exchange { status, keep_alive })
}

// ---------------------------------------------------------------------------------------------
// report

fn report(file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    println!(
        "| server | file | connections | seconds | requests | errors | MB/s | req/s | p50 ms | p99 ms |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{}: {e}", file.display()))?;
        let label = v["label"].as_str().unwrap_or_default();
        let (server, what) = label.split_once(' ').unwrap_or((label, ""));
        let num = |k: &str| v[k].as_f64().unwrap_or(0.0);
        println!(
            "| {server} | {what} | {} | {:.0} | {} | {} | {:.1} | {:.1} | {:.2} | {:.2} |",
            v["concurrency"],
            num("seconds"),
            v["requests"],
            v["errors"],
            num("mb_per_s"),
            num("req_per_s"),
            v["latency_ms"]["p50"].as_f64().unwrap_or(0.0),
            v["latency_ms"]["p99"].as_f64().unwrap_or(0.0),
        );
    }
    Ok(())
}
