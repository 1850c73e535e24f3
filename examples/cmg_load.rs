//! Load benchmark for the cloud management gateway (see `bench/README.md`, "Gateway").
//!
//! `setup` creates a CMG (one VM, trusting the lab root, revocation checked) on a running
//! `cloudsite serve` and a connection point the site runs, and waits until it is Connected.
//! `rate` sends `GET /v1/mp/policy` from N keep-alive clients for a while, to the management
//! point directly or through the CMG, and reports requests/s and latency. `hold` opens N client
//! notification channels through the CMG (one TLS connection each, spread over several loopback
//! source addresses) and keeps them idle, reporting the gateway process's memory per channel.
//!
//! Every figure is printed as one JSON line; the script turns them into the README's table.

use clap::{Args, Parser, Subcommand};
use cloudsite::api::client::Client;
use cloudsite::api::wire::{
    AddConnectionPoint, CertUpload, CreateCmg, SubscriptionInput, TrustedRootUpload,
};
use cloudsite::domain::cmg::ChannelState;
use cloudsite::domain::service::HostedKind;
use cloudsite::domain::task::TaskState;
use cloudsite::tls::{certs_from_pem, install_crypto_provider, key_from_pem, provider};
use futures_util::StreamExt;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

#[derive(Parser)]
#[command(about = "Load benchmark for a cloud management gateway of the local cloud")]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Create the CMG and its connection point on a running site; print where it is.
    Setup(Site),
    /// Requests/s and latency of GET /v1/mp/policy, direct or through the CMG.
    Rate(RateArgs),
    /// Hold N idle client notification channels through the CMG; memory per channel.
    Hold(HoldArgs),
}

#[derive(Args, Clone)]
struct Site {
    /// The lab folder (`cloudsite lab init`).
    #[arg(long)]
    lab: PathBuf,
    /// The site's URL.
    #[arg(long)]
    site: String,
    /// A Full Administrator token file.
    #[arg(long)]
    token_file: PathBuf,
}

#[derive(Args)]
struct RateArgs {
    #[command(flatten)]
    site: Site,
    /// Through the CMG (else straight to the management point).
    #[arg(long)]
    via_cmg: bool,
    /// Concurrent keep-alive clients.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Seconds measured (after one second of warm-up).
    #[arg(long, default_value_t = 10)]
    secs: u64,
    /// The serving process: its CPU time per request is reported too (a figure that a
    /// shared machine's other load disturbs less than requests/s).
    #[arg(long)]
    pid: Option<u32>,
}

#[derive(Args)]
struct HoldArgs {
    #[command(flatten)]
    site: Site,
    /// Channels to hold.
    #[arg(long)]
    count: usize,
    /// Loopback source addresses to spread them over (127.0.0.1 …), against ephemeral port
    /// exhaustion.
    #[arg(long, default_value_t = 4)]
    sources: u8,
    /// The gateway process (its RSS is read from /proc).
    #[arg(long)]
    pid: u32,
    /// Handshakes in flight at once.
    #[arg(long, default_value_t = 128)]
    parallel: usize,
}

/// The CMG's name: the lab's first CMG certificate.
const CMG: &str = "cmg1.lab.contoso.com";
const POLICY: &str = "/v1/mp/policy";
const NOTIFICATIONS: &str = "/v1/mp/notifications";

fn lab_json(lab: &Path) -> Value {
    let bytes = std::fs::read(lab.join("lab.json")).expect("lab.json");
    serde_json::from_slice(&bytes).expect("lab.json is JSON")
}

fn b64_file(path: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).expect("a lab file"))
}

fn site_client(site: &Site) -> Client {
    let token = std::fs::read_to_string(&site.token_file).expect("the token file");
    Client::new(&site.site, token.trim(), None).expect("a site client")
}

fn cmg_cert(lab: &Value) -> String {
    lab["cmg_certs"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["fqdn"] == CMG))
        .and_then(|c| c["pfx"].as_str())
        .expect("the lab's cmg1 certificate")
        .to_string()
}

