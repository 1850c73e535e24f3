//! CMG connection points on site systems, their certificates (keys sealed), the site's
//! connection point CA, and the credentials the site keeps for its own connection points.

use super::error::Result;
use crate::site::db::{Connection, OptionalExtension, Row, params};
use crate::site::store::{new_id, now_millis};

/// Label of a connection point's sealed key.
pub(crate) const KEY_LABEL: &str = "connection_points.key";
/// Label of the CA's sealed key.
pub(crate) const CA_KEY_LABEL: &str = "connection_point_ca.key";
/// Label of a sealed site credential.
pub(crate) const CREDENTIAL_LABEL: &str = "site_credentials.value";

/// A connection point row, with the CMG it belongs to (its key still sealed).
#[derive(Clone)]
pub(crate) struct ConnectionPointRow {
    /// Id.
    pub id: String,
    /// CMG id.
    pub cmg_id: String,
    /// CMG service FQDN.
    pub cmg_name: String,
    /// CMG region.
    pub region: String,
    /// Site system server.
    pub site_system: String,
    /// Site code.
    pub site_code: String,
    /// Runs outside the site service.
    pub external: bool,
    /// Its certificate, PEM, once issued.
    pub cert_pem: Option<String>,
    /// Its key, sealed, once issued.
    pub key: Option<Vec<u8>>,
}

impl std::fmt::Debug for ConnectionPointRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionPointRow")
            .field("id", &self.id)
            .field("cmg_name", &self.cmg_name)
            .field("site_system", &self.site_system)
            .field("external", &self.external)
            .finish_non_exhaustive()
    }
}

/// The site's connection point CA (its key still sealed).
pub(crate) struct CaRow {
    /// Subject CN.
    pub subject: String,
    /// Certificate, PEM.
    pub cert_pem: String,
    /// Key (PKCS#8 DER), sealed.
    pub key: Vec<u8>,
}

/// Adds a CMG connection point on a site system (and the role to the site system).
pub(crate) fn add_connection_point(
    conn: &Connection,
    cmg_id: &str,
    site_system: &str,
    site_code: &str,
    external: bool,
) -> Result<String> {
    let id = new_id()?;
    conn.execute(
        "INSERT INTO connection_points (id, cmg_id, site_system, site_code, created, external) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, cmg_id, site_system, site_code, now_millis(), external as i64],
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

const COLUMNS: &str = "c.id, c.cmg_id, s.service_fqdn, s.region, c.site_system, c.site_code, \
    c.external, c.cert_pem, c.key";

fn from_row(r: &Row<'_>) -> crate::site::db::Result<ConnectionPointRow> {
    Ok(ConnectionPointRow {
        id: r.get(0)?,
        cmg_id: r.get(1)?,
        cmg_name: r.get(2)?,
        region: r.get(3)?,
        site_system: r.get(4)?,
        site_code: r.get(5)?,
        external: r.get::<_, i64>(6)? != 0,
        cert_pem: r.get(7)?,
        key: r.get(8)?,
    })
}

/// Connection points, optionally of one CMG, oldest first.
pub(crate) fn connection_points(
    conn: &Connection,
    cmg_id: Option<&str>,
) -> Result<Vec<ConnectionPointRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM connection_points c JOIN services s ON s.id = c.cmg_id \
         WHERE CAST(?1 AS TEXT) IS NULL OR c.cmg_id = ?1 ORDER BY c.created, c.id"
    ))?;
    let rows = stmt.query_map(params![cmg_id], from_row)?;
    Ok(rows.collect::<crate::site::db::Result<Vec<_>>>()?)
}

/// One connection point.
pub(crate) fn connection_point(conn: &Connection, id: &str) -> Result<Option<ConnectionPointRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM connection_points c JOIN services s ON s.id = c.cmg_id WHERE c.id = ?1"
            ),
            params![id],
            from_row,
        )
        .optional()?)
}

/// Stores a connection point's (new) certificate and sealed key.
pub(crate) fn set_certificate(
    conn: &Connection,
    id: &str,
    cert_pem: &str,
    sealed_key: &[u8],
) -> Result<()> {
    conn.execute(
        "UPDATE connection_points SET cert_pem = ?2, key = ?3 WHERE id = ?1",
        params![id, cert_pem, sealed_key],
    )?;
    Ok(())
}

/// The site's connection point CA, once made.
pub(crate) fn ca(conn: &Connection) -> Result<Option<CaRow>> {
    Ok(conn
        .query_row(
            "SELECT subject, cert_pem, key FROM connection_point_ca WHERE id = 1",
            params![],
            |r| {
                Ok(CaRow {
                    subject: r.get(0)?,
                    cert_pem: r.get(1)?,
                    key: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Stores the site's connection point CA (there is only ever one).
pub(crate) fn insert_ca(
    conn: &Connection,
    subject: &str,
    cert_pem: &str,
    sealed_key: &[u8],
) -> Result<()> {
    conn.execute(
        "INSERT INTO connection_point_ca (id, subject, cert_pem, key, created) VALUES (1, ?1, ?2, ?3, ?4)",
        params![subject, cert_pem, sealed_key, now_millis()],
    )?;
    Ok(())
}

/// A sealed credential the site keeps for itself.
pub(crate) fn credential(conn: &Connection, name: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT value FROM site_credentials WHERE name = ?1",
            params![name],
            |r| r.get(0),
        )
        .optional()?)
}

/// Stores (replaces) a sealed credential.
pub(crate) fn set_credential(conn: &Connection, name: &str, sealed: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO site_credentials (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = ?2",
        params![name, sealed],
    )?;
    Ok(())
}
