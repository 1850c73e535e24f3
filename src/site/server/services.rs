//! Cloud distribution points and cloud management gateways: shared logic behind the thin
//! per-route handlers in `routes`.

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::api::wire::Event;
use crate::api::wire::{Accepted, CertUpload, ServiceView, SetService, Updated};
use crate::domain::service::Action;
use crate::domain::service::HostedKind;
use crate::domain::task::{Level, TaskKind};
use crate::domain::validate;
use crate::site::manager::CLOUD_MGR_LOG;
use crate::site::prepare::{self, Prepared};
use crate::site::repo::{
    service_view, services, services::ServiceRecord, tasks, tasks::TaskPayload,
};
use axum::http::StatusCode;

fn what(kind: HostedKind) -> &'static str {
    match kind {
        HostedKind::Cdp => "cloud distribution point",
        HostedKind::Cmg => "cloud management gateway",
    }
}

/// The service `key` (id, FQDN or name) of `kind`, or 404.
pub async fn find(state: &AppState, kind: HostedKind, key: &str) -> ApiResult<ServiceRecord> {
    let k = key.to_string();
    state
        .manager
        .store
        .call(move |c| services::get_service(c, &k))
        .await?
        .filter(|r| r.kind == kind)
        .ok_or_else(|| ApiError::not_found(&format!("the {} '{key}'", what(kind))))
}

async fn view(state: &AppState, rec: ServiceRecord) -> ApiResult<ServiceView> {
    Ok(state
        .manager
        .store
        .call(move |c| service_view::view(c, &rec))
        .await?)
}

/// Every service of `kind`.
pub async fn list(state: &AppState, kind: HostedKind) -> ApiResult<Vec<ServiceView>> {
    Ok(state
        .manager
        .store
        .call(move |c| {
            services::list_services(c, Some(kind))?
                .iter()
                .map(|r| service_view::view(c, r))
                .collect()
        })
        .await?)
}

/// One service.
pub async fn show(state: &AppState, kind: HostedKind, key: &str) -> ApiResult<ServiceView> {
    let rec = find(state, kind, key).await?;
    view(state, rec).await
}

/// Stores a validated service with its Create task and starts provisioning.
pub async fn create(
    state: &AppState,
    prepared: Prepared,
) -> ApiResult<(StatusCode, axum::Json<Accepted>)> {
    let secrets = state.manager.secrets.clone();
    let (rec, task) = state
        .manager
        .store
        .call_transaction(move |tx| {
            let sc = &prepared.service_cert;
            if let Some((field, rule)) = services::conflict(
                tx,
                &prepared.service_fqdn,
                &prepared.deployment_name,
                &sc.thumbprint,
                sc.wildcard,
            )? {
                return Ok(Err(ApiError::field(StatusCode::CONFLICT, &field, &rule)));
            }
            let id = services::insert_service(tx, &prepared, &secrets)?;
            let task = tasks::insert_task(tx, &id, TaskKind::Create, TaskPayload::default())?;
            let rec = services::get_service(tx, &id)?.expect("service just inserted");
            Ok::<_, crate::site::repo::RepoError>(Ok((rec, task)))
        })
        .await??;
    accepted(state, rec, task).await
}

async fn accepted(
    state: &AppState,
    rec: ServiceRecord,
    task: tasks::TaskRecord,
) -> ApiResult<(StatusCode, axum::Json<Accepted>)> {
    state.manager.publish_service(&rec).await;
    state.manager.bus.publish(Event::Task(task.view()));
    state.manager.spawn(task.id.clone());
    let service = view(state, rec).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(Accepted {
            service,
            task: task.view(),
        }),
    ))
}

/// Why [`begin_action`] started nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such service.
    NotFound,
    /// Its state, or a task still running, does not allow the action.
    Conflict(String),
}

/// The transactional core of an action (the API's and the monitor's): checks the state and
/// that no other task runs, then records the task. The caller publishes and spawns it.
pub fn begin_action(
    tx: &rusqlite::Connection,
    id: &str,
    action: Action,
    payload: TaskPayload,
) -> Result<Result<(ServiceRecord, tasks::TaskRecord), Refused>, crate::site::repo::RepoError> {
    let task_kind = match action {
        Action::Start => TaskKind::Start,
        Action::Stop => TaskKind::Stop,
        Action::Delete => TaskKind::Delete,
        Action::Upgrade => TaskKind::Upgrade,
    };
    let Some(rec) = services::get_service(tx, id)? else {
        return Ok(Err(Refused::NotFound));
    };
    if let Err(why) = action.allowed_in(rec.state) {
        return Ok(Err(Refused::Conflict(why)));
    }
    if let Some(active) = tasks::active_task(tx, id)? {
        // A delete may replace a stuck or failed operation; anything else waits its turn.
        if action != Action::Delete {
            return Ok(Err(Refused::Conflict(format!(
                "a {:?} task is still running on this service; wait for it to finish",
                active.kind
            ))));
        }
        tasks::update_task(
            tx,
            &active.id,
            crate::domain::task::TaskState::Failed,
            active.step,
            Some("superseded by a delete"),
        )?;
    }
    let task = tasks::insert_task(tx, id, task_kind, payload)?;
    Ok(Ok((rec, task)))
}

