//! The management API's own certificates: a CA and a server certificate for `127.0.0.1` and
//! `localhost` it signed, made on first start and kept in `data_dir/tls/` so clients that
//! trust the CA keep working across restarts.

use super::files::write_atomic;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use time::{Duration, OffsetDateTime};

/// The management API's TLS material, PEM.
pub(super) struct ManagementPki {
    /// The CA certificate clients must trust.
    pub ca_pem: String,
    /// The server certificate followed by the CA certificate.
    pub chain_pem: String,
    /// The server's private key (PKCS#8).
    pub key_pem: String,
}

/// Loads the management certificates from `data_dir/tls/`, making them if any is missing.
pub(super) fn load_or_create(data_dir: &Path) -> Result<ManagementPki, String> {
    let dir = data_dir.join("tls");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    if let (Some(ca_pem), Some(chain_pem), Some(key_pem)) =
        (read("ca.pem"), read("server.pem"), read("server.key"))
    {
        let usable = crate::tls::server_config(&chain_pem, &key_pem, None).is_ok()
            && crate::tls::certs_from_pem(&ca_pem).is_ok();
        if usable {
            return Ok(ManagementPki {
                ca_pem,
                chain_pem,
                key_pem,
            });
        }
    }
    let pki = create().map_err(|e| format!("cannot make the management certificates: {e}"))?;
    let write = |name: &str, text: &str| {
        write_atomic(&dir.join(name), text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", dir.join(name).display()))
    };
    // The CA's key is not kept: nothing is signed with it after this.
    write("ca.pem", &pki.ca_pem)?;
    write("server.pem", &pki.chain_pem)?;
    write("server.key", &pki.key_pem)?;
    Ok(pki)
}

fn create() -> Result<ManagementPki, rcgen::Error> {
    let now = OffsetDateTime::now_utc();
    let mut ca = CertificateParams::default();
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::CommonName, "cloudsite local cloud CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = now - Duration::days(1);
    ca.not_after = now + Duration::days(3650);
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::from_params(&ca, &ca_key);

    let mut server = CertificateParams::new(vec!["localhost".to_string()])?;
    server
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    server.distinguished_name = DistinguishedName::new();
    server
        .distinguished_name
        .push(DnType::CommonName, "management.local-cloud");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.not_before = now - Duration::days(1);
    server.not_after = now + Duration::days(3650);
    let server_key = KeyPair::generate()?;
    let server_cert = server.signed_by(&server_key, &issuer)?;
    Ok(ManagementPki {
        ca_pem: ca_cert.pem(),
        chain_pem: format!("{}{}", server_cert.pem(), ca_cert.pem()),
        key_pem: server_key.serialize_pem(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_reused() {
        crate::tls::install_crypto_provider();
        let dir = tempfile::tempdir().expect("tempdir");
        let a = load_or_create(dir.path()).expect("create");
        let b = load_or_create(dir.path()).expect("load");
        assert_eq!(a.ca_pem, b.ca_pem);
        assert_eq!(a.key_pem, b.key_pem);
        assert!(!dir.path().join("tls/ca.key").exists());
    }
}
