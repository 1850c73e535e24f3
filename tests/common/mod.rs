//! Test certificates made at test time: rcgen signs, cloudsite's own writer wraps them in PFX.
#![allow(dead_code)]

use cloudsite::cert::ber::{Reader, write as w};
use cloudsite::cert::pkcs12_write::{self, Attrs, PfxSpec};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, SanType, SubjectPublicKeyInfo,
};
use time::{Duration, OffsetDateTime};

/// Path of a fixture file.
pub fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn key_pem(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("keys/{name}.pem"))).expect("fixture key")
}

/// Which key the subject gets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyKind {
    Rsa1024,
    Rsa2048,
    Rsa4096,
    EcP256,
}

/// What certificate to make.
#[derive(Clone, Debug)]
pub struct Spec {
    pub cn: Option<String>,
    pub dns: Vec<String>,
    pub eku: Option<Vec<ExtendedKeyUsagePurpose>>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub is_ca: bool,
    pub key: KeyKind,
    /// Signed by the test CA (else self-signed; RSA-1024 subjects are always CA-signed).
    pub ca_signed: bool,
}

impl Spec {
    /// A good service certificate for `cn`: server auth, 2048-bit RSA, valid a year, CA-signed.
    pub fn service(cn: &str) -> Spec {
        let now = OffsetDateTime::now_utc();
        Spec {
            cn: Some(cn.to_string()),
            dns: vec![cn.to_string()],
            eku: Some(vec![ExtendedKeyUsagePurpose::ServerAuth]),
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(365),
            is_ca: false,
            key: KeyKind::Rsa2048,
            ca_signed: true,
        }
    }
}

/// A made certificate: its DER and its key as PKCS#8 DER.
pub struct Made {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
}

fn ca_params() -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name
        .push(DnType::CommonName, "cloudsite Test Root CA");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = OffsetDateTime::now_utc() - Duration::days(10);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
    p
}

/// The test root CA (self-signed, RSA 2048).
pub fn root_ca() -> Made {
    let key = KeyPair::from_pem(&key_pem("rsa2048-ca")).expect("CA key");
    let cert = ca_params().self_signed(&key).expect("CA cert");
    Made {
        cert: cert.der().to_vec(),
        key: key.serialize_der(),
    }
}

fn pkcs8_of_pem(pem: &str) -> Vec<u8> {
    cloudsite::cert::pem::blocks(pem.as_bytes()).expect("pem")[0]
        .der
        .clone()
}

/// Makes the certificate `spec` describes.
pub fn make(spec: &Spec) -> Made {
    let mut p = CertificateParams::default();
    p.distinguished_name = DistinguishedName::new();
    if let Some(cn) = &spec.cn {
        p.distinguished_name.push(DnType::CommonName, cn.as_str());
    }
    p.subject_alt_names = spec
        .dns
        .iter()
        .map(|d| SanType::DnsName(d.clone().try_into().expect("dns name")))
        .collect();
    if let Some(eku) = &spec.eku {
        p.extended_key_usages = eku.clone();
    }
    p.not_before = spec.not_before;
    p.not_after = spec.not_after;
    if spec.is_ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    let ca_key = KeyPair::from_pem(&key_pem("rsa2048-ca")).expect("CA key");
    let ca_params = ca_params();
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    match spec.key {
        KeyKind::Rsa1024 => {
            // ring cannot sign with a 1024-bit key, so the subject key only appears as a public key.
            let pem = key_pem("rsa1024");
            let pkcs8 = pkcs8_of_pem(&pem);
            let spki = spki_of_rsa_pkcs8(&pkcs8);
            let public = SubjectPublicKeyInfo::from_der(&spki).expect("spki");
            let cert = p.signed_by(&public, &issuer).expect("sign");
            Made {
                cert: cert.der().to_vec(),
                key: pkcs8,
            }
        }
        kind => {
            let key = match kind {
                KeyKind::Rsa2048 => KeyPair::from_pem(&key_pem("rsa2048")).expect("key"),
                KeyKind::Rsa4096 => KeyPair::from_pem(&key_pem("rsa4096")).expect("key"),
                _ => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("ec key"),
            };
            let cert = if spec.ca_signed {
                p.signed_by(&key, &issuer)
            } else {
                p.self_signed(&key)
            }
            .expect("sign");
            Made {
                cert: cert.der().to_vec(),
                key: key.serialize_der(),
            }
        }
    }
}

