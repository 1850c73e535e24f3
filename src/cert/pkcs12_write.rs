//! Writing PKCS#12 files: lab certificates for operators and every variant the tests need.
//!
//! Layout follows OpenSSL: certificates in one SafeContents (encrypted or not), the key in
//! another (shrouded or a plain key bag), then an optional MAC.

use super::ber::write as w;
use super::oid;
use super::pbe::{self, HashAlg, Password, PasswordForm, WriteScheme};

/// One entry's bag attributes.
#[derive(Debug, Clone, Default)]
pub struct Attrs {
    /// friendlyName, written as a BMPString.
    pub friendly_name: Option<String>,
    /// localKeyId: the same bytes on a certificate and its key pair them up.
    pub local_key_id: Option<Vec<u8>>,
}

/// Which MAC protects the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacChoice {
    /// No MAC (`openssl pkcs12 -nomac`).
    None,
    /// HMAC-SHA-1 (legacy, Windows).
    Sha1,
    /// HMAC-SHA-256 (OpenSSL 3 default).
    Sha256,
}

/// What to write and how to protect it.
#[derive(Debug, Clone)]
pub struct PfxSpec {
    /// The password for the encryption and the MAC (may be empty; see `password_form`).
    pub password: String,
    /// How an empty password is encoded for MAC and encryption (`Given` = "", `Null` = no bytes).
    pub password_form: PasswordForm,
    /// Encryption of the certificates' SafeContents.
    pub cert_scheme: WriteScheme,
    /// Encryption of the key (None writes a plain key bag).
    pub key_scheme: WriteScheme,
    /// The MAC over the contents, keyed from the password.
    pub mac: MacChoice,
    /// Iterations for key derivation and MAC.
    pub iterations: u32,
    /// Certificates (DER) with attributes, in order.
    pub certs: Vec<(Vec<u8>, Attrs)>,
    /// The private key (PKCS#8 PrivateKeyInfo DER) with attributes.
    pub key: Option<(Vec<u8>, Attrs)>,
}

impl PfxSpec {
    /// OpenSSL 3 defaults: PBES2/AES-256-CBC for both, HMAC-SHA-256, 2048 iterations.
    pub fn modern(password: &str) -> Self {
        PfxSpec {
            password: password.to_string(),
            password_form: PasswordForm::Given,
            cert_scheme: WriteScheme::Pbes2Aes256,
            key_scheme: WriteScheme::Pbes2Aes256,
            mac: MacChoice::Sha256,
            iterations: 2048,
            certs: Vec::new(),
            key: None,
        }
    }

    /// OpenSSL `-legacy` / older Windows: RC2-40 certificates, 3DES key, HMAC-SHA-1.
    pub fn legacy(password: &str) -> Self {
        PfxSpec {
            cert_scheme: WriteScheme::Pkcs12Rc2_40,
            key_scheme: WriteScheme::Pkcs12TripleDes,
            mac: MacChoice::Sha1,
            ..PfxSpec::modern(password)
        }
    }
}

/// The OS random source failed: no file is written with all-zero salts and IVs.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomError(String);

fn random<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| RandomError(e.to_string()))?;
    Ok(b)
}

fn attributes(a: &Attrs) -> Vec<u8> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    if let Some(name) = &a.friendly_name {
        parts.push(w::seq(&[
            &w::oid(oid::FRIENDLY_NAME),
            &w::set(&[&w::bmp(name)]),
        ]));
    }
    if let Some(id) = &a.local_key_id {
        parts.push(w::seq(&[
            &w::oid(oid::LOCAL_KEY_ID),
            &w::set(&[&w::octets(id)]),
        ]));
    }
    if parts.is_empty() {
        return Vec::new();
    }
    let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
    w::set(&refs)
}

fn bag(bag_oid: &str, value: &[u8], attrs: &Attrs) -> Vec<u8> {
    w::seq(&[&w::oid(bag_oid), &w::explicit(0, value), &attributes(attrs)])
}

