//! PKCS#12 (`.pfx`/`.p12`) reading: MAC check, decryption of every bag, certificates and keys.
//!
//! The password is tried the way OpenSSL's `pkcs12` tool tries it: as given, and for an empty
//! password also as the "null" password (no bytes), since Windows and OpenSSL encode an empty
//! password differently. The MAC decides which form is right; a file without a MAC is decided
//! by whether its contents decrypt.

use super::ber::{BerError, Class, Element, Reader, tag};
use super::oid;
use super::pbe::{self, Budget, HashAlg, Password, PasswordForm, PbeError, Scheme};

/// Why a PFX could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Pkcs12Error {
    /// The MAC or the decryption says the password is not the file's.
    #[error("{0}")]
    WrongPassword(String),
    /// The bytes are not a well-formed PKCS#12 file.
    #[error("{0}")]
    Malformed(String),
    /// A well-formed file using something this reader does not implement.
    #[error("{0}")]
    Unsupported(String),
}

impl From<BerError> for Pkcs12Error {
    fn from(e: BerError) -> Self {
        Pkcs12Error::Malformed(e.to_string())
    }
}

type Result<T> = std::result::Result<T, Pkcs12Error>;

/// Bag attributes that pair keys with certificates and name them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BagAttributes {
    /// `friendlyName` (BMPString), e.g. what Windows shows as the certificate's friendly name.
    pub friendly_name: Option<String>,
    /// `localKeyId`: equal on a key and its certificate.
    pub local_key_id: Option<Vec<u8>>,
}

/// A certificate found in the file.
#[derive(Debug, Clone)]
pub(crate) struct CertBag {
    /// The certificate's DER.
    pub der: Vec<u8>,
    /// Its bag attributes.
    pub attrs: BagAttributes,
}

/// A private key found in the file (decrypted PKCS#8 PrivateKeyInfo).
#[derive(Debug, Clone)]
pub(crate) struct KeyBag {
    /// PrivateKeyInfo DER. Held in memory only for matching; never printed.
    pub pkcs8: Vec<u8>,
    /// Its bag attributes.
    pub attrs: BagAttributes,
}

/// What the file told about its protection.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Protection {
    /// MAC algorithm, e.g. `HMAC-SHA-256 (2048 iterations)`, or `None` when the file has no MAC.
    pub mac: Option<String>,
    /// Which password form opened the file: `given`, `empty`, `null`, `bytewise`, or `none`.
    pub password_form: String,
    /// Encryption schemes seen (certificates and keys), deduplicated.
    pub encryption: Vec<String>,
}

/// The contents of a PFX.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pfx {
    /// Certificates in file order.
    pub certs: Vec<CertBag>,
    /// Private keys in file order.
    pub keys: Vec<KeyBag>,
    /// How the file was protected.
    pub protection: Protection,
}

/// True if `data` looks like a PFX (so callers can pick a reader without a password).
pub(crate) fn looks_like_pfx(data: &[u8]) -> bool {
    let Ok(outer) = Reader::new(data).next_element() else {
        return false;
    };
    let Ok(mut r) = outer.children() else {
        return false;
    };
    let version = r.next_if(Class::Universal, tag::INTEGER).ok().flatten();
    let auth_safe = r.next_if(Class::Universal, tag::SEQUENCE).ok().flatten();
    match (version, auth_safe) {
        (Some(v), Some(ci)) => {
            v.uint().is_ok()
                && ci
                    .children()
                    .ok()
                    .and_then(|mut c| c.next_element().ok())
                    .and_then(|o| o.oid().ok())
                    .is_some_and(|o| o == oid::DATA || o == oid::SIGNED_DATA)
        }
        _ => false,
    }
}

