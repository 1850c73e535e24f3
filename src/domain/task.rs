//! Durable tasks (`SMS_AzureServicesTask`) and status messages (`SMS_CLOUD_SERVICES_MANAGER`).

use crate::domain::service::ServiceState;
use serde::{Deserialize, Serialize};

/// What a task does (`TaskTypeId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// 1 CreateDeployment.
    Create,
    /// 2 UpgradeDeployment (sync, VM count, certificate).
    Upgrade,
    /// 3 DeleteDeployment.
    Delete,
    /// 4 StopDeployment.
    Stop,
    /// 5 StartDeployment.
    Start,
}

impl TaskKind {
    /// The state a service is in while the task runs, and the one it heads to (`None`: the
    /// service is gone), so a command that does not wait can say where the service is going.
    pub fn course(self) -> (ServiceState, Option<ServiceState>) {
        use ServiceState as S;
        match self {
            TaskKind::Create => (S::Provisioning, Some(S::Ready)),
            TaskKind::Upgrade => (S::Upgrading, Some(S::Ready)),
            TaskKind::Delete => (S::Deleting, None),
            TaskKind::Stop => (S::Stopping, Some(S::Stopped)),
            TaskKind::Start => (S::Starting, Some(S::Ready)),
        }
    }

    /// `TaskTypeId`.
    pub fn code(self) -> i32 {
        match self {
            TaskKind::Create => 1,
            TaskKind::Upgrade => 2,
            TaskKind::Delete => 3,
            TaskKind::Stop => 4,
            TaskKind::Start => 5,
        }
    }

    /// From `TaskTypeId`.
    pub fn from_code(code: i32) -> Option<TaskKind> {
        [
            TaskKind::Create,
            TaskKind::Upgrade,
            TaskKind::Delete,
            TaskKind::Stop,
            TaskKind::Start,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// Where a task is (`TaskStateId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// 1 Created.
    Created,
    /// 2 In Progress.
    InProgress,
    /// 3 Completed.
    Completed,
    /// 4 Failed.
    Failed,
}

impl TaskState {
    /// `TaskStateId`.
    pub fn code(self) -> i32 {
        match self {
            TaskState::Created => 1,
            TaskState::InProgress => 2,
            TaskState::Completed => 3,
            TaskState::Failed => 4,
        }
    }

    /// From `TaskStateId`.
    pub fn from_code(code: i32) -> Option<TaskState> {
        [
            TaskState::Created,
            TaskState::InProgress,
            TaskState::Completed,
            TaskState::Failed,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }

    /// Completed or failed.
    pub fn is_final(self) -> bool {
        matches!(self, TaskState::Completed | TaskState::Failed)
    }
}

/// Component of every cloud status message.
pub const COMPONENT: &str = "SMS_CLOUD_SERVICES_MANAGER";

/// Status message IDs. 9409 and 9425 are ConfigMgr's; the others (94xx above 9450) are
/// cloudsite's own, documented in the README.
pub mod message {
    /// The cloud distribution point is provisioned (ConfigMgr).
    pub const CDP_PROVISIONED: u32 = 9409;
    /// A management or service certificate has expired (ConfigMgr).
    pub const CERTIFICATE_EXPIRED: u32 = 9425;
    /// A create task started provisioning a service.
    pub const PROVISIONING_STARTED: u32 = 9451;
    /// The cloud management gateway is provisioned.
    pub const CMG_PROVISIONED: u32 = 9452;
    /// The service was stopped.
    pub const STOPPED: u32 = 9453;
    /// The service was started.
    pub const STARTED: u32 = 9454;
    /// The service and its content were deleted.
    pub const DELETED: u32 = 9455;
    /// The service was upgraded (sync, VM count, certificate).
    pub const UPGRADED: u32 = 9456;
    /// A task failed; the service is in Error.
    pub const TASK_FAILED: u32 = 9457;
    /// The proxy refused the site's connection to the cloud.
    pub const PROXY_FAILED: u32 = 9458;
    /// An unfinished task was resumed after a restart.
    pub const TASK_RESUMED: u32 = 9459;
    /// A CMG was stopped because its outbound data reached the critical threshold.
    pub const STOPPED_AT_CRITICAL: u32 = 9460;
    /// A CMG connection point connected to its CMG (its first channel is up).
    pub const CONNECTION_POINT_CONNECTED: u32 = 9461;
    /// A CMG connection point lost its last channel, or stopped reporting.
    pub const CONNECTION_POINT_DISCONNECTED: u32 = 9462;
    /// A CMG instance or the proxy refused a connection point's channel (certificate, proxy
    /// credentials, protocol): an operator must act.
    pub const CONNECTION_POINT_ERROR: u32 = 9463;
}

/// Severity of a status message or log line (CMTrace `type`: 1 info, 2 warning, 3 error).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Informational.
    Info,
    /// Warning.
    Warning,
    /// Error.
    Error,
}

impl Level {
    /// CMTrace `type` attribute.
    pub fn cmtrace_type(self) -> u8 {
        match self {
            Level::Info => 1,
            Level::Warning => 2,
            Level::Error => 3,
        }
    }
}

/// A step a task has reached. Each step is idempotent against the cloud, so a task resumed
/// after a restart repeats the step it was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Create the storage container.
    Storage,
    /// Deploy the hosted service.
    Deploy,
    /// Wait until every instance serves.
    WaitReady,
    /// Ask the cloud to stop the service.
    Stop,
    /// Wait until every instance has stopped.
    WaitStopped,
    /// Ask the cloud to start the service.
    Start,
    /// Send the new deployment (VM count, certificate, TLS) to the cloud.
    Update,
    /// Delete the deployment.
    Delete,
    /// Delete the storage container and its content.
    DeleteStorage,
    /// Remove the service from the site database.
    Forget,
    /// Finished.
    Done,
}

impl Step {
    /// Every step.
    pub const ALL: [Step; 11] = [
        Step::Storage,
        Step::Deploy,
        Step::WaitReady,
        Step::Stop,
        Step::WaitStopped,
        Step::Start,
        Step::Update,
        Step::Delete,
        Step::DeleteStorage,
        Step::Forget,
        Step::Done,
    ];

