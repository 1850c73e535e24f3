//! Where the blobs of storage containers live: one boundary ([`BlobStore`]) with two
//! implementations, the folder store (`folder`: files under the data directory, the default)
//! and Azure Blob Storage (`azure`: one container of a real storage account or Azurite, through
//! the `object_store` crate). The local cloud's account registry (who owns which account, which
//! containers exist) stays in the data directory either way; only the blobs move.
//!
//! Every implementation keeps the same rules: an upload arrives in resumable pieces, becomes
//! the blob only with the declared length and SHA-256 (a mismatch discards it), replaces an
//! older blob at once, and names starting with `.` are the store's own (never listed, served
//! or counted). Reads stream with one byte range; no implementation holds a whole blob in memory.

mod azure;
mod config;
mod contract;
mod folder;
mod shared_key;
mod small_blobs;

pub use config::{AzureStorage, StorageConfig};
pub(crate) use contract::*;

use std::path::Path;
use std::sync::Arc;

/// Opens the store `cfg` names; the folder store keeps its blobs under `data_dir/storage`.
pub(crate) async fn open(
    cfg: &StorageConfig,
    data_dir: &Path,
) -> Result<Arc<dyn BlobStore>, String> {
    match cfg {
        StorageConfig::Folder => Ok(Arc::new(folder::FolderStore::new(data_dir))),
        StorageConfig::Azure(azure) => Ok(Arc::new(azure::AzureStore::connect(azure).await?)),
    }
}

#[cfg(test)]
mod tests;