async fn setup(site: Site) {
    let lab = lab_json(&site.lab);
    let client = site_client(&site);
    let password = lab["password"].as_str().expect("password").to_string();
    let upload = |path: &str| CertUpload {
        file_base64: b64_file(path),
        password: password.clone().into(),
    };
    let req = CreateCmg {
        subscription: SubscriptionInput {
            subscription_id: lab["subscription_id"].as_str().map(str::to_string),
            environment: Default::default(),
            management_certificate: upload(lab["management"]["pfx"].as_str().expect("mgmt")),
        },
        service_certificate: upload(&cmg_cert(&lab)),
        description: "gateway benchmark".into(),
        region: "WestEurope".into(),
        vm_instances: Some(1),
        trusted_roots: vec![TrustedRootUpload {
            file_base64: b64_file(lab["root_ca"].as_str().expect("root")),
            kind: "root".into(),
        }],
        ..CreateCmg::default()
    };
    let accepted = client.create_cmg(&req).await.expect("create the CMG");
    let cmg_id = accepted.service.id.clone();
    loop {
        let task = client.task(&accepted.task.id).await.expect("the task");
        match task.state {
            TaskState::Completed => break,
            TaskState::Failed => panic!("the CMG failed: {task:?}"),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let cp = client
        .add_connection_point(
            &cmg_id,
            &AddConnectionPoint {
                site_system: client
                    .site_systems()
                    .await
                    .expect("site systems")
                    .first()
                    .map(|s| s.name.clone())
                    .expect("the site server"),
                external: false,
            },
        )
        .await
        .expect("a connection point");
    let start = Instant::now();
    loop {
        let all = client.connection_points(None).await.expect("points");
        if all
            .iter()
            .any(|c| c.id == cp.id && c.state == ChannelState::Connected)
        {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "never connected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let view = client.service(HostedKind::Cmg, &cmg_id).await.expect("cmg");
    println!(
        "{}",
        json!({"cmg": view.service_fqdn, "address": view.instances[0].address})
    );
}

/// Where the CMG's first instance listens.
async fn cmg_address(site: &Site) -> SocketAddr {
    let view = site_client(site)
        .service(HostedKind::Cmg, CMG)
        .await
        .expect("the CMG");
    view.instances[0]
        .address
        .as_deref()
        .and_then(|a| a.parse().ok())
        .expect("the CMG serves")
}

/// TLS to the CMG trusting the lab root, presenting the lab's valid client certificate.
fn cmg_tls(lab_dir: &Path) -> TlsConnector {
    let lab = lab_json(lab_dir);
    let mut roots = rustls::RootCertStore::empty();
    let root = std::fs::read(lab["root_ca"].as_str().expect("root")).expect("root file");
    for der in cloudsite::client::root_ders(&root).expect("root") {
        roots.add(der.into()).expect("a root");
    }
    let pfx = lab["client_certs"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["kind"] == "valid"))
        .and_then(|c| c["pfx"].as_str())
        .expect("a valid client certificate");
    let opts = cloudsite::cert::Options::new().password(lab["password"].as_str().unwrap_or(""));
    let (_, identity) = cloudsite::cert::inspect_identity(&std::fs::read(pfx).expect("pfx"), &opts);
    let identity = identity.expect("the client key");
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_client_auth_cert(
            certs_from_pem(&identity.cert_pem()).expect("chain"),
            key_from_pem(&identity.key_pem()).expect("key"),
        )
        .expect("client config");
    TlsConnector::from(Arc::new(config))
}

/// One keep-alive client sending GET `path` until `until`; its latencies in microseconds.
async fn client_loop<IO>(io: IO, host: String, token: Option<String>, until: Instant) -> Vec<u32>
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .expect("HTTP/1.1");
    tokio::spawn(conn);
    let warm = Instant::now() + Duration::from_secs(1);
    let mut out = Vec::new();
    while Instant::now() < until {
        let mut req = axum::http::Request::get(POLICY).header("host", &host);
        if let Some(t) = &token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = req.body(axum::body::Body::empty()).expect("request");
        let sent = Instant::now();
        let resp = send.send_request(req).await.expect("an answer");
        assert!(resp.status().is_success(), "{}", resp.status());
        axum::body::to_bytes(axum::body::Body::new(resp.into_body()), 1 << 20)
            .await
            .expect("the body");
        if sent >= warm {
            out.push(sent.elapsed().as_micros() as u32);
        }
    }
    out
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

async fn rate(args: RateArgs) {
    let until = Instant::now() + Duration::from_secs(args.secs + 1);
    let mut tasks = Vec::new();
    let token = std::fs::read_to_string(&args.site.token_file)
        .expect("token")
        .trim()
        .to_string();
    let (addr, tls) = if args.via_cmg {
        (cmg_address(&args.site).await, Some(cmg_tls(&args.site.lab)))
    } else {
        let url = reqwest::Url::parse(&args.site.site).expect("site URL");
        let addr = url
            .socket_addrs(|| None)
            .expect("site address")
            .into_iter()
            .next()
            .expect("an address");
        (addr, None)
    };
    for _ in 0..args.concurrency {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        tasks.push(match &tls {
            Some(tls) => {
                let name = rustls::pki_types::ServerName::try_from(CMG).expect("name");
                let io = tls.connect(name, tcp).await.expect("TLS to the CMG");
                tokio::spawn(client_loop(io, CMG.to_string(), None, until))
            }
            None => tokio::spawn(client_loop(
                tcp,
                addr.to_string(),
                Some(token.clone()),
                until,
            )),
        });
    }
    let pid = args.pid;
    let cpu_from = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        pid.map(cpu_secs)
    });
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    let cpu = match (cpu_from.await.expect("cpu"), args.pid) {
        (Some(from), Some(pid)) => Some(cpu_secs(pid) - from),
        _ => None,
    };
    all.sort_unstable();
    println!(
        "{}",
        json!({
            "path": if args.via_cmg { "cmg" } else { "direct" },
            "concurrency": args.concurrency,
            "requests": all.len(),
            "rps": all.len() as f64 / args.secs as f64,
            "p50_ms": percentile(&all, 0.50),
            "p99_ms": percentile(&all, 0.99),
            "server_cpu_us_per_request": cpu.map(|c| (c * 1e6 / all.len().max(1) as f64).round()),
        })
    );
}

/// The CPU time (user + system) process `pid` used so far, in seconds.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the name; the kernel
    // counts them in USER_HZ, 100 per second on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// The resident set of process `pid`, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("VmRSS")
}