/// SubjectPublicKeyInfo DER for an RSA PKCS#8 key.
fn spki_of_rsa_pkcs8(pkcs8: &[u8]) -> Vec<u8> {
    let seq = Reader::new(pkcs8).next_element().unwrap();
    let mut r = seq.children().unwrap();
    r.next_element().unwrap();
    r.next_element().unwrap();
    let pk = r.next_element().unwrap().octets().unwrap().to_vec();
    let rsa = Reader::new(&pk).next_element().unwrap();
    let mut rr = rsa.children().unwrap();
    rr.next_element().unwrap();
    let n = rr.next_element().unwrap().raw.to_vec();
    let e = rr.next_element().unwrap().raw.to_vec();
    let rsa_pub = w::seq(&[&n, &e]);
    let mut bits = vec![0u8];
    bits.extend(rsa_pub);
    let alg = w::seq(&[&w::oid("1.2.840.113549.1.1.1"), &w::null()]);
    w::seq(&[&alg, &w::tlv(0x03, &bits)])
}

/// A PFX (OpenSSL 3 defaults, few iterations so tests stay fast) holding `made` (with matching
/// localKeyId) plus `chain`.
pub fn pfx(made: &Made, chain: &[Vec<u8>], password: &str) -> Vec<u8> {
    pfx_with_iterations(made, chain, password, 64)
}

/// Like [`pfx`] with a chosen iteration count.
pub fn pfx_with_iterations(
    made: &Made,
    chain: &[Vec<u8>],
    password: &str,
    iterations: u32,
) -> Vec<u8> {
    let mut spec = PfxSpec::modern(password);
    spec.iterations = iterations;
    let id = Some(vec![1, 2, 3, 4]);
    spec.key = Some((
        made.key.clone(),
        Attrs {
            friendly_name: None,
            local_key_id: id.clone(),
        },
    ));
    spec.certs.push((
        made.cert.clone(),
        Attrs {
            friendly_name: Some("service".into()),
            local_key_id: id,
        },
    ));
    for c in chain {
        spec.certs.push((c.clone(), Attrs::default()));
    }
    pkcs12_write::write(&spec)
}

/// Replaces the signature algorithm OID (both copies) of an RSA-SHA256-signed certificate
/// with `1.2.840.113549.1.1.<last>`: 2 md2, 4 md5, 5 sha1. The signature no longer verifies,
/// which the inspector does not check.
pub fn with_rsa_signature_oid(der: &[u8], last: u8) -> Vec<u8> {
    let sha256_rsa = w::oid("1.2.840.113549.1.1.11");
    let mut out = der.to_vec();
    let mut i = 0;
    let mut n = 0;
    while i + sha256_rsa.len() <= out.len() {
        if out[i..i + sha256_rsa.len()] == sha256_rsa[..] {
            let at = i + sha256_rsa.len() - 1;
            out[at] = last;
            n += 1;
        }
        i += 1;
    }
    assert_eq!(
        n, 2,
        "expected the OID in the TBS and the outer certificate"
    );
    out
}

/// Rewrites a certificate as X.509 v1: drops the version field and the extensions.
pub fn as_version_1(der: &[u8]) -> Vec<u8> {
    let cert = Reader::new(der).next_element().unwrap();
    let mut cr = cert.children().unwrap();
    let tbs = cr.next_element().unwrap();
    let sig_alg = cr.next_element().unwrap();
    let sig = cr.next_element().unwrap();
    let mut tr = tbs.children().unwrap();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    while !tr.is_empty() {
        let el = tr.next_element().unwrap();
        // [0] version and [3] extensions are context-specific; keep only the universal fields.
        if el.class == cloudsite::cert::ber::Class::Universal {
            parts.push(el.raw.to_vec());
        }
    }
    let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
    let tbs_v1 = w::seq(&refs);
    w::seq(&[&tbs_v1, sig_alg.raw, sig.raw])
}

/// PEM armour.
pub fn pem(label: &str, der: &[u8]) -> String {
    cloudsite::cert::pem::encode(label, der)
}
