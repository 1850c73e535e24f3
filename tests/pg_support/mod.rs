//! A throwaway PostgreSQL cluster for tests: `initdb` into a temp folder, `postgres` on a free
//! loopback port (and a socket in that folder), stopped and removed when dropped.
//!
//! The binaries come from `CLOUDSITE_PG_BIN` or Debian's `/usr/lib/postgresql/<version>/bin`.
//! PostgreSQL refuses to run as root, so under root the cluster runs as the unprivileged
//! `postgres` user that Debian's package creates. Without PostgreSQL, [`PgCluster::start`]
//! prints one line saying the test is skipped and returns `None`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A running cluster; stopped (immediately) and deleted when dropped.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    run_as: Option<String>,
}

impl PgCluster {
    /// Starts a cluster for `test`, or prints why it is skipped and returns `None`.
    pub fn start(test: &str) -> Option<PgCluster> {
        let Some(bin) = find_bin() else {
            eprintln!(
                "skipped: {test} needs PostgreSQL (apt-get install postgresql, or set CLOUDSITE_PG_BIN to its bin folder)"
            );
            return None;
        };
        let run_as = is_root().then(|| "postgres".to_string());
        let dir = tempfile::Builder::new()
            .prefix("cloudsite-pg")
            .tempdir()
            .expect("temp dir for PostgreSQL");
        let data = dir.path().join("data");
        if let Some(user) = &run_as {
            chown(dir.path(), user);
        }
        let port = free_port();
        let cluster = PgCluster {
            dir,
            bin,
            port,
            run_as,
        };
        let pwfile = cluster.dir.path().join("pw");
        std::fs::write(&pwfile, "cloudsite\n").unwrap();
        if let Some(user) = &cluster.run_as {
            chown(&pwfile, user);
        }
        cluster.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "cloudsite".as_ref(),
                "--pwfile".as_ref(),
                pwfile.as_os_str(),
                "-A".as_ref(),
                "scram-sha-256".as_ref(),
                "--no-sync".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
            ],
        );
        let log = cluster.dir.path().join("postgres.log");
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            cluster.dir.path().display()
        );
        cluster.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                opts.as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "start".as_ref(),
            ],
        );
        cluster.wait_ready();
        Some(cluster)
    }

    /// The connection URL of the `cloudsite` database owner (database `postgres`).
    pub fn admin_url(&self) -> String {
        format!(
            "postgres://cloudsite:cloudsite@127.0.0.1:{}/postgres",
            self.port
        )
    }

    /// Creates database `name` and returns its URL.
    pub fn database(&self, name: &str) -> String {
        self.run(
            "createdb",
            &[
                "-h".as_ref(),
                "127.0.0.1".as_ref(),
                "-p".as_ref(),
                self.port.to_string().as_ref(),
                "-U".as_ref(),
                "cloudsite".as_ref(),
                name.as_ref(),
            ],
        );
        format!(
            "postgres://cloudsite:cloudsite@127.0.0.1:{}/{name}",
            self.port
        )
    }

    /// The cluster's data folder: everything it holds at rest.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        cmd.env("PGPASSWORD", "cloudsite")
            .env_remove("PGHOST")
            .env_remove("PGPORT")
            .env_remove("PGDATABASE")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, tool: &str, args: &[&std::ffi::OsStr]) {
        let out = self
            .command(tool)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} failed: {}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ok = self
                .command("pg_isready")
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not become ready; log:\n{}",
                std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn find_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CLOUDSITE_PG_BIN") {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").is_file().then_some(dir);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file() && bin.join("postgres").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn chown(path: &Path, user: &str) {
    let status = Command::new("chown")
        .args(["-R", user])
        .arg(path)
        .status()
        .expect("chown");
    assert!(status.success(), "chown {user} {}", path.display());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
