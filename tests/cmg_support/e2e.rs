//! The whole CMG data path with nothing standing in: a site whose embedded local cloud runs
//! the CMG's real instances, its connection points (run by the site, or by a separate
//! `cloudsite connection-point run` process), the lab's CRL published by `cloudsite lab
//! serve`, and clients that reach the management point through the CMG as `client fetch
//! --via-cmg` does.

use super::{CMG, Edge, InstanceCloud, add_point, connected, lab_client_pfx, wait_point};
use crate::site_support::*;
use cloudsite::api::client::Client;
use cloudsite::api::wire::{ConnectionPointView, GatewayView, ServiceView};
use cloudsite::client::{ClientIdentity, CmgRoute, through_cmg};
use cloudsite::domain::service::HostedKind;
use cloudsite::site::monitor::MonitorOptions;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// A site with a Ready CMG (`cmg1`) served by the local cloud's own instances.
pub struct E2e {
    pub site: Site,
    /// The CMG as it was last read.
    pub cmg: ServiceView,
}

impl E2e {
    /// A site (gateway sampled every 200 ms) with a Ready CMG; with `trusted_root` the CMG
    /// trusts the lab root, so clients need a certificate from it (and revocation is checked).
    pub async fn start(trusted_root: bool) -> E2e {
        E2e::start_on(trusted_root, SiteConfig::default()).await
    }

    /// [`E2e::start`] with tunnels in front of the CMG's instances (see [`Edge`]) and usage
    /// collected every 200 ms.
    pub async fn start_behind_edge(trusted_root: bool) -> (E2e, Arc<Edge>) {
        let slot = Arc::new(OnceLock::new());
        let config = SiteConfig {
            provider: Some(InstanceCloud::hook(Arc::clone(&slot))),
            monitor: MonitorOptions {
                usage_interval: Duration::from_millis(200),
                ..Default::default()
            },
            ..Default::default()
        };
        let edge = Arc::new(OnceLock::new());
        let (site_slot, edge_slot) = (Arc::clone(&slot), Arc::clone(&edge));
        let e = E2e::start_on_with(trusted_root, config, move || {
            let cloud: &Arc<InstanceCloud> = site_slot.get().expect("the site made its provider");
            let _ = edge_slot.set(cloud.edge());
        })
        .await;
        let edge = edge.get().cloned().expect("the edge");
        (e, edge)
    }

    async fn start_on(trusted_root: bool, config: SiteConfig) -> E2e {
        E2e::start_on_with(trusted_root, config, || {}).await
    }

    /// Starts the site with `config` (gateway sampled every 200 ms), runs `before_cmg`, then
    /// creates the CMG.
    async fn start_on_with(
        trusted_root: bool,
        mut config: SiteConfig,
        before_cmg: impl FnOnce(),
    ) -> E2e {
        config.monitor.gateway_interval = Duration::from_millis(200);
        let site = Site::start_with(config).await;
        before_cmg();
        let mut req = site.lab.cmg(CMG);
        if trusted_root {
            req.trusted_roots = vec![site.lab.root_upload()];
        }
        let cmg = site.create_cmg_ready(&req).await;
        E2e { site, cmg }
    }

    /// Reads the CMG again (its instances change with the VM count).
    pub async fn refresh(&mut self) {
        self.cmg = self
            .site
            .admin
            .service(HostedKind::Cmg, &self.cmg.id)
            .await
            .expect("the CMG");
    }

