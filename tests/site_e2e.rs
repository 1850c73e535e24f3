//! End to end over real HTTP with a real `cloudsite serve` process: lab init → create →
//! Ready → stop → start → delete for a CDP and a 3-instance CMG; SIGKILL during provisioning
//! and during stop, then restart; the site's cloud calls through a forwarding proxy and a
//! refusing one.

use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod serve_support;
use serve_support::*;

fn json(site: &Serve, dir: &Path, lab: &Lab, args: &[&str]) -> Value {
    let (ok, out, err) = cli(site, dir, lab, args);
    assert!(ok, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

fn create_args<'a>(
    lab: &'a Lab,
    kind: &'a str,
    sub: &'a str,
    mgmt: &'a str,
    cert: &'a str,
) -> Vec<&'a str> {
    let mut a = vec![
        kind,
        "create",
        "--subscription-id",
        sub,
        "--management-cert",
        mgmt,
        "--management-cert-password-env",
        "PW",
        "--region",
        "WestEurope",
        "--service-cert",
        cert,
        "--service-cert-password-env",
        "PW",
    ];
    let _ = lab;
    a.push("--json");
    a
}

fn addresses(service: &Value) -> Vec<SocketAddr> {
    service["instances"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["address"].as_str())
        .map(|a| a.parse().unwrap())
        .collect()
}

/// GET / on an instance over TLS, trusting only the lab root and naming the service FQDN.
fn https_get(fqdn: &str, addr: SocketAddr, root_ca: &str) -> Result<String, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        cloudsite::tls::install_crypto_provider();
        let root = reqwest::Certificate::from_der(&std::fs::read(root_ca).unwrap()).unwrap();
        let client = reqwest::Client::builder()
            .no_proxy()
            .tls_certs_only([root])
            .resolve(fqdn, addr)
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let r = client
            .get(format!("https://{fqdn}:{}/", addr.port()))
            .send()
            .await
            .map_err(|e| format!("{e:?}"))?;
        if !r.status().is_success() {
            return Err(format!("status {}", r.status()));
        }
        r.text().await.map_err(|e| e.to_string())
    })
}

fn refuses(addr: SocketAddr) -> bool {
    std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err()
}

fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn lifecycle(kind: &str, prefix: &str, instances: usize) {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path());
    // Long enough that the new storage account (a third of it) is not ready at the first check.
    let site = serve(dir.path(), 600);
    let (sub, mgmt, cert) = (
        lab.s("subscription_id"),
        lab.json["management"]["pfx"].as_str().unwrap().to_string(),
        lab.pfx(prefix),
    );
    let mut args = create_args(&lab, kind, &sub, &mgmt, &cert);
    let n = instances.to_string();
    if kind == "cmg" {
        args.extend(["--vm-instances", &n]);
    }
    args.push("--wait");
    let task = json(&site, dir.path(), &lab, &args);
    assert_eq!(task["state"], "completed", "{task}");
    let fqdn = format!("{prefix}.lab.contoso.com");
    let svc = json(&site, dir.path(), &lab, &[kind, "show", &fqdn, "--json"]);
    assert_eq!(svc["status"], "Ready");
    let addrs = addresses(&svc);
    assert_eq!(addrs.len(), instances);
    let root = lab.s("root_ca");
    for a in &addrs {
        let body = https_get(&fqdn, *a, &root).unwrap_or_else(|e| panic!("{a}: {e}"));
        assert!(body.contains("ready"), "{body}");
    }
    // 9409 (CDP) / 9452 (CMG) recorded as status message and in CloudMgr.log.
    let msgs = json(&site, dir.path(), &lab, &["status-messages", "--json"]);
    let id = if kind == "cdp" { 9409 } else { 9452 };
    assert!(
        msgs.as_array()
            .unwrap()
            .iter()
            .any(|m| m["message_id"] == id),
        "{msgs}"
    );
    let log = std::fs::read_to_string(dir.path().join("data/logs/CloudMgr.log")).unwrap();
    assert!(log.contains(&format!("STATMSG: ID={id}")), "{log}");
    assert!(log.contains("Starting to Deploy Service"));
    assert!(
        log.contains("Waiting for check if container exists. Will check again in"),
        "provisioning waits for the container"
    );
    assert!(log.contains("ReadyRole"));
    assert!(log.contains("<![LOG["), "CMTrace format");

    let (ok, _, err) = cli(&site, dir.path(), &lab, &[kind, "stop", &fqdn, "--wait"]);
    assert!(ok, "{err}");
    assert_eq!(
        json(&site, dir.path(), &lab, &[kind, "show", &fqdn, "--json"])["status"],
        "Stopped"
    );
    for a in &addrs {
        assert!(refuses(*a), "{a} still accepts connections after stop");
    }
    let (ok, _, err) = cli(&site, dir.path(), &lab, &[kind, "start", &fqdn, "--wait"]);
    assert!(ok, "{err}");
    let svc = json(&site, dir.path(), &lab, &[kind, "show", &fqdn, "--json"]);
    assert_eq!(svc["status"], "Ready");
    for a in addresses(&svc) {
        https_get(&fqdn, a, &root).unwrap_or_else(|e| panic!("{a} after start: {e}"));
    }
    let storage = dir.path().join("data/cloud/storage").join(prefix);
    if kind == "cdp" || kind == "cmg" {
        assert!(
            storage.exists(),
            "storage container folder {}",
            storage.display()
        );
    }
    let (ok, _, err) = cli(
        &site,
        dir.path(),
        &lab,
        &[kind, "delete", &fqdn, "--yes", "--wait"],
    );
    assert!(ok, "{err}");
    let list = json(&site, dir.path(), &lab, &[kind, "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 0);
    for a in addresses(&svc) {
        assert!(refuses(a), "{a} still serves after delete");
    }
    assert!(
        !storage.join("content").exists(),
        "content still on disk after delete"
    );
}

#[test]
fn cdp_lifecycle_over_a_real_serve_process() {
    lifecycle("cdp", "cdp1", 2);
}

#[test]
fn cmg_with_three_instances_lifecycle() {
    lifecycle("cmg", "cmg1", 3);
}

fn kill9(site: &mut Serve) {
    let pid = site.child.id().to_string();
    let status = Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(status.success());
    let _ = site.child.wait();
}

fn task_of(v: &Value) -> String {
    v["task"]["id"].as_str().unwrap().to_string()
}

#[test]
fn sigkill_during_provisioning_and_during_stop_then_restart_completes() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path());
    let mut site = serve(dir.path(), 1500);
    let (sub, mgmt, cert) = (
        lab.s("subscription_id"),
        lab.json["management"]["pfx"].as_str().unwrap().to_string(),
        lab.pfx("cdp1"),
    );
    let accepted = json(
        &site,
        dir.path(),
        &lab,
        &create_args(&lab, "cdp", &sub, &mgmt, &cert),
    );
    let task = task_of(&accepted);
    wait_until("the create task to wait for the cloud", 20, || {
        let t = json(
            &site,
            dir.path(),
            &lab,
            &["cdp", "show", "cdp1.lab.contoso.com", "--json"],
        );
        t["status"] == "Provisioning" && !t["instances"].as_array().unwrap().is_empty()
    });
    kill9(&mut site);
    let site = serve(dir.path(), 300);
    wait_until("the resumed create task to complete", 30, || {
        let (ok, out, _) = cli(&site, dir.path(), &lab, &["status-messages", "--json"]);
        ok && out.contains("9409")
    });
    let svc = json(
        &site,
        dir.path(),
        &lab,
        &["cdp", "show", "cdp1.lab.contoso.com", "--json"],
    );
    assert_eq!(svc["status"], "Ready", "{svc}");
    let msgs = json(&site, dir.path(), &lab, &["status-messages", "--json"]);
    assert!(
        msgs.as_array()
            .unwrap()
            .iter()
            .any(|m| m["message_id"] == 9459),
        "resume recorded: {msgs}"
    );
    let _ = task;

    // The same during stop.
    let mut site = site;
    drop(std::mem::replace(&mut site, serve_placeholder()));
    let mut site = serve(dir.path(), 1500);
    let accepted = json(
        &site,
        dir.path(),
        &lab,
        &["cdp", "stop", "cdp1.lab.contoso.com", "--json"],
    );
    assert_eq!(accepted["service"]["status"], "Ready");
    wait_until("the stop task to reach the cloud", 20, || {
        json(
            &site,
            dir.path(),
            &lab,
            &["cdp", "show", "cdp1.lab.contoso.com", "--json"],
        )["status"]
            == "Stopping"
    });
    kill9(&mut site);
    let site = serve(dir.path(), 300);
    wait_until("the resumed stop to finish", 30, || {
        json(
            &site,
            dir.path(),
            &lab,
            &["cdp", "show", "cdp1.lab.contoso.com", "--json"],
        )["status"]
            == "Stopped"
    });
    let svc = json(
        &site,
        dir.path(),
        &lab,
        &["cdp", "show", "cdp1.lab.contoso.com", "--json"],
    );
    for a in addresses(&svc) {
        assert!(refuses(a));
    }
}

/// A stand-in so a `Serve` can be moved out and dropped (killing its process) mid-test.
fn serve_placeholder() -> Serve {
    let child = Command::new("true").spawn().unwrap();
    Serve {
        child,
        url: String::new(),
    }
}

