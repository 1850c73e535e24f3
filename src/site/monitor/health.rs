//! Health checks: every `health_interval`, each service is checked for serving, certificate
//! expiry and subscription problems, and the matching alerts are raised or cleared
//! (ConfigMgr: "periodically checks the Azure service. If the service isn't active, or if there
//! are subscription or certificate issues, Configuration Manager raises an alert").
//!
//! An alert is raised again only when it is not already active with the same details, so a
//! condition that lasts does not add an occurrence and an event every round.

use crate::api::wire::AlertView;
use crate::api::wire::Event;
use crate::cloud::{CloudError, DeploymentState, InstanceState, ServiceStatus};
use crate::domain::alert::{AlertState, AlertType, Severity};
use crate::domain::service::ServiceState;
use crate::domain::task::Level;
use crate::site::cert_expiry::{CertDate, cert_dates, report_expired};
use crate::site::cmtrace::CLOUD_MGR_LOG;
use crate::site::context::SiteContext;
use crate::site::credentials;
use crate::site::repo::{RepoError, alerts, services, services::ServiceRecord};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use time::OffsetDateTime;

mod probe;
#[cfg(test)]
mod tests;

use probe::problem;
pub(super) use probe::{Problem, probe_config};

/// An alert the health checks raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AlertKind {
    /// What the alert is about.
    pub type_id: AlertType,
    /// Name shown.
    pub name: &'static str,
}

/// A Ready service that does not answer (critical).
pub(super) const NOT_SERVING: AlertKind = AlertKind {
    type_id: AlertType::NotServing,
    name: "Service is not serving clients",
};
/// The service or management certificate has expired (critical; also status message 9425).
pub(super) const CERTIFICATE_EXPIRED: AlertKind = AlertKind {
    type_id: AlertType::CertificateExpired,
    name: "Certificate expired",
};
/// A certificate expires within `expiry_warning_days` (warning). ConfigMgr gives no such
/// warning: it only writes 9425 once the certificate has expired.
pub(super) const CERTIFICATE_EXPIRING: AlertKind = AlertKind {
    type_id: AlertType::CertificateExpiring,
    name: "Certificate expires soon",
};
/// The cloud refuses the subscription or its management certificate (critical).
pub(super) const SUBSCRIPTION_REFUSED: AlertKind = AlertKind {
    type_id: AlertType::SubscriptionRefused,
    name: "Cloud subscription refused",
};
/// The cloud could not be reached (warning; one alert for the site, not per service).
pub(super) const CLOUD_UNREACHABLE: AlertKind = AlertKind {
    type_id: AlertType::CloudUnreachable,
    name: "Cloud cannot be reached",
};

/// Runs the health checks until the site stops: a round at once, then one every
/// `health_interval`.
pub(super) async fn run(ctx: Arc<SiteContext>) {
    let mut tick = tokio::time::interval(ctx.monitor().health_interval);
    // A round slower than the interval delays the next one instead of bunching them up.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let closed = ctx.bus().closed();
    tokio::pin!(closed);
    loop {
        tokio::select! {
            // Checking a cloud that is shutting down would only raise false alerts.
            _ = &mut closed => return,
            _ = async { tick.tick().await; round(&ctx).await } => {}
        }
    }
}

