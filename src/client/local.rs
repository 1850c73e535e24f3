//! The output folder: where a file's part, temporary plaintext and final copy live, whether a
//! file is already there, and turning a complete part into a verified file. Blocking I/O: the
//! fetch runs these on the blocking pool.

use crate::content::crypt::{CryptError, Decryptor, PackageKey};
use crate::content::hashing::HashingWriter;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

/// The files of one package file in the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FilePaths {
    /// `DIR/<file>`: the verified plaintext.
    pub done: PathBuf,
    /// `DIR/.<file>.part`: the encrypted bytes received so far.
    pub part: PathBuf,
    /// `DIR/.<file>.tmp`: the plaintext while it is decrypted and checked.
    pub tmp: PathBuf,
}

/// The paths for file `name` in `dir`.
pub(super) fn paths(dir: &Path, name: &str) -> FilePaths {
    FilePaths {
        done: dir.join(name),
        part: dir.join(format!(".{name}.part")),
        tmp: dir.join(format!(".{name}.tmp")),
    }
}

/// Refuses a file name that is not one plain path segment: the name comes from the network and
/// must not write outside the folder.
pub(super) fn check_name(name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.chars().any(|c| matches!(c, '/' | '\\' | ':' | '\0') || c.is_control())
        // Would collide with another file's part or temporary file.
        || (name.starts_with('.') && (name.ends_with(".part") || name.ends_with(".tmp")));
    if bad {
        Err(format!("'{name}' is not a plain file name"))
    } else {
        Ok(())
    }
}

/// Lower-case hex SHA-256 and length of everything `reader` yields.
fn hash_reader(reader: &mut impl Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), len))
}

/// Does `path` already hold the file (`size` bytes, SHA-256 `sha256`)? Returns its hash if so.
/// Without an announced hash nothing can be verified, so the file is fetched again.
pub(super) fn already_present(
    path: &Path,
    size: u64,
    sha256: Option<&str>,
) -> std::io::Result<Option<String>> {
    let Some(expected) = sha256 else {
        return Ok(None);
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !meta.is_file() || meta.len() != size {
        return Ok(None);
    }
    let (actual, _) = hash_reader(&mut BufReader::new(File::open(path)?))?;
    Ok(actual.eq_ignore_ascii_case(expected).then_some(actual))
}

/// Why a part did not become a verified file.
#[derive(Debug)]
pub(super) enum VerifyError {
    /// It does not decrypt (wrong key, altered, truncated).
    Crypt(CryptError),
    /// It decrypts to other bytes than announced.
    Mismatch {
        /// SHA-256 of the decrypted bytes (lower-case hex).
        sha256: String,
        /// Size in bytes of the decrypted bytes.
        size: u64,
    },
    /// Reading or writing the folder failed.
    Io(std::io::Error),
}

/// Decrypts the part into the temporary file, checks size and hash, and renames it into place;
/// returns the SHA-256. On a decryption or check failure the part and temporary file are
/// deleted, since neither can ever become the file.
pub(super) fn decrypt_verify(
    key: &PackageKey,
    paths: &FilePaths,
    size: u64,
    sha256: Option<&str>,
) -> Result<String, VerifyError> {
    let result = decrypt_to_tmp(key, paths);
    let outcome = match result {
        Ok((actual, len))
            if len == size && sha256.is_none_or(|s| s.eq_ignore_ascii_case(&actual)) =>
        {
            std::fs::rename(&paths.tmp, &paths.done).map_err(VerifyError::Io)?;
            // The file is in place; a part left behind would only be verified again next time.
            let _ = std::fs::remove_file(&paths.part);
            return Ok(actual);
        }
        Ok((actual, len)) => VerifyError::Mismatch {
            sha256: actual,
            size: len,
        },
        Err(CryptError::Io(e)) => {
            let _ = std::fs::remove_file(&paths.tmp);
            return Err(VerifyError::Io(e));
        }
        Err(e) => VerifyError::Crypt(e),
    };
    let _ = std::fs::remove_file(&paths.tmp);
    let _ = std::fs::remove_file(&paths.part);
    Err(outcome)
}

fn decrypt_to_tmp(key: &PackageKey, paths: &FilePaths) -> Result<(String, u64), CryptError> {
    let mut input = BufReader::with_capacity(256 * 1024, File::open(&paths.part)?);
    let out = HashingWriter::new(BufWriter::with_capacity(
        256 * 1024,
        File::create(&paths.tmp)?,
    ));
    let mut dec = Decryptor::new(key, out);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        dec.push(&buf[..n])?;
    }
    let (out, _) = dec.finish()?;
    let (inner, hash, len) = out.finish();
    let file = inner.into_inner().map_err(|e| e.into_error())?;
    // The rename makes the file visible as complete: its bytes must be on disk first.
    file.sync_all()?;
    Ok((hash, len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::crypt::encrypt_stream;

    fn sealed(key: &PackageKey, plain: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encrypt_stream(key, &mut &plain[..], &mut out).expect("encrypt");
        out
    }

    #[test]
    fn names_must_be_one_segment() {
        for good in ["setup.msi", "a b.txt", ".hidden", "x..y"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "..\\x",
            "c:x",
            "a\nb",
            ".a.msi.part",
            ".b.tmp",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        let p = paths(Path::new("/out"), "a.msi");
        assert_eq!(p.part, Path::new("/out/.a.msi.part"));
        assert_eq!(p.tmp, Path::new("/out/.a.msi.tmp"));
        assert_eq!(p.done, Path::new("/out/a.msi"));
    }

    #[test]
    fn a_good_part_becomes_the_file_and_a_bad_one_is_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = PackageKey::generate().expect("key");
        let plain = vec![42u8; 200_000];
        let sha = hex::encode(Sha256::digest(&plain));
        let p = paths(dir.path(), "f.bin");
        std::fs::write(&p.part, sealed(&key, &plain)).expect("write");
        assert_eq!(
            decrypt_verify(&key, &p, 200_000, Some(&sha)).expect("verify"),
            sha
        );
        assert_eq!(std::fs::read(&p.done).expect("read"), plain);
        assert!(!p.part.exists() && !p.tmp.exists());
        assert_eq!(
            already_present(&p.done, 200_000, Some(&sha)).expect("io"),
            Some(sha.clone())
        );
        assert_eq!(
            already_present(&p.done, 200_001, Some(&sha)).expect("io"),
            None
        );
        assert_eq!(
            already_present(&p.done, 200_000, Some("00")).expect("io"),
            None
        );
        assert_eq!(already_present(&p.done, 200_000, None).expect("io"), None);

        // Truncated: does not decrypt; both part and tmp go.
        let mut cut = sealed(&key, &plain);
        cut.truncate(cut.len() - 1);
        std::fs::write(&p.part, &cut).expect("write");
        assert!(matches!(
            decrypt_verify(&key, &p, 200_000, Some(&sha)),
            Err(VerifyError::Crypt(_))
        ));
        assert!(!p.part.exists() && !p.tmp.exists());

        // Decrypts, but to other bytes than announced.
        std::fs::write(&p.part, sealed(&key, b"other")).expect("write");
        assert!(matches!(
            decrypt_verify(&key, &p, 200_000, Some(&sha)),
            Err(VerifyError::Mismatch { size: 5, .. })
        ));
        assert!(!p.part.exists());
        // The earlier good file is untouched by the failures.
        assert_eq!(std::fs::read(&p.done).expect("read").len(), 200_000);
    }
}
