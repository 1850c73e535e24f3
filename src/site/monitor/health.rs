//! Health checks: every `health_interval`, each service is checked for serving, certificate
//! expiry and subscription problems, and the matching alerts are raised or cleared
//! (ConfigMgr: "periodically checks the Azure service. If the service isn't active, or if there
//! are subscription or certificate issues, Configuration Manager raises an alert").
//!
//! An alert is raised again only when it is not already active with the same details, so a
//! condition that lasts does not add an occurrence and an event every round.

use crate::cloud::{CloudError, DeploymentState, InstanceState, ServiceStatus};
use crate::domain::service::ServiceState;
use crate::domain::task::{Level, message};
use crate::site::manager::{CLOUD_MGR_LOG, Manager};
use crate::site::repo::{self, RepoError, ServiceRecord};
use crate::site::repo_site::{self, AlertView};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An alert the health checks raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertKind {
    /// `type_id` of the alert row.
    pub type_id: &'static str,
    /// Name shown.
    pub name: &'static str,
    /// 1 critical, 2 warning.
    pub severity: i64,
}

/// A Ready service that does not answer (critical).
pub const NOT_SERVING: AlertKind = AlertKind {
    type_id: "not_serving",
    name: "Service is not serving clients",
    severity: 1,
};
/// The service or management certificate has expired (critical; also status message 9425).
pub const CERTIFICATE_EXPIRED: AlertKind = AlertKind {
    type_id: "certificate_expired",
    name: "Certificate expired",
    severity: 1,
};
/// A certificate expires within `expiry_warning_days` (warning). ConfigMgr gives no such
/// warning: it only writes 9425 once the certificate has expired.
pub const CERTIFICATE_EXPIRING: AlertKind = AlertKind {
    type_id: "certificate_expiring",
    name: "Certificate expires soon",
    severity: 2,
};
/// The cloud refuses the subscription or its management certificate (critical).
pub const SUBSCRIPTION_REFUSED: AlertKind = AlertKind {
    type_id: "subscription_refused",
    name: "Cloud subscription refused",
    severity: 1,
};
/// The cloud could not be reached (warning; one alert for the site, not per service).
pub const CLOUD_UNREACHABLE: AlertKind = AlertKind {
    type_id: "cloud_unreachable",
    name: "Cloud cannot be reached",
    severity: 2,
};

/// How long one instance probe may take, connect to answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// The most of an instance's answer that is read (it is one short line).
const MAX_ANSWER: u64 = 16 * 1024;

/// Runs the health checks until the site stops: a round at once, then one every
/// `health_interval`.
pub async fn run(manager: Arc<Manager>) {
    let mut tick = tokio::time::interval(manager.monitor.health_interval);
    // A round slower than the interval delays the next one instead of bunching them up.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let closed = manager.bus.closed();
    tokio::pin!(closed);
    loop {
        tokio::select! {
            // Checking a cloud that is shutting down would only raise false alerts.
            _ = &mut closed => return,
            _ = async { tick.tick().await; round(&manager).await } => {}
        }
    }
}

/// One round over every service (skipping those being deleted).
pub async fn round(manager: &Manager) {
    let services = match manager.store.call(|c| repo::list_services(c, None)).await {
        Ok(s) => s,
        Err(e) => {
            let text = format!("Health check: cannot read the services: {e}");
            manager.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return;
        }
    };
    let known = match manager.store.call(|c| repo_site::list_alerts(c)).await {
        Ok(list) => list
            .into_iter()
            .map(|a| ((a.type_id.clone(), a.service_id.clone()), a))
            .collect::<HashMap<_, _>>(),
        Err(e) => {
            let text = format!("Health check: cannot read the alerts: {e}");
            manager.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return;
        }
    };
    let tls = match probe_config() {
        Ok(t) => t,
        Err(e) => {
            let text = format!("Health check: cannot set up TLS for the instance probes: {e}");
            manager.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return;
        }
    };
    let mut unreachable = Vec::new();
    let mut reached = services.is_empty();
    for rec in services
        .iter()
        .filter(|r| r.state != ServiceState::Deleting)
    {
        check_certificates(manager, &known, rec).await;
        match check_cloud(manager, &known, rec, &tls).await {
            Ok(()) => reached = true,
            Err(e) => unreachable.push(json!({ "service": rec.service_fqdn, "error": e })),
        }
    }
    let site_wide = if unreachable.is_empty() {
        reached.then_some(None)
    } else {
        let summary = format!("{} service(s) could not be checked", unreachable.len());
        Some(Some((json!({ "failures": unreachable }), summary)))
    };
    if let Some(condition) = site_wide {
        apply(manager, &known, CLOUD_UNREACHABLE, None, condition).await;
    }
}

