//! Ciphers and password-based encryption schemes: parsing their parameters, decrypting, and
//! encrypting for the writer.

use super::primitives::{Budget, HashAlg, Password, PbeError, PbeResult, malformed, pkcs12_kdf};
use crate::cert::ber::{Element, tag};
use crate::cert::oid;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyIvInit};
use sha2::Sha256;

/// A symmetric cipher with its key length and parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cipher {
    Aes128,
    Aes192,
    Aes256,
    Camellia128,
    Camellia192,
    Camellia256,
    DesEde3,
    DesEde2,
    Des,
    /// RC2 with effective key bits.
    Rc2 {
        key_len: usize,
        effective_bits: usize,
    },
    Rc4 {
        key_len: usize,
    },
}

impl Cipher {
    fn key_len(self) -> usize {
        match self {
            Cipher::Aes128 | Cipher::Camellia128 => 16,
            Cipher::Aes192 | Cipher::Camellia192 => 24,
            Cipher::Aes256 | Cipher::Camellia256 => 32,
            Cipher::DesEde3 => 24,
            Cipher::DesEde2 => 16,
            Cipher::Des => 8,
            Cipher::Rc2 { key_len, .. } | Cipher::Rc4 { key_len } => key_len,
        }
    }

    fn iv_len(self) -> usize {
        match self {
            Cipher::Aes128 | Cipher::Aes192 | Cipher::Aes256 => 16,
            Cipher::Camellia128 | Cipher::Camellia192 | Cipher::Camellia256 => 16,
            Cipher::Rc4 { .. } => 0,
            _ => 8,
        }
    }

    fn decrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> PbeResult<Vec<u8>> {
        macro_rules! cbc_dec {
            ($c:ty) => {
                cbc::Decryptor::<$c>::new_from_slices(key, iv)
                    .map_err(|_| PbeError::Malformed("bad key or IV length".into()))?
                    .decrypt_padded_vec::<Pkcs7>(data)
                    .map_err(|_| PbeError::BadDecrypt)
            };
        }
        if self.iv_len() > 0 && !data.len().is_multiple_of(self.iv_len()) {
            return Err(PbeError::BadDecrypt);
        }
        match self {
            Cipher::Aes128 => cbc_dec!(aes::Aes128),
            Cipher::Camellia128 => cbc_dec!(camellia::Camellia128),
            Cipher::Camellia192 => cbc_dec!(camellia::Camellia192),
            Cipher::Camellia256 => cbc_dec!(camellia::Camellia256),
            Cipher::Aes192 => cbc_dec!(aes::Aes192),
            Cipher::Aes256 => cbc_dec!(aes::Aes256),
            Cipher::DesEde3 => cbc_dec!(des::TdesEde3),
            Cipher::DesEde2 => cbc_dec!(des::TdesEde2),
            Cipher::Des => cbc_dec!(des::Des),
            Cipher::Rc2 { effective_bits, .. } => {
                let c = rc2::Rc2::new_with_eff_key_len(key, effective_bits);
                cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(c, iv)
                    .map_err(|_| PbeError::Malformed("bad RC2 IV length".into()))?
                    .decrypt_padded_vec::<Pkcs7>(data)
                    .map_err(|_| PbeError::BadDecrypt)
            }
            Cipher::Rc4 { .. } => {
                let mut buf = data.to_vec();
                rc4_apply(key, &mut buf);
                Ok(buf)
            }
        }
    }

    fn encrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Vec<u8> {
        macro_rules! cbc_enc {
            ($c:ty) => {
                cbc::Encryptor::<$c>::new_from_slices(key, iv)
                    .expect("key and IV lengths come from the cipher")
                    .encrypt_padded_vec::<Pkcs7>(data)
            };
        }
        match self {
            Cipher::Aes128 => cbc_enc!(aes::Aes128),
            Cipher::Camellia128 => cbc_enc!(camellia::Camellia128),
            Cipher::Camellia192 => cbc_enc!(camellia::Camellia192),
            Cipher::Camellia256 => cbc_enc!(camellia::Camellia256),
            Cipher::Aes192 => cbc_enc!(aes::Aes192),
            Cipher::Aes256 => cbc_enc!(aes::Aes256),
            Cipher::DesEde3 => cbc_enc!(des::TdesEde3),
            Cipher::DesEde2 => cbc_enc!(des::TdesEde2),
            Cipher::Des => cbc_enc!(des::Des),
            Cipher::Rc2 { effective_bits, .. } => {
                let c = rc2::Rc2::new_with_eff_key_len(key, effective_bits);
                cbc::Encryptor::<rc2::Rc2>::inner_iv_slice_init(c, iv)
                    .expect("RC2 IV is 8 bytes")
                    .encrypt_padded_vec::<Pkcs7>(data)
            }
            Cipher::Rc4 { .. } => {
                let mut buf = data.to_vec();
                rc4_apply(key, &mut buf);
                buf
            }
        }
    }
}

