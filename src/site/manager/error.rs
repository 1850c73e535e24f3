//! Why a task step failed.

use crate::cloud::CloudError;
use crate::site::cp_certs::CertError;
use crate::site::repo::RepoError;

/// Why a task step failed; its text becomes the task's error and the service's details.
#[derive(Debug, thiserror::Error)]
pub(super) enum StepError {
    /// The cloud refused or failed.
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// The site database or secrets failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// The connection point CA could not be made or read.
    #[error(transparent)]
    Certificates(#[from] CertError),
    /// The cloud did not get there in time.
    #[error("{0}")]
    Timeout(String),
    /// Another services manager took the task over under a newer lease: this one stops
    /// touching it.
    #[error("the task {0} was taken over by another services manager")]
    TakenOver(String),
}
