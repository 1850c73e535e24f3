//! Threshold alerts: storage, CDP 30-day transfer and CMG 14-day outbound data, each with a
//! warning and a critical alert per service. [`evaluate`] is pure; [`apply`] raises and
//! clears the alerts it finds.
//!
//! Storage semantic: the docs say storage alerts fire when the *remaining free space* reaches
//! the levels set, while the CMG wizard says "% of storage alert threshold" (used space).
//! The sources disagree (README, "Configuration Manager facts"); cloudsite alerts when **used ≥ pct × quota**.

use crate::api::wire::{AlertView, Event};
use crate::domain::alert::{AlertState, AlertType, Severity};
use crate::domain::service::HostedKind;
use crate::domain::service::Threshold;
use crate::domain::task::Level;
use crate::site::cmtrace::CLOUD_MGR_LOG;
use crate::site::context::SiteContext;
use crate::site::prepare::CmgOptions;
use crate::site::repo::{RepoError, alerts};
use serde_json::{Value, json};
use std::sync::Arc;

/// What one service looks like to the threshold rules.
#[derive(Debug, Clone)]
pub(super) struct Usage<'a> {
    /// CDP or CMG.
    pub kind: HostedKind,
    /// Service FQDN (for alert names).
    pub fqdn: &'a str,
    /// Storage threshold; a CMG's is evaluated only with its storage alerts on.
    pub storage: Threshold,
    /// Transfer (CDP) or outbound data (CMG) threshold.
    pub transfer: Threshold,
    /// CMG options (alert toggles); `None` for a CDP.
    pub cmg: Option<&'a CmgOptions>,
    /// Bytes in the service's storage at the latest sample.
    pub storage_bytes: u64,
    /// Bytes sent over the kind's window (CDP 30 days, CMG 14 days).
    pub transfer_bytes: u64,
    /// Bytes per quota GB: 1 GiB unless configured smaller (demos, tests).
    pub quota_unit_bytes: u64,
}

/// The verdict on one alert of one service.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Evaluation {
    /// Alert type, e.g. storage warning.
    pub type_id: AlertType,
    /// Name shown to operators.
    pub name: String,
    /// The level is reached (raise) or not, or the metric is not monitored (clear).
    pub reached: bool,
    /// Used bytes, quota, level and window.
    pub details: Value,
}

/// Evaluates every threshold of a service. A metric the CMG does not monitor (its toggle is
/// off) evaluates as not reached, so turning the toggle off clears its alerts.
pub(super) fn evaluate(u: &Usage<'_>) -> Vec<Evaluation> {
    let what = u.kind.noun();
    let storage_on = u.cmg.is_none_or(|o| o.storage_alerts);
    let transfer_on = u.cmg.is_none_or(|o| o.egress_alerts);
    let (metric, label, prefix) = match u.kind {
        HostedKind::Cdp => ("transfer", "Transfer", "transfer"),
        HostedKind::Cmg => ("outbound data", "Outbound data", "outbound"),
    };
    let days = u.kind.usage_window_days();
    let mut out = Vec::new();
    let checks = [
        (
            "storage",
            "Storage",
            [AlertType::StorageWarning, AlertType::StorageCritical],
            "storage alert threshold".to_string(),
            u.storage,
            u.storage_bytes,
            None,
            storage_on,
        ),
        (
            prefix,
            label,
            if u.kind == HostedKind::Cdp {
                [AlertType::TransferWarning, AlertType::TransferCritical]
            } else {
                [AlertType::OutboundWarning, AlertType::OutboundCritical]
            },
            format!("{days}-day {metric} threshold"),
            u.transfer,
            u.transfer_bytes,
            Some(days),
            transfer_on,
        ),
    ];
    for (key, label, ids, threshold_name, t, used, window, on) in checks {
        let levels = [
            (ids[0], "warning", t.warning_pct),
            (ids[1], "critical", t.critical_pct),
        ];
        for (type_id, level, pct) in levels {
            let quota_bytes = t.quota_bytes(u.quota_unit_bytes);
            out.push(Evaluation {
                type_id,
                name: format!(
                    "{label} {level} on {what} {}: {pct} % of the {} GB {threshold_name} reached",
                    u.fqdn, t.quota_gb
                ),
                reached: on && t.reached(used, pct, u.quota_unit_bytes),
                details: json!({
                    "service": u.fqdn,
                    "metric": key,
                    "level": level,
                    "used_bytes": used,
                    "quota_gb": t.quota_gb,
                    "quota_bytes": quota_bytes,
                    "quota_unit_bytes": u.quota_unit_bytes,
                    "pct": pct,
                    "level_bytes": t.level_bytes(pct, u.quota_unit_bytes),
                    "used_pct": if quota_bytes == 0 { 0.0 } else { used as f64 * 100.0 / quota_bytes as f64 },
                    "window_days": window,
                    "monitored": on,
                }),
            });
        }
    }
    out
}

