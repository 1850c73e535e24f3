//! The building blocks every scheme uses: errors, passwords, the iteration budget, hash
//! algorithms, the PKCS#12 KDF, PBKDF2 and MAC keys.

use crate::cert::ber::{Reader, tag};
use crate::cert::oid;
use hmac::KeyInit;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// Why a password-based operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PbeError {
    /// Decryption produced garbage: the password (or the file) is wrong.
    #[error("decryption failed (bad padding)")]
    BadDecrypt,
    /// A scheme or parameter this reader does not implement.
    #[error("{0}")]
    Unsupported(String),
    /// Structurally broken parameters.
    #[error("{0}")]
    Malformed(String),
}

pub(super) type PbeResult<T> = Result<T, PbeError>;

pub(super) fn malformed<T>(msg: impl Into<String>) -> PbeResult<T> {
    Err(PbeError::Malformed(msg.into()))
}

/// How the password is turned into bytes; PKCS#12 files differ in which one they used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordForm {
    /// The password as given (BMPString with terminator for the PKCS#12 KDF, UTF-8 for PBKDF2).
    Given,
    /// The "null" password: no bytes at all (what Windows uses for an empty password).
    Null,
    /// Each UTF-8 byte taken as one BMP character (how OpenSSL before 1.1 encoded non-ASCII).
    Bytewise,
}

/// A password and the form to encode it in.
#[derive(Debug, Clone, Copy)]
pub struct Password<'a> {
    /// The text the operator gave.
    pub text: &'a str,
    /// Which encoding to apply.
    pub form: PasswordForm,
}

impl Password<'_> {
    /// The forms worth trying for this text, most likely first (OpenSSL's order).
    pub fn candidates(text: &str) -> Vec<Password<'_>> {
        let mut v = vec![Password {
            text,
            form: PasswordForm::Given,
        }];
        if text.is_empty() {
            v.push(Password {
                text,
                form: PasswordForm::Null,
            });
        } else if !text.is_ascii() {
            v.push(Password {
                text,
                form: PasswordForm::Bytewise,
            });
        }
        v
    }

    /// Bytes for the PKCS#12 KDF (appendix B of RFC 7292).
    fn bmp(&self) -> Vec<u8> {
        let mut out: Vec<u8> = match self.form {
            PasswordForm::Null => return Vec::new(),
            PasswordForm::Given => self
                .text
                .encode_utf16()
                .flat_map(|u| u.to_be_bytes())
                .collect(),
            PasswordForm::Bytewise => self.text.bytes().flat_map(|b| [0, b]).collect(),
        };
        out.extend_from_slice(&[0, 0]);
        out
    }

    /// Bytes for PBKDF1/PBKDF2 (OpenSSL passes the raw text).
    pub(super) fn raw(&self) -> &[u8] {
        match self.form {
            PasswordForm::Null => &[],
            _ => self.text.as_bytes(),
        }
    }
}

/// Caps the key-derivation work one inspection may do.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Largest iteration count accepted in one derivation.
    pub max_iterations: u64,
    /// Iterations left for the whole inspection.
    pub remaining: u64,
}

impl Budget {
    /// A budget allowing `max_iterations` per derivation and `total` overall.
    pub fn new(max_iterations: u64, total: u64) -> Self {
        Budget {
            max_iterations,
            remaining: total,
        }
    }

    pub(super) fn spend(&mut self, iterations: u64) -> PbeResult<u32> {
        if iterations == 0 {
            return malformed("iteration count is zero");
        }
        if iterations > self.max_iterations {
            return Err(PbeError::Unsupported(format!(
                "iteration count {iterations} is above the limit of {}",
                self.max_iterations
            )));
        }
        if iterations > self.remaining {
            return Err(PbeError::Unsupported(
                "the file needs more key-derivation work than the inspection allows".into(),
            ));
        }
        self.remaining -= iterations;
        Ok(iterations as u32)
    }
}

/// A hash function named by a PKCS#12 or PBKDF2 parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    /// MD5 (PBES1 only).
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// The hash for a digest OID.
    pub fn from_digest_oid(o: &str) -> Option<HashAlg> {
        Some(match o {
            oid::MD5 => HashAlg::Md5,
            oid::SHA1 => HashAlg::Sha1,
            oid::SHA224 => HashAlg::Sha224,
            oid::SHA256 => HashAlg::Sha256,
            oid::SHA384 => HashAlg::Sha384,
            oid::SHA512 => HashAlg::Sha512,
            _ => return None,
        })
    }

    /// The hash for an HMAC PRF OID.
    pub fn from_hmac_oid(o: &str) -> Option<HashAlg> {
        Some(match o {
            oid::HMAC_SHA1 => HashAlg::Sha1,
            oid::HMAC_SHA224 => HashAlg::Sha224,
            oid::HMAC_SHA256 => HashAlg::Sha256,
            oid::HMAC_SHA384 => HashAlg::Sha384,
            oid::HMAC_SHA512 => HashAlg::Sha512,
            _ => return None,
        })
    }

    /// Name as OpenSSL prints it.
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Md5 => "MD5",
            HashAlg::Sha1 => "SHA-1",
            HashAlg::Sha224 => "SHA-224",
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
        }
    }

    fn output_len(self) -> usize {
        match self {
            HashAlg::Md5 => 16,
            HashAlg::Sha1 => 20,
            HashAlg::Sha224 => 28,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    fn block_len(self) -> usize {
        match self {
            HashAlg::Sha384 | HashAlg::Sha512 => 128,
            _ => 64,
        }
    }

    pub(super) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Md5 => md5::Md5::digest(data).to_vec(),
            HashAlg::Sha1 => Sha1::digest(data).to_vec(),
            HashAlg::Sha224 => Sha224::digest(data).to_vec(),
            HashAlg::Sha256 => Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// HMAC of `data` under `key`.
    pub fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        macro_rules! mac {
            ($h:ty) => {{
                let mut m =
                    <Hmac<$h> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }};
        }
        match self {
            HashAlg::Md5 => mac!(md5::Md5),
            HashAlg::Sha1 => mac!(Sha1),
            HashAlg::Sha224 => mac!(Sha224),
            HashAlg::Sha256 => mac!(Sha256),
            HashAlg::Sha384 => mac!(Sha384),
            HashAlg::Sha512 => mac!(Sha512),
        }
    }

    pub(super) fn pbkdf2(
        self,
        password: &[u8],
        salt: &[u8],
        rounds: u32,
        out: &mut [u8],
    ) -> PbeResult<()> {
        match self {
            HashAlg::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, rounds, out),
            HashAlg::Sha224 => pbkdf2::pbkdf2_hmac::<Sha224>(password, salt, rounds, out),
            HashAlg::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, out),
            HashAlg::Sha384 => pbkdf2::pbkdf2_hmac::<Sha384>(password, salt, rounds, out),
            HashAlg::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, rounds, out),
            HashAlg::Md5 => return Err(PbeError::Unsupported("PBKDF2 with MD5".into())),
        }
        Ok(())
    }
}

