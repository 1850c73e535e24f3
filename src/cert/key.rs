//! Private keys (PKCS#8, PKCS#1, SEC1) and public keys: algorithm, size, and the public
//! material used to find the certificate a private key belongs to.

use super::ber::{Class, Element, Reader, strip_leading_zeros, tag};
use super::oid;

/// Public-key material that identifies a key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicMaterial {
    /// RSA modulus (no leading zeros).
    Rsa(Vec<u8>),
    /// EC public point (as in the certificate's BIT STRING).
    Ec(Vec<u8>),
    /// Raw public key (Ed25519, Ed448, X25519, X448).
    Raw(Vec<u8>),
}

/// Facts about a key: algorithm name, size, curve, and (where known) its public material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// `RSA`, `RSA-PSS`, `EC`, `Ed25519`, `Ed448`, `DSA`, … or the dotted OID.
    pub algorithm: String,
    /// Key size in bits as OpenSSL reports it, when known.
    pub bits: Option<u32>,
    /// Named curve for EC keys, e.g. `P-256`.
    pub curve: Option<String>,
    /// Public material, when the key encoding carries or implies it.
    pub public: Option<PublicMaterial>,
}

fn bit_len(magnitude: &[u8]) -> u32 {
    let m = strip_leading_zeros(magnitude);
    match m.first() {
        None | Some(0) => 0,
        Some(b) => (m.len() as u32 - 1) * 8 + (8 - b.leading_zeros()),
    }
}

/// Curve name and size for a named-curve OID.
pub(crate) fn curve(o: &str) -> Option<(&'static str, u32)> {
    Some(match o {
        "1.2.840.10045.3.1.7" => ("P-256", 256),
        "1.3.132.0.34" => ("P-384", 384),
        "1.3.132.0.35" => ("P-521", 521),
        "1.3.132.0.33" => ("P-224", 224),
        "1.2.840.10045.3.1.1" => ("P-192", 192),
        "1.3.132.0.10" => ("secp256k1", 256),
        "1.3.36.3.3.2.8.1.1.7" => ("brainpoolP256r1", 256),
        "1.3.36.3.3.2.8.1.1.11" => ("brainpoolP384r1", 384),
        "1.3.36.3.3.2.8.1.1.13" => ("brainpoolP512r1", 512),
        _ => return None,
    })
}

fn algorithm_name(o: &str) -> String {
    match o {
        oid::RSA => "RSA",
        oid::RSA_PSS => "RSA-PSS",
        oid::EC_PUBLIC_KEY => "EC",
        oid::DSA => "DSA",
        oid::ED25519 => "Ed25519",
        oid::ED448 => "Ed448",
        oid::X25519 => "X25519",
        oid::X448 => "X448",
        other => return other.to_string(),
    }
    .to_string()
}

/// Bits OpenSSL reports for the fixed-size curves.
fn fixed_bits(o: &str) -> Option<u32> {
    match o {
        oid::ED25519 | oid::X25519 => Some(253),
        oid::ED448 => Some(456),
        oid::X448 => Some(448),
        _ => None,
    }
}

type KResult<T> = Result<T, String>;

fn m(e: super::ber::BerError) -> String {
    e.0
}

/// Reads an AlgorithmIdentifier: (OID, parameters element if any).
fn algorithm<'a>(el: &Element<'a>) -> KResult<(String, Option<Element<'a>>)> {
    let mut r = el.children().map_err(m)?;
    let o = r
        .expect(tag::OID, "algorithm")
        .map_err(m)?
        .oid()
        .map_err(m)?;
    let p = if r.is_empty() {
        None
    } else {
        Some(r.next_element().map_err(m)?)
    };
    Ok((o, p))
}

/// A DSA key: its size is that of the prime `p` in the parameters. The public value is not
/// derivable without big-number arithmetic, so DSA keys pair with certificates by localKeyId.
fn dsa(params: Option<Element<'_>>) -> KeyInfo {
    let p_bits = params
        .and_then(|p| p.children().ok())
        .and_then(|mut pr| pr.next_element().ok())
        .and_then(|p| p.uint_bytes().ok())
        .map(bit_len);
    KeyInfo {
        algorithm: "DSA".into(),
        bits: p_bits,
        curve: None,
        public: None,
    }
}

/// Parses an RSAPrivateKey (PKCS#1).
pub(crate) fn parse_pkcs1(der: &[u8]) -> KResult<KeyInfo> {
    let seq = Reader::new(der)
        .expect(tag::SEQUENCE, "RSAPrivateKey")
        .map_err(m)?;
    let mut r = seq.children().map_err(m)?;
    r.expect(tag::INTEGER, "version").map_err(m)?;
    let n = r
        .expect(tag::INTEGER, "modulus")
        .map_err(m)?
        .uint_bytes()
        .map_err(m)?;
    r.expect(tag::INTEGER, "public exponent").map_err(m)?;
    r.expect(tag::INTEGER, "private exponent").map_err(m)?;
    Ok(KeyInfo {
        algorithm: "RSA".into(),
        bits: Some(bit_len(n)),
        curve: None,
        public: Some(PublicMaterial::Rsa(n.to_vec())),
    })
}

