//! Monitoring end to end: usage collected from the local cloud (blobs put straight into a
//! service's storage, downloaded from its instances with a signed token), CloudDP logs,
//! threshold alerts raised and cleared, disabled alerts left alone, CMG stop-at-critical,
//! and the cost.

mod site_support;

use cloudsite::api::client::EventStream;
use cloudsite::api::wire::AlertView;
use cloudsite::api::wire::{EventView, ServiceView, StatusMessageView, ThresholdInput};
use cloudsite::cloud::local::CONTENT_CONTAINER;
use cloudsite::cloud::{BlobTarget, Caller, Provider, Subscription};
use cloudsite::content::token::{self, Claims};
use cloudsite::domain::alert::{AlertState, AlertType, Severity};
use cloudsite::domain::cost::PriceTable;
use cloudsite::domain::service::{ServiceState, storage_account_name};
use cloudsite::site::monitor::MonitorOptions;
use cloudsite::site::repo::alerts::CLEARED_BY;
use cloudsite::site::secrets::SecretBox;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use site_support::*;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Bytes per quota "GB" in these tests: a kilobyte, so a few downloads cross a threshold.
const UNIT: u64 = 1024;
/// Longest wait for anything the monitor does (collections run every 200 ms).
const PATIENCE: Duration = Duration::from_secs(20);

fn options() -> MonitorOptions {
    MonitorOptions {
        usage_interval: Duration::from_millis(200),
        cmg_stop_check: Duration::from_millis(100),
        // Health checks are another module's business: keep them out of the way.
        health_interval: Duration::from_secs(3600),
        quota_unit_bytes: UNIT,
        ..MonitorOptions::default()
    }
}

async fn site_with(monitor: MonitorOptions) -> Site {
    Site::start_with(SiteConfig {
        monitor,
        ..SiteConfig::default()
    })
    .await
}

/// The lab subscription with its management certificate, as the site calls the cloud.
fn caller(site: &Site) -> Caller {
    let bytes = std::fs::read(&site.lab.management_pfx).expect("management .pfx");
    let mut opts = cloudsite::cert::Options::new();
    opts.password = site.lab.password.clone();
    let (_, identity) = cloudsite::cert::inspect_identity(&bytes, &opts);
    let identity = identity.expect("the management .pfx opens with the lab password");
    Caller {
        subscription: Subscription {
            id: site.lab.subscription_id.clone(),
            management_cert_pem: identity.cert_pem(),
            management_key_pem: identity.key_pem(),
        },
        proxy: None,
    }
}

/// Puts `data` as blob `pkg/name` straight into the service's storage container.
async fn put_blob(site: &Site, svc: &ServiceView, blob: &str, data: &[u8]) {
    let account = storage_account_name(&svc.name).expect("storage account name");
    let file = site.tmp.path().join(blob.replace('/', "_"));
    std::fs::write(&file, data).expect("write blob file");
    let sha = hex::encode(Sha256::digest(data));
    let provider = site
        .handle
        .as_ref()
        .and_then(|h| h.cloud())
        .expect("an embedded cloud")
        .provider()
        .expect("provider");
    let target = BlobTarget {
        account,
        container: CONTENT_CONTAINER.into(),
        blob: blob.into(),
    };
    provider
        .put_blob(&caller(site), &target, &file, &sha)
        .await
        .expect("put blob");
}

/// Downloads blob `pkg/name` from the service's first instance, as a client with a token
/// from the management point would; returns the bytes received.
async fn download(site: &Site, svc: &ServiceView, blob: &str) -> usize {
    let key = SecretBox::load_or_create(&site.data_dir)
        .expect("site secrets")
        .derive_key(&format!("content-access:{}", svc.id));
    let (pkg, _) = blob.split_once('/').expect("pkg/name");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let token = token::issue(
        &key,
        &Claims {
            svc: svc.name.to_ascii_lowercase(),
            pkg: pkg.into(),
            iat: now,
            exp: now + 600,
        },
    );
    let addr: SocketAddr = svc
        .instances
        .iter()
        .find_map(|i| i.address.as_deref()?.parse().ok())
        .expect("an instance address");
    cloudsite::tls::install_crypto_provider();
    let root = reqwest::Certificate::from_der(&std::fs::read(&site.lab.root_ca).expect("root"))
        .expect("root CA");
    let http = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([root])
        .resolve(&svc.service_fqdn, addr)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let resp = http
        .get(format!(
            "https://{}:{}/content/{blob}",
            svc.service_fqdn,
            addr.port()
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    assert!(resp.status().is_success(), "download: {}", resp.status());
    resp.bytes().await.expect("body").len()
}

/// An event as it is on the wire: its name and its object as JSON.
#[derive(Debug)]
struct Raw {
    kind: String,
    data: Value,
}

impl From<&EventView> for Raw {
    fn from(e: &EventView) -> Raw {
        let v = serde_json::to_value(e).expect("an event serializes");
        Raw {
            kind: v["kind"].as_str().unwrap_or_default().to_string(),
            data: v["data"].clone(),
        }
    }
}

/// Reads events until one satisfies `want`; fails after [`PATIENCE`].
async fn wait_event(events: &mut EventStream, what: &str, want: impl Fn(&Raw) -> bool) -> Raw {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.next()).await {
            Ok(Some(Ok(e))) if want(&Raw::from(&e)) => return Raw::from(&e),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => panic!("event stream failed while waiting for {what}: {e}"),
            Ok(None) => panic!("event stream ended while waiting for {what}"),
            Err(_) => panic!("no {what} within {PATIENCE:?}"),
        }
    }
}

