//! The folder store: blobs as files, `data_dir/storage/<account>/<container>/<package>/<file>`.
//! An upload appends to the hidden `<package>/.<file>.partial`; only with the declared length
//! and SHA-256 is it renamed into place, with the hash kept beside it (`.<file>.sha256`).

use super::contract::{
    BlobMeta, BlobStore, ContainerRef, Fetched, Piece, PieceBody, ReadBody, Uploads, Want,
    broke_off, check_bounds, check_piece, mismatch, pick_range, span, too_long,
};
use super::small_blobs::SmallBlobs;
use crate::cloud::local::files::write_atomic;
use crate::cloud::local::wire::{ApiError, BlobState};
use axum::body::Bytes;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use tokio::io::{AsyncWriteExt, BufWriter};

/// Write batching for uploads: fewer, larger writes than the network's pieces.
const WRITE_BUFFER: usize = 1024 * 1024;
/// Bytes read from disk per body chunk: large enough that many concurrent downloads cost few
/// disk reads and task hops.
const CHUNK: usize = 256 * 1024;
/// Files up to this size are read whole with the open and sent in one piece.
const SMALL_FILE: u64 = 64 * 1024;

/// Blobs in folders under the data directory.
pub(crate) struct FolderStore {
    root: PathBuf,
    pub(super) uploads: Uploads,
    small: SmallBlobs,
}

impl FolderStore {
    /// The store of the cloud with data directory `data_dir`.
    pub(crate) fn new(data_dir: &Path) -> FolderStore {
        FolderStore {
            root: data_dir.join("storage"),
            uploads: Uploads::default(),
            small: SmallBlobs::default(),
        }
    }

    fn dir(&self, c: &ContainerRef) -> PathBuf {
        self.root.join(&c.account).join(&c.container)
    }
}

fn hidden(dir: &Path, package: &str, file: &str, suffix: &str) -> PathBuf {
    dir.join(package).join(format!(".{file}.{suffix}"))
}

fn io_error(what: &str) -> impl Fn(std::io::Error) -> ApiError + '_ {
    move |e| ApiError::internal(format!("{what}: {e}"))
}

fn size_of(path: &Path) -> std::io::Result<Option<u64>> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn state(dir: &Path, package: &str, file: &str) -> Result<BlobState, ApiError> {
    let io = io_error("cannot read the blob");
    let complete_size = size_of(&dir.join(package).join(file)).map_err(&io)?;
    let complete_sha256 = complete_size
        .and_then(|_| std::fs::read_to_string(hidden(dir, package, file, "sha256")).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| crate::cloud::local::blobs::is_sha256_hex(s));
    let partial_size = size_of(&hidden(dir, package, file, "partial"))
        .map_err(&io)?
        .unwrap_or(0);
    Ok(BlobState {
        complete_size,
        complete_sha256,
        partial_size,
    })
}

/// Verifies the complete partial copy and renames it into place.
async fn finish(dir: &Path, package: &str, file: &str, sha256: &str) -> Result<(), ApiError> {
    let partial = hidden(dir, package, file, "partial");
    let io = io_error("cannot store the blob");
    let path = partial.clone();
    // Hashing 100 MB takes a while: off the async threads.
    let actual = tokio::task::spawn_blocking(move || sha256_file(&path))
        .await
        .map_err(|e| ApiError::internal(format!("hashing the blob failed: {e}")))?
        .map_err(&io)?;
    if actual != sha256 {
        remove_if_present(&partial).map_err(&io)?;
        return Err(mismatch(package, file, &actual, sha256));
    }
    let sha_file = hidden(dir, package, file, "sha256");
    // The old hash goes first: a crash before the new one is written leaves "hash unknown",
    // which makes the uploader send the blob again, never a wrong hash.
    remove_if_present(&sha_file).map_err(&io)?;
    std::fs::rename(&partial, dir.join(package).join(file)).map_err(&io)?;
    write_atomic(&sha_file, sha256.as_bytes()).map_err(&io)
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; WRITE_BUFFER];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

