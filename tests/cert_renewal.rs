//! Renewing a service certificate (Properties > Settings > Certificate file; `cdp set` and
//! `cmg set --service-cert`): the new certificate is checked for the service role and the same
//! Service FQDN, stored, and deployed by an upgrade so the instances serve it; every refusal
//! names "Certificate file" and leaves the service as it was; the state rules of an upgrade hold.

mod common;
mod site_support;

use cloudsite::api::wire::{CertUpload, CreateCdp, LogLineView, ServiceView, TaskView, Updated};
use cloudsite::cert::{self, Options};
use cloudsite::domain::service::ServiceState;
use cloudsite::domain::task::{Level, TaskKind, TaskState};
use cloudsite::tls::{install_crypto_provider, provider};
use serde_json::{Value, json};
use site_support::*;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

const CDP1: &str = "cdp1.lab.contoso.com";
const CMG1: &str = "cmg1.lab.contoso.com";
/// The environment variable the CLI tests pass the certificate password in.
const PW_VAR: &str = "CLOUDSITE_TEST_RENEW_PW";

/// SHA-1 of a DER certificate, upper-case hex (the Windows thumbprint).
fn thumbprint(der: &[u8]) -> String {
    hex::encode_upper(<sha1::Sha1 as sha2::Digest>::digest(der))
}

/// The leaf of a `.pfx` as the inspector reads it: thumbprint, CN, PKCS#8 key.
fn leaf_of(bytes: &[u8], password: &str) -> (String, Option<String>, Vec<u8>) {
    let (report, identity) = cert::inspect_identity(bytes, &Options::new().password(password));
    let leaf = report.leaf_cert().expect("the pfx has a leaf");
    let key = identity.expect("the pfx has a key").key_pkcs8;
    (leaf.sha1_thumbprint.clone(), leaf.subject_cn.clone(), key)
}

/// A PATCH body renewing with `upload`.
fn renew_body(upload: &CertUpload) -> Value {
    json!({ "service_certificate": upload })
}

/// A service certificate made at test time (EC key, signed by the test CA) as a `.pfx`.
fn made_pfx(cn: &str, dns: &[&str], password: &str) -> Vec<u8> {
    let mut spec = common::Spec::service(cn);
    spec.dns = dns.iter().map(|d| d.to_string()).collect();
    spec.key = common::KeyKind::EcP256;
    common::pfx(&common::make(&spec), &[common::root_ca().cert], password)
}

/// Thumbprint of the certificate an instance serves for `sni` (the handshake trusts only `root`).
async fn served_thumbprint(address: &str, root: &[u8], sni: &str) -> String {
    install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.to_vec().into()).expect("the root CA");
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("connect to the instance at {address}: {e}"));
    let name = rustls::pki_types::ServerName::try_from(sni.to_string()).expect("server name");
    let tls = connector
        .connect(name, tcp)
        .await
        .unwrap_or_else(|e| panic!("TLS handshake with {address} as {sni}: {e}"));
    let served = tls.get_ref().1.peer_certificates().expect("a certificate")[0].to_vec();
    thumbprint(&served)
}

/// The thumbprints every instance of the service at `path` serves for `sni`.
async fn served_by_instances(site: &Site, path: &str, sni: &str) -> Vec<String> {
    let view: ServiceView = site.admin.get(path).await.expect("service");
    let root = std::fs::read(&site.lab.root_ca).expect("lab root CA");
    assert!(!view.instances.is_empty(), "no instances: {view:?}");
    let mut out = Vec::new();
    for inst in &view.instances {
        let address = inst
            .address
            .as_deref()
            .expect("a serving instance has an address");
        out.push(served_thumbprint(address, &root, sni).await);
    }
    out
}

/// The service as stored, without what the cloud and the monitor change on their own.
async fn row(site: &Site, path: &str) -> Value {
    let view: ServiceView = site.admin.get(path).await.expect("service");
    let mut v = serde_json::to_value(view).expect("serialise");
    for volatile in ["instances", "usage"] {
        v.as_object_mut().expect("object").remove(volatile);
    }
    v
}

/// The tasks of a service.
async fn tasks(site: &Site, id: &str) -> Vec<TaskView> {
    site.admin
        .get(&format!("/v1/tasks?service={id}"))
        .await
        .expect("tasks")
}

