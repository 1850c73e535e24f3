//! `cloudsite lab init DIR` (certificates and a subscription to try cloudsite with),
//! `cloudsite lab serve DIR` (publishes the lab's CRL) and `cloudsite cloud subscription add`
//! (the portal's "upload the management .cer").

mod certs;
mod crl;

use super::connect::{SiteArgs, connect};
use super::output::{fail, fail_text};
use crate::api::wire::RegisterSubscription;
use crate::cloud::local as registry;
use crate::site::service::CLOUD_DIR;
use certs::{Lab, LabInput, abs};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `cloudsite lab …`.
#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Create a lab: root CA, management certificate, a registered subscription, service
    /// certificates for CDPs and CMGs, client certificates and the CRL that revokes one.
    Init {
        /// Folder to write the lab into.
        dir: PathBuf,
        /// Data dir of the site whose local cloud registers the subscription. Without it,
        /// `--site URL` registers it through that site's API (Full Administrator token).
        #[arg(long, value_name = "DIR", env = "CLOUDSITE_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// DNS domain of the lab names.
        #[arg(long, default_value = "lab.contoso.com")]
        domain: String,
        /// Loopback port the lab's CRL is published on (`lab serve`); default: a free one.
        #[arg(long, value_name = "PORT")]
        crl_port: Option<u16>,
    },
    /// Publish the lab's CRL on loopback (where its client certificates say it is) until
    /// stopped: a CMG that verifies client certificate revocation fetches it there.
    Serve {
        /// The lab folder (`lab init DIR`).
        dir: PathBuf,
    },
}

/// `cloudsite cloud …`: the local cloud's own administration.
#[derive(Debug, Subcommand)]
pub enum CloudCommand {
    /// Subscriptions known to the local cloud.
    #[command(subcommand)]
    Subscription(SubscriptionCommand),
    /// Run the local cloud on its own, for several site replicas to share.
    Serve(super::cloud_cmd::CloudServeArgs),
}

/// `cloudsite cloud subscription …`.
#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Register a management certificate (.cer) for a subscription (creating it if new).
    Add(SubscriptionAdd),
}

/// Arguments of `cloud subscription add`.
#[derive(Debug, Args)]
pub struct SubscriptionAdd {
    /// Subscription ID (GUID).
    pub subscription_id: String,
    /// Management certificate, .cer (DER or PEM).
    #[arg(long, value_name = "FILE")]
    pub cer: PathBuf,
    /// Display name.
    #[arg(long)]
    pub name: Option<String>,
    /// Data dir of the site hosting the local cloud.
    #[arg(long, value_name = "DIR", env = "CLOUDSITE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

fn cloud_dir(data_dir: &Option<PathBuf>) -> PathBuf {
    data_dir
        .clone()
        .unwrap_or_else(|| crate::paths::Paths::resolve().data_dir)
        .join(CLOUD_DIR)
}

fn cer_der(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("--cer {}: {e}", path.display()))?;
    if crate::cert::pem::looks_like_pem(&bytes) {
        let blocks = crate::cert::pem::blocks(&bytes)
            .map_err(|e| format!("--cer {}: {e}", path.display()))?;
        return blocks
            .into_iter()
            .find(|b| b.label.contains("CERTIFICATE"))
            .map(|b| b.der)
            .ok_or_else(|| format!("--cer {}: no certificate in the PEM file", path.display()));
    }
    Ok(bytes)
}

