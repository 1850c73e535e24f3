//! The site's persistence layer: the store on both engines (SQLite, and PostgreSQL when it is
//! installed: the same cases run against each), CMTrace logs, API tokens.

mod pg_support;

use cloudsite::domain::task::{COMPONENT, Level};
use cloudsite::site::cmtrace::{self, LogWriter};
use cloudsite::site::db::{Engine, params};
use cloudsite::site::secrets::SecretBox;
use cloudsite::site::store::{SCHEMA_VERSION, Store, StoreError, now_millis};
use pg_support::PgCluster;
use std::path::Path;

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A fresh store on one engine, and what keeps it alive.
struct TestDb {
    store: Store,
    // Kept for their Drop: the temp folder, or the PostgreSQL cluster.
    _dir: tempfile::TempDir,
    _pg: Option<PgCluster>,
    url: Option<String>,
}

impl TestDb {
    fn sqlite() -> TestDb {
        let dir = temp();
        let store = Store::open(&dir.path().join("site.db")).expect("open");
        TestDb {
            store,
            _dir: dir,
            _pg: None,
            url: None,
        }
    }

    /// `None` (after one line saying so) when PostgreSQL is not installed.
    fn postgres(test: &str) -> Option<TestDb> {
        let pg = PgCluster::start(test)?;
        let url = pg.database("site");
        let store = Store::open_postgres(&url).expect("open on PostgreSQL");
        Some(TestDb {
            store,
            _dir: temp(),
            _pg: Some(pg),
            url: Some(url),
        })
    }

    /// A second store on the same database (a reopen, or a second replica).
    fn reopen(&self) -> Store {
        match &self.url {
            Some(url) => Store::open_postgres(url).expect("reopen"),
            None => Store::open(self.store.path()).expect("reopen"),
        }
    }
}

/// Runs each case against SQLite and against PostgreSQL (skipped, saying so, without it).
macro_rules! on_both_engines {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $case() { super::$case(&super::TestDb::sqlite()); })*
        }
        mod postgres {
            $(#[test] fn $case() {
                if let Some(db) = super::TestDb::postgres(concat!("site_store::", stringify!($case))) {
                    super::$case(&db);
                }
            })*
        }
    };
}

on_both_engines!(
    reopen_keeps_data_and_version,
    a_failed_transaction_leaves_nothing,
    a_panic_inside_a_transaction_rolls_back_and_the_store_stays_usable,
    concurrent_calls_from_threads,
    schema_rules_hold,
    sealed_secrets_live_in_blob_columns,
    values_round_trip_and_unknown_values_are_errors,
);

fn count(store: &Store, sql: &str) -> i64 {
    store
        .with(|c| c.query_row(sql, params![], |r| r.get(0)))
        .expect("count query")
}

fn insert_service(
    store: &Store,
    id: &str,
    fqdn: &str,
    thumb: &str,
    wildcard: bool,
) -> Result<(), StoreError> {
    store.transaction(|tx| {
        tx.execute(
            "INSERT INTO services (id, kind, deployment_name, service_fqdn, subscription_id, environment, region, state, instances, service_cert_thumbprint, service_cert_pem, service_cert_wildcard, created, updated)
             VALUES (?1, 'cdp', ?1, ?2, 'sub', 'AzurePublicCloud', 'WestEurope', 'Provisioning', 2, ?3, 'pem', ?4, ?5, ?5)",
            params![id, fqdn, thumb, wildcard, now_millis()],
        )?;
        Ok(())
    })
}

fn reopen_keeps_data_and_version(db: &TestDb) {
    let store = &db.store;
    assert_eq!(store.user_version().expect("version"), SCHEMA_VERSION);
    store
        .transaction(|tx| {
            tx.execute(
                "INSERT INTO site (id, site_code, server_name, created) VALUES (1, 'PS1', 'cm01.contoso.com', 0)",
                params![],
            )?;
            Ok::<_, StoreError>(())
        })
        .expect("insert");
    let store = db.reopen();
    assert_eq!(store.user_version().expect("version"), SCHEMA_VERSION);
    let code: String = store
        .with(|c| c.query_row("SELECT site_code FROM site", params![], |r| r.get(0)))
        .expect("read");
    assert_eq!(code, "PS1");
    let allow: String = store
        .with(|c| {
            c.query_row(
                "SELECT value FROM client_settings WHERE key = 'allow_cloud_dp'",
                params![],
                |r| r.get(0),
            )
        })
        .expect("setting");
    assert_eq!(allow, "false");
}