/// One round over every service (skipping those being deleted).
pub(super) async fn round(ctx: &SiteContext) {
    let services = match ctx.store().call(|c| services::list_services(c, None)).await {
        Ok(s) => s,
        Err(e) => {
            let text = format!("Health check: cannot read the services: {e}");
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return;
        }
    };
    let known = match ctx.store().call(|c| alerts::list_alerts(c)).await {
        Ok(list) => list
            .into_iter()
            .map(|a| ((a.type_id, a.service_id.clone()), a))
            .collect::<HashMap<_, _>>(),
        Err(e) => {
            let text = format!("Health check: cannot read the alerts: {e}");
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return;
        }
    };
    let tls = match probe_config() {
        Ok(t) => t,
        Err(e) => {
            let text = format!("Health check: cannot set up TLS for the instance probes: {e}");
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return;
        }
    };
    let mut unreachable = Vec::new();
    let mut reached = services.is_empty();
    for rec in services
        .iter()
        .filter(|r| r.state != ServiceState::Deleting)
    {
        check_certificates(ctx, &known, rec).await;
        match check_cloud(ctx, &known, rec, &tls).await {
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
        apply(ctx, &known, CLOUD_UNREACHABLE, None, condition).await;
    }
}

/// Which certificate alerts apply at `now`: the expired ones, and those expiring within
/// `warning_days` with their whole days left.
pub(super) fn cert_conditions(
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
pub(super) fn newly_expired(prev: Option<&AlertView>, expired: &[CertDate]) -> Vec<CertDate> {
    let reported = prev
        .filter(|a| a.enabled && matches!(a.state, AlertState::Active | AlertState::Postponed))
        .map(|a| named_certs(&a.details))
        .unwrap_or_default();
    expired
        .iter()
        .filter(|c| !reported.contains(c.which))
        .cloned()
        .collect()
}

/// The alerts as read at the start of a round, by type and service.
pub(super) type Known = HashMap<(AlertType, Option<String>), AlertView>;

async fn check_certificates(ctx: &SiteContext, known: &Known, rec: &ServiceRecord) {
    let now = OffsetDateTime::now_utc();
    let days = ctx.monitor().expiry_warning_days;
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
    let prev = known.get(&(CERTIFICATE_EXPIRED.type_id, Some(rec.id.clone())));
    let fresh = newly_expired(prev, &expired);
    if apply(ctx, known, CERTIFICATE_EXPIRED, Some(rec), condition).await == Change::Raised {
        for cert in &fresh {
            report_expired(ctx, rec, cert).await;
        }
    }
    let condition = (!expiring.is_empty()).then(|| {
        let list: Vec<Value> = expiring
            .iter()
            .map(|(c, left)| {
                json!({ "certificate": c.which, "not_after": when(c), "days_left": left })
            })
            .collect();
        let parts: Vec<String> = expiring
            .iter()
            .map(|(c, left)| format!("the {} certificate expires in {left} day(s)", c.which))
            .collect();
        let details = json!({
            "service": rec.service_fqdn,
            "certificates": list,
            "warning_days": days,
        });
        (details, parts.join("; "))
    });
    apply(ctx, known, CERTIFICATE_EXPIRING, Some(rec), condition).await;
}

/// Asks the cloud about the service: subscription accepted? serving? `Err` holds the message
/// when the cloud could not be asked (not a refusal).
async fn check_cloud(
    ctx: &SiteContext,
    known: &Known,
    rec: &ServiceRecord,
    tls: &Arc<rustls::ClientConfig>,
) -> Result<(), String> {
    let caller = match credentials::caller(ctx, rec).await {
        Ok(c) => c,
        Err(e) => {
            let text = format!("Health check of {}: {e}", rec.deployment_name);
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            // Not the cloud's fault: this says nothing about its reachability.
            return Ok(());
        }
    };
    let status = match ctx.provider().status(&caller, &rec.deployment_name).await {
        Ok(s) => s,
        Err(CloudError::Unauthorized(why)) => {
            let details = json!({
                "service": rec.service_fqdn,
                "subscription_id": rec.subscription_id,
                "error": why,
            });
            let summary = format!("subscription {}: {why}", rec.subscription_id);
            apply(
                ctx,
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
    apply(ctx, known, SUBSCRIPTION_REFUSED, Some(rec), None).await;
    let problems = if rec.state == ServiceState::Ready {
        let mut problems = status_problems(status.as_ref());
        if problems.is_empty()
            && let Some(s) = &status
        {
            problems = probe::probe_all(tls, &rec.service_fqdn, s).await;
        }
        problems
    } else {
        Vec::new()
    };
    // A task may have moved the service on while the cloud was asked: only a service that is
    // still Ready is expected to serve.
    let id = rec.id.clone();
    let now_ready = matches!(
        ctx.store().call(move |c| services::get_service(c, &id)).await,
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
        let details = json!({
            "service": rec.service_fqdn,
            "deployment": rec.deployment_name,
            "problems": list,
        });
        (details, summary)
    });
    apply(ctx, known, NOT_SERVING, Some(rec), condition).await;
    Ok(())
}

/// What the cloud's own report says is wrong with a service that should serve (empty: every
/// instance claims to serve, so probe them).
pub(super) fn status_problems(status: Option<&ServiceStatus>) -> Vec<Problem> {
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

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    /// The alert was raised (again).
    Raised,
    /// The alert was cleared.
    Cleared,
    /// Nothing changed.
    Unchanged,
}

/// Should a condition that holds (with `details`) raise the alert again?
pub(super) fn should_raise(prev: Option<&AlertView>, details: &Value, now: OffsetDateTime) -> bool {
    let Some(a) = prev else { return true };
    if !a.enabled {
        return false;
    }
    match a.state {
        // Active: only news (other details) is worth an occurrence and an event.
        AlertState::Active => a.details != *details,
        // Postponed: silent until the chosen time.
        AlertState::Postponed => a
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
pub(super) async fn apply(
    ctx: &SiteContext,
    known: &Known,
    kind: AlertKind,
    rec: Option<&ServiceRecord>,
    condition: Option<(Value, String)>,
) -> Change {
    let sid = rec.map(|r| r.id.clone());
    let prev = known.get(&(kind.type_id, sid.clone()));
    let target = rec.map_or_else(
        || "the site".to_string(),
        |r| format!("service {}", r.service_fqdn),
    );
    let changed: Result<Option<AlertView>, RepoError> = match &condition {
        Some((details, _)) if should_raise(prev, details, OffsetDateTime::now_utc()) => {
            let details = details.clone();
            ctx.store()
                .call(move |c| {
                    // Checked again here: since the round began, the alert may have been
                    // disabled or the service deleted.
                    if !alerts::alert_enabled(c, kind.type_id, sid.as_deref())? {
                        return Ok(None);
                    }
                    if let Some(id) = &sid
                        && services::get_service(c, id)?.is_none()
                    {
                        return Ok(None);
                    }
                    alerts::raise_alert(
                        c,
                        kind.type_id,
                        sid.as_deref(),
                        kind.name,
                        kind.type_id.severity(),
                        details,
                    )
                    .map(Some)
                })
                .await
        }
        Some(_) => Ok(None),
        None if prev.is_some_and(|a| {
            a.enabled && matches!(a.state, AlertState::Active | AlertState::Postponed)
        }) =>
        {
            ctx.store()
                .call(move |c| alerts::clear_alert(c, kind.type_id, sid.as_deref()))
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
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return Change::Unchanged;
        }
    };
    let (level, text, change) = match &condition {
        Some((_, summary)) => (
            if kind.type_id.severity() == Severity::Critical {
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
    // Logged first: whoever sees the event finds the line already in CloudMgr.log.
    ctx.log(CLOUD_MGR_LOG, level, &text).await;
    ctx.bus().publish(Event::Alert(view));
    change
}
