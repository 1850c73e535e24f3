//! A writer that hashes (SHA-256) and counts what passes through it, so a file is verified in
//! the same pass that writes it.

use sha2::{Digest, Sha256};
use std::io::Write;

/// Writes through to `inner` while hashing and counting.
pub(crate) struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
    len: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hash: Sha256::new(),
            len: 0,
        }
    }

    /// The writer, the hex SHA-256 and the length of what was written.
    pub(crate) fn finish(self) -> (W, String, u64) {
        (self.inner, hex::encode(self.hash.finalize()), self.len)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_counts() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"ab").expect("write");
        w.write_all(b"c").expect("write");
        let (out, hash, len) = w.finish();
        assert_eq!(out, b"abc");
        assert_eq!(len, 3);
        assert_eq!(hash, hex::encode(Sha256::digest(b"abc")));
    }
}
