//! The lab's public key infrastructure: a root CA, the management certificate, service
//! certificates for CDPs and CMGs (valid and deliberately broken ones), client authentication
//! certificates for trying a CMG (valid, revoked, from an untrusted root) and the CRL that
//! revokes one of them. Everything is written to the lab folder and listed in `lab.json`.

use crate::cert::pkcs12_write::{Attrs, PfxSpec, try_write};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RevocationReason, RevokedCertParams, SanType, SerialNumber,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// A certificate pair as files.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct LabFiles {
    /// The `.pfx` (certificate and key).
    pub(super) pfx: String,
    /// The `.cer` (certificate only).
    pub(super) cer: String,
}

/// A service certificate of the lab.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct LabServiceCert {
    /// The name it is for.
    pub(super) fqdn: String,
    /// The `.pfx`.
    pub(super) pfx: String,
    /// `valid`, `wildcard`, `expired` or `no-server-auth`.
    pub(super) kind: String,
}

/// A CMG service certificate.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct LabCmgCert {
    /// The CMG's service FQDN.
    pub(super) fqdn: String,
    /// The `.pfx`.
    pub(super) pfx: String,
}

/// A client authentication certificate.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct LabClientCert {
    /// `valid` (chains to the lab root), `revoked` (chains to it, listed in its CRL) or
    /// `untrusted` (from another root).
    pub(super) kind: String,
    /// The client name it carries.
    pub(super) subject: String,
    /// The `.pfx`.
    pub(super) pfx: String,
}

/// The lab root's CRL and where it is published (`cloudsite lab serve` publishes it there).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct LabCrl {
    /// The URL client certificates name as their CRL distribution point.
    pub(super) url: String,
    /// The CRL file (DER).
    pub(super) file: String,
}

/// What `lab.json` holds.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Lab {
    /// The subscription registered with the local cloud.
    pub(super) subscription_id: String,
    /// The password of every `.pfx`.
    pub(super) password: String,
    /// The management certificate.
    pub(super) management: LabFiles,
    /// The lab root CA (`.cer`): clients trust it, CMGs take it as a trusted root.
    pub(super) root_ca: String,
    /// Service certificates.
    pub(super) service_certs: Vec<LabServiceCert>,
    /// CMG service certificates.
    pub(super) cmg_certs: Vec<LabCmgCert>,
    /// Client authentication certificates.
    pub(super) client_certs: Vec<LabClientCert>,
    /// The CRL.
    pub(super) crl: LabCrl,
}

/// `n` random bytes as hex; an error when the system's random source fails (a lab with an
/// all-zero password or GUID must never be written).
pub(super) fn random_hex(n: usize) -> Result<String, String> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| format!("the system's random source failed: {e}"))?;
    Ok(hex::encode(b))
}

/// A random version-4 GUID.
pub(super) fn guid() -> Result<String, String> {
    let h = random_hex(16)?;
    Ok(format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    ))
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, "cloudsite lab");
    dn
}

/// `p` as an absolute path, for `lab.json` and the hints.
pub(super) fn abs(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn pfx(
    cert: &[u8],
    key: &KeyPair,
    chain: &[Vec<u8>],
    password: &str,
    friendly: &str,
) -> Result<Vec<u8>, String> {
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
    try_write(&spec).map_err(|e| e.to_string())
}

/// A random positive serial number (16 bytes, top bit clear).
fn serial() -> Result<SerialNumber, String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| format!("the system's random source failed: {e}"))?;
    b[0] &= 0x7f;
    b[0] |= 0x01;
    Ok(SerialNumber::from_slice(&b))
}

/// A CA: its parameters and key (to issue with) and its certificate's DER.
struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: Vec<u8>,
}

impl Ca {
    fn new(cn: &str, now: OffsetDateTime) -> Result<Ca, String> {
        let key = KeyPair::generate_for(ALG).map_err(err)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = name(cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(3650);
        let der = params.self_signed(&key).map_err(err)?.der().to_vec();
        Ok(Ca { params, key, der })
    }

    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}

// The lab's keys are ECDSA P-256: generating RSA keys here would need another crypto
// backend. `cert inspect` notes this with a `key_not_rsa` warning.
const ALG: &rcgen::SignatureAlgorithm = &rcgen::PKCS_ECDSA_P256_SHA256;

fn err(e: rcgen::Error) -> String {
    e.to_string()
}

/// What [`build`] needs besides the folder.
pub(super) struct LabInput<'a> {
    /// DNS domain of the lab names.
    pub(super) domain: &'a str,
    /// Where the CRL will be published (`lab serve` listens there).
    pub(super) crl_url: String,
    /// The subscription to register (a new GUID).
    pub(super) subscription_id: String,
    /// Password of every `.pfx`.
    pub(super) password: String,
}

