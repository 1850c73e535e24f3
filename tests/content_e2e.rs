//! Content end to end against a real in-process site and its local cloud: add → distribute →
//! management point → client fetch over HTTPS with the service certificate → identical bytes;
//! what is stored is ciphertext; a stopped service makes the client move on; expired, forged and
//! untrusted cases fail clearly; the client setting gates cloud sources; concurrent downloads
//! survive a stop and start.

mod site_support;

use cloudsite::api::client::Client;
use cloudsite::api::wire::{Accepted, ClientSettings, ServiceView};
use cloudsite::api::wire::{
    ContentLocationRequest, ContentLocations, ContentTargets, CreatePackage, DistributionState,
    NewPackageFile, PackageChanged, PackageView,
};
use cloudsite::client::{AttemptError, FetchError};
use cloudsite::client::{FetchRequest, fetch, fetch_from};
use cloudsite::domain::content::{ClientLocation, ContentType};
use cloudsite::domain::service::ServiceState;
use cloudsite::site::monitor::MonitorOptions;
use serde_json::json;
use sha2::{Digest, Sha256};
use site_support::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Deterministic, incompressible-looking bytes.
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

async fn allow_cloud_dp(site: &Site, allow: bool) {
    let _: ClientSettings = site
        .admin
        .put(
            "/v1/client-settings",
            &ClientSettings {
                allow_cloud_dp: allow,
            },
        )
        .await
        .expect("client settings");
}

/// Adds a package made of `files` (name, bytes) through the API; returns it once ready.
async fn add_package(c: &Client, dir: &Path, name: &str, files: &[(&str, Vec<u8>)]) -> PackageView {
    let req = CreatePackage {
        name: name.into(),
        content_type: ContentType::Application,
        files: files
            .iter()
            .map(|(n, b)| NewPackageFile {
                name: n.to_string(),
                size: b.len() as u64,
            })
            .collect(),
    };
    let created: PackageChanged = c.post("/v1/content", &req).await.expect("create package");
    assert!(created.warnings.is_empty());
    let mut last = created.package;
    for (n, b) in files {
        let path = dir.join(format!("src-{name}-{n}"));
        std::fs::write(&path, b).expect("write source");
        last = c
            .put_file(&format!("/v1/content/{}/files/{n}", last.id), &path, None)
            .await
            .expect("send file");
    }
    assert_eq!(last.state, cloudsite::api::wire::PackageState::Ready);
    last
}

/// Distributes and waits until every named service has it.
async fn distribute(c: &Client, pkg: &str, services: &[&str]) -> PackageView {
    let _: PackageChanged = c
        .post(
            &format!("/v1/content/{pkg}/distribute"),
            &ContentTargets {
                services: services.iter().map(|s| s.to_string()).collect(),
            },
        )
        .await
        .expect("distribute");
    wait_distributed(c, pkg, services.len()).await
}

