//! The site database: one SQLite file in the data dir (WAL) by default, or a PostgreSQL
//! database shared by replicas (`[site] database`); versioned migrations per engine, every
//! change in a transaction. The repository reaches either through [`crate::site::db`].
//!
//! One connection behind a mutex serves the whole process. SQLite serialises writers anyway,
//! and the site's load (a few operators, one task runner) is far below what one connection
//! handles; a single connection also means no `SQLITE_BUSY` between our own threads. The
//! 5-second busy timeout covers the other processes that may open the file (a CLI reading it,
//! `sqlite3` in a shell).

mod migrations;
mod pg_migrations;

pub use migrations::MIGRATIONS;
pub use pg_migrations::PG_MIGRATIONS;

use crate::site::db::{self, Connection, Engine, Transaction};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The schema version this binary writes (`PRAGMA user_version` after all migrations).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a statement waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// What went wrong opening or using the site database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created.
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir {
        /// The database file's directory (created with mode 0700).
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The database file could not be created or its permissions set.
    #[error("cannot create the database file {path} with mode 0600: {source}")]
    CreateFile {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// SQLite could not open the file.
    #[error("cannot open the site database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A connection setting could not be applied.
    #[error("cannot set PRAGMA {pragma} on the site database {path}: {source}")]
    Pragma {
        /// The database file.
        path: PathBuf,
        /// The pragma's name (`busy_timeout`, `journal_mode`, `synchronous`, `foreign_keys`).
        pragma: &'static str,
        /// The cause.
        source: rusqlite::Error,
    },
    /// The file system refused write-ahead logging (e.g. a network share).
    #[error(
        "the site database {path} cannot use write-ahead logging (journal_mode is {mode}); put the data dir on a local file system"
    )]
    NoWal {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite kept.
        mode: String,
    },
    /// The file was written by a newer cloudsite.
    #[error(
        "the site database {path} has schema version {found}, but this cloudsite only knows versions up to {supported}; run a newer cloudsite (or restore a backup made by this one)"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// `PRAGMA user_version` in the file.
        found: i64,
        /// The newest version this binary knows.
        supported: i64,
    },
    /// A migration failed; the database stays at the previous version.
    #[error("migrating the site database {path} to schema version {version} failed: {source}")]
    Migration {
        /// The database file (or the PostgreSQL database, its password left out).
        path: PathBuf,
        /// The version being applied: migration N (from 1) brings the file to version N.
        version: i64,
        /// The cause.
        source: db::Error,
    },
    /// The PostgreSQL server could not be reached or refused the session.
    #[error("cannot connect to the site database {url}: {message}")]
    Connect {
        /// The database URL, its password left out.
        url: String,
        /// The driver's or the server's message.
        message: String,
    },
    /// A query failed.
    #[error("site database error: {0}")]
    Sql(#[from] db::Error),
    /// The blocking task running a query was cancelled (the runtime is shutting down).
    #[error("a site database call was cancelled: {0}")]
    Cancelled(String),
    /// The operating system's random number generator failed.
    #[error("cannot generate a random id: {0}")]
    Random(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sql(db::Error::Sqlite(e))
    }
}