/// Raises the reached alerts and clears the others, skipping disabled ones; publishes every
/// changed alert and logs each raise and clear to CloudMgr.log. Returns the changed alerts.
pub(super) async fn apply(
    ctx: &SiteContext,
    service_id: &str,
    evaluations: Vec<Evaluation>,
) -> Result<Vec<AlertView>, RepoError> {
    let sid = service_id.to_string();
    let bus = Arc::clone(ctx.bus());
    let changes = ctx
        .store()
        .call(move |c| {
            let mut out = Vec::new();
            for e in evaluations {
                if !alerts::alert_enabled(c, e.type_id, Some(&sid))? {
                    continue;
                }
                let before = alerts::alert_state(c, e.type_id, Some(&sid))?;
                let (view, transition) = if e.reached {
                    let view = alerts::raise_alert(
                        c,
                        e.type_id,
                        Some(&sid),
                        &e.name,
                        e.type_id.severity(),
                        e.details,
                    )?;
                    // Re-raising an active alert only counts one more occurrence: log the
                    // transition, publish every change.
                    let newly =
                        before != Some(AlertState::Active) && view.state == AlertState::Active;
                    (view, newly.then_some(true))
                } else if let Some(view) = alerts::clear_alert(c, e.type_id, Some(&sid))? {
                    (view, Some(false))
                } else {
                    continue;
                };
                // Published while the database is held, so events keep the order of the
                // changes (an administrator's Disable never shows before a raise it followed).
                bus.publish(Event::Alert(view.clone()));
                out.push((view, transition));
            }
            Ok::<_, RepoError>(out)
        })
        .await?;
    let mut changed = Vec::new();
    for (view, transition) in changes {
        match transition {
            Some(true) => {
                let level = if view.severity == Severity::Critical {
                    Level::Error
                } else {
                    Level::Warning
                };
                ctx.log(
                    CLOUD_MGR_LOG,
                    level,
                    &format!("Alert raised ({}): {}", view.type_id, view.name),
                )
                .await;
            }
            Some(false) => {
                ctx.log(
                    CLOUD_MGR_LOG,
                    Level::Info,
                    &format!(
                        "Alert cleared ({}): {} is no longer true",
                        view.type_id, view.name
                    ),
                )
                .await;
            }
            None => {}
        }
        changed.push(view);
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIT: u64 = 1024;

    fn t(quota_gb: u32) -> Threshold {
        Threshold {
            quota_gb,
            warning_pct: 50,
            critical_pct: 90,
        }
    }

    fn cdp(storage_bytes: u64, transfer_bytes: u64) -> Usage<'static> {
        Usage {
            kind: HostedKind::Cdp,
            fqdn: "cdp1.contoso.com",
            storage: t(10),
            transfer: t(10),
            cmg: None,
            storage_bytes,
            transfer_bytes,
            quota_unit_bytes: UNIT,
        }
    }

    fn raised(u: &Usage<'_>) -> Vec<&'static str> {
        evaluate(u)
            .into_iter()
            .filter(|e| e.reached)
            .map(|e| e.type_id.as_str())
            .collect()
    }

    #[test]
    fn levels_are_reached_at_or_above_the_percentage_of_used() {
        assert!(t(1).reached(512, 50, UNIT));
        assert!(!t(1).reached(511, 50, UNIT));
        assert!(t(u32::MAX).reached(u64::MAX, 100, u64::MAX) || !t(1).reached(0, 1, 1));
        assert_eq!(t(10).level_bytes(90, UNIT), 9216);
        assert_eq!(t(u32::MAX).level_bytes(100, u64::MAX), u64::MAX);
    }

    #[test]
    fn cdp_warning_then_critical_then_nothing() {
        assert!(raised(&cdp(0, 0)).is_empty());
        assert_eq!(raised(&cdp(5 * UNIT, 0)), ["storage_warning"]);
        assert_eq!(
            raised(&cdp(9 * UNIT, 0)),
            ["storage_warning", "storage_critical"]
        );
        assert_eq!(raised(&cdp(0, 5 * UNIT)), ["transfer_warning"]);
        assert_eq!(
            raised(&cdp(0, 10 * UNIT)),
            ["transfer_warning", "transfer_critical"]
        );
        let all = evaluate(&cdp(9 * UNIT, 0));
        assert_eq!(all.len(), 4);
        let crit = &all[1];
        assert_eq!(crit.type_id, AlertType::StorageCritical);
        assert_eq!(crit.type_id.severity(), Severity::Critical);
        assert_eq!(crit.details["used_bytes"], 9 * UNIT);
        assert_eq!(crit.details["quota_bytes"], 10 * UNIT);
        assert_eq!(crit.details["pct"], 90);
        assert!(crit.name.contains("Storage critical") && crit.name.contains("cdp1.contoso.com"));
        assert_eq!(all[3].details["window_days"], 30);
        // The quota raised in Properties: no longer reached.
        let bigger = Usage {
            storage: t(100),
            ..cdp(9 * UNIT, 0)
        };
        assert!(raised(&bigger).is_empty());
    }

    #[test]
    fn cmg_metrics_follow_their_toggles() {
        let mut opts = CmgOptions {
            vm_size: "Standard_B2s".into(),
            check_crl: false,
            enforce_tls12: true,
            serve_content: false,
            egress_alerts: false,
            stop_at_critical: false,
            storage_alerts: false,
        };
        let usage = |o: &CmgOptions| {
            let u = Usage {
                kind: HostedKind::Cmg,
                cmg: Some(o),
                ..cdp(10 * UNIT, 10 * UNIT)
            };
            raised(&u)
        };
        assert!(usage(&opts).is_empty());
        opts.egress_alerts = true;
        assert_eq!(usage(&opts), ["outbound_warning", "outbound_critical"]);
        opts.storage_alerts = true;
        assert_eq!(usage(&opts).len(), 4);
        let u = Usage {
            kind: HostedKind::Cmg,
            cmg: Some(&opts),
            ..cdp(0, 0)
        };
        let e = evaluate(&u);
        assert_eq!(e[2].details["window_days"], 14);
        assert!(e[2].name.contains("14-day outbound data threshold"));
    }
}
