//! What a fetch reports: events while it runs ([`FetchEvent`]) and the result ([`FetchReport`]).

use super::attempt::AttemptError;
use serde::Serialize;

/// Something that happened during a fetch, for progress output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchEvent {
    /// Trying location `index` (1-based) of `total` through `address`.
    Trying {
        /// 1-based position in the management point's list.
        index: usize,
        /// Locations offered.
        total: usize,
        /// Service FQDN.
        service_fqdn: String,
        /// CDP or CMG.
        kind: crate::domain::service::HostedKind,
        /// The instance address tried first (`None`: the location lists no usable address).
        address: Option<String>,
    },
    /// An instance failed (refused, broke off); the service's next address is tried.
    AddressFailed {
        /// 1-based location index.
        index: usize,
        /// The address that failed.
        address: String,
        /// The address tried next.
        next: String,
        /// Why it failed.
        error: AttemptError,
    },
    /// A file is already complete and verified in the folder: not downloaded again.
    FileSkipped {
        /// File name.
        file: String,
        /// Plaintext size.
        size: u64,
    },
    /// A file's download starts; `from` > 0 resumes a part left by an earlier run.
    FileStarted {
        /// File name.
        file: String,
        /// Bytes already in the part.
        from: u64,
        /// Encrypted size expected.
        total: u64,
    },
    /// Encrypted bytes of a file received so far (every few MiB, and at the end).
    Progress {
        /// File name.
        file: String,
        /// Bytes in the part.
        received: u64,
        /// Encrypted size expected.
        total: u64,
    },
    /// A file was decrypted, verified and put in place.
    FileDone {
        /// File name.
        file: String,
        /// Plaintext size.
        size: u64,
        /// SHA-256 of the plaintext (hex).
        sha256: String,
    },
    /// A location failed; the next one is tried.
    LocationFailed {
        /// 1-based location index.
        index: usize,
        /// Service FQDN.
        service_fqdn: String,
        /// Why.
        error: AttemptError,
    },
}

/// How a file came to be in the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Downloaded whole in this run.
    Downloaded,
    /// Completed from a part an earlier run (or an earlier location) left.
    Resumed,
    /// Already complete and verified: not downloaded.
    AlreadyPresent,
}

/// A file of the package, complete and verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// File name.
    pub name: String,
    /// Plaintext size.
    pub size: u64,
    /// SHA-256 of the plaintext (hex, lower case).
    pub sha256: String,
    /// Where it is.
    pub path: String,
    /// How it got there.
    pub status: FileStatus,
    /// FQDN of the service it came from (`None` when it was already present).
    pub source: Option<String>,
}

/// One location tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptReport {
    /// Service id.
    pub service_id: String,
    /// `cdp` or `cmg`.
    pub kind: crate::domain::service::HostedKind,
    /// Service FQDN.
    pub service_fqdn: String,
    /// The instance address used last (`None` when there was none to use).
    pub address: Option<String>,
    /// Files it delivered.
    pub files: usize,
    /// Encrypted bytes received from it.
    pub downloaded_bytes: u64,
    /// Why it failed (`None`: it delivered every remaining file).
    pub error: Option<AttemptError>,
}

/// The service a fetch finished with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// Service id.
    pub service_id: String,
    /// `cdp` or `cmg`.
    pub kind: crate::domain::service::HostedKind,
    /// Service FQDN.
    pub service_fqdn: String,
    /// The instance address used.
    pub address: Option<String>,
}

/// The result of a fetch (also inside [`super::FetchError::AllFailed`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FetchReport {
    /// Package id.
    pub package_id: String,
    /// Package name.
    pub package_name: String,
    /// The folder the files are in.
    pub out_dir: String,
    /// Files complete and verified (all of them on success).
    pub files: Vec<FileReport>,
    /// The location that delivered the last files (`None` if nothing had to be downloaded).
    pub source: Option<SourceReport>,
    /// Each location tried, in order.
    pub attempts: Vec<AttemptReport>,
    /// Encrypted bytes received over the network in this run.
    pub downloaded_bytes: u64,
    /// Plaintext bytes of the package.
    pub total_bytes: u64,
    /// Wall time, seconds.
    pub elapsed_secs: f64,
    /// `downloaded_bytes` per second, in MB (10^6 bytes).
    pub mb_per_sec: f64,
}

/// Megabytes (10^6) per second for `bytes` in `secs`; 0 when no time passed.
pub(super) fn mb_per_sec(bytes: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        bytes as f64 / 1e6 / secs
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_json_names() {
        assert_eq!(mb_per_sec(10_000_000, 2.0), 5.0);
        assert_eq!(mb_per_sec(10, 0.0), 0.0);
        assert_eq!(
            serde_json::to_value(FileStatus::AlreadyPresent).expect("json"),
            "already-present"
        );
    }
}
