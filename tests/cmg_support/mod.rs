//! The CMG data path's test rig: a site whose cloud places CMG instance ends the test runs
//! ([`instance::TestInstance`], [`cloud::InstanceCloud`]), a Ready CMG, and waits on what the
//! site shows of its connection points, alerts, logs and status messages.
#![allow(dead_code)]

mod cloud;
mod e2e;
mod edge;
mod instance;
mod tunnel;

pub use cloud::InstanceCloud;
#[allow(unused_imports)]
pub use e2e::*;
pub use edge::Edge;
pub use instance::{Pem, TestInstance};
#[allow(unused_imports)]
pub use tunnel::SniffTunnel;

use crate::site_support::*;
use cloudsite::api::wire::{
    AddConnectionPoint, AlertView, ConnectionPointView, CreatePackage, NewPackageFile,
    PackageChanged, ServiceView, StatusMessageView,
};
use cloudsite::domain::alert::{AlertState, AlertType};
use cloudsite::domain::cmg::ChannelState;
use cloudsite::domain::content::ContentType;
use cloudsite::site::monitor::MonitorOptions;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The CMG every rig has.
pub const CMG: &str = "cmg1.lab.contoso.com";

/// A site whose cloud places test instances, with a Ready CMG and what its instances need.
pub struct Rig {
    pub site: Site,
    pub cloud: Arc<InstanceCloud>,
    pub cmg: ServiceView,
    /// The CMG's service certificate.
    pub service: Pem,
    /// The site's connection point CA, as the CMG's deploy spec carries it.
    pub ca: String,
}

/// A site with a Ready CMG (with a trusted root) whose cloud places test instances.
pub async fn rig() -> Rig {
    let slot = Arc::new(OnceLock::new());
    let site = Site::start_with(SiteConfig {
        monitor: MonitorOptions {
            gateway_interval: Duration::from_millis(200),
            ..Default::default()
        },
        provider: Some(InstanceCloud::hook(Arc::clone(&slot))),
        ..Default::default()
    })
    .await;
    let cloud = slot.get().cloned().expect("the site made its provider");
    let mut req = site.lab.cmg(CMG);
    req.trusted_roots = vec![site.lab.root_upload()];
    let cmg = site.create_cmg_ready(&req).await;
    // The deploy carried what the instances need: the site's CA, the trusted root, the CRL
    // setting.
    let spec = cloud
        .gateway_spec(&cmg.name)
        .expect("a CMG's deploy spec carries its gateway");
    assert!(spec.connection_point_ca_pem.contains("BEGIN CERTIFICATE"));
    assert_eq!(spec.client_roots_der.len(), 1, "the trusted root");
    assert!(
        spec.check_crl,
        "Verify Client Certificate Revocation is on by default"
    );
    let service = Pem::from_pfx(&site.lab.cert(CMG).pfx, &site.lab.password);
    Rig {
        ca: spec.connection_point_ca_pem,
        site,
        cloud,
        cmg,
        service,
    }
}

impl Rig {
    /// Starts an instance end for the CMG's first instance and places it behind the CMG.
    pub async fn instance(&self, service: &Pem, tcp_tls: bool) -> Arc<TestInstance> {
        let inst = TestInstance::start(
            &self.cmg.instances[0].id,
            CMG,
            service,
            &self.ca,
            None,
            None,
            tcp_tls,
        )
        .await;
        self.cloud.place(&self.cmg.name, vec![Arc::clone(&inst)]);
        inst
    }

    /// Adds a connection point for the CMG.
    pub async fn add_point(&self, site_system: &str, external: bool) -> ConnectionPointView {
        add_point(&self.site, &self.cmg.id, site_system, external).await
    }

    /// Polls the connection point every 20 ms until `done` holds; answers it and how long it
    /// took.
    pub async fn wait_point(
        &self,
        id: &str,
        limit: Duration,
        what: &str,
        done: impl Fn(&ConnectionPointView) -> bool,
    ) -> (ConnectionPointView, Duration) {
        wait_point(&self.site, id, limit, what, done).await
    }

    /// The no-channel alert of the CMG, if raised once.
    pub async fn alert(&self) -> Option<AlertView> {
        self.site
            .admin
            .alerts()
            .await
            .expect("alerts")
            .into_iter()
            .find(|a| {
                a.type_id == AlertType::NoConnectionPointChannel
                    && a.service_id.as_deref() == Some(self.cmg.id.as_str())
            })
    }

