//! Where each package is distributed, and how far each distribution got.

use super::error::Result;
use super::services::get_service;
use crate::api::wire::{DistributionState, DistributionView};
use crate::site::db::{Connection, params};
use crate::site::store::{millis_to_rfc3339, now_millis};

fn state_str(s: DistributionState) -> &'static str {
    match s {
        DistributionState::InProgress => "in-progress",
        DistributionState::Success => "success",
        DistributionState::Failed => "failed",
        DistributionState::Removing => "removing",
    }
}

fn parse_state(s: &str) -> DistributionState {
    match s {
        "success" => DistributionState::Success,
        "failed" => DistributionState::Failed,
        "removing" => DistributionState::Removing,
        _ => DistributionState::InProgress,
    }
}

/// Distributions, filtered by package and/or service.
pub(crate) fn distributions(
    conn: &Connection,
    package: Option<&str>,
    service: Option<&str>,
) -> Result<Vec<DistributionView>> {
    let mut stmt = conn.prepare(
        "SELECT d.package_id, p.name, d.service_id, s.service_fqdn, d.state, d.reason, d.updated, \
           (SELECT CAST(ifnull(sum(encrypted_size), 0) AS BIGINT) FROM package_files f WHERE f.package_id = d.package_id) \
         FROM distributions d JOIN packages p ON p.id = d.package_id JOIN services s ON s.id = d.service_id \
         WHERE (CAST(?1 AS TEXT) IS NULL OR d.package_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR d.service_id = ?2) \
         ORDER BY p.serial, s.service_fqdn",
    )?;
    let rows = stmt.query_map(params![package, service], |r| {
        Ok(DistributionView {
            package_id: r.get(0)?,
            package_name: r.get(1)?,
            service_id: r.get(2)?,
            service_fqdn: r.get(3)?,
            state: parse_state(&r.get::<_, String>(4)?),
            reason: r.get(5)?,
            updated: millis_to_rfc3339(r.get(6)?),
            size: r.get::<_, i64>(7)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<crate::site::db::Result<_>>()?)
}

/// One distribution.
pub(crate) fn distribution(
    conn: &Connection,
    package: &str,
    service: &str,
) -> Result<Option<DistributionView>> {
    Ok(distributions(conn, Some(package), Some(service))?
        .into_iter()
        .next())
}

/// Sets (or creates) a distribution's state and reason.
pub(crate) fn set_distribution(
    conn: &Connection,
    package: &str,
    service: &str,
    state: DistributionState,
    reason: Option<&str>,
) -> Result<Option<DistributionView>> {
    conn.execute(
        "INSERT INTO distributions (package_id, service_id, state, reason, updated) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (package_id, service_id) DO UPDATE SET state = ?3, reason = ?4, updated = ?5, \
           attempts = CASE WHEN ?3 = 'failed' THEN distributions.attempts + 1 ELSE distributions.attempts END",
        params![package, service, state_str(state), reason, now_millis()],
    )?;
    distribution(conn, package, service)
}

/// Removes a distribution row (after its blobs are gone).
pub(crate) fn delete_distribution(conn: &Connection, package: &str, service: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM distributions WHERE package_id = ?1 AND service_id = ?2",
        params![package, service],
    )?;
    Ok(())
}

/// Distributions with work to do (in progress or removing), oldest change first.
pub(crate) fn pending_distributions(conn: &Connection) -> Result<Vec<DistributionView>> {
    let mut all = distributions(conn, None, None)?;
    all.retain(|d| {
        matches!(
            d.state,
            DistributionState::InProgress | DistributionState::Removing
        )
    });
    all.sort_by(|a, b| a.updated.cmp(&b.updated));
    Ok(all)
}

/// The ids of services with the package distributed successfully and still existing.
pub(crate) fn services_with(conn: &Connection, package: &str) -> Result<Vec<String>> {
    let ids: Vec<String> = conn
        .prepare(
            "SELECT service_id FROM distributions WHERE package_id = ?1 AND state = 'success' ORDER BY service_id",
        )?
        .query_map(params![package], |r| r.get(0))?
        .collect::<crate::site::db::Result<_>>()?;
    let mut out = Vec::new();
    for id in ids {
        if get_service(conn, &id)?.is_some() {
            out.push(id);
        }
    }
    Ok(out)
}
