//! Blobs in a storage container: `<container>/<package>/<file>`. An upload arrives in streamed,
//! resumable pieces appended to a hidden partial file (`<package>/.<file>.partial`); only once
//! it has the declared length and SHA-256 is it renamed into place, with the hash kept beside it
//! (`.<file>.sha256`). Names starting with `.` are the cloud's own: never a blob, never served,
//! never counted. Also the name rules and `Range` parsing the instances share.

use super::files::write_atomic;
use super::wire::{ApiError, BlobState, CODE_OFFSET_MISMATCH, CODE_UPLOAD_IN_PROGRESS};
use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tokio::io::{AsyncWriteExt, BufWriter};

/// Longest package or file name: leaves room for the hidden names beside it (255-byte limit).
const MAX_SEGMENT: usize = 200;
/// Write batching for uploads: fewer, larger writes than the network's pieces.
const WRITE_BUFFER: usize = 1024 * 1024;

/// Why `segment` cannot be a package (`kind` = "package") or file name; `None` if it can.
pub(super) fn segment_problem(kind: &str, segment: &str) -> Option<String> {
    let rule = if segment.is_empty() {
        "it is empty"
    } else if segment == "." || segment == ".." {
        "'.' and '..' are not names"
    } else if segment.starts_with('.') {
        "it must not start with '.' (such names are the cloud's own)"
    } else if segment.contains(['/', '\\']) {
        "it must not contain '/' or '\\'"
    } else if segment.chars().any(char::is_control) {
        "it must not contain NUL or other control characters"
    } else if segment.len() > MAX_SEGMENT {
        "it is longer than 200 bytes"
    } else {
        return None;
    };
    Some(format!(
        "the {kind} name '{}' is invalid: {rule}",
        segment.escape_debug()
    ))
}

/// Splits a blob name `<package id>/<file name>` into its checked parts.
pub(super) fn split_blob(name: &str) -> Result<(&str, &str), String> {
    let mut parts = name.split('/');
    let (Some(package), Some(file), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "the blob name '{}' is invalid: it must be <package id>/<file name>",
            name.escape_debug()
        ));
    };
    match segment_problem("package", package).or_else(|| segment_problem("file", file)) {
        Some(problem) => Err(problem),
        None => Ok((package, file)),
    }
}

/// Is `text` a SHA-256 in lower-case hex?
pub(super) fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What a `Range` header asks of a body of a given length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ByteRange {
    /// The whole body: no range, or one to ignore (malformed, or several ranges).
    Full,
    /// Bytes `start..=end`.
    Part {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
    },
    /// A well-formed range wholly past the end: 416.
    Unsatisfiable,
}

/// Parses a `Range` header (RFC 9110 §14.2) for a body of `len` bytes: one range of the
/// `bytes` unit; anything else is ignored, as the RFC allows, so the whole body is sent.
pub(super) fn parse_range(value: &str, len: u64) -> ByteRange {
    let Some((unit, spec)) = value.split_once('=') else {
        return ByteRange::Full;
    };
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return ByteRange::Full;
    }
    // Digits only (`parse` alone would take "+5"); too many digits means "past any end".
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().unwrap_or(u64::MAX))
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        return match number(last) {
            None => ByteRange::Full,
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if len == 0 => ByteRange::Unsatisfiable,
            Some(n) => ByteRange::Part {
                start: len.saturating_sub(n),
                end: len - 1,
            },
        };
    }
    let Some(start) = number(first) else {
        return ByteRange::Full;
    };
    let end = match (last.is_empty(), number(last)) {
        (true, _) => u64::MAX,
        (false, Some(end)) if end >= start => end,
        _ => return ByteRange::Full,
    };
    if start >= len {
        return ByteRange::Unsatisfiable;
    }
    ByteRange::Part {
        start,
        end: end.min(len - 1),
    }
}

/// Blobs being uploaded right now: one upload per blob at a time, so two writers never
/// interleave their pieces in one partial file.
#[derive(Default)]
pub(super) struct Uploads(Mutex<HashSet<PathBuf>>);

/// Holds a blob's upload slot until dropped (also when the request is dropped mid-body).
struct UploadSlot<'a> {
    uploads: &'a Uploads,
    path: PathBuf,
}

impl Uploads {
    fn claim(&self, path: &Path) -> Option<UploadSlot<'_>> {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(path.to_path_buf()).then(|| UploadSlot {
            uploads: self,
            path: path.to_path_buf(),
        })
    }
}

impl Drop for UploadSlot<'_> {
    fn drop(&mut self) {
        let mut set = self.uploads.0.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.path);
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