/// A forwarding HTTP CONNECT proxy on loopback that counts CONNECTs; with `refuse`, it answers
/// 407 to every request instead.
fn start_proxy(refuse: bool) -> (u16, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { continue };
            let c = Arc::clone(&c);
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let Some(target) = text
                    .strip_prefix("CONNECT ")
                    .and_then(|r| r.split_whitespace().next())
                else {
                    return;
                };
                c.fetch_add(1, Ordering::SeqCst);
                if refuse {
                    let _ = client.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n");
                    return;
                }
                let Ok(mut upstream) = std::net::TcpStream::connect(target) else {
                    return;
                };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut u2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Both);
                });
                let _ = std::io::copy(&mut client, &mut upstream);
                let _ = upstream.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    (port, count)
}

#[test]
fn cloud_calls_go_through_the_site_server_proxy_and_a_refusing_proxy_fails_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path());
    let site = serve(dir.path(), 100);
    let (sub, mgmt) = (
        lab.s("subscription_id"),
        lab.json["management"]["pfx"].as_str().unwrap().to_string(),
    );

    let (port, count) = start_proxy(false);
    let p = port.to_string();
    let (ok, _, err) = cli(
        &site,
        dir.path(),
        &lab,
        &[
            "proxy",
            "set",
            "SITESERVER",
            "--enable",
            "yes",
            "--server",
            "127.0.0.1",
            "--port",
            &p,
        ],
    );
    assert!(ok, "{err}");
    let cert = lab.pfx("cdp1");
    let mut args = create_args(&lab, "cdp", &sub, &mgmt, &cert);
    args.push("--wait");
    let task = json(&site, dir.path(), &lab, &args);
    assert_eq!(task["state"], "completed", "{task}");
    assert!(
        count.load(Ordering::SeqCst) > 0,
        "no CONNECT reached the proxy"
    );

    let (bad_port, bad_count) = start_proxy(true);
    let p = bad_port.to_string();
    let (ok, _, err) = cli(
        &site,
        dir.path(),
        &lab,
        &[
            "proxy",
            "set",
            "SITESERVER",
            "--enable",
            "yes",
            "--server",
            "127.0.0.1",
            "--port",
            &p,
        ],
    );
    assert!(ok, "{err}");
    let cert = lab.pfx("cdp2");
    let mut args = create_args(&lab, "cdp", &sub, &mgmt, &cert);
    args.push("--wait");
    let (ok, out, err) = cli(&site, dir.path(), &lab, &args);
    assert!(!ok, "create through a refusing proxy must fail: {out}");
    assert!(
        err.to_lowercase().contains("proxy"),
        "the failure names the proxy: {err}"
    );
    assert!(bad_count.load(Ordering::SeqCst) > 0);
    let svc = json(
        &site,
        dir.path(),
        &lab,
        &["cdp", "show", "cdp2.lab.contoso.com", "--json"],
    );
    assert_eq!(svc["status"], "Error");
    assert!(
        svc["status_details"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("proxy")
    );
    let alerts = json(&site, dir.path(), &lab, &["alerts", "list", "--json"]);
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["type_id"] == "proxy_failure"
                && a["state"] == "active"
                && a["service_fqdn"] == "cdp2.lab.contoso.com"),
        "{alerts}"
    );
    // For people, the list names the service each alert is about.
    let (ok, table, err) = cli(&site, dir.path(), &lab, &["alerts", "list"]);
    assert!(ok, "{err}");
    assert!(
        table.lines().next().is_some_and(|h| h.contains("SERVICE"))
            && table.contains("cdp2.lab.contoso.com"),
        "{table}"
    );
    let msgs = json(&site, dir.path(), &lab, &["status-messages", "--json"]);
    assert!(
        msgs.as_array()
            .unwrap()
            .iter()
            .any(|m| m["message_id"] == 9458)
    );

    // The proxy works again: the next task that reaches the cloud clears the proxy alert.
    let p = port.to_string();
    let (ok, _, err) = cli(
        &site,
        dir.path(),
        &lab,
        &[
            "proxy",
            "set",
            "SITESERVER",
            "--enable",
            "yes",
            "--server",
            "127.0.0.1",
            "--port",
            &p,
        ],
    );
    assert!(ok, "{err}");
    // (Any certificate the lab made for a service will do for a third one.)
    let cert = lab.pfx("cmg2");
    let mut args = create_args(&lab, "cdp", &sub, &mgmt, &cert);
    args.push("--wait");
    let task = json(&site, dir.path(), &lab, &args);
    assert_eq!(task["state"], "completed", "{task}");
    let alerts = json(&site, dir.path(), &lab, &["alerts", "list", "--json"]);
    let proxy: Vec<_> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type_id"] == "proxy_failure")
        .collect();
    assert!(
        !proxy.is_empty() && proxy.iter().all(|a| a["state"] == "canceled"),
        "the proxy alert clears once the proxy works: {alerts}"
    );
}