    /// Waits until the no-channel alert is in `want`.
    pub async fn wait_alert(&self, want: AlertState) -> AlertView {
        let start = Instant::now();
        loop {
            if let Some(a) = self.alert().await
                && a.state == want
            {
                return a;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the no-channel alert did not become {want:?}: {:?}",
                self.alert().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether a line of `file` holds `needle` (waiting up to 5 s for it).
    pub async fn log_has(&self, file: &str, needle: &str) -> bool {
        let start = Instant::now();
        loop {
            let lines = self
                .site
                .admin
                .log(file, Some(2000))
                .await
                .unwrap_or_default();
            if lines.iter().any(|l| l.message.contains(needle)) {
                return true;
            }
            if start.elapsed() > Duration::from_secs(5) {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The status messages with id `id`.
    pub async fn messages(&self, id: u32) -> Vec<StatusMessageView> {
        self.site
            .admin
            .status_messages(None, Some(1000))
            .await
            .expect("status messages")
            .into_iter()
            .filter(|m| m.message_id == id)
            .collect()
    }
}

/// Adds a connection point for the CMG `cmg_id` on `site_system`.
pub async fn add_point(
    site: &Site,
    cmg_id: &str,
    site_system: &str,
    external: bool,
) -> ConnectionPointView {
    let req = AddConnectionPoint {
        site_system: site_system.into(),
        external,
    };
    site.admin
        .add_connection_point(cmg_id, &req)
        .await
        .expect("add a connection point")
}

/// Polls connection point `id` every 20 ms until `done` holds; answers it and how long it
/// took.
pub async fn wait_point(
    site: &Site,
    id: &str,
    limit: Duration,
    what: &str,
    done: impl Fn(&ConnectionPointView) -> bool,
) -> (ConnectionPointView, Duration) {
    let start = Instant::now();
    loop {
        let all = site
            .admin
            .connection_points(None)
            .await
            .expect("connection points");
        let cp = all
            .into_iter()
            .find(|c| c.id == id)
            .expect("the connection point");
        if done(&cp) {
            return (cp, start.elapsed());
        }
        assert!(
            start.elapsed() < limit,
            "{what}: not within {limit:?}: {cp:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts a proxy (basic credentials `CONTOSO\\svc`) and sets it on the site server's Proxy
/// tab.
pub async fn site_proxy(site: &Site) -> crate::local_cloud_support::TestProxy {
    let proxy = crate::local_cloud_support::start_proxy(Some(("CONTOSO\\svc", "Pr0xy!Pass"))).await;
    let port: i64 = proxy
        .url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    site.admin
        .set_proxy(
            SERVER_NAME,
            &cloudsite::api::wire::SetProxy {
                enabled: true,
                server: Some("127.0.0.1".into()),
                port: Some(port),
                account: Some("CONTOSO\\svc".into()),
                password: Some("Pr0xy!Pass".into()),
            },
        )
        .await
        .expect("proxy tab");
    proxy
}

/// The connection point is Connected.
pub fn connected(cp: &ConnectionPointView) -> bool {
    cp.state == ChannelState::Connected
}

/// The lab's client authentication certificate of `kind` (`valid`, `revoked`, `untrusted`).
pub fn lab_client_pfx(site: &Site, kind: &str) -> std::path::PathBuf {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.lab.dir.join("lab.json")).expect("lab.json"))
            .expect("json");
    let pfx = json["client_certs"]
        .as_array()
        .expect("client certs")
        .iter()
        .find(|c| c["kind"] == kind)
        .and_then(|c| c["pfx"].as_str())
        .unwrap_or_else(|| panic!("a {kind} client certificate"))
        .to_string();
    pfx.into()
}

/// The lab's valid client authentication certificate (DER), as a CMG passes it on.
pub fn client_certificate(site: &Site) -> Vec<u8> {
    Pem::from_pfx(&lab_client_pfx(site, "valid"), &site.lab.password).leaf_der()
}

/// A software update package, uploaded (so the catalog lists it).
pub async fn update_package(site: &Site) -> String {
    let made: PackageChanged = site
        .admin
        .create_package(&CreatePackage {
            name: "Contoso Reader 2.1 update".into(),
            content_type: ContentType::ThirdPartyUpdate,
            files: vec![NewPackageFile {
                name: "update.msp".into(),
                size: 5,
            }],
        })
        .await
        .expect("a package");
    let file = site.tmp.path().join("update.msp");
    std::fs::write(&file, b"patch").expect("file");
    let id = made.package.id.clone();
    site.admin
        .upload_file(&id, "update.msp", &file, None)
        .await
        .expect("upload");
    id
}
