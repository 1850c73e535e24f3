//! Cloud distribution points and cloud management gateways: finding and listing them, creating
//! one, and starting their lifecycle tasks (start, stop, delete, sync). Each of these records
//! its task in the same transaction that checks the service's state; the task runner does the
//! work.

use super::critical_stop;
use super::error::{OpError, OpResult};
use super::offload::off_thread;
use crate::api::wire::{Accepted, CreateCdp, CreateCmg, Event, ServiceView};
use crate::domain::service::{Action, HostedKind};
use crate::domain::task::{StopReason, TaskKind, TaskState};
use crate::site::context::SiteContext;
use crate::site::db::Connection;
use crate::site::prepare::{self, Prepared};
use crate::site::repo::service_view;
use crate::site::repo::services::{self, ServiceRecord};
use crate::site::repo::site;
use crate::site::repo::tasks::{self, TaskPayload, TaskRecord};

/// The service `key` (id, Service FQDN or name) of `kind`.
pub(crate) async fn find(
    ctx: &SiteContext,
    kind: HostedKind,
    key: &str,
) -> OpResult<ServiceRecord> {
    let k = key.to_string();
    ctx.store()
        .call(move |c| services::get_service(c, &k))
        .await?
        .filter(|r| r.kind == kind)
        .ok_or_else(|| OpError::not_found(format!("the {} '{key}'", kind.noun())))
}

/// The API view of a service record.
pub(super) async fn view(ctx: &SiteContext, rec: ServiceRecord) -> OpResult<ServiceView> {
    Ok(ctx.service_view(&rec).await?)
}