fn visible(entry: &std::fs::DirEntry) -> bool {
    entry.file_name().as_encoded_bytes().first() != Some(&b'.')
}

/// Bytes of complete blobs in the container folder `dir` (hidden files not counted).
fn stored_bytes(dir: &Path) -> Result<u64, ApiError> {
    let io = io_error("cannot read the container");
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(&io)?.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if !visible(&entry) {
            continue;
        }
        if kind.is_file() {
            total += entry.metadata().map_or(0, |m| m.len());
        } else if kind.is_dir() {
            for inner in std::fs::read_dir(entry.path()).map_err(&io)?.flatten() {
                if visible(&inner) && inner.file_type().is_ok_and(|k| k.is_file()) {
                    total += inner.metadata().map_or(0, |m| m.len());
                }
            }
        }
    }
    Ok(total)
}

/// The facts of a file: a strong ETag (size and modification time, as nginx makes it; a
/// blob is replaced by a rename, never rewritten in place).
fn meta_of(meta: &std::fs::Metadata) -> BlobMeta {
    let modified = meta
        .modified()
        .map(OffsetDateTime::from)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let nanos = modified.unix_timestamp_nanos();
    BlobMeta {
        len: meta.len(),
        etag: format!("\"{:x}-{nanos:x}\"", meta.len()),
        modified,
    }
}

impl FolderStore {
    /// A small blob whole, from memory while the file is the one read before (see
    /// `small_blobs`), else read now and kept; `None` for a large or missing one.
    fn small_blob(&self, path: &Path) -> Option<(BlobMeta, Bytes)> {
        let now = std::fs::metadata(path).ok()?;
        if !now.is_file() || now.len() > SMALL_FILE {
            return None;
        }
        if let Some(hit) = self.small.get(path, &now) {
            return Some(hit);
        }
        let mut file = std::fs::File::open(path).ok()?;
        // The bytes and their facts from the one file opened, whatever a rename does between.
        let read_from = file.metadata().ok()?;
        let mut buf = Vec::with_capacity(read_from.len() as usize);
        file.read_to_end(&mut buf).ok()?;
        if buf.len() as u64 != read_from.len() {
            return None;
        }
        let (meta, bytes) = (meta_of(&read_from), Bytes::from(buf));
        self.small
            .put(path.to_path_buf(), &read_from, meta.clone(), bytes.clone());
        Some((meta, bytes))
    }
}