/// One certificate's expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertDate {
    /// `service` or `management`.
    pub which: &'static str,
    /// End of validity.
    pub not_after: OffsetDateTime,
}

/// The expiry of the service's certificates (those that can be read).
pub fn cert_dates(rec: &ServiceRecord) -> Vec<CertDate> {
    let service = OffsetDateTime::parse(
        &rec.settings.cert_not_after,
        &time::format_description::well_known::Rfc3339,
    )
    .ok();
    let management = crate::cert::pem::blocks(rec.management_cert_pem.as_bytes())
        .ok()
        .and_then(|b| b.into_iter().next())
        .and_then(|b| crate::cert::x509::parse(&b.der).ok())
        .map(|(f, _)| f.validity.1);
    [("service", service), ("management", management)]
        .into_iter()
        .filter_map(|(which, t)| t.map(|not_after| CertDate { which, not_after }))
        .collect()
}

/// Which certificate alerts apply at `now`: the expired ones, and those expiring within
/// `warning_days` with their whole days left.
pub fn cert_conditions(
    certs: &[CertDate],
    now: OffsetDateTime,
    warning_days: i64,
) -> (Vec<CertDate>, Vec<(CertDate, i64)>) {
    let mut expired = Vec::new();
    let mut expiring = Vec::new();
    for c in certs {
        let left = c.not_after - now;
        if c.not_after < now {
            expired.push(c.clone());
        } else if warning_days > 0 && left <= time::Duration::days(warning_days) {
            expiring.push((c.clone(), left.whole_days()));
        }
    }
    (expired, expiring)
}

