//! A real `cloudsite serve` process for end-to-end tests: started on a free loopback port with
//! a temp data dir and config, a lab made with `cloudsite lab init`, and the CLI run against it.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_cloudsite");

/// A `cloudsite serve` process, killed when dropped.
pub struct Serve {
    /// The process.
    pub child: Child,
    /// Its URL.
    pub url: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn write_config(dir: &Path, provisioning_ms: u64) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!("[cloud]\nprovisioning_delay_ms = {provisioning_ms}\npoll_interval_ms = 50\ncontainer_retry_ms = 50\n"),
    )
    .unwrap();
    path
}

pub fn serve(dir: &Path, provisioning_ms: u64) -> Serve {
    let config = write_config(dir, provisioning_ms);
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--server-name",
            "SITESERVER",
            "--data-dir",
        ])
        .arg(dir.join("data"))
        .arg("--config")
        .arg(&config)
        .env_remove("CLOUDSITE_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines.next().expect("serve printed its URL").unwrap();
        if let Some(url) = line.strip_prefix("cloudsite site service listening on ") {
            break url.trim().to_string();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Serve { child, url }
}

pub struct Lab {
    /// The lab folder.
    pub dir: PathBuf,
    /// Its lab.json.
    pub json: Value,
}

impl Lab {
    pub fn pfx(&self, fqdn_prefix: &str) -> String {
        self.json["service_certs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["fqdn"].as_str().unwrap().starts_with(fqdn_prefix))
            .unwrap()["pfx"]
            .as_str()
            .unwrap()
            .to_string()
    }
    pub fn s(&self, key: &str) -> String {
        self.json[key].as_str().unwrap().to_string()
    }

    /// `KIND create` with the lab's subscription, management certificate and the service
    /// certificate named `cert_prefix…` (passwords from `PW`), then `extra`.
    pub fn create_args(&self, kind: &str, cert_prefix: &str, extra: &[&str]) -> Vec<String> {
        let mut a: Vec<String> = [
            kind,
            "create",
            "--subscription-id",
            &self.s("subscription_id"),
            "--management-cert",
            self.json["management"]["pfx"].as_str().unwrap(),
            "--management-cert-password-env",
            "PW",
            "--region",
            "WestEurope",
            "--service-cert",
            &self.pfx(cert_prefix),
            "--service-cert-password-env",
            "PW",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    }
}

/// The arguments as the runners take them.
pub fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

pub fn lab(dir: &Path) -> Lab {
    let lab_dir = dir.join("lab");
    let out = Command::new(BIN)
        .args(["lab", "init"])
        .arg(&lab_dir)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(lab_dir.join("lab.json")).unwrap()).unwrap();
    Lab { dir: lab_dir, json }
}

/// Runs a CLI command against the site; returns (exit ok, stdout, stderr).
pub fn cli(site: &Serve, dir: &Path, lab: &Lab, args: &[&str]) -> (bool, String, String) {
    let token = std::fs::read_to_string(dir.join("data/admin.token")).unwrap();
    let out = Command::new(BIN)
        .arg("--site")
        .arg(&site.url)
        .args(args)
        .env("CLOUDSITE_TOKEN", token.trim())
        .env("PW", lab.s("password"))
        .current_dir(&lab.dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a CLI command against the site; returns the whole output (exit status, stdout, stderr).
pub fn cli_output(site: &Serve, dir: &Path, lab: &Lab, args: &[&str]) -> Output {
    let token = std::fs::read_to_string(dir.join("data/admin.token")).unwrap();
    Command::new(BIN)
        .arg("--site")
        .arg(&site.url)
        .args(args)
        .env("CLOUDSITE_TOKEN", token.trim())
        .env("PW", lab.s("password"))
        .current_dir(&lab.dir)
        .output()
        .unwrap()
}
