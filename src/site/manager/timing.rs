//! How fast the task runner polls the cloud and how long it waits.

use std::time::Duration;

/// How fast the task runner polls the cloud and how long it waits.
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
