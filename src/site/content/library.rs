//! The content library on disk: each package file encrypted once, as it arrives, into
//! `<library>/<package id>/<file>.enc`. Uploads to cloud storage stream from there.

use crate::content::crypt::{Encryptor, PackageKey};
use crate::content::hashing::HashingWriter;
use sha2::{Digest, Sha256};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// What a received file turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Received {
    /// SHA-256 of the plaintext (lower-case hex).
    pub sha256: String,
    /// Size in bytes of the encrypted file in the library.
    pub encrypted_size: u64,
    /// SHA-256 of the encrypted file (hex): what the cloud checks on upload.
    pub encrypted_sha256: String,
}

/// Why a file could not be received.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LibraryError {
    /// The body's length differs from the size announced when the package was created.
    #[error(
        "the file '{file}' was announced as {announced} bytes but {received} arrived; nothing was kept"
    )]
    SizeMismatch {
        /// The package file's name.
        file: String,
        /// Size in bytes announced at creation.
        announced: u64,
        /// Bytes received; a body longer than announced is cut off as soon as it passes.
        received: u64,
    },
    /// The upload stopped before the end.
    #[error("the upload of '{0}' was interrupted; nothing was kept — send the file again")]
    Interrupted(String),
    /// Disk or encryption failure.
    #[error("content library: {0}")]
    Io(String),
}

/// The library folder.
#[derive(Debug, Clone)]
pub(crate) struct Library {
    dir: PathBuf,
}

impl Library {
    /// The library under `dir` (created on first use).
    pub(crate) fn new(dir: &Path) -> Library {
        Library {
            dir: dir.to_path_buf(),
        }
    }

    /// Where a package file's encrypted form lives.
    pub(crate) fn path(&self, package: &str, file: &str) -> PathBuf {
        self.dir.join(package).join(format!("{file}.enc"))
    }

