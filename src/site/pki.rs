//! The site's connection point PKI: one CA, made the first time it is needed, and a client
//! authentication certificate per connection point whose CN is the connection point's name.
//! Every CMG instance trusts the CA (it is in the deploy spec) and names a channel's peer by
//! that CN. Keys are ECDSA P-256, made here with rcgen; nothing here touches the database.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use time::{Duration, OffsetDateTime};

/// The CA lives long: renewing it means redeploying every CMG.
const CA_DAYS: i64 = 20 * 365;
/// A connection point certificate is renewed by the site when it nears its end, so it may be
/// short-lived.
const CP_DAYS: i64 = 2 * 365;
/// A connection point certificate this close to its end is issued again.
pub(crate) const RENEW_BEFORE_DAYS: i64 = 30;

const ALG: &rcgen::SignatureAlgorithm = &rcgen::PKCS_ECDSA_P256_SHA256;

/// Why a certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PkiError {
    /// rcgen refused (a key that does not load, a parameter out of range).
    #[error("cannot make a connection point certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// The operating system's random source failed.
    #[error("cannot make a certificate serial number: {0}")]
    Random(String),
}

/// A certificate and its private key (PKCS#8 DER: sealed before it is stored).
pub(crate) struct Issued {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// Its key, PKCS#8 DER.
    pub key_der: Vec<u8>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued").finish_non_exhaustive()
    }
}

/// The CA's subject for a site.
pub(crate) fn ca_subject(site_code: &str) -> String {
    format!("cloudsite {site_code} CMG connection point CA")
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

fn serial() -> Result<SerialNumber, PkiError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| PkiError::Random(e.to_string()))?;
    // Positive and 16 bytes long, as RFC 5280 wants.
    b[0] = (b[0] & 0x7f) | 0x01;
    Ok(SerialNumber::from_slice(&b))
}

/// The CA's parameters. Issuing rebuilds them from the stored subject, so the issuer name of
/// every certificate matches the CA certificate's subject byte for byte.
fn ca_params(subject: &str, now: OffsetDateTime) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = name(subject);
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = now - Duration::days(1);
    p.not_after = now + Duration::days(CA_DAYS);
    p
}

/// Makes the site's connection point CA.
pub(crate) fn new_ca(subject: &str, now: OffsetDateTime) -> Result<Issued, PkiError> {
    let key = KeyPair::generate_for(ALG)?;
    let mut params = ca_params(subject, now);
    params.serial_number = Some(serial()?);
    let cert = params.self_signed(&key)?;
    Ok(Issued {
        cert_pem: cert.pem(),
        key_der: key.serialize_der(),
    })
}

/// Issues connection point `cp_name` a client authentication certificate from the CA
/// (`ca_subject`, its key as PKCS#8 DER).
pub(crate) fn issue(
    ca_subject: &str,
    ca_key_der: &[u8],
    cp_name: &str,
    now: OffsetDateTime,
) -> Result<Issued, PkiError> {
    let ca_key = KeyPair::try_from(ca_key_der)?;
    let ca = ca_params(ca_subject, now);
    let issuer = Issuer::from_params(&ca, &ca_key);
    let key = KeyPair::generate_for(ALG)?;
    let mut p = CertificateParams::default();
    p.distinguished_name = name(cp_name);
    p.serial_number = Some(serial()?);
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    p.not_before = now - Duration::hours(1);
    p.not_after = now + Duration::days(CP_DAYS);
    let cert = p.signed_by(&key, &issuer)?;
    Ok(Issued {
        cert_pem: cert.pem(),
        key_der: key.serialize_der(),
    })
}

/// Whether a stored connection point certificate must be issued again: it does not read, was
/// not issued by the current CA, or ends within [`RENEW_BEFORE_DAYS`].
pub(crate) fn needs_reissue(cert_pem: &str, ca_subject: &str, now: OffsetDateTime) -> bool {
    let Ok(certs) = crate::tls::certs_from_pem(cert_pem) else {
        return true;
    };
    let Some(Ok((facts, _))) = certs.first().map(|c| crate::cert::x509::parse(c.as_ref())) else {
        return true;
    };
    facts.issuer_cn.as_deref() != Some(ca_subject)
        || facts.validity.1 < now + Duration::days(RENEW_BEFORE_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::RootCertStore;
    use rustls::server::WebPkiClientVerifier;

    #[test]
    fn issued_certificates_chain_to_the_ca_and_carry_the_name() {
        crate::tls::install_crypto_provider();
        let now = OffsetDateTime::now_utc();
        let subject = ca_subject("PS1");
        let ca = new_ca(&subject, now).expect("ca");
        let cp = issue(&subject, &ca.key_der, "cmgcp-ab12", now).expect("issue");
        let der = crate::tls::certs_from_pem(&cp.cert_pem).expect("pem");
        let (facts, _) = crate::cert::x509::parse(der[0].as_ref()).expect("parse");
        assert_eq!(facts.subject_cn.as_deref(), Some("cmgcp-ab12"));
        assert_eq!(facts.issuer_cn.as_deref(), Some(subject.as_str()));
        // What a CMG instance does: verify the client certificate against the CA.
        let mut roots = RootCertStore::empty();
        for c in crate::tls::certs_from_pem(&ca.cert_pem).expect("ca pem") {
            roots.add(c).expect("root");
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(
            std::sync::Arc::new(roots),
            crate::tls::provider(),
        )
        .build()
        .expect("verifier");
        verifier
            .verify_client_cert(&der[0], &[], rustls::pki_types::UnixTime::now())
            .expect("the CA vouches for the connection point");
        assert!(!needs_reissue(&cp.cert_pem, &subject, now));
        assert!(needs_reissue(&cp.cert_pem, "another CA", now));
        assert!(needs_reissue(
            &cp.cert_pem,
            &subject,
            now + Duration::days(CP_DAYS)
        ));
        assert!(needs_reissue("garbage", &subject, now));
    }
}
