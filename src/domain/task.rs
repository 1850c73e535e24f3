//! Durable tasks (`SMS_AzureServicesTask`) and status messages (`SMS_CLOUD_SERVICES_MANAGER`).

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