#[test]
fn connection_settings() {
    let db = TestDb::sqlite();
    let (mode, fk, sync): (String, i64, i64) = db
        .store
        .with(|c| {
            let c = c.as_sqlite().expect("SQLite");
            Ok::<_, rusqlite::Error>((
                c.pragma_query_value(None, "journal_mode", |r| r.get(0))?,
                c.pragma_query_value(None, "foreign_keys", |r| r.get(0))?,
                c.pragma_query_value(None, "synchronous", |r| r.get(0))?,
            ))
        })
        .expect("pragmas");
    assert_eq!(mode, "wal");
    assert_eq!(fk, 1);
    assert_eq!(sync, 1, "NORMAL");
}

#[test]
fn a_newer_database_is_refused() {
    let dir = temp();
    let path = dir.path().join("site.db");
    drop(Store::open(&path).expect("open"));
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
        .expect("bump");
    drop(conn);
    let err = Store::open(&path).expect_err("too new");
    let msg = err.to_string();
    assert!(matches!(err, StoreError::TooNew { .. }));
    assert!(
        msg.contains(&(SCHEMA_VERSION + 5).to_string())
            && msg.contains(&SCHEMA_VERSION.to_string()),
        "{msg}"
    );
    // The same on PostgreSQL, whose version lives in a table.
    if let Some(db) = TestDb::postgres("site_store::a_newer_database_is_refused") {
        db.store
            .execute_batch(&format!(
                "UPDATE site_schema SET version = {}",
                SCHEMA_VERSION + 5
            ))
            .expect("bump");
        let err = Store::open_postgres(db.url.as_deref().expect("url")).expect_err("too new");
        assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
        // The message names the database without its password.
        assert!(!err.to_string().contains("password="), "{err}");
    }
}

fn a_failed_transaction_leaves_nothing(db: &TestDb) {
    let store = &db.store;
    let result: Result<(), StoreError> = store.transaction(|tx| {
        tx.execute(
            "INSERT INTO client_settings (key, value) VALUES ('a', '1')",
            params![],
        )?;
        tx.execute(
            "INSERT INTO client_settings (key, value) VALUES ('a', '2')",
            params![],
        )?;
        Ok(())
    });
    assert!(result.is_err());
    assert_eq!(count(store, "SELECT count(*) FROM client_settings"), 1);
    // An error of the caller's own also rolls back.
    #[derive(Debug)]
    struct Refused;
    impl From<StoreError> for Refused {
        fn from(_: StoreError) -> Self {
            Refused
        }
    }
    let result: Result<(), Refused> = store.transaction(|tx| {
        tx.execute(
            "INSERT INTO client_settings (key, value) VALUES ('b', '1')",
            params![],
        )
        .map_err(|_| Refused)?;
        Err(Refused)
    });
    assert!(result.is_err());
    assert_eq!(count(store, "SELECT count(*) FROM client_settings"), 1);
}

fn a_panic_inside_a_transaction_rolls_back_and_the_store_stays_usable(db: &TestDb) {
    let store = &db.store;
    let s = store.clone();
    let panicked = std::thread::spawn(move || {
        let _: Result<(), StoreError> = s.transaction(|tx| {
            tx.execute(
                "INSERT INTO client_settings (key, value) VALUES ('p', '1')",
                params![],
            )?;
            panic!("bug in a closure");
        });
    })
    .join();
    assert!(panicked.is_err());
    assert_eq!(count(store, "SELECT count(*) FROM client_settings"), 1);
}