/// Writes the lab's files into `dir` and returns what `lab.json` lists (the caller registers
/// the subscription and writes `lab.json`). The management certificate's DER is returned too.
pub(super) fn build(dir: &Path, input: &LabInput<'_>) -> Result<(Lab, Vec<u8>), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let now = OffsetDateTime::now_utc();
    let password = &input.password;
    let domain = input.domain;

    let root = Ca::new("cloudsite Lab Root CA", now)?;
    let root_path = dir.join("root-ca.cer");
    write(&root_path, &root.der)?;

    let mgmt_key = KeyPair::generate_for(ALG).map_err(err)?;
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
            password,
            "cloudsite lab management",
        )?,
    )?;
    write(&mgmt_cer, mgmt_cert.der())?;

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
        let key = KeyPair::generate_for(ALG).map_err(err)?;
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
        let cert = p.signed_by(&key, &root.issuer()).map_err(err)?;
        let file = dir.join(format!("{}.pfx", fqdn.replace('*', "wildcard")));
        write(
            &file,
            &pfx(
                cert.der(),
                &key,
                std::slice::from_ref(&root.der),
                password,
                &fqdn,
            )?,
        )?;
        service_certs.push(LabServiceCert {
            fqdn,
            pfx: abs(&file),
            kind: kind.into(),
        });
    }
    let cmg_certs = service_certs
        .iter()
        .filter(|c| c.kind == "valid" && c.fqdn.starts_with("cmg"))
        .map(|c| LabCmgCert {
            fqdn: c.fqdn.clone(),
            pfx: c.pfx.clone(),
        })
        .collect();

    // Client authentication certificates: two from the lab root (one of them revoked), one
    // from a root no CMG of the lab trusts. Each names the lab CRL as its distribution point.
    let untrusted = Ca::new("cloudsite Lab Untrusted Root CA", now)?;
    let mut client_certs = Vec::new();
    let mut revoked_serial = None;
    for (kind, ca) in [
        ("valid", &root),
        ("revoked", &root),
        ("untrusted", &untrusted),
    ] {
        let subject = format!("client-{kind}.{domain}");
        let key = KeyPair::generate_for(ALG).map_err(err)?;
        let mut p = CertificateParams::default();
        p.distinguished_name = name(&subject);
        p.subject_alt_names = vec![SanType::DnsName(subject.clone().try_into().map_err(err)?)];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.not_before = now - Duration::days(1);
        p.not_after = now + Duration::days(365);
        p.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![input.crl_url.clone()],
        }];
        let sn = serial()?;
        p.serial_number = Some(sn.clone());
        if kind == "revoked" {
            revoked_serial = Some(sn);
        }
        let cert = p.signed_by(&key, &ca.issuer()).map_err(err)?;
        let file = dir.join(format!("client-{kind}.pfx"));
        write(
            &file,
            &pfx(
                cert.der(),
                &key,
                std::slice::from_ref(&ca.der),
                password,
                &subject,
            )?,
        )?;
        client_certs.push(LabClientCert {
            kind: kind.into(),
            subject,
            pfx: abs(&file),
        });
    }

    let crl = CertificateRevocationListParams {
        this_update: now - Duration::minutes(5),
        next_update: now + Duration::days(30),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: revoked_serial
            .into_iter()
            .map(|serial_number| RevokedCertParams {
                serial_number,
                revocation_time: now - Duration::minutes(5),
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&root.issuer())
    .map_err(err)?;
    let crl_path = dir.join("lab-root.crl");
    write(&crl_path, crl.der())?;

    let lab = Lab {
        subscription_id: input.subscription_id.clone(),
        password: password.clone(),
        management: LabFiles {
            pfx: abs(&mgmt_pfx),
            cer: abs(&mgmt_cer),
        },
        root_ca: abs(&root_path),
        service_certs,
        cmg_certs,
        client_certs,
        crl: LabCrl {
            url: input.crl_url.clone(),
            file: abs(&crl_path),
        },
    };
    Ok((lab, mgmt_cert.der().to_vec()))
}

/// Reads `lab.json` from a lab folder.
pub(super) fn read(dir: &Path) -> Result<Lab, String> {
    let path: PathBuf = dir.join("lab.json");
    let text = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("{} is not a lab file: {e}", path.display()))
}

/// Writes `lab.json`.
pub(super) fn save(dir: &Path, lab: &Lab) -> Result<(), String> {
    let text = serde_json::to_vec_pretty(lab).map_err(|e| e.to_string())?;
    write(&dir.join("lab.json"), &text)
}
