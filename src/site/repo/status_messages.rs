//! Status messages (`SMS_CLOUD_SERVICES_MANAGER`): recorded and listed, newest first.

use super::error::Result;
use crate::api::wire::StatusMessageView;
use crate::domain::task::{COMPONENT, Level};
use crate::site::db::{Connection, params};
use crate::site::store::{millis_to_rfc3339, now_millis};

/// Records a status message; returns it.
pub(crate) fn insert_status(
    conn: &Connection,
    message_id: u32,
    level: Level,
    service_id: Option<&str>,
    text: &str,
) -> Result<StatusMessageView> {
    let now = now_millis();
    let severity = match level {
        Level::Info => "info",
        Level::Warning => "warning",
        Level::Error => "error",
    };
    conn.execute(
        "INSERT INTO status_messages (message_id, severity, component, service_id, text, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![message_id, severity, COMPONENT, service_id, text, now],
    )?;
    Ok(StatusMessageView {
        id: conn.last_insert_rowid()?,
        message_id,
        severity: level,
        component: COMPONENT.into(),
        service_id: service_id.map(str::to_string),
        text: text.into(),
        time: millis_to_rfc3339(now),
    })
}

/// Status messages, newest first.
pub(crate) fn list_status(
    conn: &Connection,
    service_id: Option<&str>,
    limit: u32,
) -> Result<Vec<StatusMessageView>> {
    let mut stmt = conn.prepare(
        "SELECT id, message_id, severity, component, service_id, text, time FROM status_messages \
         WHERE CAST(?1 AS TEXT) IS NULL OR service_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![service_id, limit], |r| {
        let sev: String = r.get(2)?;
        Ok(StatusMessageView {
            id: r.get(0)?,
            message_id: r.get::<_, i64>(1)? as u32,
            severity: match sev.as_str() {
                "error" => Level::Error,
                "warning" => Level::Warning,
                _ => Level::Info,
            },
            component: r.get(3)?,
            service_id: r.get(4)?,
            text: r.get(5)?,
            time: millis_to_rfc3339(r.get(6)?),
        })
    })?;
    Ok(rows.collect::<crate::site::db::Result<Vec<_>>>()?)
}
