//! The analyzer's checks of the CMG itself: service running, DNS name and certificate,
//! connection points, a management point request through the CMG, TLS version. (The client
//! certificate check is in `client_cert`.)

use super::probe::{self, ClientKey, OldTls};
use super::subject::{Subject, failed, passed};
use crate::api::mappings::NOTIFICATIONS_PATH;
use crate::api::wire::{CheckResult, ClientPolicy};
use crate::domain::analyzer::{AnalyzerCheck, certificate_covers};
use crate::domain::cmg::ChannelState;
use crate::domain::service::ServiceState;
use std::time::Instant;

/// The CMG is Ready and every instance answers on its public address.
pub(super) async fn service_running(s: &Subject) -> CheckResult {
    let check = AnalyzerCheck::ServiceRunning;
    let name = s.fqdn();
    if !matches!(s.view.status, ServiceState::Ready | ServiceState::Upgrading) {
        let details = s
            .view
            .status_details
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let action = match s.view.status {
            ServiceState::Stopped => {
                format!("Start it: cloudsite cmg start {name} (console: select it, Start).")
            }
            ServiceState::Error => format!(
                "Read the status details and CloudMgr.log, then redeploy it: cloudsite cmg sync {name}."
            ),
            _ => "Wait until it is Ready, then analyze again.".to_string(),
        };
        return failed(
            check,
            format!("The CMG is {}{details}.", s.view.status.as_str()),
            action,
        );
    }
    let serving = s.serving();
    if serving.is_empty() {
        return failed(
            check,
            "The CMG is Ready but no instance is serving.",
            format!("Redeploy it: cloudsite cmg sync {name}; CloudMgr.log says what happens."),
        );
    }
    let mut seen = Vec::new();
    for (id, addr) in &serving {
        if let Err(e) = probe::reach(*addr).await {
            return failed(
                check,
                format!("Instance {id} does not answer at {addr}: {e}."),
                format!(
                    "Redeploy the CMG: cloudsite cmg sync {name}; CloudMgr.log says what happens."
                ),
            );
        }
        seen.push(format!("{id} at {addr}"));
    }
    passed(
        check,
        format!(
            "The CMG is Ready; its instances answer: {}.",
            seen.join(", ")
        ),
    )
}

/// The service certificate names the service FQDN, and every instance presents it.
pub(super) async fn dns_certificate(s: &Subject) -> CheckResult {
    let check = AnalyzerCheck::DnsCertificate;
    let fqdn = s.fqdn();
    let renew = format!(
        "Give the CMG a service certificate for {fqdn} (or a wildcard of its domain): cloudsite cmg set {fqdn} --service-cert FILE.pfx, or Properties, Settings."
    );
    let leaf = crate::tls::certs_from_pem(&s.cert_pem)
        .ok()
        .and_then(|c| c.first().map(|d| d.to_vec()));
    let Some(leaf) = leaf else {
        return failed(
            check,
            "The CMG's service certificate cannot be read.",
            renew,
        );
    };
    let names = match crate::cert::x509::parse(&leaf) {
        Ok((facts, _)) => {
            let mut names = facts.dns_names.clone();
            names.extend(facts.subject_cn.clone());
            names
        }
        Err(e) => return failed(check, format!("The service certificate: {e}."), renew),
    };
    if !certificate_covers(&names, fqdn) {
        return failed(
            check,
            format!(
                "The service certificate names {}, not {fqdn}: clients refuse it.",
                names.join(", ")
            ),
            renew,
        );
    }
    let want = s.view.certificate.thumbprint.to_ascii_uppercase();
    let mut shown = Vec::new();
    for (id, addr) in s.serving() {
        let presented = match probe::connect(addr, fqdn, &[], None).await {
            Ok(c) => c.presented,
            Err(e) => {
                return failed(
                    check,
                    format!("Instance {id} at {addr}: {e}."),
                    format!("Redeploy the CMG: cloudsite cmg sync {fqdn}."),
                );
            }
        };
        let got = crate::tls::sha1_thumbprint(&presented);
        if got != want {
            return failed(
                check,
                format!(
                    "Instance {id} at {addr} presents the certificate {got}, not the CMG's service certificate {want}."
                ),
                format!(
                    "Redeploy the CMG so its instances take its certificate: cloudsite cmg sync {fqdn}."
                ),
            );
        }
        shown.push(id);
    }
    passed(
        check,
        format!(
            "The service certificate {want} names {fqdn}, and every instance presents it ({}). Clients resolve {fqdn} through the CNAME to {} (this cloud has no DNS: clients are given the instances' addresses).",
            shown.join(", "),
            s.view.cname_target
        ),
    )
}