    /// Deletes a package's files.
    pub(crate) fn delete(&self, package: &str) -> std::io::Result<()> {
        match std::fs::remove_dir_all(self.dir.join(package)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Receives a file: every piece from `pieces` is encrypted and written as it comes, on a
    /// blocking thread; the file appears only once complete and of the announced size.
    pub(crate) async fn receive(
        &self,
        package: &str,
        file: &str,
        key: &PackageKey,
        announced: u64,
        mut pieces: impl futures_util::Stream<Item = Result<bytes_like::Bytes, String>> + Unpin,
    ) -> Result<Received, LibraryError> {
        use futures_util::StreamExt;
        let final_path = self.path(package, file);
        let partial = final_path.with_extension("enc.partial");
        let (tx, rx) = std::sync::mpsc::sync_channel::<Option<bytes_like::Bytes>>(8);
        let (key, name, part) = (key.clone(), file.to_string(), partial.clone());
        let writer =
            tokio::task::spawn_blocking(move || write_encrypted(&part, &name, &key, announced, rx));
        let mut interrupted = false;
        while let Some(piece) = pieces.next().await {
            match piece {
                Ok(bytes) => {
                    if tx.send(Some(bytes)).is_err() {
                        break; // the writer stopped: its error says why
                    }
                }
                Err(_) => {
                    interrupted = true;
                    break;
                }
            }
        }
        if !interrupted {
            let _ = tx.send(None);
        }
        drop(tx);
        let result = writer
            .await
            .map_err(|e| LibraryError::Io(format!("the writer thread failed: {e}")))?;
        let received = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        std::fs::rename(&partial, &final_path)
            .map_err(|e| LibraryError::Io(format!("cannot store {}: {e}", final_path.display())))?;
        Ok(received)
    }
}

/// The blocking half of [`Library::receive`]: `None` on the channel marks the end; a closed
/// channel without it means the upload was interrupted.
fn write_encrypted(
    partial: &Path,
    name: &str,
    key: &PackageKey,
    announced: u64,
    rx: std::sync::mpsc::Receiver<Option<bytes_like::Bytes>>,
) -> Result<Received, LibraryError> {
    let io = |e: std::io::Error| LibraryError::Io(format!("{}: {e}", partial.display()));
    if let Some(parent) = partial.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let file = std::fs::File::create(partial).map_err(io)?;
    let out = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
    let mut enc = Encryptor::new(key, out).map_err(|e| LibraryError::Io(e.to_string()))?;
    let mut plain_hash = Sha256::new();
    let mut received = 0u64;
    loop {
        match rx.recv() {
            Ok(Some(bytes)) => {
                received += bytes.len() as u64;
                if received > announced {
                    return Err(LibraryError::SizeMismatch {
                        file: name.to_string(),
                        announced,
                        received,
                    });
                }
                plain_hash.update(&bytes);
                enc.push(&bytes)
                    .map_err(|e| LibraryError::Io(e.to_string()))?;
            }
            Ok(None) => break,
            Err(_) => return Err(LibraryError::Interrupted(name.to_string())),
        }
    }
    if received != announced {
        return Err(LibraryError::SizeMismatch {
            file: name.to_string(),
            announced,
            received,
        });
    }
    let (out, _) = enc.finish().map_err(|e| LibraryError::Io(e.to_string()))?;
    let (inner, hash, len) = out.finish();
    let file = inner
        .into_inner()
        .map_err(|e| LibraryError::Io(e.to_string()))?;
    file.sync_all().map_err(io)?;
    Ok(Received {
        sha256: hex::encode(plain_hash.finalize()),
        encrypted_size: len,
        encrypted_sha256: hash,
    })
}

/// The byte buffer type request bodies arrive in.
pub(crate) mod bytes_like {
    pub(crate) use axum::body::Bytes;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::crypt::decrypt_stream;

    fn stream(
        parts: Vec<Result<Vec<u8>, String>>,
    ) -> impl futures_util::Stream<Item = Result<bytes_like::Bytes, String>> + Unpin {
        futures_util::stream::iter(parts.into_iter().map(|p| p.map(bytes_like::Bytes::from)))
    }

    #[tokio::test]
    async fn files_are_encrypted_as_they_arrive_and_only_kept_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let lib = Library::new(dir.path());
        let key = PackageKey::generate().expect("key");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
        let parts = data.chunks(30_000).map(|c| Ok(c.to_vec())).collect();
        let got = lib
            .receive("PS100001", "a.bin", &key, data.len() as u64, stream(parts))
            .await
            .expect("receive");
        assert_eq!(got.sha256, hex::encode(Sha256::digest(&data)));
        let stored = std::fs::read(lib.path("PS100001", "a.bin")).expect("stored");
        assert_eq!(stored.len() as u64, got.encrypted_size);
        assert_eq!(got.encrypted_sha256, hex::encode(Sha256::digest(&stored)));
        let mut plain = Vec::new();
        decrypt_stream(&key, &mut stored.as_slice(), &mut plain).expect("decrypt");
        assert_eq!(plain, data);

        let short = lib
            .receive("PS100001", "b.bin", &key, 10, stream(vec![Ok(vec![1; 5])]))
            .await;
        assert!(matches!(
            short,
            Err(LibraryError::SizeMismatch { received: 5, .. })
        ));
        let long = lib
            .receive("PS100001", "c.bin", &key, 3, stream(vec![Ok(vec![1; 5])]))
            .await;
        assert!(matches!(long, Err(LibraryError::SizeMismatch { .. })));
        let cut = lib
            .receive(
                "PS100001",
                "d.bin",
                &key,
                10,
                stream(vec![Ok(vec![1; 5]), Err("reset".into())]),
            )
            .await;
        assert!(matches!(cut, Err(LibraryError::Interrupted(_))));
        for f in ["b.bin", "c.bin", "d.bin"] {
            assert!(!lib.path("PS100001", f).exists());
            assert!(
                !lib.path("PS100001", f)
                    .with_extension("enc.partial")
                    .exists()
            );
        }
    }
}