/// The certificates an alert's details name (`details.certificates[].certificate`).
fn named_certs(details: &Value) -> HashSet<String> {
    details["certificates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["certificate"].as_str().map(str::to_string))
        .collect()
}

/// Expired certificates not yet reported by an active (or postponed) `certificate_expired`
/// alert: each gets its 9425 once, not every round.
pub fn newly_expired(prev: Option<&AlertView>, expired: &[CertDate]) -> Vec<CertDate> {
    let reported = prev
        .filter(|a| a.enabled && matches!(a.state, 0 | 1))
        .map(|a| named_certs(&a.details))
        .unwrap_or_default();
    expired
        .iter()
        .filter(|c| !reported.contains(c.which))
        .cloned()
        .collect()
}

/// Writes 9425 and ConfigMgr's CloudMgr.log line for one expired certificate.
pub async fn report_expired(manager: &Manager, rec: &ServiceRecord, cert: &CertDate) {
    let (what, when) = (cert.which, crate::cert::x509::rfc3339(cert.not_after));
    let line = format!(
        "The {what} certificate of service {} is in expired state. It expired on {when} (UTC).",
        rec.deployment_name
    );
    manager.log(CLOUD_MGR_LOG, Level::Error, &line).await;
    let text = format!(
        "The {what} certificate of {} expired on {when}; renew it in the service's Properties.",
        rec.service_fqdn
    );
    manager
        .status(
            message::CERTIFICATE_EXPIRED,
            Level::Error,
            Some(&rec.id),
            &text,
        )
        .await;
}

type Known = HashMap<(String, Option<String>), AlertView>;

async fn check_certificates(manager: &Manager, known: &Known, rec: &ServiceRecord) {
    let now = OffsetDateTime::now_utc();
    let days = manager.monitor.expiry_warning_days;
    let (expired, expiring) = cert_conditions(&cert_dates(rec), now, days);
    let when = |c: &CertDate| crate::cert::x509::rfc3339(c.not_after);
    let condition = (!expired.is_empty()).then(|| {
        let list: Vec<Value> = expired
            .iter()
            .map(|c| json!({ "certificate": c.which, "not_after": when(c) }))
            .collect();
        let names: Vec<&str> = expired.iter().map(|c| c.which).collect();
        let summary = format!("the {} certificate(s) expired", names.join(" and "));
        (
            json!({ "service": rec.service_fqdn, "certificates": list }),
            summary,
        )
    });
    let prev = known.get(&(CERTIFICATE_EXPIRED.type_id.into(), Some(rec.id.clone())));
    let fresh = newly_expired(prev, &expired);
    if apply(manager, known, CERTIFICATE_EXPIRED, Some(rec), condition).await == Change::Raised {
        for cert in &fresh {
            report_expired(manager, rec, cert).await;
        }
    }
    let condition = (!expiring.is_empty()).then(|| {
        let list: Vec<Value> = expiring
            .iter()
            .map(|(c, left)| json!({ "certificate": c.which, "not_after": when(c), "days_left": left }))
            .collect();
        let parts: Vec<String> = expiring
            .iter()
            .map(|(c, left)| format!("the {} certificate expires in {left} day(s)", c.which))
            .collect();
        let details = json!({ "service": rec.service_fqdn, "certificates": list, "warning_days": days });
        (details, parts.join("; "))
    });
    apply(manager, known, CERTIFICATE_EXPIRING, Some(rec), condition).await;
}

/// Asks the cloud about the service: subscription accepted? serving? `Err` holds the message
/// when the cloud could not be asked (not a refusal).
async fn check_cloud(
    manager: &Manager,
    known: &Known,
    rec: &ServiceRecord,
    tls: &Arc<rustls::ClientConfig>,
) -> Result<(), String> {
    let caller = match manager.caller(rec).await {
        Ok(c) => c,
        Err(e) => {
            let text = format!("Health check of {}: {e}", rec.deployment_name);
            manager.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            // Not the cloud's fault: this says nothing about its reachability.
            return Ok(());
        }
    };
    let status = match manager.provider.status(&caller, &rec.deployment_name).await {
        Ok(s) => s,
        Err(CloudError::Unauthorized(why)) => {
            let details = json!({ "service": rec.service_fqdn, "subscription_id": rec.subscription_id, "error": why });
            let summary = format!("subscription {}: {why}", rec.subscription_id);
            apply(
                manager,
                known,
                SUBSCRIPTION_REFUSED,
                Some(rec),
                Some((details, summary)),
            )
            .await;
            return Ok(());
        }
        Err(e) => return Err(e.to_string()),
    };
    apply(manager, known, SUBSCRIPTION_REFUSED, Some(rec), None).await;
    let problems = if rec.state == ServiceState::Ready {
        let mut problems = status_problems(status.as_ref());
        if problems.is_empty()
            && let Some(s) = &status
        {
            problems = probe_all(tls, &rec.service_fqdn, s).await;
        }
        problems
    } else {
        Vec::new()
    };
    // A task may have moved the service on while the cloud was asked: only a service that is
    // still Ready is expected to serve.
    let id = rec.id.clone();
    let now_ready = matches!(
        manager.store.call(move |c| repo::get_service(c, &id)).await,
        Ok(Some(r)) if r.state == ServiceState::Ready
    );
    let condition = (now_ready && !problems.is_empty()).then(|| {
        let summary = problems
            .iter()
            .map(|p| match &p.instance {
                Some(i) => format!("{i}: {}", p.problem),
                None => p.problem.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let list: Vec<Value> = problems
            .iter()
            .map(|p| json!({ "instance": p.instance, "problem": p.problem }))
            .collect();
        let details = json!({ "service": rec.service_fqdn, "deployment": rec.deployment_name, "problems": list });
        (details, summary)
    });
    apply(manager, known, NOT_SERVING, Some(rec), condition).await;
    Ok(())
}

/// Why a service is not serving: on one instance, or the whole deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Instance id, when the problem is one instance's.
    pub instance: Option<String>,
    /// What is wrong.
    pub problem: String,
}

fn problem(instance: Option<&str>, text: impl Into<String>) -> Problem {
    Problem {
        instance: instance.map(str::to_string),
        problem: text.into(),
    }
}

/// What the cloud's own report says is wrong with a service that should serve (empty: every
/// instance claims to serve, so probe them).
pub fn status_problems(status: Option<&ServiceStatus>) -> Vec<Problem> {
    let Some(s) = status else {
        return vec![problem(None, "the cloud has no such deployment")];
    };
    if s.state != DeploymentState::Running {
        return vec![problem(None, format!("the deployment is {:?}", s.state))];
    }
    if s.instances.is_empty() {
        return vec![problem(None, "the deployment has no instances")];
    }
    s.instances
        .iter()
        .filter_map(|i| match (i.state, i.address) {
            (InstanceState::ReadyRole, Some(_)) => None,
            (InstanceState::ReadyRole, None) => Some(problem(Some(&i.id), "no address")),
            (state, _) => Some(problem(Some(&i.id), format!("the instance is {state:?}"))),
        })
        .collect()
}

/// Probes every instance at once; returns the failures.
async fn probe_all(tls: &Arc<rustls::ClientConfig>, fqdn: &str, s: &ServiceStatus) -> Vec<Problem> {
    let mut set = tokio::task::JoinSet::new();
    for inst in &s.instances {
        let Some(addr) = inst.address else { continue };
        let (tls, fqdn) = (Arc::clone(tls), fqdn.to_string());
        let expected = format!("{} {} ready", s.name, inst.id);
        let id = inst.id.clone();
        set.spawn(async move { (id, probe(tls, &fqdn, addr, &expected).await) });
    }
    let mut out = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((_, Ok(()))) => {}
            Ok((id, Err(why))) => out.push(problem(Some(&id), why)),
            Err(e) => out.push(problem(None, format!("the probe failed: {e}"))),
        }
    }
    out.sort_by(|a, b| a.instance.cmp(&b.instance));
    out
}

