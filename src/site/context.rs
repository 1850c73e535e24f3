//! What the ops, the monitors and the task runner share: the site database, the secrets, the
//! cloud, the event bus, the logs and the settings of the runner and the monitors, plus the
//! queue that hands recorded tasks to the runner.
//!
//! Recording a task and running it are apart on purpose: an op writes the task in its
//! transaction and queues its id; the runner (`site::manager`) drives it. Whatever is queued
//! but not yet run when the site stops is still in the database and resumes at the next start.

use super::cmtrace::{CLOUD_MGR_LOG, LogWriter};
use super::events::EventBus;
use super::live::Live;
use super::manager::timing::Timing;
use super::monitor::options::MonitorOptions;
use super::replica::Replica;
use super::repo::RepoError;
use super::repo::service_view;
use super::repo::services::ServiceRecord;
use super::repo::status_messages;
use super::secrets::SecretBox;
use super::store::{Store, millis_to_rfc3339, now_millis};
use crate::api::wire::{Event, LogLineView, ServiceView};
use crate::cloud::Provider;
use crate::domain::task::{COMPONENT, Level};
use std::sync::Arc;
use tokio::sync::mpsc;

/// The parts a site is made of, handed to [`SiteContext::new`].
pub struct SiteParts {
    /// Site database.
    pub store: Store,
    /// Secrets at rest.
    pub secrets: Arc<SecretBox>,
    /// The cloud.
    pub provider: Arc<dyn Provider>,
    /// Event bus of `GET /v1/events`.
    pub bus: Arc<EventBus>,
    /// CMTrace logs.
    pub logs: Arc<LogWriter>,
    /// How fast the task runner polls the cloud.
    pub timing: Timing,
    /// Monitoring and content token settings.
    pub monitor: MonitorOptions,
    /// This process's part among the site's replicas.
    pub replica: Arc<Replica>,
}

/// The site's shared resources (see the module documentation).
pub struct SiteContext {
    parts: SiteParts,
    queue: mpsc::UnboundedSender<String>,
    live: Live,
}

/// The receiving end of the task queue: the ids of tasks to run, in the order they were queued.
pub struct TaskInbox(pub(crate) mpsc::UnboundedReceiver<String>);

impl SiteContext {
    /// The context of a site, and the inbox its task runner reads.
    pub fn new(parts: SiteParts) -> (Arc<SiteContext>, TaskInbox) {
        let (queue, inbox) = mpsc::unbounded_channel();
        let live = Live::default();
        (
            Arc::new(SiteContext { parts, queue, live }),
            TaskInbox(inbox),
        )
    }

    /// The site database.
    pub fn store(&self) -> &Store {
        &self.parts.store
    }

    /// The secrets at rest.
    pub fn secrets(&self) -> &Arc<SecretBox> {
        &self.parts.secrets
    }

    /// The cloud.
    pub fn provider(&self) -> &dyn Provider {
        self.parts.provider.as_ref()
    }

    /// The event bus.
    pub fn bus(&self) -> &Arc<EventBus> {
        &self.parts.bus
    }

    /// The CMTrace logs.
    pub fn logs(&self) -> &LogWriter {
        &self.parts.logs
    }

    /// How fast the task runner polls the cloud.
    pub fn timing(&self) -> Timing {
        self.parts.timing
    }

    /// Monitoring and content token settings.
    pub fn monitor(&self) -> &MonitorOptions {
        &self.parts.monitor
    }

    /// This process's part among the site's replicas.
    pub fn replica(&self) -> &Arc<Replica> {
        &self.parts.replica
    }

    /// What the site knows only while it runs: connection point channels, gateway figures.
    pub(crate) fn live(&self) -> &Live {
        &self.live
    }

    /// Hands a recorded task to the task runner. A task queued while the runner is gone (the
    /// site is stopping) stays recorded and resumes at the next start.
    pub fn run_task(&self, task_id: &str) {
        let _ = self.queue.send(task_id.to_string());
    }

    /// Writes a CMTrace line of the services manager and publishes it.
    pub async fn log(&self, file: &str, level: Level, text: &str) {
        self.log_as(file, COMPONENT, level, text);
    }

    /// Writes a CMTrace line of `component` and publishes it (not async: a connection point
    /// the site runs logs through this from its own tasks).
    pub fn log_as(&self, file: &str, component: &str, level: Level, text: &str) {
        let text = self.logs().redacted(text);
        // Through `tracing` too, so `serve` shows the site's lines on stderr under the
        // configured filter; the CMTrace file stays where the ConfigMgr-named logs end up.
        match level {
            Level::Error => {
                tracing::error!(target: "cloudsite::site", log = file, component, "{text}")
            }
            Level::Warning => {
                tracing::warn!(target: "cloudsite::site", log = file, component, "{text}")
            }
            Level::Info => {
                tracing::info!(target: "cloudsite::site", log = file, component, "{text}")
            }
        }
        if !self.logs().writes(level) {
            return;
        }
        if self.logs().write(file, component, level, &text).is_ok() {
            self.bus().publish(Event::Log(LogLineView {
                file: file.to_string(),
                time: millis_to_rfc3339(now_millis()),
                component: component.into(),
                level,
                message: text,
            }));
        }
    }

    /// Records a status message, publishes it, and logs it to `CloudMgr.log`.
    pub async fn status(&self, id: u32, level: Level, service_id: Option<&str>, text: &str) {
        let sid = service_id.map(str::to_string);
        let t = text.to_string();
        if let Ok(view) = self
            .store()
            .call(move |c| status_messages::insert_status(c, id, level, sid.as_deref(), &t))
            .await
        {
            self.bus().publish(Event::StatusMessage(view));
        }
        self.log(CLOUD_MGR_LOG, level, &format!("STATMSG: ID={id} {text}"))
            .await;
    }

    /// The API view of a service: its row, with the gateway figures last sampled.
    pub async fn service_view(&self, rec: &ServiceRecord) -> Result<ServiceView, RepoError> {
        let r = rec.clone();
        let mut view = self
            .store()
            .call(move |c| service_view::view(c, &r))
            .await?;
        view.gateway = self.live.gateway(&rec.id);
        Ok(view)
    }

    /// Publishes the current view of a service.
    pub async fn publish_service(&self, rec: &ServiceRecord) {
        if let Ok(view) = self.service_view(rec).await {
            self.bus().publish(Event::Service(Box::new(view)));
        }
    }
}
