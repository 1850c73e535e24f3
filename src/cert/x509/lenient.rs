//! A forgiving certificate reader over the BER reader, used when `x509-parser` refuses a
//! certificate that OpenSSL would still open (BER inside the TBS, odd times, duplicate or
//! broken extensions). It reads the fields the report needs and nothing more.

use super::facts::{CertFacts, rfc3339};
use crate::cert::ber::{Class, Element, Reader, strip_leading_zeros, tag};
use crate::cert::key::{self, KeyInfo};
use crate::cert::oid;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

const CN: &str = "2.5.4.3";

fn short_name(o: &str) -> &str {
    match o {
        CN => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "1.2.840.113549.1.9.1" => "Email",
        "0.9.2342.19200300.100.1.25" => "DC",
        other => other,
    }
}

fn string_value(el: &Element<'_>) -> String {
    crate::cert::pkcs12::decode_string(el)
}

/// (attributes in order, first CN).
fn name(el: &Element<'_>) -> Option<(String, Option<String>)> {
    let mut parts = Vec::new();
    let mut cn = None;
    let mut rdns = el.children().ok()?;
    while !rdns.is_empty() {
        let set = rdns.next_element().ok()?;
        let mut atvs = set.children().ok()?;
        while !atvs.is_empty() {
            let atv = atvs.next_element().ok()?;
            let mut r = atv.children().ok()?;
            let o = r.expect(tag::OID, "attribute type").ok()?.oid().ok()?;
            let v = string_value(&r.next_element().ok()?);
            if o == CN && cn.is_none() {
                cn = Some(v.clone());
            }
            parts.push(format!("{}={}", short_name(&o), v));
        }
    }
    Some((parts.join(", "), cn))
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// UTCTime or GeneralizedTime to a UTC timestamp (seconds optional, `Z` or no zone).
fn asn1_time(el: &Element<'_>) -> Option<OffsetDateTime> {
    let s = el.content;
    let (year, rest) = match el.tag {
        23 => {
            let yy = digits(s.get(..2)?)? as i32;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        24 => (digits(s.get(..4)?)? as i32, s.get(4..)?),
        _ => return None,
    };
    let month = Month::try_from(digits(rest.get(..2)?)? as u8).ok()?;
    let day = digits(rest.get(2..4)?)? as u8;
    let hour = digits(rest.get(4..6)?)? as u8;
    let minute = digits(rest.get(6..8)?)? as u8;
    let second = rest.get(8..10).and_then(digits).unwrap_or(0) as u8;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let t = Time::from_hms(hour, minute, second.min(59)).ok()?;
    Some(PrimitiveDateTime::new(date, t).assume_utc())
}

/// Reads what it can; `None` if even the outline of a certificate is not there.
pub(super) fn parse(der: &[u8]) -> Option<CertFacts> {
    let cert = Reader::new(der).next_element().ok()?;
    let raw = cert.raw;
    let mut cr = cert.children().ok()?;
    let tbs = cr.next_element().ok()?;
    let sig_alg = cr.next_element().ok()?;
    let signature_oid = sig_alg.children().ok()?.next_element().ok()?.oid().ok()?;
    let mut t = tbs.children().ok()?;
    let mut version = 1;
    if let Some(v) = t.next_if(Class::Context, 0).ok()? {
        version = v.explicit_inner().ok()?.uint().ok()? as u32 + 1;
    }
    let serial_el = t.next_element().ok()?;
    let serial = hex::encode_upper(strip_leading_zeros(serial_el.content));
    t.next_element().ok()?; // signature algorithm (inner copy)
    let (issuer, issuer_cn) = name(&t.next_element().ok()?)?;
    let validity = t.next_element().ok()?;
    let mut vr = validity.children().ok()?;
    let not_before = asn1_time(&vr.next_element().ok()?)?;
    let not_after = asn1_time(&vr.next_element().ok()?)?;
    let subject_el = t.next_element().ok()?;
    let (subject, subject_cn) = name(&subject_el)?;
    let spki = t.next_element().ok()?;
    let key = key::parse_spki(spki.raw).unwrap_or(KeyInfo {
        algorithm: "unknown".into(),
        bits: None,
        curve: None,
        public: None,
    });
    let mut dns_names = Vec::new();
    let mut eku = None;
    let mut is_ca = false;
    while !t.is_empty() {
        let el = t.next_element().ok()?;
        if el.class != Class::Context || el.tag != 3 {
            continue;
        }
        let Ok(mut exts) = el.explicit_inner().and_then(|s| s.children()) else {
            continue;
        };
        while let Ok(ext) = exts.next_element() {
            let Ok(mut er) = ext.children() else { continue };
            let Ok(ext_oid) = er.next_element().and_then(|e| e.oid()) else {
                continue;
            };
            let mut value = None;
            while let Ok(e) = er.next_element() {
                if e.tag == tag::OCTET_STRING {
                    value = e.octets().ok().map(|v| v.to_vec());
                }
            }
            let Some(value) = value else { continue };
            let Ok(inner) = Reader::new(&value).next_element() else {
                continue;
            };
            match ext_oid.as_str() {
                "2.5.29.17" => {
                    if let Ok(mut g) = inner.children() {
                        while let Ok(gn) = g.next_element() {
                            if gn.class == Class::Context && gn.tag == 2 {
                                dns_names.push(String::from_utf8_lossy(gn.content).into_owned());
                            }
                        }
                    }
                }
                "2.5.29.37" => {
                    let mut list = Vec::new();
                    if let Ok(mut r) = inner.children() {
                        while let Ok(o) = r.next_element() {
                            if let Ok(s) = o.oid() {
                                list.push(s);
                            }
                        }
                    }
                    eku = Some(list);
                }
                "2.5.29.19" => {
                    is_ca = inner
                        .children()
                        .ok()
                        .and_then(|mut r| r.next_element().ok())
                        .is_some_and(|b| {
                            b.tag == tag::BOOLEAN && b.content.first().is_some_and(|v| *v != 0)
                        });
                }
                _ => {}
            }
        }
    }
    let self_signed = issuer == subject;
    Some(CertFacts {
        subject_cn,
        issuer_cn,
        subject,
        issuer,
        dns_names,
        sha1_thumbprint: hex::encode_upper(Sha1::digest(raw)),
        sha256_thumbprint: hex::encode_upper(Sha256::digest(raw)),
        serial,
        version,
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        key_algorithm: key.algorithm.clone(),
        key_bits: key.bits,
        key_curve: key.curve.clone(),
        signature_algorithm: oid::name(&signature_oid),
        eku,
        is_ca,
        self_signed,
        friendly_name: None,
        matches_private_key: false,
        validity: (not_before, not_after),
        key,
        signature_oid,
    })
    .filter(|_| subject_el.tag == tag::SEQUENCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_without_seconds_and_both_centuries() {
        let utc = [
            0x17u8, 11, b'4', b'9', b'1', b'2', b'3', b'1', b'2', b'3', b'5', b'9', b'Z',
        ];
        let el = Reader::new(&utc).next_element().unwrap();
        assert_eq!(asn1_time(&el).unwrap().year(), 2049);
        let utc = [
            0x17u8, 11, b'5', b'0', b'0', b'1', b'0', b'1', b'0', b'0', b'0', b'0', b'Z',
        ];
        let el = Reader::new(&utc).next_element().unwrap();
        assert_eq!(asn1_time(&el).unwrap().year(), 1950);
    }
}
