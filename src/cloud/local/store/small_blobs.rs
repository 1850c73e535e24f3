//! Small blobs of the folder store, kept in memory after their first read.
//!
//! Every request still looks at the file (one `stat`): a blob replaced by a rename has another
//! inode or time and is read again, and a deleted one is not found, so the memory never serves
//! what the folder no longer holds. What it saves is the open, read and close of a page-cache
//! file per request, the larger part of an instance's own work on a 4 KiB blob.

use super::contract::BlobMeta;
use axum::body::Bytes;
use std::collections::HashMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// The most bytes kept; past it, everything kept is let go and the cache fills again.
const LIMIT: usize = 64 * 1024 * 1024;

/// Which file a read came from: the same path with another stamp is another blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(meta: &Metadata) -> Stamp {
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    Stamp {
        dev,
        ino,
        len: meta.len(),
        modified: meta.modified().ok(),
    }
}

struct Entry {
    stamp: Stamp,
    meta: BlobMeta,
    bytes: Bytes,
}

/// Small blobs by path (see the module documentation).
#[derive(Default)]
pub(super) struct SmallBlobs {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<PathBuf, Entry>,
    bytes: usize,
}

impl SmallBlobs {
    /// The blob at `path` as read before, if the file `now` describes is still that one.
    pub(super) fn get(&self, path: &Path, now: &Metadata) -> Option<(BlobMeta, Bytes)> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let entry = inner.entries.get(path)?;
        (entry.stamp == stamp(now)).then(|| (entry.meta.clone(), entry.bytes.clone()))
    }

    /// Keeps `bytes`, read from the file `read_from` describes, for `path`.
    pub(super) fn put(&self, path: PathBuf, read_from: &Metadata, meta: BlobMeta, bytes: Bytes) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.bytes + bytes.len() > LIMIT {
            inner.entries.clear();
            inner.bytes = 0;
        }
        inner.bytes += bytes.len();
        let entry = Entry {
            stamp: stamp(read_from),
            meta,
            bytes,
        };
        if let Some(old) = inner.entries.insert(path, entry) {
            inner.bytes -= old.bytes.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn meta(len: u64) -> BlobMeta {
        BlobMeta {
            len,
            etag: format!("\"{len}\""),
            modified: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_replaced_or_rewritten_file_is_not_served_from_memory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("blob");
        std::fs::write(&path, b"first").expect("write");
        let cache = SmallBlobs::default();
        let first = std::fs::metadata(&path).expect("stat");
        cache.put(path.clone(), &first, meta(5), Bytes::from_static(b"first"));
        let hit = cache.get(&path, &std::fs::metadata(&path).expect("stat"));
        assert_eq!(hit.map(|(_, b)| b), Some(Bytes::from_static(b"first")));

        // Replaced by a rename, as the store replaces blobs: another inode.
        let next = dir.path().join("next");
        std::fs::write(&next, b"other").expect("write");
        std::fs::rename(&next, &path).expect("rename");
        assert!(
            cache
                .get(&path, &std::fs::metadata(&path).expect("stat"))
                .is_none()
        );
    }
}
