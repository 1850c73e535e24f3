//! The steps of each kind of task, in order, and one function per step. Each step is
//! idempotent against the cloud: repeating it after an interruption does what it did once.

use super::error::StepError;
use super::waits;
use crate::cloud::DeploySpec;
use crate::cloud::{CONTENT_CONTAINER, Caller, DeploymentState, HostedKind};
use crate::domain::service::ServiceState;
use crate::domain::task::{Level, Step, TaskKind, message};
use crate::site::cmtrace::{CLOUD_MGR_LOG, CMG_SETUP_LOG};
use crate::site::context::SiteContext;
use crate::site::credentials::{full_deploy_spec, pem_thumbprint};
use crate::site::repo::services::{self, ServiceRecord};
use crate::site::repo::tasks::TaskRecord;

/// The steps a task of `kind` goes through, in order; `Done` follows the last.
pub fn steps(kind: TaskKind) -> &'static [Step] {
    match kind {
        TaskKind::Create => &[Step::Storage, Step::Deploy, Step::WaitReady],
        TaskKind::Stop => &[Step::Stop, Step::WaitStopped],
        TaskKind::Start => &[Step::Start, Step::WaitReady],
        TaskKind::Upgrade => &[Step::Update, Step::WaitReady],
        TaskKind::Delete => &[Step::Delete, Step::DeleteStorage, Step::Forget],
    }
}

/// The steps still to run for a task of `kind` that reached `reached`: from the recorded
/// step on (it is repeated, since it may have been cut short), all of them before the first.
pub(super) fn remaining(kind: TaskKind, reached: Option<Step>) -> &'static [Step] {
    let all = steps(kind);
    match reached {
        None => all,
        Some(Step::Done) => &[],
        // A step not in the list (an older binary's) starts over: every step is idempotent.
        Some(step) => &all[all.iter().position(|s| *s == step).unwrap_or(0)..],
    }
}

/// Does `step` have anything to do for this service? Only a service with content storage has
/// a container to create or delete.
pub(super) fn applies(step: Step, rec: &ServiceRecord) -> bool {
    !matches!(step, Step::Storage | Step::DeleteStorage) || rec.storage_account.is_some()
}

/// The state a service shows while a task of `kind` runs on it.
pub(super) fn working_state(kind: TaskKind) -> ServiceState {
    match kind {
        TaskKind::Create => ServiceState::Provisioning,
        TaskKind::Stop => ServiceState::Stopping,
        TaskKind::Start => ServiceState::Starting,
        TaskKind::Upgrade => ServiceState::Upgrading,
        TaskKind::Delete => ServiceState::Deleting,
    }
}

/// The state a finished task leaves the service in, with its status message; `None` for a
/// delete, which leaves no service.
pub(super) fn outcome(kind: TaskKind, rec: &ServiceRecord) -> Option<(ServiceState, u32, String)> {
    let fqdn = &rec.service_fqdn;
    Some(match kind {
        TaskKind::Create => match rec.kind {
            HostedKind::Cdp => (
                ServiceState::Ready,
                message::CDP_PROVISIONED,
                format!("The cloud distribution point {fqdn} is provisioned and ready."),
            ),
            HostedKind::Cmg => (
                ServiceState::Ready,
                message::CMG_PROVISIONED,
                format!("The cloud management gateway {fqdn} is provisioned and ready."),
            ),
        },
        TaskKind::Stop => (
            ServiceState::Stopped,
            message::STOPPED,
            format!("The service {fqdn} is stopped; its content is kept."),
        ),
        TaskKind::Start => (
            ServiceState::Ready,
            message::STARTED,
            format!("The service {fqdn} is started."),
        ),
        TaskKind::Upgrade => (
            ServiceState::Ready,
            message::UPGRADED,
            format!("The service {fqdn} is upgraded."),
        ),
        TaskKind::Delete => return None,
    })
}

/// What a step works on.
pub(super) struct StepRun<'a> {
    /// The site.
    pub ctx: &'a SiteContext,
    /// The task.
    pub task: &'a TaskRecord,
    /// Its service, as it was when the task (re)started.
    pub rec: &'a ServiceRecord,
    /// How the site reaches the cloud for this service.
    pub caller: &'a Caller,
}

impl StepRun<'_> {
    async fn log(&self, file: &str, text: &str) {
        self.ctx.log(file, Level::Info, text).await;
    }
}

/// Runs one step.
pub(super) async fn perform(step: Step, run: &StepRun<'_>) -> Result<(), StepError> {
    match step {
        Step::Storage => storage(run).await,
        Step::Deploy => deploy(run).await,
        Step::WaitReady => wait_ready(run).await,
        Step::Stop => stop(run).await,
        Step::WaitStopped => wait_stopped(run).await,
        Step::Start => start(run).await,
        Step::Update => update(run).await,
        Step::Delete => delete(run).await,
        Step::DeleteStorage => delete_storage(run).await,
        Step::Forget => forget(run).await,
        Step::Done => Ok(()),
    }
}

