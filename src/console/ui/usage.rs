//! Usage and content figures as the views show them: quotas and the usage compared with them
//! in quota GB (the unit a quota is entered in), used against the warning/critical thresholds,
//! money, distribution states. Other sizes (packages, files) are in binary units
//! (`display::size`).

use crate::api::wire::DistributionState;
use crate::api::wire::ServiceView;
use crate::console::theme::Role;
use crate::domain::service::{Threshold, UsageLevel};

/// `used` as a share of the quota (0 when the quota is 0).
pub fn ratio(used: u64, t: Threshold, unit: u64) -> f64 {
    let q = t.quota_bytes(unit);
    if q == 0 { 0.0 } else { used as f64 / q as f64 }
}

/// The role of `used` bytes against its thresholds (the site's alert rule): critical,
/// warning, or `normal` below both.
pub fn level(used: u64, t: Threshold, unit: u64, normal: Role) -> Role {
    match t.usage_level(used, unit) {
        UsageLevel::Critical => Role::AlertCritical,
        UsageLevel::Warning => Role::AlertWarning,
        UsageLevel::Normal => normal,
    }
}

/// Which figure of a service's usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Bytes in the service's storage, against the storage threshold.
    Storage,
    /// Bytes sent over the window (CDP 30 days, CMG 14 days), against the transfer threshold.
    Transfer,
}

/// The used bytes and threshold of one figure; no bytes before the first collection.
pub fn figure(s: &ServiceView, which: Figure) -> (Option<u64>, Threshold) {
    let u = s.usage.as_ref();
    match which {
        Figure::Storage => (u.map(|u| u.storage_bytes), s.storage),
        Figure::Transfer => (u.map(|u| u.transfer_bytes), s.transfer),
    }
}

/// `bytes` in quota GB: the unit a quota is entered in (ConfigMgr's "GB"), which the site
/// counts as `unit` bytes (`[monitoring] quota_unit_bytes`, 2^30 by default). Quotas and the
/// usage compared with them are shown in this one unit everywhere, so a 100 GB quota reads
/// "100 GB" whether or not usage has been collected: `"120 GB"`, `"0.39 GB"`, `"0 GB"`.
pub fn gb(bytes: u64, unit: u64) -> String {
    let v = bytes as f64 / unit.max(1) as f64;
    if bytes == 0 {
        "0 GB".into()
    } else if v < 10.0 {
        format!("{v:.2} GB")
    } else if v < 100.0 {
        format!("{v:.1} GB")
    } else {
        format!("{v:.0} GB")
    }
}

/// A quota as configured: `"2000 GB"`.
pub fn quota(t: Threshold) -> String {
    format!("{} GB", t.quota_gb)
}

/// "120 GB / 2000 GB" and its role; "– / 2000 GB" before the first collection.
pub fn used_of_quota(s: &ServiceView, which: Figure) -> (String, Role) {
    let (used, t) = figure(s, which);
    match (used, s.usage.as_ref()) {
        (Some(used), Some(u)) => (
            format!("{} / {}", gb(used, u.quota_unit_bytes), quota(t)),
            level(used, t, u.quota_unit_bytes, Role::Text),
        ),
        _ => (format!("– / {}", quota(t)), Role::Muted),
    }
}

/// The short form for narrow lists: "1100 GB 55%", "–" before the first collection.
pub fn used_compact(s: &ServiceView, which: Figure) -> (String, Role) {
    let (used, t) = figure(s, which);
    match (used, s.usage.as_ref()) {
        (Some(used), Some(u)) => {
            let r = ratio(used, t, u.quota_unit_bytes);
            (
                format!("{} {:.0}%", gb(used, u.quota_unit_bytes), r * 100.0),
                level(used, t, u.quota_unit_bytes, Role::Text),
            )
        }
        _ => ("–".into(), Role::Muted),
    }
}

/// "120 GB of 2000 GB (6 %)" for the details, or why there is no figure yet.
pub fn used_detail(s: &ServiceView, which: Figure) -> (String, Role) {
    let (used, t) = figure(s, which);
    match (used, s.usage.as_ref()) {
        (Some(used), Some(u)) => {
            let r = ratio(used, t, u.quota_unit_bytes);
            (
                format!(
                    "{} of {} ({:.0} %)",
                    gb(used, u.quota_unit_bytes),
                    quota(t),
                    r * 100.0
                ),
                level(used, t, u.quota_unit_bytes, Role::Text),
            )
        }
        _ => (
            format!("not collected yet (quota {})", quota(t)),
            Role::Muted,
        ),
    }
}

/// Money from hundredths: "USD 12.34" (the currency is the site's text, made safe).
pub fn money(currency: &str, cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let currency = crate::display::terminal_safe(currency);
    format!("{currency} {sign}{}.{:02}", c / 100, c % 100)
}

/// How a distribution state reads, and its colour.
pub fn distribution_state(s: DistributionState) -> (&'static str, Role) {
    match s {
        DistributionState::InProgress => ("In progress", Role::StatusProvisioning),
        DistributionState::Success => ("Success", Role::StatusReady),
        DistributionState::Failed => ("Failed", Role::StatusError),
        DistributionState::Removing => ("Removing", Role::StatusDeleting),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_thresholds() {
        let t = Threshold {
            quota_gb: 100,
            warning_pct: 50,
            critical_pct: 90,
        };
        let g = 1u64 << 30;
        assert_eq!(level(10 * g, t, g, Role::Gauge), Role::Gauge);
        assert_eq!(level(50 * g, t, g, Role::Gauge), Role::AlertWarning);
        assert_eq!(level(95 * g, t, g, Role::Gauge), Role::AlertCritical);
        assert_eq!(ratio(1, Threshold { quota_gb: 0, ..t }, g), 0.0);
        assert_eq!(money("USD", 1234), "USD 12.34");
        assert_eq!(money("EUR", -5), "EUR -0.05");
        assert_eq!(
            gb(100 * g, g),
            "100 GB",
            "a 100 GB quota is 100 GB, not 100 GiB"
        );
        assert_eq!(gb(1850 * g + (400 << 20), g), "1850 GB");
        assert_eq!(gb(400 << 20, g), "0.39 GB");
        assert_eq!(gb(0, g), "0 GB");
        assert_eq!(gb(2 << 20, 1 << 20), "2.00 GB", "a demo's shrunken GB");
        assert_eq!(quota(t), "100 GB");
    }
}
