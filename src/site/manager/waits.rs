//! Waiting for the cloud: polls until a storage container exists or a deployment reaches the
//! state a step waits for, recording instance states as they change, within the deadline.

use super::error::StepError;
use crate::api::wire::InstanceView;
use crate::cloud::{CONTENT_CONTAINER, Caller, InstanceStatus, ServiceStatus};
use crate::domain::task::Level;
use crate::site::cmtrace::CLOUD_MGR_LOG;
use crate::site::context::SiteContext;
use crate::site::repo::services::{self, ServiceRecord};
use std::time::Duration;

/// The first wait for a new storage account's container; each next wait doubles, up to
/// `Timing::container_retry`.
const FIRST_CONTAINER_RETRY: Duration = Duration::from_millis(250);

/// How long to wait before looking for the container again after `attempt` looks (0-based).
fn container_wait(attempt: u32, retry: Duration) -> Duration {
    FIRST_CONTAINER_RETRY
        .saturating_mul(1u32 << attempt.min(16))
        .min(retry)
}

/// An instance as the API shows it.
fn instance_view(i: &InstanceStatus) -> InstanceView {
    InstanceView {
        id: i.id.clone(),
        state: i.state,
        address: i.address.map(|a| a.to_string()),
    }
}

/// Waits until the content container of `account` exists (a new storage account takes a while).
pub(super) async fn container(
    ctx: &SiteContext,
    caller: &Caller,
    account: &str,
) -> Result<(), StepError> {
    let timing = ctx.timing();
    let start = tokio::time::Instant::now();
    // A new account's container usually appears within a second or two: look again soon at
    // first, then back off to the configured retry (ConfigMgr's 10 s) for a slow cloud.
    let mut attempt = 0;
    while !ctx
        .provider()
        .container_exists(caller, account, CONTENT_CONTAINER)
        .await?
    {
        if start.elapsed() > timing.deadline {
            return Err(StepError::Timeout(format!(
                "the storage container of {account} did not appear in time"
            )));
        }
        let wait = container_wait(attempt, timing.container_retry);
        attempt += 1;
        let secs = wait.as_secs_f64().ceil().max(1.0);
        ctx.log(
            CLOUD_MGR_LOG,
            Level::Info,
            &format!("Waiting for check if container exists. Will check again in {secs} seconds"),
        )
        .await;
        tokio::time::sleep(wait).await;
    }
    Ok(())
}

/// Polls the cloud until `done` holds, recording instance states as they change.
pub(super) async fn deployment(
    ctx: &SiteContext,
    caller: &Caller,
    rec: &ServiceRecord,
    done: impl Fn(Option<&ServiceStatus>) -> bool,
) -> Result<(), StepError> {
    let timing = ctx.timing();
    let start = tokio::time::Instant::now();
    let mut last: Vec<InstanceView> = rec.settings.instances.clone();
    loop {
        let status = ctx.provider().status(caller, &rec.deployment_name).await?;
        let now: Vec<InstanceView> = status
            .as_ref()
            .map(|s| s.instances.iter().map(instance_view).collect())
            .unwrap_or_default();
        if now != last {
            for inst in &now {
                if !last
                    .iter()
                    .any(|l| l.id == inst.id && l.state == inst.state)
                {
                    ctx.log(
                        CLOUD_MGR_LOG,
                        Level::Info,
                        &format!(
                            "Deployment instance status for service {} is {} ({})",
                            rec.deployment_name, inst.state, inst.id
                        ),
                    )
                    .await;
                }
            }
            let (sid, inst) = (rec.id.clone(), now.clone());
            ctx.store()
                .call(move |c| services::set_instances(c, &sid, inst))
                .await?;
            let sid = rec.id.clone();
            if let Ok(Some(r)) = ctx
                .store()
                .call(move |c| services::get_service(c, &sid))
                .await
            {
                ctx.publish_service(&r).await;
            }
            last = now;
        }
        if done(status.as_ref()) {
            return Ok(());
        }
        if start.elapsed() > timing.deadline {
            return Err(StepError::Timeout(format!(
                "the cloud did not finish in {} minutes (last state: {:?})",
                timing.deadline.as_secs() / 60,
                status.map(|s| s.state)
            )));
        }
        tokio::time::sleep(timing.poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_is_looked_for_soon_at_first_then_at_the_configured_retry() {
        let retry = Duration::from_secs(10);
        let waits: Vec<u128> = (0..8)
            .map(|a| container_wait(a, retry).as_millis())
            .collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 4000, 8000, 10000, 10000]);
        // Far into a slow cloud's wait the doubling neither overflows nor passes the retry.
        assert_eq!(container_wait(u32::MAX, retry), retry);
        // A retry shorter than the first wait wins.
        let short = Duration::from_millis(1);
        assert_eq!(container_wait(0, short), short);
    }
}