fn data_content_info(inner: &[u8]) -> Vec<u8> {
    w::seq(&[&w::oid(oid::DATA), &w::explicit(0, &w::octets(inner))])
}

/// Writes the PFX described by `spec`, for tests and fixtures (which have no use for a random
/// source failure).
///
/// # Panics
/// When the OS random source fails; [`try_write`] says so instead.
pub fn write(spec: &PfxSpec) -> Vec<u8> {
    try_write(spec).expect("the OS random source works")
}

/// Writes the PFX described by `spec`; fails when the OS random source does (salts and IVs
/// are never left zero).
pub fn try_write(spec: &PfxSpec) -> Result<Vec<u8>, RandomError> {
    let pw = Password {
        text: &spec.password,
        form: spec.password_form,
    };
    let mut content_infos: Vec<Vec<u8>> = Vec::new();

    if !spec.certs.is_empty() {
        let bags: Vec<Vec<u8>> = spec
            .certs
            .iter()
            .map(|(der, a)| {
                let cert_bag = w::seq(&[
                    &w::oid(oid::X509_CERTIFICATE),
                    &w::explicit(0, &w::octets(der)),
                ]);
                bag(oid::CERT_BAG, &cert_bag, a)
            })
            .collect();
        let refs: Vec<&[u8]> = bags.iter().map(|b| b.as_slice()).collect();
        let safe = w::seq(&refs);
        match pbe::encrypt(
            spec.cert_scheme,
            &pw,
            &random::<8>()?,
            spec.iterations,
            &random::<16>()?,
            &safe,
        ) {
            None => content_infos.push(data_content_info(&safe)),
            Some((alg, ct)) => {
                // EncryptedContentInfo's content is [0] IMPLICIT OCTET STRING.
                let eci = w::seq(&[&w::oid(oid::DATA), &alg, &w::tlv(0x80, &ct)]);
                let enc_data = w::seq(&[&w::uint(0), &eci]);
                content_infos.push(w::seq(&[
                    &w::oid(oid::ENCRYPTED_DATA),
                    &w::explicit(0, &enc_data),
                ]));
            }
        }
    }

    if let Some((pkcs8, a)) = &spec.key {
        let key_bag = match pbe::encrypt(
            spec.key_scheme,
            &pw,
            &random::<8>()?,
            spec.iterations,
            &random::<16>()?,
            pkcs8,
        ) {
            None => bag(oid::KEY_BAG, pkcs8, a),
            Some((alg, ct)) => bag(oid::SHROUDED_KEY_BAG, &w::seq(&[&alg, &w::octets(&ct)]), a),
        };
        content_infos.push(data_content_info(&w::seq(&[&key_bag])));
    }

    let refs: Vec<&[u8]> = content_infos.iter().map(|c| c.as_slice()).collect();
    let auth_safe = w::seq(&refs);
    let mac_data = match spec.mac {
        MacChoice::None => Vec::new(),
        MacChoice::Sha1 | MacChoice::Sha256 => {
            let (hash, digest_oid) = if spec.mac == MacChoice::Sha1 {
                (HashAlg::Sha1, oid::SHA1)
            } else {
                (HashAlg::Sha256, oid::SHA256)
            };
            let salt = random::<8>()?;
            let key = pbe::pkcs12_kdf(
                hash,
                &pw,
                &salt,
                3,
                spec.iterations,
                if hash == HashAlg::Sha1 { 20 } else { 32 },
            );
            let mac = hash.hmac(&key, &auth_safe);
            let digest_info = w::seq(&[
                &w::seq(&[&w::oid(digest_oid), &w::null()]),
                &w::octets(&mac),
            ]);
            w::seq(&[
                &digest_info,
                &w::octets(&salt),
                &w::uint(u64::from(spec.iterations)),
            ])
        }
    };
    Ok(w::seq(&[
        &w::uint(3),
        &data_content_info(&auth_safe),
        &mac_data,
    ]))
}
