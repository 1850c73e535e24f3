//! How clients find the site: embedded in-process, attached to a running `serve` on the same
//! data dir (the lock), TLS off loopback, keyring login; and the event stream's resume.

mod common;

use cloudsite::api::client::Client;
use cloudsite::api::wire::Event;
use cloudsite::site::manager::Timing;
use cloudsite::site::service::{self, CloudChoice, SiteOptions};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_cloudsite");

struct Serve(Child, String);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(args: &[&str]) -> Serve {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `serve` logs to stderr: read it, or a full pipe would stop the service.
    let mut err = child.stderr.take().unwrap();
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("serve printed its URL").unwrap();
        if let Some(u) = line.strip_prefix("cloudsite site service listening on ") {
            break u.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Serve(child, url)
}

fn run(args: &[&str], envs: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("CLOUDSITE_TOKEN")
        .env_remove("CLOUDSITE_SITE")
        .env("CLOUDSITE_CONFIG", "/nonexistent/config.toml");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn with_no_site_configured_a_command_runs_an_embedded_site() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, out, err) = run(
        &[
            "cdp",
            "list",
            "--json",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "[]");
    assert!(
        data.join("site.db").exists(),
        "the embedded site created its database"
    );
    assert!(data.join("admin.token").exists());
    assert!(
        !data.join("site.url").exists(),
        "the embedded site stopped with the command"
    );
}

#[test]
fn a_second_process_uses_the_running_site_and_a_second_serve_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let site = serve(&["--listen", "127.0.0.1:0", "--data-dir", d]);
    // Attach: the command finds the lock taken and talks to the running service.
    let (ok, out, err) = run(
        &["proxy", "show", "SITESRV", "--json", "--data-dir", d],
        &[],
    );
    assert!(
        !ok && err.contains("SITESRV"),
        "talked to the running site: {out} {err}"
    );
    let (ok, out, err) = run(&["status-messages", "--json", "--data-dir", d], &[]);
    assert!(ok, "{err}");
    assert!(out.trim().starts_with('['));
    // Only one services manager per data dir.
    let second = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", d])
        .output()
        .unwrap();
    assert!(!second.status.success());
    let msg = String::from_utf8_lossy(&second.stderr);
    assert!(
        msg.contains("already runs the site") && msg.contains(&site.1),
        "{msg}"
    );
}

#[test]
fn plain_http_off_loopback_is_refused_and_tls_serves_with_the_operators_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    let out = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--data-dir",
            d.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("plain HTTP is allowed on loopback only")
    );

    // A certificate for 127.0.0.1 signed by a test CA.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &rcgen::Issuer::from_params(&ca, &ca_key))
        .unwrap();
    let (cert_file, key_file, ca_file) = (
        dir.path().join("api.crt"),
        dir.path().join("api.key"),
        dir.path().join("ca.crt"),
    );
    std::fs::write(&cert_file, leaf.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();
    let site = serve(&[
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        d.to_str().unwrap(),
        "--tls-cert",
        cert_file.to_str().unwrap(),
        "--tls-key",
        key_file.to_str().unwrap(),
    ]);
    assert!(site.1.starts_with("https://"), "{}", site.1);
    let token = std::fs::read_to_string(d.join("admin.token")).unwrap();
    let (ok, out, err) = run(
        &[
            "--site",
            &site.1,
            "--ca-file",
            ca_file.to_str().unwrap(),
            "cdp",
            "list",
            "--json",
        ],
        &[("CLOUDSITE_TOKEN", token.trim())],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "[]");
    // Without trusting the CA the client refuses the connection.
    let (ok, _, err) = run(
        &["--site", &site.1, "cdp", "list"],
        &[("CLOUDSITE_TOKEN", token.trim())],
    );
    assert!(!ok && err.contains("cannot reach the site"), "{err}");
}