/// The PKCS#12 key derivation function (RFC 7292 appendix B). `id`: 1 key, 2 IV, 3 MAC key.
pub fn pkcs12_kdf(
    hash: HashAlg,
    password: &Password<'_>,
    salt: &[u8],
    id: u8,
    iterations: u32,
    out_len: usize,
) -> Vec<u8> {
    let u = hash.output_len();
    let v = hash.block_len();
    let pass = password.bmp();
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        let len = v * src.len().div_ceil(v);
        src.iter().cycle().take(len).copied().collect()
    };
    let d = vec![id; v];
    let mut i_buf = fill(salt);
    i_buf.extend(fill(&pass));
    let mut out = Vec::with_capacity(out_len + u);
    while out.len() < out_len {
        let mut a = hash.digest(&[d.as_slice(), i_buf.as_slice()].concat());
        for _ in 1..iterations {
            a = hash.digest(&a);
        }
        out.extend_from_slice(&a);
        if out.len() >= out_len {
            break;
        }
        let b: Vec<u8> = a.iter().cycle().take(v).copied().collect();
        for chunk in i_buf.chunks_mut(v) {
            // chunk = (chunk + b + 1) mod 2^(8v), big-endian.
            let mut carry = 1u16;
            for k in (0..v).rev() {
                let s = u16::from(chunk[k]) + u16::from(b[k]) + carry;
                chunk[k] = s as u8;
                carry = s >> 8;
            }
        }
    }
    out.truncate(out_len);
    out
}

/// Reads salt and iteration count from a MacData-like reader (used by PKCS#12 MAC).
pub fn read_mac_salt_iterations(r: &mut Reader<'_>) -> PbeResult<(Vec<u8>, u64)> {
    let m = |e: crate::cert::ber::BerError| PbeError::Malformed(e.0);
    let salt = r
        .expect(tag::OCTET_STRING, "MAC salt")
        .map_err(m)?
        .octets()
        .map_err(m)?
        .to_vec();
    let iterations = match r
        .next_if(crate::cert::ber::Class::Universal, tag::INTEGER)
        .map_err(m)?
    {
        Some(el) => el.uint().map_err(m)?,
        None => 1,
    };
    Ok((salt, iterations))
}

/// Derives a PBKDF2 key (PBMAC1), spending from `budget`.
pub fn pbkdf2_key(
    prf: HashAlg,
    password: &Password<'_>,
    salt: &[u8],
    iterations: u64,
    key_len: usize,
    budget: &mut Budget,
) -> PbeResult<Vec<u8>> {
    let rounds = budget.spend(iterations)?;
    let mut key = vec![0u8; key_len];
    prf.pbkdf2(password.raw(), salt, rounds, &mut key)?;
    Ok(key)
}

/// Derives the PKCS#12 MAC key, spending from `budget`.
pub fn pkcs12_mac_key(
    hash: HashAlg,
    password: &Password<'_>,
    salt: &[u8],
    iterations: u64,
    budget: &mut Budget,
) -> PbeResult<Vec<u8>> {
    let rounds = budget.spend(iterations)?;
    Ok(pkcs12_kdf(
        hash,
        password,
        salt,
        3,
        rounds,
        hash.output_len(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs12_kdf_is_deterministic_and_distinguishes_null_from_empty() {
        let given = Password {
            text: "",
            form: PasswordForm::Given,
        };
        let null = Password {
            text: "",
            form: PasswordForm::Null,
        };
        let a = pkcs12_kdf(HashAlg::Sha1, &given, b"saltsalt", 3, 10, 20);
        let b = pkcs12_kdf(HashAlg::Sha1, &null, b"saltsalt", 3, 10, 20);
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert_eq!(a, pkcs12_kdf(HashAlg::Sha1, &given, b"saltsalt", 3, 10, 20));
    }

    #[test]
    fn budget_refuses_absurd_iteration_counts() {
        let mut b = Budget::new(1000, 1500);
        assert!(b.spend(1001).is_err());
        assert!(b.spend(1000).is_ok());
        assert!(b.spend(600).is_err());
        assert!(b.spend(0).is_err());
    }
}
