//! The Azure store: every local-cloud container is the prefix `<account>/<container>/` of one
//! blob container of an Azure storage account (or Azurite), through `object_store`.
//!
//! Blob `package/file` is `<account>/<container>/<package>/<file>`, its verified SHA-256 the
//! hidden blob `…/<package>/.<file>.sha256`. An upload piece becomes the hidden block blob
//! `…/<package>/.<file>.part/<offset, 20 digits>` (blocks staged as the body arrives, committed
//! when it ends or breaks off, so a resumed upload starts after what arrived). The last piece
//! streams every piece, in order, through SHA-256 into the staged blocks of the blob itself;
//! the block list is committed only when the hash matches, so the blob (or an older version of
//! it) is replaced in one step and a mismatch leaves it untouched.

use super::config::AzureStorage;
use super::contract::{
    BlobMeta, BlobStore, ContainerRef, Fetched, Piece, PieceBody, ReadBody, Uploads, Want,
    broke_off, check_bounds, check_piece, mismatch, pick_range, span, too_long,
};
use super::shared_key::create_container;
use crate::cloud::local::blobs::is_sha256_hex;
use crate::cloud::local::wire::{ApiError, BlobState};
use futures_util::{StreamExt, TryStreamExt};
use object_store::azure::{MicrosoftAzure, MicrosoftAzureBuilder};
use object_store::path::Path;
use object_store::{
    GetOptions, GetRange, ObjectMeta, ObjectStore, ObjectStoreExt, RetryConfig, WriteMultipart,
};
use sha2::{Digest, Sha256};
use std::time::Duration;
use time::OffsetDateTime;

/// Bytes per staged block: the body is passed on in pieces this size.
const BLOCK: usize = 4 * 1024 * 1024;
/// Blocks in flight at once per upload.
const IN_FLIGHT: usize = 4;

/// Blobs in one Azure blob container.
pub(crate) struct AzureStore {
    client: MicrosoftAzure,
    uploads: Uploads,
}

fn storage_error(what: &str) -> impl Fn(object_store::Error) -> ApiError + '_ {
    move |e| ApiError::internal(format!("Azure storage: {what}: {e}"))
}

fn is_not_found(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. })
}

