//! `cloudsite cloud serve`: the local cloud as a process of its own, for replicas of a site
//! that must all drive one cloud (`cloudsite serve --cloud-url … --cloud-ca …`).

use super::output::{CliError, Failure, fail};
use crate::cloud::local::{LocalCloud, LocalCloudConfig};
use crate::site::service::{CLOUD_DIR, write_private};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// File in the cloud's folder holding its management API's URL.
pub(super) const CLOUD_URL_FILE: &str = "management.url";
/// File in the cloud's folder holding the CA certificate (PEM) its management API chains to.
pub(super) const CLOUD_CA_FILE: &str = "management-ca.pem";

/// Options of `cloudsite cloud serve`.
#[derive(Debug, Args)]
pub struct CloudServeArgs {
    /// Data dir; the cloud keeps its deployments, keys and content in its `cloud` folder (where
    /// `lab init --data-dir` and `cloud subscription add --data-dir` register subscriptions).
    #[arg(long, value_name = "DIR", env = "CLOUDSITE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address of the management API (its certificate names 127.0.0.1).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Config file; its `[cloud]` section sets provisioning time, faults and storage.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Runs the local cloud until SIGINT or SIGTERM.
pub(super) async fn serve(args: CloudServeArgs, debug: bool) -> ExitCode {
    let config = match super::serve_cmd::load_config(&args.config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    super::logging::init(debug, true, false, config.logging.level);
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| config.apply_paths(&crate::paths::Paths::resolve()).data_dir);
    let dir = data_dir.join(CLOUD_DIR);
    let cl = &config.cloud;
    let cfg = LocalCloudConfig {
        data_dir: dir.clone(),
        listen: args.listen,
        provisioning_delay: std::time::Duration::from_millis(cl.provisioning_delay_ms),
        faults: super::serve_cmd::faults(cl),
        storage: super::serve_cmd::storage_config(&cl.storage),
    };
    let cloud = match LocalCloud::start(cfg).await {
        Ok(c) => c,
        Err(e) => return fail(CliError::new(Failure::Internal, e.to_string())),
    };
    let (url_file, ca_file) = (dir.join(CLOUD_URL_FILE), dir.join(CLOUD_CA_FILE));
    let written = write_private(&url_file, cloud.management_url().as_bytes())
        .and_then(|()| write_private(&ca_file, cloud.ca_pem().as_bytes()));
    if let Err(e) = written {
        cloud.shutdown().await;
        return fail(format!("cannot write {}: {e}", dir.display()));
    }
    println!("local cloud management API on {}", cloud.management_url());
    println!(
        "for each replica: cloudsite serve --cloud-url {} --cloud-ca {}",
        cloud.management_url(),
        ca_file.display()
    );
    super::serve_cmd::until_terminated().await;
    cloud.shutdown().await;
    let _ = std::fs::remove_file(&url_file);
    ExitCode::SUCCESS
}