/// RC4 keystream XOR (the `rc4` crate, which takes keys of 1 to 256 bytes; PKCS#12 uses 5- and
/// 16-byte keys). An empty key leaves the bytes as they are, so the MAC check fails cleanly.
fn rc4_apply(key: &[u8], buf: &mut [u8]) {
    use rc4::{KeyInit, StreamCipher};
    if let Ok(mut cipher) = rc4::Rc4::new_from_slice(key) {
        cipher.apply_keystream(buf);
    }
}

/// A parsed password-based encryption AlgorithmIdentifier.
#[derive(Debug, Clone)]
pub enum Scheme {
    /// PKCS#12 PBE with the SHA-1 KDF.
    Pkcs12 {
        /// The PBE suite (cipher and key length), e.g. `pbeWithSHAAnd3-KeyTripleDES-CBC`.
        cipher_oid: String,
        /// KDF salt.
        salt: Vec<u8>,
        /// KDF iterations.
        iterations: u64,
    },
    /// PKCS#5 v1.5 PBES1 (PBKDF1).
    Pbes1 {
        /// The PBKDF1 hash (MD2, MD5, SHA-1).
        hash: HashAlg,
        /// RC2-64 rather than DES.
        rc2: bool,
        /// KDF salt.
        salt: Vec<u8>,
        /// KDF iterations.
        iterations: u64,
    },
    /// PBES2: PBKDF2 + a CBC cipher.
    Pbes2 {
        /// PBKDF2's HMAC hash.
        prf: HashAlg,
        /// KDF salt.
        salt: Vec<u8>,
        /// KDF iterations.
        iterations: u64,
        /// Key length the parameters state, if they do.
        key_len: Option<usize>,
        /// The CBC cipher.
        cipher_oid: String,
        /// Its IV.
        iv: Vec<u8>,
        /// RC2's effective key bits.
        rc2_bits: Option<usize>,
    },
}

impl Scheme {
    /// Parses an AlgorithmIdentifier naming a password-based encryption scheme.
    pub fn parse(alg: &Element<'_>) -> PbeResult<Scheme> {
        let mut r = alg.children().map_err(|e| PbeError::Malformed(e.0))?;
        let alg_oid = r
            .expect(tag::OID, "algorithm")
            .and_then(|e| e.oid())
            .map_err(|e| PbeError::Malformed(e.0))?;
        let params = if r.is_empty() {
            None
        } else {
            Some(r.next_element().map_err(|e| PbeError::Malformed(e.0))?)
        };
        let missing = || PbeError::Malformed(format!("{} without parameters", oid::name(&alg_oid)));
        match alg_oid.as_str() {
            oid::PBE_SHA1_RC4_128
            | oid::PBE_SHA1_RC4_40
            | oid::PBE_SHA1_3DES
            | oid::PBE_SHA1_2DES
            | oid::PBE_SHA1_RC2_128
            | oid::PBE_SHA1_RC2_40 => {
                let (salt, iterations) = salt_and_count(&params.ok_or_else(missing)?)?;
                Ok(Scheme::Pkcs12 {
                    cipher_oid: alg_oid,
                    salt,
                    iterations,
                })
            }
            oid::PBE_MD5_DES | oid::PBE_MD5_RC2 | oid::PBE_SHA1_DES | oid::PBE_SHA1_RC2 => {
                let (salt, iterations) = salt_and_count(&params.ok_or_else(missing)?)?;
                let hash = if alg_oid == oid::PBE_MD5_DES || alg_oid == oid::PBE_MD5_RC2 {
                    HashAlg::Md5
                } else {
                    HashAlg::Sha1
                };
                let rc2 = alg_oid == oid::PBE_MD5_RC2 || alg_oid == oid::PBE_SHA1_RC2;
                Ok(Scheme::Pbes1 {
                    hash,
                    rc2,
                    salt,
                    iterations,
                })
            }
            oid::PBES2 => parse_pbes2(&params.ok_or_else(missing)?),
            other => Err(PbeError::Unsupported(format!(
                "encryption scheme {} is not supported",
                oid::name(other)
            ))),
        }
    }

