//! "Stop this service when the critical threshold is exceeded" (CMG Alerts page): every
//! `cmg_stop_check` (ConfigMgr: 6 minutes) each Ready CMG with the 14-day outbound data
//! alerts and the stop option on is stopped once its outbound data reaches the critical
//! level, with the same Stop task an administrator's Stop starts.

use super::thresholds::CMG_WINDOW_DAYS;
use crate::api::wire::Event;
use crate::domain::service::HostedKind;
use crate::domain::service::{Action, ServiceState};
use crate::domain::task::message::STOPPED_AT_CRITICAL;
use crate::domain::task::{Level, StopReason};
use crate::site::manager::{CLOUD_MGR_LOG, Manager};
use crate::site::repo::{RepoError, services, services::ServiceRecord, tasks::TaskPayload};
use crate::site::server::services::{Refused, begin_action};
use crate::site::store::now_millis;
use std::sync::Arc;
use std::time::Duration;

/// Checks now and then every `cmg_stop_check`, until the task is aborted.
pub async fn run(manager: Arc<Manager>) {
    let period = manager
        .monitor
        .cmg_stop_check
        .max(Duration::from_millis(10));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = check_all(&manager).await {
            manager
                .log(
                    CLOUD_MGR_LOG,
                    Level::Warning,
                    &format!("The CMG stop-at-critical check could not run: {e}"),
                )
                .await;
        }
    }
}

/// Does this CMG ask to be stopped at the critical level?
fn wants_stop(rec: &ServiceRecord) -> bool {
    rec.kind == HostedKind::Cmg
        && rec.state == ServiceState::Ready
        && rec
            .settings
            .cmg
            .as_ref()
            .is_some_and(|o| o.egress_alerts && o.stop_at_critical)
}

/// One check over every CMG: stops those over their critical level (from the latest samples).
pub async fn check_all(manager: &Arc<Manager>) -> Result<(), RepoError> {
    let unit = manager.monitor.quota_unit_bytes.max(1);
    let now = now_millis();
    let over: Vec<(ServiceRecord, u64)> = manager
        .store
        .call(move |c| {
            let mut out = Vec::new();
            for rec in services::list_services(c, Some(HostedKind::Cmg))? {
                if !wants_stop(&rec) {
                    continue;
                }
                let sent = super::usage::window_transfer(c, &rec, now)?;
                let t = rec.settings.transfer;
                if t.reached(sent, t.critical_pct, unit) {
                    out.push((rec, sent));
                }
            }
            Ok::<_, RepoError>(out)
        })
        .await?;
    for (rec, sent) in over {
        stop(manager, &rec, sent, unit).await?;
    }
    Ok(())
}

/// Starts the Stop task; nothing when the CMG is no longer Ready or a task already runs on it
/// (so it is never stopped twice).
async fn stop(
    manager: &Arc<Manager>,
    rec: &ServiceRecord,
    sent: u64,
    unit: u64,
) -> Result<(), RepoError> {
    let id = rec.id.clone();
    let payload = TaskPayload::stop(StopReason::StopAtCritical, Some(sent));
    let started = manager
        .store
        .call_transaction(move |tx| {
            // Re-checked inside the transaction: an administrator may have changed the state
            // or the options since the check read them.
            match services::get_service(tx, &id)? {
                Some(r) if wants_stop(&r) => begin_action(tx, &id, Action::Stop, payload),
                _ => Ok(Err(Refused::NotFound)),
            }
        })
        .await?;
    let Ok((rec, task)) = started else {
        return Ok(());
    };
    let t = rec.settings.transfer;
    let gb = |bytes: u64| bytes as f64 / unit as f64;
    manager
        .log(
            CLOUD_MGR_LOG,
            Level::Warning,
            &format!(
                "Outbound data of CMG {} over the last {CMG_WINDOW_DAYS} days is {sent} bytes ({:.2} GB), at or above the critical level of {} % of {} GB: stopping the service (Stop this service when the critical threshold is exceeded)",
                rec.deployment_name,
                gb(sent),
                t.critical_pct,
                t.quota_gb
            ),
        )
        .await;
    manager
        .status(
            STOPPED_AT_CRITICAL,
            Level::Warning,
            Some(&rec.id),
            &format!(
                "The cloud management gateway {} is being stopped: its outbound data over the last {CMG_WINDOW_DAYS} days ({:.2} GB) reached the critical threshold ({} % of {} GB) and 'Stop this service when the critical threshold is exceeded' is on. Raise the threshold or turn the option off in Properties before starting it again.",
                rec.service_fqdn,
                gb(sent),
                t.critical_pct,
                t.quota_gb
            ),
        )
        .await;
    manager.publish_service(&rec).await;
    manager.bus.publish(Event::Task(task.view()));
    manager.spawn(task.id.clone());
    Ok(())
}