/// The state of blob `package/file` in the container folder `dir`.
pub(super) fn state(dir: &Path, package: &str, file: &str) -> Result<BlobState, ApiError> {
    let io = io_error("cannot read the blob");
    let complete_size = size_of(&dir.join(package).join(file)).map_err(&io)?;
    let complete_sha256 = complete_size
        .and_then(|_| std::fs::read_to_string(hidden(dir, package, file, "sha256")).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| is_sha256_hex(s));
    let partial_size = size_of(&hidden(dir, package, file, "partial"))
        .map_err(&io)?
        .unwrap_or(0);
    Ok(BlobState {
        complete_size,
        complete_sha256,
        partial_size,
    })
}

/// What an upload request declares about the blob and the piece it carries.
#[derive(Clone, Debug)]
pub(super) struct Piece {
    /// Where the piece starts: the partial copy's length, or 0 to start over.
    pub offset: u64,
    /// Length of the whole blob.
    pub total: u64,
    /// SHA-256 of the whole blob, lower-case hex.
    pub sha256: String,
}

/// Appends an upload piece (`body`) to blob `package/file`'s partial copy; once the partial copy
/// is `total` bytes long it is verified against `sha256` and becomes the blob (a mismatch
/// discards it). Returns the blob's state afterwards.
pub(super) async fn append<S, E>(
    uploads: &Uploads,
    dir: &Path,
    package: &str,
    file: &str,
    piece: &Piece,
    mut body: S,
) -> Result<BlobState, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    if piece.offset > piece.total {
        return Err(ApiError::bad_request(format!(
            "the offset {} is past the declared length {}",
            piece.offset, piece.total
        )));
    }
    let io = io_error("cannot store the blob");
    std::fs::create_dir_all(dir.join(package)).map_err(&io)?;
    let partial = hidden(dir, package, file, "partial");
    let Some(_slot) = uploads.claim(&partial) else {
        return Err(ApiError::conflict(
            CODE_UPLOAD_IN_PROGRESS,
            format!(
                "blob {package}/{file} is being uploaded by another request; try again when it has finished"
            ),
        ));
    };
    let held = size_of(&partial).map_err(&io)?.unwrap_or(0);
    if piece.offset != 0 && piece.offset != held {
        return Err(ApiError::conflict(
            CODE_OFFSET_MISMATCH,
            format!(
                "the partial copy of blob {package}/{file} holds {held} bytes, so the next piece starts at offset {held} (or 0 to start over), not {}",
                piece.offset
            ),
        ));
    }
    let mut options = tokio::fs::OpenOptions::new();
    // Offset 0 starts over, so a partial copy left by an abandoned upload cannot get in the way.
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
                return Err(ApiError::bad_request(format!(
                    "the upload broke off after {written} bytes of this piece: {e}"
                )));
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
            return Err(ApiError::bad_request(format!(
                "the piece goes past the declared length of {} bytes (it starts at {}); it was discarded",
                piece.total, piece.offset
            )));
        }
        out.write_all(&chunk).await.map_err(&io)?;
        written += chunk.len() as u64;
    }
    out.flush().await.map_err(&io)?;
    drop(out);
    if piece.offset + written == piece.total {
        finish(dir, package, file, &piece.sha256).await?;
    }
    state(dir, package, file)
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
        return Err(ApiError::sha256_mismatch(format!(
            "the uploaded data of blob {package}/{file} has SHA-256 {actual}, not the declared {sha256}; the partial copy was discarded"
        )));
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

/// Deletes a package folder (`file` = `None`) or one blob with its hidden companions; absent
/// ones are fine.
pub(super) fn delete(dir: &Path, package: &str, file: Option<&str>) -> Result<(), ApiError> {
    let io = io_error("cannot delete");
    let Some(file) = file else {
        return match std::fs::remove_dir_all(dir.join(package)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        };
    };
    remove_if_present(&dir.join(package).join(file)).map_err(&io)?;
    for suffix in ["sha256", "partial"] {
        remove_if_present(&hidden(dir, package, file, suffix)).map_err(&io)?;
    }
    Ok(())
}

fn visible(entry: &std::fs::DirEntry) -> bool {
    entry.file_name().as_encoded_bytes().first() != Some(&b'.')
}

