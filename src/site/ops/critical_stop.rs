//! "Stop this service when the critical threshold is exceeded" (CMG Alerts page): which CMGs
//! are due for the stop, and the announcement that goes with it. The stop itself is
//! [`super::services::stop`], the same operation an administrator's Stop runs.

use super::error::{OpError, OpResult};
use crate::domain::service::{CMG_WINDOW_DAYS, HostedKind, ServiceState};
use crate::domain::task::Level;
use crate::domain::task::message::STOPPED_AT_CRITICAL;
use crate::site::cmtrace::CLOUD_MGR_LOG;
use crate::site::context::SiteContext;
use crate::site::db::Connection;
use crate::site::repo::RepoError;
use crate::site::repo::services::{self, ServiceRecord};
use crate::site::repo::usage::{DAY_MS, egress_since};
use crate::site::store::now_millis;

/// Does this CMG ask to be stopped at the critical level, and is it running?
pub(crate) fn wants_stop(rec: &ServiceRecord) -> bool {
    rec.kind == HostedKind::Cmg
        && rec.state == ServiceState::Ready
        && rec
            .settings
            .cmg
            .as_ref()
            .is_some_and(|o| o.egress_alerts && o.stop_at_critical)
}

/// The outbound bytes over the window (from the latest samples) when the CMG wants the stop
/// and they reached its critical level.
fn over_critical(
    conn: &Connection,
    rec: &ServiceRecord,
    unit: u64,
) -> Result<Option<u64>, RepoError> {
    if !wants_stop(rec) {
        return Ok(None);
    }
    let window = i64::from(rec.kind.usage_window_days()) * DAY_MS;
    let sent = egress_since(conn, &rec.id, now_millis() - window)?;
    let t = rec.settings.transfer;
    Ok(t.reached(sent, t.critical_pct, unit).then_some(sent))
}

/// The ids of the CMGs due for the stop now.
pub(crate) async fn due(ctx: &SiteContext) -> OpResult<Vec<String>> {
    let unit = ctx.monitor().quota_unit_bytes.max(1);
    Ok(ctx
        .store()
        .call(move |c| {
            let mut out = Vec::new();
            for rec in services::list_services(c, Some(HostedKind::Cmg))? {
                if over_critical(c, &rec, unit)?.is_some() {
                    out.push(rec.id);
                }
            }
            Ok::<_, RepoError>(out)
        })
        .await?)
}

/// Inside the stop's transaction: the outbound bytes that make the stop due, or why it no
/// longer is (an administrator may have changed the state or the options since the check).
pub(super) fn still_due(tx: &Connection, id: &str, unit: u64) -> OpResult<u64> {
    let rec = services::get_service(tx, id)?
        .ok_or_else(|| OpError::not_found("the cloud management gateway"))?;
    over_critical(tx, &rec, unit)?.ok_or_else(|| {
        OpError::Conflict(format!(
            "{} is not running over its critical outbound data level with 'Stop this service when the critical threshold is exceeded' on",
            rec.service_fqdn
        ))
    })
}

/// Says why the CMG is being stopped: a `CloudMgr.log` warning and status message 9460.
pub(super) async fn announce(ctx: &SiteContext, rec: &ServiceRecord, sent: u64) {
    let unit = ctx.monitor().quota_unit_bytes.max(1);
    let t = rec.settings.transfer;
    let gb = sent as f64 / unit as f64;
    let line = format!(
        "Outbound data of CMG {} over the last {CMG_WINDOW_DAYS} days is {sent} bytes ({gb:.2} GB), at or above the critical level of {} % of {} GB: stopping the service (Stop this service when the critical threshold is exceeded)",
        rec.deployment_name, t.critical_pct, t.quota_gb
    );
    ctx.log(CLOUD_MGR_LOG, Level::Warning, &line).await;
    let text = format!(
        "The cloud management gateway {} is being stopped: its outbound data over the last {CMG_WINDOW_DAYS} days ({gb:.2} GB) reached the critical threshold ({} % of {} GB) and 'Stop this service when the critical threshold is exceeded' is on. Raise the threshold or turn the option off in Properties before starting it again.",
        rec.service_fqdn, t.critical_pct, t.quota_gb
    );
    ctx.status(STOPPED_AT_CRITICAL, Level::Warning, Some(&rec.id), &text)
        .await;
}
