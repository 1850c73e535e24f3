//! The site row, its site systems and their Proxy tab (the password sealed).

use super::error::Result;
use crate::api::wire::SiteSystemView;
use crate::cloud::ProxyRoute;
use crate::domain::proxy::ProxySettings;
use crate::site::db::{Connection, OptionalExtension, params};
use crate::site::secrets::SecretBox;
use crate::site::store::now_millis;

/// The site's code and server name, if the site exists.
pub(crate) fn site(conn: &Connection) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT site_code, server_name FROM site WHERE id = 1",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Counts the lease up for a replica that has just taken it; answers the new count (the
/// epoch its services manager claims tasks under).
pub(crate) fn next_lease_epoch(conn: &Connection) -> Result<i64> {
    conn.execute(
        "UPDATE site SET lease_epoch = lease_epoch + 1 WHERE id = 1",
        params![],
    )?;
    Ok(conn.query_row(
        "SELECT lease_epoch FROM site WHERE id = 1",
        params![],
        |r| r.get(0),
    )?)
}

/// The check of the secret key the site's secrets were sealed with, recording `check` when
/// none is recorded yet; answers the recorded one.
pub(crate) fn key_check(conn: &Connection, check: &str) -> Result<String> {
    conn.execute(
        "UPDATE site SET key_check = ?1 WHERE id = 1 AND key_check IS NULL",
        params![check],
    )?;
    Ok(
        conn.query_row("SELECT key_check FROM site WHERE id = 1", params![], |r| {
            r.get(0)
        })?,
    )
}

/// Creates the site and its site server (with the roles a primary site server holds).
pub(crate) fn create_site(conn: &Connection, site_code: &str, server_name: &str) -> Result<()> {
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

/// Adds a site system server with the "Site system" role (a server that will run a connection
/// point of its own); nothing happens if it exists.
pub(crate) fn add_site_system(conn: &Connection, name: &str) -> Result<()> {
    let roles = serde_json::json!(["Site system"]).to_string();
    conn.execute(
        "INSERT OR IGNORE INTO site_systems (name, roles, updated) VALUES (?1, ?2, ?3)",
        params![name, roles, now_millis()],
    )?;
    Ok(())
}

/// Every site system with its Proxy tab.
pub(crate) fn site_systems(conn: &Connection) -> Result<Vec<SiteSystemView>> {
    let mut stmt = conn.prepare(
        "SELECT name, roles, proxy_enabled, proxy_server, proxy_port, proxy_account, proxy_password IS NOT NULL \
         FROM site_systems ORDER BY name",
    )?;
    let rows = stmt.query_map(params![], |r| {
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
    Ok(rows.collect::<crate::site::db::Result<Vec<_>>>()?)
}

/// One site system.
pub(crate) fn site_system(conn: &Connection, name: &str) -> Result<Option<SiteSystemView>> {
    Ok(site_systems(conn)?
        .into_iter()
        .find(|s| s.name.eq_ignore_ascii_case(name)))
}

/// Label of the proxy password column.
pub(crate) const PROXY_PASSWORD_LABEL: &str = "site_systems.proxy_password";

/// What to do with the stored proxy password.
pub(crate) enum PasswordChange {
    /// Keep what is stored.
    Keep,
    /// Remove it.
    Clear,
    /// Store this one (sealed).
    Set(String),
}

/// Saves the Proxy tab (validated by the caller); a save replaces the previous settings.
pub(crate) fn set_proxy(
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
pub(crate) fn site_server_proxy(
    conn: &Connection,
    secrets: &SecretBox,
) -> Result<Option<ProxyRoute>> {
    let Some((_, server)) = site(conn)? else {
        return Ok(None);
    };
    system_proxy(conn, secrets, &server)
}

/// The proxy route of site system `name` (one proxy per server, shared by all its roles), with
/// the password unsealed; none when its Proxy tab has none.
pub(crate) fn system_proxy(
    conn: &Connection,
    secrets: &SecretBox,
    name: &str,
) -> Result<Option<ProxyRoute>> {
    type ProxyRow = (i64, Option<String>, i64, Option<String>, Option<Vec<u8>>);
    let row: Option<ProxyRow> = conn
        .query_row(
            "SELECT proxy_enabled, proxy_server, proxy_port, proxy_account, proxy_password FROM site_systems WHERE name = ?1 COLLATE NOCASE",
            params![name],
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