    /// A short description, e.g. `PBES2 (PBKDF2-SHA-256, AES-256-CBC, 2048 iterations)`.
    pub fn describe(&self) -> String {
        match self {
            Scheme::Pkcs12 {
                cipher_oid,
                iterations,
                ..
            } => format!("{} ({iterations} iterations)", oid::name(cipher_oid)),
            Scheme::Pbes1 {
                hash,
                rc2,
                iterations,
                ..
            } => {
                format!(
                    "PBES1 ({}, {}, {iterations} iterations)",
                    hash.name(),
                    if *rc2 { "RC2-CBC" } else { "DES-CBC" }
                )
            }
            Scheme::Pbes2 {
                prf,
                iterations,
                cipher_oid,
                ..
            } => {
                format!(
                    "PBES2 (PBKDF2-{}, {}, {iterations} iterations)",
                    prf.name(),
                    oid::name(cipher_oid)
                )
            }
        }
    }

    /// Decrypts `data` with `password`, spending from `budget`.
    pub fn decrypt(
        &self,
        password: &Password<'_>,
        data: &[u8],
        budget: &mut Budget,
    ) -> PbeResult<Vec<u8>> {
        match self {
            Scheme::Pkcs12 {
                cipher_oid,
                salt,
                iterations,
            } => {
                let rounds = budget.spend(*iterations)?;
                let cipher = pkcs12_cipher(cipher_oid)?;
                let key = pkcs12_kdf(HashAlg::Sha1, password, salt, 1, rounds, cipher.key_len());
                let iv = pkcs12_kdf(HashAlg::Sha1, password, salt, 2, rounds, cipher.iv_len());
                cipher.decrypt(&key, &iv, data)
            }
            Scheme::Pbes1 {
                hash,
                rc2,
                salt,
                iterations,
            } => {
                let rounds = budget.spend(*iterations)?;
                let mut t = hash.digest(&[password.raw(), salt.as_slice()].concat());
                for _ in 1..rounds {
                    t = hash.digest(&t);
                }
                let cipher = if *rc2 {
                    Cipher::Rc2 {
                        key_len: 8,
                        effective_bits: 64,
                    }
                } else {
                    Cipher::Des
                };
                cipher.decrypt(&t[..8], &t[8..16], data)
            }
            Scheme::Pbes2 {
                prf,
                salt,
                iterations,
                key_len,
                cipher_oid,
                iv,
                rc2_bits,
            } => {
                let rounds = budget.spend(*iterations)?;
                let cipher = pbes2_cipher(cipher_oid, *key_len, *rc2_bits)?;
                let mut key = vec![0u8; key_len.unwrap_or(cipher.key_len())];
                prf.pbkdf2(password.raw(), salt, rounds, &mut key)?;
                if iv.len() != cipher.iv_len() {
                    return malformed("IV length does not match the cipher");
                }
                cipher.decrypt(&key, iv, data)
            }
        }
    }
}

fn salt_and_count(params: &Element<'_>) -> PbeResult<(Vec<u8>, u64)> {
    let m = |e: crate::cert::ber::BerError| PbeError::Malformed(e.0);
    let mut r = params.children().map_err(m)?;
    let salt = r
        .expect(tag::OCTET_STRING, "salt")
        .map_err(m)?
        .octets()
        .map_err(m)?
        .to_vec();
    let count = r
        .expect(tag::INTEGER, "iteration count")
        .map_err(m)?
        .uint()
        .map_err(m)?;
    Ok((salt, count))
}

