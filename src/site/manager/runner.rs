//! The task runner: takes queued tasks, runs the steps each still has to run, records every
//! step before it runs, and leaves the service in its final state or in Error.

use super::error::StepError;
use super::steps::{self, StepRun};
use crate::api::wire::{Event, ServiceDeleted};
use crate::cloud::CloudError;
use crate::domain::alert::AlertType;
use crate::domain::service::ServiceState;
use crate::domain::task::{Level, Step, TaskKind, TaskState, message};
use crate::site::cert_expiry;
use crate::site::cmtrace::CLOUD_MGR_LOG;
use crate::site::context::{SiteContext, TaskInbox};
use crate::site::credentials;
use crate::site::repo::RepoError;
use crate::site::repo::alerts;
use crate::site::repo::services::{self, ServiceRecord};
use crate::site::repo::tasks::{self, TaskRecord};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::{JoinHandle, JoinSet};

/// How often the runner looks for tasks it was not handed: recorded by another replica, or
/// left when a replica that ran them died.
const POLL: Duration = Duration::from_secs(1);

/// Runs the site's durable tasks.
pub(crate) struct TaskRunner {
    ctx: Arc<SiteContext>,
    /// Tasks this process runs now: a task queued twice, or queued and found by the poll,
    /// runs once.
    running: Arc<Mutex<HashSet<String>>>,
}

impl TaskRunner {
    /// A runner for the site of `ctx`.
    pub(crate) fn new(ctx: Arc<SiteContext>) -> TaskRunner {
        TaskRunner {
            ctx,
            running: Arc::default(),
        }
    }

    /// After a restart or a takeover: reports expired certificates and queues every
    /// unfinished task.
    pub(crate) async fn resume_all(&self) -> Result<usize, RepoError> {
        let ctx = &self.ctx;
        for rec in ctx
            .store()
            .call(|c| services::list_services(c, None))
            .await?
        {
            cert_expiry::report_all_expired(ctx, &rec).await;
        }
        let unfinished = ctx.store().call(|c| tasks::unfinished_tasks(c)).await?;
        for t in &unfinished {
            if t.state == TaskState::InProgress {
                let text = format!(
                    "Resuming the {:?} task {} of service {} at step '{}' after a restart.",
                    t.kind,
                    t.id,
                    t.service_id,
                    t.step.map_or("start", Step::as_str)
                );
                ctx.status(
                    message::TASK_RESUMED,
                    Level::Info,
                    Some(&t.service_id),
                    &text,
                )
                .await;
            }
            ctx.run_task(&t.id);
        }
        Ok(unfinished.len())
    }

    /// Runs every task queued in `inbox`, and every unfinished task the database holds, each
    /// once and in its own tokio task, until the returned handle is stopped or dropped.
    pub(crate) fn start(self, mut inbox: TaskInbox) -> RunnerHandle {
        RunnerHandle(tokio::spawn(async move {
            // The drivers live in this set: when the runner stops, they stop with it.
            let mut drivers = JoinSet::new();
            let mut poll = tokio::time::interval(POLL);
            poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                while drivers.try_join_next().is_some() {}
                tokio::select! {
                    id = inbox.0.recv() => match id {
                        Some(id) => self.launch(&mut drivers, id),
                        None => break,
                    },
                    _ = poll.tick() => {
                        let found = self.ctx.store().call(|c| tasks::unfinished_tasks(c)).await;
                        for t in found.unwrap_or_default() {
                            self.launch(&mut drivers, t.id);
                        }
                    }
                }
            }
        }))
    }

    /// Drives `id` unless this process already does.
    fn launch(&self, drivers: &mut JoinSet<()>, id: String) {
        let fresh = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.clone());
        if !fresh {
            return;
        }
        let (ctx, running) = (Arc::clone(&self.ctx), Arc::clone(&self.running));
        drivers.spawn(async move {
            let _done = Forget(running, id.clone());
            drive(ctx, id).await;
        });
    }
}

/// Takes a task off the running set when its driver ends, finished or stopped.
struct Forget(Arc<Mutex<HashSet<String>>>, String);

impl Drop for Forget {
    fn drop(&mut self) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.1);
    }
}

