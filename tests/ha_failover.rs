//! A highly available site: two `cloudsite serve` replicas on one PostgreSQL database and one
//! local cloud (`cloudsite cloud serve`). The active replica is killed with SIGKILL during a
//! create; the passive one takes the lease, resumes the task, and the service reaches Ready
//! with one task record and one cloud deployment. A console on the passive replica saw the
//! active replica's changes live.

mod pg_support;
mod serve_support;

use pg_support::PgCluster;
use serde_json::Value;
use serve_support::{BIN, Serve, cli, lab, refs};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The config both replicas and the cloud read: a slow provisioning, so the kill lands
/// while the create is still under way.
fn config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        "[cloud]\nprovisioning_delay_ms = 5000\npoll_interval_ms = 100\ncontainer_retry_ms = 100\n",
    )
    .expect("config");
    path
}

/// Spawns `cloudsite ARGS` and waits for the stdout line starting with `prefix`; answers the
/// child and the rest of that line.
fn spawn_until(args: &[&str], data_dir: &Path, prefix: &str) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("CLOUDSITE_TOKEN")
        .env_remove("CLOUDSITE_DATABASE")
        // Warnings and errors only: the replicas' progress lines would drown the test's.
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(
            std::fs::File::create(data_dir.with_extension("stderr"))
                .map(Stdio::from)
                .unwrap_or(Stdio::inherit()),
        )
        .spawn()
        .expect("spawn cloudsite");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let rest = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("cloudsite {args:?} printed {prefix:?}"))
            .expect("a line");
        if let Some(rest) = line.strip_prefix(prefix) {
            break rest.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, rest)
}

/// A replica of the site in `data_dir`.
fn replica(data_dir: &Path, database: &str, cloud_url: &str, cloud_ca: &Path, dir: &Path) -> Serve {
    let config = config(dir);
    let library = dir.join("library");
    let args = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--server-name",
        "SITESERVER",
        "--database",
        database,
        "--cloud-url",
        cloud_url,
        "--cloud-ca",
        cloud_ca.to_str().expect("a UTF-8 path"),
        "--library-dir",
        library.to_str().expect("a UTF-8 path"),
        "--config",
        config.to_str().expect("a UTF-8 path"),
    ];
    let (child, url) = spawn_until(&args, data_dir, "cloudsite site service listening on ");
    Serve { child, url }
}

async fn get(url: &str, path: &str, token: &str) -> Value {
    let http = reqwest::Client::new();
    let reply = http
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    reply.json().await.expect("a JSON answer")
}

/// Waits (up to `limit`) until `f` of `GET path` holds; answers the last answer.
async fn until(
    url: &str,
    path: &str,
    token: &str,
    limit: Duration,
    f: impl Fn(&Value) -> bool,
) -> Value {
    let start = Instant::now();
    loop {
        let answer = get(url, path, token).await;
        if f(&answer) {
            return answer;
        }
        assert!(
            start.elapsed() < limit,
            "GET {path} did not get there in {limit:?}: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads the event stream of the replica at `url` into `seen` (one `data:` payload each).
fn follow_events(url: &str, token: &str, seen: Arc<Mutex<Vec<String>>>) {
    let (url, token) = (url.to_string(), token.to_string());
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        let Ok(mut reply) = http
            .get(format!("{url}/v1/events"))
            .bearer_auth(&token)
            .send()
            .await
        else {
            return;
        };
        let mut buf = Vec::new();
        while let Ok(Some(chunk)) = reply.chunk().await {
            buf.extend_from_slice(&chunk);
            while let Some(end) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line);
                if let Some(data) = line.strip_prefix("data:") {
                    seen.lock().expect("events").push(data.trim().to_string());
                }
            }
        }
    });
}

/// Two replicas on one database and one cloud: A (DIR/data, active, it created the site) and
/// B (DIR/b, passive, with A's key).
struct Pair {
    dir: tempfile::TempDir,
    database: String,
    token: String,
    a: Serve,
    b: Serve,
    _cloud: Serve,
    _pg: PgCluster,
}