impl AzureStore {
    /// Connects to the account `cfg` names and creates its blob container when missing.
    pub(crate) async fn connect(cfg: &AzureStorage) -> Result<AzureStore, String> {
        let key = cfg.resolve_key()?;
        let endpoint = cfg.endpoint_url();
        create_container(&endpoint, &cfg.account, &key, &cfg.container).await?;
        let retry = RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
            ..RetryConfig::default()
        };
        let client = MicrosoftAzureBuilder::new()
            .with_account(&cfg.account)
            .with_access_key(key)
            .with_container_name(&cfg.container)
            .with_endpoint(endpoint.clone())
            .with_allow_http(endpoint.starts_with("http://"))
            .with_retry(retry)
            .build()
            .map_err(|e| format!("Azure storage account '{}': {e}", cfg.account))?;
        Ok(AzureStore {
            client,
            uploads: Uploads::default(),
        })
    }

    fn prefix(c: &ContainerRef) -> Path {
        Path::from_iter([c.account.as_str(), c.container.as_str()])
    }

    fn blob(c: &ContainerRef, package: &str, file: &str) -> Path {
        Self::prefix(c).join(package).join(file)
    }

    fn hidden(c: &ContainerRef, package: &str, file: &str, suffix: &str) -> Path {
        Self::prefix(c)
            .join(package)
            .join(format!(".{file}.{suffix}"))
    }

    fn piece_path(c: &ContainerRef, package: &str, file: &str, offset: u64) -> Path {
        Self::hidden(c, package, file, "part").join(format!("{offset:020}"))
    }

    /// The pieces of an upload in order of their offsets, and the bytes they hold together
    /// (up to the first gap, which a crash between two steps could leave).
    async fn pieces(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
    ) -> Result<(Vec<ObjectMeta>, u64), ApiError> {
        let mut pieces: Vec<(u64, ObjectMeta)> = self
            .client
            .list(Some(&Self::hidden(c, package, file, "part")))
            .try_filter_map(|m| async move {
                let offset = m.location.filename().and_then(|n| n.parse::<u64>().ok());
                Ok(offset.map(|o| (o, m)))
            })
            .try_collect()
            .await
            .map_err(storage_error("cannot list the upload's pieces"))?;
        pieces.sort_by_key(|(offset, _)| *offset);
        let mut held = 0;
        let mut kept = Vec::with_capacity(pieces.len());
        for (offset, meta) in pieces {
            if offset != held {
                break;
            }
            held += meta.size;
            kept.push(meta);
        }
        Ok((kept, held))
    }

    async fn delete_all(&self, prefix: &Path) -> Result<(), ApiError> {
        let locations = self
            .client
            .list(Some(prefix))
            .map_ok(|m| m.location)
            .boxed();
        self.client
            .delete_stream(locations)
            .try_for_each(|_| async { Ok(()) })
            .await
            .or_else(|e| if is_not_found(&e) { Ok(()) } else { Err(e) })
            .map_err(storage_error("cannot delete"))
    }

    async fn delete_one(&self, path: &Path) -> Result<(), ApiError> {
        match self.client.delete(path).await {
            Err(e) if !is_not_found(&e) => Err(storage_error("cannot delete")(e)),
            _ => Ok(()),
        }
    }

    async fn delete_pieces(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
    ) -> Result<(), ApiError> {
        self.delete_all(&Self::hidden(c, package, file, "part"))
            .await
    }

    /// Streams the pieces through SHA-256 into the blob's staged blocks; commits them only
    /// when the hash is the declared one.
    async fn finish(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
        sha256: &str,
    ) -> Result<(), ApiError> {
        let store = storage_error("cannot store the blob");
        let (pieces, _) = self.pieces(c, package, file).await?;
        let target = Self::blob(c, package, file);
        let upload = self.client.put_multipart(&target).await.map_err(&store)?;
        let mut out = WriteMultipart::new_with_chunk_size(upload, BLOCK);
        let mut hasher = Sha256::new();
        for piece in &pieces {
            let mut bytes = match self.client.get(&piece.location).await {
                Ok(got) => got.into_stream(),
                Err(e) => {
                    let _ = out.abort().await;
                    return Err(store(e));
                }
            };
            while let Some(chunk) = bytes.next().await {
                let chunk = match chunk {
                    Ok(chunk) => chunk,
                    Err(e) => {
                        let _ = out.abort().await;
                        return Err(store(e));
                    }
                };
                hasher.update(&chunk);
                out.put(chunk);
                out.wait_for_capacity(IN_FLIGHT).await.map_err(&store)?;
            }
        }
        let actual = hex::encode(hasher.finalize());
        if actual != sha256 {
            // Staged blocks that are never committed are dropped by the service.
            let _ = out.abort().await;
            self.delete_pieces(c, package, file).await?;
            return Err(mismatch(package, file, &actual, sha256));
        }
        let sha_blob = Self::hidden(c, package, file, "sha256");
        // The old hash goes first: a crash before the new one is written leaves "hash
        // unknown", which makes the uploader send the blob again, never a wrong hash.
        self.delete_one(&sha_blob).await?;
        out.finish().await.map_err(&store)?;
        self.client
            .put(&sha_blob, sha256.to_string().into())
            .await
            .map_err(&store)?;
        self.delete_pieces(c, package, file).await
    }
}

/// The facts of a blob as the service reports them.
fn meta_of(meta: &ObjectMeta) -> BlobMeta {
    let modified = i128::from(meta.last_modified.timestamp()) * 1_000_000_000
        + i128::from(meta.last_modified.timestamp_subsec_nanos());
    let etag = match &meta.e_tag {
        Some(tag) if tag.starts_with('"') => tag.clone(),
        Some(tag) => format!("\"{tag}\""),
        None => format!("\"{:x}-{modified:x}\"", meta.size),
    };
    BlobMeta {
        len: meta.size,
        etag,
        modified: OffsetDateTime::from_unix_timestamp_nanos(modified)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    }
}

/// Is every name below the container visible (no part starting with `.`)?
fn visible(prefix: &Path, meta: &ObjectMeta) -> bool {
    meta.location
        .prefix_match(prefix)
        .is_some_and(|mut rest| rest.all(|part| !part.as_ref().starts_with('.')))
}

