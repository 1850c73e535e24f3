//! Recognises a file's format and pulls out its certificates and keys.

use super::ber::{Class, Reader, tag};
use super::key::{self, KeyInfo};
use super::pbe::{self, Budget, Password, PbeError, Scheme};
use super::pkcs12::{self, Pkcs12Error};
use super::report::{ErrorKind, InspectError, Options};
use super::{oid, pem, publishsettings};

/// A certificate as found in the file.
pub(super) struct CertEntry {
    pub der: Vec<u8>,
    pub friendly_name: Option<String>,
    pub local_key_id: Option<Vec<u8>>,
}

/// A private key as found in the file (only its facts are kept).
pub(super) struct KeyEntry {
    pub info: KeyInfo,
    pub local_key_id: Option<Vec<u8>>,
    /// PKCS#8 DER, kept where the file gives one (PFX, PEM `PRIVATE KEY`) so a caller can use
    /// the key; dropped with the contents.
    pub pkcs8: Option<Vec<u8>>,
}

/// What a file holds.
pub(super) struct Contents {
    pub format: &'static str,
    pub certs: Vec<CertEntry>,
    pub keys: Vec<KeyEntry>,
    pub protection: Option<pkcs12::Protection>,
    pub subscriptions: Option<Vec<publishsettings::Subscription>>,
}

