//! Storage accounts and containers: `data_dir/storage/<account>/<container>/` on disk. An
//! account belongs to the subscription that first created a container in it (its
//! `account.json`); account names are globally unique, as in Azure.

use super::files::{name_problem, write_atomic};
use super::store::ContainerRef;
use super::wire::ApiError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub(super) use crate::cloud::CONTENT_CONTAINER;

#[derive(Serialize, Deserialize)]
struct AccountFile {
    owner: String,
    /// When a new storage account finishes provisioning (unix ms): until then its containers
    /// do not exist yet, as in Azure, so the site's "wait for the container" step is real.
    #[serde(default)]
    ready_at_ms: i64,
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn account_ready(data_dir: &Path, account: &str) -> bool {
    std::fs::read(account_dir(data_dir, account).join("account.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<AccountFile>(&b).ok())
        .is_some_and(|f| f.ready_at_ms <= now_ms())
}

/// Lower-cases a storage name and checks it is safe as a directory name.
pub(super) fn normalize(kind: &str, name: &str) -> Result<String, ApiError> {
    let name = name.to_ascii_lowercase();
    match name_problem(kind, &name) {
        Some(problem) => Err(ApiError::bad_request(problem)),
        None => Ok(name),
    }
}

/// The folder of an account (normalised name).
pub(super) fn account_dir(data_dir: &Path, account: &str) -> PathBuf {
    data_dir.join("storage").join(account)
}

fn owner(data_dir: &Path, account: &str) -> Option<String> {
    let bytes = std::fs::read(account_dir(data_dir, account).join("account.json")).ok()?;
    serde_json::from_slice::<AccountFile>(&bytes)
        .ok()
        .map(|f| f.owner)
}

/// Refuses an account another subscription owns.
pub(super) fn check_account(
    data_dir: &Path,
    subscription: &str,
    account: &str,
) -> Result<(), ApiError> {
    match owner(data_dir, account) {
        Some(owner) if owner != subscription => Err(ApiError::name_in_use(format!(
            "The storage account name '{account}' is already in use. Storage account names are globally unique; choose another name."
        ))),
        _ => Ok(()),
    }
}

/// Does the container exist for this subscription? Another subscription's containers do not.
pub(super) fn container_exists(
    data_dir: &Path,
    subscription: &str,
    account: &str,
    container: &str,
) -> Result<bool, ApiError> {
    let account = normalize("storage account", account)?;
    let container = normalize("container", container)?;
    Ok(owner(data_dir, &account).as_deref() == Some(subscription)
        && account_ready(data_dir, &account)
        && account_dir(data_dir, &account).join(container).is_dir())
}

/// A container the subscription has, or 404 as for any container it lacks (another
/// subscription's containers do not exist for it).
pub(super) fn container_ref(
    data_dir: &Path,
    subscription: &str,
    account: &str,
    container: &str,
) -> Result<ContainerRef, ApiError> {
    if !container_exists(data_dir, subscription, account, container)? {
        return Err(ApiError::not_found(format!(
            "the storage account '{account}' of subscription {subscription} has no container '{container}'"
        )));
    }
    Ok(ContainerRef {
        account: account.to_ascii_lowercase(),
        container: container.to_ascii_lowercase(),
    })
}

/// Creates the container (and its account, which takes `account_delay` to become usable);
/// returns whether it was new.
pub(super) fn create_container(
    data_dir: &Path,
    subscription: &str,
    account: &str,
    container: &str,
    account_delay: std::time::Duration,
) -> Result<bool, ApiError> {
    let account = normalize("storage account", account)?;
    let container = normalize("container", container)?;
    check_account(data_dir, subscription, &account)?;
    let dir = account_dir(data_dir, &account);
    let io = |e: std::io::Error| ApiError::internal(format!("cannot create the container: {e}"));
    if owner(data_dir, &account).is_none() {
        let file = serde_json::to_vec(&AccountFile {
            owner: subscription.to_string(),
            ready_at_ms: now_ms() + account_delay.as_millis() as i64,
        })
        .map_err(|e| ApiError::internal(e.to_string()))?;
        write_atomic(&dir.join("account.json"), &file).map_err(io)?;
    }
    let path = dir.join(container);
    let existed = path.is_dir();
    std::fs::create_dir_all(&path).map_err(io)?;
    Ok(!existed)
}

/// The container if its account is the subscription's (whether or not the container exists):
/// what `delete_container` will delete.
pub(super) fn owned_container(
    data_dir: &Path,
    subscription: &str,
    account: &str,
    container: &str,
) -> Result<Option<ContainerRef>, ApiError> {
    let account = normalize("storage account", account)?;
    let container = normalize("container", container)?;
    Ok((owner(data_dir, &account).as_deref() == Some(subscription))
        .then_some(ContainerRef { account, container }))
}

/// Deletes the container from the registry (with the folder store's blobs, which live in its
/// folder), and the account once it holds no container; absent (or another subscription's)
/// containers are left alone. Other stores' blobs go first, with `BlobStore::delete_container`.
pub(super) fn delete_container(
    data_dir: &Path,
    subscription: &str,
    account: &str,
    container: &str,
) -> Result<(), ApiError> {
    let account = normalize("storage account", account)?;
    let container = normalize("container", container)?;
    if owner(data_dir, &account).as_deref() != Some(subscription) {
        return Ok(());
    }
    let dir = account_dir(data_dir, &account);
    let io = |e: std::io::Error| ApiError::internal(format!("cannot delete the container: {e}"));
    match std::fs::remove_dir_all(dir.join(&container)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let containers_left = std::fs::read_dir(&dir)
        .map_err(io)?
        .flatten()
        .any(|e| e.path().is_dir());
    if !containers_left {
        std::fs::remove_dir_all(&dir).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn containers_belong_to_their_subscription() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        assert!(!container_exists(d, "a", "acct", "content").expect("exists"));
        assert!(create_container(d, "a", "ACCT", "content", Duration::ZERO).expect("create"));
        assert!(!create_container(d, "a", "acct", "content", Duration::ZERO).expect("again"));
        assert!(container_exists(d, "a", "acct", "content").expect("exists"));
        assert!(!container_exists(d, "b", "acct", "content").expect("other sub"));
        let err = create_container(d, "b", "acct", "other", Duration::ZERO).expect_err("taken");
        assert_eq!(err.status, axum::http::StatusCode::CONFLICT);
        delete_container(d, "b", "acct", "content").expect("no-op");
        assert!(container_exists(d, "a", "acct", "content").expect("still"));
        delete_container(d, "a", "acct", "content").expect("delete");
        assert!(!account_dir(d, "acct").exists());
        assert!(create_container(d, "b", "acct", "content", Duration::ZERO).expect("free again"));
        assert!(create_container(d, "b", "../x", "content", Duration::ZERO).is_err());
    }
}
