//! Unit tests of the health checks' decisions.

use super::*;
use crate::cloud::InstanceStatus;
use serde_json::{Value, json};
use std::net::SocketAddr;

fn at(days: i64) -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000 + days)
}

fn cert(which: &'static str, days: i64) -> CertDate {
    CertDate {
        which,
        not_after: at(days),
    }
}

fn alert(state: AlertState, enabled: bool, details: Value, skip_until: Option<&str>) -> AlertView {
    AlertView {
        service_fqdn: None,
        id: "a".into(),
        type_id: CERTIFICATE_EXPIRED.type_id,
        service_id: Some("s".into()),
        name: CERTIFICATE_EXPIRED.name.into(),
        severity: Severity::Critical,
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
    let active = alert(AlertState::Active, true, service_only.clone(), None);
    assert_eq!(
        newly_expired(Some(&active), &both),
        vec![cert("management", -1)]
    );
    let postponed = alert(AlertState::Postponed, true, service_only.clone(), None);
    assert_eq!(newly_expired(Some(&postponed), &both[..1]), vec![]);
    // Closed (by an operator or because it was renewed): the next expiry is news again.
    let closed = alert(AlertState::Canceled, true, service_only, None);
    assert_eq!(newly_expired(Some(&closed), &both[..1]), both[..1].to_vec());
}

#[test]
fn raising_again_needs_news_or_a_closed_alert() {
    let d = json!({ "x": 1 });
    let now = at(0);
    assert!(should_raise(None, &d, now));
    assert!(!should_raise(
        Some(&alert(AlertState::Active, true, d.clone(), None)),
        &d,
        now
    ));
    assert!(should_raise(
        Some(&alert(AlertState::Active, true, d.clone(), None)),
        &json!({ "x": 2 }),
        now
    ));
    assert!(!should_raise(
        Some(&alert(AlertState::Disabled, false, d.clone(), None)),
        &d,
        now
    ));
    assert!(should_raise(
        Some(&alert(AlertState::Canceled, true, d.clone(), None)),
        &d,
        now
    ));
    assert!(should_raise(
        Some(&alert(AlertState::NeverTriggered, true, d.clone(), None)),
        &d,
        now
    ));
    let later = crate::cert::x509::rfc3339(at(1));
    let earlier = crate::cert::x509::rfc3339(at(-1));
    assert!(!should_raise(
        Some(&alert(AlertState::Postponed, true, d.clone(), Some(&later))),
        &d,
        now
    ));
    assert!(should_raise(
        Some(&alert(
            AlertState::Postponed,
            true,
            d.clone(),
            Some(&earlier)
        )),
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
                channel: None,
                fallback: None,
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
