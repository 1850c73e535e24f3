//! The lease on PostgreSQL: a session advisory lock, held by one replica's own database
//! session. PostgreSQL releases it the moment that session ends, so a replica killed with
//! SIGKILL (its socket closed by the kernel) frees it at once, and a replica cut off without a
//! FIN frees it when the server's TCP keep-alives give up on the session (set here to about ten
//! seconds). Every replica tries to take it once a second; the one that does counts the lease
//! epoch up and becomes active.

use super::Replica;
use crate::site::db::{Connection, params};
use crate::site::repo::site as site_rows;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// The advisory lock's key: one per database (`cloudsit` in ASCII).
const LOCK_KEY: i64 = 0x636c_6f75_6473_6974;
/// How often a passive replica tries the lock, and an active one checks its session.
const POLL: Duration = Duration::from_secs(1);
/// Server-side keep-alives of the lease session: a replica that vanishes without closing its
/// socket loses the lease after idle + interval × count seconds.
const KEEPALIVES: &str =
    "SET tcp_keepalives_idle = 4; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3";

/// The thread holding (or trying to take) the lease; stopping it ends the session, which
/// releases the lease for another replica at once.
pub(crate) struct Lease {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Lease {
    /// Starts trying to take the lease on the database at `url` for `replica`.
    pub(crate) fn start(url: &str, replica: Arc<Replica>) -> std::io::Result<Lease> {
        let (stop, stopped) = mpsc::channel();
        let url = url.to_string();
        let thread = std::thread::Builder::new()
            .name("cloudsite-lease".into())
            .spawn(move || hold(&url, &replica, &stopped))?;
        Ok(Lease {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Lets go of the lease and waits until the session is closed.
    pub(crate) fn stop(mut self) {
        self.end();
    }

    fn end(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.end();
    }
}

/// Connects a session of its own to `url`, with keep-alives on both ends.
pub(crate) fn connect(url: &str) -> Result<postgres::Client, String> {
    let mut config: postgres::Config = url.parse().map_err(|e| format!("{e}"))?;
    config
        .connect_timeout(Duration::from_secs(5))
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(4));
    config.connect(postgres::NoTls).map_err(|e| e.to_string())
}

fn hold(url: &str, replica: &Replica, stopped: &mpsc::Receiver<()>) {
    let mut session: Option<Connection> = None;
    let mut held = false;
    loop {
        if let Err(e) = try_once(url, replica, &mut session, &mut held) {
            if held {
                tracing::error!(target: "cloudsite::site", "the database lease is lost: {e}");
                replica.deactivate();
                held = false;
            } else {
                tracing::warn!(target: "cloudsite::site", "cannot try the database lease: {e}");
            }
            session = None;
        }
        match stopped.recv_timeout(POLL) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => break,
        }
    }
    if held {
        replica.deactivate();
    }
}

fn try_once(
    url: &str,
    replica: &Replica,
    session: &mut Option<Connection>,
    held: &mut bool,
) -> Result<(), String> {
    let conn = match session {
        Some(conn) => conn,
        None => {
            let client = connect(url)?;
            let conn = Connection::from_postgres(client);
            conn.execute_batch(KEEPALIVES).map_err(|e| e.to_string())?;
            session.insert(conn)
        }
    };
    if *held {
        // Still our session: the lock lives as long as it does.
        conn.query_row("SELECT 1", params![], |r| r.get::<_, i64>(0))
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    let got: i64 = conn
        .query_row(
            "SELECT CASE WHEN pg_try_advisory_lock(?1) THEN 1 ELSE 0 END",
            params![LOCK_KEY],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    if got == 1 {
        let epoch = site_rows::next_lease_epoch(conn).map_err(|e| e.to_string())?;
        *held = true;
        replica.activate(epoch);
    }
    Ok(())
}