/// PATCHes `body`, which must be refused as `want` and change neither the service nor its tasks.
async fn refused(
    site: &Site,
    path: &str,
    id: &str,
    label: &str,
    body: Value,
    want: (u16, &str, &str),
) {
    let (before, tasks_before) = (row(site, path).await, tasks(site, id).await.len());
    let (status, answer) = site
        .raw("PATCH", path, Some(&site.admin_token), Some(&body))
        .await;
    let err = &answer["error"];
    // A state conflict names no field: its message says why.
    let (field, rule) = (
        err["field"].as_str().unwrap_or_default(),
        err["rule"]
            .as_str()
            .or(err["message"].as_str())
            .unwrap_or_default(),
    );
    assert!(
        status == want.0 && field == want.1 && rule.to_lowercase().contains(&want.2.to_lowercase()),
        "{label}: got {status} {answer} (want {} {:?} ~{:?})",
        want.0,
        want.1,
        want.2
    );
    let code = if want.0 == 409 {
        "conflict"
    } else {
        "invalid_field"
    };
    assert_eq!(err["code"], json!(code), "{label}: {answer}");
    let after = (row(site, path).await, tasks(site, id).await.len());
    assert_eq!(
        after,
        (before, tasks_before),
        "{label}: the service or its tasks changed"
    );
}

/// The last lines of CloudMgr.log.
async fn cloud_mgr_log(site: &Site) -> Vec<LogLineView> {
    site.admin
        .get("/v1/logs/CloudMgr.log?tail=500")
        .await
        .expect("CloudMgr.log")
}