fn parse_pbes2(params: &Element<'_>) -> PbeResult<Scheme> {
    let m = |e: crate::cert::ber::BerError| PbeError::Malformed(e.0);
    let mut r = params.children().map_err(m)?;
    let kdf = r
        .expect(tag::SEQUENCE, "key derivation function")
        .map_err(m)?;
    let enc = r.expect(tag::SEQUENCE, "encryption scheme").map_err(m)?;
    let (prf, salt, iterations, key_len) = parse_pbkdf2(&kdf)?;
    let mut er = enc.children().map_err(m)?;
    let cipher_oid = er.expect(tag::OID, "cipher").map_err(m)?.oid().map_err(m)?;
    let p = if er.is_empty() {
        None
    } else {
        Some(er.next_element().map_err(m)?)
    };
    let (iv, rc2_bits) = match (cipher_oid.as_str(), p) {
        (oid::RC2_CBC, Some(p)) if p.constructed => {
            let mut pr = p.children().map_err(m)?;
            let mut bits = None;
            if let Some(v) = pr
                .next_if(crate::cert::ber::Class::Universal, tag::INTEGER)
                .map_err(m)?
            {
                let version = v.uint().map_err(m)?;
                bits = Some(match version {
                    160 => 40,
                    120 => 64,
                    58 => 128,
                    n if n >= 256 => n as usize,
                    _ => {
                        return Err(PbeError::Unsupported(format!(
                            "RC2 parameter version {version}"
                        )));
                    }
                });
            }
            let iv = pr
                .expect(tag::OCTET_STRING, "IV")
                .map_err(m)?
                .octets()
                .map_err(m)?
                .to_vec();
            (iv, bits.or(Some(32)))
        }
        (_, Some(p))
            if p.class == crate::cert::ber::Class::Universal && p.tag == tag::OCTET_STRING =>
        {
            (p.octets().map_err(m)?.to_vec(), None)
        }
        (o, _) => {
            return Err(PbeError::Unsupported(format!(
                "PBES2 cipher {} is not supported",
                oid::name(o)
            )));
        }
    };
    Ok(Scheme::Pbes2 {
        prf,
        salt,
        iterations,
        key_len,
        cipher_oid,
        iv,
        rc2_bits,
    })
}

/// Parses a PBKDF2 AlgorithmIdentifier: (PRF hash, salt, iterations, key length).
pub fn parse_pbkdf2(kdf: &Element<'_>) -> PbeResult<(HashAlg, Vec<u8>, u64, Option<usize>)> {
    let m = |e: crate::cert::ber::BerError| PbeError::Malformed(e.0);
    let mut r = kdf.children().map_err(m)?;
    let kdf_oid = r.expect(tag::OID, "KDF").map_err(m)?.oid().map_err(m)?;
    if kdf_oid != oid::PBKDF2 {
        return Err(PbeError::Unsupported(format!(
            "key derivation {} is not supported (only PBKDF2)",
            oid::name(&kdf_oid)
        )));
    }
    let params = r.expect(tag::SEQUENCE, "PBKDF2 parameters").map_err(m)?;
    let mut pr = params.children().map_err(m)?;
    let salt_el = pr.next_element().map_err(m)?;
    if salt_el.tag != tag::OCTET_STRING {
        return Err(PbeError::Unsupported(
            "PBKDF2 salt from another source".into(),
        ));
    }
    let salt = salt_el.octets().map_err(m)?.to_vec();
    let iterations = pr
        .expect(tag::INTEGER, "iteration count")
        .map_err(m)?
        .uint()
        .map_err(m)?;
    let mut key_len = None;
    let mut prf = HashAlg::Sha1;
    while !pr.is_empty() {
        let el = pr.next_element().map_err(m)?;
        if el.tag == tag::INTEGER && el.class == crate::cert::ber::Class::Universal {
            let n = el.uint().map_err(m)?;
            if n == 0 || n > 64 {
                return malformed(format!("PBKDF2 key length {n}"));
            }
            key_len = Some(n as usize);
        } else if el.tag == tag::SEQUENCE {
            let mut ar = el.children().map_err(m)?;
            let prf_oid = ar.expect(tag::OID, "PRF").map_err(m)?.oid().map_err(m)?;
            prf = HashAlg::from_hmac_oid(&prf_oid).ok_or_else(|| {
                PbeError::Unsupported(format!(
                    "PBKDF2 PRF {} is not supported",
                    oid::name(&prf_oid)
                ))
            })?;
        }
    }
    Ok((prf, salt, iterations, key_len))
}

