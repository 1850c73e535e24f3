//! Package encryption: AES-256-GCM over fixed-size chunks, so files of any size stream through
//! in constant memory and a truncated, reordered or altered file fails to decrypt.
//!
//! Layout: a 17-byte header — magic `CSPKG\x01`, a 7-byte random nonce prefix, the chunk size
//! (u32 BE) — then the chunks, each `chunk_size` bytes of plaintext (the last one shorter, and
//! one empty chunk for an empty file) sealed with a 16-byte tag. Chunk `i`'s nonce is
//! `prefix ‖ i (u32 BE) ‖ last (0 or 1)` and its associated data is the header: the "last" flag
//! makes truncation at a chunk boundary detectable (the STREAM construction).

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use std::io::{Read, Write};

/// Header magic and format version.
pub const MAGIC: &[u8; 6] = b"CSPKG\x01";
/// Header length in bytes: magic (6), nonce prefix (7), chunk size (4).
pub const HEADER_LEN: usize = 6 + 7 + 4;
/// Bytes of GCM tag after each chunk's ciphertext.
pub const TAG_LEN: usize = 16;
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;

/// A package key: 32 random bytes.
#[derive(Clone)]
pub struct PackageKey(pub [u8; 32]);

impl Drop for PackageKey {
    fn drop(&mut self) {
        // A key outlives its use in many places (a package's locations, a fetch): none leaves
        // it behind in freed memory.
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl std::fmt::Debug for PackageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PackageKey(..)")
    }
}

impl PackageKey {
    /// A fresh random key.
    pub fn generate() -> Result<PackageKey, CryptError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| CryptError::Random(e.to_string()))?;
        Ok(PackageKey(key))
    }

    /// From base64 (as the management point sends it).
    pub fn from_base64(text: &str) -> Result<PackageKey, CryptError> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| CryptError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptError::BadKey)?;
        Ok(PackageKey(key))
    }

    /// As standard base64 with padding (what the management point sends).
    pub fn to_base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }
}

/// Why encryption or decryption failed.
#[derive(Debug, thiserror::Error)]
pub enum CryptError {
    /// No randomness.
    #[error("no random numbers available: {0}")]
    Random(String),
    /// The key is not 32 bytes of base64.
    #[error("the package key is not 32 bytes of base64")]
    BadKey,
    /// Not a package file, or not one this version reads.
    #[error("not an encrypted package (bad header)")]
    BadHeader,
    /// Authentication failed: wrong key, altered or truncated file.
    #[error(
        "the package does not decrypt at byte {offset}: wrong key, or the file was altered or truncated"
    )]
    Corrupt {
        /// Plaintext offset of the chunk that failed.
        offset: u64,
    },
    /// The stream would need more chunks than its counter can number without reusing a nonce.
    #[error("the package is too large for one encrypted stream (more than 2^32 chunks)")]
    TooLong,
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Size of the encrypted form of `plain_len` bytes.
pub fn encrypted_len(plain_len: u64) -> u64 {
    let chunks = plain_len.div_ceil(CHUNK as u64).max(1);
    HEADER_LEN as u64 + plain_len + chunks * TAG_LEN as u64
}

