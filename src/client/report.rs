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
        /// How many locations the management point offered; always ≥ 1.
        total: usize,
        /// The location's service FQDN.
        service_fqdn: String,
        /// CDP or CMG.
        kind: crate::domain::service::HostedKind,
        /// The instance address tried first (`None`: the location lists no usable address).
        address: Option<String>,
    },
    /// An instance failed (refused, broke off); the service's next address is tried.
    AddressFailed {
        /// 1-based location index, as in [`FetchEvent::Trying`].
        index: usize,
        /// The instance address that failed (`ip:port`).
        address: String,
        /// The instance address tried next (`ip:port`); the download resumes from what arrived.
        next: String,
        /// Why it failed.
        error: AttemptError,
    },
    /// A file is already complete and verified in the folder: not downloaded again.
    FileSkipped {
        /// The package file's name.
        file: String,
        /// Plaintext size in bytes.
        size: u64,
    },
    /// A file's download starts; `from` > 0 resumes a part left by an earlier run.
    FileStarted {
        /// The package file's name.
        file: String,
        /// Encrypted bytes already in the part (0 for a fresh download).
        from: u64,
        /// Encrypted size expected, in bytes.
        total: u64,
    },
    /// Encrypted bytes of a file received so far (every few MiB, and at the end).
    Progress {
        /// The package file's name.
        file: String,
        /// Encrypted bytes in the part so far, including any it resumed from.
        received: u64,
        /// Encrypted size expected, in bytes.
        total: u64,
    },
    /// A file was decrypted, verified and put in place.
    FileDone {
        /// The package file's name.
        file: String,
        /// Plaintext size in bytes.
        size: u64,
        /// SHA-256 of the plaintext (lower-case hex).
        sha256: String,
    },
    /// A location failed; the next one is tried.
    LocationFailed {
        /// 1-based location index, as in [`FetchEvent::Trying`].
        index: usize,
        /// The location's service FQDN.
        service_fqdn: String,
        /// Why the location failed; when every instance failed, the last one's reason (or, when
        /// none could be reached, one `unreachable` naming them all).
        error: AttemptError,
    },
}

/// How a file came to be in the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Downloaded in one response in this run; no earlier part was used.
    Downloaded,
    /// Completed from a part an earlier run, location or instance left.
    Resumed,
    /// Already complete and verified: not downloaded.
    AlreadyPresent,
}

/// A file of the package, complete and verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The package file's name.
    pub name: String,
    /// Plaintext size in bytes.
    pub size: u64,
    /// SHA-256 of the plaintext (hex, lower case).
    pub sha256: String,
    /// Its path: the output folder joined with `name`.
    pub path: String,
    /// Downloaded, resumed or already present.
    pub status: FileStatus,
    /// FQDN of the service it came from (`None` when it was already present).
    pub source: Option<String>,
}

/// One location tried, with what it delivered before it failed (or finished).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptReport {
    /// The service's id at the site (32 hex digits).
    pub service_id: String,
    /// `cdp` or `cmg`.
    pub kind: crate::domain::service::HostedKind,
    /// The service's FQDN.
    pub service_fqdn: String,
    /// The instance address used last (`None` when there was none to use).
    pub address: Option<String>,
    /// How many files it completed (verified and put in place).
    pub files: usize,
    /// Encrypted bytes received from it in this run, including bytes of files it did not finish.
    pub downloaded_bytes: u64,
    /// Why it failed (`None`: it delivered every remaining file).
    pub error: Option<AttemptError>,
}

/// The service a fetch finished with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// The service's id at the site (32 hex digits).
    pub service_id: String,
    /// `cdp` or `cmg`.
    pub kind: crate::domain::service::HostedKind,
    /// The service's FQDN.
    pub service_fqdn: String,
    /// The instance address (`ip:port`) that delivered the last file.
    pub address: Option<String>,
}

/// The result of a fetch (also inside [`super::FetchError::AllFailed`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FetchReport {
    /// Package id (e.g. `PS100001`), as the management point answered.
    pub package_id: String,
    /// The package's name.
    pub package_name: String,
    /// The folder the files are in.
    pub out_dir: String,
    /// Files complete and verified (all of them on success).
    pub files: Vec<FileReport>,
    /// The location that delivered the last files (`None` if nothing had to be downloaded).
    pub source: Option<SourceReport>,
    /// Each location tried, in order; the last one is `source` on success.
    pub attempts: Vec<AttemptReport>,
    /// Encrypted bytes received over the network in this run.
    pub downloaded_bytes: u64,
    /// Plaintext bytes of the whole package (every file, whether fetched in this run or not).
    pub total_bytes: u64,
    /// Wall time, seconds, from when the locations were in hand (the management point request
    /// is not counted).
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