/// Bytes of complete blobs in the container folder `dir` (hidden files not counted).
pub(super) fn stored_bytes(dir: &Path) -> Result<u64, ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ByteRange::*;

    #[test]
    fn names_follow_the_rules() {
        assert_eq!(
            split_blob("PS100001/setup.bin"),
            Ok(("PS100001", "setup.bin"))
        );
        assert_eq!(split_blob("p/a b (1).msi"), Ok(("p", "a b (1).msi")));
        for (bad, rule) in [
            ("PS1", "<package id>/<file name>"),
            ("a/b/c", "<package id>/<file name>"),
            ("../x", "'..'"),
            ("p/..", "'..'"),
            ("p/.x.partial", "start with '.'"),
            (".p/x", "start with '.'"),
            ("p/", "empty"),
            ("/x", "empty"),
            ("p/a\\b", "'\\'"),
            ("p/a\0b", "NUL"),
        ] {
            let err = split_blob(bad).expect_err(bad);
            assert!(err.contains(rule), "{bad}: {err}");
        }
        assert!(segment_problem("file", &"x".repeat(201)).is_some());
        assert!(segment_problem("file", &"x".repeat(200)).is_none());
        assert!(is_sha256_hex(&"ab".repeat(32)));
        assert!(!is_sha256_hex(&"AB".repeat(32)));
        assert!(!is_sha256_hex("abc"));
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        let p = |start, end| Part { start, end };
        assert_eq!(parse_range("bytes=0-99", 1000), p(0, 99));
        assert_eq!(parse_range("bytes=500-", 1000), p(500, 999));
        assert_eq!(parse_range("bytes=-100", 1000), p(900, 999));
        assert_eq!(parse_range("bytes=-5000", 1000), p(0, 999));
        assert_eq!(parse_range("bytes=990-5000", 1000), p(990, 999));
        assert_eq!(parse_range("Bytes = 1-1", 1000), p(1, 1));
        assert_eq!(parse_range("bytes=0-99999999999999999999999", 10), p(0, 9));
        assert_eq!(parse_range("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=1000-2000", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=-1", 0), Unsatisfiable);
        for ignored in [
            "bytes=5-1",
            "bytes=abc",
            "bytes=-",
            "bytes=+1-2",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes 0-1",
            "",
        ] {
            assert_eq!(parse_range(ignored, 1000), Full, "{ignored}");
        }
    }

    fn body(parts: &[&[u8]]) -> impl Stream<Item = Result<Bytes, String>> + Unpin {
        let items: Vec<Result<Bytes, String>> = parts
            .iter()
            .map(|p| Ok(Bytes::copy_from_slice(p)))
            .collect();
        futures_util::stream::iter(items)
    }

    fn piece(offset: u64, data: &[u8]) -> Piece {
        Piece {
            offset,
            total: data.len() as u64,
            sha256: hex::encode(Sha256::digest(data)),
        }
    }

    #[tokio::test]
    async fn pieces_become_a_blob_only_when_whole_and_right() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let uploads = Uploads::default();
        let data = b"hello, resumable world".as_slice();
        let s = append(&uploads, d, "p", "f", &piece(0, data), body(&[&data[..5]]))
            .await
            .expect("first piece");
        assert_eq!((s.partial_size, s.complete_size), (5, None));
        assert_eq!(stored_bytes(d).expect("usage"), 0);
        let err = append(&uploads, d, "p", "f", &piece(3, data), body(&[b"x"]))
            .await
            .expect_err("wrong offset");
        assert_eq!(err.body.code, CODE_OFFSET_MISMATCH);
        assert!(
            err.body.message.contains("holds 5 bytes"),
            "{}",
            err.body.message
        );
        let err = append(
            &uploads,
            d,
            "p",
            "f",
            &piece(5, data),
            body(&[&data[5..], b"!"]),
        )
        .await
        .expect_err("too long");
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(state(d, "p", "f").expect("state").partial_size, 5);
        let s = append(
            &uploads,
            d,
            "p",
            "f",
            &piece(5, data),
            body(&[&data[5..10], &data[10..]]),
        )
        .await
        .expect("rest");
        assert_eq!(s.complete_size, Some(data.len() as u64));
        assert_eq!(s.complete_sha256, Some(piece(0, data).sha256));
        assert_eq!(s.partial_size, 0);
        assert_eq!(std::fs::read(d.join("p/f")).expect("blob"), data);
        assert_eq!(stored_bytes(d).expect("usage"), data.len() as u64);

        let mut wrong = piece(0, data);
        wrong.sha256 = "0".repeat(64);
        let err = append(&uploads, d, "p", "g", &wrong, body(&[data]))
            .await
            .expect_err("bad hash");
        assert_eq!(err.body.code, super::super::wire::CODE_SHA256_MISMATCH);
        assert_eq!(state(d, "p", "g").expect("state"), BlobState::default());

        let _slot = uploads
            .claim(&hidden(d, "p", "h", "partial"))
            .expect("slot");
        let err = append(&uploads, d, "p", "h", &piece(0, data), body(&[data]))
            .await
            .expect_err("busy");
        assert_eq!(err.body.code, CODE_UPLOAD_IN_PROGRESS);

        delete(d, "p", Some("f")).expect("delete blob");
        assert_eq!(state(d, "p", "f").expect("state"), BlobState::default());
        delete(d, "p", None).expect("delete package");
        delete(d, "p", None).expect("again");
        assert!(!d.join("p").exists());
    }
}