/// Every connection point holds a Connected channel to every serving instance.
pub(super) fn connection_points(s: &Subject) -> CheckResult {
    let check = AnalyzerCheck::ConnectionPoints;
    let fqdn = s.fqdn();
    if s.points.is_empty() {
        return failed(
            check,
            "The CMG has no connection point: no request can reach the site.",
            format!(
                "Add one: cloudsite cmg connection-point add {fqdn} (console: Connection points, Add)."
            ),
        );
    }
    let serving = s.serving();
    let mut problems = Vec::new();
    let mut good = Vec::new();
    let mut actions = Vec::new();
    for p in &s.points {
        for (id, _) in &serving {
            let channel = p.channels.iter().find(|c| &c.instance == id);
            match channel {
                Some(c) if c.state == ChannelState::Connected => good.push(format!(
                    "{} to {id} over {}",
                    p.name,
                    c.transport.map(|t| t.display_name()).unwrap_or("?")
                )),
                other => {
                    let (state, reason) = match other {
                        Some(c) => (c.state, c.reason.clone()),
                        None => (p.state, p.reason.clone()),
                    };
                    let reason = reason.map(|r| format!(": {r}")).unwrap_or_default();
                    problems.push(format!(
                        "{} on {} is {} to {id}{reason}",
                        p.name,
                        p.site_system,
                        state.display_name()
                    ));
                    let action = if p.external {
                        format!(
                            "Make sure {} runs on {} (cloudsite connection-point run {}) and can reach the instance; its SMS_Cloud_ProxyConnector.log says why it cannot.",
                            p.name, p.site_system, p.id
                        )
                    } else {
                        format!(
                            "The site service runs {}: SMS_Cloud_ProxyConnector.log says why it cannot reach the instance (proxy, firewall, certificate).",
                            p.name
                        )
                    };
                    if !actions.contains(&action) {
                        actions.push(action);
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        passed(check, format!("Connected: {}.", good.join("; ")))
    } else {
        failed(
            check,
            format!("Not connected: {}.", problems.join("; ")),
            actions.join(" "),
        )
    }
}

/// What to do about a refusal or failure a client got from the CMG.
fn mp_action(status: u16, body: &str, fqdn: &str) -> String {
    match status {
        403 if body.contains("certificate is required") => {
            "This CMG requires a client authentication certificate: analyze again with --client-cert FILE.pfx (one issued from a trusted root of the CMG).".into()
        }
        403 if body.contains("URL mappings") => {
            "The CMG does not carry this route: its URL mappings are the management point and the software update point.".into()
        }
        403 => "The CMG refused the client certificate: see the client certificate check.".into(),
        503 => "No connection point channel reaches this instance: see the connection point check.".into(),
        502 => "The connection point did not get an answer from the management point: read SMS_Cloud_ProxyConnector.log and MP_Policy.log.".into(),
        _ => format!("Read CMGService.log and SMS_Cloud_ProxyConnector.log; redeploy if it persists: cloudsite cmg sync {fqdn}."),
    }
}

/// A real `GET /v1/mp/policy` through each instance, presenting the client certificate when
/// one is given, compared with the management point's direct answer.
pub(super) async fn management_point(s: &Subject, client: Option<&ClientKey>) -> CheckResult {
    let check = AnalyzerCheck::ManagementPoint;
    // The client's policy: what every client asks for first.
    let policy_path = crate::api::routes::policy();
    let fqdn = s.fqdn();
    let mut done = Vec::new();
    for (id, addr) in s.serving() {
        let start = Instant::now();
        let answer = match probe::connect(addr, fqdn, &[], client).await {
            Ok(c) => probe::get(c.tls, fqdn, &policy_path).await,
            Err(e) => Err(e),
        };
        let (status, body) = match answer {
            Ok(a) => a,
            Err(e) => {
                return failed(
                    check,
                    format!("GET {policy_path} through {id} ({addr}) failed: {e}."),
                    mp_action(0, "", fqdn),
                );
            }
        };
        if status != 200 {
            return failed(
                check,
                format!("GET {policy_path} through {id} ({addr}) answered {status}: {body}"),
                mp_action(status, &body, fqdn),
            );
        }
        match serde_json::from_str::<ClientPolicy>(&body) {
            Ok(p)
                if p.site_code == s.direct_policy.site_code
                    && p.settings == s.direct_policy.settings => {}
            Ok(p) => {
                return failed(
                    check,
                    format!(
                        "Through {id} the management point answered for site {}, directly for site {}: the CMG reaches another site.",
                        p.site_code, s.direct_policy.site_code
                    ),
                    "Remove the connection points of the other site from this CMG.",
                );
            }
            Err(e) => {
                return failed(
                    check,
                    format!("Through {id} the answer is not a client policy: {e}."),
                    mp_action(status, &body, fqdn),
                );
            }
        }
        done.push(format!("{id} in {} ms", start.elapsed().as_millis()));
    }
    passed(
        check,
        format!(
            "GET {policy_path} through the CMG was answered by the management point of site {}, as directly ({}). Clients also hold {NOTIFICATIONS_PATH} this way.",
            s.direct_policy.site_code,
            done.join(", ")
        ),
    )
}

/// Each instance negotiates TLS 1.2; with Enforce TLS 1.2, a TLS 1.0 hello is refused.
pub(super) async fn tls_version(s: &Subject) -> CheckResult {
    let check = AnalyzerCheck::TlsVersion;
    let fqdn = s.fqdn();
    let enforce = s.view.cmg.as_ref().is_none_or(|c| c.enforce_tls12);
    let mut notes = Vec::new();
    for (id, addr) in s.serving() {
        let version = match probe::connect(addr, fqdn, &[&rustls::version::TLS12], None).await {
            Ok(c) => c.version,
            Err(e) => {
                return failed(
                    check,
                    format!("Instance {id} at {addr} does not complete a TLS 1.2 handshake: {e}."),
                    format!("Redeploy the CMG: cloudsite cmg sync {fqdn}."),
                );
            }
        };
        if enforce {
            match probe::old_tls(addr).await {
                Ok(OldTls::Accepted) => {
                    return failed(
                        check,
                        format!(
                            "Instance {id} at {addr} accepts TLS 1.0 although Enforce TLS 1.2 is on."
                        ),
                        format!(
                            "Redeploy the CMG so its instances take the setting: cloudsite cmg sync {fqdn}."
                        ),
                    );
                }
                Ok(OldTls::Refused(alert)) => notes.push(format!(
                    "{id}: {version} negotiated, TLS 1.0 refused (alert {alert})"
                )),
                Ok(OldTls::Closed) => {
                    notes.push(format!("{id}: {version} negotiated, TLS 1.0 refused"))
                }
                Err(e) => {
                    return failed(
                        check,
                        format!("Instance {id} at {addr}: {e}."),
                        format!("Redeploy the CMG: cloudsite cmg sync {fqdn}."),
                    );
                }
            }
        } else {
            notes.push(format!("{id}: {version} negotiated"));
        }
    }
    let mut r = passed(check, format!("{}.", notes.join("; ")));
    if !enforce {
        r.detail.push_str(" Enforce TLS 1.2 is off.");
        r.action = Some(format!(
            "Turn on Enforce TLS 1.2 so no client can use TLS 1.0 or 1.1: cloudsite cmg set {fqdn} --enforce-tls12 yes."
        ));
    }
    r
}
