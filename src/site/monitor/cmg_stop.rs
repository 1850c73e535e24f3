//! "Stop this service when the critical threshold is exceeded" (CMG Alerts page): every
//! `cmg_stop_check` (ConfigMgr: 6 minutes) each Ready CMG with the 14-day outbound data
//! alerts and the stop option on is stopped once its outbound data reaches the critical
//! level, through the same Stop operation an administrator's Stop runs.

use crate::domain::service::HostedKind;
use crate::domain::task::{Level, StopReason};
use crate::site::cmtrace::CLOUD_MGR_LOG;
use crate::site::context::SiteContext;
use crate::site::ops::{OpResult, critical_stop, services};
use std::sync::Arc;
use std::time::Duration;

/// Checks now and then every `cmg_stop_check`, until the task is aborted.
pub(super) async fn run(ctx: Arc<SiteContext>) {
    let period = ctx.monitor().cmg_stop_check.max(Duration::from_millis(10));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = check_all(&ctx).await {
            let text = format!("The CMG stop-at-critical check could not run: {e}");
            ctx.log(CLOUD_MGR_LOG, Level::Warning, &text).await;
        }
    }
}

/// One check over every CMG: stops those over their critical level. A CMG the stop no longer
/// applies to (no longer Ready, option turned off, a task already running) is left alone, so
/// it is never stopped twice.
pub(super) async fn check_all(ctx: &SiteContext) -> OpResult<()> {
    for id in critical_stop::due(ctx).await? {
        match services::stop(ctx, HostedKind::Cmg, &id, StopReason::StopAtCritical).await {
            Err(e) if !e.is_refusal() => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::service::{ServiceState, Threshold};
    use crate::domain::task::{TaskKind, TaskState, message};
    use crate::site::monitor::MonitorOptions;
    use crate::site::repo::{status_messages, usage};
    use crate::site::store::now_millis;
    use crate::site::testing::TestSite;

    fn stops(site: &TestSite, id: &str) -> Vec<crate::site::repo::tasks::TaskRecord> {
        let mut list = site.tasks(id);
        list.retain(|t| t.kind == TaskKind::Stop);
        list.reverse();
        list
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_check_and_an_administrator_stop_a_cmg_through_the_same_operation() {
        let mut site = TestSite::new(MonitorOptions {
            quota_unit_bytes: 1024,
            ..MonitorOptions::default()
        });
        site.start_runner();
        let mut rec = site.add_service(HostedKind::Cmg, "cmg1", false, ServiceState::Ready);
        site.deploy(&rec).await;
        rec.settings.transfer = Threshold {
            quota_gb: 1,
            warning_pct: 50,
            critical_pct: 90,
        };
        if let Some(o) = rec.settings.cmg.as_mut() {
            o.egress_alerts = true;
            o.stop_at_critical = true;
        }
        site.save(&rec);
        let ctx = &site.ctx;

        // Below the critical level: nothing to do.
        check_all(ctx).await.expect("check");
        assert!(stops(&site, &rec.id).is_empty());

        // 1000 of 1024 bytes sent over the window: at or above 90 %.
        let id = rec.id.clone();
        ctx.store()
            .with(|c| usage::insert_sample(c, &id, now_millis(), 1000, 0))
            .expect("sample");
        check_all(ctx).await.expect("check");
        check_all(ctx).await.expect("a second check starts nothing");
        let first = stops(&site, &rec.id);
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(first[0].payload.stop_reason(), StopReason::StopAtCritical);
        assert_eq!(first[0].payload.outbound_bytes, Some(1000));
        let done = site.finished(&first[0].id).await;
        assert_eq!(done.state, TaskState::Completed);
        assert_eq!(
            site.service(&rec.id).map(|r| r.state),
            Some(ServiceState::Stopped)
        );

        // Started again, then stopped by an administrator: the same operation, another reason.
        let started = services::start(ctx, HostedKind::Cmg, &rec.id)
            .await
            .expect("start");
        site.finished(&started.task.id).await;
        let by_admin = services::stop(ctx, HostedKind::Cmg, "cmg1", StopReason::Administrator)
            .await
            .expect("stop");
        site.finished(&by_admin.task.id).await;
        check_all(ctx).await.expect("a stopped CMG is left alone");
        let all = stops(&site, &rec.id);
        let reasons: Vec<StopReason> = all.iter().map(|t| t.payload.stop_reason()).collect();
        assert_eq!(
            reasons,
            [StopReason::StopAtCritical, StopReason::Administrator]
        );
        assert_eq!(all[1].payload.outbound_bytes, None);

        let log = site.cloud_mgr_log();
        let requested: Vec<&String> = log
            .iter()
            .filter(|l| l.starts_with("Stopping service cmg1 (requested by"))
            .collect();
        assert_eq!(
            requested,
            [
                "Stopping service cmg1 (requested by the stop-at-critical check: outbound data reached the critical threshold)",
                "Stopping service cmg1 (requested by an administrator)",
            ]
        );
        // The check says why before its task runs.
        let why = log
            .iter()
            .position(|l| l.starts_with("Outbound data of CMG cmg1"))
            .expect("the reason is logged");
        let stopping = log
            .iter()
            .position(|l| l.starts_with("Stopping service cmg1"))
            .expect("the stop is logged");
        assert!(why < stopping, "{log:#?}");
        let messages = ctx
            .store()
            .with(|c| status_messages::list_status(c, Some(&rec.id), 100))
            .expect("status messages");
        let at_critical = messages
            .iter()
            .filter(|m| m.message_id == message::STOPPED_AT_CRITICAL)
            .count();
        assert_eq!(at_critical, 1);
    }

    #[tokio::test]
    async fn a_cmg_whose_option_was_turned_off_is_not_stopped_by_the_check() {
        let site = TestSite::new(MonitorOptions {
            quota_unit_bytes: 1024,
            ..MonitorOptions::default()
        });
        let rec = site.add_service(HostedKind::Cmg, "cmg2", false, ServiceState::Ready);
        let id = rec.id.clone();
        site.ctx
            .store()
            .with(|c| usage::insert_sample(c, &id, now_millis(), u64::MAX / 2, 0))
            .expect("sample");
        // The stop option is off: the operation itself refuses the check's stop.
        let refused = services::stop(
            &site.ctx,
            HostedKind::Cmg,
            &rec.id,
            StopReason::StopAtCritical,
        )
        .await
        .expect_err("refused");
        assert!(
            matches!(refused, crate::site::ops::OpError::Conflict(_)),
            "{refused}"
        );
        check_all(&site.ctx).await.expect("check");
        assert!(stops(&site, &rec.id).is_empty());
    }
}