fn nonce(prefix: &[u8; 7], index: u32, last: bool) -> Nonce<aes_gcm::aead::consts::U12> {
    let mut n = [0u8; 12];
    n[..7].copy_from_slice(prefix);
    n[7..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::from(n)
}

/// Encrypts a stream pushed to it piece by piece into `out`.
pub struct Encryptor<W: Write> {
    cipher: Aes256Gcm,
    header: [u8; HEADER_LEN],
    prefix: [u8; 7],
    index: u32,
    buf: Vec<u8>,
    out: W,
    written: u64,
}

impl<W: Write> Encryptor<W> {
    /// Starts a stream: writes the header.
    pub fn new(key: &PackageKey, mut out: W) -> Result<Self, CryptError> {
        let mut prefix = [0u8; 7];
        getrandom::fill(&mut prefix).map_err(|e| CryptError::Random(e.to_string()))?;
        let mut header = [0u8; HEADER_LEN];
        header[..6].copy_from_slice(MAGIC);
        header[6..13].copy_from_slice(&prefix);
        header[13..].copy_from_slice(&(CHUNK as u32).to_be_bytes());
        out.write_all(&header)?;
        Ok(Encryptor {
            cipher: Aes256Gcm::new(&key.0.into()),
            header,
            prefix,
            index: 0,
            buf: Vec::with_capacity(CHUNK * 2),
            out,
            written: HEADER_LEN as u64,
        })
    }

    fn seal(&mut self, len: usize, last: bool) -> Result<(), CryptError> {
        let sealed = self
            .cipher
            .encrypt(
                &nonce(&self.prefix, self.index, last),
                Payload {
                    msg: &self.buf[..len],
                    aad: &self.header,
                },
            )
            .map_err(|_| CryptError::Corrupt { offset: 0 })?;
        self.out.write_all(&sealed)?;
        self.written += sealed.len() as u64;
        self.buf.drain(..len);
        // A wrapped counter would reuse a nonce: refuse instead (2^32 chunks is far beyond
        // any package, but a counter that wraps silently is never acceptable).
        self.index = self.index.checked_add(1).ok_or(CryptError::TooLong)?;
        Ok(())
    }

    /// Adds plaintext.
    pub fn push(&mut self, data: &[u8]) -> Result<(), CryptError> {
        self.buf.extend_from_slice(data);
        // A chunk is sealed only once more data follows it, so the last one gets the flag.
        while self.buf.len() > CHUNK {
            self.seal(CHUNK, false)?;
        }
        Ok(())
    }

    /// Seals the last chunk; returns the writer and the bytes written.
    pub fn finish(mut self) -> Result<(W, u64), CryptError> {
        let len = self.buf.len();
        self.seal(len, true)?;
        self.out.flush()?;
        Ok((self.out, self.written))
    }
}

/// Decrypts a stream pushed to it piece by piece into `out`.
pub struct Decryptor<W: Write> {
    cipher: Aes256Gcm,
    header: Option<[u8; HEADER_LEN]>,
    prefix: [u8; 7],
    chunk: usize,
    index: u32,
    buf: Vec<u8>,
    out: W,
    plain: u64,
}

impl<W: Write> Decryptor<W> {
    /// A decryptor writing plaintext to `out`.
    pub fn new(key: &PackageKey, out: W) -> Self {
        Decryptor {
            cipher: Aes256Gcm::new(&key.0.into()),
            header: None,
            prefix: [0; 7],
            chunk: CHUNK,
            index: 0,
            buf: Vec::new(),
            out,
            plain: 0,
        }
    }

    fn open(&mut self, len: usize, last: bool) -> Result<(), CryptError> {
        let header = self.header.ok_or(CryptError::BadHeader)?;
        let plain = self
            .cipher
            .decrypt(
                &nonce(&self.prefix, self.index, last),
                Payload {
                    msg: &self.buf[..len],
                    aad: &header,
                },
            )
            .map_err(|_| CryptError::Corrupt { offset: self.plain })?;
        self.out.write_all(&plain)?;
        self.plain += plain.len() as u64;
        self.buf.drain(..len);
        self.index = self.index.checked_add(1).ok_or(CryptError::TooLong)?;
        Ok(())
    }

    /// Adds ciphertext.
    pub fn push(&mut self, data: &[u8]) -> Result<(), CryptError> {
        self.buf.extend_from_slice(data);
        if self.header.is_none() {
            if self.buf.len() < HEADER_LEN {
                return Ok(());
            }
            if &self.buf[..6] != MAGIC {
                return Err(CryptError::BadHeader);
            }
            let mut header = [0u8; HEADER_LEN];
            header.copy_from_slice(&self.buf[..HEADER_LEN]);
            self.prefix.copy_from_slice(&header[6..13]);
            let chunk = u32::from_be_bytes([header[13], header[14], header[15], header[16]]);
            if chunk == 0 || chunk > 16 * 1024 * 1024 {
                return Err(CryptError::BadHeader);
            }
            self.chunk = chunk as usize;
            self.header = Some(header);
            self.buf.drain(..HEADER_LEN);
        }
        let sealed = self.chunk + TAG_LEN;
        while self.buf.len() > sealed {
            self.open(sealed, false)?;
        }
        Ok(())
    }

    /// Opens the last chunk; returns the writer and the plaintext length.
    pub fn finish(mut self) -> Result<(W, u64), CryptError> {
        if self.header.is_none() {
            return Err(CryptError::BadHeader);
        }
        if self.buf.len() < TAG_LEN {
            return Err(CryptError::Corrupt { offset: self.plain });
        }
        let len = self.buf.len();
        self.open(len, true)?;
        self.out.flush()?;
        Ok((self.out, self.plain))
    }
}

/// Encrypts all of `input` into `out`; returns the bytes written.
pub fn encrypt_stream(
    key: &PackageKey,
    input: &mut impl Read,
    out: impl Write,
) -> Result<u64, CryptError> {
    let mut enc = Encryptor::new(key, out)?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        enc.push(&buf[..n])?;
    }
    Ok(enc.finish()?.1)
}