/// A started task runner. Stopping it (or dropping it) takes no more tasks and stops the
/// tasks it runs where they are: each step is recorded before it runs and repeats safely, so
/// they resume at the next start (or on the replica that takes over), and none goes on
/// against a cloud or a lease this process no longer has.
pub(crate) struct RunnerHandle(JoinHandle<()>);

impl RunnerHandle {
    /// Stops taking tasks, and waits until the runner has let go of the queue.
    pub(crate) async fn stop(mut self) {
        self.0.abort();
        let _ = (&mut self.0).await;
    }
}

impl Drop for RunnerHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs one task from where it is.
pub(super) async fn drive(ctx: Arc<SiteContext>, task_id: String) {
    let tid = task_id.clone();
    let task = match ctx.store().call(move |c| tasks::get_task(c, &tid)).await {
        Ok(Some(task)) => task,
        Ok(None) => return,
        Err(e) => {
            // Nothing can be recorded on the task itself: say it where an operator looks.
            let text = format!("Cannot read the task {task_id} to run it: {e}");
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return;
        }
    };
    if task.state.is_final() {
        return;
    }
    // One services manager per task: under two (a replica that lost the lease and the one
    // that took it), the newer lease wins and the other stops at its next step.
    let (tid, owner) = (task.id.clone(), ctx.replica().owner());
    match ctx
        .store()
        .call(move |c| tasks::claim_task(c, &tid, &owner))
        .await
    {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            let text = format!("Cannot take the task {task_id} to run it: {e}");
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return;
        }
    }
    let sid = task.service_id.clone();
    let rec = match ctx
        .store()
        .call(move |c| services::get_service(c, &sid))
        .await
    {
        Ok(Some(rec)) => rec,
        Ok(None) => {
            // The service is gone: only a delete can have been interrupted after removing it.
            let state = if task.kind == TaskKind::Delete {
                TaskState::Completed
            } else {
                TaskState::Failed
            };
            let _ = set_task(&ctx, &task.id, state, Some(Step::Done), None).await;
            return;
        }
        Err(e) => {
            let text = e.to_string();
            let _ = set_task(&ctx, &task.id, TaskState::Failed, task.step, Some(&text)).await;
            return;
        }
    };
    if let Err(e) = run(&ctx, &task, &rec).await {
        fail(&ctx, &task, &rec, e).await;
    }
}

/// Runs the steps the task still has to run, then finishes it.
async fn run(ctx: &SiteContext, task: &TaskRecord, rec: &ServiceRecord) -> Result<(), StepError> {
    cert_expiry::report_all_expired(ctx, rec).await;
    let caller = credentials::caller(ctx, rec).await?;
    set_state(ctx, &rec.id, steps::working_state(task.kind), "").await?;
    if task.kind == TaskKind::Create && task.step.is_none() {
        let text = format!(
            "Provisioning of {} started in region {}.",
            rec.service_fqdn, rec.region
        );
        ctx.status(
            message::PROVISIONING_STARTED,
            Level::Info,
            Some(&rec.id),
            &text,
        )
        .await;
    }
    let run = StepRun {
        ctx,
        task,
        rec,
        caller: &caller,
    };
    for &step in steps::remaining(task.kind, task.step) {
        if !steps::applies(step, rec) {
            continue;
        }
        // Recorded before it runs: a restart repeats the step that was cut short.
        set_task(ctx, &task.id, TaskState::InProgress, Some(step), None).await?;
        steps::perform(step, &run).await?;
    }
    finish(ctx, task, rec).await
}

/// Completes the task: the service's final state and status message, or its removal.
async fn finish(
    ctx: &SiteContext,
    task: &TaskRecord,
    rec: &ServiceRecord,
) -> Result<(), StepError> {
    clear_proxy_alerts(ctx).await;
    match steps::outcome(task.kind, rec) {
        Some((state, msg, text)) => {
            set_state(ctx, &rec.id, state, "").await?;
            set_task(ctx, &task.id, TaskState::Completed, Some(Step::Done), None).await?;
            ctx.status(msg, Level::Info, Some(&rec.id), &text).await;
        }
        None => {
            set_task(ctx, &task.id, TaskState::Completed, Some(Step::Done), None).await?;
            ctx.bus().publish(Event::ServiceDeleted(ServiceDeleted {
                id: rec.id.clone(),
                service_fqdn: rec.service_fqdn.clone(),
            }));
            let text = format!(
                "The service {} and its content are deleted.",
                rec.service_fqdn
            );
            ctx.status(message::DELETED, Level::Info, Some(&rec.id), &text)
                .await;
        }
    }
    Ok(())
}