impl Pair {
    /// Starts both, or says why `test` is skipped.
    async fn start(test: &str) -> Option<Pair> {
        let pg = PgCluster::start(test)?;
        cloudsite::tls::install_crypto_provider();
        let database = pg.database("ha");
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        // The shared cloud keeps its folder in DIR/data/cloud, where `lab init` registers the
        // lab's subscription; replica A uses DIR/data as its data dir, replica B DIR/b.
        let data = dir.join("data");
        let cfg = config(dir);
        let (cloud, cloud_url) = spawn_until(
            &["cloud", "serve", "--config", cfg.to_str().expect("path")],
            &data,
            "local cloud management API on ",
        );
        // Killed when dropped, like the replicas, whatever happens.
        let cloud = Serve {
            child: cloud,
            url: cloud_url.clone(),
        };
        let cloud_ca = data.join("cloud/management-ca.pem");
        let a = replica(&data, &database, &cloud_url, &cloud_ca, dir);
        let token = std::fs::read_to_string(data.join("admin.token"))
            .expect("the first replica created the site")
            .trim()
            .to_string();
        let view = until(&a.url, "/v1/site", &token, Duration::from_secs(10), |v| {
            v["replica"] == "active"
        })
        .await;
        assert_eq!(view["database"], "postgres", "{view}");

        // A second replica without the key: refused, naming the file to copy.
        let refused = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &database])
            .args(["--cloud-url", &cloud_url, "--cloud-ca"])
            .arg(&cloud_ca)
            .arg("--config")
            .arg(&cfg)
            .arg("--data-dir")
            .arg(dir.join("stranger"))
            .env_remove("CLOUDSITE_DATABASE")
            .output()
            .expect("run serve");
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(
            !refused.status.success() && said.contains("secret.key"),
            "{said}"
        );

        let b_dir = dir.join("b");
        std::fs::create_dir_all(&b_dir).expect("b");
        std::fs::copy(data.join("secret.key"), b_dir.join("secret.key")).expect("copy the key");
        {
            use std::os::unix::fs::PermissionsExt;
            let private = std::fs::Permissions::from_mode(0o600);
            std::fs::set_permissions(b_dir.join("secret.key"), private).expect("chmod");
        }
        let b = replica(&b_dir, &database, &cloud_url, &cloud_ca, dir);
        let view = get(&b.url, "/v1/site", &token).await;
        assert_eq!(view["replica"], "passive", "{view}");
        Some(Pair {
            dir: tmp,
            database,
            token,
            a,
            b,
            _cloud: cloud,
            _pg: pg,
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_active_replica_during_a_create_hands_the_task_to_the_passive_one() {
    let Some(pair) = Pair::start("ha_failover").await else {
        return;
    };
    let (dir, token, b) = (pair.dir.path(), pair.token.as_str(), &pair.b);
    let data = dir.join("data");

    // A console on the passive replica.
    let seen = Arc::new(Mutex::new(Vec::new()));
    follow_events(&b.url, token, Arc::clone(&seen));
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Created through the passive replica: the active one runs the task.
    let lab = lab(dir);
    let args = lab.create_args("cdp", "cdp1", &["--json"]);
    let (ok, out, err) = cli(b, dir, &lab, &refs(&args));
    assert!(ok, "create: {out} {err}");
    let made: Value = serde_json::from_str(&out).expect("create --json");
    let service = made["service"]["id"]
        .as_str()
        .expect("service id")
        .to_string();
    let task_path = format!("/v1/tasks?service={service}");
    until(&b.url, &task_path, token, Duration::from_secs(20), |v| {
        v[0]["step"] == "deploy" || v[0]["step"] == "wait_ready"
    })
    .await;
    // The passive replica's console heard the active replica's progress.
    let heard = seen.lock().expect("events").clone();
    assert!(
        heard.iter().any(|e| e.contains("\"task\"")
            && e.contains(&service)
            && e.contains("\"in_progress\"")),
        "the passive replica relayed the active one's task events: {heard:?}"
    );

    // SIGKILL the active replica mid-create.
    let mut pair = pair;
    pair.a.child.kill().expect("kill -9");
    let _ = pair.a.child.wait();
    let (token, b) = (pair.token.as_str(), &pair.b);
    let killed = Instant::now();
    until(&b.url, "/v1/site", token, Duration::from_secs(10), |v| {
        v["replica"] == "active"
    })
    .await;
    let failover = killed.elapsed();
    println!("failover: the passive replica became active {failover:?} after SIGKILL");

    let path = format!("/v1/cdps/{service}");
    let ready = until(&b.url, &path, token, Duration::from_secs(60), |v| {
        v["status"] == "Ready" || v["status"] == "Error"
    })
    .await;
    assert_eq!(ready["status"], "Ready", "{ready}");
    let tasks = get(&b.url, &task_path, token).await;
    let tasks = tasks.as_array().cloned().unwrap_or_default();
    assert_eq!(tasks.len(), 1, "one task record: {tasks:?}");
    assert_eq!(tasks[0]["state"], "completed", "{tasks:?}");
    let deployments: Vec<_> = std::fs::read_dir(data.join("cloud/deployments"))
        .expect("the cloud's deployments")
        .flatten()
        .collect();
    assert_eq!(
        deployments.len(),
        1,
        "one cloud deployment: {deployments:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_whose_lease_session_ends_stops_and_the_other_takes_over() {
    let Some(mut pair) = Pair::start("ha_failover (lease lost)").await else {
        return;
    };
    // The database ends the active replica's lease session (a failover of the database, an
    // administrator, a network that cut it): the lock goes with it.
    let url = pair.database.clone();
    let ended = tokio::task::spawn_blocking(move || {
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_locks \
                 WHERE locktype = 'advisory' AND granted",
                &[],
            )
            .expect("end the lease session")
            .len()
    })
    .await
    .expect("database thread");
    assert_eq!(ended, 1, "one session holds the lease");

    // A stops rather than go on as a second manager, and says why.
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = pair.a.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the replica that lost its lease still runs"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // 6: the site itself failed (README, exit codes).
    assert_eq!(status.code(), Some(6), "{status:?}");
    let said = std::fs::read_to_string(pair.dir.path().join("data.stderr")).unwrap_or_default();
    assert!(said.contains("lost the database lease"), "{said}");

    let (b, token) = (&pair.b, pair.token.as_str());
    until(&b.url, "/v1/site", token, Duration::from_secs(10), |v| {
        v["replica"] == "active"
    })
    .await;
}
