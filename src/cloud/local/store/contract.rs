//! The store boundary: the trait every blob store implements, what goes in and out of it,
//! and the upload rules the implementations share.

pub(crate) use crate::cloud::local::blobs::{ByteRange, Piece};
use crate::cloud::local::wire::{ApiError, BlobState};
use axum::body::Bytes;
use futures_util::stream::BoxStream;
use std::collections::HashSet;
use std::sync::Mutex;
use time::OffsetDateTime;

/// A storage container: an account and a container in it, both normalised (lower-case).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ContainerRef {
    /// The storage account.
    pub account: String,
    /// The container.
    pub container: String,
}

/// The body of an upload piece, as it arrives.
pub(crate) type PieceBody<'a> =
    &'a mut (dyn futures_util::Stream<Item = Result<Bytes, String>> + Send + Unpin);

/// What a reader needs to know of a blob before its bytes: length and validators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlobMeta {
    /// Length in bytes.
    pub len: u64,
    /// A strong entity tag, quoted; it changes whenever the blob is replaced.
    pub etag: String,
    /// When the blob was last replaced.
    pub modified: OffsetDateTime,
}

/// The bytes of a read.
pub(crate) enum ReadBody {
    /// None: a `HEAD`, or a range past the end.
    Empty,
    /// Already in memory (small blobs, read with the open).
    Whole(Bytes),
    /// Streamed in pieces.
    Stream(BoxStream<'static, std::io::Result<Bytes>>),
}

/// A blob being read: its facts, the range served, and the bytes of that range.
pub(crate) struct Fetched {
    /// The blob's facts.
    pub meta: BlobMeta,
    /// What is sent: the whole blob, a part, or nothing (416).
    pub range: ByteRange,
    /// The bytes of `range`.
    pub body: ReadBody,
}

/// What a read asks for.
pub(crate) struct Want<'a> {
    /// Picks the range once the blob's facts are known (`If-Range` needs the validators);
    /// `None` for the whole blob.
    pub range: Option<&'a (dyn Fn(&BlobMeta) -> ByteRange + Send + Sync)>,
    /// Only the facts (a `HEAD`): no bytes are read.
    pub head_only: bool,
}

/// The blobs of storage containers (see the module documentation). Blob names are checked
/// `<package>/<file>` pairs (see `blobs::split_blob`) before they reach a store.
#[async_trait::async_trait]
pub(crate) trait BlobStore: Send + Sync {
    /// Which kind of store this is, for messages: `folder` or `azure`.
    fn kind(&self) -> &'static str;

    /// The state of blob `package/file`: the complete blob and the partial upload.
    async fn head(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
    ) -> Result<BlobState, ApiError>;

    /// Appends an upload piece to blob `package/file`'s partial copy; once it holds `total`
    /// bytes with the declared SHA-256 it becomes the blob. Returns the state afterwards.
    async fn put(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
        piece: &Piece,
        body: PieceBody<'_>,
    ) -> Result<BlobState, ApiError>;

    /// Reads blob `package/file`, streamed; `None` when there is no such complete blob.
    async fn get(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
        want: Want<'_>,
    ) -> Result<Option<Fetched>, ApiError>;

    /// Deletes a package (`file` = `None`) or one blob with its partial upload; absent ones
    /// are fine.
    async fn delete(
        &self,
        c: &ContainerRef,
        package: &str,
        file: Option<&str>,
    ) -> Result<(), ApiError>;

    /// Bytes of complete blobs in the container (what the store lists).
    async fn stored_bytes(&self, c: &ContainerRef) -> Result<u64, ApiError>;

    /// Deletes every blob of the container.
    async fn delete_container(&self, c: &ContainerRef) -> Result<(), ApiError>;
}

/// Blobs being uploaded right now: one upload per blob at a time, so two writers never
/// interleave their pieces.
#[derive(Default)]
pub(crate) struct Uploads(Mutex<HashSet<String>>);

/// Holds a blob's upload slot until dropped (also when the request is dropped mid-body).
pub(crate) struct UploadSlot<'a> {
    uploads: &'a Uploads,
    key: String,
}

impl Uploads {
    /// Claims blob `package/file` of `c`, or says another upload holds it.
    pub(crate) fn claim(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
    ) -> Result<UploadSlot<'_>, ApiError> {
        let key = format!("{}/{}/{package}/{file}", c.account, c.container);
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if set.insert(key.clone()) {
            Ok(UploadSlot { uploads: self, key })
        } else {
            Err(ApiError::conflict(
                crate::cloud::local::wire::CODE_UPLOAD_IN_PROGRESS,
                format!(
                    "blob {package}/{file} is being uploaded by another request; try again when it has finished"
                ),
            ))
        }
    }
}

impl Drop for UploadSlot<'_> {
    fn drop(&mut self) {
        let mut set = self.uploads.0.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.key);
    }
}

/// Refuses a piece that starts past the declared length.
pub(crate) fn check_bounds(piece: &Piece) -> Result<(), ApiError> {
    if piece.offset > piece.total {
        return Err(ApiError::bad_request(format!(
            "the offset {} is past the declared length {}",
            piece.offset, piece.total
        )));
    }
    Ok(())
}

/// Refuses a piece that does not start where the partial copy ends (`held`) or at 0, to
/// start over.
pub(crate) fn check_piece(
    piece: &Piece,
    held: u64,
    package: &str,
    file: &str,
) -> Result<(), ApiError> {
    if piece.offset != 0 && piece.offset != held {
        return Err(ApiError::conflict(
            crate::cloud::local::wire::CODE_OFFSET_MISMATCH,
            format!(
                "the partial copy of blob {package}/{file} holds {held} bytes, so the next piece starts at offset {held} (or 0 to start over), not {}",
                piece.offset
            ),
        ));
    }
    Ok(())
}

/// The refusal of a piece longer than the room left before the declared length.
pub(crate) fn too_long(piece: &Piece) -> ApiError {
    ApiError::bad_request(format!(
        "the piece goes past the declared length of {} bytes (it starts at {}); it was discarded",
        piece.total, piece.offset
    ))
}

/// The refusal of a body that broke off.
pub(crate) fn broke_off(written: u64, e: &str) -> ApiError {
    ApiError::bad_request(format!(
        "the upload broke off after {written} bytes of this piece: {e}"
    ))
}

/// The refusal of a complete upload whose bytes have another hash.
pub(crate) fn mismatch(package: &str, file: &str, actual: &str, declared: &str) -> ApiError {
    ApiError::sha256_mismatch(format!(
        "the uploaded data of blob {package}/{file} has SHA-256 {actual}, not the declared {declared}; the partial copy was discarded"
    ))
}

/// The range to send once the blob's facts are known.
pub(crate) fn pick_range(want: &Want<'_>, meta: &BlobMeta) -> ByteRange {
    match want.range {
        Some(pick) => pick(meta),
        None => ByteRange::Full,
    }
}

/// `(start, count)` of a range of a blob of `len` bytes; `None` when nothing is sent.
pub(crate) fn span(range: ByteRange, len: u64) -> Option<(u64, u64)> {
    match range {
        ByteRange::Full => Some((0, len)),
        ByteRange::Part { start, end } => Some((start, end - start + 1)),
        ByteRange::Unsatisfiable => None,
    }
}
