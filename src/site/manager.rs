//! The cloud services manager: drives every service through its lifecycle with durable tasks.
//!
//! Each task records the step it reached; every step is idempotent against the provider, so a
//! task interrupted at any moment (even by SIGKILL) is finished by repeating its current step
//! after a restart. Every step is logged to `CloudMgr.log` and published as an event.

use super::cmtrace::LogWriter;
use super::events::EventBus;
use super::secrets::SecretBox;
use super::store::Store;
use crate::api::wire::{Event, InstanceView, LogLineView, ServiceDeleted};
use crate::cloud::{
    Caller, CloudError, DeploySpec, DeploymentState, HostedKind, Provider, ServiceStatus,
    Subscription,
};
use crate::domain::alert::AlertType;
use crate::domain::service::ServiceState;
use crate::domain::task::{COMPONENT, Level, Step, TaskKind, TaskState, message};
use crate::site::repo::{
    RepoError, alerts, service_view, services, services::MANAGEMENT_KEY_LABEL,
    services::SERVICE_KEY_LABEL, services::ServiceRecord, site, status_messages, tasks,
    tasks::TaskRecord,
};
use std::sync::Arc;
use std::time::Duration;

/// The main log of the services manager.
pub const CLOUD_MGR_LOG: &str = "CloudMgr.log";
/// CMG setup log (synced from the instances in ConfigMgr; written here as steps happen).
pub const CMG_SETUP_LOG: &str = "CMGSetup.log";
/// The container every service's content lives in.
pub const CONTENT_CONTAINER: &str = "content";

/// An instance as the API shows it.
pub fn instance_view(i: &crate::cloud::InstanceStatus) -> InstanceView {
    InstanceView {
        id: i.id.clone(),
        state: i.state,
        address: i.address.map(|a| a.to_string()),
    }
}

/// How fast the manager polls the cloud and how long it waits.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Between two status reads while waiting for the cloud.
    pub poll: Duration,
    /// Between two checks for the storage container (ConfigMgr: 10 s).
    pub container_retry: Duration,
    /// Longest wait for one transition (ConfigMgr: provisioning takes up to 30 min).
    pub deadline: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            poll: Duration::from_millis(500),
            container_retry: Duration::from_secs(10),
            deadline: Duration::from_secs(45 * 60),
        }
    }
}

/// Why a task step failed.
#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error(transparent)]
    Cloud(#[from] CloudError),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("{0}")]
    Other(String),
}

/// The services manager.
pub struct Manager {
    /// Site database.
    pub store: Store,
    /// Secrets at rest.
    pub secrets: Arc<SecretBox>,
    /// The cloud.
    pub provider: Arc<dyn Provider>,
    /// Event bus.
    pub bus: Arc<EventBus>,
    /// Logs.
    pub logs: Arc<LogWriter>,
    /// Timing.
    pub timing: Timing,
    /// Monitoring and content token settings.
    pub monitor: super::monitor::MonitorOptions,
}

impl Manager {
    /// Resumes every unfinished task (after a restart).
    pub async fn resume_all(self: &Arc<Self>) -> Result<usize, RepoError> {
        for rec in self
            .store
            .call(|c| services::list_services(c, None))
            .await?
        {
            self.check_expiry(&rec).await;
        }
        let tasks = self.store.call(|c| tasks::unfinished_tasks(c)).await?;
        for t in &tasks {
            if t.state == TaskState::InProgress {
                self.status(
                    message::TASK_RESUMED,
                    Level::Info,
                    Some(&t.service_id),
                    &format!(
                        "Resuming the {:?} task {} of service {} at step '{}' after a restart.",
                        t.kind,
                        t.id,
                        t.service_id,
                        t.step.map_or("start", Step::as_str)
                    ),
                )
                .await;
            }
            self.spawn(t.id.clone());
        }
        Ok(tasks.len())
    }

    /// Starts driving a task in the background.
    pub fn spawn(self: &Arc<Self>, task_id: String) {
        let me = Arc::clone(self);
        tokio::spawn(async move { me.drive(task_id).await });
    }

    /// Writes a CMTrace line and publishes it.
    pub async fn log(&self, file: &str, level: Level, text: &str) {
        if self.logs.write(file, COMPONENT, level, text).is_ok() {
            let line = LogLineView {
                file: file.to_string(),
                time: super::store::millis_to_rfc3339(super::store::now_millis()),
                component: COMPONENT.into(),
                level,
                message: super::cmtrace::redact(text),
            };
            self.bus.publish(Event::Log(line));
        }
    }

