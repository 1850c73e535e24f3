//! How often monitoring runs and what it assumes, built from the `[monitoring]` and `[prices]`
//! sections of the configuration.

use crate::config::Config;
use crate::domain::content::TOKEN_LIFETIME_SECS;
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
    /// Between two samples of each CMG's gateway (channels, client traffic).
    pub gateway_interval: Duration,
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
            gateway_interval: Duration::from_secs(5),
            quota_unit_bytes: 1 << 30,
            expiry_warning_days: 30,
            token_lifetime: Duration::from_secs(TOKEN_LIFETIME_SECS.unsigned_abs()),
            prices: PriceTable::default(),
        }
    }
}

impl MonitorOptions {
    /// The options of `[monitoring]` and `[prices]`. A duration that does not parse, or is 0,
    /// keeps its default: `cloudsite config check` reports it, and the site still starts.
    pub fn from_config(config: &Config) -> MonitorOptions {
        let d = MonitorOptions::default();
        let m = &config.monitoring;
        let dur = |text: &str, default| {
            crate::domain::duration::parse(text)
                .filter(|d| !d.is_zero())
                .unwrap_or(default)
        };
        MonitorOptions {
            usage_interval: dur(&m.usage_interval, d.usage_interval),
            cmg_stop_check: dur(&m.cmg_stop_check, d.cmg_stop_check),
            health_interval: dur(&m.health_interval, d.health_interval),
            gateway_interval: dur(&m.gateway_interval, d.gateway_interval),
            quota_unit_bytes: m.quota_unit_bytes.max(1),
            expiry_warning_days: m.expiry_warning_days,
            token_lifetime: dur(&m.token_lifetime, d.token_lifetime),
            prices: config.prices.clone(),
        }
    }
}