/// Starts a task for `action` on a service, if its state allows it and nothing else runs.
pub async fn act(
    state: &AppState,
    kind: HostedKind,
    key: &str,
    action: Action,
) -> ApiResult<(StatusCode, axum::Json<Accepted>)> {
    let rec = find(state, kind, key).await?;
    let id = rec.id.clone();
    let result = state
        .manager
        .store
        .call_transaction(move |tx| begin_action(tx, &id, action, TaskPayload::default()))
        .await?
        .map_err(|r| match r {
            Refused::NotFound => ApiError::not_found("the service"),
            Refused::Conflict(why) => ApiError::conflict(why),
        })?;
    accepted(state, result.0, result.1).await
}

/// Applies a Set (Properties): read-only fields refused by name; a VM, TLS or certificate change upgrades.
pub async fn set(
    state: &AppState,
    kind: HostedKind,
    key: &str,
    req: SetService,
) -> ApiResult<axum::Json<Updated>> {
    for (present, field) in [
        (req.subscription_id.is_some(), "Subscription ID"),
        (req.region.is_some(), "Region"),
        (req.service_fqdn.is_some(), "Service FQDN"),
        (req.name.is_some(), "Service name"),
    ] {
        if present {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                field,
                "is read-only after creation; delete and recreate the service to change it",
            ));
        }
    }
    let mut rec = find(state, kind, key).await?;
    let cmg_only = [
        (req.egress.is_some(), "Outbound data transfer threshold"),
        (req.egress_alerts.is_some(), "14-day threshold and alerts"),
        (
            req.stop_at_critical.is_some(),
            "Stop this service when the critical threshold is exceeded",
        ),
        (
            req.storage_alerts.is_some(),
            "Specify storage alert threshold",
        ),
        (req.vm_instances.is_some(), "VM Instance"),
        (
            req.check_crl.is_some(),
            "Verify Client Certificate Revocation",
        ),
        (req.enforce_tls12.is_some(), "Enforce TLS 1.2"),
        (
            req.serve_content.is_some(),
            "Allow CMG to function as a cloud distribution point",
        ),
    ];
    if kind == HostedKind::Cdp {
        if let Some((_, field)) = cmg_only.iter().find(|(p, _)| *p) {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                field,
                "applies to a cloud management gateway only",
            ));
        }
    } else if req.transfer.is_some() {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "Transfer alert threshold",
            "applies to a cloud distribution point only (use egress)",
        ));
    }
    if let Some(d) = &req.description {
        rec.description = d.trim().to_string();
    }
    if let Some(t) = &req.storage {
        rec.settings.storage =
            prepare::update_threshold("Storage alert threshold", t, rec.settings.storage)?;
    }
    if let Some(t) = req.transfer.as_ref().or(req.egress.as_ref()) {
        let label = if kind == HostedKind::Cdp {
            "Transfer alert threshold"
        } else {
            "Outbound data transfer threshold"
        };
        rec.settings.transfer = prepare::update_threshold(label, t, rec.settings.transfer)?;
    }
    let mut upgrade = false;
    if let Some(o) = rec.settings.cmg.as_mut() {
        o.egress_alerts = req.egress_alerts.unwrap_or(o.egress_alerts);
        o.stop_at_critical = req.stop_at_critical.unwrap_or(o.stop_at_critical);
        o.storage_alerts = req.storage_alerts.unwrap_or(o.storage_alerts);
        o.check_crl = req.check_crl.unwrap_or(o.check_crl);
        if let Some(t) = req.enforce_tls12.filter(|t| *t != o.enforce_tls12) {
            o.enforce_tls12 = t;
            upgrade = true;
        }
        o.serve_content = req.serve_content.unwrap_or(o.serve_content);
    }
    if let Some(n) = req.vm_instances {
        let n = validate::vm_instances(n)?;
        if n != rec.instances {
            rec.instances = n;
            upgrade = true;
        }
    }
    let renewal = match req.service_certificate {
        Some(upload) => Some(renewal(&rec, upload).await?),
        None => None,
    };
    upgrade |= renewal.is_some();
    let (saved, new_cert) = (rec.clone(), renewal.as_ref().map(|r| r.cert.clone()));
    let secrets = state.manager.secrets.clone();
    let task = state
        .manager
        .store
        .call_transaction(move |tx| {
            if let Some(c) = new_cert.as_ref().filter(|c| !c.wildcard)
                && let Some(other) = services::cert_used_by(tx, &c.thumbprint, &saved.id)?
            {
                return Ok(Err(ApiError::field(
                    StatusCode::CONFLICT,
                    prepare::CERTIFICATE_FILE,
                    &format!(
                        "is already used by {other}; a certificate is shared only when it is a wildcard"
                    ),
                )));
            }
            if upgrade && let Err(refused) = upgrade_allowed(tx, &saved.id, new_cert.is_some())? {
                return Ok(Err(refused));
            }
            services::save_editable(tx, &saved)?;
            if let Some(c) = &new_cert {
                services::replace_service_cert(tx, &saved.id, c, &secrets)?;
            }
            let task = if upgrade {
                Some(tasks::insert_task(
                    tx,
                    &saved.id,
                    TaskKind::Upgrade,
                    TaskPayload::default(),
                )?)
            } else {
                None
            };
            Ok::<_, crate::site::repo::RepoError>(Ok(task))
        })
        .await??;
    let fresh = find(state, kind, &rec.id).await?;
    if let Some(r) = &renewal {
        log_renewal(state, &rec, &fresh, &r.warnings).await;
    }
    state.manager.publish_service(&fresh).await;
    if let Some(t) = &task {
        state.manager.bus.publish(Event::Task(t.view()));
        state.manager.spawn(t.id.clone());
    }
    let service = view(state, fresh).await?;
    Ok(axum::Json(Updated {
        service,
        task: task.map(|t| t.view()),
    }))
}

