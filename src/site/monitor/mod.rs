//! Monitoring: the usage collector, threshold alerts, the CMG stop-at-critical check, health
//! checks and cost projection. Everything runs as background loops of the site service.

pub mod cmg_stop;
pub mod health;
pub mod thresholds;
pub mod usage;

use crate::domain::cost::PriceTable;
use crate::site::manager::Manager;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often monitoring runs and what it assumes.
#[derive(Debug, Clone)]
pub struct MonitorOptions {
    /// Between two usage collections (ConfigMgr: hourly).
    pub usage_interval: Duration,
    /// Between two CMG stop-at-critical checks (ConfigMgr: 6 minutes).
    pub cmg_stop_check: Duration,
    /// Between two health checks.
    pub health_interval: Duration,
    /// Bytes per quota "GB": 1 GiB; demos and tests shrink it so a few downloads cross a
    /// threshold.
    pub quota_unit_bytes: u64,
    /// Warn this many days before a certificate expires (ConfigMgr gives no such warning).
    pub expiry_warning_days: i64,
    /// How long a content access token is valid (ConfigMgr: 24 hours).
    pub token_lifetime: Duration,
    /// Prices for the cost projection.
    pub prices: PriceTable,
}

impl Default for MonitorOptions {
    fn default() -> Self {
        MonitorOptions {
            usage_interval: Duration::from_secs(60 * 60),
            cmg_stop_check: Duration::from_secs(6 * 60),
            health_interval: Duration::from_secs(5 * 60),
            quota_unit_bytes: 1 << 30,
            expiry_warning_days: 30,
            token_lifetime: Duration::from_secs(24 * 60 * 60),
            prices: PriceTable::default(),
        }
    }
}

/// The running monitoring loops; [`Monitor::stop`] ends them (dropping it does too).
pub struct Monitor {
    tasks: Vec<JoinHandle<()>>,
}

impl Monitor {
    /// Ends every loop and waits until they are gone. Their work is durable (samples, alerts
    /// and Stop tasks are written in single transactions), so ending one mid-round loses
    /// nothing that the next start would not redo.
    pub async fn stop(mut self) {
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts the usage collector (which evaluates the thresholds after each collection), the
/// CMG stop-at-critical check and the health checks.
pub fn spawn(manager: &Arc<Manager>) -> Monitor {
    Monitor {
        tasks: vec![
            tokio::spawn(usage::run(Arc::clone(manager))),
            tokio::spawn(cmg_stop::run(Arc::clone(manager))),
            tokio::spawn(health::run(Arc::clone(manager))),
        ],
    }
}
