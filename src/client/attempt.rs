//! Why one content location could not deliver the package ([`AttemptError`]); the client then
//! moves on to the next location. Messages are for the client's operator.

use serde::Serialize;
use serde::ser::SerializeStruct;

/// Why one content location could not deliver the package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttemptError {
    /// The management point listed no address for the service: no instance runs.
    #[error(
        "the management point gave no address for {fqdn}: no instance is serving it (the service may be stopped)"
    )]
    NoInstance {
        /// Service FQDN.
        fqdn: String,
    },
    /// No instance accepted a connection (or every one broke off before answering).
    #[error("cannot connect to {fqdn} at {}: {detail}; the service may be stopped", .addresses.join(", "))]
    Unreachable {
        /// Service FQDN.
        fqdn: String,
        /// The instance addresses tried (`ip:port`), in the order tried.
        addresses: Vec<String>,
        /// The last cause, e.g. `Connection refused (os error 111)`.
        detail: String,
    },
    /// An instance took the connection but closed it without answering.
    #[error("{fqdn} at {address} closed the connection without answering: {detail}")]
    NoAnswer {
        /// Service FQDN.
        fqdn: String,
        /// The instance address (`ip:port`).
        address: String,
        /// The cause.
        detail: String,
    },
    /// The service certificate does not chain to a trusted root.
    #[error("{}", untrusted(.fqdn, *.roots, .detail))]
    Untrusted {
        /// Service FQDN.
        fqdn: String,
        /// How many roots were given with `--trust` (0: the system's roots were used).
        roots: usize,
        /// The TLS library's reason.
        detail: String,
    },
    /// The service certificate is for another name.
    #[error(
        "the certificate of {fqdn} is not valid for that name ({detail}): the service certificate was issued for another FQDN"
    )]
    WrongName {
        /// Service FQDN.
        fqdn: String,
        /// The TLS library's reason.
        detail: String,
    },
    /// Another TLS failure (expired certificate, handshake refused…).
    #[error("the TLS handshake with {fqdn} failed: {detail}")]
    Tls {
        /// Service FQDN.
        fqdn: String,
        /// The TLS library's reason.
        detail: String,
    },
    /// 401: the token is missing, malformed, forged or expired (the body says which).
    #[error("{fqdn} refused the access token (401 Unauthorized): {body}")]
    Unauthorized {
        /// Service FQDN.
        fqdn: String,
        /// The instance's reason from the body, on one line, at most 300 characters.
        body: String,
    },
    /// 403: the token is for another package or service (the body says which).
    #[error("{fqdn} refused access (403 Forbidden): {body}")]
    Forbidden {
        /// Service FQDN.
        fqdn: String,
        /// The instance's reason from the body, on one line, at most 300 characters.
        body: String,
    },
    /// 404: the service does not hold the file.
    #[error(
        "{fqdn} does not have {file} (404 Not Found): the package may not be distributed there (yet)"
    )]
    NotFound {
        /// Service FQDN.
        fqdn: String,
        /// File name.
        file: String,
    },
    /// Any other status the instance refused the file with (not 401, 403 or 404).
    #[error("{fqdn} answered {status} for {file}: {body}")]
    Http {
        /// Service FQDN.
        fqdn: String,
        /// File name.
        file: String,
        /// The HTTP status code.
        status: u16,
        /// The instance's body, on one line, at most 300 characters.
        body: String,
    },
    /// The body broke off on every instance; what arrived is kept for resuming.
    #[error(
        "the download of {file} from {fqdn} broke off after {received} bytes: {detail} (what arrived is kept to resume)"
    )]
    Interrupted {
        /// Service FQDN.
        fqdn: String,
        /// File name.
        file: String,
        /// Encrypted bytes in the part file.
        received: u64,
        /// The cause.
        detail: String,
    },
    /// The download does not decrypt with the package key.
    #[error("{file} from {fqdn} does not decrypt: {detail}; the download was deleted")]
    Corrupt {
        /// Service FQDN.
        fqdn: String,
        /// File name.
        file: String,
        /// The decryption error.
        detail: String,
    },
    /// It decrypts, but not to what the management point announced.
    #[error(
        "{file} from {fqdn} decrypts to {actual_size} bytes with SHA-256 {actual}, but the management point announced {expected_size} bytes with SHA-256 {expected}; the download was deleted"
    )]
    Mismatch {
        /// Service FQDN.
        fqdn: String,
        /// File name.
        file: String,
        /// Announced SHA-256 (hex; `any` when none was announced).
        expected: String,
        /// SHA-256 of what was received.
        actual: String,
        /// Announced plaintext size.
        expected_size: u64,
        /// Plaintext size received.
        actual_size: u64,
    },
    /// The location itself is unusable (bad URL or addresses).
    #[error("the content location of {fqdn} is unusable: {detail}")]
    BadLocation {
        /// Service FQDN.
        fqdn: String,
        /// What is wrong.
        detail: String,
    },
}

fn untrusted(fqdn: &str, roots: usize, detail: &str) -> String {
    if roots == 0 {
        format!(
            "the certificate of {fqdn} is not trusted by this system's root certificates ({detail}): give the root CA that issued the service certificate with --trust ROOT.cer"
        )
    } else {
        let plural = if roots == 1 { "" } else { "s" };
        format!(
            "the certificate of {fqdn} is not trusted by the roots given with --trust ({roots} certificate{plural}; {detail}): give the root CA that issued the service certificate"
        )
    }
}

impl AttemptError {
    /// A stable name of the failure kind, for JSON and scripts.
    pub fn kind(&self) -> &'static str {
        match self {
            AttemptError::NoInstance { .. } => "no-instance",
            AttemptError::Unreachable { .. } => "unreachable",
            AttemptError::NoAnswer { .. } => "no-answer",
            AttemptError::Untrusted { .. } => "untrusted",
            AttemptError::WrongName { .. } => "wrong-name",
            AttemptError::Tls { .. } => "tls",
            AttemptError::Unauthorized { .. } => "unauthorized",
            AttemptError::Forbidden { .. } => "forbidden",
            AttemptError::NotFound { .. } => "not-found",
            AttemptError::Http { .. } => "http",
            AttemptError::Interrupted { .. } => "interrupted",
            AttemptError::Corrupt { .. } => "corrupt",
            AttemptError::Mismatch { .. } => "mismatch",
            AttemptError::BadLocation { .. } => "bad-location",
        }
    }

    /// The error for an HTTP status other than success, with the instance's `body`.
    pub fn from_status(fqdn: &str, file: &str, status: u16, body: &str) -> AttemptError {
        let (fqdn, file, body) = (fqdn.to_string(), file.to_string(), short(body));
        match status {
            401 => AttemptError::Unauthorized { fqdn, body },
            403 => AttemptError::Forbidden { fqdn, body },
            404 => AttemptError::NotFound { fqdn, file },
            _ => AttemptError::Http {
                fqdn,
                file,
                status,
                body,
            },
        }
    }
}

impl Serialize for AttemptError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("AttemptError", 2)?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// An instance's plain-text reason, on one line and at most 300 characters.
pub(crate) fn short(body: &str) -> String {
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "no reason given".into();
    }
    let mut out: String = line.chars().take(300).collect();
    if out.len() < line.len() {
        out.push('…');
    }
    out
}