async fn wait_distributed(c: &Client, pkg: &str, n: usize) -> PackageView {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let p: PackageView = c.get(&format!("/v1/content/{pkg}")).await.expect("package");
        let done = p
            .distributions
            .iter()
            .filter(|d| d.state == DistributionState::Success)
            .count();
        assert!(
            !p.distributions
                .iter()
                .any(|d| d.state == DistributionState::Failed),
            "a distribution failed: {:?}",
            p.distributions
        );
        if done >= n {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "not distributed in time: {:?}",
            p.distributions
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn root(site: &Site) -> Vec<u8> {
    std::fs::read(&site.lab.root_ca).expect("lab root CA")
}

fn request(site: &Site, pkg: &str, out: PathBuf) -> FetchRequest {
    FetchRequest {
        package: pkg.into(),
        location: ClientLocation::Internet,
        client_name: Some("CLIENT01".into()),
        out_dir: out,
        trust: vec![root(site)],
    }
}

async fn locations(site: &Site, pkg: &str, location: ClientLocation) -> ContentLocations {
    site.mp
        .post(
            "/v1/mp/content-locations",
            &ContentLocationRequest {
                package: pkg.into(),
                location,
                client: None,
            },
        )
        .await
        .expect("content locations")
}

async fn stop(site: &Site, svc: &ServiceView) {
    let acc: Accepted = site
        .admin
        .post(&format!("/v1/cdps/{}/stop", svc.id), &json!({}))
        .await
        .expect("stop");
    wait_task(&site.admin, &acc.task.id).await;
    wait_status(
        &site.admin,
        &format!("/v1/cdps/{}", svc.id),
        ServiceState::Stopped,
    )
    .await;
}

async fn start(site: &Site, svc: &ServiceView) -> ServiceView {
    let acc: Accepted = site
        .admin
        .post(&format!("/v1/cdps/{}/start", svc.id), &json!({}))
        .await
        .expect("start");
    wait_task(&site.admin, &acc.task.id).await;
    wait_status(
        &site.admin,
        &format!("/v1/cdps/{}", svc.id),
        ServiceState::Ready,
    )
    .await
}

/// Every file under `dir`, recursively.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn distribute_then_fetch_gives_identical_bytes_and_the_cloud_holds_only_ciphertext() {
    let mut site = Site::start().await;
    let cdp = site
        .create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;
    allow_cloud_dp(&site, true).await;
    let tmp = site.tmp.path().to_path_buf();
    let big = data(3 * 1024 * 1024 + 123, 1);
    let small = b"setup.cmd: msiexec /i app.msi /qn\n".to_vec();
    let pkg = add_package(
        &site.admin,
        &tmp,
        "App",
        &[("app.msi", big.clone()), ("setup.cmd", small.clone())],
    )
    .await;
    assert_eq!(pkg.files.len(), 2);
    assert_eq!(
        pkg.files[0].sha256.as_deref(),
        Some(hex::encode(Sha256::digest(&big)).as_str())
    );

    // A stopped service still accepts new content (domain.md §3).
    stop(&site, &cdp).await;
    let p = distribute(&site.admin, &pkg.id, &["cdp1.lab.contoso.com"]).await;
    assert_eq!(p.distributions[0].service_fqdn, "cdp1.lab.contoso.com");
    let cdp = start(&site, &cdp).await;

    // What the cloud stores is the site's ciphertext, never the plaintext.
    let stored = site.stored_blobs(&pkg.id).await;
    let names: Vec<&String> = stored.iter().map(|(n, _)| n).collect();
    assert_eq!(stored.len(), 2, "two blobs stored: {names:?}");
    for (name, bytes) in &stored {
        assert!(
            bytes.starts_with(cloudsite::content::crypt::MAGIC),
            "{name}"
        );
        assert_ne!(bytes, &big);
        assert!(
            !bytes.windows(small.len()).any(|w| w == small.as_slice()),
            "plaintext visible"
        );
        assert!(
            !bytes.windows(64).any(|w| w == &big[1000..1064]),
            "plaintext visible"
        );
    }

    let out = tmp.join("client");
    let report = fetch(&site.mp, &request(&site, &pkg.id, out.clone()), |_| {})
        .await
        .expect("fetch");
    assert_eq!(std::fs::read(out.join("app.msi")).expect("fetched"), big);
    assert_eq!(
        std::fs::read(out.join("setup.cmd")).expect("fetched"),
        small
    );
    assert_eq!(
        report.source.as_ref().map(|s| s.service_id.as_str()),
        Some(cdp.id.as_str())
    );
    assert!(report.attempts.iter().all(|a| a.error.is_none()));
    // A second run finds both files complete and downloads nothing.
    let again = fetch(&site.mp, &request(&site, &pkg.id, out.clone()), |_| {})
        .await
        .expect("fetch again");
    assert_eq!(again.downloaded_bytes, 0);

    // Remove: the blobs leave the cloud, then the library can drop the package.
    let (code, body) = site
        .raw(
            "DELETE",
            &format!("/v1/content/{}", pkg.id),
            Some(&site.admin_token),
            None,
        )
        .await;
    assert_eq!(code, 409, "still distributed: {body}");
    let _: PackageChanged = site
        .admin
        .post(
            &format!("/v1/content/{}/remove", pkg.id),
            &ContentTargets {
                services: vec![cdp.id.clone()],
            },
        )
        .await
        .expect("remove");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let p: PackageView = site
            .admin
            .get(&format!("/v1/content/{}", pkg.id))
            .await
            .expect("pkg");
        if p.distributions.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not removed: {:?}",
            p.distributions
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left = site.stored_blobs(&pkg.id).await;
    let left: Vec<&String> = left.iter().map(|(n, _)| n).collect();
    assert!(left.is_empty(), "still in the cloud: {left:?}");
    let (code, _) = site
        .raw(
            "DELETE",
            &format!("/v1/content/{}", pkg.id),
            Some(&site.admin_token),
            None,
        )
        .await;
    assert_eq!(code, 204);
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_service_fails_and_the_client_takes_the_next_location() {
    let mut site = Site::start().await;
    let one = site
        .create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let two = site
        .create_cdp_ready(&site.lab.cdp("cdp2.lab.contoso.com"))
        .await;
    allow_cloud_dp(&site, true).await;
    let tmp = site.tmp.path().to_path_buf();
    let bytes = data(200_000, 2);
    let pkg = add_package(&site.admin, &tmp, "Two", &[("f.bin", bytes.clone())]).await;
    distribute(&site.admin, &pkg.id, &[&one.id, &two.id]).await;

    // Both offered while running, in random order.
    let answer = locations(&site, &pkg.id, ClientLocation::Intranet).await;
    assert_eq!(answer.locations.len(), 2);
    // The MP's answer is kept from before the stop (as a client would hold it): the stopped
    // service comes first, so the client must fail there and move on.
    let mut ordered = answer.clone();
    ordered.locations.sort_by_key(|l| l.service_id != one.id);
    stop(&site, &one).await;
    let out = tmp.join("next");
    let report = fetch_from(&ordered, &out, &[root(&site)], |_| {})
        .await
        .expect("fetch");
    assert_eq!(std::fs::read(out.join("f.bin")).expect("file"), bytes);
    assert_eq!(report.attempts.len(), 2, "{:?}", report.attempts);
    assert_eq!(report.attempts[0].service_id, one.id);
    assert!(
        matches!(
            report.attempts[0].error,
            Some(AttemptError::Unreachable { .. })
        ),
        "{:?}",
        report.attempts[0].error
    );
    assert_eq!(
        report.source.as_ref().map(|s| s.service_id.as_str()),
        Some(two.id.as_str())
    );

    // After the stop the MP still offers the stopped CDP (ConfigMgr does); it has no address.
    let now = locations(&site, &pkg.id, ClientLocation::Internet).await;
    assert_eq!(now.locations.len(), 2);
    let stopped = now
        .locations
        .iter()
        .find(|l| l.service_id == one.id)
        .expect("offered");
    assert!(stopped.addresses.is_empty());
    let out = tmp.join("fresh");
    fetch(&site.mp, &request(&site, &pkg.id, out.clone()), |_| {})
        .await
        .expect("fetch");
    assert_eq!(std::fs::read(out.join("f.bin")).expect("file"), bytes);

    // With both stopped every location fails, each with its reason.
    stop(&site, &two).await;
    let err = fetch(&site.mp, &request(&site, &pkg.id, tmp.join("none")), |_| {})
        .await
        .expect_err("nothing serves");
    match &err {
        FetchError::AllFailed { report } => assert_eq!(report.attempts.len(), 2),
        other => panic!("unexpected {other:?}"),
    }
    assert!(!tmp.join("none").join("f.bin").exists());
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expired_forged_and_untrusted_are_refused_and_client_settings_gate_cloud_sources() {
    let mut site = Site::start_with(SiteConfig {
        monitor: MonitorOptions {
            token_lifetime: Duration::from_secs(2),
            ..MonitorOptions::default()
        },
        ..SiteConfig::default()
    })
    .await;
    let cdp = site
        .create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let tmp = site.tmp.path().to_path_buf();
    let bytes = data(50_000, 3);
    let pkg = add_package(&site.admin, &tmp, "Gate", &[("g.bin", bytes.clone())]).await;
    distribute(&site.admin, &pkg.id, &[&cdp.id]).await;

    // Client setting No (the default): no cloud source, and the note says why.
    let none = locations(&site, &pkg.id, ClientLocation::Internet).await;
    assert!(none.locations.is_empty());
    assert!(
        none.note
            .as_deref()
            .unwrap_or_default()
            .contains("Allow access to cloud distribution points")
    );
    let err = fetch(&site.mp, &request(&site, &pkg.id, tmp.join("no")), |_| {})
        .await
        .expect_err("no source");
    assert!(matches!(err, FetchError::NoSource { .. }), "{err:?}");
    allow_cloud_dp(&site, true).await;

    // A forged token: the claims changed (a later expiry), the signature kept.
    let answer = locations(&site, &pkg.id, ClientLocation::Internet).await;
    assert_eq!(answer.locations.len(), 1);
    let mut forged = answer.clone();
    let t = &forged.locations[0].token;
    let parts: Vec<&str> = t.split('.').collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[1]).expect("b64")).expect("claims");
    claims["exp"] = json!(4_102_444_800i64);
    forged.locations[0].token = format!("v1.{}.{}", b64.encode(claims.to_string()), parts[2]);
    let err = fetch_from(&forged, &tmp.join("forged"), &[root(&site)], |_| {})
        .await
        .expect_err("forged");
    let text = err.to_string();
    assert!(text.contains("signature"), "{text}");

    // Untrusted: the client trusts another root than the one that issued the certificate.
    let other_root = rcgen::CertificateParams::new(vec!["Other Root".into()])
        .expect("params")
        .self_signed(&rcgen::KeyPair::generate().expect("key"))
        .expect("self-signed");
    let err = fetch_from(
        &answer,
        &tmp.join("untrusted"),
        &[other_root.der().to_vec()],
        |_| {},
    )
    .await
    .expect_err("untrusted");
    match &err {
        FetchError::AllFailed { report } => assert!(
            matches!(
                report.attempts[0].error,
                Some(AttemptError::Untrusted { .. })
            ),
            "{:?}",
            report.attempts[0].error
        ),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("not trusted"), "{err}");

    // Expired: the 2-second token of the first answer is used after it ran out.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let err = fetch_from(&answer, &tmp.join("late"), &[root(&site)], |_| {})
        .await
        .expect_err("expired");
    assert!(err.to_string().contains("expired"), "{err}");
    // A fresh answer works.
    let out = tmp.join("ok");
    fetch(&site.mp, &request(&site, &pkg.id, out.clone()), |_| {})
        .await
        .expect("fresh token");
    assert_eq!(std::fs::read(out.join("g.bin")).expect("file"), bytes);
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn content_types_a_cloud_dp_does_not_take_are_refused_or_warned() {
    let mut site = Site::start().await;
    let refused = site
        .raw(
            "POST",
            "/v1/content",
            Some(&site.admin_token),
            Some(&json!({"name": "Boot", "content_type": "boot-image", "files": [{"name": "boot.wim", "size": 1}]})),
        )
        .await;
    assert_eq!(refused.0, 400, "{}", refused.1);
    assert_eq!(refused.1["error"]["field"], "Content type");
    assert!(
        refused.1["error"]["rule"]
            .as_str()
            .unwrap_or_default()
            .contains("PXE")
    );
    let list: Vec<PackageView> = site.admin.get("/v1/content").await.expect("list");
    assert!(list.is_empty(), "nothing added");

    let warned: PackageChanged = site
        .admin
        .post(
            "/v1/content",
            &CreatePackage {
                name: "Updates".into(),
                content_type: ContentType::SoftwareUpdate,
                files: vec![NewPackageFile {
                    name: "kb.cab".into(),
                    size: 4,
                }],
            },
        )
        .await
        .expect("software updates are accepted");
    assert_eq!(warned.warnings.len(), 1);
    assert!(warned.warnings[0].contains("Microsoft Update"));

    // Bad input changes nothing: a duplicate name, a file of the wrong size, an unknown file.
    let dup = site
        .raw("POST", "/v1/content", Some(&site.admin_token), Some(&json!({"name": "updates", "content_type": "package", "files": [{"name": "x", "size": 1}]})))
        .await;
    assert_eq!(dup.0, 409, "{}", dup.1);
    let path = site.tmp.path().join("five");
    std::fs::write(&path, b"12345").expect("write");
    let err = site
        .admin
        .put_file::<PackageView>(
            &format!("/v1/content/{}/files/kb.cab", warned.package.id),
            &path,
            None,
        )
        .await
        .expect_err("wrong size");
    assert!(err.to_string().contains("announced as 4 bytes"), "{err}");
    let p: PackageView = site
        .admin
        .get(&format!("/v1/content/{}", warned.package.id))
        .await
        .expect("pkg");
    assert_eq!(p.files[0].sha256, None);
    let err = site
        .admin
        .post::<_, PackageChanged>(
            &format!("/v1/content/{}/distribute", warned.package.id),
            &ContentTargets {
                services: vec!["cdp1.lab.contoso.com".into()],
            },
        )
        .await
        .expect_err("not ready");
    assert!(err.to_string().contains("still being uploaded"), "{err}");
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_downloads_through_a_stop_and_start_complete_intact_or_fail_cleanly() {
    let mut site = Site::start().await;
    let cdp = site
        .create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;
    allow_cloud_dp(&site, true).await;
    let tmp = site.tmp.path().to_path_buf();
    let bytes = data(1024 * 1024, 4);
    let want = hex::encode(Sha256::digest(&bytes));
    let pkg = add_package(&site.admin, &tmp, "Many", &[("m.bin", bytes)]).await;
    distribute(&site.admin, &pkg.id, &[&cdp.id]).await;
    let answer = locations(&site, &pkg.id, ClientLocation::Internet).await;
    let trust = vec![root(&site)];

    let mut clients = Vec::new();
    for i in 0..50 {
        let (answer, trust, out) = (answer.clone(), trust.clone(), tmp.join(format!("c{i}")));
        clients.push(tokio::spawn(async move {
            // Spread the starts over the stop so some run before, during and after it.
            tokio::time::sleep(Duration::from_millis(10 * i as u64)).await;
            let r = fetch_from(&answer, &out, &trust, |_| {}).await;
            (out, r)
        }));
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    stop(&site, &cdp).await;
    start(&site, &cdp).await;
    let (mut ok, mut failed) = (0, 0);
    for c in clients {
        let (out, result) = c.await.expect("client task");
        let file = out.join("m.bin");
        match result {
            Ok(_) => {
                ok += 1;
                let got = std::fs::read(&file).expect("file");
                assert_eq!(hex::encode(Sha256::digest(&got)), want, "intact");
            }
            Err(e) => {
                failed += 1;
                assert!(
                    !file.exists(),
                    "a failed download left {}: {e}",
                    file.display()
                );
                assert!(matches!(e, FetchError::AllFailed { .. }), "{e:?}");
            }
        }
    }
    assert_eq!(ok + failed, 50);
    assert!(ok > 0, "some downloads completed");
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_content_and_client_commands_work_from_the_command_line() {
    let mut site = Site::start_with(SiteConfig {
        monitor: MonitorOptions {
            usage_interval: Duration::from_millis(200),
            ..MonitorOptions::default()
        },
        ..SiteConfig::default()
    })
    .await;
    site.create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let tmp = site.tmp.path().to_path_buf();
    let token_file = tmp.join("token");
    std::fs::write(&token_file, &site.admin_token).expect("token file");
    let run = |args: Vec<String>| {
        let (url, token_file) = (site.url.clone(), token_file.clone());
        async move {
            tokio::task::spawn_blocking(move || {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_cloudsite"))
                    .arg("--site")
                    .arg(&url)
                    .arg("--token-file")
                    .arg(&token_file)
                    .args(&args)
                    .output()
                    .expect("run cloudsite");
                (
                    out.status.code(),
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                )
            })
            .await
            .expect("thread")
        }
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let src = tmp.join("tool.exe");
    let bytes = data(300_000, 5);
    std::fs::write(&src, &bytes).expect("source");
    let (code, out, err) = run(s(&[
        "content",
        "add",
        src.to_str().expect("path"),
        "--name",
        "Tool",
        "--type",
        "application",
    ]))
    .await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("PS100001"), "{out}");
    let (code, _, err) = run(s(&[
        "content",
        "add",
        src.to_str().expect("path"),
        "--name",
        "Boot",
        "--type",
        "boot-image",
    ]))
    .await;
    assert_eq!(code, Some(4), "refused by the site: exit 4");
    assert!(err.contains("Content type") && err.contains("PXE"), "{err}");
    let (code, out, err) = run(s(&[
        "content",
        "distribute",
        "Tool",
        "--to",
        "cdp1.lab.contoso.com",
        "--wait",
    ]))
    .await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("Success"), "{out}");

    // The default client setting offers no cloud source; `yes` turns it on, `no` off again.
    let out_dir = tmp.join("fetched");
    let fetch_args = s(&[
        "client",
        "fetch",
        "Tool",
        "--out",
        out_dir.to_str().expect("path"),
        "--trust",
        site.lab.root_ca.to_str().expect("path"),
        "--internet",
    ]);
    let (code, _, err) = run(fetch_args.clone()).await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains("Allow access to cloud distribution points"),
        "{err}"
    );
    let (code, _, err) = run(s(&["client-settings", "set", "--allow-cloud-dp", "yes"])).await;
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = run(fetch_args.clone()).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        std::fs::read(out_dir.join("tool.exe")).expect("fetched"),
        bytes
    );
    let (code, _, err) = run(s(&["client-settings", "set", "--allow-cloud-dp", "no"])).await;
    assert_eq!(code, Some(0), "{err}");
    let settings: ClientSettings = site
        .admin
        .get("/v1/client-settings")
        .await
        .expect("settings");
    assert!(!settings.allow_cloud_dp);

    // `cdp show` reports the usage the collector measured: the download is the transfer.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (code, out, err) = run(s(&["cdp", "show", "cdp1.lab.contoso.com"])).await;
        assert_eq!(code, Some(0), "{err}");
        if out.contains("Transfer (30 days)")
            && !out.contains("Transfer (30 days)                  0 B")
        {
            assert!(out.contains("Cost (illustrative prices)"), "{out}");
            break;
        }
        assert!(Instant::now() < deadline, "no usage in cdp show: {out}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let (code, out, _) = run(s(&["content", "status", "--json"])).await;
    assert_eq!(code, Some(0));
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["state"], "success");
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_distribution_waiting_when_the_site_stops_finishes_after_the_restart() {
    let mut site = Site::start_with(SiteConfig {
        provisioning_delay: Duration::from_millis(1500),
        ..SiteConfig::default()
    })
    .await;
    allow_cloud_dp(&site, true).await;
    let acc: Accepted = site
        .admin
        .post("/v1/cdps", &site.lab.cdp("cdp1.lab.contoso.com"))
        .await
        .expect("create");
    let tmp = site.tmp.path().to_path_buf();
    let bytes = data(120_000, 6);
    let pkg = add_package(&site.admin, &tmp, "Later", &[("l.bin", bytes.clone())]).await;
    let _: PackageChanged = site
        .admin
        .post(
            &format!("/v1/content/{}/distribute", pkg.id),
            &ContentTargets {
                services: vec![acc.service.id.clone()],
            },
        )
        .await
        .expect("distribute while provisioning");
    // It waits for the storage, saying so, and is not marked distributed.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let p: PackageView = site
            .admin
            .get(&format!("/v1/content/{}", pkg.id))
            .await
            .expect("pkg");
        let d = &p.distributions[0];
        assert_eq!(d.state, DistributionState::InProgress, "{d:?}");
        if d.reason
            .as_deref()
            .is_some_and(|r| r.contains("provisioning"))
        {
            break;
        }
        assert!(Instant::now() < deadline, "no waiting reason: {d:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    site.restart().await;
    wait_distributed(&site.admin, &pkg.id, 1).await;
    wait_status(
        &site.admin,
        &format!("/v1/cdps/{}", acc.service.id),
        ServiceState::Ready,
    )
    .await;
    let out = tmp.join("after-restart");
    fetch(&site.mp, &request(&site, &pkg.id, out.clone()), |_| {})
        .await
        .expect("fetch");
    assert_eq!(std::fs::read(out.join("l.bin")).expect("file"), bytes);
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_distribution_reads_the_services_storage_again_without_waiting_for_the_hourly_collection()
{
    // The default collection is hourly: only the distribution itself can bring a new figure.
    let mut site = Site::start().await;
    site.create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let tmp = site.tmp.path().to_path_buf();
    let bytes = data(200_000, 9);
    let pkg = add_package(&site.admin, &tmp, "Fresh", &[("fresh.bin", bytes.clone())]).await;
    distribute(&site.admin, &pkg.id, &["cdp1.lab.contoso.com"]).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s: ServiceView = site
            .admin
            .get("/v1/cdps/cdp1.lab.contoso.com")
            .await
            .expect("service");
        let stored = s.usage.as_ref().map_or(0, |u| u.storage_bytes);
        // The stored blob is the ciphertext: at least as large as the plaintext.
        if stored >= bytes.len() as u64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the storage figure stayed at {stored} bytes after the distribution"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    site.shutdown().await;
}