/// Opens a PFX with `password`, within `budget`.
pub(crate) fn parse(data: &[u8], password: &str, budget: &mut Budget) -> Result<Pfx> {
    let outer = Reader::new(data).expect(tag::SEQUENCE, "PFX")?;
    let mut r = outer.children()?;
    let version = r.expect(tag::INTEGER, "PFX version")?.uint()?;
    if version != 3 {
        return Err(Pkcs12Error::Unsupported(format!(
            "PFX version {version} (only version 3 exists)"
        )));
    }
    let auth_safe = r.expect(tag::SEQUENCE, "authSafe")?;
    let mac_data = r.next_if(Class::Universal, tag::SEQUENCE)?;

    let mut ar = auth_safe.children()?;
    let content_type = ar.expect(tag::OID, "authSafe content type")?.oid()?;
    if content_type == oid::SIGNED_DATA {
        return Err(Pkcs12Error::Unsupported(
            "public-key integrity mode (a signed PFX) is not supported".into(),
        ));
    }
    if content_type != oid::DATA {
        return Err(Pkcs12Error::Malformed(format!(
            "authSafe has content type {content_type}"
        )));
    }
    let wrapper = ar
        .next_if(Class::Context, 0)?
        .ok_or_else(|| Pkcs12Error::Malformed("authSafe has no content".into()))?;
    let auth_octets = wrapper.explicit_inner()?.octets()?;

    let candidates = Password::candidates(password);
    let (mac_desc, mac_form) = match mac_data {
        Some(md) => {
            let (desc, form) = verify_mac(&md, &auth_octets, &candidates, budget)?;
            (Some(desc), Some(form))
        }
        None => (None, None),
    };

    // With a verified MAC, try that form first; the others stay as a fallback because some
    // writers MAC with one encoding of the empty password and encrypt with the other.
    let mut order: Vec<Password<'_>> = Vec::new();
    if let Some(f) = mac_form {
        order.extend(candidates.iter().filter(|c| c.form == f).copied());
    }
    order.extend(
        candidates
            .iter()
            .filter(|c| Some(c.form) != mac_form)
            .copied(),
    );

    let mut last_err = None;
    for pw in &order {
        match read_auth_safe(&auth_octets, pw, budget) {
            Ok(mut pfx) => {
                pfx.protection.mac = mac_desc;
                pfx.protection.password_form =
                    if mac_form.is_none() && pfx.protection.encryption.is_empty() {
                        "none".into()
                    } else {
                        form_name(pw)
                    };
                return Ok(pfx);
            }
            Err(e @ (Pkcs12Error::Malformed(_) | Pkcs12Error::Unsupported(_))) => return Err(e),
            Err(e) => last_err = Some(e),
        }
    }
    Err(match (last_err, mac_form) {
        (_, Some(_)) => Pkcs12Error::WrongPassword(
            "the password checks the file's integrity but does not decrypt its contents (a different privacy password?)".into(),
        ),
        (Some(e), None) => e,
        (None, None) => Pkcs12Error::WrongPassword("the password is not correct".into()),
    })
}

fn form_name(pw: &Password<'_>) -> String {
    match (pw.form, pw.text.is_empty()) {
        (PasswordForm::Null, _) => "null",
        (PasswordForm::Given, true) => "empty",
        (PasswordForm::Given, false) => "given",
        (PasswordForm::Bytewise, _) => "bytewise",
    }
    .into()
}

fn pbe_err(e: PbeError) -> Pkcs12Error {
    match e {
        PbeError::BadDecrypt => Pkcs12Error::WrongPassword("the password is not correct".into()),
        PbeError::Unsupported(m) => Pkcs12Error::Unsupported(m),
        PbeError::Malformed(m) => Pkcs12Error::Malformed(m),
    }
}

