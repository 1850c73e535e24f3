//! Work that must not hold an async thread: opening certificates runs key derivations.

use super::error::OpResult;

/// Runs `f` on a blocking thread.
pub(super) async fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> OpResult<T> {
    Ok(tokio::task::spawn_blocking(f).await?)
}