/// The site database. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    /// The SQLite file, or the PostgreSQL URL without its password (for messages).
    path: Arc<PathBuf>,
    engine: Engine,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("engine", &self.engine)
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        create_private_file(path).map_err(|source| StoreError::CreateFile {
            path: path.to_path_buf(),
            source,
        })?;
        let conn = rusqlite::Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        configure(&conn, path)?;
        let conn = Connection::from_sqlite(conn);
        migrate(&conn, path, MIGRATIONS)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path: Arc::new(path.to_path_buf()),
            engine: Engine::Sqlite,
        })
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host/db`) and
    /// brings its schema up to date. Blocking: call it outside the async runtime's workers
    /// (the driver runs its own).
    pub fn open_postgres(url: &str) -> Result<Store, StoreError> {
        let shown = redact_url(url);
        let client =
            postgres::Client::connect(url, postgres::NoTls).map_err(|e| StoreError::Connect {
                url: shown.clone(),
                message: db::Error::Postgres(e).to_string(),
            })?;
        let conn = Connection::from_postgres(client);
        let path = PathBuf::from(&shown);
        migrate(&conn, &path, PG_MIGRATIONS)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path: Arc::new(path),
            engine: Engine::Postgres,
        })
    }

    /// The database file (for PostgreSQL, its URL without the password).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The engine behind the store.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Runs `f` on the connection on the current thread (blocks; use [`Store::call`] from async).
    pub fn with<T, E>(&self, f: impl FnOnce(&mut Connection) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.lock();
        f(&mut conn)
    }

    /// Runs `f` inside a transaction: commits when it returns `Ok`, rolls back on `Err` (and
    /// on panic).
    ///
    /// The transaction is `IMMEDIATE`: it takes the write lock up front, so a concurrent writer
    /// in another process makes it wait at `BEGIN` (busy timeout) instead of failing halfway.
    pub fn transaction<T, E>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let conn = self.lock();
        run_transaction(&conn, f)
    }

    /// Runs `f` on the connection on a blocking thread, for async callers.
    pub async fn call<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        join(tokio::task::spawn_blocking(move || store.with(f)).await)
    }

    /// Runs a short read `f` (an indexed lookup of a row or two, at most a one-row update) on
    /// the calling thread when that cannot hold it up: the engine is SQLite (in-process, a few
    /// microseconds) and the connection is free this instant. Otherwise (PostgreSQL is a
    /// network round trip; a busy connection may be a long transaction) it runs on a blocking
    /// thread like [`Store::call`]. Handing a 10 µs read to a blocking thread costs two thread
    /// wake-ups, which were the larger part of a management point request's CPU.
    pub async fn call_quick<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        if self.engine == Engine::Sqlite
            && let Some(mut conn) = self.try_lock()
        {
            return f(&mut conn);
        }
        self.call(f).await
    }

    /// [`Store::transaction`] on a blocking thread, for async callers.
    pub async fn call_transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        join(tokio::task::spawn_blocking(move || store.transaction(f)).await)
    }

    /// The schema version recorded in the file.
    pub fn user_version(&self) -> Result<i64, StoreError> {
        self.with(|conn| Ok(user_version(conn)?))
    }

    /// Runs `sql` on the connection (tests and maintenance only: no transaction, no result).
    pub fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        self.with(|conn| Ok(conn.execute_batch(sql)?))
    }

    /// Locks the connection. A panic in an earlier closure poisons the mutex but cannot leave
    /// the connection half-changed: a `Transaction` rolls back when dropped during unwinding,
    /// and a transaction begun by hand is rolled back here.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        let guard = self.conn.lock().unwrap_or_else(|poisoned| {
            self.conn.clear_poison();
            poisoned.into_inner()
        });
        settled(guard)
    }

    /// [`Store::lock`] if the connection is free now, else `None`.
    fn try_lock(&self) -> Option<MutexGuard<'_, Connection>> {
        let guard = match self.conn.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => {
                self.conn.clear_poison();
                poisoned.into_inner()
            }
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        Some(settled(guard))
    }
}

/// A locked connection with no transaction left open by a closure that panicked.
fn settled(guard: MutexGuard<'_, Connection>) -> MutexGuard<'_, Connection> {
    if !guard.is_autocommit() {
        // Best effort: if even ROLLBACK fails, the next statement reports the real error.
        let _ = guard.rollback_open();
    }
    guard
}

fn run_transaction<T, E>(
    conn: &Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let tx = conn
        .transaction()
        .map_err(|e| E::from(StoreError::Sql(e)))?;
    let value = f(&tx)?;
    tx.commit().map_err(|e| E::from(StoreError::Sql(e)))?;
    Ok(value)
}

fn join<T, E: From<StoreError>>(
    joined: Result<Result<T, E>, tokio::task::JoinError>,
) -> Result<T, E> {
    match joined {
        Ok(result) => result,
        // The closure's panic is the caller's bug: surface it where the caller awaits.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(E::from(StoreError::Cancelled(e.to_string()))),
    }
}

fn configure(conn: &rusqlite::Connection, path: &Path) -> Result<(), StoreError> {
    let pragma_err = |pragma| {
        let path = path.to_path_buf();
        move |source| StoreError::Pragma {
            path,
            pragma,
            source,
        }
    };
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(pragma_err("busy_timeout"))?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(pragma_err("journal_mode"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::NoWal {
            path: path.to_path_buf(),
            mode,
        });
    }
    // NORMAL is safe with WAL: a power cut may lose the last commits, never corrupt the file.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(pragma_err("synchronous"))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(pragma_err("foreign_keys"))?;
    Ok(())
}

/// The schema version: SQLite's `user_version`, PostgreSQL's `site_schema` row (0 before the
/// first migration).
fn user_version(conn: &Connection) -> db::Result<i64> {
    match conn.as_sqlite() {
        Some(c) => Ok(c.pragma_query_value(None, "user_version", |row| row.get(0))?),
        None => {
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS site_schema (one BIGINT PRIMARY KEY CHECK (one = 1), version BIGINT NOT NULL)",
            )?;
            conn.query_row(
                "SELECT CAST(coalesce(max(version), 0) AS BIGINT) FROM site_schema",
                db::params![],
                |r| r.get(0),
            )
        }
    }
}

fn set_user_version(conn: &Connection, version: i64) -> db::Result<()> {
    match conn.as_sqlite() {
        Some(c) => Ok(c.pragma_update(None, "user_version", version)?),
        None => {
            conn.execute(
                "INSERT INTO site_schema (one, version) VALUES (1, ?1) \
                 ON CONFLICT (one) DO UPDATE SET version = excluded.version",
                db::params![version],
            )?;
            Ok(())
        }
    }
}

/// Applies the migrations the database has not seen, each in its own transaction together with
/// its version bump, so a crash leaves it at a whole version. Replicas starting together
/// take turns (SQLite's write lock; a PostgreSQL advisory lock for the transaction).
fn migrate(conn: &Connection, path: &Path, migrations: &[&str]) -> Result<(), StoreError> {
    let supported = migrations.len() as i64;
    let found = user_version(conn)?;
    if found > supported {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported,
        });
    }
    for (index, sql) in migrations.iter().enumerate().skip(found.max(0) as usize) {
        let version = index as i64 + 1;
        let failed = |source| StoreError::Migration {
            path: path.to_path_buf(),
            version,
            source,
        };
        let tx = conn.transaction().map_err(failed)?;
        if tx.engine() == Engine::Postgres {
            tx.execute_batch("SELECT pg_advisory_xact_lock(7403311)")
                .map_err(failed)?;
        }
        // Another process may have migrated while we waited for the lock.
        if user_version(&tx).map_err(failed)? >= version {
            continue;
        }
        tx.execute_batch(sql).map_err(failed)?;
        set_user_version(&tx, version).map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}

/// `postgres://user:secret@host/db` → `postgres://user@host/db`, for messages and logs.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the file with mode 0600 before SQLite does (SQLite would use the umask), and
/// tightens an existing one: it holds the site's certificates and token hashes. SQLite gives
/// the `-wal` and `-shm` files the same mode as the database file.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode() & 0o777;
        if mode != 0o600 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    drop(file);
    Ok(())
}

