//! A throwaway Azurite (the Azure Storage emulator, npm `azurite`) for tests: its Blob service
//! on a free loopback port with its files in a temp folder, killed and removed when dropped.
//!
//! The program comes from `CLOUDSITE_AZURITE` (the `azurite-blob` script) or
//! `.ci/azurite/node_modules/.bin/azurite-blob` (`npm ci --prefix .ci/azurite`), run by `node`.
//! Without it, [`Azurite::start`] prints one line saying the test is skipped and returns `None`.

#![allow(dead_code)]

use cloudsite::cloud::local::{AzureStorage, StorageConfig};
use futures_util::TryStreamExt;
use object_store::ObjectStore;
use object_store::azure::MicrosoftAzureBuilder;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The well-known key of Azurite's development account `devstoreaccount1`.
const DEV_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// A running Azurite Blob service; killed and its folder removed when dropped.
pub struct Azurite {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

fn find_program() -> Option<PathBuf> {
    let path = match std::env::var_os("CLOUDSITE_AZURITE") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(".ci/azurite/node_modules/.bin/azurite-blob"),
    };
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (node && path.is_file()).then_some(path)
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Azurite {
    /// Starts Azurite for `test`, or prints why the test is skipped and returns `None`.
    pub fn start(test: &str) -> Option<Azurite> {
        let Some(program) = find_program() else {
            eprintln!(
                "skipped: {test} needs Azurite (npm ci --prefix .ci/azurite; or set CLOUDSITE_AZURITE to azurite-blob) and node"
            );
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("cloudsite-azurite")
            .tempdir()
            .expect("temp dir for Azurite");
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("azurite.log")).expect("log file");
        let child = Command::new(program)
            .args(["--blobHost", "127.0.0.1", "--blobPort"])
            .arg(port.to_string())
            .arg("--location")
            .arg(dir.path())
            .args(["--disableTelemetry", "--skipApiVersionCheck"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start Azurite");
        let mut azurite = Azurite { child, dir, port };
        azurite.wait_ready();
        Some(azurite)
    }

    fn wait_ready(&mut self) {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Azurite exited ({status}): {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("Azurite never listened on {addr}: {}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("azurite.log")).unwrap_or_default()
    }

    /// The Blob service URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The local cloud's storage setting for blob container `container` here.
    pub fn storage(&self, container: &str) -> StorageConfig {
        StorageConfig::Azure(AzureStorage::azurite(&self.url(), container))
    }

    fn client(&self, container: &str) -> object_store::azure::MicrosoftAzure {
        MicrosoftAzureBuilder::new()
            .with_account("devstoreaccount1")
            .with_access_key(DEV_KEY)
            .with_container_name(container)
            .with_endpoint(format!("{}/devstoreaccount1", self.url()))
            .with_allow_http(true)
            .build()
            .expect("Azurite client")
    }

    /// The bytes of blob `name` in `container`.
    pub async fn read(&self, container: &str, name: &str) -> Vec<u8> {
        use object_store::ObjectStoreExt as _;
        let store = self.client(container);
        let got = store
            .get(&object_store::path::Path::from(name))
            .await
            .expect("read an Azurite blob");
        got.bytes().await.expect("the blob's bytes").to_vec()
    }

    /// Every blob name in `container` under `prefix` (`a/b`), hidden ones included.
    pub async fn names(&self, container: &str, prefix: &str) -> Vec<String> {
        let store = self.client(container);
        let prefix = object_store::path::Path::from(prefix);
        let mut names: Vec<String> = store
            .list(Some(&prefix))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .expect("list Azurite blobs");
        names.sort();
        names
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
