//! Health checks against an in-process site with a 100 ms health interval: a Ready service
//! stopped behind the site's back (through the cloud's management API) raises `not_serving`
//! and clears it once started again; a certificate expiring in 10 days raises the
//! `certificate_expiring` warning; one that expires while the site runs raises
//! `certificate_expired` with exactly one 9425; a subscription whose management certificate
//! is unregistered raises `subscription_refused` until it is registered again; a disabled
//! alert is neither raised nor cleared.
//!
//! Negative checks ("nothing more happened") wait for rounds by watching other alerts come and
//! go: three successive changes prove that a whole round ran after the first one.

mod common;
mod site_support;

use cloudsite::api::client::EventStream;
use cloudsite::api::wire::{AlertView, Event};
use cloudsite::api::wire::{CertUpload, CreateCdp, ServiceView, StatusMessageView};
use cloudsite::cloud::local::LocalProvider;
use cloudsite::cloud::{Caller, Provider, Subscription};
use cloudsite::domain::alert::{AlertState, AlertType, Severity};
use cloudsite::site::monitor::MonitorOptions;
use cloudsite::site::repo::alerts::CLEARED_BY;
use site_support::{Lab, Site, SiteConfig, b64};
use std::time::Duration;

/// Longest wait for one alert change (many health rounds).
const WAIT: Duration = Duration::from_secs(20);

async fn start() -> Site {
    Site::start_with(SiteConfig {
        monitor: MonitorOptions {
            health_interval: Duration::from_millis(100),
            ..Default::default()
        },
        ..Default::default()
    })
    .await
}

/// The site's cloud, called as the lab's subscription (the way an operator's portal would).
fn behind_the_sites_back(site: &Site) -> (LocalProvider, Caller) {
    let lab: &Lab = &site.lab;
    let bytes = std::fs::read(&lab.management_pfx).expect("the lab's management .pfx");
    let opts = cloudsite::cert::Options::new().password(lab.password.clone());
    let (report, identity) = cloudsite::cert::inspect_identity(&bytes, &opts);
    let identity = identity.unwrap_or_else(|| panic!("no key in the management .pfx: {report:?}"));
    let cloud = site
        .handle
        .as_ref()
        .expect("running")
        .cloud()
        .expect("embedded cloud");
    let caller = Caller {
        subscription: Subscription {
            id: lab.subscription_id.clone(),
            management_cert_pem: identity.cert_pem(),
            management_key_pem: identity.key_pem(),
        },
        proxy: None,
    };
    (cloud.provider().expect("provider"), caller)
}

/// The `alert` events of the site, with every one seen kept.
struct Alerts {
    events: EventStream,
    seen: Vec<AlertView>,
}

impl Alerts {
    async fn watch(site: &Site) -> Alerts {
        Alerts {
            events: site.admin.events(None).await.expect("event stream"),
            seen: Vec::new(),
        }
    }

    /// The next alert event of `type_id` for `service` in state `state` (0 active, 2 closed).
    async fn next(
        &mut self,
        type_id: AlertType,
        service: Option<&str>,
        state: AlertState,
    ) -> AlertView {
        let found = tokio::time::timeout(WAIT, async {
            loop {
                let ev = self
                    .events
                    .next()
                    .await
                    .expect("stream open")
                    .expect("an event");
                let Event::Alert(a) = ev.event else {
                    continue;
                };
                self.seen.push(a.clone());
                if a.type_id == type_id && a.service_id.as_deref() == service && a.state == state {
                    return a;
                }
            }
        })
        .await;
        found.unwrap_or_else(|_| {
            panic!(
                "no {type_id} alert in state {state:?} for {service:?} within {WAIT:?}; seen: {:#?}",
                self.seen
            )
        })
    }

    /// Toggles `canary` (a Ready service) off and on behind the site's back, waiting for
    /// each `not_serving` change: three changes, each in a later round than the one before,
    /// so the round of the first has fully run before this returns.
    async fn rounds_pass(&mut self, site: &Site, canary: &ServiceView) {
        let (cloud, caller) = behind_the_sites_back(site);
        for n in 0..3 {
            if n % 2 == 0 {
                cloud.stop(&caller, &canary.name).await.expect("stop");
                self.next(AlertType::NotServing, Some(&canary.id), AlertState::Active)
                    .await;
            } else {
                cloud.start(&caller, &canary.name).await.expect("start");
                self.next(
                    AlertType::NotServing,
                    Some(&canary.id),
                    AlertState::Canceled,
                )
                .await;
            }
        }
        cloud.start(&caller, &canary.name).await.expect("start");
        self.next(
            AlertType::NotServing,
            Some(&canary.id),
            AlertState::Canceled,
        )
        .await;
    }
}