/// Parses an ECPrivateKey (SEC1); `outer_curve` is the curve from a PKCS#8 wrapper.
pub(crate) fn parse_sec1(der: &[u8], outer_curve: Option<String>) -> KResult<KeyInfo> {
    let seq = Reader::new(der)
        .expect(tag::SEQUENCE, "ECPrivateKey")
        .map_err(m)?;
    let mut r = seq.children().map_err(m)?;
    r.expect(tag::INTEGER, "version").map_err(m)?;
    r.expect(tag::OCTET_STRING, "private key").map_err(m)?;
    let mut curve_oid = outer_curve;
    let mut public = None;
    while !r.is_empty() {
        let el = r.next_element().map_err(m)?;
        match (el.class, el.tag) {
            (Class::Context, 0) => {
                if let Ok(o) = el.explicit_inner().and_then(|e| e.oid()) {
                    curve_oid = Some(o);
                }
            }
            (Class::Context, 1) => {
                let bits = el.explicit_inner().map_err(m)?;
                bits.expect(tag::BIT_STRING, "public key").map_err(m)?;
                // Skip the unused-bits octet.
                public = bits
                    .content
                    .get(1..)
                    .map(|p| PublicMaterial::Ec(p.to_vec()));
            }
            _ => {}
        }
    }
    let c = curve_oid.as_deref().and_then(curve);
    Ok(KeyInfo {
        algorithm: "EC".into(),
        bits: c.map(|(_, b)| b),
        curve: c.map(|(n, _)| n.to_string()).or(curve_oid),
        public,
    })
}

/// Parses a PKCS#8 PrivateKeyInfo (also v2 OneAsymmetricKey).
pub(crate) fn parse_pkcs8(der: &[u8]) -> KResult<KeyInfo> {
    let seq = Reader::new(der)
        .expect(tag::SEQUENCE, "PrivateKeyInfo")
        .map_err(m)?;
    let mut r = seq.children().map_err(m)?;
    r.expect(tag::INTEGER, "version").map_err(m)?;
    let alg_el = r
        .expect(tag::SEQUENCE, "private key algorithm")
        .map_err(m)?;
    let (alg, params) = algorithm(&alg_el)?;
    let pk = r
        .expect(tag::OCTET_STRING, "private key")
        .map_err(m)?
        .octets()
        .map_err(m)?;
    let mut v2_public = None;
    while !r.is_empty() {
        let el = r.next_element().map_err(m)?;
        if el.class == Class::Context && el.tag == 1 {
            v2_public = el.content.get(1..).map(|p| p.to_vec());
        }
    }
    match alg.as_str() {
        oid::RSA | oid::RSA_PSS => {
            let mut k = parse_pkcs1(&pk)?;
            k.algorithm = algorithm_name(&alg);
            Ok(k)
        }
        oid::EC_PUBLIC_KEY => {
            let curve_oid = params.and_then(|p| p.oid().ok());
            let mut k = parse_sec1(&pk, curve_oid)?;
            if k.public.is_none() {
                k.public = v2_public.map(PublicMaterial::Ec);
            }
            Ok(k)
        }
        oid::DSA => Ok(dsa(params)),
        other => Ok(KeyInfo {
            algorithm: algorithm_name(other),
            bits: fixed_bits(other),
            curve: None,
            public: v2_public.map(PublicMaterial::Raw),
        }),
    }
}

/// Facts from a certificate's SubjectPublicKeyInfo DER.
pub(crate) fn parse_spki(der: &[u8]) -> KResult<KeyInfo> {
    let seq = Reader::new(der)
        .expect(tag::SEQUENCE, "SubjectPublicKeyInfo")
        .map_err(m)?;
    let mut r = seq.children().map_err(m)?;
    let alg_el = r.expect(tag::SEQUENCE, "algorithm").map_err(m)?;
    let (alg, params) = algorithm(&alg_el)?;
    let bits_el = r.expect(tag::BIT_STRING, "public key").map_err(m)?;
    let key_bytes = bits_el.content.get(1..).unwrap_or_default();
    match alg.as_str() {
        oid::RSA | oid::RSA_PSS => {
            let rsa = Reader::new(key_bytes)
                .expect(tag::SEQUENCE, "RSAPublicKey")
                .map_err(m)?;
            let n = rsa
                .children()
                .map_err(m)?
                .expect(tag::INTEGER, "modulus")
                .map_err(m)?
                .uint_bytes()
                .map_err(m)?;
            Ok(KeyInfo {
                algorithm: algorithm_name(&alg),
                bits: Some(bit_len(n)),
                curve: None,
                public: Some(PublicMaterial::Rsa(n.to_vec())),
            })
        }
        oid::EC_PUBLIC_KEY => {
            let curve_oid = params.and_then(|p| p.oid().ok());
            let c = curve_oid.as_deref().and_then(curve);
            Ok(KeyInfo {
                algorithm: "EC".into(),
                bits: c.map(|(_, b)| b),
                curve: c.map(|(n, _)| n.to_string()).or(curve_oid),
                public: Some(PublicMaterial::Ec(key_bytes.to_vec())),
            })
        }
        oid::DSA => Ok(dsa(params)),
        other => Ok(KeyInfo {
            algorithm: algorithm_name(other),
            bits: fixed_bits(other),
            curve: None,
            public: Some(PublicMaterial::Raw(key_bytes.to_vec())),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length_ignores_leading_zero_octets() {
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_len(&[0x01, 0x00]), 9);
        assert_eq!(bit_len(&[]), 0);
    }
}