/// Runs `cloud subscription add`.
pub(super) fn subscription_add(args: SubscriptionAdd) -> ExitCode {
    let der = match cer_der(&args.cer) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    match registry::register_subscription(
        &cloud_dir(&args.data_dir),
        &args.subscription_id,
        &der,
        args.name.as_deref(),
    ) {
        Ok(rec) => {
            println!(
                "subscription {} ({}) accepts {} management certificate(s)",
                rec.id,
                rec.name,
                rec.certificates.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail_text(e),
    }
}

/// Where `lab init` registers the lab's subscription.
enum Registrar {
    /// In the local cloud files of this data dir (the default one when `None`).
    DataDir(Option<PathBuf>),
    /// Through the API of this site, whose own local cloud takes it.
    Site(SiteArgs),
}

impl Registrar {
    fn register(&self, id: &str, cer_der: &[u8]) -> Result<(), String> {
        let name = "cloudsite lab";
        match self {
            Registrar::DataDir(data_dir) => {
                registry::register_subscription(&cloud_dir(data_dir), id, cer_der, Some(name))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Registrar::Site(site) => {
                use base64::Engine;
                let req = RegisterSubscription {
                    subscription_id: id.to_string(),
                    management_certificate_base64: base64::engine::general_purpose::STANDARD
                        .encode(cer_der),
                    name: Some(name.into()),
                };
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the async runtime: {e}"))?;
                rt.block_on(async {
                    let conn = connect(site).await.map_err(|e| e.message)?;
                    let answer = conn.client.register_lab_subscription(&req).await;
                    conn.close().await;
                    answer.map(|_| ()).map_err(|e| e.to_string())
                })
            }
        }
    }
}

/// Runs `lab init` or `lab serve`; `site` is the global site choice (`--site URL` registers
/// the lab's subscription through that site when no `--data-dir` is given).
pub(super) fn run(site: &SiteArgs, cmd: LabCommand) -> ExitCode {
    match cmd {
        LabCommand::Init {
            dir,
            data_dir,
            domain,
            crl_port,
        } => {
            let registrar = match (&data_dir, &site.site) {
                (None, Some(_)) => Registrar::Site(site.clone()),
                _ => Registrar::DataDir(data_dir),
            };
            match init(&dir, &registrar, &domain, crl_port) {
                Ok(lab) => {
                    print_hints(&dir, &lab);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        LabCommand::Serve { dir } => {
            let lab = match certs::read(&dir) {
                Ok(l) => l,
                Err(e) => return fail(e),
            };
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return fail(format!("cannot start the async runtime: {e}")),
            };
            match rt.block_on(crl::serve(&lab.crl.url, PathBuf::from(&lab.crl.file))) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
    }
}

/// A loopback port free now, for the CRL URL.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free loopback port for the lab CRL: {e}"))
}

fn init(
    dir: &Path,
    registrar: &Registrar,
    domain: &str,
    crl_port: Option<u16>,
) -> Result<Lab, String> {
    crate::domain::validate::fqdn("--domain", domain).map_err(|e| e.to_string())?;
    let port = match crl_port {
        Some(p) => p,
        None => free_port()?,
    };
    let input = LabInput {
        domain,
        crl_url: format!("http://127.0.0.1:{port}/lab-root.crl"),
        subscription_id: certs::guid()?,
        password: certs::random_hex(8)?,
    };
    let (lab, mgmt_der) = certs::build(dir, &input)?;
    registrar
        .register(&lab.subscription_id, &mgmt_der)
        .map_err(|e| format!("cannot register the subscription with the local cloud: {e}"))?;
    certs::save(dir, &lab)?;
    Ok(lab)
}

fn print_hints(dir: &Path, lab: &Lab) {
    println!("lab written to {}", abs(dir));
    println!(
        "subscription {} registered with the local cloud",
        lab.subscription_id
    );
    println!("certificate password: {} (also in lab.json)", lab.password);
    println!();
    println!("next steps:");
    println!("  export PW={}", lab.password);
    let first = &lab.service_certs[0];
    println!(
        "  cloudsite cdp create --subscription-id {} --management-cert {} --management-cert-password-env PW \\\n      --region WestEurope --service-cert {} --service-cert-password-env PW --wait",
        lab.subscription_id, lab.management.pfx, first.pfx
    );
    println!("  cloudsite cdp list");
    println!(
        "  trust {} on clients to reach the services over HTTPS",
        lab.root_ca
    );
    if let (Some(cmg), Some(client)) = (
        lab.cmg_certs.first(),
        lab.client_certs.iter().find(|c| c.kind == "valid"),
    ) {
        println!();
        println!("to try a cloud management gateway:");
        println!(
            "  cloudsite lab serve {} &    # publishes the CRL the CMG checks client certificates against",
            abs(dir)
        );
        println!(
            "  cloudsite cmg create --subscription-id {} --management-cert {} --management-cert-password-env PW \\\n      --region WestEurope --service-cert {} --service-cert-password-env PW --trusted-root {} --wait",
            lab.subscription_id, lab.management.pfx, cmg.pfx, lab.root_ca
        );
        println!("  cloudsite cmg connection-point add {}", cmg.fqdn);
        println!(
            "  cloudsite client fetch PACKAGE --via-cmg {} --client-cert {} --client-cert-password-env PW --trust {} --out ./out",
            cmg.fqdn, client.pfx, lab.root_ca
        );
        println!(
            "  cloudsite cmg analyze {} --client-cert {} --client-cert-password-env PW",
            cmg.fqdn, client.pfx
        );
        println!(
            "  cloudsite client policy --via-cmg {} --client-cert {} --client-cert-password-env PW --trust {}",
            cmg.fqdn, client.pfx, lab.root_ca
        );
        println!(
            "  cloudsite client notify --via-cmg {} --client-cert {} --client-cert-password-env PW --trust {} --hold &",
            cmg.fqdn, client.pfx, lab.root_ca
        );
        println!("  cloudsite client-notifications send \"evaluate machine policy now\"");
    }
}