/// The next `usage` event of service `id` whose usage satisfies `want`.
async fn wait_usage(events: &mut EventStream, id: &str, want: impl Fn(&Value) -> bool) -> Value {
    let e = wait_event(events, "usage event", |e| {
        e.kind == "usage" && e.data["service_id"] == id && want(&e.data["usage"])
    })
    .await;
    e.data["usage"].clone()
}

/// The next `alert` event of `type_id` on service `id` in `state`.
async fn wait_alert(events: &mut EventStream, id: &str, type_id: &str, state: &str) -> AlertView {
    let e = wait_event(events, &format!("{type_id} alert in state {state}"), |e| {
        e.kind == "alert"
            && e.data["service_id"] == id
            && e.data["type_id"] == type_id
            && e.data["state"] == state
    })
    .await;
    serde_json::from_value(e.data).expect("alert view")
}

async fn alerts(site: &Site, id: &str) -> Vec<AlertView> {
    let all: Vec<AlertView> = site.admin.get("/v1/alerts").await.expect("alerts");
    all.into_iter()
        .filter(|a| a.service_id.as_deref() == Some(id))
        .collect()
}

fn threshold(quota_gb: i64) -> ThresholdInput {
    ThresholdInput {
        quota_gb: Some(quota_gb),
        warning_pct: Some(50),
        critical_pct: Some(90),
    }
}

fn log_text(site: &Site, file: &str) -> String {
    std::fs::read_to_string(site.data_dir.join("logs").join(file)).unwrap_or_default()
}