/// Creates the content container and waits until the cloud has it.
async fn storage(run: &StepRun<'_>) -> Result<(), StepError> {
    let Some(account) = &run.rec.storage_account else {
        return Ok(());
    };
    run.ctx
        .provider()
        .create_container(run.caller, account, CONTENT_CONTAINER)
        .await?;
    waits::container(run.ctx, run.caller, account).await
}

/// Sends the deployment to the cloud.
async fn deploy(run: &StepRun<'_>) -> Result<(), StepError> {
    let rec = run.rec;
    run.log(CLOUD_MGR_LOG, "Starting to Deploy Service").await;
    let spec = full_deploy_spec(run.ctx, rec).await?;
    run.ctx.provider().deploy(run.caller, &spec).await?;
    record_gateway(run, &spec).await?;
    if rec.kind == HostedKind::Cmg {
        let text = format!(
            "Setting up CMG {} with {} VM instance(s)",
            rec.deployment_name, rec.instances
        );
        run.log(CMG_SETUP_LOG, &text).await;
    }
    Ok(())
}

/// Waits until the deployment runs (after an upgrade: with the new number of instances).
async fn wait_ready(run: &StepRun<'_>) -> Result<(), StepError> {
    let want = usize::from(run.rec.instances);
    let upgrade = run.task.kind == TaskKind::Upgrade;
    waits::deployment(run.ctx, run.caller, run.rec, |s| {
        s.is_some_and(|s| {
            s.state == DeploymentState::Running && (!upgrade || s.instances.len() == want)
        })
    })
    .await
}

/// Asks the cloud to stop the service, saying who asked.
async fn stop(run: &StepRun<'_>) -> Result<(), StepError> {
    let name = &run.rec.deployment_name;
    let by = run.task.payload.stop_reason().describe();
    run.log(
        CLOUD_MGR_LOG,
        &format!("Stopping service {name} (requested by {by})"),
    )
    .await;
    run.ctx.provider().stop(run.caller, name).await?;
    Ok(())
}

/// Waits until every instance has stopped.
async fn wait_stopped(run: &StepRun<'_>) -> Result<(), StepError> {
    waits::deployment(run.ctx, run.caller, run.rec, |s| {
        s.map(|s| s.state) == Some(DeploymentState::Stopped)
    })
    .await
}

/// Asks the cloud to start the service.
async fn start(run: &StepRun<'_>) -> Result<(), StepError> {
    let name = &run.rec.deployment_name;
    run.log(
        CLOUD_MGR_LOG,
        &format!("Starting service {name} (requested by an administrator)"),
    )
    .await;
    run.ctx.provider().start(run.caller, name).await?;
    Ok(())
}

/// Sends the new deployment (instances, certificate, TLS) to the cloud.
async fn update(run: &StepRun<'_>) -> Result<(), StepError> {
    let rec = run.rec;
    let text = format!(
        "Upgrading deployment {} ({} instance(s))",
        rec.deployment_name, rec.instances
    );
    run.log(CLOUD_MGR_LOG, &text).await;
    let spec = full_deploy_spec(run.ctx, rec).await?;
    run.ctx.provider().update(run.caller, &spec).await?;
    record_gateway(run, &spec).await
}

/// Records which connection point CA the cloud now has for a CMG, so a CMG deployed before the
/// site had one is found and synchronised (`site::service` does at start).
async fn record_gateway(run: &StepRun<'_>, spec: &DeploySpec) -> Result<(), StepError> {
    let Some(thumbprint) = spec
        .gateway
        .as_ref()
        .and_then(|g| pem_thumbprint(&g.connection_point_ca_pem))
    else {
        return Ok(());
    };
    let id = run.rec.id.clone();
    run.ctx
        .store()
        .call(move |c| services::set_gateway_ca(c, &id, &thumbprint))
        .await?;
    Ok(())
}

/// Deletes the deployment and waits until the cloud no longer has it.
async fn delete(run: &StepRun<'_>) -> Result<(), StepError> {
    let name = &run.rec.deployment_name;
    run.log(
        CLOUD_MGR_LOG,
        &format!("Deleting service {name} and its content"),
    )
    .await;
    run.ctx.provider().delete(run.caller, name).await?;
    waits::deployment(run.ctx, run.caller, run.rec, |s| s.is_none()).await
}

/// Deletes the content container and everything in it.
async fn delete_storage(run: &StepRun<'_>) -> Result<(), StepError> {
    let Some(account) = &run.rec.storage_account else {
        return Ok(());
    };
    run.ctx
        .provider()
        .delete_container(run.caller, account, CONTENT_CONTAINER)
        .await?;
    Ok(())
}

/// Removes the service from the site database.
async fn forget(run: &StepRun<'_>) -> Result<(), StepError> {
    let sid = run.rec.id.clone();
    run.ctx
        .store()
        .call(move |c| services::delete_service(c, &sid))
        .await?;
    Ok(())
}
