//! The usage collector: every `usage_interval` (ConfigMgr: hourly) it reads each service's
//! egress counter and stored bytes from the cloud, records a sample, writes the CMTrace line
//! of `CloudDP-<ServiceName>.log`, computes the usage view with its cost, and evaluates the
//! threshold alerts.

use super::thresholds::{self, Usage};
use crate::api::wire::{CostView, UsageEvent, UsageView};
use crate::api::wire::{DistributionState, Event, EventView};
use crate::cloud::CONTENT_CONTAINER;
use crate::domain::cost::{CDP_VM_SIZE, CostInput};
use crate::domain::service::HostedKind;
use crate::domain::service::ServiceState;
use crate::domain::task::Level;
use crate::site::cmtrace::{CLOUD_MGR_LOG, cloud_dp_log};
use crate::site::context::SiteContext;
use crate::site::credentials;
use crate::site::repo::{RepoError, services, services::ServiceRecord, usage, usage::DAY_MS};
use crate::site::store::{millis_to_rfc3339, now_millis};
use std::sync::Arc;
use std::time::Duration;

/// Days of daily transfer in the usage view (the longest window).
pub(super) const DAILY_DAYS: usize = 30;
/// Samples older than this are pruned: the 30-day window and the month-to-date egress of the
/// cost (a month is at most 31 days) never reach further back.
pub(super) const KEEP_DAYS: i64 = 32;

/// Collects now, then every `usage_interval`, until the task is aborted. In between, a service
/// that becomes Ready without any sample yet (just provisioned) gets its first one at once, so
/// a new service shows its usage right away rather than at the next hourly collection.
pub(super) async fn run(ctx: Arc<SiteContext>) {
    // A zero period would make the interval panic; the config check refuses it, callers that
    // build options in code get a floor instead.
    let period = ctx.monitor().usage_interval.max(Duration::from_millis(10));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut events = ctx.bus().subscribe(None).live;
    loop {
        tokio::select! {
            _ = ticks.tick() => collect_all(&ctx).await,
            event = events.recv() => match event {
                Ok(EventView { event: Event::Service(s), .. })
                    if s.status == ServiceState::Ready && s.usage.is_none() =>
                {
                    collect_new(&ctx).await;
                }
                // Content landed on (or left) a service: its storage changed now, so it is read
                // now rather than showing the old figure until the next hourly collection.
                Ok(EventView { event: Event::Distribution(d), .. })
                    if d.state == DistributionState::Success =>
                {
                    collect_service(&ctx, &d.service_id).await;
                }
                Ok(EventView { event: Event::DistributionRemoved(d), .. }) => {
                    collect_service(&ctx, &d.service_id).await;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    events = ctx.bus().subscribe(None).live;
                    ticks.tick().await;
                }
                _ => {}
            },
        }
    }
}

/// First samples for the services that have none yet.
async fn collect_new(ctx: &SiteContext) {
    let Ok(services) = ctx
        .store()
        .call(|c| {
            let mut new = Vec::new();
            for rec in services::list_services(c, None)? {
                if collected_in(rec.state) && usage::latest_usage(c, &rec.id)?.is_none() {
                    new.push(rec);
                }
            }
            Ok::<_, RepoError>(new)
        })
        .await
    else {
        return;
    };
    for rec in &services {
        // A failure is retried at the next look; the full collection logs it.
        let _ = collect_one(ctx, rec).await;
    }
}

/// A fresh sample of one service (after its content changed); a failure waits for the next
/// collection, which logs it.
async fn collect_service(ctx: &SiteContext, id: &str) {
    let id = id.to_string();
    if let Ok(Some(rec)) = ctx
        .store()
        .call(move |c| services::get_service(c, &id))
        .await
        && collected_in(rec.state)
    {
        let _ = collect_one(ctx, &rec).await;
    }
}

/// Is the service's usage read in this state? Not while it is being created or deleted.
fn collected_in(state: ServiceState) -> bool {
    !matches!(state, ServiceState::Provisioning | ServiceState::Deleting)
}

/// One collection over every service; errors are logged and the service skipped this round.
pub(super) async fn collect_all(ctx: &SiteContext) {
    let services = match ctx.store().call(|c| services::list_services(c, None)).await {
        Ok(s) => s,
        Err(e) => {
            ctx.log(
                CLOUD_MGR_LOG,
                Level::Warning,
                &format!("Usage collection skipped: cannot read the services: {e}"),
            )
            .await;
            return;
        }
    };
    for rec in services.iter().filter(|r| collected_in(r.state)) {
        if let Err(e) = collect_one(ctx, rec).await {
            ctx
                .log(
                    CLOUD_MGR_LOG,
                    Level::Warning,
                    &format!(
                        "Usage collection for service {} failed: {e}. It is retried at the next collection.",
                        rec.deployment_name
                    ),
                )
                .await;
        }
    }
    let before = now_millis() - KEEP_DAYS * DAY_MS;
    let _ = ctx
        .store()
        .call(move |c| usage::prune_samples(c, before))
        .await;
}

