//! A service's Properties (Set): editable settings, a renewed service certificate, and the
//! upgrade a VM count, TLS or certificate change needs. Read-only fields are refused by name.

use super::error::{OpError, OpResult};
use super::offload::off_thread;
use super::services::{find, queue_task, view};
use crate::api::wire::{CertUpload, SetService, Updated};
use crate::domain::service::{Action, HostedKind};
use crate::domain::task::{Level, TaskKind};
use crate::domain::validate;
use crate::site::cmtrace::CLOUD_MGR_LOG;
use crate::site::context::SiteContext;
use crate::site::db::Connection;
use crate::site::prepare::{self, Renewal};
use crate::site::repo::services::{self, ServiceRecord};
use crate::site::repo::tasks::{self, TaskPayload};

/// The fields fixed at creation (delete and recreate to change them).
fn read_only(req: &SetService) -> OpResult<()> {
    for (present, field) in [
        (req.subscription_id.is_some(), "Subscription ID"),
        (req.region.is_some(), "Region"),
        (req.service_fqdn.is_some(), "Service FQDN"),
        (req.name.is_some(), "Service name"),
    ] {
        if present {
            return Err(OpError::invalid(
                field,
                "is read-only after creation; delete and recreate the service to change it",
            ));
        }
    }
    Ok(())
}

/// The fields of the other kind of service.
fn kind_only(kind: HostedKind, req: &SetService) -> OpResult<()> {
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
            return Err(OpError::invalid(
                *field,
                "applies to a cloud management gateway only",
            ));
        }
    } else if req.transfer.is_some() {
        return Err(OpError::invalid(
            "Transfer alert threshold",
            "applies to a cloud distribution point only (use egress)",
        ));
    }
    Ok(())
}

/// Applies the request to `rec`; returns whether the deployment must be upgraded.
fn apply(kind: HostedKind, req: &SetService, rec: &mut ServiceRecord) -> OpResult<bool> {
    if let Some(d) = &req.description {
        rec.description = crate::domain::text::description(d)?;
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
    Ok(upgrade)
}

/// Applies a Set (Properties); a VM count, TLS or certificate change starts an upgrade.
pub(crate) async fn set(
    ctx: &SiteContext,
    kind: HostedKind,
    key: &str,
    req: SetService,
) -> OpResult<Updated> {
    read_only(&req)?;
    let mut rec = find(ctx, kind, key).await?;
    kind_only(kind, &req)?;
    let mut upgrade = apply(kind, &req, &mut rec)?;
    let renewal = match req.service_certificate {
        Some(upload) => Some(renewal(&rec, upload).await?),
        None => None,
    };
    upgrade |= renewal.is_some();
    let (saved, new_cert) = (rec.clone(), renewal.as_ref().map(|r| r.cert.clone()));
    let secrets = ctx.secrets().clone();
    let task = ctx
        .store()
        .call_transaction(move |tx| {
            if let Some(c) = new_cert.as_ref().filter(|c| !c.wildcard)
                && let Some(other) = services::cert_used_by(tx, &c.thumbprint, &saved.id)?
            {
                return Err(OpError::taken(
                    prepare::CERTIFICATE_FILE,
                    format!(
                        "is already used by {other}; a certificate is shared only when it is a wildcard"
                    ),
                ));
            }
            if upgrade {
                upgrade_allowed(tx, &saved.id, new_cert.is_some())?;
            }
            services::save_editable(tx, &saved)?;
            if let Some(c) = &new_cert {
                services::replace_service_cert(tx, &saved.id, c, &secrets)?;
            }
            Ok(if upgrade {
                Some(tasks::insert_task(
                    tx,
                    &saved.id,
                    TaskKind::Upgrade,
                    TaskPayload::default(),
                )?)
            } else {
                None
            })
        })
        .await?;
    let fresh = find(ctx, kind, &rec.id).await?;
    if let Some(r) = &renewal {
        log_renewal(ctx, &rec, &fresh, &r.warnings).await;
    }
    ctx.publish_service(&fresh).await;
    if let Some(t) = &task {
        queue_task(ctx, t);
    }
    let service = view(ctx, fresh).await?;
    Ok(Updated {
        service,
        task: task.map(|t| t.view()),
    })
}

/// Validates a renewed certificate for `rec` off the async threads (key derivations are slow).
async fn renewal(rec: &ServiceRecord, upload: CertUpload) -> OpResult<Renewal> {
    let (fqdn, cn) = (rec.service_fqdn.clone(), rec.settings.cert_cn.clone());
    let now = time::OffsetDateTime::now_utc();
    Ok(off_thread(move || prepare::renewal(&upload, &fqdn, cn.as_deref(), now)).await??)
}

/// Whether an upgrade may start now: the state rules of an action, and no other task running.
fn upgrade_allowed(tx: &Connection, id: &str, renewing: bool) -> OpResult<()> {
    let now = services::get_service(tx, id)?.ok_or_else(|| OpError::not_found("the service"))?;
    if let Err(why) = Action::Upgrade.allowed_in(now.state) {
        return Err(OpError::Conflict(if renewing {
            format!(
                "{why}: a new certificate is deployed by an upgrade, which needs the service Ready (or in Error)"
            )
        } else {
            why
        }));
    }
    if let Some(active) = tasks::active_task(tx, id)? {
        return Err(OpError::Conflict(format!(
            "a {:?} task is still running on this service",
            active.kind
        )));
    }
    Ok(())
}

/// Logs a certificate renewal and its warnings to CloudMgr.log.
async fn log_renewal(
    ctx: &SiteContext,
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
    ctx.log(CLOUD_MGR_LOG, Level::Info, &text).await;
    for w in warnings {
        let text = format!("Service certificate of {name}: {w}");
        ctx.log(CLOUD_MGR_LOG, Level::Warning, &text).await;
    }
}