fn pkcs12_cipher(o: &str) -> PbeResult<Cipher> {
    Ok(match o {
        oid::PBE_SHA1_3DES => Cipher::DesEde3,
        oid::PBE_SHA1_2DES => Cipher::DesEde2,
        oid::PBE_SHA1_RC2_128 => Cipher::Rc2 {
            key_len: 16,
            effective_bits: 128,
        },
        oid::PBE_SHA1_RC2_40 => Cipher::Rc2 {
            key_len: 5,
            effective_bits: 40,
        },
        oid::PBE_SHA1_RC4_128 => Cipher::Rc4 { key_len: 16 },
        oid::PBE_SHA1_RC4_40 => Cipher::Rc4 { key_len: 5 },
        other => {
            return Err(PbeError::Unsupported(format!(
                "PKCS#12 scheme {} is not supported",
                oid::name(other)
            )));
        }
    })
}

fn pbes2_cipher(o: &str, key_len: Option<usize>, rc2_bits: Option<usize>) -> PbeResult<Cipher> {
    let c = match o {
        oid::AES128_CBC => Cipher::Aes128,
        oid::CAMELLIA128_CBC => Cipher::Camellia128,
        oid::CAMELLIA192_CBC => Cipher::Camellia192,
        oid::CAMELLIA256_CBC => Cipher::Camellia256,
        oid::AES192_CBC => Cipher::Aes192,
        oid::AES256_CBC => Cipher::Aes256,
        oid::DES_EDE3_CBC => Cipher::DesEde3,
        oid::DES_CBC => Cipher::Des,
        oid::RC2_CBC => {
            let bits = rc2_bits.unwrap_or(32);
            let len = key_len.unwrap_or(bits.div_ceil(8));
            if !(1..=128).contains(&len) || !(1..=1024).contains(&bits) {
                return malformed("RC2 key length out of range");
            }
            return Ok(Cipher::Rc2 {
                key_len: len,
                effective_bits: bits,
            });
        }
        other => {
            return Err(PbeError::Unsupported(format!(
                "PBES2 cipher {} is not supported",
                oid::name(other)
            )));
        }
    };
    if key_len.is_some_and(|k| k != c.key_len()) {
        return malformed("PBKDF2 key length does not match the cipher");
    }
    Ok(c)
}

/// Decrypts a legacy OpenSSL encrypted PEM key (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: CIPHER,IV`)
/// with EVP_BytesToKey (MD5, one round, salt = first 8 bytes of the IV).
pub fn decrypt_legacy_pem(dek_info: &str, password: &[u8], data: &[u8]) -> PbeResult<Vec<u8>> {
    let (name, iv_hex) = dek_info
        .split_once(',')
        .ok_or_else(|| PbeError::Malformed("DEK-Info has no IV".into()))?;
    let cipher = match name.trim().to_ascii_uppercase().as_str() {
        "AES-128-CBC" => Cipher::Aes128,
        "AES-192-CBC" => Cipher::Aes192,
        "AES-256-CBC" => Cipher::Aes256,
        "DES-EDE3-CBC" => Cipher::DesEde3,
        "DES-CBC" => Cipher::Des,
        other => {
            return Err(PbeError::Unsupported(format!(
                "PEM encryption {other} is not supported"
            )));
        }
    };
    let iv = hex::decode(iv_hex.trim())
        .map_err(|_| PbeError::Malformed("DEK-Info IV is not hex".into()))?;
    if iv.len() != cipher.iv_len() {
        return malformed("DEK-Info IV length does not match the cipher");
    }
    let mut key = Vec::new();
    let mut prev: Vec<u8> = Vec::new();
    while key.len() < cipher.key_len() {
        prev = HashAlg::Md5.digest(&[prev.as_slice(), password, &iv[..8]].concat());
        key.extend_from_slice(&prev);
    }
    key.truncate(cipher.key_len());
    cipher.decrypt(&key, &iv, data)
}

