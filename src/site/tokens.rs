//! API bearer tokens and the roles they carry.
//!
//! A token is `cs_` followed by 64 hex digits (32 random bytes); it is shown once, when made.
//! The database keeps only its SHA-256, so a copy of the database grants no access. Lookup is
//! by hash, so no constant-time comparison is needed: timing reveals nothing about the token.

use super::store::{Store, StoreError, new_id, now_millis};
use crate::site::db::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub use crate::domain::role::Role;
use sha2::{Digest, Sha256};

/// Prefix of every token, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "cs_";
/// Hex digits after the prefix.
const TOKEN_HEX_LEN: usize = 64;
/// `last_used` is refreshed at most this often, so reads do not each cost a write.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// A stored token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenRecord {
    /// Id, for `revoke`.
    pub id: String,
    /// What the token is for (e.g. `bootstrap`, `alice laptop`).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was made, unix milliseconds.
    pub created: i64,
    /// When it last authenticated a request (to the minute), unix milliseconds.
    pub last_used: Option<i64>,
}

/// What went wrong managing tokens.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The name breaks the rule.
    #[error("token name: {0}")]
    BadName(String),
}

impl From<crate::site::db::Error> for TokenError {
    fn from(e: crate::site::db::Error) -> Self {
        TokenError::Store(StoreError::Sql(e))
    }
}

/// Makes a token with `role`; returns its record and the token text, which is not stored and
/// cannot be shown again.
pub fn create(store: &Store, name: &str, role: Role) -> Result<(TokenRecord, String), TokenError> {
    let name = crate::domain::text::token_name(name).map_err(|e| TokenError::BadName(e.rule))?;
    if name.is_empty() {
        return Err(TokenError::BadName("must not be empty".into()));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| StoreError::Random(e.to_string()))?;
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
    let record = TokenRecord {
        id: new_id()?,
        name: name.to_string(),
        role,
        created: now_millis(),
        last_used: None,
    };
    store.transaction(|tx| {
        tx.execute(
            "INSERT INTO tokens (id, name, role, token_hash, created) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                record.id,
                record.name,
                record.role,
                hash(&token),
                record.created
            ],
        )?;
        Ok::<_, TokenError>(())
    })?;
    Ok((record, token))
}

/// The record of `token` if it is a current token (refreshing `last_used`), else `None`.
pub fn verify(store: &Store, token: &str) -> Result<Option<TokenRecord>, TokenError> {
    store.with(|conn| verify_on(conn, token))
}

/// [`verify`] on a connection already held.
pub fn verify_on(conn: &Connection, token: &str) -> Result<Option<TokenRecord>, TokenError> {
    let token = token.trim();
    if !well_formed(token) {
        return Ok(None);
    }
    let digest = hash(token);
    {
        let found = conn
            .query_row(
                "SELECT id, name, role, created, last_used FROM tokens WHERE token_hash = ?1",
                [&digest],
                row_to_record,
            )
            .optional()?;
        let Some(mut record) = found else {
            return Ok(None);
        };
        let now = now_millis();
        if record
            .last_used
            .is_none_or(|t| now - t >= LAST_USED_RESOLUTION_MS)
        {
            conn.execute(
                "UPDATE tokens SET last_used = ?1 WHERE id = ?2",
                params![now, record.id],
            )?;
            record.last_used = Some(now);
        }
        Ok(Some(record))
    }
}

/// Every token, oldest first.
pub fn list(store: &Store) -> Result<Vec<TokenRecord>, TokenError> {
    store.with(|conn| {
        let mut stmt = conn.prepare(
            "SELECT id, name, role, created, last_used FROM tokens ORDER BY created, id",
        )?;
        let rows = stmt.query_map(params![], row_to_record)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
}

/// Deletes token `id`; `false` if there was none.
pub fn revoke(store: &Store, id: &str) -> Result<bool, TokenError> {
    store.transaction(|tx| Ok(tx.execute("DELETE FROM tokens WHERE id = ?1", [id])? > 0))
}

fn row_to_record(row: &crate::site::db::Row<'_>) -> crate::site::db::Result<TokenRecord> {
    Ok(TokenRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        role: row.get(2)?,
        created: row.get(3)?,
        last_used: row.get(4)?,
    })
}

fn well_formed(token: &str) -> bool {
    token
        .strip_prefix(TOKEN_PREFIX)
        .is_some_and(|hex| hex.len() == TOKEN_HEX_LEN && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_have_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).expect("json");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert!(Role::FullAdministrator.can_write());
        assert!(Role::InfrastructureAdministrator.can_write());
        assert!(!Role::ReadOnlyAnalyst.can_write());
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn token_shape() {
        assert!(well_formed(&format!("cs_{}", "a".repeat(64))));
        assert!(!well_formed(&format!("cs_{}", "g".repeat(64))));
        assert!(!well_formed(&"a".repeat(67)));
        assert!(!well_formed("cs_"));
    }

    fn raw_file_contains(store: &Store, needle: &[u8]) -> bool {
        store
            .with(|c| c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", params![], |_| Ok(())))
            .expect("checkpoint");
        let mut bytes = std::fs::read(store.path()).expect("read db");
        if let Ok(wal) = std::fs::read(store.path().with_extension("db-wal")) {
            bytes.extend(wal);
        }
        bytes.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn tokens_are_stored_as_hashes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("site.db")).expect("open");
        let (record, token) = create(&store, "bootstrap", Role::FullAdministrator).expect("create");
        assert!(token.starts_with("cs_") && token.len() == 67);
        assert_eq!(record.last_used, None);
        let found = verify(&store, &token).expect("verify").expect("known");
        assert_eq!(
            (found.id.as_str(), found.role),
            (record.id.as_str(), Role::FullAdministrator)
        );
        assert!(found.last_used.is_some());

        let (reader, read_token) =
            create(&store, "analyst", Role::ReadOnlyAnalyst).expect("create");
        assert!(
            !verify(&store, &read_token)
                .expect("verify")
                .expect("known")
                .role
                .can_write()
        );
        let mut wrong = token.clone();
        wrong.replace_range(10..11, if &token[10..11] == "0" { "1" } else { "0" });
        assert_eq!(verify(&store, &wrong).expect("verify"), None);
        assert_eq!(verify(&store, "").expect("verify"), None);
        assert_eq!(verify(&store, "Bearer nonsense").expect("verify"), None);
        assert!(create(&store, "  ", Role::ReadOnlyAnalyst).is_err());

        assert_eq!(list(&store).expect("list").len(), 2);
        assert!(revoke(&store, &reader.id).expect("revoke"));
        assert!(!revoke(&store, &reader.id).expect("revoke again"));
        assert_eq!(verify(&store, &read_token).expect("verify"), None);

        assert!(!raw_file_contains(&store, token.as_bytes()));
        assert!(!raw_file_contains(&store, &token.as_bytes()[3..]));
    }
}
