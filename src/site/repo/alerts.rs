//! Alerts: raised and cleared by the services manager and the monitors, postponed, closed,
//! disabled and enabled by operators.

use super::error::{RepoError, Result};
use crate::api::wire::{AlertComment, AlertView};
use crate::domain::alert::{AlertState, AlertType, Severity};
use crate::site::db::{Connection, OptionalExtension, params};
use crate::site::store::{millis_to_rfc3339, new_id, now_millis};

/// Raises (or re-raises) an alert: active, one more occurrence; returns it.
pub fn raise_alert(
    conn: &Connection,
    type_id: AlertType,
    service_id: Option<&str>,
    name: &str,
    severity: Severity,
    details: serde_json::Value,
) -> Result<AlertView> {
    let now = now_millis();
    conn.execute(
        "INSERT INTO alerts (id, type_id, service_id, name, severity, state, first_seen, last_seen, occurrences, parameters) \
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6, 1, ?7) \
         ON CONFLICT (type_id, ifnull(service_id, '')) DO UPDATE SET \
           state = CASE WHEN alerts.enabled = 0 THEN 4 WHEN alerts.state = 1 AND alerts.skip_until > ?6 THEN 1 ELSE 0 END, \
           closed_by = CASE WHEN alerts.enabled = 1 AND NOT (alerts.state = 1 AND alerts.skip_until > ?6) THEN NULL ELSE alerts.closed_by END, \
           last_seen = ?6, occurrences = alerts.occurrences + 1, \
           severity = ?5, name = ?4, parameters = ?7, first_seen = ifnull(alerts.first_seen, ?6)",
        params![new_id()?, type_id, service_id, name, severity, now, details.to_string()],
    )?;
    list_alerts(conn)?
        .into_iter()
        .find(|a| a.type_id == type_id && a.service_id.as_deref() == service_id)
        .ok_or_else(|| RepoError::Sql(crate::site::db::Error::QueryReturnedNoRows))
}

/// Every alert, the most recently raised first.
pub fn list_alerts(conn: &Connection) -> Result<Vec<AlertView>> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.type_id, a.service_id, a.name, a.severity, a.state, a.occurrences, a.first_seen, \
         a.last_seen, a.parameters, a.skip_until, a.comments, a.closed_by, a.enabled, s.service_fqdn \
         FROM alerts a LEFT JOIN services s ON s.id = a.service_id ORDER BY a.last_seen DESC",
    )?;
    let rows = stmt.query_map(params![], |r| {
        Ok(AlertView {
            id: r.get(0)?,
            type_id: r.get(1)?,
            service_id: r.get(2)?,
            name: r.get(3)?,
            severity: r.get(4)?,
            state: r.get(5)?,
            occurrences: r.get(6)?,
            first_seen: r.get::<_, Option<i64>>(7)?.map(millis_to_rfc3339),
            last_seen: r.get::<_, Option<i64>>(8)?.map(millis_to_rfc3339),
            details: super::sql::json(r, 9)?,
            skip_until: r.get::<_, Option<i64>>(10)?.map(millis_to_rfc3339),
            comments: super::sql::json(r, 11)?,
            closed_by: r.get(12)?,
            enabled: r.get::<_, i64>(13)? != 0,
            service_fqdn: r.get(14)?,
        })
    })?;
    Ok(rows.collect::<crate::site::db::Result<Vec<_>>>()?)
}

/// One alert by id; `None` when there is none.
pub fn get_alert(conn: &Connection, id: &str) -> Result<Option<AlertView>> {
    Ok(list_alerts(conn)?.into_iter().find(|a| a.id == id))
}

/// Appends a comment (with the time and the author) to an alert's `comments`.
fn add_alert_comment(conn: &Connection, id: &str, author: &str, text: &str) -> Result<()> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT comments FROM alerts WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )
        .optional()?;
    let mut list: Vec<AlertComment> = match stored.as_deref() {
        Some(c) => serde_json::from_str(c)?,
        None => Vec::new(),
    };
    list.push(AlertComment {
        time: millis_to_rfc3339(now_millis()),
        author: author.to_string(),
        text: text.to_string(),
    });
    conn.execute(
        "UPDATE alerts SET comments = ?2 WHERE id = ?1",
        params![id, serde_json::to_string(&list)?],
    )?;
    Ok(())
}

fn comment_if_any(conn: &Connection, id: &str, author: &str, comment: Option<&str>) -> Result<()> {
    if let Some(c) = comment.map(str::trim).filter(|c| !c.is_empty()) {
        add_alert_comment(conn, id, author, c)?;
    }
    Ok(())
}