/// A task that ended well reached the cloud (through the site server's proxy, when one is
/// set), so a proxy failure raised before no longer holds: its alerts clear.
async fn clear_proxy_alerts(ctx: &SiteContext) {
    match ctx
        .store()
        .call(|c| alerts::clear_alerts_of_type(c, AlertType::ProxyFailure))
        .await
    {
        Ok(cleared) => {
            for alert in cleared {
                ctx.bus().publish(Event::Alert(alert));
            }
        }
        Err(e) => {
            let text = format!("Cannot clear the proxy failure alerts: {e}");
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
        }
    }
}

/// Fails the task at the step it reached and puts the service in Error, saying why; a proxy
/// refusal also raises the proxy alert.
async fn fail(ctx: &SiteContext, task: &TaskRecord, rec: &ServiceRecord, e: StepError) {
    let text = e.to_string();
    if let StepError::TakenOver(_) = e {
        // The manager that took it over owns the task and the service's state now.
        ctx.log(CLOUD_MGR_LOG, Level::Warning, &text).await;
        return;
    }
    let tid = task.id.clone();
    let reached = ctx
        .store()
        .call(move |c| tasks::get_task(c, &tid))
        .await
        .ok()
        .flatten()
        .map_or(task.step, |t| t.step);
    let _ = set_task(ctx, &task.id, TaskState::Failed, reached, Some(&text)).await;
    let _ = set_state(ctx, &rec.id, ServiceState::Error, &text).await;
    let line = format!(
        "{:?} task for service {} failed: {text}",
        task.kind, rec.deployment_name
    );
    ctx.log(CLOUD_MGR_LOG, Level::Error, &line).await;
    let status = format!(
        "The {:?} task for {} failed: {text}",
        task.kind, rec.service_fqdn
    );
    ctx.status(message::TASK_FAILED, Level::Error, Some(&rec.id), &status)
        .await;
    if let StepError::Cloud(CloudError::Proxy(why)) = &e {
        let status = format!("The site server's proxy refused the connection to the cloud: {why}");
        ctx.status(message::PROXY_FAILED, Level::Error, Some(&rec.id), &status)
            .await;
        let (sid, details) = (
            rec.id.clone(),
            serde_json::json!({ "error": why, "service": rec.service_fqdn }),
        );
        if let Ok(alert) = ctx
            .store()
            .call(move |c| {
                alerts::raise_alert(
                    c,
                    AlertType::ProxyFailure,
                    Some(&sid),
                    "Proxy refused the connection to the cloud",
                    AlertType::ProxyFailure.severity(),
                    details,
                )
            })
            .await
        {
            ctx.bus().publish(Event::Alert(alert));
        }
    }
}

/// Sets a service's state and details, and publishes it.
async fn set_state(
    ctx: &SiteContext,
    id: &str,
    state: ServiceState,
    details: &str,
) -> Result<(), RepoError> {
    let (i, d) = (id.to_string(), details.to_string());
    if let Some(rec) = ctx
        .store()
        .call(move |c| services::set_state(c, &i, state, &d))
        .await?
    {
        ctx.publish_service(&rec).await;
    }
    Ok(())
}

/// Moves a task on (state, step, error), and publishes it; refused once another services
/// manager has taken the task over.
async fn set_task(
    ctx: &SiteContext,
    id: &str,
    state: TaskState,
    step: Option<Step>,
    error: Option<&str>,
) -> Result<(), StepError> {
    let (i, e, owner) = (
        id.to_string(),
        error.map(str::to_string),
        ctx.replica().owner(),
    );
    match ctx
        .store()
        .call(move |c| tasks::update_owned_task(c, &i, &owner, state, step, e.as_deref()))
        .await?
    {
        Some(t) => {
            ctx.bus().publish(Event::Task(t.view()));
            Ok(())
        }
        None => Err(StepError::TakenOver(id.to_string())),
    }
}
