//! A site with a Ready CMG on the embedded local cloud (real instances, real gateway), its own
//! connection point, the lab's client certificates and CRL (`cloudsite lab serve`), the
//! `cloudsite` binary pointed at the site, and the connection analyzer's results.
#![allow(dead_code)]

use crate::site_support::*;
use cloudsite::api::wire::{
    AddConnectionPoint, AnalyzeCmg, AnalyzerEvent, CertUpload, CheckResult, ConnectionPointView,
    ServiceView,
};
use cloudsite::domain::analyzer::{AnalyzerCheck, CheckOutcome};
use cloudsite::domain::cmg::ChannelState;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The CMG every gateway has.
pub const CMG: &str = "cmg1.lab.contoso.com";

/// A site with a Ready CMG.
pub struct Gateway {
    pub site: Site,
    pub cmg: ServiceView,
}

/// A site with a Ready CMG trusting the lab root, checking revocation when `check_crl`.
pub async fn gateway(check_crl: bool) -> Gateway {
    let site = Site::start().await;
    let mut req = site.lab.cmg(CMG);
    req.trusted_roots = vec![site.lab.root_upload()];
    req.check_crl = Some(check_crl);
    let cmg = site.create_cmg_ready(&req).await;
    Gateway { site, cmg }
}

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// Kills it now.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn lab_json(site: &Site) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(site.lab.dir.join("lab.json")).expect("lab.json"))
        .expect("json")
}

impl Gateway {
    /// The lab's client certificate of `kind` (`valid`, `revoked`, `untrusted`).
    pub fn client_pfx(&self, kind: &str) -> PathBuf {
        let json = lab_json(&self.site);
        let path = json["client_certs"]
            .as_array()
            .expect("client certs")
            .iter()
            .find(|c| c["kind"] == kind)
            .and_then(|c| c["pfx"].as_str())
            .unwrap_or_else(|| panic!("no {kind} client certificate"))
            .to_string();
        PathBuf::from(path)
    }

    /// The URL the lab's CRL is published at.
    pub fn crl_url(&self) -> String {
        lab_json(&self.site)["crl"]["url"]
            .as_str()
            .expect("crl url")
            .to_string()
    }

    /// `cloudsite --site URL --token-file FILE` with the infrastructure administrator's token.
    pub fn cli(&self) -> Command {
        let token = self.site.tmp.path().join("infra.token");
        std::fs::write(&token, &self.site.infra_token).expect("token file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cloudsite"));
        cmd.args(["--site", &self.site.url, "--token-file"])
            .arg(&token)
            .env_remove("CLOUDSITE_TOKEN")
            .env_remove("CLOUDSITE_DATA_DIR")
            .env("LAB_PASSWORD", &self.site.lab.password);
        cmd
    }

    /// Runs `cloudsite lab serve LABDIR` and waits until the CRL answers.
    pub async fn serve_crl(&self) -> Running {
        let child = Command::new(env!("CARGO_BIN_EXE_cloudsite"))
            .args(["lab", "serve"])
            .arg(&self.site.lab.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("lab serve");
        let running = Running(child);
        let url = self.crl_url();
        let start = Instant::now();
        loop {
            if let Ok(r) = reqwest::get(&url).await
                && r.status().is_success()
            {
                return running;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the CRL at {url} never answered"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Adds a connection point on `site_system`.
    pub async fn add_point(&self, site_system: &str, external: bool) -> ConnectionPointView {
        self.site
            .admin
            .add_connection_point(
                &self.cmg.id,
                &AddConnectionPoint {
                    site_system: site_system.into(),
                    external,
                },
            )
            .await
            .expect("add a connection point")
    }

    /// Waits (up to 20 s) until connection point `id` is in `state`.
    pub async fn wait_point(&self, id: &str, state: ChannelState) -> ConnectionPointView {
        let start = Instant::now();
        loop {
            let cp = self
                .site
                .admin
                .connection_points(None)
                .await
                .expect("connection points")
                .into_iter()
                .find(|c| c.id == id)
                .expect("the connection point");
            if cp.state == state {
                return cp;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "not {state:?}: {cp:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs `cloudsite connection-point run ID` (an external connection point).
    pub fn run_point(&self, id: &str) -> Running {
        let dir = self.site.tmp.path().join(format!("cp-{id}"));
        std::fs::create_dir_all(&dir).expect("dir");
        let child = self
            .cli()
            .args(["connection-point", "run", id, "--log-dir"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("connection-point run");
        Running(child)
    }

    /// The client certificate of `kind` as the API carries it.
    pub fn upload(&self, kind: &str) -> CertUpload {
        self.site.lab.upload(&self.client_pfx(kind))
    }

    /// Runs the analyzer on `cmg` with the client certificate of `kind` (none: without one);
    /// checks that every check is announced before it concludes, in the analyzer's order, and
    /// that `Done` counts the failures.
    pub async fn analyze(&self, cmg: &str, kind: Option<&str>) -> Vec<CheckResult> {
        let req = AnalyzeCmg {
            client_certificate: kind.map(|k| self.upload(k)),
        };
        let mut stream = self
            .site
            .infra
            .analyze_cmg(cmg, &req)
            .await
            .expect("the analyzer starts");
        let mut results: Vec<CheckResult> = Vec::new();
        let mut running: Option<AnalyzerCheck> = None;
        let mut done = None;
        while let Some(event) = stream.next().await {
            match event.expect("an analyzer event") {
                AnalyzerEvent::Running { check, .. } => {
                    assert_eq!(running, None, "one check at a time");
                    assert_eq!(check, AnalyzerCheck::ALL[results.len()], "in order");
                    running = Some(check);
                }
                AnalyzerEvent::Finished { result } => {
                    assert_eq!(running.take(), Some(result.check), "announced first");
                    results.push(result);
                }
                AnalyzerEvent::Done { cmg, failed } => done = Some((cmg, failed)),
            }
        }
        let (name, failed) = done.expect("the analysis says it is done");
        assert_eq!(name, cmg, "Done names the CMG analyzed (by its FQDN here)");
        assert_eq!(results.len(), AnalyzerCheck::ALL.len(), "{results:#?}");
        assert_eq!(
            failed,
            results
                .iter()
                .filter(|r| r.outcome == CheckOutcome::Failed)
                .count()
        );
        results
    }
}

/// The result of `check`.
pub fn of(results: &[CheckResult], check: AnalyzerCheck) -> &CheckResult {
    results
        .iter()
        .find(|r| r.check == check)
        .expect("every check reports")
}

/// Asserts `check` has `outcome` and its detail holds `needle`; answers the result.
pub fn expect<'a>(
    results: &'a [CheckResult],
    check: AnalyzerCheck,
    outcome: CheckOutcome,
    needle: &str,
) -> &'a CheckResult {
    let r = of(results, check);
    assert_eq!(r.outcome, outcome, "{check:?}: {r:#?}");
    assert!(
        r.detail.contains(needle),
        "{check:?} should say {needle:?}: {r:#?}"
    );
    if outcome == CheckOutcome::Failed {
        assert!(r.action.is_some(), "a failure says what to do: {r:#?}");
    }
    r
}

/// Every check passed.
pub fn all_passed(results: &[CheckResult]) {
    for r in results {
        assert_eq!(r.outcome, CheckOutcome::Passed, "{r:#?}");
    }
}