fn cloud_mgr_log(site: &Site) -> String {
    std::fs::read_to_string(site.data_dir.join("logs/CloudMgr.log")).expect("CloudMgr.log")
}

/// A Create CDP request with a service certificate for `fqdn` valid until `not_after`.
fn cdp_with_cert(site: &Site, fqdn: &str, not_after: time::OffsetDateTime) -> CreateCdp {
    let mut spec = common::Spec::service(fqdn);
    spec.not_after = not_after;
    let made = common::make(&spec);
    CreateCdp {
        primary_site: None,
        service_certificate: CertUpload {
            file_base64: b64(&common::pfx(&made, &[], "pw")),
            password: "pw".into(),
        },
        description: format!("test CDP {fqdn}"),
        ..site.lab.cdp(&site.lab.cert_of_kind("valid").fqdn)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_service_stopped_behind_the_sites_back_is_not_serving_until_started_again() {
    let mut site = start().await;
    let mut alerts = Alerts::watch(&site).await;
    let cdp = site
        .create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let (cloud, caller) = behind_the_sites_back(&site);

    cloud
        .stop(&caller, &cdp.name)
        .await
        .expect("stop in the cloud");
    let raised = alerts
        .next(AlertType::NotServing, Some(&cdp.id), AlertState::Active)
        .await;
    assert_eq!(
        (raised.severity, raised.name.as_str()),
        (Severity::Critical, "Service is not serving clients")
    );
    assert_eq!(raised.details["deployment"], cdp.name.as_str());
    let problem = raised.details["problems"][0]["problem"]
        .as_str()
        .expect("a problem");
    assert!(problem.starts_with("the deployment is Stop"), "{problem}");
    // The site still believes the service is Ready: the alert is the only sign.
    let view: ServiceView = site
        .admin
        .get(&format!("/v1/cdps/{}", cdp.id))
        .await
        .expect("get");
    assert_eq!(view.status, cloudsite::domain::service::ServiceState::Ready);

    // Serving again means Running, every instance ReadyRole, and each answering over TLS.
    cloud
        .start(&caller, &cdp.name)
        .await
        .expect("start in the cloud");
    let cleared = alerts
        .next(AlertType::NotServing, Some(&cdp.id), AlertState::Canceled)
        .await;
    assert_eq!(cleared.closed_by.as_deref(), Some(CLEARED_BY));
    let log = cloud_mgr_log(&site);
    let raised_line = "Alert 'Service is not serving clients' (not_serving) raised for service \
                       cdp1.lab.contoso.com";
    assert!(log.contains(raised_line), "{log}");
    assert!(
        log.contains("(not_serving) cleared for service cdp1.lab.contoso.com"),
        "{log}"
    );
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_certificate_expiring_within_the_warning_days_raises_a_warning() {
    let mut site = start().await;
    let mut alerts = Alerts::watch(&site).await;
    let in_ten_days = time::OffsetDateTime::now_utc() + time::Duration::days(10);
    let req = cdp_with_cert(&site, "soon.lab.contoso.com", in_ten_days);
    let cdp = site.create_cdp_ready(&req).await;

    let warning = alerts
        .next(
            AlertType::CertificateExpiring,
            Some(&cdp.id),
            AlertState::Active,
        )
        .await;
    assert_eq!(warning.severity, Severity::Warning);
    let cert = &warning.details["certificates"][0];
    assert_eq!(cert["certificate"], "service");
    let left = cert["days_left"].as_i64().expect("days_left");
    assert!((9..=10).contains(&left), "{left}");
    assert_eq!(warning.details["warning_days"], 30);
    // The lab's management certificate is good for years: only the service one is named.
    assert_eq!(
        warning.details["certificates"].as_array().map(Vec::len),
        Some(1)
    );
    site.shutdown().await;
}

/// The site refuses an expired service certificate on create, so the honest way to get an
/// expired one is a certificate that expires a few seconds after the service is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_certificate_that_expires_raises_a_critical_alert_and_one_9425() {
    let mut site = start().await;
    let mut alerts = Alerts::watch(&site).await;
    let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(6);
    let cdp = site
        .create_cdp_ready(&cdp_with_cert(&site, "brief.lab.contoso.com", soon))
        .await;

    // Seconds before expiry it is "expiring"; then expired, and the warning goes.
    alerts
        .next(
            AlertType::CertificateExpiring,
            Some(&cdp.id),
            AlertState::Active,
        )
        .await;
    let expired = alerts
        .next(
            AlertType::CertificateExpired,
            Some(&cdp.id),
            AlertState::Active,
        )
        .await;
    assert_eq!(expired.severity, Severity::Critical);
    assert_eq!(expired.details["certificates"][0]["certificate"], "service");
    alerts
        .next(
            AlertType::CertificateExpiring,
            Some(&cdp.id),
            AlertState::Canceled,
        )
        .await;

    alerts.rounds_pass(&site, &cdp).await;
    let msgs: Vec<StatusMessageView> = site
        .admin
        .get(&format!(
            "/v1/status-messages?service={}&limit=1000",
            cdp.id
        ))
        .await
        .expect("status messages");
    let expiry: Vec<_> = msgs.iter().filter(|m| m.message_id == 9425).collect();
    assert_eq!(expiry.len(), 1, "one 9425 across rounds: {expiry:#?}");
    assert!(
        expiry[0]
            .text
            .contains("service certificate of brief.lab.contoso.com expired on")
    );
    let log = cloud_mgr_log(&site);
    assert_eq!(log.matches("is in expired state").count(), 1, "{log}");
    let again: Vec<_> = alerts
        .seen
        .iter()
        .filter(|a| a.type_id == AlertType::CertificateExpired)
        .collect();
    assert_eq!(again.len(), 1, "raised once, not every round: {again:#?}");
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unregistered_management_certificate_is_a_refused_subscription_until_registered() {
    let mut site = start().await;
    let mut alerts = Alerts::watch(&site).await;
    let cdp = site
        .create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let cloud = site
        .handle
        .as_ref()
        .expect("running")
        .cloud()
        .expect("embedded cloud");
    let file = cloud
        .data_dir()
        .join("subscriptions")
        .join(format!("{}.json", site.lab.subscription_id.to_lowercase()));
    let original = std::fs::read(&file).expect("the lab's registration");

    // The portal's "delete management certificate": the subscription stays, the cert goes.
    let mut record: serde_json::Value = serde_json::from_slice(&original).expect("JSON");
    record["certificates"] = serde_json::json!([]);
    write_atomic(&file, &serde_json::to_vec_pretty(&record).expect("JSON"));
    let refused = alerts
        .next(
            AlertType::SubscriptionRefused,
            Some(&cdp.id),
            AlertState::Active,
        )
        .await;
    assert_eq!(refused.severity, Severity::Critical);
    assert_eq!(
        refused.details["subscription_id"],
        site.lab.subscription_id.as_str()
    );
    assert!(
        refused.details["error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{refused:?}"
    );

    write_atomic(&file, &original);
    let cleared = alerts
        .next(
            AlertType::SubscriptionRefused,
            Some(&cdp.id),
            AlertState::Canceled,
        )
        .await;
    assert_eq!(cleared.closed_by.as_deref(), Some(CLEARED_BY));
    // A refusal is not an unreachable cloud, nor a service that stopped serving.
    assert!(
        !alerts
            .seen
            .iter()
            .any(|a| a.type_id == AlertType::CloudUnreachable || a.type_id == AlertType::NotServing),
        "{:#?}",
        alerts.seen
    );
    site.shutdown().await;
}

/// The cloud re-reads the registry on every request; a rename never shows it half written.
fn write_atomic(path: &std::path::Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_disabled_alert_is_neither_raised_nor_cleared() {
    let mut site = start().await;
    let mut alerts = Alerts::watch(&site).await;
    let cdp = site
        .create_cdp_ready(&site.lab.cdp("cdp1.lab.contoso.com"))
        .await;
    let canary = site
        .create_cdp_ready(&site.lab.cdp("cdp2.lab.contoso.com"))
        .await;
    let (cloud, caller) = behind_the_sites_back(&site);

    cloud.stop(&caller, &cdp.name).await.expect("stop");
    let raised = alerts
        .next(AlertType::NotServing, Some(&cdp.id), AlertState::Active)
        .await;
    let disabled: AlertView = site
        .admin
        .post(
            &format!("/v1/alerts/{}/disable", raised.id),
            &serde_json::json!({}),
        )
        .await
        .expect("disable");
    assert_eq!(
        (disabled.state, disabled.enabled),
        (AlertState::Disabled, false)
    );

    // Serving again would clear it, stopping again would raise it: neither happens.
    cloud.start(&caller, &cdp.name).await.expect("start");
    alerts.rounds_pass(&site, &canary).await;
    cloud.stop(&caller, &cdp.name).await.expect("stop again");
    alerts.rounds_pass(&site, &canary).await;

    let list: Vec<AlertView> = site.admin.get("/v1/alerts").await.expect("alerts");
    let now = list
        .iter()
        .find(|a| a.id == raised.id)
        .expect("still listed");
    assert_eq!((now.state, now.enabled), (AlertState::Disabled, false));
    assert_eq!(now.occurrences, disabled.occurrences);
    let about_it: Vec<_> = alerts
        .seen
        .iter()
        .filter(|a| {
            a.id == raised.id
                && (a.occurrences > disabled.occurrences || a.state == AlertState::Canceled)
        })
        .collect();
    assert!(about_it.is_empty(), "no event once disabled: {about_it:#?}");
    site.shutdown().await;
}
