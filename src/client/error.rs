//! Why a fetch failed: [`AttemptError`] for one content location (the client moves on to the
//! next), [`FetchError`] for the whole fetch. Messages are for the client's operator.

use super::report::FetchReport;
use crate::api::client::ClientError;
use serde::Serialize;
use serde::ser::SerializeStruct;
use std::error::Error as StdError;
use std::path::PathBuf;

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
        /// The addresses tried.
        addresses: Vec<String>,
        /// The last cause, e.g. `Connection refused (os error 111)`.
        detail: String,
    },
    /// An instance took the connection but closed it without answering.
    #[error("{fqdn} at {address} closed the connection without answering: {detail}")]
    NoAnswer {
        /// Service FQDN.
        fqdn: String,
        /// The instance address.
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
        /// The instance's reason.
        body: String,
    },
    /// 403: the token is for another package or service (the body says which).
    #[error("{fqdn} refused access (403 Forbidden): {body}")]
    Forbidden {
        /// Service FQDN.
        fqdn: String,
        /// The instance's reason.
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
    /// Any other status.
    #[error("{fqdn} answered {status} for {file}: {body}")]
    Http {
        /// Service FQDN.
        fqdn: String,
        /// File name.
        file: String,
        /// HTTP status.
        status: u16,
        /// The instance's body (shortened).
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

/// Why a fetch failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The management point could not be asked.
    #[error("{}", site_failed(.0))]
    Site(#[from] ClientError),
    /// The management point offers no source (its note says why).
    #[error("the management point offers no cloud source for {package}: {}", .note.as_deref().unwrap_or("no reason given"))]
    NoSource {
        /// Package id.
        package: String,
        /// The management point's note.
        note: Option<String>,
    },
    /// Every location failed; the report lists each attempt and why.
    #[error("{}", all_failed(.report))]
    AllFailed {
        /// What was done: files already complete, and each attempt with its error.
        report: Box<FetchReport>,
    },
    /// The management point's answer cannot be used (bad key, unsafe file name).
    #[error("the management point's answer is unusable: {0}")]
    BadAnswer(String),
    /// A root given to trust is not a certificate.
    #[error("a root certificate to trust is unusable: {0}")]
    Trust(String),
    /// The output folder cannot be written: no location can help.
    #[error("{}: {detail}", .path.display())]
    Local {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        detail: String,
    },
}

fn site_failed(e: &ClientError) -> String {
    match e {
        ClientError::Api { .. } => format!("the management point refused the request: {e}"),
        // Already says "cannot reach the site at …".
        ClientError::Transport { .. } => e.to_string(),
    }
}

fn all_failed(report: &FetchReport) -> String {
    let mut out = format!(
        "no content location could deliver {} ({}):",
        report.package_id, report.package_name
    );
    for (i, a) in report.attempts.iter().enumerate() {
        let why = a
            .error
            .as_ref()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "no error recorded".into());
        out.push_str(&format!(
            "\n  {}. {} ({}): {why}",
            i + 1,
            a.service_fqdn,
            a.kind
        ));
    }
    out
}

impl FetchError {
    /// A local I/O failure on `path`.
    pub(crate) fn local(path: &std::path::Path, e: impl std::fmt::Display) -> FetchError {
        FetchError::Local {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    }
}

/// How a request failure counts.
#[derive(Debug)]
pub(crate) enum Failure {
    /// This address failed (connection refused, broke off): try the service's next address.
    Address(AttemptError),
    /// The location failed: try the next location.
    Location(AttemptError),
    /// Nothing else can work (the disk): stop.
    Fatal(FetchError),
}

/// The rustls error somewhere in `err`'s chain (tokio-rustls wraps it in an `io::Error`).
fn find_rustls<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        // `io::Error::source` skips the error it wraps, so look inside by hand (the connector
        // wraps the rustls error in an io::Error wrapped in another).
        let mut inner: &(dyn StdError + 'static) = e;
        while let Some(io) = inner.downcast_ref::<std::io::Error>()
            && let Some(wrapped) = io.get_ref()
        {
            if let Some(r) = wrapped.downcast_ref::<rustls::Error>() {
                return Some(r);
            }
            inner = wrapped;
        }
        cur = e.source();
    }
    None
}

/// The innermost cause's message: reqwest's own top line only says "error sending request".
pub(crate) fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// The TLS failure for a rustls error met connecting to `fqdn` with `roots` roots given.
pub(crate) fn tls_failure(fqdn: &str, roots: usize, e: &rustls::Error) -> AttemptError {
    use rustls::CertificateError as C;
    let (fqdn, detail) = (fqdn.to_string(), e.to_string());
    match e {
        rustls::Error::InvalidCertificate(
            C::UnknownIssuer | C::BadSignature | C::UnhandledCriticalExtension | C::Other(_),
        ) => AttemptError::Untrusted {
            fqdn,
            roots,
            detail,
        },
        // The platform verifier's answer when the system has no root store at all.
        rustls::Error::General(text) if roots == 0 && text.contains("CA certificates") => {
            AttemptError::Untrusted {
                fqdn,
                roots,
                detail,
            }
        }
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => AttemptError::WrongName { fqdn, detail },
        _ => AttemptError::Tls { fqdn, detail },
    }
}

/// Classifies a failed request to `fqdn` through `address`.
pub(crate) fn classify(err: &reqwest::Error, fqdn: &str, address: &str, roots: usize) -> Failure {
    if let Some(tls) = find_rustls(err) {
        // The same certificate is served by every instance: no other address helps.
        return Failure::Location(tls_failure(fqdn, roots, tls));
    }
    let (fqdn, address, detail) = (fqdn.to_string(), address.to_string(), root_cause(err));
    // Either way another instance may do better.
    Failure::Address(if err.is_connect() {
        AttemptError::Unreachable {
            fqdn,
            addresses: vec![address],
            detail,
        }
    } else {
        AttemptError::NoAnswer {
            fqdn,
            address,
            detail,
        }
    })
}

/// The location's error once every address failed: one `Unreachable` naming them all, or the
/// last failure when it was something else (a broken-off body).
pub(crate) fn every_address_failed(
    fqdn: &str,
    failures: Vec<(String, AttemptError)>,
) -> AttemptError {
    let all_unreachable = failures
        .iter()
        .all(|(_, e)| matches!(e, AttemptError::Unreachable { .. }));
    let addresses = failures.iter().map(|(a, _)| a.clone()).collect();
    match failures.into_iter().last() {
        Some((_, AttemptError::Unreachable { detail, .. })) if all_unreachable => {
            AttemptError::Unreachable {
                fqdn: fqdn.to_string(),
                addresses,
                detail,
            }
        }
        Some((_, e)) => e,
        None => AttemptError::NoInstance {
            fqdn: fqdn.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FQDN: &str = "cdp1.lab.contoso.com";

    #[test]
    fn statuses_map_to_kinds_with_the_body() {
        let e = AttemptError::from_status(
            FQDN,
            "a.msi",
            401,
            "the access token expired at 2030-01-01 00:00:00 (UTC); ask the management point for a new one\n",
        );
        assert_eq!(e.kind(), "unauthorized");
        assert_eq!(
            e.to_string(),
            "cdp1.lab.contoso.com refused the access token (401 Unauthorized): the access token expired at 2030-01-01 00:00:00 (UTC); ask the management point for a new one"
        );
        let e = AttemptError::from_status(
            FQDN,
            "a.msi",
            403,
            "the access token is for package PS100002, not this one",
        );
        assert!(matches!(e, AttemptError::Forbidden { ref body, .. } if body.contains("PS100002")));
        assert!(e.to_string().contains("403 Forbidden"));
        let e = AttemptError::from_status(FQDN, "a.msi", 404, "not found\n");
        assert_eq!(
            e.to_string(),
            "cdp1.lab.contoso.com does not have a.msi (404 Not Found): the package may not be distributed there (yet)"
        );
        let e = AttemptError::from_status(FQDN, "a.msi", 503, "");
        assert_eq!(
            e.to_string(),
            "cdp1.lab.contoso.com answered 503 for a.msi: no reason given"
        );
        assert_eq!(short(&"x".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn trust_failures_name_the_fix() {
        let bad = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let with = tls_failure(FQDN, 1, &bad);
        assert_eq!(with.kind(), "untrusted");
        let text = with.to_string();
        assert!(text.starts_with("the certificate of cdp1.lab.contoso.com is not trusted by the roots given with --trust (1 certificate;"), "{text}");
        let without = tls_failure(FQDN, 0, &bad).to_string();
        assert!(
            without.contains("this system's root certificates"),
            "{without}"
        );
        assert!(without.contains("--trust ROOT.cer"), "{without}");
        let name = rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName);
        assert_eq!(tls_failure(FQDN, 1, &name).kind(), "wrong-name");
        let no_store =
            rustls::Error::General("No CA certificates were loaded from the system".into());
        assert_eq!(tls_failure(FQDN, 0, &no_store).kind(), "untrusted");
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        assert_eq!(tls_failure(FQDN, 1, &expired).kind(), "tls");
        // Wrapped in an io::Error in an io::Error, as the connector hands it over.
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, bad);
        let outer = std::io::Error::other(io);
        assert!(find_rustls(&outer).is_some());
    }

    #[test]
    fn every_address_refused_names_them_all() {
        let refused = |a: &str| {
            (
                a.to_string(),
                AttemptError::Unreachable {
                    fqdn: FQDN.into(),
                    addresses: vec![a.into()],
                    detail: "Connection refused (os error 111)".into(),
                },
            )
        };
        let e = every_address_failed(FQDN, vec![refused("127.0.0.1:1"), refused("127.0.0.1:2")]);
        assert_eq!(
            e.to_string(),
            "cannot connect to cdp1.lab.contoso.com at 127.0.0.1:1, 127.0.0.1:2: Connection refused (os error 111); the service may be stopped"
        );
        let broke = AttemptError::Interrupted {
            fqdn: FQDN.into(),
            file: "a.msi".into(),
            received: 10,
            detail: "connection reset".into(),
        };
        let e = every_address_failed(
            FQDN,
            vec![
                refused("127.0.0.1:1"),
                ("127.0.0.1:2".into(), broke.clone()),
            ],
        );
        assert_eq!(e, broke);
        assert!(e.to_string().contains("kept to resume"));
        assert_eq!(every_address_failed(FQDN, vec![]).kind(), "no-instance");
        let json = serde_json::to_value(&broke).expect("json");
        assert_eq!(json["kind"], "interrupted");
        assert!(
            json["message"]
                .as_str()
                .is_some_and(|m| m.contains("a.msi"))
        );
    }
}