    /// Records a status message, logs it, and publishes it.
    pub async fn status(&self, id: u32, level: Level, service_id: Option<&str>, text: &str) {
        let sid = service_id.map(str::to_string);
        let t = text.to_string();
        if let Ok(view) = self
            .store
            .call(move |c| status_messages::insert_status(c, id, level, sid.as_deref(), &t))
            .await
        {
            self.bus.publish(Event::StatusMessage(view));
        }
        self.log(CLOUD_MGR_LOG, level, &format!("STATMSG: ID={id} {text}"))
            .await;
    }

    async fn set_state(
        &self,
        id: &str,
        state: ServiceState,
        details: &str,
    ) -> Result<(), RepoError> {
        let (i, d) = (id.to_string(), details.to_string());
        if let Some(rec) = self
            .store
            .call(move |c| services::set_state(c, &i, state, &d))
            .await?
        {
            self.publish_service(&rec).await;
        }
        Ok(())
    }

    /// Publishes the current view of a service.
    pub async fn publish_service(&self, rec: &ServiceRecord) {
        let r = rec.clone();
        if let Ok(view) = self.store.call(move |c| service_view::view(c, &r)).await {
            self.bus.publish(Event::Service(Box::new(view)));
        }
    }

    async fn set_task(
        &self,
        id: &str,
        state: TaskState,
        step: Option<Step>,
        error: Option<&str>,
    ) -> Result<(), RepoError> {
        let (i, e) = (id.to_string(), error.map(str::to_string));
        if let Some(t) = self
            .store
            .call(move |c| tasks::update_task(c, &i, state, step, e.as_deref()))
            .await?
        {
            self.bus.publish(Event::Task(t.view()));
        }
        Ok(())
    }

    /// The caller (subscription, management certificate, proxy) for a service.
    pub async fn caller(&self, rec: &ServiceRecord) -> Result<Caller, RepoError> {
        let key = self
            .secrets
            .open(MANAGEMENT_KEY_LABEL, &rec.management_key)?;
        let key_pem = crate::cert::pem::encode("PRIVATE KEY", key.as_bytes());
        let secrets = Arc::clone(&self.secrets);
        let proxy = self
            .store
            .call(move |c| site::site_server_proxy(c, &secrets))
            .await?;
        Ok(Caller {
            subscription: Subscription {
                id: rec.subscription_id.clone(),
                management_cert_pem: rec.management_cert_pem.clone(),
                management_key_pem: key_pem,
            },
            proxy,
        })
    }

    fn spec(&self, rec: &ServiceRecord) -> Result<DeploySpec, RepoError> {
        let key = self.secrets.open(SERVICE_KEY_LABEL, &rec.service_key)?;
        Ok(DeploySpec {
            name: rec.deployment_name.clone(),
            kind: rec.kind,
            region: rec.region.clone(),
            instances: rec.instances,
            service_cert_pem: rec.cert_pem.clone(),
            service_key_pem: crate::cert::pem::encode("PRIVATE KEY", key.as_bytes()),
            storage_account: rec.storage_account.clone(),
            tls12_only: rec.settings.cmg.as_ref().is_none_or(|c| c.enforce_tls12),
            access_key: Some(self.access_key(&rec.id)),
        })
    }

    /// The content access key of a service (base64): derived from the site key, so the
    /// management point can sign tokens its instances accept without storing another secret.
    pub fn access_key(&self, service_id: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(
            self.secrets
                .derive_key(&format!("content-access:{service_id}")),
        )
    }