/// Decrypts all of `input` into `out`; returns the plaintext length.
pub fn decrypt_stream(
    key: &PackageKey,
    input: &mut impl Read,
    out: impl Write,
) -> Result<u64, CryptError> {
    let mut dec = Decryptor::new(key, out);
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        dec.push(&buf[..n])?;
    }
    Ok(dec.finish()?.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(len: usize) {
        let key = PackageKey::generate().expect("key");
        let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        let mut sealed = Vec::new();
        let n = encrypt_stream(&key, &mut plain.as_slice(), &mut sealed).expect("encrypt");
        assert_eq!(n as usize, sealed.len());
        assert_eq!(encrypted_len(len as u64), n, "len {len}");
        if len > 16 {
            assert!(
                !sealed.windows(16).any(|w| w == &plain[..16]),
                "plaintext visible"
            );
        }
        // Pushed in odd pieces, as a network delivers it.
        let mut dec = Decryptor::new(&key, Vec::new());
        for piece in sealed.chunks(7777) {
            dec.push(piece).expect("push");
        }
        let (out, m) = dec.finish().expect("finish");
        assert_eq!(m as usize, len);
        assert_eq!(out, plain);
    }

    #[test]
    fn round_trips_every_boundary() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5] {
            roundtrip(len);
        }
    }

    #[test]
    fn tampering_truncation_and_wrong_key_fail() {
        let key = PackageKey::generate().expect("key");
        let plain = vec![7u8; 2 * CHUNK + 10];
        let mut sealed = Vec::new();
        encrypt_stream(&key, &mut plain.as_slice(), &mut sealed).expect("encrypt");
        let mut flipped = sealed.clone();
        flipped[HEADER_LEN + CHUNK + 20] ^= 1;
        assert!(matches!(
            decrypt_stream(&key, &mut flipped.as_slice(), Vec::new()),
            Err(CryptError::Corrupt { offset }) if offset == CHUNK as u64
        ));
        // Cut exactly after two whole chunks: the second chunk was not sealed as the last.
        let cut = &sealed[..HEADER_LEN + 2 * (CHUNK + TAG_LEN)];
        assert!(decrypt_stream(&key, &mut &cut[..], Vec::new()).is_err());
        let other = PackageKey::generate().expect("key");
        assert!(decrypt_stream(&other, &mut sealed.as_slice(), Vec::new()).is_err());
        assert!(matches!(
            decrypt_stream(&key, &mut &b"not a package at all"[..], Vec::new()),
            Err(CryptError::BadHeader)
        ));
        let k = PackageKey::from_base64(&key.to_base64()).expect("b64");
        assert_eq!(k.0, key.0);
        assert!(PackageKey::from_base64("AAAA").is_err());
    }

    #[test]
    fn the_chunk_counter_refuses_to_wrap() {
        let key = PackageKey::generate().expect("key");
        let mut enc = Encryptor::new(&key, Vec::new()).expect("encryptor");
        enc.index = u32::MAX - 1;
        enc.push(&vec![0u8; CHUNK + 1])
            .expect("chunk u32::MAX - 1 seals");
        // The next chunk would be number u32::MAX + 1: refused, not a reused nonce.
        assert!(matches!(
            enc.push(&vec![0u8; CHUNK]),
            Err(CryptError::TooLong)
        ));
    }
}