/// Validates a renewed certificate for `rec` off the async threads (key derivations are slow).
async fn renewal(rec: &ServiceRecord, upload: CertUpload) -> ApiResult<prepare::Renewal> {
    let (fqdn, cn) = (rec.service_fqdn.clone(), rec.settings.cert_cn.clone());
    let now = time::OffsetDateTime::now_utc();
    let checked =
        tokio::task::spawn_blocking(move || prepare::renewal(&upload, &fqdn, cn.as_deref(), now))
            .await
            .map_err(ApiError::internal)?;
    Ok(checked?)
}

/// Whether an upgrade may start now: the state rules of `act`, and no other task running.
fn upgrade_allowed(
    tx: &rusqlite::Connection,
    id: &str,
    renewing: bool,
) -> Result<Result<(), ApiError>, crate::site::repo::RepoError> {
    let Some(now) = services::get_service(tx, id)? else {
        return Ok(Err(ApiError::not_found("the service")));
    };
    if let Err(why) = Action::Upgrade.allowed_in(now.state) {
        let why = if renewing {
            format!(
                "{why}: a new certificate is deployed by an upgrade, which needs the service Ready (or in Error)"
            )
        } else {
            why
        };
        return Ok(Err(ApiError::conflict(why)));
    }
    if let Some(active) = tasks::active_task(tx, id)? {
        return Ok(Err(ApiError::conflict(format!(
            "a {:?} task is still running on this service",
            active.kind
        ))));
    }
    Ok(Ok(()))
}

/// Logs a certificate renewal and its warnings to CloudMgr.log.
async fn log_renewal(
    state: &AppState,
    old: &ServiceRecord,
    new: &ServiceRecord,
    warnings: &[String],
) {
    let name = &new.deployment_name;
    let text = format!(
        "Service certificate of {name} renewed: thumbprint {} -> {} (CN {}, expires {}); upgrading the deployment to serve it",
        old.cert_thumbprint,
        new.cert_thumbprint,
        new.settings.cert_cn.as_deref().unwrap_or("-"),
        new.settings.cert_not_after
    );
    state.manager.log(CLOUD_MGR_LOG, Level::Info, &text).await;
    for w in warnings {
        let text = format!("Service certificate of {name}: {w}");
        state
            .manager
            .log(CLOUD_MGR_LOG, Level::Warning, &text)
            .await;
    }
}

/// The Settings page's Primary site must be this site: it is the only primary site of the
/// hierarchy the site service runs (there is no CAS).
pub async fn check_primary_site(state: &AppState, primary: &str) -> ApiResult<()> {
    let site = state
        .manager
        .store
        .call(|c| crate::site::repo::site::site(c))
        .await?;
    let code = site.map(|(code, _)| code).unwrap_or_default();
    if primary.trim().eq_ignore_ascii_case(&code) {
        Ok(())
    } else {
        Err(ApiError::field(
            axum::http::StatusCode::BAD_REQUEST,
            "Primary site",
            &format!(
                "'{}' is not a primary site of this hierarchy; the only one is {code}",
                primary.trim()
            ),
        ))
    }
}