    /// The stored and wire name (`wait_ready`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Storage => "storage",
            Step::Deploy => "deploy",
            Step::WaitReady => "wait_ready",
            Step::Stop => "stop",
            Step::WaitStopped => "wait_stopped",
            Step::Start => "start",
            Step::Update => "update",
            Step::Delete => "delete",
            Step::DeleteStorage => "delete_storage",
            Step::Forget => "forget",
            Step::Done => "done",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// What the step does, as an operator reads it on a progress page.
    pub fn describe(self) -> &'static str {
        match self {
            Step::Storage => "creating the storage container",
            Step::Deploy => "deploying the service",
            Step::WaitReady => "waiting for the instances to serve",
            Step::Stop => "stopping the service",
            Step::WaitStopped => "waiting for the instances to stop",
            Step::Start => "starting the service",
            Step::Update => "updating the deployment",
            Step::Delete => "deleting the deployment",
            Step::DeleteStorage => "deleting the content",
            Step::Forget => "removing the service from the site",
            Step::Done => "done",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who asked for a stop (kept in the task, written to `CloudMgr.log`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// An administrator (console, CLI or API).
    #[default]
    Administrator,
    /// The CMG stop-at-critical check: outbound data reached the critical threshold.
    StopAtCritical,
}

impl StopReason {
    /// How `CloudMgr.log` names who asked.
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::Administrator => "an administrator",
            StopReason::StopAtCritical => {
                "the stop-at-critical check: outbound data reached the critical threshold"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_and_reason_names_round_trip() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(Step::parse(""), None);
        assert_eq!(
            serde_json::to_value(StopReason::StopAtCritical).unwrap(),
            "stop-at-critical"
        );
    }
}