#[test]
fn login_without_a_usable_keyring_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    let site = serve(&["--listen", "127.0.0.1:0", "--data-dir", d.to_str().unwrap()]);
    let mut child = Command::new(BIN)
        .args(["--site", &site.1, "login", "--token-env", "T"])
        .env("T", "cs_not_a_real_token")
        .env("HOME", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    // The token is checked first: a bad token is refused before any keyring is touched.
    assert!(!status.success());
    assert!(err.contains("refused the token"), "{err}");
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !bytes.windows(19).any(|w| w == b"cs_not_a_real_token"),
            "token written to {}",
            entry.display()
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stream_changes_and_resume_from_last_event_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = SiteOptions::new(dir.path());
    opts.cloud = CloudChoice::Embedded {
        provisioning_delay: Duration::from_millis(50),
        faults: Default::default(),
    };
    opts.timing = Timing {
        poll: Duration::from_millis(50),
        container_retry: Duration::from_millis(50),
        ..Timing::default()
    };
    opts.server_name = "SITESRV".into();
    let site = service::start(opts).await.unwrap();
    let client = Client::new(&site.url, site.new_admin_token.as_deref().unwrap(), None).unwrap();
    let mut events = client.events(None).await.unwrap();
    let set = |enabled: bool, port: i64| cloudsite::api::wire::SetProxy {
        enabled,
        server: enabled.then(|| "proxy.contoso.com".to_string()),
        port: Some(port),
        account: None,
        password: None,
    };
    let _: serde_json::Value = client
        .put("/v1/site-systems/SITESRV/proxy", &set(true, 8080))
        .await
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let Event::SiteSystem(system) = &first.event else {
        panic!("expected a site_system event, got {first:?}");
    };
    assert_eq!(system.proxy.port, 8080);
    // Two more changes while "disconnected"; a resume from `first` gets exactly those.
    drop(events);
    let _: serde_json::Value = client
        .put("/v1/site-systems/SITESRV/proxy", &set(true, 3128))
        .await
        .unwrap();
    let _: serde_json::Value = client
        .put(
            "/v1/client-settings",
            &serde_json::json!({"allow_cloud_dp": true}),
        )
        .await
        .unwrap();
    let mut resumed = client.events(Some(first.id)).await.unwrap();
    let a = tokio::time::timeout(Duration::from_secs(5), resumed.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let b = tokio::time::timeout(Duration::from_secs(5), resumed.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.event.name(), b.event.name()),
        ("site_system", "client_settings")
    );
    assert!(a.id > first.id && b.id > a.id);
    // An id from before the backlog (e.g. an earlier run) asks the client to re-read.
    let mut old = client.events(Some(1)).await.unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), old.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(r.event, Event::Resync);
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_service_certificate_writes_9425_and_the_configmgr_log_line() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let lab_dir = dir.path().join("lab");
    let out = Command::new(BIN)
        .args(["lab", "init"])
        .arg(&lab_dir)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success());
    let lab: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lab_dir.join("lab.json")).unwrap()).unwrap();
    let mut opts = SiteOptions::new(&data);
    opts.cloud = CloudChoice::Embedded {
        provisioning_delay: Duration::from_millis(50),
        faults: Default::default(),
    };
    opts.timing = Timing {
        poll: Duration::from_millis(50),
        container_retry: Duration::from_millis(50),
        ..Timing::default()
    };
    let site = service::start(opts).await.unwrap();
    let client = Client::new(&site.url, site.new_admin_token.as_deref().unwrap(), None).unwrap();

    // A service certificate valid for a few more seconds: usable now (with an expires_soon warning).
    let mut spec = common::Spec::service("shortlived.contoso.com");
    let not_after = time::OffsetDateTime::now_utc() + time::Duration::seconds(4);
    spec.not_after = not_after;
    let made = common::make(&spec);
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let req = cloudsite::api::wire::CreateCdp {
        primary_site: None,
        subscription: cloudsite::api::wire::SubscriptionInput {
            subscription_id: Some(lab["subscription_id"].as_str().unwrap().into()),
            environment: Default::default(),
            management_certificate: cloudsite::api::wire::CertUpload {
                file_base64: b64(
                    &std::fs::read(lab["management"]["pfx"].as_str().unwrap()).unwrap()
                ),
                password: lab["password"].as_str().unwrap().into(),
            },
        },
        region: "WestEurope".into(),
        service_certificate: cloudsite::api::wire::CertUpload {
            file_base64: b64(&common::pfx(&made, &[], "pw")),
            password: "pw".into(),
        },
        ..Default::default()
    };
    let acc: cloudsite::api::wire::Accepted = client.post("/v1/cdps", &req).await.unwrap();
    let wait_ready = || async {
        for _ in 0..200 {
            let s: cloudsite::api::wire::ServiceView =
                client.get("/v1/cdps/shortlived.contoso.com").await.unwrap();
            if !s.status.is_transitional() {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the service never settled");
    };
    assert_eq!(
        wait_ready().await.status,
        cloudsite::domain::service::ServiceState::Ready
    );
    let msgs: Vec<cloudsite::api::wire::StatusMessageView> =
        client.get("/v1/status-messages").await.unwrap();
    assert!(
        msgs.iter().any(|m| m.message_id == 9451),
        "provisioning started is recorded"
    );
    // Not expired yet, unless a busy machine took the whole validity to provision.
    if time::OffsetDateTime::now_utc() < not_after - time::Duration::milliseconds(500) {
        assert!(!msgs.iter().any(|m| m.message_id == 9425));
    }
    let _ = acc;

    // Until just past the certificate's end, however long provisioning took.
    let left = (not_after - time::OffsetDateTime::now_utc())
        .whole_milliseconds()
        .max(0) as u64;
    tokio::time::sleep(Duration::from_millis(left + 500)).await;
    let _: cloudsite::api::wire::Accepted = client
        .post("/v1/cdps/shortlived.contoso.com/stop", &())
        .await
        .unwrap();
    wait_ready().await;
    let msgs: Vec<cloudsite::api::wire::StatusMessageView> =
        client.get("/v1/status-messages").await.unwrap();
    let expired = msgs
        .iter()
        .find(|m| m.message_id == 9425)
        .expect("9425 after the certificate expired");
    assert!(
        expired.text.contains("service certificate"),
        "{}",
        expired.text
    );
    let log = std::fs::read_to_string(data.join("logs/CloudMgr.log")).unwrap();
    assert!(
        log.contains("is in expired state"),
        "the ConfigMgr log line"
    );
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publishsettings_file_validates_on_next_in_place_of_a_pfx() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let lab_dir = dir.path().join("lab");
    assert!(
        Command::new(BIN)
            .args(["lab", "init"])
            .arg(&lab_dir)
            .arg("--data-dir")
            .arg(&data)
            .status()
            .unwrap()
            .success()
    );
    let lab: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lab_dir.join("lab.json")).unwrap()).unwrap();
    // Azure SDK 1.7 writes the management PFX with an empty password, base64, in the XML.
    let pfx = std::fs::read(lab["management"]["pfx"].as_str().unwrap()).unwrap();
    let opts = cloudsite::cert::Options::new().password(lab["password"].as_str().unwrap());
    let identity = cloudsite::cert::inspect_identity(&pfx, &opts).1.unwrap();
    let mut spec = cloudsite::cert::pkcs12_write::PfxSpec::modern("");
    spec.key = Some((identity.key_pkcs8.clone(), Default::default()));
    spec.certs
        .push((identity.chain_der[0].clone(), Default::default()));
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let sub = lab["subscription_id"].as_str().unwrap();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><PublishData><PublishProfile PublishMethod=\"AzureServiceManagementAPI\" Url=\"https://management.core.windows.net/\" ManagementCertificate=\"{}\"><Subscription Id=\"{sub}\" Name=\"Lab\" /></PublishProfile></PublishData>",
        b64(&cloudsite::cert::pkcs12_write::write(&spec))
    );
    let mut opts = SiteOptions::new(&data);
    opts.cloud = CloudChoice::Embedded {
        provisioning_delay: Duration::from_millis(50),
        faults: Default::default(),
    };
    let site = service::start(opts).await.unwrap();
    let client = Client::new(&site.url, site.new_admin_token.as_deref().unwrap(), None).unwrap();
    // No subscription ID: the file's only subscription is used.
    let input = cloudsite::api::wire::SubscriptionInput {
        subscription_id: None,
        environment: Default::default(),
        management_certificate: cloudsite::api::wire::CertUpload {
            file_base64: b64(xml.as_bytes()),
            password: Default::default(),
        },
    };
    let check: cloudsite::api::wire::SubscriptionCheck = client
        .post("/v1/subscriptions/validate", &input)
        .await
        .unwrap();
    assert!(check.ok, "{}", check.message);
    assert_eq!(check.subscription_id, sub);
    site.shutdown().await;
}