/// PATCHes a renewal that must be accepted, waits for its upgrade, and returns the service.
async fn renew_ok(site: &Site, path: &str, upload: &CertUpload) -> ServiceView {
    let up: Updated = site
        .admin
        .patch(path, &renew_body(upload))
        .await
        .expect("renewal accepted");
    let task = up.task.expect("a renewal starts a task");
    assert_eq!(task.kind, TaskKind::Upgrade, "{task:?}");
    let done = wait_task(&site.admin, &task.id).await;
    assert_eq!(done.state, TaskState::Completed, "{done:?}");
    wait_status(&site.admin, path, ServiceState::Ready).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewing_a_ready_cdp_redeploys_the_new_certificate() {
    let site = Site::start().await;
    let lab = site.lab.clone();
    let cdp = site.create_cdp_ready(&lab.cdp(CDP1)).await;
    let path = format!("/v1/cdps/{}", cdp.id);
    let old = cdp.certificate.thumbprint.clone();
    assert_eq!(
        served_by_instances(&site, &path, CDP1).await,
        vec![old.clone(); 2]
    );

    // The lab's wildcard covers cdp1: a real renewal, with another certificate and key.
    let wildcard = lab.cert_of_kind("wildcard").pfx.clone();
    let bytes = std::fs::read(&wildcard).expect("wildcard pfx");
    let (new, new_cn, new_key) = leaf_of(&bytes, &lab.password);
    assert_ne!(new, old);
    let up: Updated = site
        .admin
        .patch(&path, &renew_body(&lab.upload(&wildcard)))
        .await
        .expect("renewal accepted");
    let task = up.task.clone().expect("a renewal starts a task");
    assert_eq!(task.kind, TaskKind::Upgrade);
    assert_eq!(up.service.certificate.thumbprint, new, "{up:?}");
    assert!(up.service.certificate.wildcard, "{up:?}");
    assert_eq!(up.service.certificate.subject_cn, new_cn);
    assert_eq!(up.service.service_fqdn, CDP1, "the Service FQDN stays");

    let done = wait_task(&site.admin, &task.id).await;
    assert_eq!(done.state, TaskState::Completed, "{done:?}");
    let view = wait_status(&site.admin, &path, ServiceState::Ready).await;
    assert_eq!(view.certificate.thumbprint, new);
    assert_ne!(view.certificate.not_after, "");
    // Every instance now presents the new certificate for cdp1, chained to the lab root.
    assert_eq!(
        served_by_instances(&site, &path, CDP1).await,
        vec![new.clone(); 2]
    );

    // The upgrade's log lines and status message, as for every upgrade.
    let log = cloud_mgr_log(&site).await;
    let has = |text: &str| log.iter().any(|l| l.message.contains(text));
    assert!(has(&format!("thumbprint {old} -> {new}")), "{log:#?}");
    assert!(has("Upgrading deployment cdp1"), "{log:#?}");
    let messages: Vec<cloudsite::api::wire::StatusMessageView> = site
        .admin
        .get(&format!("/v1/status-messages?service={}", cdp.id))
        .await
        .expect("status messages");
    assert!(
        messages.iter().any(|m| m.message_id == 9456),
        "no 9456: {messages:#?}"
    );
    // The new key is at rest sealed only.
    for file in files_under(&site.data_dir) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes
                .windows(new_key.len())
                .any(|w| w == new_key.as_slice()),
            "the new private key is in the clear in {}",
            file.display()
        );
    }
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_certificates_are_refused_and_change_nothing() {
    let site = Site::start().await;
    let lab = site.lab.clone();
    let cdp = site.create_cdp_ready(&lab.cdp(CDP1)).await;
    let path = format!("/v1/cdps/{}", cdp.id);
    let pfx_of = |kind: &str| lab.upload(&lab.cert_of_kind(kind).pfx);
    let mut wrong_password = lab.upload(&lab.cert(CDP1).pfx);
    wrong_password.password = "not the password".into();
    let root_only = CertUpload {
        file_base64: b64_file(&lab.root_ca),
        password: Default::default(),
    };
    let other_name = lab.upload(&lab.cert("cdp2.lab.contoso.com").pfx);
    let cases: Vec<(&str, Value, (u16, &str, &str))> = vec![
        (
            "a certificate for another FQDN",
            renew_body(&other_name),
            (
                400,
                "Certificate file",
                "the Service FQDN cannot change; delete and recreate",
            ),
        ),
        (
            "an expired certificate",
            renew_body(&pfx_of("expired")),
            (400, "Certificate file", "expired"),
        ),
        (
            "a wrong password",
            renew_body(&wrong_password),
            (400, "Certificate file", "password is not correct"),
        ),
        (
            "a certificate without Server Authentication",
            renew_body(&pfx_of("no-server-auth")),
            (400, "Certificate file", "Server Authentication"),
        ),
        (
            "a .cer without its private key",
            renew_body(&root_only),
            (400, "Certificate file", "private key"),
        ),
        (
            "bytes that are not base64",
            json!({"service_certificate": {"file_base64": "%%%", "password": ""}}),
            (400, "Certificate file", "base64"),
        ),
        (
            "bytes that are not a certificate",
            json!({"service_certificate": {"file_base64": b64(b"not a certificate"), "password": ""}}),
            (400, "Certificate file", ""),
        ),
        (
            "a good description with a certificate for another FQDN",
            json!({"description": "changed", "service_certificate": other_name}),
            (400, "Certificate file", "cannot change"),
        ),
    ];
    for (label, body, want) in cases {
        refused(&site, &path, &cdp.id, label, body, want).await;
    }
    // The instances still serve the certificate they had.
    let old = cdp.certificate.thumbprint.clone();
    assert_eq!(served_by_instances(&site, &path, CDP1).await, vec![old; 2]);

    // A CMG follows the same rules.
    let cmg = site.create_cmg_ready(&lab.cmg(CMG1)).await;
    let cmg_path = format!("/v1/cmgs/{}", cmg.id);
    refused(
        &site,
        &cmg_path,
        &cmg.id,
        "a CMG with another CMG's certificate",
        renew_body(&lab.upload(&lab.cert("cmg2.lab.contoso.com").pfx)),
        (400, "Certificate file", "cannot change"),
    )
    .await;
    refused(
        &site,
        &cmg_path,
        &cmg.id,
        "a CMG with an expired certificate",
        renew_body(&pfx_of("expired")),
        (400, "Certificate file", "expired"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_another_service_uses_is_refused_unless_wildcard() {
    let site = Site::start().await;
    let lab = site.lab.clone();
    let (one, two) = (format!("shared1.{DOMAIN}"), format!("shared2.{DOMAIN}"));
    let pw = lab.password.clone();
    let upload = |bytes: &[u8]| CertUpload {
        file_base64: b64(bytes),
        password: pw.clone().into(),
    };
    let own = made_pfx(&one, &[&one], &pw);
    let both = made_pfx(&one, &[&one, &two], &pw);
    let first = site
        .create_cdp_ready(&CreateCdp {
            service_certificate: upload(&own),
            ..lab.cdp(CDP1)
        })
        .await;
    assert_eq!(first.service_fqdn, one);
    // shared2 uses the two-name certificate, which also covers shared1.
    site.create_cdp_ready(&CreateCdp {
        service_certificate: upload(&both),
        service_fqdn: Some(two.clone()),
        ..lab.cdp(CDP1)
    })
    .await;
    let path = format!("/v1/cdps/{}", first.id);
    refused(
        &site,
        &path,
        &first.id,
        "the certificate of shared2",
        renew_body(&upload(&both)),
        (409, "Certificate file", &format!("already used by {two}")),
    )
    .await;
    // A wildcard may be shared: two services renew with the lab's.
    let wildcard = lab.upload(&lab.cert_of_kind("wildcard").pfx);
    let a = renew_ok(&site, &path, &wildcard).await;
    let b = renew_ok(&site, &format!("/v1/cdps/{two}"), &wildcard).await;
    assert_eq!(a.certificate.thumbprint, b.certificate.thumbprint);
    assert!(a.certificate.wildcard && b.certificate.wildcard);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewal_follows_the_state_rules_of_an_upgrade() {
    let site = Site::start_with(SiteConfig {
        provisioning_delay: Duration::from_millis(800),
        ..SiteConfig::default()
    })
    .await;
    let lab = site.lab.clone();
    let cdp = site.create_cdp_ready(&lab.cdp(CDP1)).await;
    let path = format!("/v1/cdps/{}", cdp.id);
    let wildcard = lab.upload(&lab.cert_of_kind("wildcard").pfx);
    let own = lab.upload(&lab.cert(CDP1).pfx);

    // A second renewal while the first one's upgrade runs waits its turn.
    let up: Updated = site
        .admin
        .patch(&path, &renew_body(&wildcard))
        .await
        .expect("renewal accepted");
    let (status, answer) = site
        .raw(
            "PATCH",
            &path,
            Some(&site.admin_token),
            Some(&renew_body(&own)),
        )
        .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"]["code"], json!("conflict"), "{answer}");
    let done = wait_task(&site.admin, &up.task.expect("task").id).await;
    assert_eq!(done.state, TaskState::Completed, "{done:?}");
    wait_status(&site.admin, &path, ServiceState::Ready).await;

    // Stopped: no upgrade, so no renewal; nothing changes.
    let stop: cloudsite::api::wire::Accepted = site
        .admin
        .post(&format!("{path}/stop"), &json!(null))
        .await
        .expect("stop");
    assert_eq!(
        wait_task(&site.admin, &stop.task.id).await.state,
        TaskState::Completed
    );
    wait_status(&site.admin, &path, ServiceState::Stopped).await;
    let body = renew_body(&own);
    refused(
        &site,
        &path,
        &cdp.id,
        "renewal while Stopped",
        body,
        (409, "", "Stopped"),
    )
    .await;

    // Started again, it renews back to its own (non-wildcard) certificate.
    let start: cloudsite::api::wire::Accepted = site
        .admin
        .post(&format!("{path}/start"), &json!(null))
        .await
        .expect("start");
    assert_eq!(
        wait_task(&site.admin, &start.task.id).await.state,
        TaskState::Completed
    );
    wait_status(&site.admin, &path, ServiceState::Ready).await;
    let view = renew_ok(&site, &path, &own).await;
    assert_eq!(view.certificate.thumbprint, cdp.certificate.thumbprint);
    assert!(!view.certificate.wildcard);
    assert_eq!(
        served_by_instances(&site, &path, CDP1).await,
        vec![cdp.certificate.thumbprint.clone(); 2]
    );
}

/// Runs the CLI against the site with the admin token and `PW_VAR` set to `password`.
fn cli(site_url: &str, token_file: &Path, password: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloudsite"))
        .arg("--site")
        .arg(site_url)
        .arg("--token-file")
        .arg(token_file)
        .args(args)
        .env_remove("CLOUDSITE_DATA_DIR")
        .env_remove("CLOUDSITE_TOKEN")
        .env("NO_COLOR", "1")
        .env(PW_VAR, password)
        .output()
        .expect("run cloudsite")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cdp_set_and_cmg_set_renew_from_the_command_line() {
    let site = Site::start().await;
    let lab = site.lab.clone();
    let pw = lab.password.clone();
    let lower = format!("case1.{DOMAIN}");
    let upper = format!("CASE1.{DOMAIN}");
    let cdp = site
        .create_cdp_ready(&CreateCdp {
            service_certificate: CertUpload {
                file_base64: b64(&made_pfx(&lower, &[&lower], &pw)),
                password: pw.clone().into(),
            },
            ..lab.cdp(CDP1)
        })
        .await;
    let cmg = site.create_cmg_ready(&lab.cmg(CMG1)).await;
    let token_file = site.tmp.path().join("admin.token");
    std::fs::write(&token_file, &site.admin_token).expect("token file");
    let upper_pfx = site.tmp.path().join("case1-upper.pfx");
    std::fs::write(&upper_pfx, made_pfx(&upper, &[&upper], &pw)).expect("pfx");
    let wildcard = lab.cert_of_kind("wildcard").pfx.clone();
    let other = lab.cert("cdp2.lab.contoso.com").pfx.clone();
    let url = site.url.clone();
    let (renew_cdp, renew_cmg, refused, lone_password) = tokio::task::spawn_blocking({
        let (tf, pw, upper_pfx, lower) = (
            token_file.clone(),
            pw.clone(),
            upper_pfx.clone(),
            lower.clone(),
        );
        move || {
            let p = |f: &Path| f.to_string_lossy().into_owned();
            let set = |kind: &str, svc: &str, file: &Path, extra: &[&str]| {
                let mut args = vec![kind.to_string(), "set".into(), svc.to_string()];
                args.extend(["--service-cert".into(), p(file)]);
                args.extend(["--service-cert-password-env".into(), PW_VAR.into()]);
                args.extend(extra.iter().map(|s| s.to_string()));
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                cli(&url, &tf, &pw, &args)
            };
            (
                set("cdp", &lower, &upper_pfx, &["--wait"]),
                set("cmg", CMG1, &wildcard, &["--wait", "--json"]),
                set("cdp", &lower, &other, &[]),
                cli(
                    &url,
                    &tf,
                    &pw,
                    &["cdp", "set", &lower, "--service-cert-password-env", PW_VAR],
                ),
            )
        }
    })
    .await
    .expect("CLI thread");

    // cdp set: a CN differing only in case is accepted, with ConfigMgr's pitfall as a warning.
    let (out, err) = text(&renew_cdp);
    assert!(renew_cdp.status.success(), "cdp set: {out}{err}");
    assert!(out.contains("upgrade Completed"), "cdp set: {out}{err}");
    assert!(
        err.contains("warning:") && err.contains("only in letter case"),
        "{err}"
    );
    let view: ServiceView = site
        .admin
        .get(&format!("/v1/cdps/{}", cdp.id))
        .await
        .expect("cdp");
    assert_eq!(view.certificate.subject_cn.as_deref(), Some(upper.as_str()));
    assert_ne!(view.certificate.thumbprint, cdp.certificate.thumbprint);
    assert_eq!(view.service_fqdn, lower, "the Service FQDN keeps its case");
    let log = cloud_mgr_log(&site).await;
    assert!(
        log.iter().any(|l| l.level == Level::Warning
            && l.message.contains("case1")
            && l.message.contains("only in letter case")),
        "no warning in CloudMgr.log: {log:#?}"
    );

    // cmg set --wait --json: the upgrade task, completed; the instances serve the wildcard.
    let (out, err) = text(&renew_cmg);
    assert!(renew_cmg.status.success(), "cmg set: {out}{err}");
    let task: TaskView = serde_json::from_str(&out).expect("cmg set --json prints the task");
    assert_eq!(
        (task.kind, task.state),
        (TaskKind::Upgrade, TaskState::Completed)
    );
    let cmg_path = format!("/v1/cmgs/{}", cmg.id);
    let view: ServiceView = site.admin.get(&cmg_path).await.expect("cmg");
    let (wildcard_thumbprint, _, _) = leaf_of(
        &std::fs::read(lab.cert_of_kind("wildcard").pfx.clone()).expect("pfx"),
        &pw,
    );
    assert_eq!(view.certificate.thumbprint, wildcard_thumbprint);
    assert_eq!(
        served_by_instances(&site, &cmg_path, CMG1).await,
        vec![wildcard_thumbprint; usize::from(view.vm_instances)]
    );

    // A refusal exits non-zero naming the field; the password flag alone is a usage error.
    let (out, err) = text(&refused);
    assert!(!refused.status.success(), "{out}{err}");
    assert!(
        err.contains("Certificate file") && err.contains("cannot change"),
        "{out}{err}"
    );
    let (out, err) = text(&lone_password);
    assert_eq!(lone_password.status.code(), Some(2), "{out}{err}");
    assert!(err.contains("--service-cert"), "{err}");
}