/// Now, in unix milliseconds (the store's time unit).
pub fn now_millis() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// A stored time as RFC 3339 UTC with milliseconds (e.g. `2024-05-03T12:34:56.789Z`).
pub fn millis_to_rfc3339(millis: i64) -> String {
    let nanos = i128::from(millis) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            ))
            .ok()
        })
        .unwrap_or_else(|| format!("@{millis}ms"))
}

/// A new random id: 16 random bytes as 32 lowercase hex digits.
pub fn new_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> tempfile::TempDir {
        tempfile::tempdir().expect("temp dir")
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_quick_read_runs_here_when_the_connection_is_free_and_waits_elsewhere_when_not() {
        let dir = temp();
        let store = Store::open(&dir.path().join("q.db")).expect("open");
        let here = std::thread::current().id();
        let thread = |_: &mut Connection| Ok::<_, StoreError>(std::thread::current().id());
        let ran_on = store.call_quick(thread).await.expect("read");
        assert_eq!(
            ran_on, here,
            "a free SQLite connection is read on the caller's thread"
        );

        // Another thread holds the connection: the read must not block this runtime's only
        // thread (the holder gives up after 5 s, and then says so).
        let (locked_tx, locked_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let held = store.clone();
        let holder = std::thread::spawn(move || {
            held.with(|_| {
                let _ = locked_tx.send(());
                Ok::<_, StoreError>(release_rx.recv_timeout(Duration::from_secs(5)).is_ok())
            })
        });
        locked_rx.recv().expect("the holder has the connection");
        let other = store.clone();
        let read = tokio::spawn(async move { other.call_quick(thread).await });
        tokio::task::yield_now().await;
        assert!(!read.is_finished(), "the read waits for the connection");
        release_tx.send(()).expect("release");
        let released_by_us = holder.join().expect("holder").expect("with");
        assert!(
            released_by_us,
            "the runtime kept running while the read waited"
        );
        let ran_on = read.await.expect("task").expect("read");
        assert_ne!(
            ran_on, here,
            "a busy connection is waited for on a blocking thread"
        );
    }

    #[test]
    fn a_failing_migration_leaves_the_previous_version() {
        let dir = temp();
        let path = dir.path().join("m.db");
        let conn = Connection::from_sqlite(rusqlite::Connection::open(&path).expect("open"));
        let steps: &[&str] = &[
            "CREATE TABLE a (x INTEGER);",
            "CREATE TABLE b (x INTEGER); CREATE TABLE a (x INTEGER);",
        ];
        let err = migrate(&conn, &path, steps).expect_err("second step fails");
        assert!(
            matches!(err, StoreError::Migration { version: 2, .. }),
            "{err}"
        );
        assert_eq!(user_version(&conn).expect("version"), 1);
        let b: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'b'",
                db::params![],
                |r| r.get(0),
            )
            .expect("query");
        assert_eq!(b, 0, "table b of the failed step was rolled back");
        migrate(&conn, &path, &steps[..1]).expect("re-running done steps is a no-op");
    }

    #[test]
    fn both_engines_have_every_schema_version() {
        // A migration added to one list only would leave that engine a version behind.
        assert_eq!(MIGRATIONS.len(), PG_MIGRATIONS.len());
    }

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        assert_eq!(
            redact_url("postgres://site:s3cret@db.contoso.com:5432/cloudsite"),
            "postgres://site@db.contoso.com:5432/cloudsite"
        );
        assert_eq!(
            redact_url("postgres://db/cloudsite"),
            "postgres://db/cloudsite"
        );
    }

    #[test]
    fn times_format_as_rfc3339() {
        assert_eq!(millis_to_rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            millis_to_rfc3339(1_714_739_696_789),
            "2024-05-03T12:34:56.789Z"
        );
        assert!(now_millis() > 1_700_000_000_000);
        assert_eq!(new_id().expect("id").len(), 32);
    }
}
