//! Password-based cryptography of PKCS#12, PKCS#5 and PKCS#8: key derivation, decryption, MACs.
//!
//! Everything a real PFX or encrypted key may use: the PKCS#12 KDF (SHA-1 … SHA-512), PBES1,
//! PBES2 (PBKDF2 with any HMAC-SHA PRF; AES, 3DES, DES, RC2), the PKCS#12 PBE suites (3DES,
//! 2-key 3DES, RC2-40/128, RC4-40/128) and PBMAC1. Work is bounded by an iteration budget so a
//! hostile file cannot hang the inspector.

mod primitives;
mod scheme;

pub use primitives::*;
pub use scheme::{Scheme, WriteScheme, decrypt_legacy_pem, encrypt, parse_pbkdf2};