#[async_trait::async_trait]
impl BlobStore for AzureStore {
    fn kind(&self) -> &'static str {
        "azure"
    }

    async fn head(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
    ) -> Result<BlobState, ApiError> {
        let read = storage_error("cannot read the blob");
        let complete_size = match self.client.head(&Self::blob(c, package, file)).await {
            Ok(meta) => Some(meta.size),
            Err(e) if is_not_found(&e) => None,
            Err(e) => return Err(read(e)),
        };
        let complete_sha256 = match complete_size {
            None => None,
            Some(_) => match self
                .client
                .get(&Self::hidden(c, package, file, "sha256"))
                .await
            {
                Ok(got) => {
                    let bytes = got.bytes().await.map_err(&read)?;
                    let text = String::from_utf8_lossy(&bytes).trim().to_string();
                    is_sha256_hex(&text).then_some(text)
                }
                Err(e) if is_not_found(&e) => None,
                Err(e) => return Err(read(e)),
            },
        };
        let (_, partial_size) = self.pieces(c, package, file).await?;
        Ok(BlobState {
            complete_size,
            complete_sha256,
            partial_size,
        })
    }

    async fn put(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
        piece: &Piece,
        body: PieceBody<'_>,
    ) -> Result<BlobState, ApiError> {
        check_bounds(piece)?;
        let _slot = self.uploads.claim(c, package, file)?;
        let (pieces, held) = self.pieces(c, package, file).await?;
        check_piece(piece, held, package, file)?;
        // Offset 0 starts over, so pieces left by an abandoned upload cannot get in the way.
        if piece.offset == 0 && !pieces.is_empty() {
            self.delete_pieces(c, package, file).await?;
        }
        let store = storage_error("cannot store the upload");
        let target = Self::piece_path(c, package, file, piece.offset);
        let upload = self.client.put_multipart(&target).await.map_err(&store)?;
        let mut out = WriteMultipart::new_with_chunk_size(upload, BLOCK);
        let room = piece.total - piece.offset;
        let mut written = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    // Keep what arrived: the next attempt resumes after it.
                    if written > 0 {
                        out.finish().await.map_err(&store)?;
                    } else {
                        let _ = out.abort().await;
                    }
                    return Err(broke_off(written, &e));
                }
            };
            if written + chunk.len() as u64 > room {
                let _ = out.abort().await;
                return Err(too_long(piece));
            }
            written += chunk.len() as u64;
            out.put(chunk);
            out.wait_for_capacity(IN_FLIGHT).await.map_err(&store)?;
        }
        if written > 0 {
            out.finish().await.map_err(&store)?;
        } else {
            let _ = out.abort().await;
        }
        if piece.offset + written == piece.total {
            self.finish(c, package, file, &piece.sha256).await?;
        }
        self.head(c, package, file).await
    }

    async fn get(
        &self,
        c: &ContainerRef,
        package: &str,
        file: &str,
        want: Want<'_>,
    ) -> Result<Option<Fetched>, ApiError> {
        let read = storage_error("cannot read the blob");
        let path = Self::blob(c, package, file);
        if want.range.is_none() && !want.head_only {
            // The whole blob: one request, its facts come with the body.
            let got = match self.client.get(&path).await {
                Ok(got) => got,
                Err(e) if is_not_found(&e) => return Ok(None),
                Err(e) => return Err(read(e)),
            };
            let meta = meta_of(&got.meta);
            let body = got.into_stream().map_err(std::io::Error::other).boxed();
            return Ok(Some(Fetched {
                meta,
                range: crate::cloud::local::blobs::ByteRange::Full,
                body: ReadBody::Stream(body),
            }));
        }
        let head = match self.client.head(&path).await {
            Ok(head) => head,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(read(e)),
        };
        let meta = meta_of(&head);
        let range = pick_range(&want, &meta);
        let body = match span(range, meta.len) {
            _ if want.head_only => ReadBody::Empty,
            None | Some((_, 0)) => ReadBody::Empty,
            Some((start, count)) => {
                let options = GetOptions {
                    range: Some(GetRange::Bounded(start..start + count)),
                    // The bytes of the version whose facts were sent, or none.
                    if_match: head.e_tag.clone(),
                    ..GetOptions::default()
                };
                let got = self.client.get_opts(&path, options).await.map_err(&read)?;
                ReadBody::Stream(got.into_stream().map_err(std::io::Error::other).boxed())
            }
        };
        Ok(Some(Fetched { meta, range, body }))
    }

    async fn delete(
        &self,
        c: &ContainerRef,
        package: &str,
        file: Option<&str>,
    ) -> Result<(), ApiError> {
        let Some(file) = file else {
            return self.delete_all(&Self::prefix(c).join(package)).await;
        };
        self.delete_one(&Self::blob(c, package, file)).await?;
        self.delete_one(&Self::hidden(c, package, file, "sha256"))
            .await?;
        self.delete_pieces(c, package, file).await
    }

    async fn stored_bytes(&self, c: &ContainerRef) -> Result<u64, ApiError> {
        let prefix = Self::prefix(c);
        self.client
            .list(Some(&prefix))
            .try_fold(0u64, |total, meta| {
                let size = if visible(&prefix, &meta) {
                    meta.size
                } else {
                    0
                };
                async move { Ok(total + size) }
            })
            .await
            .map_err(storage_error("cannot list the container"))
    }

    async fn delete_container(&self, c: &ContainerRef) -> Result<(), ApiError> {
        self.delete_all(&Self::prefix(c)).await
    }
}