/// `GET /` on one instance over TLS with SNI `fqdn`, within [`PROBE_TIMEOUT`].
pub async fn probe(
    tls: Arc<rustls::ClientConfig>,
    fqdn: &str,
    addr: SocketAddr,
    expected: &str,
) -> Result<(), String> {
    let attempt = async {
        let name = ServerName::try_from(fqdn.to_string())
            .map_err(|e| format!("'{fqdn}' is not a TLS server name: {e}"))?;
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let mut stream = tokio_rustls::TlsConnector::from(tls)
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS handshake with {addr} failed: {e}"))?;
        let request = format!("GET / HTTP/1.1\r\nHost: {fqdn}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("cannot send the request to {addr}: {e}"))?;
        let mut answer = Vec::new();
        let read = (&mut stream)
            .take(MAX_ANSWER)
            .read_to_end(&mut answer)
            .await;
        // A server closing without TLS close_notify still gave a full answer.
        if let Err(e) = read
            && answer.is_empty()
        {
            return Err(format!("no answer from {addr}: {e}"));
        }
        check_answer(&answer, expected).map_err(|e| format!("{addr} {e}"))
    };
    match tokio::time::timeout(PROBE_TIMEOUT, attempt).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "no answer from {addr} within {} s",
            PROBE_TIMEOUT.as_secs()
        )),
    }
}

/// Is this raw HTTP answer a 200 whose body is `expected`?
pub fn check_answer(raw: &[u8], expected: &str) -> Result<(), String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.lines().next().unwrap_or_default();
    let code = status.split_whitespace().nth(1);
    if !status.starts_with("HTTP/") || code.is_none() {
        let start: String = status.chars().take(80).collect();
        return Err(format!("did not answer HTTP ('{start}')"));
    }
    if code != Some("200") {
        return Err(format!("answered '{status}'"));
    }
    if body.trim() != expected {
        let start: String = body.trim().chars().take(80).collect();
        return Err(format!("answered '{start}', not '{expected}'"));
    }
    Ok(())
}

