//! Typed reads and writes of the content library: packages, their files, and their
//! distribution to services.

use super::repo::{RepoError, get_service};
use super::secrets::SecretBox;
use super::store::{millis_to_rfc3339, now_millis};
use crate::api::wire::{
    DistributionState, DistributionView, PackageFileView, PackageState, PackageView,
};
use crate::content::crypt::PackageKey;
use crate::domain::content::{ContentType, package_id};
use rusqlite::{Connection, OptionalExtension, params};

type Result<T> = std::result::Result<T, RepoError>;

/// Label binding a sealed package key to its column.
pub const PACKAGE_KEY_LABEL: &str = "packages.key";

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

/// Creates a package in `uploading` with its announced files; returns its id.
pub fn insert_package(
    conn: &Connection,
    site_code: &str,
    name: &str,
    content_type: ContentType,
    files: &[(String, u64)],
    secrets: &SecretBox,
) -> Result<String> {
    let serial: i64 =
        conn.query_row("SELECT ifnull(max(serial), 0) + 1 FROM packages", [], |r| {
            r.get(0)
        })?;
    let id = package_id(site_code, serial.clamp(0, i64::from(u32::MAX)) as u32);
    let key = PackageKey::generate()
        .map_err(|e| RepoError::Store(super::store::StoreError::Random(e.to_string())))?;
    let sealed = secrets.seal(PACKAGE_KEY_LABEL, &key.0)?;
    let now = now_millis();
    conn.execute(
        "INSERT INTO packages (id, serial, name, type, state, key, created, updated) \
         VALUES (?1, ?2, ?3, ?4, 'uploading', ?5, ?6, ?6)",
        params![id, serial, name.trim(), content_type.as_str(), sealed, now],
    )?;
    for (file, size) in files {
        conn.execute(
            "INSERT INTO package_files (package_id, name, size) VALUES (?1, ?2, ?3)",
            params![id, file, *size as i64],
        )?;
    }
    Ok(id)
}

/// The id of the package with this id or name.
pub fn find_package(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT id FROM packages WHERE id = ?1 COLLATE NOCASE OR name = ?1 COLLATE NOCASE \
             ORDER BY id = ?1 COLLATE NOCASE DESC LIMIT 1",
            params![key.trim()],
            |r| r.get(0),
        )
        .optional()?)
}

/// The package's key.
pub fn package_key(conn: &Connection, id: &str, secrets: &SecretBox) -> Result<PackageKey> {
    let sealed: Vec<u8> =
        conn.query_row("SELECT key FROM packages WHERE id = ?1", params![id], |r| {
            r.get(0)
        })?;
    let opened = secrets.open(PACKAGE_KEY_LABEL, &sealed)?;
    let key: [u8; 32] = opened
        .as_bytes()
        .try_into()
        .map_err(|_| RepoError::Json(serde::de::Error::custom("a package key is not 32 bytes")))?;
    Ok(PackageKey(key))
}