/// Which encryption the writer applies (test files, lab certificates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteScheme {
    /// No encryption.
    None,
    /// PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC (OpenSSL 3 default).
    Pbes2Aes256,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC (legacy keys, Windows).
    Pkcs12TripleDes,
    /// pbeWithSHAAnd40BitRC2-CBC (legacy certificates).
    Pkcs12Rc2_40,
}

/// Encrypts `data`; returns the AlgorithmIdentifier DER and the ciphertext.
pub fn encrypt(
    scheme: WriteScheme,
    password: &Password<'_>,
    salt: &[u8],
    iterations: u32,
    iv: &[u8; 16],
    data: &[u8],
) -> Option<(Vec<u8>, Vec<u8>)> {
    use crate::cert::ber::write as w;
    match scheme {
        WriteScheme::None => None,
        WriteScheme::Pbes2Aes256 => {
            let mut key = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(password.raw(), salt, iterations, &mut key);
            let ct = Cipher::Aes256.encrypt(&key, iv, data);
            let prf = w::seq(&[&w::oid(oid::HMAC_SHA256), &w::null()]);
            let kdf_params = w::seq(&[&w::octets(salt), &w::uint(u64::from(iterations)), &prf]);
            let kdf = w::seq(&[&w::oid(oid::PBKDF2), &kdf_params]);
            let enc = w::seq(&[&w::oid(oid::AES256_CBC), &w::octets(iv)]);
            let alg = w::seq(&[&w::oid(oid::PBES2), &w::seq(&[&kdf, &enc])]);
            Some((alg, ct))
        }
        WriteScheme::Pkcs12TripleDes | WriteScheme::Pkcs12Rc2_40 => {
            let (o, cipher) = if scheme == WriteScheme::Pkcs12TripleDes {
                (oid::PBE_SHA1_3DES, Cipher::DesEde3)
            } else {
                (
                    oid::PBE_SHA1_RC2_40,
                    Cipher::Rc2 {
                        key_len: 5,
                        effective_bits: 40,
                    },
                )
            };
            let key = pkcs12_kdf(
                HashAlg::Sha1,
                password,
                salt,
                1,
                iterations,
                cipher.key_len(),
            );
            let iv = pkcs12_kdf(
                HashAlg::Sha1,
                password,
                salt,
                2,
                iterations,
                cipher.iv_len(),
            );
            let ct = cipher.encrypt(&key, &iv, data);
            let alg = w::seq(&[
                &w::oid(o),
                &w::seq(&[&w::octets(salt), &w::uint(u64::from(iterations))]),
            ]);
            Some((alg, ct))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::ber::Reader;
    use crate::cert::pbe::PasswordForm;

    #[test]
    fn rc4_matches_known_vector() {
        // RFC 6229-style check: key "Key", plaintext "Plaintext" -> BBF316E8D940AF0AD3
        let mut buf = b"Plaintext".to_vec();
        rc4_apply(b"Key", &mut buf);
        assert_eq!(hex::encode_upper(&buf), "BBF316E8D940AF0AD3");
    }

    #[test]
    fn every_writable_scheme_round_trips() {
        let pw = Password {
            text: "pässword",
            form: PasswordForm::Given,
        };
        for s in [
            WriteScheme::Pbes2Aes256,
            WriteScheme::Pkcs12TripleDes,
            WriteScheme::Pkcs12Rc2_40,
        ] {
            let (alg, ct) = encrypt(s, &pw, b"12345678", 100, &[7u8; 16], b"secret data").unwrap();
            let el = Reader::new(&alg).next_element().unwrap();
            let scheme = Scheme::parse(&el).unwrap();
            let mut budget = Budget::new(10_000, 10_000);
            assert_eq!(
                scheme.decrypt(&pw, &ct, &mut budget).unwrap(),
                b"secret data",
                "{s:?}"
            );
            let wrong = Password {
                text: "other",
                form: PasswordForm::Given,
            };
            assert_ne!(
                scheme.decrypt(&wrong, &ct, &mut budget).ok().as_deref(),
                Some(&b"secret data"[..])
            );
        }
    }
}
