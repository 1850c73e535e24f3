//! What an inspection returns (the JSON report of `cert inspect`) and how it is asked for.

use super::findings::{Finding, Role};
use super::{pkcs12, publishsettings, x509};
use serde::Serialize;
use time::OffsetDateTime;

/// Why a file could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The password does not open the file.
    WrongPassword,
    /// The bytes are not a well-formed certificate file.
    Malformed,
    /// Well-formed, but a format or algorithm this tool does not read.
    Unsupported,
    /// The file could not be read from disk.
    Io,
}

/// The `error` object of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectError {
    /// The category, a stable name for scripts (`wrong_password`, `malformed`, …).
    pub kind: ErrorKind,
    /// What went wrong, for the operator.
    pub message: String,
}

impl InspectError {
    pub(super) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        InspectError {
            kind,
            message: message.into(),
        }
    }
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Fit for the role, nothing to note.
    Usable,
    /// Fit for the role, with warnings.
    UsableWithWarnings,
    /// Read, but not fit for the role.
    Unusable,
    /// Not read; the report's `error` says why.
    Unreadable,
}

impl Verdict {
    /// Exit code of `cloudsite cert inspect`: 0 usable, 1 unusable, 2 unreadable.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Usable | Verdict::UsableWithWarnings => 0,
            Verdict::Unusable => 1,
            Verdict::Unreadable => 2,
        }
    }
}

/// Facts about the private key (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySummary {
    /// `RSA`, `RSA-PSS`, `EC`, `Ed25519`, `Ed448`, `DSA`, … or the dotted OID.
    pub algorithm: String,
    /// Size in bits as OpenSSL reports it (253 for Ed25519), when known.
    pub bits: Option<u32>,
    /// Named curve of an EC key, e.g. `P-256`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
}

/// The inspection report (the `--json` object).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The file was read; `false` exactly when `error` is set.
    pub ok: bool,
    /// Why it was not, else `null`.
    pub error: Option<InspectError>,
    /// `pkcs12`, `x509-der`, `pem`, `pkcs7`, `pkcs8-der` or `publishsettings`.
    pub format: Option<&'static str>,
    /// The role checked, if any.
    pub role: Option<Role>,
    /// The file holds a private key.
    pub has_private_key: bool,
    /// Facts of the file's first private key; `null` when it holds none.
    pub private_key: Option<KeySummary>,
    /// Every certificate, in file order.
    pub certificates: Vec<x509::CertFacts>,
    /// Index of the certificate matching the private key, else the first.
    pub leaf: Option<usize>,
    /// Service FQDN derived from the leaf CN (null for a wildcard or an invalid name).
    pub service_fqdn: Option<String>,
    /// For a wildcard CN `*.contoso.com`: `contoso.com` (the operator supplies the host).
    pub wildcard_domain: Option<String>,
    /// Subscriptions of a `.publishsettings` file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<Vec<publishsettings::Subscription>>,
    /// How a PKCS#12 file is protected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protection: Option<pkcs12::Protection>,
    /// Findings, errors first.
    pub findings: Vec<Finding>,
    /// Overall verdict: any error finding makes it `unusable`, any warning
    /// `usable_with_warnings`.
    pub verdict: Verdict,
}

impl Report {
    /// A report for a file that could not be inspected at all (e.g. its password could not be read).
    pub fn failed(kind: ErrorKind, message: impl Into<String>, role: Option<Role>) -> Report {
        Report::unreadable(None, role, InspectError::new(kind, message))
    }

    pub(super) fn unreadable(
        format: Option<&'static str>,
        role: Option<Role>,
        error: InspectError,
    ) -> Report {
        Report {
            ok: false,
            error: Some(error),
            format,
            role,
            has_private_key: false,
            private_key: None,
            certificates: Vec::new(),
            leaf: None,
            service_fqdn: None,
            wildcard_domain: None,
            subscriptions: None,
            protection: None,
            findings: Vec::new(),
            verdict: Verdict::Unreadable,
        }
    }

    /// The leaf certificate's facts.
    pub fn leaf_cert(&self) -> Option<&x509::CertFacts> {
        self.leaf.and_then(|i| self.certificates.get(i))
    }
}

/// How to inspect.
#[derive(Debug, Clone)]
pub struct Options {
    /// The password (empty also tries the "null" password).
    pub password: String,
    /// The role to check for; `None` checks only role-independent rules
    /// (a `.publishsettings` file is then checked as a management certificate).
    pub role: Option<Role>,
    /// The time validity is judged at.
    pub now: OffsetDateTime,
    /// Largest iteration count accepted in one key derivation.
    pub max_iterations: u64,
    /// Total key-derivation iterations one inspection may spend.
    pub total_iterations: u64,
}

impl Options {
    /// Defaults: no password, no role, now, limits generous for every real file.
    pub fn new() -> Self {
        Options {
            password: String::new(),
            role: None,
            now: OffsetDateTime::now_utc(),
            max_iterations: 10_000_000,
            total_iterations: 40_000_000,
        }
    }

    /// Sets the password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = password.into();
        self
    }

    /// Sets the role.
    pub fn role(mut self, role: Option<Role>) -> Self {
        self.role = role;
        self
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}