/// A package's files.
pub fn package_files(conn: &Connection, id: &str) -> Result<Vec<PackageFileView>> {
    let mut stmt = conn.prepare(
        "SELECT name, size, sha256, encrypted_size FROM package_files WHERE package_id = ?1 ORDER BY name",
    )?;
    let rows = stmt.query_map(params![id], |r| {
        Ok(PackageFileView {
            name: r.get(0)?,
            size: r.get::<_, i64>(1)?.max(0) as u64,
            sha256: r.get(2)?,
            encrypted_size: r.get::<_, Option<i64>>(3)?.map(|v| v.max(0) as u64),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The encrypted SHA-256 of each received file (what the cloud verifies on upload).
pub fn encrypted_hashes(conn: &Connection, id: &str) -> Result<Vec<(String, Option<String>)>> {
    let mut stmt = conn.prepare(
        "SELECT name, encrypted_sha256 FROM package_files WHERE package_id = ?1 ORDER BY name",
    )?;
    let rows = stmt.query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records a received file; the package becomes `ready` when its last file arrives.
pub fn file_received(
    conn: &Connection,
    id: &str,
    file: &str,
    sha256: &str,
    encrypted_size: u64,
    encrypted_sha256: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE package_files SET sha256 = ?3, encrypted_size = ?4, encrypted_sha256 = ?5 \
         WHERE package_id = ?1 AND name = ?2",
        params![id, file, sha256, encrypted_size as i64, encrypted_sha256],
    )?;
    conn.execute(
        "UPDATE packages SET updated = ?2, state = CASE WHEN EXISTS \
           (SELECT 1 FROM package_files WHERE package_id = ?1 AND sha256 IS NULL) \
           THEN 'uploading' ELSE 'ready' END WHERE id = ?1",
        params![id, now_millis()],
    )?;
    Ok(())
}

/// One package, with its files and distributions.
pub fn get_package(conn: &Connection, id: &str) -> Result<Option<PackageView>> {
    let row = conn
        .query_row(
            "SELECT id, name, type, state, created FROM packages WHERE id = ?1",
            params![id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((id, name, kind, state, created)) = row else {
        return Ok(None);
    };
    let files = package_files(conn, &id)?;
    Ok(Some(PackageView {
        size: files.iter().map(|f| f.size).sum(),
        files,
        distributions: distributions(conn, Some(&id), None)?,
        content_type: ContentType::parse(&kind).unwrap_or(ContentType::Package),
        state: if state == "ready" {
            PackageState::Ready
        } else {
            PackageState::Uploading
        },
        id,
        name,
        created: millis_to_rfc3339(created),
    }))
}

/// Every package, by id.
pub fn list_packages(conn: &Connection) -> Result<Vec<PackageView>> {
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM packages ORDER BY serial")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(p) = get_package(conn, &id)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Deletes a package from the library (its distributions go with it).
pub fn delete_package(conn: &Connection, id: &str) -> Result<()> {
    conn.execute("DELETE FROM packages WHERE id = ?1", params![id])?;
    Ok(())
}

/// Distributions, filtered by package and/or service.
pub fn distributions(
    conn: &Connection,
    package: Option<&str>,
    service: Option<&str>,
) -> Result<Vec<DistributionView>> {
    let mut stmt = conn.prepare(
        "SELECT d.package_id, p.name, d.service_id, s.service_fqdn, d.state, d.reason, d.updated, \
           (SELECT ifnull(sum(encrypted_size), 0) FROM package_files f WHERE f.package_id = d.package_id) \
         FROM distributions d JOIN packages p ON p.id = d.package_id JOIN services s ON s.id = d.service_id \
         WHERE (?1 IS NULL OR d.package_id = ?1) AND (?2 IS NULL OR d.service_id = ?2) \
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
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One distribution.
pub fn distribution(
    conn: &Connection,
    package: &str,
    service: &str,
) -> Result<Option<DistributionView>> {
    Ok(distributions(conn, Some(package), Some(service))?
        .into_iter()
        .next())
}

/// Sets (or creates) a distribution's state and reason.
pub fn set_distribution(
    conn: &Connection,
    package: &str,
    service: &str,
    state: DistributionState,
    reason: Option<&str>,
) -> Result<Option<DistributionView>> {
    conn.execute(
        "INSERT INTO distributions (package_id, service_id, state, reason, updated) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (package_id, service_id) DO UPDATE SET state = ?3, reason = ?4, updated = ?5, \
           attempts = CASE WHEN ?3 = 'failed' THEN attempts + 1 ELSE attempts END",
        params![package, service, state_str(state), reason, now_millis()],
    )?;
    distribution(conn, package, service)
}

/// Removes a distribution row (after its blobs are gone).
pub fn delete_distribution(conn: &Connection, package: &str, service: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM distributions WHERE package_id = ?1 AND service_id = ?2",
        params![package, service],
    )?;
    Ok(())
}

/// Distributions with work to do (in progress or removing), oldest change first.
pub fn pending_distributions(conn: &Connection) -> Result<Vec<DistributionView>> {
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
pub fn services_with(conn: &Connection, package: &str) -> Result<Vec<String>> {
    let ids: Vec<String> = conn
        .prepare(
            "SELECT service_id FROM distributions WHERE package_id = ?1 AND state = 'success' ORDER BY service_id",
        )?
        .query_map(params![package], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for id in ids {
        if get_service(conn, &id)?.is_some() {
            out.push(id);
        }
    }
    Ok(out)
}