/// The log once it holds every one of `lines`: the site writes a log line just after it
/// publishes the event a test waits for, so the line may land a moment later.
async fn log_with(site: &Site, file: &str, lines: &[&str]) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let log = log_text(site, file);
        if lines.iter().all(|l| log.contains(l)) || Instant::now() > deadline {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn usage_is_sampled_logged_and_egress_counted_exactly_with_a_cost() {
    // Instance-hours priced so a few seconds already cost cents.
    let prices = PriceTable {
        instance_hour: BTreeMap::from([("Standard_A0".to_string(), 3600.0)]),
        ..PriceTable::default()
    };
    let site = site_with(MonitorOptions {
        prices,
        ..options()
    })
    .await;
    let mut events = site.admin.events(None).await.expect("events");
    let svc = site
        .create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;

    // A fresh service shows usage at the next collection: nothing sent yet.
    let first = wait_usage(&mut events, &svc.id, |_| true).await;
    assert_eq!(first["window_days"], 30);
    assert_eq!(first["quota_unit_bytes"], UNIT);
    assert_eq!(first["daily_transfer"].as_array().map(Vec::len), Some(30));
    let before = first["transfer_bytes"].as_u64().expect("transfer_bytes");

    let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    put_blob(&site, &svc, "PS100001/setup.bin", &data).await;
    let got = download(&site, &svc, "PS100001/setup.bin").await;
    assert_eq!(got, data.len());
    let got2 = download(&site, &svc, "PS100001/setup.bin").await;

    let want = before + (got + got2) as u64;
    let usage = wait_usage(&mut events, &svc.id, |u| {
        u["transfer_bytes"].as_u64() == Some(want) && u["storage_bytes"] == data.len()
    })
    .await;
    let daily: u64 = usage["daily_transfer"]
        .as_array()
        .expect("daily")
        .iter()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(daily, want, "today's bucket holds what was sent");
    assert_eq!(usage["daily_transfer"][29], want);

    // A collection later, with nothing more sent, the count does not move.
    let later = wait_usage(&mut events, &svc.id, |_| true).await;
    assert_eq!(later["transfer_bytes"].as_u64(), Some(want));

    // The cost: two A0 instances at $3600 an hour cost cents within seconds.
    let cost = &later["cost"];
    let mtd = cost["month_to_date_cents"].as_i64().expect("mtd");
    let projected = cost["projected_month_cents"].as_i64().expect("projected");
    assert_eq!(
        cost["illustrative"], false,
        "configured prices are not illustrative"
    );
    assert_eq!(cost["currency"], "USD");
    assert!(mtd > 0, "{cost}");
    assert!(projected >= mtd, "{cost}");

    // The service view carries the usage; samples are in the database; CloudDP log has lines.
    let view: ServiceView = site
        .admin
        .get(&format!("/v1/cdps/{}", svc.id))
        .await
        .expect("cdp");
    let u = view.usage.expect("usage on the service view");
    assert!(u.transfer_bytes >= want);
    let id = svc.id.clone();
    let samples: i64 = site
        .with_store(move |store| {
            store.with(|c| {
                c.query_row(
                    "SELECT count(*) FROM usage_samples WHERE service_id = ?1",
                    cloudsite::site::db::params![id],
                    |r| r.get(0),
                )
            })
        })
        .await
        .expect("count");
    assert!(samples >= 3, "{samples} samples");
    let log = log_text(&site, &format!("CloudDP-{}.log", svc.name));
    let lines = log
        .lines()
        .filter(|l| l.contains(&format!("Usage of {}", svc.name)))
        .count();
    assert!(lines >= 3, "CloudDP log:\n{log}");
    assert!(
        log.contains(&format!("{} bytes over 30 days", want)),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn transfer_alerts_go_warning_then_critical_and_clear_when_the_quota_is_raised() {
    let site = site_with(options()).await;
    let mut events = site.admin.events(None).await.expect("events");
    let req = cloudsite::api::wire::CreateCdp {
        primary_site: None,
        transfer: threshold(1),
        ..site.lab.cdp("cdp1.lab.contoso.com")
    };
    let svc = site.create_cdp_ready(&req).await;
    wait_usage(&mut events, &svc.id, |_| true).await;

    // 600 bytes of a 1024-byte quota: 58 %, warning (50 %) but not critical (90 %).
    put_blob(&site, &svc, "PS100001/a.bin", &[7u8; 600]).await;
    download(&site, &svc, "PS100001/a.bin").await;
    let warning = wait_alert(&mut events, &svc.id, "transfer_warning", "active").await;
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(warning.details["used_bytes"], 600);
    assert_eq!(warning.details["quota_bytes"], UNIT);
    assert_eq!(warning.details["window_days"], 30);
    assert!(
        warning.name.contains("Transfer warning"),
        "{}",
        warning.name
    );
    let now = alerts(&site, &svc.id).await;
    assert!(
        !now.iter()
            .any(|a| a.type_id == AlertType::TransferCritical && a.state == AlertState::Active),
        "{now:?}"
    );

    // 1200 bytes: critical too; both stay active and count occurrences.
    download(&site, &svc, "PS100001/a.bin").await;
    let critical = wait_alert(&mut events, &svc.id, "transfer_critical", "active").await;
    assert_eq!(critical.severity, Severity::Critical);
    assert_eq!(critical.details["used_bytes"], 1200);
    let again = wait_alert(&mut events, &svc.id, "transfer_warning", "active").await;
    assert!(again.occurrences > warning.occurrences);

    // Properties: the quota raised to 100 "GB"; both alerts clear at the next evaluation.
    let _: Value = site
        .admin
        .patch(
            &format!("/v1/cdps/{}", svc.id),
            &json!({ "transfer": { "quota_gb": 100 } }),
        )
        .await
        .expect("set transfer quota");
    for type_id in ["transfer_warning", "transfer_critical"] {
        let cleared = wait_alert(&mut events, &svc.id, type_id, "canceled").await;
        assert_eq!(cleared.closed_by.as_deref(), Some(CLEARED_BY));
    }
    let (raised, cleared) = (
        "Alert raised (transfer_critical)",
        "Alert cleared (transfer_warning)",
    );
    let log = log_with(&site, "CloudMgr.log", &[raised, cleared]).await;
    assert!(log.contains(raised), "{log}");
    assert!(log.contains(cleared), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_disabled_alert_is_neither_raised_nor_cleared() {
    let site = site_with(options()).await;
    let mut events = site.admin.events(None).await.expect("events");
    let req = cloudsite::api::wire::CreateCdp {
        primary_site: None,
        storage: threshold(1),
        ..site.lab.cdp("cdp2.lab.contoso.com")
    };
    let svc = site.create_cdp_ready(&req).await;
    put_blob(&site, &svc, "PS100001/b.bin", &[1u8; 700]).await;
    let raised = wait_alert(&mut events, &svc.id, "storage_warning", "active").await;
    assert_eq!(raised.details["used_bytes"], 700);

    let disabled: AlertView = site
        .admin
        .post(&format!("/v1/alerts/{}/disable", raised.id), &json!({}))
        .await
        .expect("disable");
    assert_eq!(
        (disabled.state, disabled.enabled),
        (AlertState::Disabled, false)
    );
    // The Disable's own event; after it, nothing about this alert.
    let after_disable = wait_alert(&mut events, &svc.id, "storage_warning", "disabled").await;
    let occurrences = after_disable.occurrences;

    // Three more collections with the condition still true: the alert stays as it is and no
    // event names it.
    for _ in 0..3 {
        let e = wait_event(&mut events, "usage or storage_warning event", |e| {
            (e.kind == "usage" && e.data["service_id"] == svc.id.as_str())
                || (e.kind == "alert" && e.data["id"] == raised.id.as_str())
        })
        .await;
        assert_eq!(e.kind, "usage", "a disabled alert was published: {e:?}");
    }
    let after = alerts(&site, &svc.id).await;
    let a = after.iter().find(|a| a.id == raised.id).expect("alert");
    assert_eq!(
        (a.state, a.occurrences, a.enabled),
        (AlertState::Disabled, occurrences, false)
    );

    // Nor is it cleared when the condition ends.
    let _: Value = site
        .admin
        .patch(
            &format!("/v1/cdps/{}", svc.id),
            &json!({ "storage": { "quota_gb": 100 } }),
        )
        .await
        .expect("set storage quota");
    for _ in 0..2 {
        wait_usage(&mut events, &svc.id, |_| true).await;
    }
    let after = alerts(&site, &svc.id).await;
    let a = after.iter().find(|a| a.id == raised.id).expect("alert");
    assert_eq!((a.state, a.closed_by.clone()), (AlertState::Disabled, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cmg_over_its_critical_outbound_level_is_stopped_once() {
    let site = site_with(options()).await;
    let mut events = site.admin.events(None).await.expect("events");
    let req = cloudsite::api::wire::CreateCmg {
        serve_content: Some(true),
        egress_alerts: Some(true),
        stop_at_critical: Some(true),
        egress: threshold(1),
        ..site.lab.cmg("cmg1.lab.contoso.com")
    };
    let svc = site.create_cmg_ready(&req).await;
    wait_usage(&mut events, &svc.id, |u| u["window_days"] == 14).await;
    put_blob(&site, &svc, "PS100001/c.bin", &[3u8; 1000]).await;
    download(&site, &svc, "PS100001/c.bin").await;

    let critical = wait_alert(&mut events, &svc.id, "outbound_critical", "active").await;
    assert_eq!(critical.details["window_days"], 14);
    let stopping = wait_event(&mut events, "the CMG stopping", |e| {
        e.kind == "service" && e.data["id"] == svc.id.as_str() && e.data["status"] == "Stopping"
    })
    .await;
    assert_eq!(stopping.data["kind"], "cmg");
    let path = format!("/v1/cmgs/{}", svc.id);
    let stopped = wait_status(&site.admin, &path, ServiceState::Stopped).await;
    assert_eq!(stopped.status, ServiceState::Stopped);

    let messages: Vec<StatusMessageView> = site
        .admin
        .get(&format!("/v1/status-messages?service={}", svc.id))
        .await
        .expect("status messages");
    let stop_msgs: Vec<_> = messages
        .iter()
        .filter(|m| m.message_id == cloudsite::domain::task::message::STOPPED_AT_CRITICAL)
        .collect();
    assert_eq!(stop_msgs.len(), 1, "{messages:#?}");
    assert!(
        stop_msgs[0].text.contains("critical threshold"),
        "{}",
        stop_msgs[0].text
    );
    let tasks: Vec<cloudsite::api::wire::TaskView> = site
        .admin
        .get(&format!("/v1/tasks?service={}", svc.id))
        .await
        .expect("tasks");
    let stops = tasks
        .iter()
        .filter(|t| t.kind == cloudsite::domain::task::TaskKind::Stop)
        .count();
    assert_eq!(stops, 1, "stopped exactly once: {tasks:#?}");
    let needle = "stopping the service";
    assert!(
        log_with(&site, "CloudMgr.log", &[needle])
            .await
            .contains(needle)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_service_gets_its_first_sample_without_waiting_for_the_hourly_collection() {
    // The default hourly interval: only the first-sample rule can fill the usage in time.
    let mut site = Site::start().await;
    let cdp = site
        .create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let view: ServiceView = site
            .admin
            .get(&format!("/v1/cdps/{}", cdp.id))
            .await
            .expect("cdp");
        if let Some(usage) = view.usage {
            assert_eq!(usage.window_days, 30);
            assert!(
                usage.cost.illustrative,
                "the built-in prices are illustrative"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no usage for a new service"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    site.shutdown().await;
}
