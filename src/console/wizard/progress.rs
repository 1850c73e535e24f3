//! The Progress and Completion pages: the create task followed live (task, service and log
//! events), and what happened with what to do next.

use crate::api::wire::{Accepted, Event, EventView, LogLineView, ServiceView, TaskView};
use crate::console::model::Model;
use crate::domain::service::HostedKind;
use crate::domain::service::ServiceState;
use crate::domain::task::TaskState;
use std::collections::VecDeque;

/// Log lines kept on the Progress page.
pub(super) const LOG_LINES: usize = 12;

/// The deployment being followed.
#[derive(Debug, Clone)]
pub(super) struct Progress {
    /// The service as last seen.
    pub service: ServiceView,
    /// The create task as last seen.
    pub task: TaskView,
    /// The last log lines about it.
    pub lines: VecDeque<LogLineView>,
}

impl Progress {
    /// Starts following the create the site accepted, catching up with what the model
    /// already holds (events may arrive before the answer).
    pub(super) fn new(accepted: Accepted, model: &Model) -> Self {
        let mut p = Progress {
            service: accepted.service,
            task: accepted.task,
            lines: VecDeque::new(),
        };
        if let Some(t) = model.tasks.get(&p.task.id) {
            p.task = t.clone();
        }
        if let Some(s) = model.service(&p.service.id) {
            p.service = s.clone();
        }
        let since = p.task.created.clone();
        for l in model.logs.iter().filter(|l| l.time >= since) {
            p.log(l.clone(), model);
        }
        p
    }

    fn mentions_us(&self, text: &str) -> bool {
        let t = text.to_ascii_lowercase();
        let name = self.service.name.to_ascii_lowercase();
        (!name.is_empty() && t.contains(&name))
            || t.contains(&self.service.service_fqdn.to_ascii_lowercase())
            || t.contains(&self.task.id.to_ascii_lowercase())
    }

    /// A line is kept when it names this deployment, or names no other service (a general
    /// step line such as "Waiting for check if container exists").
    fn relevant(&self, line: &LogLineView, model: &Model) -> bool {
        if self.mentions_us(&line.message) {
            return true;
        }
        let t = line.message.to_ascii_lowercase();
        !model
            .cdps
            .iter()
            .chain(model.cmgs.iter())
            .filter(|s| s.id != self.service.id && !s.name.is_empty())
            .any(|s| {
                t.contains(&s.name.to_ascii_lowercase())
                    || t.contains(&s.service_fqdn.to_ascii_lowercase())
            })
    }

    fn log(&mut self, line: LogLineView, model: &Model) {
        if self.relevant(&line, model) {
            self.lines.push_back(line);
            while self.lines.len() > LOG_LINES {
                self.lines.pop_front();
            }
        }
    }

    /// Applies a live event.
    pub(super) fn apply(&mut self, ev: &EventView, model: &Model) {
        match &ev.event {
            Event::Task(t) if t.id == self.task.id => self.task = t.clone(),
            Event::Service(s) if s.id == self.service.id => self.service = (**s).clone(),
            Event::Log(l) => self.log(l.clone(), model),
            _ => {}
        }
    }

    /// `Some(true)` once the task completed, `Some(false)` once it failed.
    pub(super) fn finished(&self) -> Option<bool> {
        match self.task.state {
            TaskState::Completed => Some(true),
            TaskState::Failed => Some(false),
            TaskState::Created | TaskState::InProgress => None,
        }
    }

    /// The state shown: the service's status, or Ready/Error once the task ended.
    pub(super) fn state(&self) -> ServiceState {
        match self.finished() {
            Some(true) if self.service.status.is_transitional() => ServiceState::Ready,
            Some(false) => ServiceState::Error,
            _ => self.service.status,
        }
    }

    /// Why it failed.
    pub(super) fn reason(&self) -> String {
        self.task
            .error
            .clone()
            .or_else(|| self.service.status_details.clone())
            .unwrap_or_else(|| "the site gave no reason".into())
    }

    /// The Completion page: a headline, then what to do next.
    pub(super) fn completion(&self, kind: HostedKind) -> (bool, String, Vec<String>) {
        let what = match kind {
            HostedKind::Cdp => "cloud distribution point",
            HostedKind::Cmg => "cloud management gateway",
        };
        let fqdn = &self.service.service_fqdn;
        if self.finished() != Some(true) {
            return (
                false,
                format!("The {what} {fqdn} could not be created: {}", self.reason()),
                vec![
                    "Read CloudMgr.log in Monitoring → Logs (key l on the service) for the step that failed.".into(),
                    "Fix the cause (subscription, certificate, quota), Delete the service, and run the wizard again.".into(),
                ],
            );
        }
        let mut next = vec![format!(
            "Create a DNS CNAME: {fqdn} → {}",
            self.service.cname_target
        )];
        next.push(
            "Trust the root CA of the service certificate on clients, so they accept the HTTPS connection."
                .into(),
        );
        match kind {
            HostedKind::Cdp => next.push(
                "Distribute content to it, and allow clients to use cloud distribution points in Client Settings."
                    .into(),
            ),
            HostedKind::Cmg => next.push(
                "Add the Cloud management gateway connection point role (Servers and Site System Roles)."
                    .into(),
            ),
        }
        next.push("Watch Monitoring → Alerts for the thresholds set on the Alerts page.".into());
        (
            true,
            format!(
                "The {what} {fqdn} is {} (deployment {}).",
                self.state().as_str(),
                self.service.name
            ),
            next,
        )
    }
}

/// A task state as shown.
pub(super) fn task_state(s: TaskState) -> &'static str {
    match s {
        TaskState::Created => "Created",
        TaskState::InProgress => "In Progress",
        TaskState::Completed => "Completed",
        TaskState::Failed => "Failed",
    }
}
