//! Site-level rows: the site, site systems and their Proxy tab, connection points, client
//! settings, alerts raised by the services manager.

use super::repo::{PROXY_PASSWORD_LABEL, RepoError};
use super::secrets::SecretBox;
use super::store::{millis_to_rfc3339, new_id, now_millis};
use crate::api::wire::{AlertComment, AlertView, ConnectionPointView, SiteSystemView};
use crate::cloud::ProxyRoute;
use crate::domain::alert::{AlertType, Severity};
use crate::domain::proxy::ProxySettings;
use rusqlite::{Connection, OptionalExtension, params};

type Result<T> = std::result::Result<T, RepoError>;

/// The site's code and server name, if the site exists.
pub fn site(conn: &Connection) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT site_code, server_name FROM site WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Creates the site and its site server (with the roles a primary site server holds).
pub fn create_site(conn: &Connection, site_code: &str, server_name: &str) -> Result<()> {
    let now = now_millis();
    conn.execute(
        "INSERT INTO site (id, site_code, server_name, created) VALUES (1, ?1, ?2, ?3)",
        params![site_code, server_name, now],
    )?;
    let roles =
        serde_json::json!(["Site server", "Site system", "Service connection point"]).to_string();
    conn.execute(
        "INSERT OR IGNORE INTO site_systems (name, roles, updated) VALUES (?1, ?2, ?3)",
        params![server_name, roles, now],
    )?;
    Ok(())
}

/// Every site system with its Proxy tab.
pub fn site_systems(conn: &Connection) -> Result<Vec<SiteSystemView>> {
    let mut stmt = conn.prepare(
        "SELECT name, roles, proxy_enabled, proxy_server, proxy_port, proxy_account, proxy_password IS NOT NULL \
         FROM site_systems ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SiteSystemView {
            name: r.get(0)?,
            roles: super::sql::json(r, 1)?,
            proxy: ProxySettings {
                enabled: r.get::<_, i64>(2)? != 0,
                server: r.get(3)?,
                port: r.get::<_, i64>(4)?.clamp(1, 65535) as u16,
                account: r.get(5)?,
                has_password: r.get(6)?,
            },
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One site system.
pub fn site_system(conn: &Connection, name: &str) -> Result<Option<SiteSystemView>> {
    Ok(site_systems(conn)?
        .into_iter()
        .find(|s| s.name.eq_ignore_ascii_case(name)))
}

/// What to do with the stored proxy password.
pub enum PasswordChange {
    /// Keep what is stored.
    Keep,
    /// Remove it.
    Clear,
    /// Store this one (sealed).
    Set(String),
}

/// Saves the Proxy tab (validated by the caller); a save replaces the previous settings.
pub fn set_proxy(
    conn: &Connection,
    secrets: &SecretBox,
    name: &str,
    settings: &ProxySettings,
    password: PasswordChange,
) -> Result<()> {
    let now = now_millis();
    conn.execute(
        "UPDATE site_systems SET proxy_enabled = ?2, proxy_server = ?3, proxy_port = ?4, proxy_account = ?5, updated = ?6 \
         WHERE name = ?1 COLLATE NOCASE",
        params![name, settings.enabled as i64, settings.server, i64::from(settings.port), settings.account, now],
    )?;
    match password {
        PasswordChange::Keep => {}
        PasswordChange::Clear => {
            conn.execute(
                "UPDATE site_systems SET proxy_password = NULL WHERE name = ?1 COLLATE NOCASE",
                params![name],
            )?;
        }
        PasswordChange::Set(p) => {
            let sealed = secrets.seal(PROXY_PASSWORD_LABEL, p.as_bytes())?;
            conn.execute(
                "UPDATE site_systems SET proxy_password = ?2 WHERE name = ?1 COLLATE NOCASE",
                params![name, sealed],
            )?;
        }
    }
    Ok(())
}

/// The proxy route of the site server (the CDP and the services manager use the managing
/// primary site server's proxy), with the password unsealed.
pub fn site_server_proxy(conn: &Connection, secrets: &SecretBox) -> Result<Option<ProxyRoute>> {
    let Some((_, server)) = site(conn)? else {
        return Ok(None);
    };
    type ProxyRow = (i64, Option<String>, i64, Option<String>, Option<Vec<u8>>);
    let row: Option<ProxyRow> = conn
        .query_row(
            "SELECT proxy_enabled, proxy_server, proxy_port, proxy_account, proxy_password FROM site_systems WHERE name = ?1 COLLATE NOCASE",
            params![server],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((1, Some(host), port, account, password)) = row else {
        return Ok(None);
    };
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host
    };
    let credentials = match (account, password) {
        (Some(a), Some(p)) => Some((
            a,
            secrets
                .open(PROXY_PASSWORD_LABEL, &p)?
                .as_str()?
                .to_string(),
        )),
        (Some(a), None) => Some((a, String::new())),
        _ => None,
    };
    Ok(Some(ProxyRoute {
        url: format!("http://{host}:{port}"),
        credentials,
    }))
}

/// Adds a CMG connection point on a site system.
pub fn add_connection_point(
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
pub fn connection_points(
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

/// "Allow access to cloud distribution points" (client setting, default No).
pub fn allow_cloud_dp(conn: &Connection) -> Result<bool> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM client_settings WHERE key = 'allow_cloud_dp'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.as_deref() == Some("true"))
}

/// Sets "Allow access to cloud distribution points".
pub fn set_allow_cloud_dp(conn: &Connection, allow: bool) -> Result<()> {
    conn.execute(
        "INSERT INTO client_settings (key, value) VALUES ('allow_cloud_dp', ?1) ON CONFLICT (key) DO UPDATE SET value = ?1",
        params![if allow { "true" } else { "false" }],
    )?;
    Ok(())
}

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
           state = CASE WHEN enabled = 0 THEN 4 WHEN state = 1 AND skip_until > ?6 THEN 1 ELSE 0 END, \
           closed_by = CASE WHEN enabled = 1 AND NOT (state = 1 AND skip_until > ?6) THEN NULL ELSE closed_by END, \
           last_seen = ?6, occurrences = occurrences + 1, \
           severity = ?5, name = ?4, parameters = ?7, first_seen = ifnull(first_seen, ?6)",
        params![new_id()?, type_id, service_id, name, severity, now, details.to_string()],
    )?;
    list_alerts(conn)?
        .into_iter()
        .find(|a| a.type_id == type_id && a.service_id.as_deref() == service_id)
        .ok_or_else(|| RepoError::Sql(rusqlite::Error::QueryReturnedNoRows))
}

/// Every alert, newest first.
pub fn list_alerts(conn: &Connection) -> Result<Vec<AlertView>> {
    let mut stmt = conn.prepare(
        "SELECT id, type_id, service_id, name, severity, state, occurrences, first_seen, last_seen, parameters, \
         skip_until, comments, closed_by, enabled \
         FROM alerts ORDER BY last_seen DESC",
    )?;
    let rows = stmt.query_map([], |r| {
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
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One alert.
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

/// Disables (state 4, not evaluated) or enables (state 5 Never Triggered until raised again)
/// an alert.
pub fn set_alert_enabled(conn: &Connection, id: &str, enabled: bool) -> Result<Option<AlertView>> {
    if !exists(conn, id)? {
        return Ok(None);
    }
    if enabled {
        // Enabling an alert that is already on changes nothing.
        conn.execute(
            "UPDATE alerts SET enabled = 1, state = CASE WHEN enabled = 0 THEN 5 ELSE state END WHERE id = ?1",
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