    /// The public address of instance `n`.
    pub fn address(&self, n: usize) -> SocketAddr {
        self.cmg.instances[n]
            .address
            .as_deref()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("instance {n} serves: {:?}", self.cmg.instances))
    }

    /// The lab root, DER.
    pub fn roots(&self) -> Vec<Vec<u8>> {
        let bytes = std::fs::read(&self.site.lab.root_ca).expect("the lab root");
        cloudsite::client::root_ders(&bytes).expect("a root")
    }

    /// A client of the management point through instance `n` of the CMG, presenting the lab
    /// client certificate of `kind` (`valid`, `revoked`, `untrusted`) when given.
    pub fn client_via(&self, n: usize, kind: Option<&str>) -> Client {
        let identity = kind.map(|k| {
            let bytes = std::fs::read(lab_client_pfx(&self.site, k)).expect("the .pfx");
            ClientIdentity::open(&bytes, &self.site.lab.password).expect("a client certificate")
        });
        let route = CmgRoute {
            fqdn: self.cmg.service_fqdn.clone(),
            addresses: vec![self.address(n)],
        };
        through_cmg(&route, &self.roots(), identity.as_ref()).expect("a client through the CMG")
    }

    /// [`E2e::client_via`] the first instance.
    pub fn client(&self, kind: Option<&str>) -> Client {
        self.client_via(0, kind)
    }

    /// Adds a connection point for the CMG.
    pub async fn add_point(&self, site_system: &str, external: bool) -> ConnectionPointView {
        add_point(&self.site, &self.cmg.id, site_system, external).await
    }

    /// Adds the site's own connection point and waits until it is Connected.
    pub async fn own_point(&self) -> ConnectionPointView {
        let cp = self.add_point(SERVER_NAME, false).await;
        wait_point(
            &self.site,
            &cp.id,
            Duration::from_secs(20),
            "connected",
            connected,
        )
        .await
        .0
    }

    /// The lab CRL's URL (the one its client certificates name).
    pub fn crl_url(&self) -> String {
        let json: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.site.lab.dir.join("lab.json")).expect("lab.json"),
        )
        .expect("json");
        json["crl"]["url"]
            .as_str()
            .expect("the CRL URL")
            .to_string()
    }

    /// Runs `cloudsite lab serve` (publishing the lab CRL) until the CRL answers; it stops
    /// when the child is dropped.
    pub async fn serve_crl(&self) -> Child {
        let child = Command::new(env!("CARGO_BIN_EXE_cloudsite"))
            .args(["lab", "serve"])
            .arg(&self.site.lab.dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("lab serve");
        let url = self.crl_url();
        let http = reqwest::Client::builder().no_proxy().build().expect("http");
        let start = Instant::now();
        loop {
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return child;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "lab serve never published {url}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs connection point `id` as its own process (`cloudsite connection-point run`)
    /// against the site at `site_url`, logging into `dir`; it is killed when dropped.
    pub fn standalone(&self, id: &str, site_url: &str, dir: &std::path::Path) -> Child {
        std::fs::create_dir_all(dir).expect("dir");
        let token: PathBuf = dir.join("token");
        std::fs::write(&token, &self.site.infra_token).expect("token file");
        Command::new(env!("CARGO_BIN_EXE_cloudsite"))
            .args(["--site", site_url, "--token-file"])
            .arg(&token)
            .args(["connection-point", "run", id, "--log-dir"])
            .arg(dir)
            .env_remove("CLOUDSITE_TOKEN")
            .env_remove("CLOUDSITE_DATA_DIR")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("connection-point run")
    }

    /// The CMG's gateway as the site last sampled it (what the console shows).
    pub async fn gateway(&self) -> Option<GatewayView> {
        self.site
            .admin
            .service(HostedKind::Cmg, &self.cmg.id)
            .await
            .expect("the CMG")
            .gateway
    }

    /// Waits (up to `limit`) until the sampled gateway satisfies `done`; answers how long it
    /// took.
    pub async fn wait_gateway(
        &self,
        limit: Duration,
        what: &str,
        done: impl Fn(&GatewayView) -> bool,
    ) -> Duration {
        let start = Instant::now();
        loop {
            let g = self.gateway().await;
            if g.as_ref().is_some_and(&done) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < limit,
                "{what}: not within {limit:?}: {g:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The site's address (`http://127.0.0.1:PORT`) as a socket address.
pub fn site_addr(site: &Site) -> SocketAddr {
    site.url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("the site listens on an address")
}