/// TLS for probes: any server certificate is accepted, since the question is whether the
/// instance answers, not whether a client would trust it (certificate rules are checked on
/// upload and by the expiry alerts).
pub fn probe_config() -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let provider = crate::cloud::tls::provider();
    let verifier = AnyServerCert(provider.signature_verification_algorithms);
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts any server certificate whose handshake signature is valid.
#[derive(Debug)]
struct AnyServerCert(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Raised,
    Cleared,
    Unchanged,
}

/// Should a condition that holds (with `details`) raise the alert again?
pub fn should_raise(prev: Option<&AlertView>, details: &Value, now: OffsetDateTime) -> bool {
    let Some(a) = prev else { return true };
    if !a.enabled {
        return false;
    }
    match a.state {
        // Active: only news (other details) is worth an occurrence and an event.
        0 => a.details != *details,
        // Postponed: silent until the chosen time.
        1 => a
            .skip_until
            .as_deref()
            .and_then(|t| {
                OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .is_none_or(|until| until <= now),
        _ => true,
    }
}

/// Raises (`condition`: details and a one-line summary) or clears one alert, respecting a
/// disabled alert; publishes and logs what changed.
async fn apply(
    manager: &Manager,
    known: &Known,
    kind: AlertKind,
    rec: Option<&ServiceRecord>,
    condition: Option<(Value, String)>,
) -> Change {
    let sid = rec.map(|r| r.id.clone());
    let prev = known.get(&(kind.type_id.to_string(), sid.clone()));
    let target = rec.map_or_else(
        || "the site".to_string(),
        |r| format!("service {}", r.service_fqdn),
    );
    let changed: Result<Option<AlertView>, RepoError> = match &condition {
        Some((details, _)) if should_raise(prev, details, OffsetDateTime::now_utc()) => {
            let details = details.clone();
            manager
                .store
                .call(move |c| {
                    // Checked again here: it may have been disabled since the round began.
                    if !repo_site::alert_enabled(c, kind.type_id, sid.as_deref())? {
                        return Ok(None);
                    }
                    repo_site::raise_alert(
                        c,
                        kind.type_id,
                        sid.as_deref(),
                        kind.name,
                        kind.severity,
                        details,
                    )
                    .map(Some)
                })
                .await
        }
        Some(_) => Ok(None),
        None if prev.is_some_and(|a| a.enabled && matches!(a.state, 0 | 1)) => {
            manager
                .store
                .call(move |c| repo_site::clear_alert(c, kind.type_id, sid.as_deref()))
                .await
        }
        None => Ok(None),
    };
    let view = match changed {
        Ok(Some(v)) => v,
        Ok(None) => return Change::Unchanged,
        Err(e) => {
            let text = format!(
                "Health check: cannot update the alert {} for {target}: {e}",
                kind.type_id
            );
            manager.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return Change::Unchanged;
        }
    };
    manager.bus.publish("alert", &view);
    let (level, text, change) = match &condition {
        Some((_, summary)) => (
            if kind.severity == 1 {
                Level::Error
            } else {
                Level::Warning
            },
            format!(
                "Alert '{}' ({}) raised for {target}: {summary}",
                kind.name, kind.type_id
            ),
            Change::Raised,
        ),
        None => (
            Level::Info,
            format!(
                "Alert '{}' ({}) cleared for {target}: the condition is no longer true",
                kind.name, kind.type_id
            ),
            Change::Cleared,
        ),
    };
    manager.log(CLOUD_MGR_LOG, level, &text).await;
    change
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::InstanceStatus;

    fn at(days: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000 + days)
    }

    fn cert(which: &'static str, days: i64) -> CertDate {
        CertDate {
            which,
            not_after: at(days),
        }
    }

    fn alert(state: i64, enabled: bool, details: Value, skip_until: Option<&str>) -> AlertView {
        AlertView {
            id: "a".into(),
            type_id: CERTIFICATE_EXPIRED.type_id.into(),
            service_id: Some("s".into()),
            name: CERTIFICATE_EXPIRED.name.into(),
            severity: 1,
            state,
            occurrences: 1,
            first_seen: None,
            last_seen: None,
            details,
            skip_until: skip_until.map(str::to_string),
            comments: Vec::new(),
            closed_by: None,
            enabled,
        }
    }

    #[test]
    fn cert_conditions_split_expired_expiring_and_fine() {
        let certs = [cert("service", -1), cert("management", 10)];
        let (expired, expiring) = cert_conditions(&certs, at(0), 30);
        assert_eq!(expired, vec![cert("service", -1)]);
        assert_eq!(expiring, vec![(cert("management", 10), 10)]);
        let (expired, expiring) = cert_conditions(&[cert("service", 31)], at(0), 30);
        assert!(expired.is_empty() && expiring.is_empty());
        // The last day of the window still warns; no window, no warning.
        assert_eq!(
            cert_conditions(&[cert("service", 30)], at(0), 30).1.len(),
            1
        );
        assert!(
            cert_conditions(&[cert("service", 1)], at(0), 0)
                .1
                .is_empty()
        );
    }

    #[test]
    fn each_expired_certificate_is_reported_once_while_the_alert_is_open() {
        let both = [cert("service", -2), cert("management", -1)];
        assert_eq!(newly_expired(None, &both), both.to_vec());
        let service_only = json!({ "certificates": [{ "certificate": "service" }] });
        let active = alert(0, true, service_only.clone(), None);
        assert_eq!(
            newly_expired(Some(&active), &both),
            vec![cert("management", -1)]
        );
        let postponed = alert(1, true, service_only.clone(), None);
        assert_eq!(newly_expired(Some(&postponed), &both[..1]), vec![]);
        // Closed (by an operator or because it was renewed): the next expiry is news again.
        let closed = alert(2, true, service_only, None);
        assert_eq!(newly_expired(Some(&closed), &both[..1]), both[..1].to_vec());
    }

    #[test]
    fn raising_again_needs_news_or_a_closed_alert() {
        let d = json!({ "x": 1 });
        let now = at(0);
        assert!(should_raise(None, &d, now));
        assert!(!should_raise(
            Some(&alert(0, true, d.clone(), None)),
            &d,
            now
        ));
        assert!(should_raise(
            Some(&alert(0, true, d.clone(), None)),
            &json!({ "x": 2 }),
            now
        ));
        assert!(!should_raise(
            Some(&alert(4, false, d.clone(), None)),
            &d,
            now
        ));
        assert!(should_raise(
            Some(&alert(2, true, d.clone(), None)),
            &d,
            now
        ));
        assert!(should_raise(
            Some(&alert(5, true, d.clone(), None)),
            &d,
            now
        ));
        let later = crate::cert::x509::rfc3339(at(1));
        let earlier = crate::cert::x509::rfc3339(at(-1));
        assert!(!should_raise(
            Some(&alert(1, true, d.clone(), Some(&later))),
            &d,
            now
        ));
        assert!(should_raise(
            Some(&alert(1, true, d.clone(), Some(&earlier))),
            &d,
            now
        ));
    }

    fn status(state: DeploymentState, instances: Vec<(InstanceState, bool)>) -> ServiceStatus {
        ServiceStatus {
            name: "cdp1".into(),
            state,
            instances: instances
                .into_iter()
                .enumerate()
                .map(|(n, (state, addr))| InstanceStatus {
                    id: format!("CDP_IN_{n}"),
                    state,
                    address: addr.then(|| SocketAddr::from(([127, 0, 0, 1], 4000 + n as u16))),
                })
                .collect(),
        }
    }

    #[test]
    fn the_clouds_report_says_what_is_not_serving() {
        assert_eq!(
            status_problems(None)[0].problem,
            "the cloud has no such deployment"
        );
        let stopped = status(
            DeploymentState::Stopped,
            vec![(InstanceState::StoppedRole, false)],
        );
        assert_eq!(
            status_problems(Some(&stopped)),
            vec![problem(None, "the deployment is Stopped")]
        );
        let mixed = status(
            DeploymentState::Running,
            vec![
                (InstanceState::ReadyRole, true),
                (InstanceState::BusyRole, true),
                (InstanceState::ReadyRole, false),
            ],
        );
        assert_eq!(
            status_problems(Some(&mixed)),
            vec![
                problem(Some("CDP_IN_1"), "the instance is BusyRole"),
                problem(Some("CDP_IN_2"), "no address"),
            ]
        );
        let good = status(
            DeploymentState::Running,
            vec![(InstanceState::ReadyRole, true)],
        );
        assert!(status_problems(Some(&good)).is_empty());
        assert_eq!(
            status_problems(Some(&status(DeploymentState::Running, vec![]))).len(),
            1
        );
    }

    #[test]
    fn only_a_200_with_the_instances_line_is_an_answer() {
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 19\r\n\r\ncdp1 CDP_IN_0 ready";
        assert_eq!(check_answer(ok, "cdp1 CDP_IN_0 ready"), Ok(()));
        assert!(
            check_answer(ok, "cdp1 CDP_IN_1 ready")
                .unwrap_err()
                .contains("not 'cdp1 CDP_IN_1 ready'")
        );
        let busy = b"HTTP/1.1 503 Service Unavailable\r\n\r\n";
        assert!(check_answer(busy, "x").unwrap_err().contains("503"));
        assert!(
            check_answer(b"\x15\x03\x03", "x")
                .unwrap_err()
                .contains("did not answer HTTP")
        );
    }

    /// A TLS server with a self-signed certificate for another name, answering one request
    /// with `body` only when the client asked for `sni`.
    async fn tls_server(sni: &'static str, body: &'static str) -> SocketAddr {
        crate::cloud::tls::install_crypto_provider();
        let key = rcgen::KeyPair::generate().expect("key");
        let params =
            rcgen::CertificateParams::new(vec!["elsewhere.example".to_string()]).expect("params");
        let cert = params.self_signed(&key).expect("cert");
        let config =
            crate::cloud::tls::server_config(&cert.pem(), &key.serialize_pem(), None).expect("tls");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    continue;
                };
                let asked = tls.get_ref().1.server_name().map(str::to_string);
                let mut buf = [0u8; 1024];
                let _ = tls.read(&mut buf).await;
                let answer = if asked.as_deref() == Some(sni) {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    "HTTP/1.1 421 Misdirected Request\r\ncontent-length: 0\r\n\r\n".to_string()
                };
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_probe_names_the_service_accepts_its_certificate_and_says_what_failed() {
        let tls = probe_config().expect("probe TLS");
        let addr = tls_server("cdp1.contoso.com", "cdp1 CDP_IN_0 ready").await;
        assert_eq!(
            probe(tls.clone(), "cdp1.contoso.com", addr, "cdp1 CDP_IN_0 ready").await,
            Ok(())
        );
        let wrong = probe(
            tls.clone(),
            "other.contoso.com",
            addr,
            "cdp1 CDP_IN_0 ready",
        )
        .await;
        assert!(wrong.unwrap_err().contains("421"));

        // Nothing listens: connect fails.
        let gone = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let gone_addr = gone.local_addr().expect("addr");
        drop(gone);
        let refused = probe(tls.clone(), "cdp1.contoso.com", gone_addr, "x")
            .await
            .unwrap_err();
        assert!(refused.contains("cannot connect"), "{refused}");

        // Something listens but does not speak TLS.
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let plain_addr = plain.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = plain.accept().await {
                let _ = tcp.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            }
        });
        let not_tls = probe(tls, "cdp1.contoso.com", plain_addr, "x")
            .await
            .unwrap_err();
        assert!(not_tls.contains("TLS handshake"), "{not_tls}");
    }
}