#[async_trait::async_trait]
impl BlobStore for FolderStore {
    fn kind(&self) -> &'static str {
        "folder"
    }

    async fn head(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
    ) -> Result<BlobState, ApiError> {
        state(&self.dir(c), package, file)
    }

    async fn put(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
        piece: &Piece,
        body: PieceBody<'_>,
    ) -> Result<BlobState, ApiError> {
        let dir = self.dir(c);
        check_bounds(piece)?;
        let io = io_error("cannot store the blob");
        std::fs::create_dir_all(dir.join(package)).map_err(&io)?;
        let partial = hidden(&dir, package, file, "partial");
        let _slot = self.uploads.claim(c, package, file)?;
        let held = size_of(&partial).map_err(&io)?.unwrap_or(0);
        check_piece(piece, held, package, file)?;
        let mut options = tokio::fs::OpenOptions::new();
        // Offset 0 starts over, so a partial copy left by an abandoned upload cannot get in
        // the way.
        if piece.offset == 0 {
            options.write(true).create(true).truncate(true);
        } else {
            options.append(true);
        }
        let mut out =
            BufWriter::with_capacity(WRITE_BUFFER, options.open(&partial).await.map_err(&io)?);
        let room = piece.total - piece.offset;
        let mut written = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    // Keep what arrived: the next attempt resumes after it.
                    out.flush().await.map_err(&io)?;
                    return Err(broke_off(written, &e));
                }
            };
            if written + chunk.len() as u64 > room {
                // Flushed first, so no write still in flight lands after the truncation.
                out.flush().await.map_err(&io)?;
                drop(out);
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&partial)
                    .map_err(&io)?;
                file.set_len(piece.offset).map_err(&io)?;
                return Err(too_long(piece));
            }
            out.write_all(&chunk).await.map_err(&io)?;
            written += chunk.len() as u64;
        }
        out.flush().await.map_err(&io)?;
        drop(out);
        if piece.offset + written == piece.total {
            finish(&dir, package, file, &piece.sha256).await?;
        }
        state(&dir, package, file)
    }

    async fn get(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
        want: Want<'_>,
    ) -> Result<Option<Fetched>, ApiError> {
        let full = self.dir(c).join(package).join(file);
        let head_only = want.head_only;
        if !head_only && let Some((meta, bytes)) = self.small_blob(&full) {
            let range = pick_range(&want, &meta);
            let body = match span(range, meta.len) {
                None => ReadBody::Empty,
                Some((start, count)) => {
                    ReadBody::Whole(bytes.slice(start as usize..(start + count) as usize))
                }
            };
            return Ok(Some(Fetched { meta, range, body }));
        }
        // Small blobs came from memory above, read on the async thread as nginx reads on its
        // event loop: a trip to the blocking pool per request (two thread wake-ups) cost more
        // than half the CPU of serving a 4 KiB blob (see the README's "Content serving").
        // Large ones, and HEAD, open the file here and stream from the blocking pool.
        let (file, meta) = match std::fs::File::open(full).and_then(|f| {
            let meta = f.metadata()?;
            Ok((f, meta))
        }) {
            Ok((file, meta)) if meta.is_file() => (file, meta),
            _ => return Ok(None),
        };
        let meta = meta_of(&meta);
        let range = pick_range(&want, &meta);
        let body = match span(range, meta.len) {
            _ if head_only => ReadBody::Empty,
            None => ReadBody::Empty,
            Some((start, count)) => ReadBody::Stream(file_stream(file, start, count).boxed()),
        };
        Ok(Some(Fetched { meta, range, body }))
    }

    async fn delete(
        &self,
        c: &ContainerRef,
        package: &str,
        file: Option<&str>,
    ) -> Result<(), ApiError> {
        let dir = self.dir(c);
        let io = io_error("cannot delete");
        let Some(file) = file else {
            return match std::fs::remove_dir_all(dir.join(package)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
                _ => Ok(()),
            };
        };
        remove_if_present(&dir.join(package).join(file)).map_err(&io)?;
        for suffix in ["sha256", "partial"] {
            remove_if_present(&hidden(&dir, package, file, suffix)).map_err(&io)?;
        }
        Ok(())
    }

    async fn stored_bytes(&self, c: &ContainerRef) -> Result<u64, ApiError> {
        stored_bytes(&self.dir(c))
    }

    async fn delete_container(&self, c: &ContainerRef) -> Result<(), ApiError> {
        match std::fs::remove_dir_all(self.dir(c)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ApiError::internal(format!(
                "cannot delete the container: {e}"
            ))),
            _ => Ok(()),
        }
    }
}

/// `count` bytes of `file` from `start`, in chunks read on the blocking pool straight into the
/// buffers handed to the connection.
fn file_stream(
    file: std::fs::File,
    start: u64,
    count: u64,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send {
    futures_util::stream::unfold(Some((file, start, count)), move |state| async move {
        let (mut file, pos, left) = state?;
        if left == 0 {
            return None;
        }
        let want = usize::try_from(left.min(CHUNK as u64)).unwrap_or(CHUNK);
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; want];
            file.seek(SeekFrom::Start(pos))?;
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r);
        match read {
            Ok((_, buf)) if buf.is_empty() => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file got shorter while being sent",
                )),
                None,
            )),
            Ok((file, buf)) => {
                let n = buf.len() as u64;
                Some((Ok(Bytes::from(buf)), Some((file, pos + n, left - n))))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}