#[cfg(unix)]
#[test]
fn database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp();
    let path = dir.path().join("site.db");
    let store = Store::open(&path).expect("open");
    store
        .transaction(|tx| {
            tx.execute(
                "INSERT INTO client_settings (key, value) VALUES ('x', 'y')",
                params![],
            )?;
            Ok::<_, StoreError>(())
        })
        .expect("write");
    for name in ["site.db", "site.db-wal", "site.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .expect(name)
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
}

fn concurrent_calls_from_threads(db: &TestDb) {
    let store = &db.store;
    let handles: Vec<_> = (0..8)
        .map(|task| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..20 {
                    store
                        .transaction(move |tx| {
                            tx.execute(
                                "INSERT INTO status_messages (message_id, severity, component, text, time) VALUES (9451, 'info', ?1, ?2, 0)",
                                params![COMPONENT, format!("{task}-{i}")],
                            )?;
                            Ok::<_, StoreError>(())
                        })
                        .expect("insert");
                    let _: i64 = store
                        .with(|c| {
                            c.query_row("SELECT count(*) FROM status_messages", params![], |r| {
                                r.get(0)
                            })
                        })
                        .expect("read");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(count(store, "SELECT count(*) FROM status_messages"), 160);
    // Ids increase: clients page status messages by them.
    let ids: Vec<i64> = store
        .with(|c| {
            let mut stmt = c.prepare("SELECT id FROM status_messages ORDER BY id")?;
            stmt.query_map(params![], |r| r.get(0))?.collect()
        })
        .expect("ids");
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_from_async_tasks() {
    let db = TestDb::sqlite();
    let store = db.store.clone();
    let mut handles = Vec::new();
    for task in 0..8 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..20 {
                store
                    .call_transaction(move |tx| {
                        tx.execute(
                            "INSERT INTO status_messages (message_id, severity, component, text, time) VALUES (9451, 'info', ?1, ?2, 0)",
                            params![COMPONENT, format!("{task}-{i}")],
                        )?;
                        Ok::<_, StoreError>(())
                    })
                    .await
                    .expect("insert");
            }
        }));
    }
    for h in handles {
        h.await.expect("task");
    }
    assert_eq!(count(&store, "SELECT count(*) FROM status_messages"), 160);
}