type Failure = (Option<&'static str>, InspectError);

fn fail(format: &'static str, kind: ErrorKind, msg: impl Into<String>) -> Failure {
    (Some(format), InspectError::new(kind, msg))
}

impl Contents {
    fn new(format: &'static str) -> Self {
        Contents {
            format,
            certs: Vec::new(),
            keys: Vec::new(),
            protection: None,
            subscriptions: None,
        }
    }
}

/// Reads `bytes` in whatever supported format they are.
pub(super) fn read(bytes: &[u8], opts: &Options) -> Result<Contents, Failure> {
    let mut budget = Budget::new(opts.max_iterations, opts.total_iterations);
    if bytes.is_empty() {
        return Err((
            None,
            InspectError::new(ErrorKind::Malformed, "the file is empty"),
        ));
    }
    if publishsettings::looks_like_publishsettings(bytes) {
        return read_publishsettings(bytes, opts, &mut budget);
    }
    if pem::looks_like_pem(bytes) {
        return read_pem(bytes, opts, &mut budget);
    }
    if bytes[0] == 0x30 {
        return read_der(bytes, opts, &mut budget);
    }
    // Base64 without PEM armour (some .cer exports).
    if bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=\r\n\t ".contains(b))
        && let Some(der) = pem::decode_base64(bytes).filter(|d| d.first() == Some(&0x30))
    {
        return read_der(&der, opts, &mut budget);
    }
    Err((
        None,
        InspectError::new(
            ErrorKind::Malformed,
            "not a certificate file: expected PKCS#12 (.pfx/.p12), X.509 (.cer/.crt/.pem, DER or PEM) or .publishsettings",
        ),
    ))
}

fn pkcs12_failure(e: Pkcs12Error) -> Failure {
    match e {
        Pkcs12Error::WrongPassword(m) => fail("pkcs12", ErrorKind::WrongPassword, m),
        Pkcs12Error::Malformed(m) => fail(
            "pkcs12",
            ErrorKind::Malformed,
            format!("malformed PKCS#12 file: {m}"),
        ),
        Pkcs12Error::Unsupported(m) => fail("pkcs12", ErrorKind::Unsupported, m),
    }
}

fn read_pfx(
    bytes: &[u8],
    password: &str,
    budget: &mut Budget,
    format: &'static str,
) -> Result<Contents, Failure> {
    let pfx = pkcs12::parse(bytes, password, budget).map_err(pkcs12_failure)?;
    let mut c = Contents::new(format);
    for k in pfx.keys {
        let info = key::parse_pkcs8(&k.pkcs8)
            .map_err(|e| fail(format, ErrorKind::Malformed, format!("private key: {e}")))?;
        c.keys.push(KeyEntry {
            info,
            local_key_id: k.attrs.local_key_id,
            pkcs8: Some(k.pkcs8),
        });
    }
    c.certs = pfx
        .certs
        .into_iter()
        .map(|b| CertEntry {
            der: b.der,
            friendly_name: b.attrs.friendly_name,
            local_key_id: b.attrs.local_key_id,
        })
        .collect();
    c.protection = Some(pfx.protection);
    Ok(c)
}

fn read_der(bytes: &[u8], opts: &Options, budget: &mut Budget) -> Result<Contents, Failure> {
    if pkcs12::looks_like_pfx(bytes) {
        return read_pfx(bytes, &opts.password, budget, "pkcs12");
    }
    if super::x509::parse(bytes).is_ok() {
        let mut c = Contents::new("x509-der");
        c.certs.push(CertEntry {
            der: bytes.to_vec(),
            friendly_name: None,
            local_key_id: None,
        });
        return Ok(c);
    }
    if let Some(certs) = pkcs7_certs(bytes) {
        let mut c = Contents::new("pkcs7");
        c.certs = certs;
        return Ok(c);
    }
    if let Ok(info) = key::parse_pkcs8(bytes) {
        let mut c = Contents::new("pkcs8-der");
        c.keys.push(KeyEntry {
            info,
            local_key_id: None,
            pkcs8: Some(bytes.to_vec()),
        });
        return Ok(c);
    }
    if let Some(info) = encrypted_pkcs8(bytes, &opts.password, budget, "pkcs8-der")? {
        let mut c = Contents::new("pkcs8-der");
        c.keys.push(KeyEntry {
            info,
            local_key_id: None,
            pkcs8: None,
        });
        return Ok(c);
    }
    // Starts like DER but is none of the above: say what a parse of it as a certificate found.
    let why = super::x509::parse(bytes).err().unwrap_or_default();
    Err(fail(
        "x509-der",
        ErrorKind::Malformed,
        format!("the DER data is neither a PKCS#12 file nor a certificate ({why})"),
    ))
}

/// Certificates of a PKCS#7 SignedData (`.p7b`), or `None` if the bytes are not one.
fn pkcs7_certs(bytes: &[u8]) -> Option<Vec<CertEntry>> {
    let ci = Reader::new(bytes)
        .expect(tag::SEQUENCE, "ContentInfo")
        .ok()?;
    let mut r = ci.children().ok()?;
    if r.expect(tag::OID, "content type").ok()?.oid().ok()? != oid::SIGNED_DATA {
        return None;
    }
    let sd = r.next_if(Class::Context, 0).ok()??.explicit_inner().ok()?;
    let mut sr = sd.children().ok()?;
    sr.expect(tag::INTEGER, "version").ok()?;
    sr.expect(tag::SET, "digest algorithms").ok()?;
    sr.expect(tag::SEQUENCE, "content").ok()?;
    let mut out = Vec::new();
    if let Some(set) = sr.next_if(Class::Context, 0).ok()? {
        let mut cr = set.children().ok()?;
        while !cr.is_empty() {
            let el = cr.next_element().ok()?;
            if el.tag == tag::SEQUENCE {
                out.push(CertEntry {
                    der: el.raw.to_vec(),
                    friendly_name: None,
                    local_key_id: None,
                });
            }
        }
    }
    Some(out)
}

/// Decrypts an EncryptedPrivateKeyInfo; `Ok(None)` if the bytes are not one.
fn encrypted_pkcs8(
    bytes: &[u8],
    password: &str,
    budget: &mut Budget,
    format: &'static str,
) -> Result<Option<KeyInfo>, Failure> {
    let Some((alg, ct)) = (|| {
        let seq = Reader::new(bytes)
            .expect(tag::SEQUENCE, "EncryptedPrivateKeyInfo")
            .ok()?;
        let mut r = seq.children().ok()?;
        let alg = r.expect(tag::SEQUENCE, "algorithm").ok()?;
        let ct = r
            .expect(tag::OCTET_STRING, "encrypted data")
            .ok()?
            .octets()
            .ok()?;
        r.is_empty().then_some((alg, ct))
    })() else {
        return Ok(None);
    };
    let scheme = Scheme::parse(&alg).map_err(|e| pbe_failure(format, e))?;
    let mut last = None;
    for pw in Password::candidates(password) {
        match scheme.decrypt(&pw, &ct, budget) {
            Ok(plain) => match key::parse_pkcs8(&plain) {
                Ok(info) => return Ok(Some(info)),
                Err(_) => last = Some(PbeError::BadDecrypt),
            },
            Err(e @ PbeError::BadDecrypt) => last = Some(e),
            Err(e) => return Err(pbe_failure(format, e)),
        }
    }
    Err(pbe_failure(format, last.unwrap_or(PbeError::BadDecrypt)))
}

fn pbe_failure(format: &'static str, e: PbeError) -> Failure {
    match e {
        PbeError::BadDecrypt => fail(
            format,
            ErrorKind::WrongPassword,
            "the password is not correct for the encrypted private key",
        ),
        PbeError::Unsupported(m) => fail(format, ErrorKind::Unsupported, m),
        PbeError::Malformed(m) => fail(format, ErrorKind::Malformed, m),
    }
}

fn read_pem(bytes: &[u8], opts: &Options, budget: &mut Budget) -> Result<Contents, Failure> {
    let blocks = pem::blocks(bytes).map_err(|e| fail("pem", ErrorKind::Malformed, e))?;
    let mut c = Contents::new("pem");
    let mut ignored = Vec::new();
    for b in &blocks {
        let encrypted_header = b
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("DEK-Info"))
            .map(|(_, v)| v.clone());
        let plain_legacy = |der: &[u8]| -> Result<Vec<u8>, Failure> {
            match &encrypted_header {
                None => Ok(der.to_vec()),
                Some(dek) => pbe::decrypt_legacy_pem(dek, opts.password.as_bytes(), der)
                    .map_err(|e| pbe_failure("pem", e)),
            }
        };
        match b.label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                // A TRUSTED CERTIFICATE carries OpenSSL trust settings after the certificate.
                let der = match super::x509::parse(&b.der) {
                    Ok((_, used)) => b.der[..used].to_vec(),
                    Err(e) => {
                        return Err(fail(
                            "pem",
                            ErrorKind::Malformed,
                            format!("PEM {}: {e}", b.label),
                        ));
                    }
                };
                c.certs.push(CertEntry {
                    der,
                    friendly_name: None,
                    local_key_id: None,
                });
            }
            "PRIVATE KEY" => {
                let info = key::parse_pkcs8(&b.der)
                    .map_err(|e| fail("pem", ErrorKind::Malformed, format!("private key: {e}")))?;
                c.keys.push(KeyEntry {
                    info,
                    local_key_id: None,
                    pkcs8: Some(b.der.clone()),
                });
            }
            "ENCRYPTED PRIVATE KEY" => {
                match encrypted_pkcs8(&b.der, &opts.password, budget, "pem")? {
                    Some(info) => c.keys.push(KeyEntry {
                        info,
                        local_key_id: None,
                        pkcs8: None,
                    }),
                    None => {
                        return Err(fail(
                            "pem",
                            ErrorKind::Malformed,
                            "the ENCRYPTED PRIVATE KEY block is malformed",
                        ));
                    }
                }
            }
            "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                let der = plain_legacy(&b.der)?;
                let parsed = if b.label.starts_with("RSA") {
                    key::parse_pkcs1(&der)
                } else {
                    key::parse_sec1(&der, None)
                };
                let info = parsed.map_err(|e| {
                    if encrypted_header.is_some() {
                        fail(
                            "pem",
                            ErrorKind::WrongPassword,
                            "the password is not correct for the encrypted private key",
                        )
                    } else {
                        fail("pem", ErrorKind::Malformed, format!("{}: {e}", b.label))
                    }
                })?;
                c.keys.push(KeyEntry {
                    info,
                    local_key_id: None,
                    pkcs8: None,
                });
            }
            "PKCS7" | "PKCS #7 SIGNED DATA" => match pkcs7_certs(&b.der) {
                Some(certs) => c.certs.extend(certs),
                None => {
                    return Err(fail(
                        "pem",
                        ErrorKind::Malformed,
                        "the PKCS7 block is not a certificate bundle",
                    ));
                }
            },
            other => ignored.push(other.to_string()),
        }
    }
    if c.certs.is_empty() && c.keys.is_empty() {
        let what = if ignored.is_empty() {
            "no PEM block".to_string()
        } else {
            format!("only {}", ignored.join(", "))
        };
        return Err(fail(
            "pem",
            ErrorKind::Unsupported,
            format!("no certificate or private key in the PEM file ({what})"),
        ));
    }
    Ok(c)
}

fn read_publishsettings(
    bytes: &[u8],
    opts: &Options,
    budget: &mut Budget,
) -> Result<Contents, Failure> {
    const F: &str = "publishsettings";
    let ps = publishsettings::parse(bytes).map_err(|e| fail(F, ErrorKind::Malformed, e))?;
    let mut c = Contents::new(F);
    for pfx in &ps.pfx_files {
        // Azure writes the embedded PFX with an empty password; honour a given one as a fallback.
        let inner = read_pfx(pfx, "", budget, F).or_else(|e| {
            if opts.password.is_empty() {
                Err(e)
            } else {
                read_pfx(pfx, &opts.password, budget, F)
            }
        })?;
        c.certs.extend(inner.certs);
        c.keys.extend(inner.keys);
        c.protection = inner.protection;
    }
    c.subscriptions = Some(ps.subscriptions);
    Ok(c)
}