/// Checks the MAC with each password form; returns a description and the form that matched.
fn verify_mac(
    mac_data: &Element<'_>,
    auth_octets: &[u8],
    candidates: &[Password<'_>],
    budget: &mut Budget,
) -> Result<(String, PasswordForm)> {
    let mut r = mac_data.children()?;
    let digest_info = r.expect(tag::SEQUENCE, "MAC DigestInfo")?;
    let mut dr = digest_info.children()?;
    let alg = dr.expect(tag::SEQUENCE, "MAC algorithm")?;
    let expected = dr
        .expect(tag::OCTET_STRING, "MAC value")?
        .octets()?
        .to_vec();
    let (salt, iterations) = pbe::read_mac_salt_iterations(&mut r).map_err(pbe_err)?;
    let mut algr = alg.children()?;
    let alg_oid = algr.expect(tag::OID, "MAC algorithm")?.oid()?;

    if alg_oid == oid::PBMAC1 {
        let params = algr.expect(tag::SEQUENCE, "PBMAC1 parameters")?;
        let mut pr = params.children()?;
        let kdf = pr.expect(tag::SEQUENCE, "PBMAC1 key derivation")?;
        let scheme = pr.expect(tag::SEQUENCE, "PBMAC1 MAC scheme")?;
        let (_, kdf_salt, kdf_iter, key_len) = pbe::parse_pbkdf2(&kdf).map_err(pbe_err)?;
        let prf_for_kdf = pbkdf2_prf(&kdf)?;
        let mac_oid = scheme.children()?.expect(tag::OID, "PBMAC1 MAC")?.oid()?;
        let mac_hash = HashAlg::from_hmac_oid(&mac_oid).ok_or_else(|| {
            Pkcs12Error::Unsupported(format!(
                "PBMAC1 with {} is not supported",
                oid::name(&mac_oid)
            ))
        })?;
        let key_len =
            key_len.ok_or_else(|| Pkcs12Error::Malformed("PBMAC1 without a key length".into()))?;
        for pw in candidates {
            let key = pbe::pbkdf2_key(prf_for_kdf, pw, &kdf_salt, kdf_iter, key_len, budget)
                .map_err(pbe_err)?;
            if constant_eq(&mac_hash.hmac(&key, auth_octets), &expected) {
                return Ok((
                    format!("PBMAC1 HMAC-{} ({kdf_iter} iterations)", mac_hash.name()),
                    pw.form,
                ));
            }
        }
        return Err(Pkcs12Error::WrongPassword(
            "the password is not correct (MAC check failed)".into(),
        ));
    }

    let hash = HashAlg::from_digest_oid(&alg_oid)
        .filter(|h| *h != HashAlg::Md5)
        .ok_or_else(|| {
            Pkcs12Error::Unsupported(format!(
                "MAC digest {} is not supported",
                oid::name(&alg_oid)
            ))
        })?;
    for pw in candidates {
        let key = pbe::pkcs12_mac_key(hash, pw, &salt, iterations, budget).map_err(pbe_err)?;
        if constant_eq(&hash.hmac(&key, auth_octets), &expected) {
            return Ok((
                format!("HMAC-{} ({iterations} iterations)", hash.name()),
                pw.form,
            ));
        }
    }
    Err(Pkcs12Error::WrongPassword(
        "the password is not correct (MAC check failed)".into(),
    ))
}

fn pbkdf2_prf(kdf: &Element<'_>) -> Result<HashAlg> {
    Ok(pbe::parse_pbkdf2(kdf).map_err(pbe_err)?.0)
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads AuthenticatedSafe (a SEQUENCE OF ContentInfo) with one password form.
fn read_auth_safe(auth_octets: &[u8], pw: &Password<'_>, budget: &mut Budget) -> Result<Pfx> {
    let mut pfx = Pfx::default();
    let seq = Reader::new(auth_octets).expect(tag::SEQUENCE, "AuthenticatedSafe")?;
    let mut r = seq.children()?;
    while !r.is_empty() {
        let ci = r.expect(tag::SEQUENCE, "ContentInfo")?;
        let mut cr = ci.children()?;
        let ct = cr.expect(tag::OID, "content type")?.oid()?;
        let Some(wrapper) = cr.next_if(Class::Context, 0)? else {
            continue;
        };
        match ct.as_str() {
            oid::DATA => {
                let octets = wrapper.explicit_inner()?.octets()?;
                read_safe_contents(&octets, pw, budget, &mut pfx, 0)?;
            }
            oid::ENCRYPTED_DATA => {
                let enc_data = wrapper.explicit_inner()?;
                let mut er = enc_data.children()?;
                er.expect(tag::INTEGER, "EncryptedData version")?;
                let eci = er.expect(tag::SEQUENCE, "EncryptedContentInfo")?;
                let mut ecr = eci.children()?;
                ecr.expect(tag::OID, "content type")?;
                let alg = ecr.expect(tag::SEQUENCE, "content encryption algorithm")?;
                let Some(ct_el) = ecr.next_if(Class::Context, 0)? else {
                    continue;
                };
                let ciphertext = ct_el.octets()?;
                let scheme = Scheme::parse(&alg).map_err(pbe_err)?;
                note_scheme(&mut pfx, &scheme);
                let plain = scheme.decrypt(pw, &ciphertext, budget).map_err(pbe_err)?;
                // Garbage that happens to unpad is a wrong password, not a malformed file.
                read_safe_contents(&plain, pw, budget, &mut pfx, 0).map_err(|e| match e {
                    Pkcs12Error::Malformed(_) => {
                        Pkcs12Error::WrongPassword("the password is not correct".into())
                    }
                    other => other,
                })?;
            }
            oid::ENVELOPED_DATA => {
                return Err(Pkcs12Error::Unsupported(
                    "public-key privacy mode (envelopedData) is not supported".into(),
                ));
            }
            other => {
                return Err(Pkcs12Error::Malformed(format!(
                    "unknown content type {other}"
                )));
            }
        }
    }
    Ok(pfx)
}

fn note_scheme(pfx: &mut Pfx, scheme: &Scheme) {
    let d = scheme.describe();
    if !pfx.protection.encryption.contains(&d) {
        pfx.protection.encryption.push(d);
    }
}

/// Reads SafeContents (SEQUENCE OF SafeBag), collecting keys and certificates.
fn read_safe_contents(
    data: &[u8],
    pw: &Password<'_>,
    budget: &mut Budget,
    pfx: &mut Pfx,
    depth: usize,
) -> Result<()> {
    if depth > 8 {
        return Err(Pkcs12Error::Malformed(
            "safe contents nested too deeply".into(),
        ));
    }
    let seq = Reader::new(data).expect(tag::SEQUENCE, "SafeContents")?;
    let mut r = seq.children()?;
    while !r.is_empty() {
        let bag = r.expect(tag::SEQUENCE, "SafeBag")?;
        let mut br = bag.children()?;
        let bag_id = br.expect(tag::OID, "bag type")?.oid()?;
        let value = br
            .next_if(Class::Context, 0)?
            .ok_or_else(|| Pkcs12Error::Malformed("SafeBag without a value".into()))?
            .explicit_inner()?;
        let attrs = match br.next_if(Class::Universal, tag::SET)? {
            Some(set) => read_attributes(&set)?,
            None => BagAttributes::default(),
        };
        match bag_id.as_str() {
            oid::KEY_BAG => pfx.keys.push(KeyBag {
                pkcs8: value.raw.to_vec(),
                attrs,
            }),
            oid::SHROUDED_KEY_BAG => {
                let mut er = value.children()?;
                let alg = er.expect(tag::SEQUENCE, "key encryption algorithm")?;
                let ct = er.expect(tag::OCTET_STRING, "encrypted key")?.octets()?;
                let scheme = Scheme::parse(&alg).map_err(pbe_err)?;
                note_scheme(pfx, &scheme);
                let plain = scheme.decrypt(pw, &ct, budget).map_err(pbe_err)?;
                let key = Reader::new(&plain)
                    .next_element()
                    .ok()
                    .filter(|e| e.tag == tag::SEQUENCE && e.constructed)
                    .map(|e| e.raw.to_vec())
                    .ok_or_else(|| {
                        Pkcs12Error::WrongPassword("the password is not correct".into())
                    })?;
                pfx.keys.push(KeyBag { pkcs8: key, attrs });
            }
            oid::CERT_BAG => {
                let mut cr = value.children()?;
                let cert_type = cr.expect(tag::OID, "certificate type")?.oid()?;
                if cert_type != oid::X509_CERTIFICATE {
                    continue; // SDSI certificates: nothing an operator can use.
                }
                let der = cr
                    .next_if(Class::Context, 0)?
                    .ok_or_else(|| {
                        Pkcs12Error::Malformed("certificate bag without a value".into())
                    })?
                    .explicit_inner()?
                    .octets()?
                    .to_vec();
                pfx.certs.push(CertBag { der, attrs });
            }
            oid::SAFE_CONTENTS_BAG => read_safe_contents(value.raw, pw, budget, pfx, depth + 1)?,
            // CRLs and secrets carry nothing the inspector reports.
            _ => {}
        }
    }
    Ok(())
}

fn read_attributes(set: &Element<'_>) -> Result<BagAttributes> {
    let mut out = BagAttributes::default();
    let mut r = set.children()?;
    while !r.is_empty() {
        let attr = r.expect(tag::SEQUENCE, "attribute")?;
        let mut ar = attr.children()?;
        let attr_oid = ar.expect(tag::OID, "attribute type")?.oid()?;
        let Some(values) = ar.next_if(Class::Universal, tag::SET)? else {
            continue;
        };
        let mut vr = values.children()?;
        if vr.is_empty() {
            continue;
        }
        let v = vr.next_element()?;
        match attr_oid.as_str() {
            oid::FRIENDLY_NAME => out.friendly_name = Some(decode_string(&v)),
            oid::LOCAL_KEY_ID => out.local_key_id = Some(v.octets()?.to_vec()),
            _ => {}
        }
    }
    Ok(out)
}

/// Decodes a BMPString (UTF-16BE, surrogates allowed) or a UTF-8-ish string, lossily.
pub(crate) fn decode_string(el: &Element<'_>) -> String {
    let bytes = el.octets().map(|c| c.to_vec()).unwrap_or_default();
    if el.tag == tag::BMP_STRING {
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