/// Reads, records and publishes one service's usage, then evaluates its thresholds.
async fn collect_one(ctx: &SiteContext, rec: &ServiceRecord) -> Result<(), String> {
    let caller = credentials::caller(ctx, rec)
        .await
        .map_err(|e| e.to_string())?;
    let egress_total = ctx
        .provider()
        .egress(&caller, &rec.deployment_name)
        .await
        .map_err(|e| e.to_string())?;
    let storage = match &rec.storage_account {
        Some(account) => ctx
            .provider()
            .storage_used(&caller, account, CONTENT_CONTAINER)
            .await
            .map_err(|e| e.to_string())?,
        None => 0,
    };
    // The service may have been deleted while the cloud answered: then nothing is recorded.
    let now = now_millis();
    let id = rec.id.clone();
    let unit = ctx.monitor().quota_unit_bytes.max(1);
    let prices = ctx.monitor().prices.clone();
    let recorded = ctx
        .store()
        .call_transaction(move |tx| {
            let Some(rec) = services::get_service(tx, &id)? else {
                return Ok(None);
            };
            let sample = usage::insert_sample(tx, &id, now, egress_total, storage)?;
            let view = usage_view(tx, &rec, now, unit, &prices)?;
            usage::save_usage(tx, &id, &view)?;
            Ok::<_, RepoError>(Some((rec, sample, view)))
        })
        .await
        .map_err(|e| e.to_string())?;
    let Some((rec, sample, view)) = recorded else {
        return Ok(());
    };
    let (what, quota) = match rec.kind {
        HostedKind::Cdp => ("transfer", rec.settings.transfer.quota_gb),
        HostedKind::Cmg => ("outbound data", rec.settings.transfer.quota_gb),
    };
    ctx
        .log(
            &cloud_dp_log(&rec.deployment_name),
            Level::Info,
            &format!(
                "Usage of {}: storage {} bytes (quota {} GB), egress {} bytes since the previous collection, \
                 {what} {} bytes over {} days (quota {quota} GB), cost this month {} cents {}, projected {} cents",
                rec.deployment_name,
                view.storage_bytes,
                rec.settings.storage.quota_gb,
                sample.egress_delta,
                view.transfer_bytes,
                view.window_days,
                view.cost.month_to_date_cents,
                view.cost.currency,
                view.cost.projected_month_cents,
            ),
        )
        .await;
    ctx.bus().publish(Event::Usage(UsageEvent {
        service_id: rec.id.clone(),
        usage: view.clone(),
    }));
    ctx.publish_service(&rec).await;
    let evaluations = thresholds::evaluate(&Usage {
        kind: rec.kind,
        fqdn: &rec.service_fqdn,
        storage: rec.settings.storage,
        transfer: rec.settings.transfer,
        cmg: rec.settings.cmg.as_ref(),
        storage_bytes: view.storage_bytes,
        transfer_bytes: view.transfer_bytes,
        quota_unit_bytes: unit,
    });
    thresholds::apply(ctx, &rec.id, evaluations)
        .await
        .map_err(|e| format!("cannot evaluate its alerts: {e}"))?;
    Ok(())
}

/// The usage view of a service from its samples: the window's transfer, the last 30 days day
/// by day, the latest stored bytes and the cost.
pub(super) fn usage_view(
    conn: &crate::site::db::Connection,
    rec: &ServiceRecord,
    now: i64,
    quota_unit_bytes: u64,
    prices: &crate::domain::cost::PriceTable,
) -> Result<UsageView, RepoError> {
    let window_days = rec.kind.usage_window_days();
    let transfer_bytes = usage::egress_since(conn, &rec.id, now - i64::from(window_days) * DAY_MS)?;
    let daily_transfer = usage::daily_egress(conn, &rec.id, now, DAILY_DAYS)?;
    let storage_bytes = usage::last_sample(conn, &rec.id)?.map_or(0, |s| s.storage_bytes);
    let (month_start, _) = crate::domain::cost::month_bounds(now);
    let egress_month_bytes = usage::egress_since(conn, &rec.id, month_start - 1)?;
    let vm_size = match (&rec.kind, &rec.settings.cmg) {
        (HostedKind::Cmg, Some(o)) => o.vm_size.as_str(),
        _ => CDP_VM_SIZE,
    };
    let cost = prices.cost(&CostInput {
        now_ms: now,
        created_ms: rec.created,
        instances: rec.instances,
        vm_size,
        storage_bytes,
        egress_month_bytes,
    });
    Ok(UsageView {
        collected: millis_to_rfc3339(now),
        storage_bytes,
        transfer_bytes,
        window_days,
        daily_transfer,
        quota_unit_bytes,
        cost: CostView {
            currency: prices.currency.clone(),
            month_to_date_cents: cost.month_to_date_cents,
            projected_month_cents: cost.projected_month_cents,
            illustrative: *prices == crate::domain::cost::PriceTable::default(),
        },
    })
}
