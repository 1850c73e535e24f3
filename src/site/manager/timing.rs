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
    /// Longest silence in a file upload before it is abandoned as failed (the file can be
    /// sent again); a client that stops sending mid-file would otherwise hold it for ever.
    pub upload_idle: Duration,
    /// Between two keep-alives on an idle event stream (announced in its `x-keep-alive-ms`
    /// header: a client counts the link down after three missed).
    pub keep_alive: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            poll: Duration::from_millis(500),
            container_retry: Duration::from_secs(10),
            deadline: Duration::from_secs(45 * 60),
            upload_idle: Duration::from_secs(60),
            keep_alive: Duration::from_secs(15),
        }
    }
}
