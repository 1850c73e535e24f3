//! Facts about one X.509 certificate, as the inspection contract lists them.

mod facts;
mod lenient;

pub(crate) use facts::{CertFacts, rfc3339};

use super::key::{self, KeyInfo};
use super::oid;
use facts::upper_hex;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::prelude::*;

/// Decodes a directory string of any ASN.1 string type.
fn attr_string(attr: &AttributeTypeAndValue<'_>) -> String {
    if let Ok(s) = attr.as_str() {
        return s.to_string();
    }
    let any = attr.attr_value();
    let data = any.data;
    match any.tag() {
        Tag::BmpString => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        Tag::UniversalString => data
            .chunks(4)
            .filter_map(|c| <[u8; 4]>::try_from(c).ok())
            .map(|c| char::from_u32(u32::from_be_bytes(c)).unwrap_or('\u{fffd}'))
            .collect(),
        // T61/Teletex and others: treat as Latin-1, as OpenSSL prints them.
        _ => data.iter().map(|b| char::from(*b)).collect(),
    }
}

fn first_cn(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name().next().map(attr_string)
}

/// Parses a certificate DER; returns its facts and the number of bytes it spans.
pub(crate) fn parse(der: &[u8]) -> Result<(CertFacts, usize), String> {
    let (rest, cert) = match X509Certificate::from_der(der) {
        Ok(parsed) => parsed,
        Err(e) => {
            // OpenSSL opens certificates x509-parser calls invalid; read what we can instead.
            let used = super::ber::Reader::new(der)
                .next_element()
                .map(|el| el.raw.len());
            return match (lenient::parse(der), used) {
                (Some(facts), Ok(used)) => Ok((facts, used)),
                _ => Err(format!("not a valid X.509 certificate: {e}")),
            };
        }
    };
    let used = der.len() - rest.len();
    let raw = &der[..used];
    let tbs = &cert.tbs_certificate;
    let key = key::parse_spki(tbs.subject_pki.raw).unwrap_or(KeyInfo {
        algorithm: tbs.subject_pki.algorithm.algorithm.to_id_string(),
        bits: None,
        curve: None,
        public: None,
    });
    let dns_names = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|g| match g {
                GeneralName::DNSName(s) => Some(s.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let eku = match cert.extended_key_usage() {
        Ok(Some(e)) => {
            let v = e.value;
            let mut list = Vec::new();
            let known = [
                (v.any, oid::EKU_ANY),
                (v.server_auth, oid::EKU_SERVER_AUTH),
                (v.client_auth, oid::EKU_CLIENT_AUTH),
                (v.code_signing, "1.3.6.1.5.5.7.3.3"),
                (v.email_protection, "1.3.6.1.5.5.7.3.4"),
                (v.time_stamping, "1.3.6.1.5.5.7.3.8"),
                (v.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
            ];
            list.extend(
                known
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, o)| o.to_string()),
            );
            list.extend(v.other.iter().map(|o| o.to_id_string()));
            Some(list)
        }
        _ => None,
    };
    let is_ca = matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
    let serial = upper_hex(super::ber::strip_leading_zeros(cert.raw_serial()));
    let signature_oid = cert.signature_algorithm.algorithm.to_id_string();
    let not_before = tbs.validity.not_before.to_datetime();
    let not_after = tbs.validity.not_after.to_datetime();
    let facts = CertFacts {
        subject_cn: first_cn(cert.subject()),
        issuer_cn: first_cn(cert.issuer()),
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        dns_names,
        sha1_thumbprint: upper_hex(&Sha1::digest(raw)),
        sha256_thumbprint: upper_hex(&Sha256::digest(raw)),
        serial,
        version: cert.version().0 + 1,
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        key_algorithm: key.algorithm.clone(),
        key_bits: key.bits,
        key_curve: key.curve.clone(),
        signature_algorithm: oid::name(&signature_oid),
        eku,
        is_ca,
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        friendly_name: None,
        matches_private_key: false,
        validity: (not_before, not_after),
        key,
        signature_oid,
    };
    Ok((facts, used))
}
