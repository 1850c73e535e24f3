//! Packages of the content library, their files and their sealed keys.

use super::distributions::distributions;
use super::error::{RepoError, Result};
use crate::api::wire::{PackageFileView, PackageState, PackageView};
use crate::content::crypt::PackageKey;
use crate::domain::content::{ContentType, package_id};
use crate::site::db::{Connection, OptionalExtension, params};
use crate::site::secrets::SecretBox;
use crate::site::store::{StoreError, millis_to_rfc3339, now_millis};

/// Label binding a sealed package key to its column.
pub(crate) const PACKAGE_KEY_LABEL: &str = "packages.key";

/// Creates a package in `uploading` with its announced files; returns its id.
pub(crate) fn insert_package(
    conn: &Connection,
    site_code: &str,
    name: &str,
    content_type: ContentType,
    files: &[(String, u64)],
    secrets: &SecretBox,
) -> Result<String> {
    let serial: i64 = conn.query_row(
        "SELECT ifnull(max(serial), 0) + 1 FROM packages",
        params![],
        |r| r.get(0),
    )?;
    let id = package_id(site_code, serial.clamp(0, i64::from(u32::MAX)) as u32);
    let key =
        PackageKey::generate().map_err(|e| RepoError::Store(StoreError::Random(e.to_string())))?;
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
pub(crate) fn find_package(conn: &Connection, key: &str) -> Result<Option<String>> {
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
pub(crate) fn package_key(conn: &Connection, id: &str, secrets: &SecretBox) -> Result<PackageKey> {
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
pub(crate) fn package_files(conn: &Connection, id: &str) -> Result<Vec<PackageFileView>> {
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
    Ok(rows.collect::<crate::site::db::Result<_>>()?)
}

/// The encrypted SHA-256 of each received file (what the cloud verifies on upload).
pub(crate) fn encrypted_hashes(
    conn: &Connection,
    id: &str,
) -> Result<Vec<(String, Option<String>)>> {
    let mut stmt = conn.prepare(
        "SELECT name, encrypted_sha256 FROM package_files WHERE package_id = ?1 ORDER BY name",
    )?;
    let rows = stmt.query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<crate::site::db::Result<_>>()?)
}

/// Records a received file; the package becomes `ready` when its last file arrives.
pub(crate) fn file_received(
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
pub(crate) fn get_package(conn: &Connection, id: &str) -> Result<Option<PackageView>> {
    let row = conn
        .query_row(
            "SELECT id, name, type, state, created FROM packages WHERE id = ?1",
            params![id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, ContentType>(2)?,
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
        content_type: kind,
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
pub(crate) fn list_packages(conn: &Connection) -> Result<Vec<PackageView>> {
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM packages ORDER BY serial")?
        .query_map(params![], |r| r.get(0))?
        .collect::<crate::site::db::Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(p) = get_package(conn, &id)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Deletes a package from the library (its distributions go with it).
pub(crate) fn delete_package(conn: &Connection, id: &str) -> Result<()> {
    conn.execute("DELETE FROM packages WHERE id = ?1", params![id])?;
    Ok(())
}
