//! `cloudsite lab init DIR` (certificates and a subscription to try cloudsite with) and
//! `cloudsite cloud subscription add` (the portal's "upload the management .cer").

use super::output::fail;
use crate::cert::pkcs12_write::{Attrs, PfxSpec, write as write_pfx};
use crate::cloud::local as registry;
use crate::site::service::CLOUD_DIR;
use clap::{Args, Subcommand};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::{Duration, OffsetDateTime};

/// `cloudsite lab …`.
#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Create a lab: root CA, management certificate, a registered subscription, service certificates.
    Init {
        /// Folder to write the lab into.
        dir: PathBuf,
        /// Data dir of the site whose local cloud registers the subscription.
        #[arg(long, value_name = "DIR", env = "CLOUDSITE_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// DNS domain of the lab names.
        #[arg(long, default_value = "lab.contoso.com")]
        domain: String,
    },
}

/// `cloudsite cloud …`: the local cloud's own administration.
#[derive(Debug, Subcommand)]
pub enum CloudCommand {
    /// Subscriptions known to the local cloud.
    #[command(subcommand)]
    Subscription(SubscriptionCommand),
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
        Err(e) => fail(e),
    }
}

#[derive(Serialize)]
struct LabFiles {
    pfx: String,
    cer: String,
}

#[derive(Serialize)]
struct LabServiceCert {
    fqdn: String,
    pfx: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Lab {
    subscription_id: String,
    password: String,
    management: LabFiles,
    root_ca: String,
    service_certs: Vec<LabServiceCert>,
}

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}

fn guid() -> String {
    let h = random_hex(16);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, "cloudsite lab");
    dn
}

fn abs(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn pfx(cert: &[u8], key: &KeyPair, chain: &[Vec<u8>], password: &str, friendly: &str) -> Vec<u8> {
    let mut spec = PfxSpec::modern(password);
    let id = Some(vec![1]);
    spec.key = Some((
        key.serialize_der(),
        Attrs {
            friendly_name: None,
            local_key_id: id.clone(),
        },
    ));
    spec.certs.push((
        cert.to_vec(),
        Attrs {
            friendly_name: Some(friendly.into()),
            local_key_id: id,
        },
    ));
    spec.certs
        .extend(chain.iter().map(|c| (c.clone(), Attrs::default())));
    write_pfx(&spec)
}

/// Runs `lab init`.
pub(super) fn init(cmd: LabCommand) -> ExitCode {
    let LabCommand::Init {
        dir,
        data_dir,
        domain,
    } = cmd;
    match build(&dir, &data_dir, &domain) {
        Ok(lab) => {
            println!("lab written to {}", abs(&dir));
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
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn build(dir: &Path, data_dir: &Option<PathBuf>, domain: &str) -> Result<Lab, String> {
    crate::domain::validate::fqdn("--domain", domain).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let now = OffsetDateTime::now_utc();
    let password = random_hex(8);
    let err = |e: rcgen::Error| e.to_string();

    // The lab's keys are ECDSA P-256: generating RSA keys here would need another crypto
    // backend. `cert inspect` notes this with a `key_not_rsa` warning.
    let alg = &rcgen::PKCS_ECDSA_P256_SHA256;
    let ca_key = KeyPair::generate_for(alg).map_err(err)?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name = name("cloudsite Lab Root CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = now - Duration::days(1);
    ca.not_after = now + Duration::days(3650);
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
    let ca_der = ca_cert.der().to_vec();
    let root_path = dir.join("root-ca.cer");
    write(&root_path, &ca_der)?;
    let issuer = Issuer::from_params(&ca, &ca_key);

    let mgmt_key = KeyPair::generate_for(alg).map_err(err)?;
    let mut mgmt = CertificateParams::default();
    mgmt.distinguished_name = name("cloudsite lab management");
    mgmt.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    mgmt.not_before = now - Duration::days(1);
    mgmt.not_after = now + Duration::days(730);
    let mgmt_cert = mgmt.self_signed(&mgmt_key).map_err(err)?;
    let mgmt_pfx = dir.join("management.pfx");
    let mgmt_cer = dir.join("management.cer");
    write(
        &mgmt_pfx,
        &pfx(
            mgmt_cert.der(),
            &mgmt_key,
            &[],
            &password,
            "cloudsite lab management",
        ),
    )?;
    write(&mgmt_cer, mgmt_cert.der())?;

    let subscription_id = guid();
    registry::register_subscription(
        &cloud_dir(data_dir),
        &subscription_id,
        mgmt_cert.der(),
        Some("cloudsite lab"),
    )
    .map_err(|e| format!("cannot register the subscription with the local cloud: {e}"))?;

    let specs: Vec<(String, &'static str)> = vec![
        (format!("cdp1.{domain}"), "valid"),
        (format!("cdp2.{domain}"), "valid"),
        (format!("cmg1.{domain}"), "valid"),
        (format!("cmg2.{domain}"), "valid"),
        (format!("*.{domain}"), "wildcard"),
        (format!("expired.{domain}"), "expired"),
        (format!("noauth.{domain}"), "no-server-auth"),
    ];
    let mut service_certs = Vec::new();
    for (fqdn, kind) in specs {
        let key = KeyPair::generate_for(alg).map_err(err)?;
        let mut p = CertificateParams::default();
        p.distinguished_name = name(&fqdn);
        p.subject_alt_names = vec![SanType::DnsName(fqdn.clone().try_into().map_err(err)?)];
        p.extended_key_usages = if kind == "no-server-auth" {
            vec![ExtendedKeyUsagePurpose::ClientAuth]
        } else {
            vec![ExtendedKeyUsagePurpose::ServerAuth]
        };
        (p.not_before, p.not_after) = if kind == "expired" {
            (now - Duration::days(400), now - Duration::days(35))
        } else {
            (now - Duration::days(1), now + Duration::days(365))
        };
        let cert = p.signed_by(&key, &issuer).map_err(err)?;
        let file = dir.join(format!("{}.pfx", fqdn.replace('*', "wildcard")));
        write(
            &file,
            &pfx(
                cert.der(),
                &key,
                std::slice::from_ref(&ca_der),
                &password,
                &fqdn,
            ),
        )?;
        service_certs.push(LabServiceCert {
            fqdn,
            pfx: abs(&file),
            kind,
        });
    }
    let lab = Lab {
        subscription_id,
        password,
        management: LabFiles {
            pfx: abs(&mgmt_pfx),
            cer: abs(&mgmt_cer),
        },
        root_ca: abs(&root_path),
        service_certs,
    };
    let text = serde_json::to_vec_pretty(&lab).map_err(|e| e.to_string())?;
    write(&dir.join("lab.json"), &text)?;
    Ok(lab)
}