    async fn drive(self: Arc<Self>, task_id: String) {
        let tid = task_id.clone();
        let Ok(Some(task)) = self.store.call(move |c| tasks::get_task(c, &tid)).await else {
            return;
        };
        if task.state.is_final() {
            return;
        }
        let sid = task.service_id.clone();
        let rec = match self
            .store
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
                let _ = self.set_task(&task.id, state, Some(Step::Done), None).await;
                return;
            }
            Err(e) => {
                let _ = self
                    .set_task(&task.id, TaskState::Failed, task.step, Some(&e.to_string()))
                    .await;
                return;
            }
        };
        if let Err(e) = self.run(&task, &rec).await {
            self.fail(&task, &rec, e).await;
        }
    }

    async fn fail(&self, task: &TaskRecord, rec: &ServiceRecord, e: StepError) {
        let text = e.to_string();
        let _ = self
            .set_task(&task.id, TaskState::Failed, task.step, Some(&text))
            .await;
        let _ = self.set_state(&rec.id, ServiceState::Error, &text).await;
        self.log(
            CLOUD_MGR_LOG,
            Level::Error,
            &format!(
                "{:?} task for service {} failed: {text}",
                task.kind, rec.deployment_name
            ),
        )
        .await;
        self.status(
            message::TASK_FAILED,
            Level::Error,
            Some(&rec.id),
            &format!(
                "The {:?} task for {} failed: {text}",
                task.kind, rec.service_fqdn
            ),
        )
        .await;
        if let StepError::Cloud(CloudError::Proxy(why)) = &e {
            self.status(
                message::PROXY_FAILED,
                Level::Error,
                Some(&rec.id),
                &format!("The site server's proxy refused the connection to the cloud: {why}"),
            )
            .await;
            let (sid, details) = (
                rec.id.clone(),
                serde_json::json!({ "error": why, "service": rec.service_fqdn }),
            );
            if let Ok(alert) = self
                .store
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
                self.bus.publish(Event::Alert(alert));
            }
        }
    }

    async fn step(&self, task: &TaskRecord, step: Step) -> Result<(), StepError> {
        self.set_task(&task.id, TaskState::InProgress, Some(step), None)
            .await?;
        Ok(())
    }

    /// Writes 9425 and the ConfigMgr log line for each of the service's certificates that has
    /// expired (ConfigMgr gives no earlier warning; the health checks add one).
    pub async fn check_expiry(&self, rec: &ServiceRecord) {
        use super::monitor::health;
        let now = time::OffsetDateTime::now_utc();
        for cert in health::cert_dates(rec) {
            if cert.not_after < now {
                health::report_expired(self, rec, &cert).await;
            }
        }
    }

    async fn run(&self, task: &TaskRecord, rec: &ServiceRecord) -> Result<(), StepError> {
        self.check_expiry(rec).await;
        let caller = self.caller(rec).await?;
        let name = rec.deployment_name.clone();
        match task.kind {
            TaskKind::Create => {
                self.set_state(&rec.id, ServiceState::Provisioning, "")
                    .await?;
                if task.step.is_none() {
                    self.status(
                        message::PROVISIONING_STARTED,
                        Level::Info,
                        Some(&rec.id),
                        &format!(
                            "Provisioning of {} started in region {}.",
                            rec.service_fqdn, rec.region
                        ),
                    )
                    .await;
                }
                if let Some(account) = &rec.storage_account {
                    self.step(task, Step::Storage).await?;
                    self.provider
                        .create_container(&caller, account, CONTENT_CONTAINER)
                        .await?;
                    self.wait_container(&caller, account).await?;
                }
                self.step(task, Step::Deploy).await?;
                self.log(CLOUD_MGR_LOG, Level::Info, "Starting to Deploy Service")
                    .await;
                self.provider.deploy(&caller, &self.spec(rec)?).await?;
                if rec.kind == HostedKind::Cmg {
                    self.log(
                        CMG_SETUP_LOG,
                        Level::Info,
                        &format!(
                            "Setting up CMG {name} with {} VM instance(s)",
                            rec.instances
                        ),
                    )
                    .await;
                }
                self.step(task, Step::WaitReady).await?;
                self.wait(&caller, rec, |s| {
                    s.map(|s| s.state) == Some(DeploymentState::Running)
                })
                .await?;
                let (id, text) = match rec.kind {
                    HostedKind::Cdp => (
                        message::CDP_PROVISIONED,
                        format!(
                            "The cloud distribution point {} is provisioned and ready.",
                            rec.service_fqdn
                        ),
                    ),
                    HostedKind::Cmg => (
                        message::CMG_PROVISIONED,
                        format!(
                            "The cloud management gateway {} is provisioned and ready.",
                            rec.service_fqdn
                        ),
                    ),
                };
                self.finish(task, rec, ServiceState::Ready, id, &text).await
            }
            TaskKind::Stop => {
                self.set_state(&rec.id, ServiceState::Stopping, "").await?;
                self.step(task, Step::Stop).await?;
                self.log(
                    CLOUD_MGR_LOG,
                    Level::Info,
                    &format!(
                        "Stopping service {name} (requested by {})",
                        task.payload.stop_reason().describe()
                    ),
                )
                .await;
                self.provider.stop(&caller, &name).await?;
                self.step(task, Step::WaitStopped).await?;
                self.wait(&caller, rec, |s| {
                    s.map(|s| s.state) == Some(DeploymentState::Stopped)
                })
                .await?;
                self.finish(
                    task,
                    rec,
                    ServiceState::Stopped,
                    message::STOPPED,
                    &format!(
                        "The service {} is stopped; its content is kept.",
                        rec.service_fqdn
                    ),
                )
                .await
            }
            TaskKind::Start => {
                self.set_state(&rec.id, ServiceState::Starting, "").await?;
                self.step(task, Step::Start).await?;
                self.log(
                    CLOUD_MGR_LOG,
                    Level::Info,
                    &format!("Starting service {name} (requested by an administrator)"),
                )
                .await;
                self.provider.start(&caller, &name).await?;
                self.step(task, Step::WaitReady).await?;
                self.wait(&caller, rec, |s| {
                    s.map(|s| s.state) == Some(DeploymentState::Running)
                })
                .await?;
                self.finish(
                    task,
                    rec,
                    ServiceState::Ready,
                    message::STARTED,
                    &format!("The service {} is started.", rec.service_fqdn),
                )
                .await
            }
            TaskKind::Upgrade => {
                self.set_state(&rec.id, ServiceState::Upgrading, "").await?;
                self.step(task, Step::Update).await?;
                self.log(
                    CLOUD_MGR_LOG,
                    Level::Info,
                    &format!(
                        "Upgrading deployment {name} ({} instance(s))",
                        rec.instances
                    ),
                )
                .await;
                self.provider.update(&caller, &self.spec(rec)?).await?;
                self.step(task, Step::WaitReady).await?;
                self.wait(&caller, rec, |s| {
                    s.is_some_and(|s| {
                        s.state == DeploymentState::Running
                            && s.instances.len() == usize::from(rec.instances)
                    })
                })
                .await?;
                self.finish(
                    task,
                    rec,
                    ServiceState::Ready,
                    message::UPGRADED,
                    &format!("The service {} is upgraded.", rec.service_fqdn),
                )
                .await
            }
            TaskKind::Delete => {
                self.set_state(&rec.id, ServiceState::Deleting, "").await?;
                self.step(task, Step::Delete).await?;
                self.log(
                    CLOUD_MGR_LOG,
                    Level::Info,
                    &format!("Deleting service {name} and its content"),
                )
                .await;
                self.provider.delete(&caller, &name).await?;
                self.wait(&caller, rec, |s| s.is_none()).await?;
                if let Some(account) = &rec.storage_account {
                    self.step(task, Step::DeleteStorage).await?;
                    self.provider
                        .delete_container(&caller, account, CONTENT_CONTAINER)
                        .await?;
                }
                self.step(task, Step::Forget).await?;
                let sid = rec.id.clone();
                self.store
                    .call(move |c| services::delete_service(c, &sid))
                    .await?;
                self.set_task(&task.id, TaskState::Completed, Some(Step::Done), None)
                    .await?;
                self.bus.publish(Event::ServiceDeleted(ServiceDeleted {
                    id: rec.id.clone(),
                    service_fqdn: rec.service_fqdn.clone(),
                }));
                self.status(
                    message::DELETED,
                    Level::Info,
                    Some(&rec.id),
                    &format!(
                        "The service {} and its content are deleted.",
                        rec.service_fqdn
                    ),
                )
                .await;
                Ok(())
            }
        }
    }

    async fn finish(
        &self,
        task: &TaskRecord,
        rec: &ServiceRecord,
        state: ServiceState,
        msg: u32,
        text: &str,
    ) -> Result<(), StepError> {
        self.set_state(&rec.id, state, "").await?;
        self.set_task(&task.id, TaskState::Completed, Some(Step::Done), None)
            .await?;
        self.status(msg, Level::Info, Some(&rec.id), text).await;
        Ok(())
    }

    async fn wait_container(&self, caller: &Caller, account: &str) -> Result<(), StepError> {
        let start = tokio::time::Instant::now();
        while !self
            .provider
            .container_exists(caller, account, CONTENT_CONTAINER)
            .await?
        {
            if start.elapsed() > self.timing.deadline {
                return Err(StepError::Other(format!(
                    "the storage container of {account} did not appear in time"
                )));
            }
            let secs = self.timing.container_retry.as_secs().max(1);
            self.log(
                CLOUD_MGR_LOG,
                Level::Info,
                &format!(
                    "Waiting for check if container exists. Will check again in {secs} seconds"
                ),
            )
            .await;
            tokio::time::sleep(self.timing.container_retry).await;
        }
        Ok(())
    }

    /// Polls the cloud until `done` holds, recording instance states as they change.
    async fn wait(
        &self,
        caller: &Caller,
        rec: &ServiceRecord,
        done: impl Fn(Option<&ServiceStatus>) -> bool,
    ) -> Result<(), StepError> {
        let start = tokio::time::Instant::now();
        let mut last: Vec<InstanceView> = rec.settings.instances.clone();
        loop {
            let status = self.provider.status(caller, &rec.deployment_name).await?;
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
                        self.log(
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
                self.store
                    .call(move |c| services::set_instances(c, &sid, inst))
                    .await?;
                let sid = rec.id.clone();
                if let Ok(Some(r)) = self
                    .store
                    .call(move |c| services::get_service(c, &sid))
                    .await
                {
                    self.publish_service(&r).await;
                }
                last = now;
            }
            if done(status.as_ref()) {
                return Ok(());
            }
            if start.elapsed() > self.timing.deadline {
                return Err(StepError::Other(format!(
                    "the cloud did not finish in {} minutes (last state: {:?})",
                    self.timing.deadline.as_secs() / 60,
                    status.map(|s| s.state)
                )));
            }
            tokio::time::sleep(self.timing.poll).await;
        }
    }
}