/// Every service of `kind`.
pub(crate) async fn list(ctx: &SiteContext, kind: HostedKind) -> OpResult<Vec<ServiceView>> {
    let mut list: Vec<ServiceView> = ctx
        .store()
        .call(move |c| {
            services::list_services(c, Some(kind))?
                .iter()
                .map(|r| service_view::view(c, r))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    for v in &mut list {
        v.gateway = ctx.live().gateway(&v.id);
    }
    Ok(list)
}

/// One service of `kind`.
pub(crate) async fn show(ctx: &SiteContext, kind: HostedKind, key: &str) -> OpResult<ServiceView> {
    let rec = find(ctx, kind, key).await?;
    view(ctx, rec).await
}

/// Creates a cloud distribution point from the wizard's pages and starts provisioning it.
pub(crate) async fn create_cdp(ctx: &SiteContext, req: CreateCdp) -> OpResult<Accepted> {
    if let Some(primary) = req.primary_site.as_deref() {
        check_primary_site(ctx, primary).await?;
    }
    let now = time::OffsetDateTime::now_utc();
    // Opening certificates runs key derivations: off the async threads.
    let prepared = off_thread(move || prepare::cdp(&req, now)).await??;
    create(ctx, prepared).await
}

/// Creates a cloud management gateway from the wizard's pages and starts provisioning it.
pub(crate) async fn create_cmg(ctx: &SiteContext, req: CreateCmg) -> OpResult<Accepted> {
    let now = time::OffsetDateTime::now_utc();
    let prepared = off_thread(move || prepare::cmg(&req, now)).await??;
    create(ctx, prepared).await
}

/// The Settings page's Primary site must be this site: it is the only primary site of the
/// hierarchy the site service runs (there is no CAS).
async fn check_primary_site(ctx: &SiteContext, primary: &str) -> OpResult<()> {
    let site = ctx.store().call(|c| site::site(c)).await?;
    let code = site.map(|(code, _)| code).unwrap_or_default();
    if primary.trim().eq_ignore_ascii_case(&code) {
        return Ok(());
    }
    Err(OpError::invalid(
        "Primary site",
        format!(
            "'{}' is not a primary site of this hierarchy; the only one is {code}",
            primary.trim()
        ),
    ))
}

/// Stores a validated service with its Create task, unless its name or certificate is taken.
async fn create(ctx: &SiteContext, prepared: Prepared) -> OpResult<Accepted> {
    let secrets = ctx.secrets().clone();
    let (rec, task) = ctx
        .store()
        .call_transaction(move |tx| {
            let sc = &prepared.service_cert;
            if let Some((field, rule)) = services::conflict(
                tx,
                &prepared.service_fqdn,
                &prepared.deployment_name,
                &sc.thumbprint,
                sc.wildcard,
            )? {
                return Err(OpError::taken(field, rule));
            }
            let id = services::insert_service(tx, &prepared, &secrets)?;
            let task = tasks::insert_task(tx, &id, TaskKind::Create, TaskPayload::default())?;
            let rec = services::get_service(tx, &id)?
                .ok_or_else(|| OpError::internal("creating the service", "its row vanished"))?;
            Ok((rec, task))
        })
        .await?;
    launch(ctx, rec, task).await
}

/// Start Service.
pub(crate) async fn start(ctx: &SiteContext, kind: HostedKind, key: &str) -> OpResult<Accepted> {
    act(ctx, kind, key, Action::Start, TaskPayload::default()).await
}

/// Delete: the service and its content; replaces a stuck or failed task.
pub(crate) async fn delete(ctx: &SiteContext, kind: HostedKind, key: &str) -> OpResult<Accepted> {
    act(ctx, kind, key, Action::Delete, TaskPayload::default()).await
}

/// Synchronize: redeploys the CMG's configuration to the cloud (an upgrade).
pub(crate) async fn sync(ctx: &SiteContext, key: &str) -> OpResult<Accepted> {
    act(
        ctx,
        HostedKind::Cmg,
        key,
        Action::Upgrade,
        TaskPayload::default(),
    )
    .await
}

/// At start: every Ready CMG whose deployment does not trust the site's current connection
/// point CA (it was deployed before the site had one) is synchronised, so its instances accept
/// the site's connection points. A sync is an upgrade task like `cmg sync`; it happens once per
/// CMG, since the deploy records the CA it sent. Answers how many were started.
pub(crate) async fn sync_stale_gateways(ctx: &SiteContext) -> OpResult<usize> {
    let (cmgs, ca) = ctx
        .store()
        .call(|c| {
            let cmgs = services::list_services(c, Some(HostedKind::Cmg))?;
            let ca = crate::site::repo::connection_points::ca(c)?;
            Ok::<_, OpError>((cmgs, ca))
        })
        .await?;
    let current = ca.and_then(|c| crate::site::credentials::pem_thumbprint(&c.cert_pem));
    let mut started = 0;
    for rec in cmgs {
        if rec.state != crate::domain::service::ServiceState::Ready
            || (current.is_some() && rec.settings.gateway_ca == current)
        {
            continue;
        }
        let text = format!(
            "The CMG {} was deployed without the site's connection point CA: synchronizing it so its instances accept the site's connection points",
            rec.service_fqdn
        );
        ctx.log(
            crate::site::cmtrace::CLOUD_MGR_LOG,
            crate::domain::task::Level::Info,
            &text,
        )
        .await;
        match sync(ctx, &rec.id).await {
            Ok(_) => started += 1,
            // Another task runs on it: the site will try again at its next start.
            Err(OpError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(started)
}

/// Stop Service (the content is kept): the one way a service is stopped, whether an
/// administrator asks or the stop-at-critical check does. The check's stop is re-checked in
/// the transaction (an administrator may have changed the options or the state since) and
/// announced before the task runs.
pub(crate) async fn stop(
    ctx: &SiteContext,
    kind: HostedKind,
    key: &str,
    reason: StopReason,
) -> OpResult<Accepted> {
    let rec = find(ctx, kind, key).await?;
    let (id, unit) = (rec.id.clone(), ctx.monitor().quota_unit_bytes.max(1));
    let (rec, task) = ctx
        .store()
        .call_transaction(move |tx| {
            let outbound = match reason {
                StopReason::Administrator => None,
                StopReason::StopAtCritical => Some(critical_stop::still_due(tx, &id, unit)?),
            };
            begin(tx, &id, Action::Stop, TaskPayload::stop(reason, outbound))
        })
        .await?;
    if let Some(sent) = task.payload.outbound_bytes {
        critical_stop::announce(ctx, &rec, sent).await;
    }
    launch(ctx, rec, task).await
}

/// Starts the task of `action` on the service `key` of `kind`.
async fn act(
    ctx: &SiteContext,
    kind: HostedKind,
    key: &str,
    action: Action,
    payload: TaskPayload,
) -> OpResult<Accepted> {
    let rec = find(ctx, kind, key).await?;
    let id = rec.id.clone();
    let (rec, task) = ctx
        .store()
        .call_transaction(move |tx| begin(tx, &id, action, payload))
        .await?;
    launch(ctx, rec, task).await
}

/// The task kind that carries out `action`.
fn task_kind(action: Action) -> TaskKind {
    match action {
        Action::Start => TaskKind::Start,
        Action::Stop => TaskKind::Stop,
        Action::Delete => TaskKind::Delete,
        Action::Upgrade => TaskKind::Upgrade,
    }
}

/// The transactional core of every action: checks the state and that no other task runs,
/// then records the task.
fn begin(
    tx: &Connection,
    id: &str,
    action: Action,
    payload: TaskPayload,
) -> OpResult<(ServiceRecord, TaskRecord)> {
    let rec = services::get_service(tx, id)?.ok_or_else(|| OpError::not_found("the service"))?;
    action.allowed_in(rec.state).map_err(OpError::Conflict)?;
    if let Some(active) = tasks::active_task(tx, id)? {
        // A delete may replace a stuck or failed operation; anything else waits its turn.
        if action != Action::Delete {
            return Err(OpError::Conflict(format!(
                "a {:?} task is still running on this service; wait for it to finish",
                active.kind
            )));
        }
        tasks::update_task(
            tx,
            &active.id,
            TaskState::Failed,
            active.step,
            Some("superseded by a delete"),
        )?;
    }
    let task = tasks::insert_task(tx, id, task_kind(action), payload)?;
    Ok((rec, task))
}

/// Publishes a service and its new task, hands the task to the runner, and answers with both.
pub(super) async fn launch(
    ctx: &SiteContext,
    rec: ServiceRecord,
    task: TaskRecord,
) -> OpResult<Accepted> {
    ctx.publish_service(&rec).await;
    queue_task(ctx, &task);
    let service = view(ctx, rec).await?;
    Ok(Accepted {
        service,
        task: task.view(),
    })
}

/// Publishes a task just recorded and hands it to the runner.
pub(super) fn queue_task(ctx: &SiteContext, task: &TaskRecord) {
    ctx.bus().publish(Event::Task(task.view()));
    ctx.run_task(&task.id);
}