/// Opens one notification channel from `source`: TLS, the request, the answer's head.
async fn open_channel(
    tls: TlsConnector,
    source: IpAddr,
    addr: SocketAddr,
    n: usize,
) -> Result<TlsStream<TcpStream>, String> {
    // A stalled step is an error, not a hang: the figure says how many got through.
    let step = |what: &'static str| move |_| format!("channel {n}: {what} took over 30 s");
    let limit = Duration::from_secs(30);
    let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket
        .bind(SocketAddr::new(source, 0))
        .map_err(|e| format!("bind {source}: {e}"))?;
    let tcp = tokio::time::timeout(limit, socket.connect(addr))
        .await
        .map_err(step("connect"))?
        .map_err(|e| format!("connect: {e}"))?;
    let name = rustls::pki_types::ServerName::try_from(CMG).map_err(|e| e.to_string())?;
    let mut io = tokio::time::timeout(limit, tls.connect(name, tcp))
        .await
        .map_err(step("the TLS handshake"))?
        .map_err(|e| format!("TLS: {e}"))?;
    let req =
        format!("GET {NOTIFICATIONS} HTTP/1.1\r\nhost: {CMG}\r\naccept: text/event-stream\r\n\r\n");
    // rustls may keep what was written until it is flushed.
    io.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    io.flush().await.map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut byte = [0u8; 512];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let got = tokio::time::timeout(limit, io.read(&mut byte))
            .await
            .map_err(step("the answer"))?
            .map_err(|e| e.to_string())?;
        if got == 0 {
            return Err("closed before the answer".into());
        }
        head.extend_from_slice(&byte[..got]);
    }
    if !head.starts_with(b"HTTP/1.1 200") {
        return Err(String::from_utf8_lossy(&head)
            .lines()
            .next()
            .unwrap_or("")
            .to_string());
    }
    Ok(io)
}

async fn hold(args: HoldArgs) {
    let addr = cmg_address(&args.site).await;
    let tls = cmg_tls(&args.site.lab);
    // Let the gateway settle after the setup's own work before the baseline.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = rss(args.pid);
    let started = Instant::now();
    let sources: Vec<IpAddr> = (1..=args.sources.max(1))
        .map(|i| IpAddr::V4(Ipv4Addr::new(127, 0, 0, i)))
        .collect();
    let mut opened = futures_util::stream::iter(0..args.count)
        .map(|i| open_channel(tls.clone(), sources[i % sources.len()], addr, i))
        .buffer_unordered(args.parallel);
    let mut held = Vec::with_capacity(args.count);
    let mut first_error = None;
    let mut errors = 0usize;
    while let Some(r) = opened.next().await {
        match r {
            Ok(io) => held.push(io),
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let open_secs = started.elapsed().as_secs_f64();
    // Idle: the gateway's memory settles; then the figure.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = rss(args.pid);
    let sampled = site_client(&args.site)
        .service(HostedKind::Cmg, CMG)
        .await
        .ok()
        .and_then(|v| v.gateway)
        .map(|g| g.notification_channels);
    let per = (after.saturating_sub(before)) as f64 / held.len().max(1) as f64;
    println!(
        "{}",
        json!({
            "held": held.len(),
            "asked": args.count,
            "errors": errors,
            "first_error": first_error,
            "open_secs": open_secs,
            "rss_before": before,
            "rss_after": after,
            "bytes_per_channel": per.round(),
            "site_sampled_channels": sampled,
        })
    );
    drop(held);
}

fn main() {
    install_crypto_provider();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        match cli.mode {
            Mode::Setup(site) => setup(site).await,
            Mode::Rate(args) => rate(args).await,
            Mode::Hold(args) => hold(args).await,
        }
    });
}
