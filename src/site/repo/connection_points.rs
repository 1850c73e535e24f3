//! CMG connection points on site systems.

use super::error::Result;
use crate::api::wire::ConnectionPointView;
use crate::site::store::{new_id, now_millis};
use rusqlite::{Connection, OptionalExtension, params};

/// Adds a CMG connection point on a site system.
pub(crate) fn add_connection_point(
    conn: &Connection,
    cmg_id: &str,
    site_system: &str,
    site_code: &str,
) -> Result<String> {
    let id = new_id()?;
    conn.execute(
        "INSERT INTO connection_points (id, cmg_id, site_system, site_code, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, cmg_id, site_system, site_code, now_millis()],
    )?;
    let roles: Option<String> = conn
        .query_row(
            "SELECT roles FROM site_systems WHERE name = ?1 COLLATE NOCASE",
            params![site_system],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(roles) = roles {
        let mut list: Vec<String> = serde_json::from_str(&roles)?;
        let role = "Cloud management gateway connection point".to_string();
        if !list.contains(&role) {
            list.push(role);
            conn.execute(
                "UPDATE site_systems SET roles = ?2 WHERE name = ?1 COLLATE NOCASE",
                params![site_system, serde_json::to_string(&list)?],
            )?;
        }
    }
    Ok(id)
}

/// Connection points, optionally of one CMG.
pub(crate) fn connection_points(
    conn: &Connection,
    cmg_id: Option<&str>,
) -> Result<Vec<ConnectionPointView>> {
    let mut stmt = conn.prepare(
        "SELECT c.id, c.cmg_id, s.service_fqdn, s.region, c.site_system, c.site_code FROM connection_points c \
         JOIN services s ON s.id = c.cmg_id WHERE ?1 IS NULL OR c.cmg_id = ?1 ORDER BY c.created",
    )?;
    let rows = stmt.query_map(params![cmg_id], |r| {
        Ok(ConnectionPointView {
            id: r.get(0)?,
            cmg_id: r.get(1)?,
            cmg_name: r.get(2)?,
            region: r.get(3)?,
            site_system: r.get(4)?,
            site_code: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
