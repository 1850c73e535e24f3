//! Monitoring: the usage collector, threshold alerts, the CMG stop-at-critical check, health
//! checks and cost projection. Everything runs as background loops of the site service.

use crate::domain::cost::PriceTable;
use std::time::Duration;

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