fn schema_rules_hold(db: &TestDb) {
    let store = &db.store;
    insert_service(store, "a", "cdp1.contoso.com", "AA", false).expect("first");
    assert!(
        insert_service(store, "b", "CDP1.contoso.com", "BB", false).is_err(),
        "FQDN is unique, case-insensitively"
    );
    assert!(
        insert_service(store, "c", "cdp2.contoso.com", "aa", false).is_err(),
        "a certificate is not shared"
    );
    insert_service(store, "w1", "w1.contoso.com", "WILD", true).expect("wildcard");
    insert_service(store, "w2", "w2.contoso.com", "WILD", true).expect("wildcard shared");
    // A name matches whatever its case.
    assert_eq!(
        count(
            store,
            "SELECT count(*) FROM services WHERE service_fqdn = 'CDP1.CONTOSO.COM'"
        ),
        1
    );

    let next = std::cell::Cell::new(0);
    let alert = |service: Option<&str>| {
        next.set(next.get() + 1);
        let id = format!("alert{}", next.get());
        store.transaction(|tx| {
            tx.execute(
                "INSERT INTO alerts (id, type_id, service_id, name, severity, first_seen, last_seen, occurrences)
                 VALUES (?2, 'proxy', ?1, 'Proxy refused', 1, 1, 1, 1)
                 ON CONFLICT (type_id, ifnull(service_id, '')) DO UPDATE SET occurrences = alerts.occurrences + 1, last_seen = 2",
                params![service, id],
            )?;
            Ok::<_, StoreError>(())
        })
    };
    alert(None).expect("site-wide");
    alert(None).expect("site-wide again");
    alert(Some("a")).expect("per service");
    assert_eq!(count(store, "SELECT count(*) FROM alerts"), 2);
    assert_eq!(
        count(
            store,
            "SELECT occurrences FROM alerts WHERE service_id IS NULL"
        ),
        2
    );

    store
        .transaction(|tx| {
            tx.execute(
                "INSERT INTO trusted_roots (service_id, kind, der, thumbprint) VALUES ('a', 'root', ?1, 'T')",
                params![vec![0u8]],
            )?;
            tx.execute("INSERT INTO connection_points (id, cmg_id, site_system, site_code, created) VALUES ('cp', 'a', 'cm01', 'PS1', 0)", params![])?;
            tx.execute("DELETE FROM services WHERE id = 'a'", params![])?;
            Ok::<_, StoreError>(())
        })
        .expect("cascade");
    for table in [
        "trusted_roots",
        "connection_points",
        "alerts WHERE service_id IS NOT NULL",
    ] {
        assert_eq!(
            count(store, &format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
    let bad_port = store.transaction(|tx| {
        tx.execute(
            "INSERT INTO site_systems (name, proxy_port, updated) VALUES ('cm01', 70000, 0)",
            params![],
        )?;
        Ok::<_, StoreError>(())
    });
    assert!(bad_port.is_err());
}

fn sealed_secrets_live_in_blob_columns(db: &TestDb) {
    let store = &db.store;
    let dir = temp();
    let secrets = SecretBox::load_or_create(dir.path()).expect("key");
    let sealed = secrets
        .seal("proxy_password", b"P@ssw0rd-proxy")
        .expect("seal");
    store
        .transaction(|tx| {
            tx.execute(
                "INSERT INTO site_systems (name, proxy_enabled, proxy_server, proxy_account, proxy_password, updated) VALUES ('cm01', 1, 'proxy', 'svc', ?1, 0)",
                params![sealed],
            )?;
            Ok::<_, StoreError>(())
        })
        .expect("insert");
    let blob: Vec<u8> = store
        .with(|c| {
            c.query_row("SELECT proxy_password FROM site_systems", params![], |r| {
                r.get(0)
            })
        })
        .expect("read");
    assert_eq!(
        secrets
            .open("proxy_password", &blob)
            .expect("open")
            .as_str()
            .expect("utf8"),
        "P@ssw0rd-proxy"
    );
    if store.engine() == Engine::Sqlite {
        assert!(!raw_file_contains(store, b"P@ssw0rd-proxy"));
    }
}

/// What the repository stores comes back the same, and a value the code does not know is an
/// error naming it on either engine.
fn values_round_trip_and_unknown_values_are_errors(db: &TestDb) {
    use cloudsite::domain::task::TaskKind;
    let store = &db.store;
    let (big, text, none): (i64, String, Option<String>) = store
        .with(|c| {
            c.query_row(
                "SELECT CAST(?1 AS BIGINT), ?2, CAST(NULL AS TEXT)",
                params![i64::MAX, "Zoë ✓"],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .expect("round trip");
    assert_eq!((big, text.as_str(), none), (i64::MAX, "Zoë ✓", None));
    let kind = store.with(|c| {
        c.query_row("SELECT CAST(42 AS BIGINT)", params![], |r| {
            r.get::<_, TaskKind>(0)
        })
    });
    let e = kind.expect_err("an unknown task kind").to_string();
    assert!(e.contains("unknown task kind 42"), "{e}");
    // A number beyond 64 bits is refused as a parameter rather than stored wrong.
    let too_big = store.with(|c| c.execute("SELECT ?1", params![u64::MAX]));
    assert!(too_big.is_err());
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
fn cmtrace_line_matches_configmgr() {
    let at = time::macros::datetime!(2024-03-14 04:32:18.571 UTC);
    let line = cmtrace::format_line(
        at,
        COMPONENT,
        Level::Info,
        5140,
        "Waiting for check if container exists. Will check again in 10 seconds",
    );
    assert_eq!(
        line,
        "<![LOG[Waiting for check if container exists. Will check again in 10 seconds]LOG]!><time=\"04:32:18.571+000\" date=\"03-14-2024\" component=\"SMS_CLOUD_SERVICES_MANAGER\" context=\"\" type=\"1\" thread=\"5140\" file=\"\">\r\n"
    );
    let parsed = cmtrace::parse_line(&line).expect("parses");
    assert_eq!(parsed.time, "2024-03-14T04:32:18.571Z");
    assert_eq!(
        (parsed.level, parsed.thread, parsed.component.as_str()),
        (Level::Info, 5140, COMPONENT)
    );
    assert!(parsed.message.starts_with("Waiting for check"));

    // A line written by ConfigMgr on a Pacific-time server (bias +480) reads back in UTC.
    let foreign = "<![LOG[Starting to Deploy Service]LOG]!><time=\"20:15:00.123+480\" date=\"12-31-2023\" component=\"SMS_CLOUD_SERVICES_MANAGER\" context=\"\" type=\"3\" thread=\"7 (0x7)\" file=\"cloudmgr.cpp:42\">";
    let parsed = cmtrace::parse_line(foreign).expect("foreign");
    assert_eq!(parsed.time, "2024-01-01T04:15:00.123Z");
    assert_eq!((parsed.level, parsed.thread), (Level::Error, 7));
    assert_eq!(cmtrace::parse_line("not a log line"), None);
}

#[test]
fn written_lines_read_back() {
    let dir = temp();
    let logs = dir.path().join("logs");
    let writer = LogWriter::new(&logs).expect("writer");
    writer
        .write(
            cmtrace::CLOUD_MGR_LOG,
            COMPONENT,
            Level::Warning,
            "Deployment instance status for service cdp1 is BusyRole",
        )
        .expect("write");
    writer
        .write(
            cmtrace::CLOUD_MGR_LOG,
            COMPONENT,
            Level::Info,
            "first line\r\nsecond line",
        )
        .expect("write");
    writer
        .write(
            cmtrace::CLOUD_MGR_LOG,
            COMPONENT,
            Level::Error,
            "tricky ]LOG]!><time=\"x\"> message",
        )
        .expect("write");
    let lines = cmtrace::read_tail(&logs, cmtrace::CLOUD_MGR_LOG, 10).expect("tail");
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].level, Level::Warning);
    assert_eq!(lines[0].component, COMPONENT);
    assert_eq!(
        lines[1].message, "first line\r\nsecond line",
        "multi-line messages read back whole"
    );
    assert_eq!(
        lines[2].message, "tricky ]LOG]!&gt;<time=\"x\"> message",
        "the terminator is escaped"
    );
    assert_eq!(lines[2].level, Level::Error);
    let two = cmtrace::read_tail(&logs, cmtrace::CLOUD_MGR_LOG, 2).expect("tail");
    assert_eq!(two, lines[1..]);
    let listed = cmtrace::list_logs(&logs).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "CloudMgr.log");
    assert!(
        cmtrace::read_tail(&logs, "Missing.log", 5)
            .expect("missing")
            .is_empty()
    );
}

#[test]
fn logs_rotate_at_the_limit() {
    let dir = temp();
    let writer = LogWriter::new(dir.path())
        .expect("writer")
        .with_max_size(1000);
    let name = cmtrace::cloud_dp_log("GraniteFalls");
    for i in 0..20 {
        writer
            .write(
                &name,
                COMPONENT,
                Level::Info,
                &format!("usage sample {i:02} {}", "x".repeat(60)),
            )
            .expect("write");
    }
    let current = std::fs::metadata(dir.path().join(&name))
        .expect("log")
        .len();
    let rotated = std::fs::metadata(dir.path().join("CloudDP-GraniteFalls.lo_"))
        .expect("lo_")
        .len();
    assert!(
        current <= 1000 && rotated <= 1000 && rotated > 0,
        "{current} {rotated}"
    );
    let tail = cmtrace::read_tail(dir.path(), &name, 100).expect("tail");
    assert!(
        tail.last()
            .expect("last")
            .message
            .starts_with("usage sample 19")
    );
    assert!(
        tail.len() > (current as usize / 200),
        "the .lo_ supplies older lines"
    );
    let ordered: Vec<_> = tail.iter().map(|l| l.message[13..15].to_string()).collect();
    let mut sorted = ordered.clone();
    sorted.sort();
    assert_eq!(ordered, sorted);
}

#[test]
fn secrets_never_reach_the_log() {
    let dir = temp();
    let writer = LogWriter::new(dir.path()).expect("writer");
    writer.register_secret("Pfx-Passw0rd!");
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
    let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    writer
        .write(
            "CloudMgr.log",
            COMPONENT,
            Level::Error,
            &format!(
                "key {pem} cert {cert} password Pfx-Passw0rd! cut -----BEGIN PRIVATE KEY-----\nAAAA"
            ),
        )
        .expect("write");
    let text = std::fs::read_to_string(dir.path().join("CloudMgr.log")).expect("read");
    assert!(
        !text.contains("MIIEowIBAAKCAQEA")
            && !text.contains("Pfx-Passw0rd!")
            && !text.contains("AAAA"),
        "{text}"
    );
    assert!(
        text.contains("key [redacted] cert -----BEGIN CERTIFICATE-----"),
        "{text}"
    );
    assert!(
        text.contains("password [redacted] cut [redacted]]LOG]!>"),
        "{text}"
    );
    assert_eq!(cmtrace::redact("no secrets here"), "no secrets here");
    assert_eq!(
        cmtrace::redact("-----BEGIN EC PRIVATE KEY-----x-----END EC PRIVATE KEY-----!"),
        "[redacted]!"
    );
}

#[test]
fn bad_log_names_are_refused() {
    let dir = temp();
    let writer = LogWriter::new(dir.path()).expect("writer");
    for bad in [
        "../x.log",
        "a/b.log",
        "a\\b.log",
        ".hidden.log",
        "x.txt",
        ".log",
        "",
        "a..b.log",
        "CloudMgr.lo_",
    ] {
        assert!(
            writer.write(bad, COMPONENT, Level::Info, "m").is_err(),
            "{bad:?}"
        );
    }
    for good in [
        "CloudMgr.log",
        "CloudDP-GraniteFalls.log",
        "CMG-GraniteFalls-ProxyService_IN_0-CMGSetup.log",
    ] {
        writer.write(good, COMPONENT, Level::Info, "m").expect(good);
    }
    assert!(cmtrace::read_tail(dir.path(), "../etc/passwd", 1).is_err());
    assert!(cmtrace::read_tail(dir.path(), "CloudMgr.lo_", 1).is_ok());
}

#[test]
fn following_a_log() {
    let dir = temp();
    let writer = LogWriter::new(dir.path())
        .expect("writer")
        .with_max_size(600);
    let path = writer.path("CloudMgr.log").expect("path");
    let (none, offset) = cmtrace::follow_from(&path, 0).expect("missing file");
    assert!(none.is_empty() && offset == 0);
    writer
        .write("CloudMgr.log", COMPONENT, Level::Info, "one")
        .expect("write");
    writer
        .write("CloudMgr.log", COMPONENT, Level::Info, "two")
        .expect("write");
    let (lines, offset) = cmtrace::follow_from(&path, 0).expect("follow");
    assert_eq!(
        lines.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(),
        ["one", "two"]
    );
    let (lines, same) = cmtrace::follow_from(&path, offset).expect("nothing new");
    assert!(lines.is_empty() && same == offset);

    // A record still being written waits for the next poll.
    let partial = cmtrace::format_line(
        time::OffsetDateTime::now_utc(),
        COMPONENT,
        Level::Info,
        1,
        "three",
    );
    append(&path, &partial.as_bytes()[..40]);
    let (lines, after_partial) = cmtrace::follow_from(&path, offset).expect("partial");
    assert!(lines.is_empty() && after_partial == offset);
    append(&path, &partial.as_bytes()[40..]);
    let (lines, offset) = cmtrace::follow_from(&path, offset).expect("completed");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].message, "three");

    // Rotation: the new file is shorter than the old offset, so reading restarts at 0.
    writer
        .write("CloudMgr.log", COMPONENT, Level::Info, &"y".repeat(300))
        .expect("rotate");
    let (lines, _) = cmtrace::follow_from(&path, offset).expect("after rotation");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].message.len(), 300);
    let size = std::fs::metadata(&path).expect("meta").len();
    let (lines, offset) = cmtrace::follow_from(&path, size + 1000).expect("past the end");
    assert_eq!((lines.len(), offset), (1, size));
}

fn append(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("open");
    f.write_all(bytes).expect("append");
}
