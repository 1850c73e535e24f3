//! Client settings of the site ("Allow access to cloud distribution points").

use super::error::Result;
use crate::site::db::{Connection, OptionalExtension, params};

/// "Allow access to cloud distribution points" (client setting, default No).
pub(crate) fn allow_cloud_dp(conn: &Connection) -> Result<bool> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM client_settings WHERE key = 'allow_cloud_dp'",
            params![],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.as_deref() == Some("true"))
}

/// Sets "Allow access to cloud distribution points".
pub(crate) fn set_allow_cloud_dp(conn: &Connection, allow: bool) -> Result<()> {
    conn.execute(
        "INSERT INTO client_settings (key, value) VALUES ('allow_cloud_dp', ?1) ON CONFLICT (key) DO UPDATE SET value = ?1",
        params![if allow { "true" } else { "false" }],
    )?;
    Ok(())
}