fn exists(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM alerts WHERE id = ?1",
            params![id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Postpones an alert until `until_millis` (Suspend-CMAlert -SkipUntil -Comment): state 1
/// Postponed. `None` when there is no such alert.
pub fn postpone_alert(
    conn: &Connection,
    id: &str,
    until_millis: i64,
    comment: Option<&str>,
    author: &str,
) -> Result<Option<AlertView>> {
    if !exists(conn, id)? {
        return Ok(None);
    }
    conn.execute(
        "UPDATE alerts SET state = 1, skip_until = ?2 WHERE id = ?1",
        params![id, until_millis],
    )?;
    comment_if_any(conn, id, author, comment)?;
    get_alert(conn, id)
}

/// Closes an alert: state 2 Canceled, closed by `author`.
pub fn close_alert(
    conn: &Connection,
    id: &str,
    comment: Option<&str>,
    author: &str,
) -> Result<Option<AlertView>> {
    if !exists(conn, id)? {
        return Ok(None);
    }
    conn.execute(
        "UPDATE alerts SET state = 2, closed_by = ?2, skip_until = NULL WHERE id = ?1",
        params![id, author],
    )?;
    comment_if_any(conn, id, author, comment)?;
    get_alert(conn, id)
}

/// Disables (state 4, not evaluated) or enables an alert. An enabled alert that was raised
/// before is Canceled until raised again (its count stays: "Never triggered" would contradict
/// it); one that never was is Never Triggered.
pub fn set_alert_enabled(conn: &Connection, id: &str, enabled: bool) -> Result<Option<AlertView>> {
    if !exists(conn, id)? {
        return Ok(None);
    }
    if enabled {
        // Enabling an alert that is already on changes nothing.
        conn.execute(
            "UPDATE alerts SET enabled = 1, \
               state = CASE WHEN enabled = 1 THEN state WHEN occurrences > 0 THEN 2 ELSE 5 END \
             WHERE id = ?1",
            params![id],
        )?;
    } else {
        conn.execute(
            "UPDATE alerts SET enabled = 0, state = 4, skip_until = NULL WHERE id = ?1",
            params![id],
        )?;
    }
    get_alert(conn, id)
}

/// Who closes an alert whose condition is no longer true.
pub const CLEARED_BY: &str = "cloudsite (the condition is no longer true)";

/// Clears an alert whose condition no longer holds: an active or postponed alert becomes
/// Canceled, closed by [`CLEARED_BY`]. Disabled, closed and never-triggered alerts are left as
/// they are. Returns the alert when it changed.
pub fn clear_alert(
    conn: &Connection,
    type_id: AlertType,
    service_id: Option<&str>,
) -> Result<Option<AlertView>> {
    let changed = conn.execute(
        "UPDATE alerts SET state = 2, closed_by = ?3, skip_until = NULL \
         WHERE type_id = ?1 AND ifnull(service_id, '') = ifnull(?2, '') AND enabled = 1 AND state IN (0, 1)",
        params![type_id, service_id, CLEARED_BY],
    )?;
    if changed == 0 {
        return Ok(None);
    }
    Ok(list_alerts(conn)?
        .into_iter()
        .find(|a| a.type_id == type_id && a.service_id.as_deref() == service_id))
}

/// Clears every alert of `type_id` whatever its service (as [`clear_alert`] does for one):
/// for a condition of the site rather than of one service, such as its proxy refusing.
pub fn clear_alerts_of_type(conn: &Connection, type_id: AlertType) -> Result<Vec<AlertView>> {
    let changed = conn.execute(
        "UPDATE alerts SET state = 2, closed_by = ?2, skip_until = NULL \
         WHERE type_id = ?1 AND enabled = 1 AND state IN (0, 1)",
        params![type_id, CLEARED_BY],
    )?;
    if changed == 0 {
        return Ok(Vec::new());
    }
    Ok(list_alerts(conn)?
        .into_iter()
        .filter(|a| a.type_id == type_id && a.closed_by.as_deref() == Some(CLEARED_BY))
        .collect())
}

/// Is this alert evaluated? (Disable-CMAlert turns evaluation off; an alert never raised is.)
pub fn alert_enabled(
    conn: &Connection,
    type_id: AlertType,
    service_id: Option<&str>,
) -> Result<bool> {
    let enabled: Option<i64> = conn
        .query_row(
            "SELECT enabled FROM alerts WHERE type_id = ?1 AND ifnull(service_id, '') = ifnull(?2, '')",
            params![type_id, service_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(enabled.is_none_or(|e| e != 0))
}

/// The state of an alert, `None` if it was never raised.
pub fn alert_state(
    conn: &Connection,
    type_id: AlertType,
    service_id: Option<&str>,
) -> Result<Option<AlertState>> {
    Ok(conn
        .query_row(
            "SELECT state FROM alerts WHERE type_id = ?1 AND ifnull(service_id, '') = ifnull(?2, '')",
            params![type_id, service_id],
            |r| r.get(0),
        )
        .optional()?)
}
